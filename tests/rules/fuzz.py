"""Random differential fuzzer of the rule compiler (issue 13): hypothesis builds a query as a sqlglot
AST over a small typed schema, prints it in each source dialect, and every printed query is run
twice on the same seeded data:

* **certlib**: ``compile_sql(text, dialect=D)`` and the polars engine (``pl.SQLContext``);
* **the oracle**: DuckDB. A ``duckdb`` query runs as written; any other dialect is parsed by sqlglot
  in its dialect, typed against the schema (so integer division and the like keep the source
  dialect's meaning) and printed for DuckDB; for ``tsql`` the oracle then models SQL Server where it
  differs from DuckDB (see ``tsql_model`` and docs/fuzzing.md).

Rows are compared as type-normalized multisets. A compile-time refusal is fine (counted by reason);
a mismatch, or a run-time error of a query certlib accepted, is a failure.

Generator knobs (``Knobs``) switch on constructs whose classes another change is fixing; they are off
in the ``make test`` budget until that change lands, and listed in docs/fuzzing.md.

Run it: ``python -m tests.rules.fuzz --queries 10000`` (``make fuzz``).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from certlib.errors import RuleError
from certlib.rules import compile_sql
from certlib.rules.model import POLARS_TYPES, Column, Pack, TableSchema

DIALECTS = ("postgres", "duckdb", "tsql", "snowflake")
DATA_SEEDS = 6  # data sets the generator draws from (cached: frames and DuckDB connections)
PARAMS = {"school_year": 2025, "as_of_date": date(2025, 6, 30)}

# ---------------------------------------------------------------------------------------------------
# The schema: students, enrollments, attendance (int, float, string, date, bool; NULLs in most columns)

TABLES: dict[str, dict[str, str]] = {
    "students": {
        "student_id": "int",
        "name": "string",
        "birth_date": "date",
        "gpa": "float",
        "active": "bool",
        "credits": "int",
        "big": "int",
    },
    "enrollments": {
        "enrollment_id": "int",
        "student_id": "int",
        "school": "string",
        "grade": "int",
        "start_date": "date",
        "end_date": "date",
        "fee": "float",
    },
    "attendance": {
        "attendance_id": "int",
        "enrollment_id": "int",
        "day": "date",
        "minutes": "int",
        "present": "bool",
        "code": "string",
    },
}
KEYS = {"students": "student_id", "enrollments": "enrollment_id", "attendance": "attendance_id"}
#: join paths (child table, child column, parent table, parent column)
LINKS = [
    ("enrollments", "student_id", "students", "student_id"),
    ("attendance", "enrollment_id", "enrollments", "enrollment_id"),
]


def fuzz_pack() -> Pack:
    tables = {
        name: TableSchema(name=name, columns=tuple(Column(c, t) for c, t in cols.items()), keys=(KEYS[name],))
        for name, cols in TABLES.items()
    }
    return Pack(name="fuzz", root=Path("."), dialect="postgres", max_results=100, tables=tables, groups={}, rules={})


PACK = fuzz_pack()
SQL_SCHEMA = {
    t: {
        c: {"string": "VARCHAR", "int": "BIGINT", "float": "DOUBLE", "date": "DATE", "bool": "BOOLEAN"}[ty]
        for c, ty in cols.items()
    }
    for t, cols in TABLES.items()
}


@dataclass(frozen=True)
class Knobs:
    """Constructs per issue-13 class; all on since the classes landed (``Knobs.all_off()`` for the plain
    generator, ``--knob-off NAME`` on the command line)."""

    decimal_cast: bool = True  # 1: a decimal literal divided, or CAST(... AS INT) of it
    overflow: bool = True  # 2: extreme integers in data and arithmetic; SUM of them; EXTRACT in arithmetic
    unicode_case: bool = True  # 3: ß, İ, ı in data/literals under UPPER/LOWER/ILIKE
    regex: bool = True  # 4: regular expressions
    substring: bool = True  # 5: SUBSTRING with a start <= 0
    try_cast: bool = True  # 6: TRY_CAST
    distinct_from: bool = True  # 7: IS [NOT] DISTINCT FROM
    tsql_collation: bool = True  # 8: tsql queries on mixed-case / trailing-blank / non-ASCII strings
    clock: bool = True  # 9: CURRENT_DATE (the oracle binds it to as_of_date)
    zero_divisor: bool = True  # found here: x % 0 is NULL in polars, an error in DuckDB/PostgreSQL
    arith_overflow: bool = False  # off, documented (docs/fuzzing.md): + - * past 64 bits raise in SQL, wrap in polars
    daily: bool = True  # the "lift over-cautious refusals": quoted dates / integers, day of week,
    #                     MEDIAN, ROWS BETWEEN n PRECEDING AND m FOLLOWING

    @classmethod
    def all_on(cls) -> Knobs:
        return cls(**{f.name: True for f in dataclasses.fields(cls)})

    @classmethod
    def all_off(cls) -> Knobs:
        return cls(**{f.name: False for f in dataclasses.fields(cls)})


# ---------------------------------------------------------------------------------------------------
# Data

PLAIN_STRINGS = ["a", "b", "ab", "north", "south", "x y", "", "o'hara", "10", "9", "a%b", "a_b", "é", "nörd", "日本"]
TSQL_SAFE_STRINGS = ["a", "b", "ab", "north", "south", "x y", "o'hara", "10", "9"]
SPICY_STRINGS = [
    "A",
    "Ab",
    "NORTH",
    "north ",
    "a ",
    " ",
    "ß",
    "STRASSE",
    "straße",
    "İstanbul",
    "ıi",
    "Ǆ",
    " 12 ",
    "+7",
    "-",
    "12.5",
    "1e3",
    "ΑΣ",
]


def _profile(dialect: str, knobs: Knobs) -> str:
    if dialect == "tsql":
        return "spicy" if knobs.tsql_collation else "tsql-safe"
    return "spicy" if knobs.unicode_case else "plain"


def _strings(profile: str) -> list[str]:
    if profile == "tsql-safe":
        return TSQL_SAFE_STRINGS
    if profile == "spicy":
        return PLAIN_STRINGS + SPICY_STRINGS
    return PLAIN_STRINGS


@lru_cache(maxsize=64)
def frames(seed: int, profile: str, overflow: bool) -> dict[str, pl.DataFrame]:
    """Seeded tables: 8-20 rows, small domains (joins hit), ~15% NULLs outside the keys."""
    rng = np.random.default_rng(seed)
    strings = _strings(profile)
    out = {}
    for table, cols in TABLES.items():
        n = int(rng.integers(8, 21))
        data: dict[str, list[Any]] = {}
        for col, typ in cols.items():
            if col == KEYS[table]:
                vals: list[Any] = [int(v) for v in rng.permutation(n) + 1]
            elif typ == "int" and col == "big":
                pool = [0, 1, -1, 2**31, -(2**31), 10**12, -(10**12), 123456789]
                if overflow:
                    pool += [2**63 - 1, -(2**63) + 1, 2**62, 4611686018427387904]
                vals = [pool[i] for i in rng.integers(0, len(pool), n)]
            elif typ == "int":
                vals = [int(v) for v in rng.integers(-3, 15, n)]
            elif typ == "float":
                vals = [float(v) for v in rng.choice([0.0, -0.5, 0.5, 1.5, 2.5, 12.5, 3.25, -7.0, 100.0, 1e-3], n)]
            elif typ == "bool":
                vals = [bool(v) for v in rng.random(n) < 0.6]
            elif typ == "date":
                vals = [date(2024, 8, 25) + timedelta(days=int(v)) for v in rng.integers(-400, 400, n)]
                if col == "birth_date":
                    vals = [d.replace(year=d.year - 12) for d in vals]
            else:
                vals = [strings[i] for i in rng.integers(0, len(strings), n)]
            if col != KEYS[table]:
                nulls = rng.random(n) < (0.3 if col == "end_date" else 0.15)
                vals = [None if z else v for v, z in zip(vals, nulls, strict=True)]
            data[col] = vals
        out[table] = pl.DataFrame({c: pl.Series(c, v, dtype=POLARS_TYPES[cols[c]]) for c, v in data.items()})
    return out


@lru_cache(maxsize=64)
def duck(seed: int, profile: str, overflow: bool, tsql: bool) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, df in frames(seed, profile, overflow).items():
        con.register(name, df.to_arrow())
    if tsql:
        con.execute("SET default_collation = 'nocase'")
    return con


# ---------------------------------------------------------------------------------------------------
# The generator: typed expressions over the visible sources

INT, FLOAT, DEC, STR, DATE, BOOL = "int", "float", "dec", "str", "date", "bool"
COL_TYPE = {"int": INT, "float": FLOAT, "string": STR, "date": DATE, "bool": BOOL}


@dataclass
class Source:
    alias: str
    columns: dict[str, str]  # name -> generator type
    key: str | None = None  # a unique non-NULL column (window ordering)


@dataclass
class E:
    """A generated expression with its type and traits the knobs care about."""

    node: exp.Expression
    type: str
    big: bool = False  # may be far from zero (overflow)
    has_dec: bool = False  # contains a decimal literal
    tiny: bool = False  # an 8-bit EXTRACT result


@dataclass
class Scope:
    sources: list[Source]
    outer: list[Source] = field(default_factory=list)  # correlation targets


class Gen:
    """Builds one query from hypothesis draws (``draw(strategy)``), so hypothesis shrinks it."""

    def __init__(self, draw, knobs: Knobs):
        import hypothesis.strategies as st

        self.st = st
        self.draw = draw
        self.knobs = knobs
        self.n_alias = 0

    # -- drawing helpers
    def pick(self, options: list):
        return self.draw(self.st.sampled_from(options))

    def chance(self, p_percent: int) -> bool:
        return self.draw(self.st.integers(0, 99)) < p_percent

    def alias(self, base: str) -> str:
        self.n_alias += 1
        return f"{base[0]}{self.n_alias}"

    # -- literals
    def literal(self, typ: str, quoted: bool = False) -> E:
        """``quoted``: a date or integer written as text ('2024-08-25', '7'), as authors do."""
        k = self.knobs
        if quoted and k.daily and typ in (DATE, INT) and self.chance(35):
            v = self.pick(
                ["2024-08-25", "2025-06-30", "2099-12-31", "2000-02-29"] if typ == DATE else ["0", "1", "7", "12", "-1"]
            )
            return E(exp.Literal.string(v), typ)
        if self.chance(4):  # an untyped NULL where only a date fits is refused by DuckDB/PostgreSQL: typed
            return E(exp.cast(exp.Null(), exp.DType.DATE) if typ == DATE else exp.Null(), typ)
        if typ == INT:
            pool = [0, 1, 2, 3, -1, 7, 10, 12, 100]
            big_pool = [2**31 - 1, -(2**31), 2**63 - 1, -(2**63) + 1, 10**12]
            v = self.pick(pool + big_pool)
            return E(exp.Literal.number(v) if v >= 0 else exp.Neg(this=exp.Literal.number(-v)), INT, big=v in big_pool)
        if typ == FLOAT:
            v = self.pick(["0.5", "2.5", "1.25", "-0.5", "60.0", "1e3", "0.1"])
            if v.startswith("-"):
                return E(exp.Neg(this=exp.Literal.number(v[1:])), DEC, has_dec=True)
            return E(exp.Literal.number(v), DEC, has_dec=True)
        if typ == STR:
            pool = ["a", "b", "ab", "north", "", "x y", "o'hara", "10", "a%", "%b%", "_", "é", "nörd", "日本"]
            if k.unicode_case:
                pool += ["ß", "STRASSE", "İstanbul", "A", "NORTH", "north "]
            return E(exp.Literal.string(self.pick(pool)), STR)
        if typ == DATE:
            v = self.pick(["2024-08-25", "2024-01-01", "2025-06-30", "2099-12-31", "2000-02-29", "2024-12-31"])
            return E(exp.cast(exp.Literal.string(v), exp.DType.DATE), DATE)
        if typ == BOOL:
            return E(exp.Boolean(this=self.pick([True, False])), BOOL)
        raise AssertionError(typ)

    # -- expressions
    def columns_of(self, scope: Scope, typ: str, outer: bool = False) -> list[E]:
        out = []
        for s in scope.outer if outer else scope.sources:
            for c, t in s.columns.items():
                if t == typ or (typ == FLOAT and t == DEC):
                    out.append(E(exp.column(c, table=s.alias), t, big=(c == "big")))
        return out

    def column(self, scope: Scope, typ: str) -> E | None:
        cols = self.columns_of(scope, typ)
        return self.pick(cols) if cols else None

    def expr(self, scope: Scope, typ: str, depth: int = 0) -> E:
        """An expression of ``typ`` (DEC is asked as FLOAT)."""
        col = self.column(scope, typ)
        if depth >= 2 or self.chance(45):
            if col is not None and self.chance(75):
                return col
            return self.literal(typ)
        maker = getattr(self, f"_{typ}_expr")
        return maker(scope, depth + 1)

    def _int_expr(self, scope: Scope, d: int) -> E:
        k = self.knobs
        choice = self.pick(
            [
                "arith",
                "div",
                "mod",
                "abs",
                "length",
                "extract",
                "case",
                "coalesce",
                "nullif",
                "cast_float",
                "date_diff",
                "cast_str",
                "position",
            ]
        )
        if choice == "arith":
            a, b = self.expr(scope, INT, d), self.expr(scope, INT, d)
            op = self.pick([exp.Add, exp.Sub, exp.Mul])
            if not k.arith_overflow and (a.big or b.big or a.tiny or b.tiny):
                return a
            return E(op(this=exp.paren(a.node, copy=False), expression=exp.paren(b.node, copy=False)), INT)
        if choice in ("div", "mod"):
            a = self.expr(scope, INT, d)
            b = (
                self.expr(scope, INT, d)
                if self.chance(50) and self.knobs.zero_divisor
                else E(exp.Literal.number(self.pick([2, 3, 7])), INT)
            )
            if not k.overflow and (a.tiny or b.tiny):
                return a
            cls = exp.Div if choice == "div" else exp.Mod
            node = cls(this=exp.paren(a.node, copy=False), expression=exp.paren(b.node, copy=False))
            if cls is exp.Div:
                node.set("typed", True)
            return E(node, INT, big=a.big)
        if choice == "abs":
            a = self.expr(scope, INT, d)
            return E(exp.Abs(this=a.node), INT, big=a.big, tiny=a.tiny)
        if choice == "length":
            return E(exp.Length(this=self.expr(scope, STR, d).node), INT)
        if choice == "extract":
            part = self.pick(["YEAR", "MONTH", "DAY"] + (["DOW"] if k.daily else []))
            return E(
                exp.Extract(this=exp.var(part), expression=self.expr(scope, DATE, d).node), INT, tiny=part != "YEAR"
            )
        if choice == "case":
            return self._case(scope, INT, d)
        if choice == "coalesce":
            a, b = self.expr(scope, INT, d), self.expr(scope, INT, d)
            return E(exp.Coalesce(this=a.node, expressions=[b.node]), INT, big=a.big or b.big, tiny=a.tiny or b.tiny)
        if choice == "nullif":
            a, b = self.expr(scope, INT, d), self.expr(scope, INT, d)
            return E(exp.Nullif(this=a.node, expression=b.node), INT, big=a.big, tiny=a.tiny)
        if choice == "cast_float":
            a = self.expr(scope, FLOAT, d)
            if a.has_dec and not k.decimal_cast:
                return E(exp.Literal.number(1), INT)
            return E(exp.cast(a.node, exp.DType.INT), INT, big=True)
        if choice == "date_diff":
            a, b = self.expr(scope, DATE, d), self.expr(scope, DATE, d)
            return E(exp.DateDiff(this=a.node, expression=b.node, unit=exp.var("DAY")), INT)
        if choice == "cast_str":
            s = self.expr(scope, STR, d)
            if k.try_cast and self.chance(50):
                return E(exp.TryCast(this=s.node, to=exp.DataType.build("BIGINT")), INT, big=True)
            # a strict CAST of a string raises on 'a' in both engines: compare only digits
            return E(exp.Length(this=s.node), INT)
        if choice == "position":
            return E(exp.StrPosition(this=self.expr(scope, STR, d).node, substr=self.literal(STR).node), INT)
        raise AssertionError(choice)

    def _float_expr(self, scope: Scope, d: int) -> E:
        choice = self.pick(["arith", "div", "int", "case", "coalesce", "abs", "floor"])
        if choice in ("arith", "div"):
            a = self.expr(scope, FLOAT, d)
            b = self.expr(scope, self.pick([FLOAT, INT]), d)
            if (a.big or b.big) and not self.knobs.arith_overflow:
                return a
            op = exp.Div if choice == "div" else self.pick([exp.Add, exp.Sub, exp.Mul])
            if self.chance(50):
                a, b = b, a
            if op is exp.Div and (a.has_dec or b.has_dec) and not self.knobs.decimal_cast:
                return a
            return E(
                op(this=exp.paren(a.node, copy=False), expression=exp.paren(b.node, copy=False)),
                FLOAT,
                has_dec=a.has_dec or b.has_dec,
            )
        if choice == "int":
            a = self.expr(scope, INT, d)
            return E(exp.cast(a.node, exp.DType.DOUBLE), FLOAT, big=a.big)
        if choice == "case":
            return self._case(scope, FLOAT, d)
        if choice == "coalesce":
            a, b = self.expr(scope, FLOAT, d), self.expr(scope, FLOAT, d)
            return E(exp.Coalesce(this=a.node, expressions=[b.node]), FLOAT, has_dec=a.has_dec or b.has_dec)
        if choice == "abs":
            a = self.expr(scope, FLOAT, d)
            return E(exp.Abs(this=a.node), FLOAT, has_dec=a.has_dec)
        a = self.expr(scope, FLOAT, d)
        return E(self.pick([exp.Floor, exp.Ceil])(this=a.node), FLOAT, has_dec=a.has_dec)

    def _str_expr(self, scope: Scope, d: int) -> E:
        k = self.knobs
        choices = ["upper", "lower", "trim", "concat", "replace", "substring", "case", "coalesce", "cast_int", "left"]
        choice = self.pick(choices)
        a = self.expr(scope, STR, d)
        if choice in ("upper", "lower"):
            return E((exp.Upper if choice == "upper" else exp.Lower)(this=a.node), STR)
        if choice == "trim":
            return E(exp.Trim(this=a.node, position=self.pick([None, "LEADING", "TRAILING"])), STR)
        if choice == "concat":
            b = self.expr(scope, STR, d)
            return E(exp.DPipe(this=a.node, expression=b.node, safe=True), STR)
        if choice == "replace":
            return E(exp.func("REPLACE", a.node, self.literal(STR).node, self.literal(STR).node), STR)
        if choice == "substring":
            start = self.pick([1, 2, 3] + ([0, -1] if k.substring else []))
            length = self.pick([None, 1, 2, 5])
            node = exp.Substring(
                this=a.node, start=exp.Literal.number(start) if start >= 0 else exp.Neg(this=exp.Literal.number(-start))
            )
            if length is not None:
                node.set("length", exp.Literal.number(length))
            return E(node, STR)
        if choice == "left":
            return E(
                (exp.Left if self.chance(50) else exp.Right)(
                    this=a.node, expression=exp.Literal.number(self.pick([0, 1, 2, 4]))
                ),
                STR,
            )
        if choice == "case":
            return self._case(scope, STR, d)
        if choice == "coalesce":
            return E(exp.Coalesce(this=a.node, expressions=[self.expr(scope, STR, d).node]), STR)
        i = self.expr(scope, INT, d)
        return E(exp.cast(i.node, exp.DType.VARCHAR), STR)

    def _date_expr(self, scope: Scope, d: int) -> E:
        choice = self.pick(["add", "case", "coalesce"])
        a = self.expr(scope, DATE, d)
        if choice == "add":
            n = self.pick([1, 7, 30, 365, -1, -30])
            amount = exp.Literal.number(n) if n >= 0 else exp.Neg(this=exp.Literal.number(-n))
            return E(exp.DateAdd(this=a.node, expression=amount, unit=exp.var("DAY")), DATE)
        if choice == "case":
            return self._case(scope, DATE, d)
        other = self.literal(DATE, quoted=True) if self.chance(30) else self.expr(scope, DATE, d)
        return E(exp.Coalesce(this=a.node, expressions=[other.node]), DATE)

    def _bool_expr(self, scope: Scope, d: int) -> E:
        return self.pred(scope, d)

    def _case(self, scope: Scope, typ: str, d: int) -> E:
        a, b = self.expr(scope, typ, d), self.expr(scope, typ, d)
        node = exp.Case(ifs=[exp.If(this=self.pred(scope, d + 1).node, true=a.node)])
        if self.chance(70):
            node.set("default", b.node)
        return E(node, typ, big=a.big or b.big, has_dec=a.has_dec or b.has_dec, tiny=a.tiny or b.tiny)

    # -- predicates
    def pred(self, scope: Scope, d: int = 0, subqueries: bool = True) -> E:
        k = self.knobs
        kinds = ["cmp", "cmp", "cmp", "null", "between", "in", "like", "boolcol", "not", "andor"]
        if subqueries and d == 0:
            kinds += ["exists", "exists", "in_sub", "in_sub", "scalar_sub"]
        elif subqueries and d <= 2:
            kinds += ["exists", "in_sub", "scalar_sub"] if self.chance(20) else []
        if k.distinct_from:
            kinds.append("distinct")
        if k.regex:
            kinds.append("regex")
        if k.clock:
            kinds.append("clock")
        if d >= 3:
            kinds = ["cmp", "null", "boolcol"]
        kind = self.pick(kinds)
        if kind == "cmp":
            typ = self.pick([INT, INT, FLOAT, STR, STR, DATE])
            a, b = self.expr(scope, typ, d + 1), self.expr(scope, typ, d + 1)
            if (a.big or b.big) and typ == FLOAT and not k.overflow:
                b = self.literal(typ)
            if isinstance(b.node, exp.Literal | exp.Neg | exp.Cast) and not any(
                True for _ in b.node.find_all(exp.Column)
            ):
                b = self.literal(typ, quoted=True)
            op = self.pick([exp.EQ, exp.NEQ, exp.LT, exp.GT, exp.LTE, exp.GTE])
            return E(op(this=a.node, expression=b.node), BOOL)
        if kind == "null":
            a = self.expr(scope, self.pick([INT, STR, DATE, FLOAT, BOOL]), d + 1)
            node = exp.Is(this=a.node, expression=exp.Null())
            return E(exp.Not(this=node) if self.chance(50) else node, BOOL)
        if kind == "between":
            typ = self.pick([INT, DATE, FLOAT])
            a = self.expr(scope, typ, d + 1)
            return E(
                exp.Between(
                    this=a.node, low=self.literal(typ, quoted=True).node, high=self.expr(scope, typ, d + 1).node
                ),
                BOOL,
            )
        if kind == "in":
            typ = self.pick([INT, STR, DATE])
            a = self.expr(scope, typ, d + 1)
            node = exp.In(
                this=a.node, expressions=[self.literal(typ, quoted=True).node for _ in range(self.pick([1, 2, 3]))]
            )
            return E(exp.Not(this=node) if self.chance(40) else node, BOOL)
        if kind == "like":
            a = self.expr(scope, STR, d + 1)
            pat = exp.Literal.string(self.pick(["a%", "%b", "%", "_", "n%h", "%a_b%", "", "x y", "%é%", "1%"]))
            cls = exp.ILike if (self.chance(25) and (k.unicode_case or True)) else exp.Like
            node = cls(this=a.node, expression=pat)
            return E(exp.Not(this=node) if self.chance(30) else node, BOOL)
        if kind == "boolcol":
            c = self.column(scope, BOOL)
            if c is None:
                return self.literal(BOOL)
            return E(c.node if self.chance(70) else exp.Not(this=c.node), BOOL)
        if kind == "not":
            return E(exp.Not(this=exp.paren(self.pred(scope, d + 1, subqueries).node, copy=False)), BOOL)
        if kind == "andor":
            op = self.pick([exp.And, exp.Or])
            return E(
                op(
                    this=exp.paren(self.pred(scope, d + 1, subqueries).node, copy=False),
                    expression=exp.paren(self.pred(scope, d + 1, subqueries).node, copy=False),
                ),
                BOOL,
            )
        if kind == "distinct":
            typ = self.pick([INT, STR, DATE])
            node = exp.NullSafeEQ(this=self.expr(scope, typ, d + 1).node, expression=self.expr(scope, typ, d + 1).node)
            return E(exp.Not(this=node) if self.chance(50) else node, BOOL)
        if kind == "regex":
            a = self.expr(scope, STR, d + 1)
            pat = self.pick(["^[a-z]+$", "\\d", "^n", "o'h", "\\w+ \\w+", "^$", "[é]"])
            return E(exp.RegexpLike(this=a.node, expression=exp.Literal.string(pat)), BOOL)
        if kind == "clock":
            c = self.column(scope, DATE) or self.literal(DATE)
            return E(self.pick([exp.LT, exp.GTE])(this=c.node, expression=exp.CurrentDate()), BOOL)
        return self.subquery_pred(scope, kind)

    # -- subqueries (correlated on the current sources)
    def subquery_pred(self, scope: Scope, kind: str) -> E:
        table = self.pick(sorted(TABLES))
        inner = Source(self.alias(table), {c: COL_TYPE[t] for c, t in TABLES[table].items()}, KEYS[table])
        conds = []
        if self.chance(75):  # correlate
            conds.append(self.correlation(inner, scope.sources))
        if self.chance(50):
            conds.append(self.pred(Scope([inner] + scope.sources), 2, subqueries=False).node)
        where = exp.and_(*conds) if conds else None
        if kind == "exists":
            sel = exp.select("1").from_(exp.to_table(table).as_(inner.alias))
            if where is not None:
                sel = sel.where(where)
            node = exp.Exists(this=sel)
            return E(exp.Not(this=node) if self.chance(50) else node, BOOL)
        if kind == "in_sub":
            typ = self.pick([INT, STR, DATE])
            cols = self.columns_of(Scope([inner]), typ)
            if not cols:
                return self.literal(BOOL)
            sel = exp.select(self.pick(cols).node).from_(exp.to_table(table).as_(inner.alias))
            if where is not None:
                sel = sel.where(where)
            node = exp.In(this=self.expr(scope, typ, 2).node, query=exp.Subquery(this=sel))
            return E(exp.Not(this=node) if self.chance(50) else node, BOOL)
        # a scalar aggregate subquery compared with an outer expression
        agg, typ = self.pick([("COUNT", INT), ("MAX", INT), ("MIN", DATE), ("SUM", INT), ("MAX", STR)])
        if agg == "COUNT":
            agg_node: exp.Expression = exp.Count(this=exp.Star())
        else:
            cols = self.columns_of(Scope([inner]), typ)
            if not cols or (agg == "SUM" and not self.knobs.overflow):
                cols = [E(exp.column(inner.key, table=inner.alias), INT)] if typ == INT else cols
            if not cols:
                return self.literal(BOOL)
            agg_node = exp.func(agg, self.pick(cols).node)
        sel = exp.select(agg_node).from_(exp.to_table(table).as_(inner.alias))
        if where is not None:
            sel = sel.where(where)
        op = self.pick([exp.EQ, exp.LT, exp.GT, exp.NEQ])
        return E(op(this=self.expr(scope, typ, 2).node, expression=exp.Subquery(this=sel)), BOOL)

    def correlation(self, inner: Source, outer: list[Source]) -> exp.Expression:
        """inner.col = outer.col on a join path when there is one, else on any same-typed columns."""
        pairs = []
        for o in outer:
            for ci, ti in inner.columns.items():
                for co, to in o.columns.items():
                    if ti == to and ti in (INT, STR, DATE) and (ci == co or ci.endswith("_id") and co.endswith("_id")):
                        pairs.append((ci, o.alias, co))
        if not pairs:
            return exp.true()
        ci, oa, co = self.pick(pairs)
        op = self.pick([exp.EQ, exp.EQ, exp.EQ, exp.LT, exp.GTE])
        return op(this=exp.column(ci, table=inner.alias), expression=exp.column(co, table=oa))

    # -- queries
    def from_sources(self) -> tuple[exp.Select, list[Source]]:
        table = self.pick(sorted(TABLES))
        first = Source(self.alias(table), {c: COL_TYPE[t] for c, t in TABLES[table].items()}, KEYS[table])
        sel = exp.select().from_(exp.to_table(table).as_(first.alias))
        sources = [first]
        for _ in range(self.pick([0, 0, 1, 1, 2])):
            links = [
                (lk, s) for lk in LINKS for s in sources if TABLES.get(lk[0]) and (self._table_of(s) in (lk[0], lk[2]))
            ]
            if not links:
                break
            (child, ccol, parent, pcol), src = self.pick(links)
            other = parent if self._table_of(src) == child else child
            mine, theirs = (ccol, pcol) if self._table_of(src) == child else (pcol, ccol)
            new = Source(self.alias(other), {c: COL_TYPE[t] for c, t in TABLES[other].items()}, KEYS[other])
            on = exp.EQ(this=exp.column(theirs, table=new.alias), expression=exp.column(mine, table=src.alias))
            if self.chance(25):
                on = exp.and_(on, self.pred(Scope(sources + [new]), 2, subqueries=False).node)
            kind = self.pick(["JOIN", "LEFT JOIN"])
            sel = sel.join(
                exp.to_table(other).as_(new.alias), on=on, join_type="LEFT" if kind == "LEFT JOIN" else "INNER"
            )
            new.key = None if kind == "LEFT JOIN" else new.key
            sources.append(new)
        return sel, sources

    @staticmethod
    def _table_of(s: Source) -> str:
        return next(t for t, cols in TABLES.items() if set(cols) == set(s.columns))

    def select_item(self, scope: Scope) -> E:
        typ = self.pick([INT, INT, FLOAT, STR, STR, DATE, BOOL])
        if typ == BOOL:  # T-SQL has no boolean expressions in a select list: bool columns, or a CASE
            c = self.column(scope, BOOL)
            if c is not None and self.chance(50):
                return c
            return E(
                exp.Case(
                    ifs=[exp.If(this=self.pred(scope, 1).node, true=exp.Literal.number(1))],
                    default=exp.Literal.number(0),
                ),
                INT,
            )
        return self.expr(scope, typ)

    def plain(self, sel: exp.Select, sources: list[Source], outer: list[Source] | None = None) -> exp.Select:
        scope = Scope(sources, outer or [])
        items = [self.select_item(scope) for _ in range(self.pick([1, 2, 3]))]
        if self.chance(60):
            k = sources[0]
            items.insert(0, E(exp.column(k.key or next(iter(k.columns)), table=k.alias), INT))
        sel = sel.select(*[e.node.as_(f"c{i}") for i, e in enumerate(items)], append=False)
        if self.chance(70):
            sel = sel.where(self.pred(scope).node)
        if self.chance(15):
            sel = sel.distinct()
        return sel

    def aggregate(self, sel: exp.Select, sources: list[Source]) -> exp.Select:
        scope = Scope(sources)
        groups = []
        for _ in range(self.pick([0, 1, 1, 2])):
            typ = self.pick([INT, STR, DATE, BOOL])
            g = self.column(scope, typ) if self.chance(70) else self.expr(scope, typ if typ != BOOL else INT, 1)
            if g is not None and not isinstance(g.node, exp.Literal | exp.Neg | exp.Null | exp.Boolean):
                # (a bare integer in GROUP BY is a position, not a value)
                groups.append(g)
        aggs = [self.agg(scope) for _ in range(self.pick([1, 2]))]
        sel = sel.select(
            *[g.node.copy().as_(f"g{i}") for i, g in enumerate(groups)],
            *[a.as_(f"a{i}") for i, a in enumerate(aggs)],
            append=False,
        )
        if self.chance(50):
            sel = sel.where(self.pred(scope).node)
        if groups:
            sel = sel.group_by(*[g.node.copy() for g in groups])
        if self.chance(50):
            op = self.pick([exp.GT, exp.LT, exp.EQ, exp.GTE])
            having, typ = self.agg(scope, typed=True)
            sel = sel.having(op(this=having, expression=self.literal(INT if typ in (INT, FLOAT) else typ).node))
        return sel

    def agg(self, scope: Scope, typed: bool = False):
        node, typ = self._agg(scope)
        return (node, typ) if typed else node

    def _agg(self, scope: Scope) -> tuple[exp.Expression, str]:
        kind = self.pick(
            ["COUNT*", "COUNT", "COUNTD", "SUM", "MIN", "MAX", "AVG", "SUMF"] + (["MEDIAN"] if self.knobs.daily else [])
        )
        if kind == "MEDIAN":  # of a column (DuckDB refuses an ORDER BY of a constant)
            a = self.column(scope, self.pick([INT, FLOAT])) or self.column(scope, INT)
            if a is None or a.big:
                return exp.Count(this=exp.Star()), INT
            return exp.Median(this=a.node), FLOAT
        if kind == "COUNT*":
            return exp.Count(this=exp.Star()), INT
        if kind in ("COUNT", "COUNTD"):
            a = self.expr(scope, self.pick([INT, STR, DATE]), 1)
            inner = exp.Distinct(expressions=[a.node]) if kind == "COUNTD" else a.node
            return exp.Count(this=inner), INT
        if kind in ("MIN", "MAX"):
            typ = self.pick([INT, STR, DATE, FLOAT])
            a = self.expr(scope, typ, 1)
            return (exp.Min if kind == "MIN" else exp.Max)(this=a.node), typ
        if kind in ("SUM", "AVG"):
            a = self.expr(scope, INT, 1)
            if a.big and not self.knobs.overflow:
                a = E(exp.Literal.number(1), INT)
            return (exp.Sum if kind == "SUM" else exp.Avg)(this=a.node), (INT if kind == "SUM" else FLOAT)
        a = self.expr(scope, FLOAT, 1)
        return exp.Sum(this=a.node), FLOAT

    def window(self, sel: exp.Select, sources: list[Source], typed: bool = False):
        src = sources[0]
        scope = Scope(sources[:1])
        key = exp.column(src.key, table=src.alias)
        items = [E(key.copy(), INT)]
        for _ in range(self.pick([1, 2])):
            parts = [c.node for c in (self.column(scope, t) for t in (INT, STR, DATE, BOOL)) if c is not None]
            partition = [self.pick(parts).copy()] if self.chance(70) else []
            kind = self.pick(["ROW_NUMBER", "RANK", "DENSE_RANK", "COUNT", "SUM", "MIN", "LAG", "LEAD"])
            if kind in ("ROW_NUMBER", "LAG", "LEAD"):
                order = [exp.Ordered(this=key.copy(), desc=self.chance(30))]  # unique: deterministic
            else:
                o = self.expr(scope, self.pick([INT, DATE, STR]), 1).node
                order = [exp.Ordered(this=o, desc=self.chance(30))] if self.chance(70) else []
            if kind in ("ROW_NUMBER", "RANK", "DENSE_RANK"):
                func: exp.Expression = exp.Anonymous(this=kind, expressions=[])
                if not order:
                    order = [exp.Ordered(this=key.copy())]
            elif kind == "COUNT":
                func = exp.Count(this=exp.Star())
            elif kind == "SUM":
                a = self.expr(scope, INT, 1)
                func = exp.Sum(this=a.node if not a.big or self.knobs.overflow else exp.Literal.number(1))
            elif kind == "MIN":
                func = exp.Min(this=self.expr(scope, self.pick([INT, DATE, STR]), 1).node)
            else:
                arg = self.expr(scope, self.pick([INT, DATE, STR]), 1).node
                func = (exp.Lag if kind == "LAG" else exp.Lead)(this=arg)
            frame = None
            if self.knobs.daily and kind in ("COUNT", "SUM", "MIN") and self.chance(40):
                order = [exp.Ordered(this=key.copy(), desc=self.chance(30))]  # unique: the frame is determined
                n, m = self.pick([0, 1, 2]), self.pick([0, 1, 3])
                frame = exp.WindowSpec(
                    kind="ROWS",
                    start=exp.Literal.number(n) if n else "CURRENT ROW",
                    start_side="PRECEDING" if n else None,
                    end=exp.Literal.number(m) if m else "CURRENT ROW",
                    end_side="FOLLOWING" if m else None,
                )
            spec = exp.Window(
                this=func,
                partition_by=partition or None,
                order=exp.Order(expressions=order) if order else None,
                spec=frame,
            )
            items.append(E(spec, INT if kind in ("ROW_NUMBER", "RANK", "DENSE_RANK", "COUNT", "SUM") else "other"))
        sel = sel.select(*[e.node.as_(f"w{i}") for i, e in enumerate(items)], append=False)
        if self.chance(40):
            sel = sel.where(self.pred(scope, subqueries=False).node)
        if typed:
            return sel, [f"w{i}" for i, e in enumerate(items) if e.type == INT]
        return sel

    def query(self) -> exp.Expression:
        shape = self.pick(["plain", "plain", "aggregate", "window", "cte", "wrapped_window"])
        if shape == "cte":
            inner_sel, inner_sources = self.from_sources()
            inner = self.plain(inner_sel, inner_sources)
            cols = {}
            cte_scope = Scope(inner_sources)
            del cte_scope
            annotated = annotate_types(
                qualify(sqlglot.parse_one(inner.sql("duckdb"), read="duckdb"), schema=SQL_SCHEMA, dialect="duckdb"),
                schema=SQL_SCHEMA,
            )
            for proj in annotated.selects:
                cols[proj.alias_or_name] = _sqlglot_type(proj)
            cte_source = Source(self.alias("cte"), cols)
            outer_sel = exp.select().from_(exp.to_table("c").as_(cte_source.alias))
            body = self.plain(outer_sel, [cte_source]) if self.chance(60) else self.aggregate(outer_sel, [cte_source])
            return body.with_("c", as_=inner)
        if shape == "wrapped_window":
            sel, sources = self.from_sources()
            win, numeric = self.window(sel, sources[:1], typed=True)
            names = [p.alias_or_name for p in win.selects]
            w = self.alias("w")
            outer = exp.select(*[exp.column(n, table=w) for n in names]).from_(
                exp.Subquery(this=win, alias=exp.TableAlias(this=exp.to_identifier(w)))
            )
            col = exp.column(self.pick(numeric), table=w)
            return outer.where(
                self.pick([exp.GT, exp.EQ, exp.LTE])(this=col, expression=exp.Literal.number(self.pick([1, 2])))
            )
        sel, sources = self.from_sources()
        if shape == "window":
            return self.window(exp.select().from_(sel.args["from_"].this.copy()), sources[:1])
        if shape == "aggregate":
            return self.aggregate(sel, sources)
        return self.plain(sel, sources)


def _sqlglot_type(node: exp.Expression) -> str:
    t = node.type
    if t is None:
        return INT
    if t.is_type(*exp.DataType.INTEGER_TYPES):
        return INT
    if t.is_type(*exp.DataType.REAL_TYPES):
        return FLOAT
    if t.is_type(*exp.DataType.TEXT_TYPES):
        return STR
    if t.is_type(exp.DType.DATE):
        return DATE
    if t.is_type(exp.DType.BOOLEAN):
        return BOOL
    return "other"


# ---------------------------------------------------------------------------------------------------
# Printing per dialect, the oracle, and the comparison


def print_in(tree: exp.Expression, dialect: str) -> str:
    """The query as a rule author of ``dialect`` would write it."""
    t = tree.copy()
    if dialect == "tsql":  # DATEPART(weekday, d): 1 = Sunday (SQL Server's default DATEFIRST 7)
        for ex in list(t.find_all(exp.Extract)):
            if ex.this.name.upper() == "DOW":
                ex.set("this", exp.var("WEEKDAY"))
    if dialect in ("postgres", "duckdb"):  # day differences: date - date (PostgreSQL has no DATEDIFF)
        for dd in list(t.find_all(exp.DateDiff)):
            dd.replace(exp.paren(exp.Sub(this=exp.paren(dd.this.copy()), expression=exp.paren(dd.expression.copy()))))
    return t.sql(dialect=dialect, unsupported_level=sqlglot.ErrorLevel.RAISE)


def tsql_model(tree: exp.Expression) -> exp.Expression:
    """SQL Server's rules where they differ from DuckDB, on the typed DuckDB translation of a tsql query.

    * collation: the connection runs with ``default_collation = 'nocase'`` (SQL Server's default
      collation is case-insensitive) — comparisons, IN, joins, GROUP BY, DISTINCT;
    * trailing blanks: ``=``/``<>``/``<``... and ``LEN`` ignore them: both sides are ``RTRIM``-ed;
    * ``CAST(float AS INT)`` truncates: ``TRUNC`` first;
    * ``LIKE`` is case-insensitive: ``ILIKE``;
    * integer ``/`` truncates and NULLs sort first: sqlglot's tsql reading already says so.
    """

    def is_str(n: exp.Expression) -> bool:
        return n.type is not None and n.type.is_type(*exp.DataType.TEXT_TYPES)

    tree = tree.copy()
    for node in list(tree.find_all(exp.Add)):  # string + string is concatenation (NULL if either is)
        if is_str(node.this) or is_str(node.expression):
            node.replace(exp.DPipe(this=node.this, expression=node.expression))
    for node in list(tree.find_all(exp.EQ, exp.NEQ, exp.LT, exp.GT, exp.LTE, exp.GTE)):
        if is_str(node.this) or is_str(node.expression):
            for arg in ("this", "expression"):
                node.set(arg, exp.func("RTRIM", node.args[arg]))
    for node in list(tree.find_all(exp.In)):
        if is_str(node.this) and node.args.get("expressions"):
            node.set("this", exp.func("RTRIM", node.this))
            node.set("expressions", [exp.func("RTRIM", e) for e in node.expressions])
        query = node.args.get("query")
        select = query.this if isinstance(query, exp.Subquery) else query
        if is_str(node.this) and isinstance(select, exp.Select) and len(select.selects) == 1:
            node.set("this", exp.func("RTRIM", node.this))
            item = select.selects[0]
            item.replace(exp.alias_(exp.func("RTRIM", item.unalias().copy()), item.alias_or_name or "x"))
    for node in list(tree.find_all(exp.Length)):
        node.set("this", exp.func("RTRIM", node.this))
    for node in list(tree.find_all(exp.Cast)):
        if (
            node.to.is_type(*exp.DataType.INTEGER_TYPES)
            and node.this.type is not None
            and node.this.type.is_type(*exp.DataType.REAL_TYPES)
        ):
            node.set("this", exp.func("TRUNC", node.this))
        if node.to.is_type(exp.DType.FLOAT):
            node.set("to", exp.DataType.build("DOUBLE"))  # T-SQL's FLOAT is FLOAT(53), 8 bytes

    def fold(n: exp.Expression) -> exp.Expression:
        return exp.func("LOWER", exp.func("RTRIM", n))

    # grouping and ordering compare as '=' / '<' do (SQL Server: case-insensitive, trailing blanks ignored);
    # DuckDB's nocase collation does not reach window PARTITION BY / ORDER BY nor trailing blanks
    for window in list(tree.find_all(exp.Window)):
        window.set("partition_by", [fold(p) if is_str(p) else p for p in window.args.get("partition_by") or []])
        for ordered in window.args["order"].expressions if window.args.get("order") else []:
            if is_str(ordered.this):
                ordered.set("this", fold(ordered.this))
    for count in list(tree.find_all(exp.Count)):
        if isinstance(count.this, exp.Distinct):
            count.this.set("expressions", [fold(e) if is_str(e) else e for e in count.this.expressions])
    for select in list(tree.find_all(exp.Select)):  # GROUP BY / DISTINCT: the key without trailing blanks
        group = select.args.get("group")
        keys = [g for g in (group.expressions if group else []) if is_str(g)]
        if select.args.get("distinct"):
            keys += [e.unalias() for e in select.selects if is_str(e.unalias())]
        for key in keys:
            for node in [
                n
                for n in select.walk()
                if n == key and not isinstance(n.parent, exp.Func) and n.find_ancestor(exp.Select) is select
            ]:
                node.replace(exp.func("RTRIM", node.copy()))
    for node in list(tree.find_all(exp.Extract)):  # DATEPART(weekday, d): 1 = Sunday (DATEFIRST 7)
        if node.this.name.upper() in ("DAYOFWEEK", "DOW", "WEEKDAY", "DW"):
            node.replace(exp.paren(exp.Add(this=node.copy(), expression=exp.Literal.number(1))))
    for node in list(tree.find_all(exp.TryCast)):  # SQL Server's text -> integer conversion (docs/fuzzing.md)
        if is_str(node.this) and node.to.is_type(*exp.DataType.INTEGER_TYPES):
            t = exp.func("TRIM", node.this.copy(), exp.Literal.string(" "))
            node.replace(
                sqlglot.parse_one(
                    f"CASE WHEN {t.sql('duckdb')} IN ('', '+', '-') THEN 0 WHEN regexp_full_match({t.sql('duckdb')}, "
                    f"'[+-]?[0-9]+') THEN TRY_CAST({t.sql('duckdb')} AS {node.to.sql('duckdb')}) END",
                    read="duckdb",
                )
            )
    for node in list(tree.find_all(exp.Like)):  # trailing blanks of the matched value are ignored too
        node.replace(exp.ILike(this=exp.func("RTRIM", node.this), expression=node.expression))
    return tree


def _bind_clock(tree: exp.Expression) -> exp.Expression:
    """The oracle reads CURRENT_DATE as the run's as-of date too (certlib binds it; documented)."""
    as_of = exp.cast(exp.Literal.string(PARAMS["as_of_date"].isoformat()), exp.DType.DATE)
    return tree.transform(lambda n: as_of.copy() if isinstance(n, exp.CurrentDate) else n)


def _substring_window(tree: exp.Expression) -> exp.Expression:
    """PostgreSQL / SQL Server: SUBSTRING(s, start, n) with start < 1 is the window [start, start + n) — the
    characters before the first count; DuckDB counts a negative start from the end of the string."""
    for node in list(tree.find_all(exp.Substring)):
        start, length = node.args.get("start"), node.args.get("length")
        value = (
            -int(start.this.this)
            if isinstance(start, exp.Neg) and isinstance(start.this, exp.Literal)
            else (int(start.this) if isinstance(start, exp.Literal) and start.is_int else None)
        )
        if value is None or value >= 1:
            continue
        if length is None:
            node.replace(node.this.copy())
            continue
        n = exp.func(
            "GREATEST",
            exp.Add(this=exp.paren(length.copy()), expression=exp.Literal.number(value - 1)),
            exp.Literal.number(0),
        )
        node.replace(exp.Substring(this=node.this.copy(), start=exp.Literal.number(1), length=n))
    return tree


def oracle_sql(text: str, dialect: str) -> str:
    tree = sqlglot.parse_one(text, read=dialect)
    if dialect in ("postgres", "tsql"):
        tree = _substring_window(tree)
    if dialect == "duckdb":
        return _bind_clock(tree).sql(dialect="duckdb") if any(True for _ in tree.find_all(exp.CurrentDate)) else text
    tree = _bind_clock(tree)
    typed = annotate_types(
        qualify(tree, schema=SQL_SCHEMA, dialect=dialect, quote_identifiers=False), schema=SQL_SCHEMA, dialect=dialect
    )
    if dialect == "tsql":
        typed = tsql_model(typed)
    return typed.sql(dialect="duckdb")


def _norm(v: Any) -> Any:
    if v is None or isinstance(v, bool | str):
        return v
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, int):
        return v
    if isinstance(v, Decimal):
        if v == v.to_integral_value():
            return int(v)
        v = float(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return repr(v)
        if v.is_integer() and abs(v) < 2**53:
            return int(v)
        return float(f"{v:.9g}")
    if isinstance(v, timedelta):
        return f"td{v.total_seconds()}"
    return repr(v)


def multiset(rows, fold: bool = False) -> Counter:
    """Rows as a multiset of normalized values; ``fold``: strings compared case-insensitively without
    trailing blanks (SQL Server shows any one spelling of a case-insensitive group: the tsql oracle)."""

    def norm(v):
        return v.rstrip(" ").lower() if fold and isinstance(v, str) else _norm(v)

    return Counter(tuple(norm(v) for v in r) for r in rows)


@dataclass
class Outcome:
    dialect: str
    kind: str  # ok | refused | mismatch | runtime | oracle_error | both_raise | unprintable | skipped
    reason: str = ""
    text: str = ""
    polars_sql: str = ""
    oracle: str = ""
    got: Counter | None = None
    expected: Counter | None = None

    def describe(self) -> str:
        lines = [
            f"[{self.dialect}] {self.kind}: {self.reason}",
            f"  rule ({self.dialect}): {self.text}",
            f"  polars: {self.polars_sql}",
            f"  oracle (duckdb): {self.oracle}",
        ]
        if self.got is not None and self.expected is not None:
            lines.append(f"  certlib only: {dict(self.got - self.expected)}")
            lines.append(f"  oracle only:  {dict(self.expected - self.got)}")
        return "\n".join(lines)


def refusal_reason(err: RuleError) -> str:
    diags = [d for d in err.diagnostics if d.level == "error"] or []
    if not diags:
        return "error: " + str(err)[:60]
    d = diags[0]
    msg = re.sub(r"'[^']*'|\"[^\"]*\"|\b\d+\b", "…", d.message)
    msg = re.sub(r"polars cannot run this query: (.{0,60}).*", r"polars cannot run this query: \1", msg)
    msg = re.sub(r"\(.*", "", msg)
    return f"{d.code}: {msg.strip()[:90]}"


#: polars reports an internal error as pyo3's PanicException, a BaseException (not an Exception)
_Panic: type[BaseException] = pl.exceptions.PanicException


def run_one(tree: exp.Expression, dialect: str, seed: int, knobs: Knobs) -> Outcome:
    try:
        text = print_in(tree, dialect)
    except Exception as err:  # sqlglot cannot print the construct in this dialect
        return Outcome(dialect, "unprintable", f"{type(err).__name__}: {str(err)[:80]}")
    if (
        dialect == "tsql"
        and not knobs.tsql_collation
        and any(True for _ in tree.find_all(exp.Upper, exp.Lower, exp.ILike))
    ):
        # SQL Server compares case-insensitively: UPPER/LOWER/ILIKE make case matter even on lower-case data
        return Outcome(dialect, "skipped", "tsql collation (knob tsql_collation)")
    profile = _profile(dialect, knobs)
    data = frames(seed, profile, knobs.overflow)
    try:
        oracle = oracle_sql(text, dialect)
    except Exception as err:
        return Outcome(dialect, "unprintable", f"oracle: {type(err).__name__}: {str(err)[:80]}", text)
    try:
        compiled = compile_sql(text, PACK, dialect=dialect, params=PARAMS)
    except RuleError as err:
        return Outcome(dialect, "refused", refusal_reason(err), text, "", oracle)
    except (Exception, _Panic) as err:  # an internal error of the compiler is a finding too
        return Outcome(dialect, "runtime", f"compile crashed: {type(err).__name__}: {str(err)[:200]}", text, "", oracle)
    con = duck(seed, profile, knobs.overflow, dialect == "tsql")
    fold = dialect == "tsql" and knobs.tsql_collation
    try:
        expected = multiset(con.execute(oracle).fetchall(), fold)
    except Exception as err:
        expected = None
        oracle_err = f"{type(err).__name__}: {str(err).splitlines()[0][:120]}"
    try:
        got = multiset(pl.SQLContext(data, eager=False).execute(compiled.sql).collect().rows(), fold)
    except (Exception, _Panic) as err:
        if expected is None:
            return Outcome(dialect, "both_raise", oracle_err, text, compiled.sql, oracle)
        return Outcome(
            dialect, "runtime", f"{type(err).__name__}: {str(err).splitlines()[0][:200]}", text, compiled.sql, oracle
        )
    if expected is None:
        return Outcome(dialect, "oracle_error", oracle_err, text, compiled.sql, oracle, got, None)
    if got != expected:
        return Outcome(dialect, "mismatch", "rows differ", text, compiled.sql, oracle, got, expected)
    return Outcome(dialect, "ok", "", text, compiled.sql, oracle)


FAILING = ("mismatch", "runtime", "oracle_error")


@dataclass
class Figures:
    asts: int = 0
    queries: int = 0
    kinds: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)
    unprintable: Counter = field(default_factory=Counter)
    oracle_errors: Counter = field(default_factory=Counter)
    failures: list[Outcome] = field(default_factory=list)
    by_dialect: Counter = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)  # reason -> the shortest query refused for it

    def add(self, o: Outcome) -> None:
        if o.kind in ("unprintable", "skipped"):
            self.unprintable[f"{o.kind}: {o.reason}"] += 1
            return
        self.queries += 1
        self.kinds[o.kind] += 1
        self.by_dialect[(o.dialect, o.kind)] += 1
        if o.kind == "refused":
            self.refusals[o.reason] += 1
            if o.reason not in self.examples or len(o.text) < len(self.examples[o.reason]):
                self.examples[o.reason] = f"[{o.dialect}] {o.text}"
        if o.kind == "oracle_error":
            self.oracle_errors[o.reason] += 1
        if o.kind in FAILING:
            self.failures.append(o)

    def report(self, examples: bool = False) -> str:
        k = self.kinds
        accepted = k["ok"] + k["mismatch"] + k["runtime"] + k["oracle_error"] + k["both_raise"]
        out = [
            f"ASTs: {self.asts}",
            f"queries (AST x dialect): {self.queries}",
            f"accepted by the compiler: {accepted}",
            f"  agree with the oracle: {k['ok']}",
            f"  mismatches: {k['mismatch']}",
            f"  run-time errors: {k['runtime']}",
            f"  oracle raises, certlib answers: {k['oracle_error']}",
            f"  both raise at run time (the source database would too; not failures): {k['both_raise']}",
            f"refused at compile time: {k['refused']}",
            f"not run (not printable in the dialect, or a knob that is off): {sum(self.unprintable.values())}",
        ]
        out.append("by dialect (ok/refused/failing):")
        for d in DIALECTS:
            bd = self.by_dialect
            out.append(f"  {d}: {bd[(d, 'ok')]}/{bd[(d, 'refused')]}/{sum(bd[(d, f)] for f in FAILING)}")
        out.append("refusals by reason:")
        for r, n in self.refusals.most_common():
            out.append(f"  {n:6d}  {r}")
            if examples:
                out.append(f"          e.g. {self.examples[r]}")
        if self.unprintable:
            out.append("not run, by reason:")
            out += [f"  {n:6d}  {r}" for r, n in self.unprintable.most_common(10)]
        return "\n".join(out)


def check_ast(
    tree: exp.Expression, seed: int, knobs: Knobs, figures: Figures | None = None, dialects=DIALECTS
) -> list[Outcome]:
    outcomes = [run_one(tree, d, seed, knobs) for d in dialects]
    if figures is not None:
        figures.asts += 1
        for o in outcomes:
            figures.add(o)
    return outcomes


# ---------------------------------------------------------------------------------------------------
# hypothesis glue


def queries(knobs: Knobs):
    """A strategy of (AST, data seed)."""
    import hypothesis.strategies as st

    @st.composite
    def build(draw):
        seed = draw(st.integers(0, DATA_SEEDS - 1))
        return Gen(draw, knobs).query(), seed

    return build()


def run_campaign(
    n_asts: int,
    knobs: Knobs,
    seed: int = 0,
    stop_on_failure: bool = False,
    figures: Figures | None = None,
    verbose: bool = False,
) -> Figures:
    """Generate ``n_asts`` queries with hypothesis and check each in every dialect (no shrinking)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    figures = figures or Figures()

    @hseed(seed)
    @settings(
        max_examples=n_asts,
        database=None,
        deadline=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        phases=["generate"],
    )
    @given(queries(knobs))
    def campaign(case):
        tree, data_seed = case
        outcomes = check_ast(tree, data_seed, knobs, figures)
        if verbose:
            for o in outcomes:
                if o.kind in FAILING:
                    print(o.describe(), file=sys.stderr)
        if stop_on_failure and any(o.kind in FAILING for o in outcomes):
            raise AssertionError("\n".join(o.describe() for o in outcomes if o.kind in FAILING))

    campaign()
    return figures


def shrink_failure(
    knobs: Knobs, seed: int, max_examples: int, dialects=DIALECTS, ignore: tuple[str, ...] = ()
) -> str | None:
    """Search (from ``seed``) for a failing query and let hypothesis shrink it; the shrunk failure or None."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hseed

    @hseed(seed)
    @settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=["generate", "shrink"],
    )
    @given(queries(knobs))
    def search(case):
        tree, data_seed = case
        bad = [
            o
            for o in check_ast(tree, data_seed, knobs, dialects=dialects)
            if o.kind in FAILING and not any(i in o.reason for i in ignore)
        ]
        if bad:
            raise AssertionError(f"data seed {data_seed}\n" + "\n".join(o.describe() for o in bad))

    try:
        search()
    except AssertionError as err:
        return str(err)
    return None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=int, default=10_000, help="queries to run (ASTs x dialects)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--all-knobs", action="store_true", help="also the constructs still being fixed")
    ap.add_argument("--knob", action="append", default=[], help="turn one knob on (repeatable)")
    ap.add_argument("--knob-off", action="append", default=[], help="turn one knob off (repeatable)")
    ap.add_argument("--no-knobs", action="store_true", help="every knob off (the plain generator)")
    ap.add_argument("--shrink", type=int, default=3, help="shrink up to N failures after the run")
    ap.add_argument("--examples", action="store_true", help="show the shortest query refused for each reason")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    base = Knobs.all_off() if args.no_knobs else Knobs()
    knobs = dataclasses.replace(base, **{k: True for k in args.knob}, **{k: False for k in args.knob_off})
    if args.all_knobs:
        knobs = Knobs.all_on()
    n_asts = max(1, math.ceil(args.queries / len(DIALECTS)))
    started = time.monotonic()
    figures = run_campaign(n_asts, knobs, seed=args.seed, verbose=args.verbose)
    print(
        f"certlib rule-compiler fuzzer: seed {args.seed}, knobs on: "
        f"{[f.name for f in dataclasses.fields(knobs) if getattr(knobs, f.name)] or 'none'}"
    )
    print(figures.report(examples=args.examples))
    print(f"elapsed: {time.monotonic() - started:.0f} s")
    failing = len(figures.failures)
    if failing and args.shrink:
        print(f"\nshrunk failures (up to {args.shrink}):")
        ignore: list[str] = []
        for i in range(args.shrink):
            found = shrink_failure(knobs, args.seed + i, n_asts, ignore=tuple(ignore))
            if not found:
                break
            print(found, "\n")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
