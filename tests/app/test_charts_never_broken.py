"""Charts never look broken (issue 17 item 5): with nothing to draw each chart shows its empty state
(no axis "0.000000", no legend "NaN"); legends sit under the plot (not off the right edge at 1400 px);
the table's filter line names schools/districts and events, and counts in words ("1 unit matches")."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
import vl_convert as vlc

from certlib.apps import charts, common
from certlib.apps import dashboard as dash

TODAY = dt.date(2025, 9, 1)


def _units() -> pl.DataFrame:
    return dash.conform(
        pl.DataFrame(
            {
                "event_id": [7, 7, 8],
                "event": ["EOY Attendance", "EOY Attendance", "Fall ANB"],
                "school_year": [2025] * 3,
                "category": ["ATT"] * 3,
                "level": ["school", "school", "district"],
                "event_status": ["Published"] * 3,
                "due_date": [dt.date(2025, 8, 1), dt.date(2025, 8, 1), dt.date(2025, 8, 20)],
                "unit_id": [1, 2, 3],
                "district_number": ["1071", "1071", "7988"],
                "district_name": ["North Star", "North Star", "Elm Valley"],
                "school_code": ["0588", "0601", None],
                "school_name": ["North Star 7-8", "North Star High", None],
                "unit_status": ["In Progress", "Certification Sent to State", "In Progress"],
                "sent_at": [None, dt.datetime(2025, 7, 30, 10), None],
                "approved_at": [None, None, None],
            }
        ),
        dash.UNIT_SCHEMA,
    )


def _findings() -> pl.DataFrame:
    return dash.conform(
        pl.DataFrame(
            {
                "unit_id": [1],
                "district_number": ["1071"],
                "school_code": ["0588"],
                "school_name": ["North Star 7-8"],
                "rule_id": ["ATT-001"],
                "severity": ["fatal"],
                "count": [3],
            }
        ),
        dash.FINDING_SCHEMA,
    )


def _all_charts(units: pl.DataFrame, findings: pl.DataFrame, users: pl.DataFrame | None = None):
    users = dash.empty_users() if users is None else users
    prog, due = dash.progress(units)
    trend = pl.DataFrame(
        {
            "day": [dt.date(2025, 7, 1), dt.date(2025, 7, 2)][: min(units.height, 2)],
            "series": ["1071 North Star"] * min(units.height, 2),
            "count": [4, 1][: min(units.height, 2)],
        },
        schema={"day": pl.Date, "series": pl.String, "count": pl.Int64},
    )
    return {
        "status_bars": charts.status_bars(dash.unit_status_by_school(units, TODAY, 10)),
        "overdue_by_event": charts.overdue_by_event(dash.overdue_events(units, TODAY)),
        "overdue_by_unit": charts.overdue_by_unit(dash.overdue_units(units, TODAY, 10)),
        "progress_chart": charts.progress_chart(prog, due),
        "findings_heatmap": charts.findings_heatmap(dash.findings_matrix(findings, 10, units=units)),
        "trend_lines": charts.trend_lines(trend, due),
    }


def _svg(chart) -> str:
    return vlc.vegalite_to_svg(json.dumps(chart.to_dict()))


NAMES = list(charts.EMPTY_MESSAGES)


@pytest.mark.parametrize("name", NAMES)
def test_an_empty_chart_shows_its_empty_state_not_nan(name):
    chart = _all_charts(dash.empty_units(), dash.empty_findings())[name]
    svg = _svg(chart)
    assert "NaN" not in svg and "0.000000" not in svg and "NaN" not in json.dumps(chart.to_dict())
    state = charts.empty_state(chart)
    assert state is not None and state.message == charts.EMPTY_MESSAGES[name]
    assert state.message.split(":")[0].split(".")[0] in svg  # the sentence is drawn, not an empty box
    assert not common.has_marks(chart)
    assert state.markdown().startswith("**")


@pytest.mark.parametrize("name", NAMES)
def test_a_chart_with_data_draws_it_with_the_legend_below(name):
    chart = _all_charts(_units(), _findings())[name]
    spec = chart.to_dict()
    svg = _svg(chart)
    assert charts.empty_state(chart) is None and "NaN" not in svg
    encodings = [spec.get("encoding", {})] + [layer.get("encoding", {}) for layer in spec.get("layer", [])]
    for enc in encodings:
        for channel in ("color", "opacity"):
            legend = enc.get(channel, {}).get("legend")
            if channel in enc and "field" in enc[channel]:
                assert legend and legend["orient"] == "bottom", (name, channel)
        if "condition" in enc.get("opacity", {}) and "field" in enc["opacity"]["condition"]:
            assert enc["opacity"]["condition"]["legend"]["orient"] == "bottom"


def test_the_filter_line_names_schools_districts_and_events():
    units = _units()
    f = dash.build_filters({}, {"keys": ["7988", "0601"], "event_ids": [8]})
    line = dash.match_summary(1, f, units)
    assert line.startswith("**1 unit** matches")
    assert "keys" not in line and "Elm Valley (7988)" in line and "North Star High (0601)" in line
    assert "event: Fall ANB" in line
    assert dash.match_summary(2, dash.build_filters({}), units).startswith("**2 units** match · no filter")
    assert dash.match_summary(0, dash.build_filters({}), units).startswith("**0 units** match")
    assert common.plural(1_200, "unit") == "1,200 units"
