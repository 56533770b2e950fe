"""The apps' functions of issue 18 (certlib.apps.history) over the demo workspace."""

from __future__ import annotations

import polars as pl

from certlib.apps import history as hist

from .conftest import NOW


def _unit(ws, district: str, name: str = "Section 504 Compliance") -> int:
    return next(
        r["unit_id"] for r in ws.events_for("state.admin", {"event_name": name}, NOW) if r["district"] == district
    )


def test_findings_rows_and_asking_for_exceptions(ws):
    unit = _unit(ws, "9604")
    wiz = ws.wizard("li.cert1", unit, NOW)
    rows, line = hist.findings_rows(wiz)
    assert line == "**district** copy: 0 new, 2 still there, 1 fixed, 0 unknown"  # the demo's last two runs
    picked = [r for r in hist.open_findings(rows) if r["record_key"] == "plan_id=300039"]
    out = hist.ask_or_note(ws, "li.cert1", unit, picked, "request", "exit on file", NOW)
    assert out.ok and "requested for 504-001 plan_id=300039" in out.message
    again = hist.ask_or_note(ws, "li.cert1", unit, picked, "request", "exit on file", NOW)
    assert not again.ok and "already requested" in again.message
    assert not hist.ask_or_note(ws, "li.cert1", unit, [], "note", "x", NOW).ok
    pending = hist.exception_rows(ws, "state.admin", NOW, status="requested")
    assert len(pending) == 2 and set(pending[0]) >= {"id", "rule_id", "record_key", "request_reason"}
    bad = hist.decide(ws, "state.admin", pending[:1], "approve", "ok", "31/08/2025", NOW)
    assert not bad.ok and "not a date" in bad.message
    good = hist.decide(ws, "state.admin", pending[:1], "approve", "ok", "2025-08-31", NOW)
    assert good.ok and good.message.endswith("approved")


def test_bulk_timeline_and_trend_for_a_viewer(ws):
    event_id = ws.unit(_unit(ws, "1071")).event_id
    rows = hist.bulk_unit_rows(ws, "state.admin", NOW, event_id)
    line, result = hist.bulk(ws, "state.admin", "approve", rows, None, NOW)
    assert line == "**Bulk approve:** 3 accepted, 0 refused" and len(result) == 3
    timeline = hist.timeline_rows(ws, "ns.cert1", _unit(ws, "1071"), NOW)
    assert [r["action"] for r in timeline][-1] == "approve" and set(timeline[0]) == set(hist.TIMELINE_COLUMNS)
    series, due = hist.trend(ws, "state.admin", event_id, "district")
    assert due.isoformat() == "2025-08-30" and series.height > 0
    mine, _ = hist.trend(ws, "ns.cert1", event_id, "district")  # a district user sees their district only
    assert set(mine["series"]) == {"1071 North Star Public School"}
    assert set(series["series"]) > set(mine["series"])
    assert "Section 504 Compliance 2024-25 (event 6)" in hist.trend_events(ws, "state.admin")
    assert isinstance(series, pl.DataFrame)
