"""Reports: HTML escapes and links resolve, CSV has one line per finding, XLSX sheets, JSON schema."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from html.parser import HTMLParser

import openpyxl
import polars as pl
import pytest

from certlib.engine import PolarsEngine, RunResult
from certlib.reports import FORMATS, render
from certlib.reports.xlsx import sheet_names

HOSTILE = "<script>alert('x')</script>"


@pytest.fixture
def run(sample, rules, rule_factory) -> RunResult:
    enrollments = sample.enrollments.with_columns(
        pl.when(pl.col("enrollment_id") == 3).then(pl.lit(HOSTILE)).otherwise(pl.col("grade")).alias("grade")
    )
    frames = {"enrollments": enrollments, "attendance_summary": sample.attendance, "grade_codes": sample.grades}
    boom = rule_factory("BAD-1", "SELECT enrollment_id, CAST(grade || 'x' AS INTEGER) AS g FROM enrollments")
    clean = rule_factory("OK-1", "SELECT enrollment_id FROM enrollments WHERE enrollment_id < 0", severity="warning")
    long_id = rule_factory(
        "A-VERY-LONG-RULE-IDENTIFIER-THAT-EXCEEDS-31",
        "SELECT enrollment_id, start_date FROM enrollments",
        severity="info",
        title="Dates <b>listing</b>",
    )
    result = PolarsEngine().run([rules.present, rules.grade, rules.info, boom, clean, long_id], frames, max_results=2)
    return RunResult(
        rules=result.rules,
        title="End of Year Attendance Certification",
        scope_label="District 1071 North Star Public School",
        source_label="district data",
        generated_at=datetime(2025, 7, 30, 13, 0, 37),
        params={"school_year": 2025},
    )


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag == "script":
            self.scripts += 1


def test_render_dispatches_every_format(run):
    assert FORMATS == ("json", "csv", "html", "xlsx")
    for fmt in FORMATS:
        assert isinstance(render(run, fmt), bytes)
    with pytest.raises(ValueError, match="unknown report format 'pdf'"):
        render(run, "pdf")


def test_html_escapes_values_and_has_no_script(run):
    html = render(run, "html").decode()
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "Dates &lt;b&gt;listing&lt;/b&gt;" in html
    parser = _Links()
    parser.feed(html)
    assert parser.scripts == 0
    assert "<link" not in html and "src=" not in html  # self-contained: no external resources


def test_html_summary_links_resolve_and_sections_link_back(run):
    html = render(run, "html").decode()
    parser = _Links()
    parser.feed(html)
    assert len(parser.ids) == len(set(parser.ids))
    internal = [h for h in parser.hrefs if h.startswith("#")]
    assert internal and all(h[1:] in parser.ids for h in internal)
    assert len([h for h in parser.hrefs if h == "#summary"]) == len(run.rules)  # one back link per section
    rule_links = [h for h in internal if h != "#summary"]
    assert len(rule_links) == len(run.rules)


def test_html_header_and_sections_read_like_the_help_article(run):
    html = render(run, "html").decode()
    assert "District 1071 North Star Public School" in html
    assert "End of Year Attendance Certification" in html
    assert "Time: Wed Jul 30 13:00:37 2025" in html
    assert "# of Records" in html and "Back To Summary" in html
    assert "What EOY-001 checks." in html and "How to fix EOY-001." in html  # description + resolution
    assert "(2 of 3 shown)" in html  # truncated rule
    assert "conversion from `str` to `i32` failed" in html  # error text
    assert "sev-fatal" in html and "sev-warning" in html and "sev-info" in html


def test_csv_has_one_line_per_finding(run):
    rows = list(csv.DictReader(io.StringIO(render(run, "csv").decode())))
    assert len(rows) == sum(r.rows.height for r in run.rules)
    first = rows[0]
    assert (first["rule_id"], first["severity"], first["row"]) == ("EOY-001", "fatal", "1")
    assert json.loads(first["key"]) == {"enrollment_id": 1}
    assert json.loads(first["values"])["ada_days_present"] == 171.0
    assert {r["rule_id"] for r in rows} == {r.id for r in run.rules if r.status == "failed"}


def test_xlsx_opens_with_summary_and_one_sheet_per_failing_rule(run):
    book = openpyxl.load_workbook(io.BytesIO(render(run, "xlsx")))
    failing = [r.id for r in run.rules if r.status == "failed"]
    assert book.sheetnames[0] == "Summary"
    assert book.sheetnames[1:] == ["EOY-001", "ENR-005", "INFO-001", "A-VERY-LONG-RULE-IDENTIFIER-THAT-EXCEEDS-31"[:31]]
    assert len(book.sheetnames) == 1 + len(failing)
    assert all(len(n) <= 31 for n in book.sheetnames)
    summary = book["Summary"]
    assert summary["A1"].value == "End of Year Attendance Certification"
    values = [[c.value for c in row] for row in summary.iter_rows(min_row=7)]
    assert [v[1] for v in values] == [r.id for r in run.rules]
    assert [v[5] for v in values] == [r.count for r in run.rules]
    eoy = book["EOY-001"]
    assert eoy["E1"].value == "Back To Summary" and eoy["E1"].hyperlink.location == "'Summary'!A1"
    assert [c.value for c in eoy[5]][:4] == [
        "enrollment_id",
        "district_number",
        "ada_days_enrolled",
        "ada_days_present",
    ]
    assert [c.value for c in eoy[6]][:4] == [1, "1071", 170, 171]


def test_sheet_names_are_legal_and_unique():
    names = sheet_names(["a/b", "A_B", "x" * 40, "x" * 40 + "y", "summary", "[q]"])
    assert list(names.values()) == ["a_b", "A_B~2", "x" * 31, "x" * 29 + "~2", "summary~2", "_q_"]


def test_json_schema_is_stable(run):
    doc = json.loads(render(run, "json"))
    assert set(doc) == {
        "schema_version",
        "title",
        "scope",
        "source",
        "generated_at",
        "engine",
        "elapsed_ms",
        "params",
        "blocking",
        "counts_by_severity",
        "summary",
        "rules",
    }
    assert doc["schema_version"] == 1 and doc["blocking"] is True
    assert doc["generated_at"] == "2025-07-30T13:00:37"
    item = doc["rules"][0]
    assert set(item) == {
        "id",
        "title",
        "severity",
        "groups",
        "dataset",
        "status",
        "count",
        "excepted",
        "shown",
        "truncated",
        "max_results",
        "elapsed_ms",
        "error",
        "description",
        "resolution",
        "key_columns",
        "columns",
        "rows",
    }
    assert (item["id"], item["status"], item["count"], item["truncated"]) == ("EOY-001", "failed", 3, True)
    assert item["rows"][0] == {
        "enrollment_id": 1,
        "district_number": "1071",
        "ada_days_enrolled": 170.0,
        "ada_days_present": 171.0,
    }
    dates = next(r for r in doc["rules"] if r["id"].startswith("A-VERY"))
    assert dates["rows"][0]["start_date"] == "2024-08-19"
    bad = next(r for r in doc["rules"] if r["id"] == "BAD-1")
    assert bad["status"] == "error" and bad["rows"] == [] and "i32" in bad["error"]
    assert doc["summary"][0]["severity"] == "fatal"


def test_html_lists_fatal_rules_first_in_summary_and_sections(run):
    html = render(run, "html").decode()
    order = [html.index(f'id="rule-{rid}"') for rid in ("EOY-001", "BAD-1", "ENR-005", "OK-1", "INFO-001")]
    assert order == sorted(order)
    assert '<td class="num">171.0</td>' in html  # numbers right-aligned
