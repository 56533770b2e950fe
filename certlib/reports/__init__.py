"""Reports of a validation run: HTML, CSV (long), XLSX and JSON, all from one :class:`RunResult`.

``write_report`` streams a report into a binary file as its rows are converted (a chunk of rows at a
time; XLSX rows go to xlsxwriter's temporary files): a large listing is never held a second time.
``render`` is the same bytes in memory, for small reports and HTTP responses.

>>> render(run, "html")  # doctest: +SKIP
b'<!DOCTYPE html>...'
>>> with open("report.csv", "wb") as f:  # doctest: +SKIP
...     write_report(run, "csv", f)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from certlib.engine.results import RunResult
from certlib.reports.csv import render_csv, write_csv
from certlib.reports.html import render_html, write_html
from certlib.reports.json import render_json, write_json
from certlib.reports.xlsx import render_xlsx, write_xlsx

RENDERERS: dict[str, Callable[[RunResult], bytes]] = {
    "json": render_json,
    "csv": render_csv,
    "html": render_html,
    "xlsx": render_xlsx,
}
WRITERS: dict[str, Callable[[RunResult, BinaryIO], None]] = {
    "json": write_json,
    "csv": write_csv,
    "html": write_html,
    "xlsx": write_xlsx,
}
FORMATS: tuple[str, ...] = tuple(RENDERERS)
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def render(run: RunResult, fmt: str) -> bytes:
    """The report of ``run`` in ``fmt`` (json, csv, html or xlsx) as bytes, ready to write or serve."""
    try:
        renderer = RENDERERS[fmt.lower()]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}") from None
    return renderer(run)


def write_report(run: RunResult, fmt: str, out: BinaryIO) -> None:
    """Write the report of ``run`` in ``fmt`` to the binary file ``out`` as it is produced."""
    try:
        writer = WRITERS[fmt.lower()]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}") from None
    writer(run, out)


__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "RENDERERS",
    "WRITERS",
    "render",
    "render_csv",
    "render_html",
    "render_json",
    "render_xlsx",
    "write_report",
]
