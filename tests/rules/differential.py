"""Shared pieces of the differential test: small seeded tables with NULLs and edge values, running a
compiled rule on polars and the same rule transpiled by sqlglot on DuckDB, and comparing multisets."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import numpy as np
import polars as pl

from certlib.rules import compile_sql, transpile
from certlib.rules.model import POLARS_TYPES, Pack, Rule

PARAMS = {"school_year": 2025, "as_of_date": date(2025, 6, 30)}


def _values(rng: np.random.Generator, name: str, typ: str, n: int) -> list[Any]:
    """Small domains so joins and correlations hit; ~10% NULLs; dates around the school year."""
    if typ == "int":
        vals = rng.integers(-3, 12, n).tolist() if "minutes" in name else rng.integers(1, 9, n).tolist()
    elif typ == "float":
        vals = [float(v) for v in rng.integers(0, 8, n) * 25.0 / 2]
    elif typ == "bool":
        vals = rng.random(n) < 0.7
        vals = vals.tolist()
    elif typ == "date":
        base = date(2024, 8, 15)
        vals = [base + timedelta(days=int(d)) for d in rng.integers(0, 330, n)]
    elif typ == "datetime":
        raise AssertionError("no datetime columns in the default pack")
    elif name in ("district_number",):
        vals = rng.choice(["1071", "2002"], n).tolist()
    elif name in ("school_code",):
        vals = rng.choice(["0588", "0101", "0202"], n).tolist()
    elif name in ("student_state_id", "local_student_id"):
        vals = rng.choice(["1000000001", "1000000002", "1000000003", "123", "1000000005"], n).tolist()
    elif "grade" in name:
        vals = rng.choice(["00", "03", "05", "08", "12", "13"], n).tolist()
    elif name.endswith("_code") or name in ("service_type", "gender", "participant_role", "school_type"):
        vals = rng.choice(["P", "S", "T", "AE", "AU", "E1", "EC1", "SA2", "FIGHT", "IS", "x"], n).tolist()
    else:
        vals = rng.choice(["a", "b", "North Star", "O'Hara", ""], n).tolist()
    nulls = rng.random(n) < 0.1
    return [None if z else v for v, z in zip(vals, nulls, strict=True)]


def random_tables(pack: Pack, seed: int, rows: int = 30) -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    frames = {}
    for t in pack.tables.values():
        data = {
            c.name: pl.Series(c.name, _values(rng, c.name, c.type, rows), dtype=POLARS_TYPES[c.type]) for c in t.columns
        }
        frames[t.name] = pl.DataFrame(data)
    return frames


def _norm(v: Any) -> Any:
    if isinstance(v, float | Decimal):
        return round(float(v), 6)
    if isinstance(v, date):
        return v.isoformat()[:10]
    return v


def multiset(rows) -> Counter:
    return Counter(tuple(_norm(v) for v in r) for r in rows)


def run_polars(sql: str, frames: dict[str, pl.DataFrame]) -> Counter:
    return multiset(pl.SQLContext(frames, eager=False).execute(sql).collect().rows())


def run_duckdb(sql: str, frames: dict[str, pl.DataFrame]) -> Counter:
    con = duckdb.connect()
    try:
        for name, df in frames.items():
            con.register(name, df.to_arrow())
        return multiset(con.execute(sql).fetchall())
    finally:
        con.close()


def both(sql_or_rule: str | Rule, pack: Pack, frames: dict[str, pl.DataFrame]) -> tuple[Counter, Counter]:
    """(polars result, DuckDB result) of one query or rule on the same frames."""
    if isinstance(sql_or_rule, Rule):
        from certlib.rules import compile_rule

        polars_sql = compile_rule(sql_or_rule, pack, params=PARAMS).sql
        duck_sql = transpile(sql_or_rule, pack, "duckdb", params=PARAMS)
    else:
        polars_sql = compile_sql(sql_or_rule, pack, params=PARAMS).sql
        duck_sql = compile_sql(sql_or_rule, pack, target="duckdb", params=PARAMS).sql
    return run_polars(polars_sql, frames), run_duckdb(duck_sql, frames)
