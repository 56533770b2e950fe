"""Reports of a validation run: HTML, CSV (long), XLSX and JSON, all from one :class:`RunResult`.

>>> render(run, "html")  # doctest: +SKIP
b'<!DOCTYPE html>...'
"""

from __future__ import annotations

from collections.abc import Callable

from certlib.engine.results import RunResult
from certlib.reports.csv import render_csv
from certlib.reports.html import render_html
from certlib.reports.json import render_json
from certlib.reports.xlsx import render_xlsx

RENDERERS: dict[str, Callable[[RunResult], bytes]] = {
    "json": render_json,
    "csv": render_csv,
    "html": render_html,
    "xlsx": render_xlsx,
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


__all__ = ["FORMATS", "MEDIA_TYPES", "RENDERERS", "render", "render_csv", "render_html", "render_json", "render_xlsx"]
