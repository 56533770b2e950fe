"""The HTML report: one self-contained file a district user recognises from the help article.

Header (district/school, report title, time), a Summary table (Dataset / Rule / Severity / # of
Records), fatal rules first, whose rows link to one section per rule, and in each section the description, resolution,
the count ("N of M shown" when capped), the rows and a "Back To Summary" link. Every value is escaped;
the CSS is inline; there is no script.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html import escape
from typing import BinaryIO

import polars as pl

from certlib.engine.results import RuleResult, RunResult
from certlib.reports.values import CHUNK_ROWS, cell_text

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2933;margin:0;background:#f5f7fa}
main{max-width:1200px;margin:0 auto;padding:16px 24px 48px}
header.report{background:#fff;border-bottom:3px solid #1d4f91;padding:16px 24px}
header.report h1{margin:4px 0;font-size:1.5rem;color:#1d4f91}
header.report .meta{color:#52606d;font-size:.95rem}
header.report .meta b{color:#1f2933}
h2{font-size:1.2rem;margin:0 0 6px}
section{background:#fff;border:1px solid #d9e2ec;border-radius:6px;padding:14px 18px;margin:18px 0}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #d9e2ec;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#e4e7eb;position:sticky;top:0}
tr:nth-child(even) td{background:#fafbfc}
td.num,th.num{text-align:right}
.sev{display:inline-block;padding:1px 8px;border-radius:10px;font-size:.8rem;font-weight:600;color:#fff}
.sev-fatal{background:#c62828}.sev-warning{background:#b26a00}.sev-info{background:#1565c0}
.st-error{color:#c62828;font-weight:600}.st-passed{color:#2e7d32}
.back{float:right;font-size:.9rem}
.status{font-weight:600;padding:8px 12px;border-radius:4px;margin:12px 0}
.blocking{background:#fdecea;color:#8a1c1c}.clear{background:#e8f5e9;color:#1b5e20}
pre.error{background:#fdecea;padding:8px;white-space:pre-wrap}
dl{margin:6px 0 10px}dt{font-weight:600;color:#52606d}dd{margin:0 0 6px}
.scroll{overflow-x:auto;max-height:70vh}
"""


def _e(value: object) -> str:
    return escape(cell_text(value) if not isinstance(value, str) else value, quote=True)


def anchors(run: RunResult) -> dict[str, str]:
    """A unique, HTML-safe anchor id per rule id (``504-001`` -> ``rule-504-001``)."""
    out: dict[str, str] = {}
    used: set[str] = {"summary"}
    for r in run.rules:
        base = "rule-" + (re.sub(r"[^A-Za-z0-9_-]+", "-", r.id).strip("-") or "x")
        anchor, n = base, 2
        while anchor in used:
            anchor, n = f"{base}-{n}", n + 1
        used.add(anchor)
        out.setdefault(r.id, anchor)
    return out


def in_report_order(run: RunResult) -> list[RuleResult]:
    """Fatal rules first, then warnings, then info; within a severity, the run's (pack file) order."""
    rank = {"fatal": 0, "warning": 1, "info": 2}
    return sorted(run.rules, key=lambda r: rank.get(r.severity, 3))  # sorted() is stable


def _severity(sev: str) -> str:
    cls = sev if sev in ("fatal", "warning", "info") else "info"
    return f'<span class="sev sev-{cls}">{_e(sev.capitalize())}</span>'


def _header(run: RunResult) -> str:
    meta = []
    if run.scope_label:
        meta.append(f"<b>{_e(run.scope_label)}</b>")
    meta.append(f"Time: {_e(run.generated_at.strftime('%a %b %d %H:%M:%S %Y'))}")
    if run.source_label:
        meta.append(f"Source: {_e(run.source_label)}")
    params = ", ".join(f"{k}={cell_text(v)}" for k, v in sorted(run.params.items()))
    if params:
        meta.append(f"Parameters: {_e(params)}")
    return f'<header class="report"><h1>{_e(run.title)}</h1><div class="meta">{" &middot; ".join(meta)}</div></header>'


def _summary(run: RunResult, ids: dict[str, str]) -> str:
    verdict = (
        '<div class="status blocking">Fatal findings or rule errors: these must be resolved before certifying.</div>'
        if run.blocking
        else '<div class="status clear">No fatal findings and no rule errors.</div>'
        if not any(r.excepted and r.severity == "fatal" for r in run.rules)
        else '<div class="status clear">No fatal findings left open (the others are excepted by the state) '
        "and no rule errors.</div>"
    )
    rows = []
    for r in in_report_order(run):
        records = "error" if r.status == "error" else str(r.count)
        cls = " st-error" if r.status == "error" else ""
        rows.append(
            "<tr>"
            f'<td><a href="#{ids[r.id]}">{_e(r.dataset)}</a></td>'
            f"<td>{_e(r.id)}</td>"
            f"<td>{_severity(r.severity)}</td>"
            f'<td class="num{cls}">{_e(records)}</td>'
            "</tr>"
        )
    body = "".join(rows) or '<tr><td colspan="4">No rules were run.</td></tr>'
    return (
        '<section id="summary"><h2>Summary</h2>'
        f"{verdict}"
        '<table><thead><tr><th>Dataset</th><th>Rule</th><th>Severity</th><th class="num"># of Records</th></tr></thead>'
        f"<tbody>{body}</tbody></table></section>"
    )


_ESCAPES = (["&", "<", ">", '"', "'"], ["&amp;", "&lt;", "&gt;", "&quot;", "&#x27;"])  # html.escape(quote=True)


def _cells(series: pl.Series) -> pl.Expr:
    """The escaped cell text of a column (:func:`cell_text` then :func:`html.escape`), column-wise."""
    dtype = series.dtype
    if dtype == pl.String:
        text = series
    elif dtype.is_integer():
        text = series.cast(pl.String)
    elif dtype == pl.Boolean:
        text = series.replace_strict({True: "true", False: "false"}, return_dtype=pl.String)
    else:  # floats, dates, anything else: exactly as cell_text writes it
        text = pl.Series([cell_text(v) for v in series.to_list()], dtype=pl.String)
    return pl.lit(text.fill_null("")).str.replace_many(*_ESCAPES)


def _rows_html(r: RuleResult, num: list[str]) -> Iterator[str]:
    for part in r.rows.iter_slices(CHUNK_ROWS):
        cells = []
        for name, n in zip(part.columns, num, strict=True):
            cells += [pl.lit(f"<td{n}>"), _cells(part.get_column(name)), pl.lit("</td>")]
        rows = part.select(pl.concat_str([pl.lit("<tr>"), *cells, pl.lit("</tr>")]).alias("tr")).get_column("tr")
        yield "".join(rows.to_list())


def _rows_table(r: RuleResult) -> Iterator[str]:
    if r.rows.height == 0:
        return
    cols = r.rows.columns
    num = [' class="num"' if dtype.is_numeric() else "" for dtype in r.rows.dtypes]
    head = "".join(f"<th{n}>{_e(c)}</th>" for c, n in zip(cols, num, strict=True))
    yield f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>'
    yield from _rows_html(r, num)
    yield "</tbody></table></div>"


def _section(r: RuleResult, anchor: str) -> Iterator[str]:
    if r.status == "error":
        outcome = f'<p class="st-error">The rule could not run.</p><pre class="error">{_e(r.error or "")}</pre>'
    elif r.status == "passed":
        outcome = '<p class="st-passed">0 records.</p>'
    elif r.truncated:
        outcome = f"<p>{r.count} records ({r.shown} of {r.count} shown).</p>"
    else:
        outcome = f"<p>{r.count} record{'s' if r.count != 1 else ''}.</p>"
    if r.excepted:
        outcome += (
            f'<p class="excepted">{r.excepted} of {r.count} excepted by the state '
            "(approved exceptions; see the exception column).</p>"
        )
    details = ""
    if r.description:
        details += f"<dt>Description</dt><dd>{_e(r.description)}</dd>"
    if r.resolution:
        details += f"<dt>Resolution</dt><dd>{_e(r.resolution)}</dd>"
    if r.groups:
        details += f"<dt>Validation groups</dt><dd>{_e(', '.join(r.groups))}</dd>"
    yield (
        f'<section id="{anchor}">'
        f'<a class="back" href="#summary">Back To Summary</a>'
        f"<h2>{_e(r.dataset)} {_severity(r.severity)}</h2>"
        f"<div>{_e(r.id)}: {_e(r.title)}</div>"
        f"<dl>{details}</dl>{outcome}"
    )
    yield from _rows_table(r)
    yield "</section>"


def write_html(run: RunResult, out: BinaryIO) -> None:
    """The report written piece by piece (each rule's rows a chunk at a time) to ``out``."""
    ids = anchors(run)
    out.write(
        (
            "<!DOCTYPE html>"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(run.title)}</title><style>{_CSS}</style></head><body>"
            f"{_header(run)}<main>{_summary(run, ids)}"
        ).encode()
    )
    for r in in_report_order(run):
        for piece in _section(r, ids[r.id]):
            out.write(piece.encode("utf-8"))
    out.write(b"</main></body></html>\n")


def render_html(run: RunResult) -> bytes:
    buf = io.BytesIO()
    write_html(run, buf)
    return buf.getvalue()
