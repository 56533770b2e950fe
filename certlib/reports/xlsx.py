"""The XLSX report: a Summary sheet plus one sheet per rule with findings (xlsxwriter).

Sheet names are the rule ids made legal for Excel (at most 31 characters, none of ``[]:*?/\\``,
unique case-insensitively). The Summary sheet links each rule to its sheet.
"""

from __future__ import annotations

import io
import math
import re
import tempfile
from collections.abc import Callable
from datetime import datetime
from typing import Any, BinaryIO

import polars as pl
import xlsxwriter

from certlib.engine.results import RunResult
from certlib.reports.values import CHUNK_ROWS, json_value

MAX_SHEET_NAME = 31


def sheet_names(rule_ids: list[str], reserved: tuple[str, ...] = ("Summary",)) -> dict[str, str]:
    """A legal, unique sheet name per rule id (Excel compares names case-insensitively)."""
    used = {r.lower() for r in reserved}
    out: dict[str, str] = {}
    for rule_id in rule_ids:
        base = re.sub(r"[\[\]:*?/\\]", "_", rule_id).strip("'") or "rule"
        base = base[:MAX_SHEET_NAME]
        name, n = base, 2
        while name.lower() in used:
            suffix = f"~{n}"
            name, n = base[: MAX_SHEET_NAME - len(suffix)] + suffix, n + 1
        used.add(name.lower())
        out[rule_id] = name
    return out


def _cell_writer(sh, dtype: pl.DataType, date_fmt, dt_fmt) -> Callable[[int, int, Any], None]:
    """How one column's values are written, chosen once by its dtype (a polars column has one type)."""
    if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
        return lambda i, c, v: sh.write_datetime(i, c, v.replace(tzinfo=None), dt_fmt)
    if dtype == pl.Date:
        return lambda i, c, v: sh.write_datetime(i, c, datetime(v.year, v.month, v.day), date_fmt)
    if dtype == pl.Boolean:
        return sh.write_boolean
    if dtype.is_integer():
        return sh.write_number
    if dtype.is_float():
        return lambda i, c, v: math.isfinite(v) and sh.write_number(i, c, v)
    # "" is a blank cell (xlsxwriter drops it in memory mode; constant_memory would write an empty string)
    return lambda i, c, v: (text := str(json_value(v))) != "" and sh.write_string(i, c, text)


def _write_rows(sh, frame: pl.DataFrame, date_fmt, dt_fmt, first_row: int = 5) -> None:
    """Rows in order, a chunk at a time, column by column within a chunk's row (constant_memory mode
    flushes each finished row to disk)."""
    writers = [_cell_writer(sh, dtype, date_fmt, dt_fmt) for dtype in frame.dtypes]
    i = first_row
    for part in frame.iter_slices(CHUNK_ROWS):
        columns = [part.get_column(n).to_list() for n in part.columns]
        for values in zip(*columns, strict=True):
            for c, v in enumerate(values):
                if v is not None:
                    writers[c](i, c, v)
            i += 1


def write_xlsx(run: RunResult, out: BinaryIO) -> None:
    """The workbook written to ``out``; sheets are built row by row in xlsxwriter's constant_memory mode
    (finished rows go to temporary files, not memory)."""
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "tmpdir": tempfile.gettempdir(),
        },
    )
    bold = book.add_format({"bold": True})
    title = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "bg_color": "#E4E7EB", "border": 1})
    link = book.add_format({"font_color": "blue", "underline": 1})
    date_fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    dt_fmt = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sev_fmt = {
        "fatal": book.add_format({"font_color": "#C62828", "bold": True}),
        "warning": book.add_format({"font_color": "#B26A00", "bold": True}),
        "info": book.add_format({"font_color": "#1565C0"}),
    }

    failing = [r for r in run.rules if r.status == "failed"]
    names = sheet_names([r.id for r in failing])

    ws = book.add_worksheet("Summary")
    ws.write(0, 0, run.title, title)
    ws.write(1, 0, run.scope_label)
    ws.write(2, 0, f"Time: {run.generated_at.isoformat(sep=' ')}")
    ws.write(3, 0, "Blocking" if run.blocking else "Not blocking", bold)
    header = ["Dataset", "Rule", "Title", "Severity", "Status", "# of Records", "Shown", "Error"]
    for c, h in enumerate(header):
        ws.write(5, c, h, head)
    for i, r in enumerate(run.rules, start=6):
        if r.id in names:
            ws.write_url(i, 0, f"internal:'{names[r.id]}'!A1", link, string=r.dataset)
        else:
            ws.write(i, 0, r.dataset)
        ws.write(i, 1, r.id)
        ws.write(i, 2, r.title)
        ws.write(i, 3, r.severity.capitalize(), sev_fmt.get(r.severity))
        ws.write(i, 4, r.status)
        ws.write_number(i, 5, r.count)
        ws.write_number(i, 6, r.shown)
        ws.write(i, 7, r.error or "")
    ws.set_column(0, 0, 40)
    ws.set_column(1, 1, 12)
    ws.set_column(2, 2, 50)
    ws.set_column(3, 6, 12)
    ws.set_column(7, 7, 60)

    for r in failing:
        sh = book.add_worksheet(names[r.id])
        sh.write(0, 0, f"{r.id}: {r.title}", bold)
        sh.write_url(0, 4, "internal:'Summary'!A1", link, string="Back To Summary")
        shown = f"{r.shown} of {r.count} shown" if r.truncated else f"{r.count} records"
        sh.write(1, 0, f"{r.severity.capitalize()} · {shown}")
        sh.write(2, 0, r.resolution)
        for c, col in enumerate(r.rows.columns):
            sh.write(4, c, col, head)
        _write_rows(sh, r.rows, date_fmt, dt_fmt)
        if r.rows.height:
            sh.autofilter(4, 0, 4 + r.rows.height, max(len(r.rows.columns) - 1, 0))
        sh.freeze_panes(5, 0)
        sh.set_column(0, max(len(r.rows.columns) - 1, 0), 16)
    book.close()


def render_xlsx(run: RunResult) -> bytes:
    buf = io.BytesIO()
    write_xlsx(run, buf)
    return buf.getvalue()
