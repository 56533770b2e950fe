"""Refuse everything but one read-only query over the pack's tables.

Rules are authored by state staff and run next to district data, so the compiler treats their SQL
as untrusted: no DML/DDL/commands anywhere (also inside CTEs), no ``SELECT INTO``, no table
functions (``read_csv('/etc/passwd')``). Tables outside the pack (other schemas, databases) are refused
when names are resolved (:mod:`certlib.rules.names`).

>>> import sqlglot
>>> [d.code for d in check_read_only(sqlglot.parse_one("SELECT * FROM read_csv('/etc/passwd')"), {})]
['table-function']
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from certlib.rules.model import Diagnostic, TableSchema


def _types(*names: str) -> tuple[type, ...]:
    return tuple(getattr(exp, n) for n in names if hasattr(exp, n))


#: statement kinds that write or change anything, or talk to the engine rather than query data
FORBIDDEN = _types(
    "Insert",
    "Update",
    "Delete",
    "Merge",
    "Create",
    "Drop",
    "Alter",
    "AlterTable",
    "TruncateTable",
    "Command",
    "Copy",
    "Pragma",
    "Attach",
    "Detach",
    "Use",
    "Set",
    "Transaction",
    "Commit",
    "Rollback",
    "Grant",
    "Revoke",
    "LoadData",
    "Describe",
    "Show",
    "Into",
    "Export",
    "Analyze",
    "Cache",
    "Uncache",
    "Refresh",
    "Install",
    "Kill",
    "Lock",
)
#: sources that are not a plain table name
TABLE_FUNCTIONS = _types("Unnest", "Lateral", "TableFromRows", "ReadCSV", "ReadParquet", "GenerateSeries")
#: function names that read files or reach outside the query, whatever the dialect calls them
_FORBIDDEN_FUNCTION_PREFIXES = (
    "read_",
    "scan_",
    "pg_read",
    "pg_ls",
    "load_",
    "lo_",
    "dblink",
    "openrowset",
    "opendatasource",
    "openquery",
    "xp_",
    "sys_exec",
    "copy_",
    "parquet_",
    "sqlite_",
    "postgres_",
    "mysql_",
    "iceberg_",
    "delta_",
    "http",
    "sniff_",
    "set_config",
    "current_setting",
    "getenv",
    "query",
    "shell",
    "system",
)

Locate = Callable[[exp.Expression], tuple[int | None, int | None]]


def _name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this)
    try:
        return node.sql_name()
    except Exception:  # pragma: no cover - defensive: unknown node kinds
        return type(node).__name__


def check_read_only(
    tree: exp.Expression,
    tables: dict[str, TableSchema],
    locate: Locate | None = None,
    rule_id: str | None = None,
    file: str | None = None,
) -> list[Diagnostic]:
    """Return error diagnostics for every construct that is not a read-only query over ``tables``."""
    where = locate or (lambda _n: (None, None))
    problems: list[Diagnostic] = []

    def err(node: exp.Expression, code: str, message: str, hint: str | None = None) -> None:
        line, col = where(node)
        problems.append(Diagnostic(rule_id, file, line, col, "error", code, message, hint))

    if not isinstance(tree, exp.Query):
        err(
            tree,
            "forbidden",
            f"only a SELECT query is allowed, not {tree.key.upper()}",
            "a rule is one read-only SELECT returning the offending records",
        )
        return problems
    reported: set[int] = set()  # a table function is reported once, not again as the Table around it
    for node in tree.walk():
        if id(node) in reported:
            continue
        if isinstance(node, FORBIDDEN):
            kind = "SELECT INTO" if isinstance(node, exp.Into) else node.key.upper()
            err(node, "forbidden", f"{kind} is not allowed in a rule", "rules may only read data")
        elif isinstance(node, TABLE_FUNCTIONS) or (
            isinstance(node, exp.Table) and not isinstance(node.this, exp.Identifier)
        ):
            inner = node.this if isinstance(node, exp.Table) else node
            reported.add(id(inner))
            err(
                node,
                "table-function",
                f"table function {_name(inner)}(...) is not allowed",
                "read only the pack's tables by name",
            )
        elif isinstance(node, exp.Func) and _name(node).lower().startswith(_FORBIDDEN_FUNCTION_PREFIXES):
            err(
                node,
                "table-function",
                f"function {_name(node)}(...) is not allowed in a rule",
                "rules may not read files or other databases",
            )
    return problems
