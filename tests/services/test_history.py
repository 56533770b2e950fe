"""Run history, trends and exceptions on the demo workspace (issue 18, items 1-2)."""

from __future__ import annotations

import io
import json
from datetime import date, datetime

import polars as pl
import pytest
import vl_convert as vlc
from openpyxl import load_workbook

from certlib.apps import charts
from certlib.errors import Refused
from certlib.reports import render
from certlib.services.history import trend_series

from .conftest import NOW

SECTION_504 = "Section 504 Compliance"


def unit_of(ws, district: str, name: str = SECTION_504) -> int:
    return next(
        r["unit_id"] for r in ws.events_for("state.admin", {"event_name": name}, NOW) if r["district"] == district
    )


def test_every_run_stores_every_rule_count_with_scope_copy_generation_and_clock(ws):
    unit = unit_of(ws, "1071")
    event = ws.store.event(ws.unit(unit).event_id)
    before = len(ws.store.runs(unit))
    ws.wizard("ns.cert1", unit, NOW).run_district()
    run = ws.store.runs(unit)[-1]
    assert len(ws.store.runs(unit)) == before + 1
    assert (run.copy, run.user_id, run.step, run.at, run.data_generation) == (
        "district",
        "ns.cert1",
        1,
        NOW.isoformat(),
        0,
    )
    assert run.scope == {"district": "1071"}
    rules = {r.id for r in ws.pack.rules_in(list(event.groups))}
    assert {c.rule_id for c in run.rules} == rules  # zeros included
    assert any(c.count == 0 and c.status == "passed" for c in run.rules)
    assert run.count("504-001") == 2
    findings = ws.store.run_findings(run.id)
    assert findings["504-001"].keys == ("plan_id=300004", "plan_id=300009")


def test_state_job_and_snapshot_runs_are_state_copy_runs_and_changes_compare_like_with_like(ws):
    from .conftest import walk_to_review

    unit = unit_of(ws, "7988")
    walk_to_review(ws, "hw.cert1", unit)
    runs = ws.store.runs(unit)
    state = [r for r in runs if r.copy == "state"]
    assert [r.step for r in state] == [2, 3] and state[1].snapshot_sha256
    # the state job's run is compared with the previous *state* run (none): everything new
    first_state = ws.history.changes("hw.cert1", unit, NOW, run_id=state[0].id)
    assert {c.change for c in first_state} == {"new"}
    # the district run is compared with the demo's last district run: the same three findings
    district = ws.history.changes("hw.cert1", unit, NOW, copy="district")
    assert [(c.record_key, c.change) for c in district] == [
        ("iep_id=200099", "still there"),
        ("iep_id=200102", "still there"),
        ("iep_id=200107", "still there"),
    ]


def test_history_rows_count_new_still_fixed_and_refuse_outside_scope(ws):
    unit = unit_of(ws, "1071")
    rows = ws.history.runs("ns.cert1", unit, NOW)
    assert [(r["fatal"], r["new"], r["still there"], r["fixed"]) for r in rows] == [
        (7, 7, 0, 0),
        (5, 0, 5, 2),
        (4, 0, 4, 1),
        (4, 0, 4, 0),
    ]
    one = ws.history.runs("state.admin", unit, NOW, rule="504-001")
    assert [(r["count"], r["fixed"]) for r in one] == [(4, 0), (3, 1), (2, 1), (2, 0)]
    with pytest.raises(Refused, match="outside scope"):
        ws.history.runs("hw.cert1", unit, NOW)


def test_trend_series_and_chart_show_districts_converging(ws):
    trend = ws.history.trend()
    event_id = ws.unit(unit_of(ws, "1071")).event_id
    series = trend_series(trend, by="district", event_id=event_id)
    north = series.filter(pl.col("series").str.starts_with("1071"))
    # North Star ran on 06-05, 06-12, 06-19 and 06-26; on the other districts' run days it keeps its count
    # (the 06-26 run still had 4 open: the exception came after)
    assert north["count"].to_list() == [7, 7, 5, 5, 4, 4, 4, 4]
    days = series["day"].unique().sort().to_list()
    assert len(days) == 8 and [series.filter(pl.col("day") == d).height for d in days] == [2] + [3] * 7
    lincoln = series.filter(pl.col("series").str.starts_with("9604"))["count"].to_list()
    assert lincoln == sorted(lincoln, reverse=True) and lincoln[-1] < lincoln[0]
    by_rule = trend_series(trend, by="rule", event_id=event_id)
    assert set(by_rule["series"]) == {"504-001", "SPED-001", "SPED-002"}
    # the same open errors, however they are split into series
    totals = lambda f: dict(f.group_by("day").agg(pl.col("count").sum()).iter_rows())  # noqa: E731
    assert totals(series) == totals(by_rule)
    chart = charts.trend_lines(series, due_date=ws.store.event(event_id).end_date)
    spec = chart.to_dict()
    svg = vlc.vegalite_to_svg(json.dumps(spec))
    assert "1071 North Star Public School" in svg and "due 2025-08-30" in svg
    assert spec["layer"][0]["encoding"]["y"]["field"] == "count"
    params = spec.get("params", []) + spec["layer"][0].get("params", [])
    assert charts.SELECTION in [p["name"] for p in params]


def test_trend_counts_the_latest_run_of_a_unit_per_day_and_subtracts_excepted(ws):
    unit = unit_of(ws, "1071")
    ws.wizard("ns.cert1", unit, NOW).run_district()
    ws.wizard("ns.cert1", unit, NOW).run_district()
    series = trend_series(ws.history.trend([unit]), by="district")
    last = series.filter(pl.col("day") == NOW.date())
    assert last["count"].to_list() == [3]  # 4 findings, one (504-001 plan 300009) excepted in the demo


def test_approved_exception_shows_as_excepted_in_every_format_and_stops_blocking(ws):
    unit = unit_of(ws, "1071")
    wiz = ws.wizard("ns.cert1", unit, NOW)
    run = wiz.run_district()
    r504 = run.rule("504-001")
    assert (r504.count, r504.excepted, r504.blocking) == (2, 1, True)
    assert r504.rows["exception"].to_list() == [None, "excepted (#1, until 2025-08-31)"]
    doc = json.loads(render(run, "json"))
    rule = next(r for r in doc["rules"] if r["id"] == "504-001")
    assert rule["excepted"] == 1 and rule["rows"][1]["exception"] == "excepted (#1, until 2025-08-31)"
    assert "excepted (#1, until 2025-08-31)" in render(run, "csv").decode()
    assert "1 of 2 excepted by the state" in render(run, "html").decode()
    sheets = load_workbook(io.BytesIO(render(run, "xlsx")))
    cells = {str(c.value) for ws_ in sheets.worksheets for row in ws_.iter_rows() for c in row}
    assert "excepted (#1, until 2025-08-31)" in cells
    assert wiz.steps()[0].status == "IN PROGRESS"  # the other three fatal findings still block
    later = datetime(2025, 7, 2, 9)
    for rule_id, key in (("504-001", "plan_id=300004"), ("SPED-002", "iep_id=200023"), ("SPED-002", "iep_id=200025")):
        e = ws.exceptions.request("ns.cert1", unit, rule_id, key, "documented", later)
        ws.exceptions.approve("state.admin", e.id, "ok", later, expires_on=date(2025, 7, 10))
    run = ws.wizard("ns.cert1", unit, later).run_district()
    assert not run.blocking and ws.wizard("ns.cert1", unit, later).steps()[0].status == "COMPLETED"
    assert ws.store.runs(unit)[-1].rules and sum(c.excepted for c in ws.store.runs(unit)[-1].rules) == 4
    # after the expiry date the findings block again
    expired = ws.wizard("ns.cert1", unit, datetime(2025, 7, 11, 9)).run_district()
    assert expired.blocking and expired.rule("SPED-002").excepted == 0


def test_exception_requests_and_decisions_are_audited_and_alert(ws):
    unit = unit_of(ws, "9604")
    pending = [e for e in ws.exceptions.list("state.admin", NOW, status="requested")]
    assert [(e["unit_id"], e["rule_id"], e["record_key"]) for e in pending] == [(unit, "SPED-002", "iep_id=200156")]
    n = ws.store.audit_count()
    with pytest.raises(Refused, match="a reason is required"):
        ws.exceptions.reject("state.admin", pending[0]["id"], " ", NOW)
    assert ws.store.audit_count() == n
    ws.exceptions.reject("state.admin", pending[0]["id"], "the IEP team's form is missing", NOW)
    last = ws.store.audit_rows(unit_id=unit)[-1]
    assert (last.action, last.from_status, last.to_status, last.actor) == (
        "exception rejected",
        "requested",
        "rejected",
        "state.admin",
    )
    assert any("rejected the exception" in m.text for m in ws.messages("li.cert1"))
    assert ws.store.verify_audit().ok
