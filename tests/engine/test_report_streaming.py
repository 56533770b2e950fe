"""Reports stream (issue 15): ``write_report`` gives exactly the bytes the in-memory reports gave before
(reference renderers below are the pre-streaming code), for awkward values, in chunks smaller than a rule."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from datetime import date, datetime

import numpy as np
import openpyxl
import polars as pl
import pytest

import certlib.reports.values as values
from certlib.engine.results import RuleResult, RunResult
from certlib.reports import FORMATS, render, write_report
from certlib.reports.json import run_dict
from certlib.reports.values import json_value


def _run(rows: int = 257) -> RunResult:
    rng = np.random.default_rng(3)
    frame = pl.DataFrame(
        {
            "enrollment_id": np.arange(rows, dtype=np.int64),
            "name": rng.choice(["Núñez", "O'Hara", "<b>&x</b>", 'say "hi"', "", "line\nbreak"], rows),
            "day": pl.Series(rng.integers(19950, 20250, rows)).cast(pl.Date),
            "minutes": pl.Series(rng.integers(-5, 60, rows)).set(pl.Series(rng.random(rows) < 0.2), None),
            "rate": np.where(rng.random(rows) < 0.1, np.nan, np.round(rng.random(rows) * 100, 3)),
            "flag": pl.Series(rng.random(rows) < 0.5).set(pl.Series(rng.random(rows) < 0.1), None),
            "at": pl.Series([datetime(2025, 1, 2, 3, 4, 5)] * rows),
            "big": pl.Series([2**62] * rows, dtype=pl.UInt64),
            "nothing": pl.Series([None] * rows, dtype=pl.Null),
        }
    ).with_columns(pl.when(pl.col("enrollment_id") % 7 == 0).then(None).otherwise(pl.col("name")).alias("name"))

    def rule(rule_id: str, f: pl.DataFrame, status: str = "failed", error: str | None = None) -> RuleResult:
        return RuleResult(
            id=rule_id,
            title=f"T {rule_id}",
            severity="warning",
            groups=("G",),
            dataset="D",
            status=status,
            count=f.height + 3,
            rows=f,
            truncated=True,
            elapsed_ms=1.5,
            error=error,
            description="<d>",
            resolution="r",
            key_columns=("enrollment_id", "day"),
            max_results=9,
        )

    return RunResult(
        rules=[
            rule("A-1", frame),
            rule("B-2", frame.head(0), "passed"),
            rule("C-3", pl.DataFrame(), "error", "boom <x>"),
            rule("D-4", frame.head(3)),
        ],
        title="Streamed",
        scope_label="District 1",
        source_label="test",
        generated_at=datetime(2025, 7, 30, 13, 0, 37),
        params={"as_of_date": date(2025, 6, 30)},
    )


def _old_row_dicts(frame: pl.DataFrame) -> list[dict]:
    return [{k: json_value(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]


def _old_csv(run: RunResult) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\n")
    out.writerow(("rule_id", "severity", "title", "dataset", "row", "key", "values"))
    for r in run.rules:
        for n, row in enumerate(_old_row_dicts(r.rows), start=1):
            key = {k: row.get(k) for k in r.key_columns if k in row}
            out.writerow(
                [
                    r.id,
                    r.severity,
                    r.title,
                    r.dataset,
                    n,
                    json.dumps(key, ensure_ascii=False),
                    json.dumps(row, ensure_ascii=False),
                ]
            )
    return buf.getvalue().encode("utf-8")


def _old_json(run: RunResult) -> bytes:
    doc = run_dict(run)
    for item, r in zip(doc["rules"], run.rules, strict=True):
        item["rows"] = _old_row_dicts(r.rows)
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _old_rows_table(r: RuleResult) -> str:
    from certlib.reports.html import _e
    from certlib.reports.values import cell_text

    if r.rows.height == 0:
        return ""
    num = [' class="num"' if dtype.is_numeric() else "" for dtype in r.rows.dtypes]
    head = "".join(f"<th{n}>{_e(c)}</th>" for c, n in zip(r.rows.columns, num, strict=True))
    body = "".join(
        "<tr>" + "".join(f"<td{n}>{_e(cell_text(v))}</td>" for v, n in zip(row, num, strict=True)) + "</tr>"
        for row in r.rows.iter_rows()
    )
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch):
    """Chunks smaller than a rule's rows, so the seams between chunks are exercised."""
    monkeypatch.setattr(values, "CHUNK_ROWS", 50)
    import certlib.reports.html as html
    import certlib.reports.xlsx as xlsx

    monkeypatch.setattr(html, "CHUNK_ROWS", 50)
    monkeypatch.setattr(xlsx, "CHUNK_ROWS", 50)
    monkeypatch.setattr(values.iter_row_dicts, "__defaults__", (50,))


@pytest.mark.parametrize("fmt", FORMATS)
def test_written_file_equals_rendered_bytes(fmt, tmp_path):
    run = _run()
    path = tmp_path / f"r.{fmt}"
    with open(path, "wb") as f:
        write_report(run, fmt, f)
    if fmt == "xlsx":  # the zip carries timestamps: compare the cells
        a = openpyxl.load_workbook(path)
        b = openpyxl.load_workbook(io.BytesIO(render(run, fmt)))
        assert a.sheetnames == b.sheetnames
        for name in a.sheetnames:
            assert [[c.value for c in row] for row in a[name].iter_rows()] == [
                [c.value for c in row] for row in b[name].iter_rows()
            ]
    else:
        assert path.read_bytes() == render(run, fmt)


def test_csv_and_json_are_the_bytes_of_the_in_memory_reports():
    run = _run()
    assert render(run, "csv") == _old_csv(run)
    assert render(run, "json") == _old_json(run)
    empty = dataclasses.replace(run, rules=[])
    assert render(empty, "json") == _old_json(empty)
    assert json.loads(render(run, "json"))["rules"][0]["rows"][7]["name"] is None


def test_html_rows_are_the_escaped_cells_of_the_in_memory_report():
    from certlib.reports.html import _rows_table

    run = _run()
    for r in run.rules:
        assert "".join(_rows_table(r)) == _old_rows_table(r)
    html = render(run, "html").decode()
    assert "&lt;b&gt;&amp;x&lt;/b&gt;" in html and "<b>&x" not in html and "say &quot;hi&quot;" in html


def test_xlsx_cells_hold_the_typed_values():
    run = _run()
    book = openpyxl.load_workbook(io.BytesIO(render(run, "xlsx")))
    sheet = book["A-1"]
    frame = run.rules[0].rows
    got = [[c.value for c in row] for row in sheet.iter_rows(min_row=6, max_col=frame.width)]
    assert len(got) == frame.height
    for cells, row in zip(got, frame.iter_rows(), strict=True):
        eid, name, day, minutes, rate, flag, at, big, _ = row
        assert cells[0] == eid and cells[1] == (name if name else None)
        assert cells[2] == datetime(day.year, day.month, day.day) and cells[3] == minutes
        assert cells[4] == (None if math.isnan(rate) else rate) and cells[5] == flag
        assert cells[6] == at and cells[7] == float(big) and cells[8] is None
