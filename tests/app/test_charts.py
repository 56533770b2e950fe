"""Chart functions render to SVG and PNG with vl-convert and carry the marks/encodings they promise."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
import vl_convert as vlc

from certlib.apps import charts


def _render(chart) -> tuple[str, bytes, dict]:
    spec = chart.to_dict()
    svg = vlc.vegalite_to_svg(json.dumps(spec))
    png = vlc.vegalite_to_png(json.dumps(spec), scale=1)
    assert svg.startswith("<svg") and "</svg>" in svg
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    return svg, png, spec


def _param_names(spec: dict) -> list[str]:
    names = [p["name"] for p in spec.get("params", [])]
    for layer in spec.get("layer", []):
        names += [p["name"] for p in layer.get("params", [])]
    return names


def _status_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "key": ["0588", "0588", "0601", "0601", "0602"],
            "label": ["North Star 7-8", "North Star 7-8", "North Star High", "North Star High", "Elm"],
            "status": [
                "In Progress",
                "Certification Sent to State",
                "In Progress",
                "Certification Approved by State",
                "Recertification In Progress",
            ],
            "count": [3, 2, 1, 4, 2],
        }
    )


def test_status_bars_render_with_selection():
    svg, _, spec = _render(charts.status_bars(_status_frame()))
    assert spec["mark"]["type"] == "bar"
    enc = spec["encoding"]
    assert enc["y"]["field"] == "label" and enc["x"]["field"] == "count" and enc["color"]["field"] == "status"
    assert enc["x"]["stack"] == "zero"
    assert charts.SELECTION in _param_names(spec)
    sel = next(p for p in spec["params"] if p["name"] == charts.SELECTION)
    assert sel["select"]["fields"] == ["key", "status"]
    assert "North Star High" in svg
    # colours follow the status table
    assert enc["color"]["scale"]["range"][0] == charts.UNIT_STATUS_COLORS["In Progress"]


def test_status_bars_user_statuses():
    f = pl.DataFrame(
        {
            "key": ["1071"] * 2,
            "label": ["North Star"] * 2,
            "status": ["Incomplete - Overdue", "Certification Complete"],
            "count": [1, 5],
        }
    )
    svg, _, spec = _render(charts.status_bars(f, title="User status by district"))
    assert "User status by district" in svg
    assert set(spec["encoding"]["color"]["scale"]["domain"]) == {"Incomplete - Overdue", "Certification Complete"}


def test_status_bars_missing_column_is_named():
    with pytest.raises(ValueError, match="count"):
        charts.status_bars(_status_frame().drop("count"))


def test_overdue_charts():
    ev = pl.DataFrame(
        {
            "event_id": [1, 2],
            "event": ["Student Tardiness", "Fall ANB"],
            "days_overdue": [12, 3],
            "overdue_units": [40, 2],
        }
    )
    svg, _, spec = _render(charts.overdue_by_event(ev))
    assert spec["mark"]["type"] == "bar" and spec["encoding"]["x"]["field"] == "days_overdue"
    assert spec["params"][0]["select"]["fields"] == ["event_id"]
    assert "Student Tardiness" in svg
    units = pl.DataFrame(
        {
            "key": ["1071", "2001"],
            "label": ["North Star", "Elm Valley"],
            "event": ["Student Tardiness"] * 2,
            "days_overdue": [12, 12],
        }
    )
    svg, _, spec = _render(charts.overdue_by_unit(units))
    assert spec["params"][0]["select"]["fields"] == ["key"]
    assert "Elm Valley" in svg


def test_progress_chart_has_due_rule():
    days = [dt.date(2025, 7, 1) + dt.timedelta(days=i) for i in range(5)]
    f = pl.DataFrame(
        {
            "date": days * 2,
            "series": ["Sent to State"] * 5 + ["Approved"] * 5,
            "share": [0.1, 0.2, 0.4, 0.5, 0.7, 0.0, 0.1, 0.1, 0.3, 0.5],
            "units": [1, 2, 4, 5, 7, 0, 1, 1, 3, 5],
        }
    )
    svg, _, spec = _render(charts.progress_chart(f, due_date=dt.date(2025, 7, 4)))
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]
    assert marks == ["line", "rule", "text"]
    assert "due 2025-07-04" in svg
    # without a due date only the lines
    _, _, spec = _render(charts.progress_chart(f))
    assert len(spec["layer"]) == 1


def test_findings_heatmap():
    f = pl.DataFrame(
        {
            "key": ["0588", "0588", "0601"],
            "label": ["North Star 7-8", "North Star 7-8", "High"],
            "rule_id": ["EOY-001", "ATT-004", "EOY-001"],
            "severity": ["fatal", "warning", "fatal"],
            "count": [17, 2, 1],
        }
    )
    svg, _, spec = _render(charts.findings_heatmap(f))
    assert spec["mark"]["type"] == "rect"
    enc = spec["encoding"]
    assert enc["x"]["field"] == "rule_id" and enc["y"]["field"] == "label"
    assert enc["color"]["field"] == "severity"
    assert enc["opacity"]["condition"]["field"] == "count"
    assert spec["params"][0]["select"]["fields"] == ["key", "rule_id"]
    assert "EOY-001" in svg


def test_empty_frames_still_render():
    empty = pl.DataFrame(schema={"key": pl.String, "label": pl.String, "status": pl.String, "count": pl.Int64})
    _render(charts.status_bars(empty))
    _render(
        charts.findings_heatmap(empty.with_columns(rule_id=pl.lit(None, pl.String), severity=pl.lit(None, pl.String)))
    )


def test_kpi_numbers():
    f = pl.DataFrame(
        {
            "event_id": [1, 1, 2, 2],
            "overdue": [False, True, True, False],
            "unit_status": [
                "Certification Approved by State",
                "In Progress",
                "In Progress",
                "Certification Sent to State",
            ],
        }
    )
    k = {x.label: x for x in charts.kpi_numbers(f)}
    assert k["Published events"].value == "2" and k["Units"].value == "4"
    assert k["Certified"].value == "50%" and k["Approved"].value == "25%"
    assert k["Overdue units"].value == "2" and k["Overdue units"].direction == "decrease"
    assert k["Units"].as_stat_kwargs()["bordered"] is True
    empty = charts.kpi_numbers(f.head(0))
    assert [x.value for x in empty] == ["0", "0", "–", "–", "0"]


def test_every_user_status_word_has_a_colour_and_a_filter_entry():
    from certlib.apps.common import USER_STATUSES
    from certlib.domain import UserStatus

    assert set(charts.USER_STATUS_COLORS) == {s.value for s in UserStatus}
    assert set(USER_STATUSES) == {s.value for s in UserStatus}
