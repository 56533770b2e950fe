"""DuckDB oracle for the default rule pack: load pack.toml schemas, rule files and fixture cases,
bind parameters in the sqlglot AST, transpile postgres -> duckdb and run.

Independent of certlib's compiler on purpose: it is the referee the pack is checked against."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

REPO = Path(__file__).resolve().parents[2]
PACK_DIR = REPO / "rules"
DEFAULT_PARAMS: dict[str, Any] = {"school_year": 2025, "as_of_date": date(2025, 6, 30)}
DUCK_TYPES = {
    "string": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "bool": "BOOLEAN",
}


def load_pack_toml() -> dict[str, Any]:
    return tomllib.loads((PACK_DIR / "pack.toml").read_text())


@dataclass(frozen=True)
class RuleFile:
    id: str
    meta: dict[str, list[str]]
    sql: str
    path: Path

    @property
    def severity(self) -> str:
        return self.meta["severity"][0]

    @property
    def groups(self) -> list[str]:
        return self.meta.get("group", [])

    @property
    def status(self) -> str:
        return self.meta.get("status", ["active"])[0]


def parse_rule(path: Path) -> RuleFile:
    meta: dict[str, list[str]] = {}
    lines = path.read_text().splitlines()
    last = None
    body_start = next((n for n, line in enumerate(lines) if not line.startswith("--")), len(lines))
    for line in lines[:body_start]:
        body = line[2:]
        if re.match(r"^ {2,}\S", body) and last:
            meta[last][-1] += " " + body.strip()
            continue
        m = re.match(r"^\s*([a-z_]+):\s*(.*)$", body)
        assert m, f"{path.name}: bad header line {line!r}"
        last = m.group(1)
        meta.setdefault(last, []).append(m.group(2).strip())
    sql = "\n".join(lines[body_start:])
    return RuleFile(id=meta["id"][0], meta=meta, sql=sql, path=path)


def all_rules() -> list[RuleFile]:
    return [parse_rule(p) for p in sorted(PACK_DIR.glob("*.sql"))]


def _literal(value: Any) -> exp.Expression:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    return exp.Literal.string(str(value))


def to_duckdb(sql: str, params: dict[str, Any] | None = None) -> str:
    bound = {**DEFAULT_PARAMS, **(params or {})}
    tree = sqlglot.parse_one(sql, read="postgres")

    def bind(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Placeholder) and node.name:
            if node.name not in bound:
                raise KeyError(f"unbound parameter :{node.name}")
            return _literal(bound[node.name])
        return node

    return tree.transform(bind).sql(dialect="duckdb")


def connect_tables(tables: dict[str, list[dict[str, Any]]] | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with every pack table created (typed) and filled with the given rows."""
    con = duckdb.connect()
    schema = load_pack_toml()["tables"]
    for name, spec in schema.items():
        cols = spec["columns"]
        con.execute(f"CREATE TABLE {name} (" + ", ".join(f"{c} {DUCK_TYPES[t]}" for c, t in cols.items()) + ")")
        rows = (tables or {}).get(name, [])
        for row in rows:
            unknown = set(row) - set(cols)
            assert not unknown, f"{name}: unknown columns {unknown}"
            names = list(cols)
            con.execute(
                f"INSERT INTO {name} VALUES (" + ", ".join(f"CAST(? AS {DUCK_TYPES[cols[c]]})" for c in names) + ")",
                [row.get(c) for c in names],
            )
    return con


def connect_dir(data_dir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, spec in load_pack_toml()["tables"].items():
        f = data_dir / f"{name}.parquet"
        cols = ", ".join(f"CAST({c} AS {DUCK_TYPES[t]}) AS {c}" for c, t in spec["columns"].items())
        con.execute(f"CREATE VIEW {name} AS SELECT {cols} FROM read_parquet('{f}')")
    return con


def key_columns(rule: RuleFile) -> list[str]:
    """The rule's key columns: the declared keys of its main (first FROM) table."""
    tree = sqlglot.parse_one(rule.sql, read="postgres")
    main = _main_table(tree)
    return list(load_pack_toml()["tables"][main]["keys"])


def main_table(rule: RuleFile) -> str:
    return _main_table(sqlglot.parse_one(rule.sql, read="postgres"))


def _main_table(tree: exp.Expression) -> str:
    frm = tree.args.get("from") or tree.args.get("from_")
    src = frm.this
    while isinstance(src, exp.Subquery):
        inner = src.this
        frm = inner.args.get("from") or inner.args.get("from_")
        src = frm.this
    return src.name


def run_rule(
    con: duckdb.DuckDBPyConnection, rule: RuleFile, params: dict[str, Any] | None = None
) -> tuple[list[str], list[tuple]]:
    cur = con.execute(to_duckdb(rule.sql, params))
    cols = [d[0] for d in cur.description]
    return cols, cur.fetchall()


def rule_keys(con: duckdb.DuckDBPyConnection, rule: RuleFile, params: dict[str, Any] | None = None) -> list[tuple]:
    cols, rows = run_rule(con, rule, params)
    keys = key_columns(rule)
    idx = [cols.index(k) for k in keys]
    return [tuple(_norm(r[i]) for i in idx) for r in rows]


def _norm(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


def load_cases(rule_id: str) -> list[dict[str, Any]]:
    path = PACK_DIR / "cases" / f"{rule_id}.toml"
    if not path.exists():
        return []
    return tomllib.loads(path.read_text()).get("case", [])
