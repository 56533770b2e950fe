"""Step 2's record-level differences between the district's copy and the state's copy of a unit.

Why: the article's step 2 says "determine which data points are missing". Counts per table do not say
which; this module turns a comparison (:func:`certlib.services.compare.compare`) into records: a key
the state copy lacks (*missing in state*), a key only the state copy has (*extra in state*), or a
record both hold with other values (*different*: one line per differing column, with the district's
and the state's value). Lines are ordered by table, kind, record, column; they can be filtered by table
and kind, paged, and written as CSV or XLSX (cells are text, never formulas).

>>> result = {"enrollments": {"key_columns": ["enrollment_id"], "missing_in_state": [[7]],
...           "extra_in_state": [], "changed": [{"key": [8], "column": "grade", "district": "07", "state": "08"}]}}
>>> [(d.kind, d.record, d.column, d.district, d.state) for d in difference_lines(result)]
[('missing in state', 'enrollment_id=7', '', '', ''), ('different', 'enrollment_id=8', 'grade', '07', '08')]
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from certlib.errors import DataError
from certlib.reports.values import cell_text
from certlib.services.paging import window

MISSING, EXTRA, DIFFERENT = "missing in state", "extra in state", "different"
KINDS: tuple[str, ...] = (MISSING, EXTRA, DIFFERENT)
#: The columns of a differences table (CSV header, XLSX header, app grid) in this order.
COLUMNS: tuple[str, ...] = ("table", "record", "difference", "column", "district value", "state value")
FORMATS: tuple[str, ...] = ("csv", "xlsx")
MIME = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class DifferenceLine:
    """One line: a record missing / extra in the state copy, or one differing column of a record."""

    table: str
    record: str  # "key=value, key=value" of the table's declared keys
    kind: str  # one of KINDS
    column: str = ""
    district: str = ""
    state: str = ""
    key: tuple[Any, ...] = ()
    key_columns: tuple[str, ...] = ()

    def row(self) -> dict[str, str]:
        return dict(
            zip(COLUMNS, (self.table, self.record, self.kind, self.column, self.district, self.state), strict=True)
        )

    def key_dict(self) -> dict[str, Any]:
        return dict(zip(self.key_columns, self.key, strict=True))


def record_label(key_columns: Iterable[str], key: Iterable[Any]) -> str:
    return ", ".join(f"{c}={cell_text(v) or 'NULL'}" for c, v in zip(key_columns, key, strict=True))


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool | int | float) and not (isinstance(value, float) and math.isnan(value)):
        return (1, value)
    return (2, str(value))


def difference_lines(
    result: Mapping[str, Mapping[str, Any]], table: str | None = None, kinds: Iterable[str] | None = None
) -> list[DifferenceLine]:
    """Every difference of a comparison as lines, ordered by table, kind, record and column.

    ``table``: only that table (an unknown name is a :class:`DataError` naming the known ones);
    ``kinds``: only these kinds (see :data:`KINDS`)."""
    if table is not None and table not in result:
        raise DataError(f"no table {table!r} in the comparison; tables: {', '.join(sorted(result))}")
    wanted = set(kinds) if kinds else set(KINDS)
    unknown = wanted - set(KINDS)
    if unknown:
        raise DataError(f"unknown difference kind(s) {', '.join(sorted(unknown))}; kinds: {', '.join(KINDS)}")
    out: list[DifferenceLine] = []
    for name in sorted(result):
        if table is not None and name != table:
            continue
        t = result[name]
        cols = tuple(t["key_columns"])

        def line(
            kind: str,
            key: list[Any],
            column: str = "",
            a: Any = None,
            b: Any = None,
            _n: str = name,
            _c: tuple[str, ...] = cols,
        ) -> DifferenceLine:
            return DifferenceLine(_n, record_label(_c, key), kind, column, cell_text(a), cell_text(b), tuple(key), _c)

        if MISSING in wanted:
            out += [line(MISSING, k) for k in sorted(t["missing_in_state"], key=lambda k: [_sort_key(v) for v in k])]
        if EXTRA in wanted:
            out += [line(EXTRA, k) for k in sorted(t["extra_in_state"], key=lambda k: [_sort_key(v) for v in k])]
        if DIFFERENT in wanted:
            changed = sorted(t["changed"], key=lambda c: ([_sort_key(v) for v in c["key"]], c["column"]))
            out += [line(DIFFERENT, c["key"], c["column"], c["district"], c["state"]) for c in changed]
    return out


def frame(lines: Iterable[DifferenceLine]) -> pl.DataFrame:
    """The lines as a table with :data:`COLUMNS` (all text)."""
    return pl.DataFrame([d.row() for d in lines], schema=dict.fromkeys(COLUMNS, pl.String))


def per_table(result: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Counts per table: records missing in state, extra in state, different (records) and differing fields."""
    out = []
    for name in sorted(result):
        t = result[name]
        out.append(
            {
                "table": name,
                MISSING: len(t["missing_in_state"]),
                EXTRA: len(t["extra_in_state"]),
                "different records": len({tuple(map(str, c["key"])) for c in t["changed"]}),
                "different fields": len(t["changed"]),
            }
        )
    return out


@dataclass(frozen=True)
class DifferencePage:
    """One page of difference lines (1-based ``page``; ``page_size`` 0 = everything on one page)."""

    lines: tuple[DifferenceLine, ...]
    page: int
    pages: int
    total: int
    page_size: int

    @property
    def caption(self) -> str:
        return window(self.total, self.page, self.page_size).caption

    def as_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "pages": self.pages,
            "total": self.total,
            "page_size": self.page_size,
            "rows": [d.row() for d in self.lines],
        }


def page_of(lines: list[DifferenceLine], page: int = 1, page_size: int = 25) -> DifferencePage:
    """Page ``page`` of ``lines``; a page past the end is the last page, page < 1 is refused."""
    if page < 1 or page_size < 0:
        raise DataError(f"page must be 1 or more and page size 0 or more (got page {page}, page size {page_size})")
    w = window(len(lines), page, page_size)
    return DifferencePage(tuple(lines[w.start : w.stop]), w.number, w.pages, w.total, page_size)


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (leading = + - @ tab CR get a quote)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(lines: Iterable[DifferenceLine]) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(COLUMNS)
    for d in lines:
        out.writerow([_safe(v) for v in d.row().values()])
    return buf.getvalue().encode("utf-8")


def to_xlsx(lines: Iterable[DifferenceLine]) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(
        buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    sheet = book.add_worksheet("Differences")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, COLUMNS, bold)
    for n, d in enumerate(lines, start=1):
        sheet.write_row(n, 0, [str(v) for v in d.row().values()])
    sheet.freeze_panes(1, 0)
    book.close()
    return buf.getvalue()


def render(lines: Iterable[DifferenceLine], fmt: str) -> bytes:
    """The lines as ``csv`` or ``xlsx`` bytes."""
    if fmt == "csv":
        return to_csv(lines)
    if fmt == "xlsx":
        return to_xlsx(lines)
    raise DataError(f"differences are written as {' or '.join(FORMATS)}, not {fmt!r}")


def findings_touching(
    report: Mapping[str, Any], line: DifferenceLine, scope_columns: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The findings of a JSON report (:func:`certlib.reports.json.run_dict`) that touch the record of
    ``line``: rows of a rule that name the record's key columns (one that is not just the district or
    school of the scope, ``scope_columns``) with the same values. Each: rule id, severity, title, row."""
    key = {c: cell_text(v) for c, v in line.key_dict().items()}
    scope = set(scope_columns)
    out = []
    for rule in report.get("rules", []):
        shared = [c for c in key if c in rule.get("columns", [])]
        if not [c for c in shared if c not in scope]:
            continue
        for row in rule.get("rows", []):
            if all(cell_text(row.get(c)) == key[c] for c in shared):
                out.append({"rule_id": rule["id"], "severity": rule["severity"], "title": rule["title"], "row": row})
    return out


def as_records(lines: Iterable[DifferenceLine]) -> list[dict[str, Any]]:
    """JSON-friendly dicts (with the key as a mapping) for the CLI's ``--format json``."""
    return [{**d.row(), "key": d.key_dict()} for d in lines]


__all__ = [
    "COLUMNS",
    "DIFFERENT",
    "EXTRA",
    "FORMATS",
    "KINDS",
    "MIME",
    "MISSING",
    "DifferenceLine",
    "DifferencePage",
    "as_records",
    "findings_touching",
    "difference_lines",
    "frame",
    "page_of",
    "per_table",
    "render",
    "to_csv",
    "to_xlsx",
]
