"""Dashboard aggregations: correct on a small hand-made state, bounded and fast at statewide size."""

from __future__ import annotations

import datetime as dt
import json
import random
import time

import polars as pl
import vl_convert as vlc

from certlib.apps import charts, common
from certlib.apps import dashboard as dash

TODAY = dt.date(2025, 8, 10)
DUE = dt.date(2025, 7, 31)


def _small():
    units = common.conform(
        pl.DataFrame(
            {
                "event_id": [1, 1, 1, 2],
                "event": ["Student Tardiness"] * 3 + ["Fall ANB"],
                "school_year": [2025] * 4,
                "level": ["school", "school", "school", "district"],
                "event_status": ["Published"] * 3 + ["Closed"],
                "due_date": [DUE, DUE, DUE, dt.date(2025, 9, 1)],
                "unit_id": [10, 11, 12, 20],
                "district_number": ["1071", "1071", "2002", "1071"],
                "district_name": ["North Star", "North Star", "Elm Valley", "North Star"],
                "school_code": ["0588", "0601", "0700", None],
                "school_name": ["North Star 7-8", "North Star High", "Elm Elementary", None],
                "unit_status": [
                    "In Progress",
                    "Certification Sent to State",
                    "Certification Approved by State",
                    "In Progress",
                ],
                "sent_at": [None, dt.datetime(2025, 7, 20, 9), dt.datetime(2025, 7, 18, 9), None],
                "approved_at": [None, None, dt.datetime(2025, 7, 25, 9), None],
            }
        ),
        dash.UNIT_SCHEMA,
    )
    users = common.conform(
        pl.DataFrame(
            {
                "unit_id": [10, 10, 11, 12, 20],
                "user_id": ["c1", "r1", "c2", "c3", "c1"],
                "role": ["certifier", "reviewer", "certifier", "certifier", "certifier"],
                "user_status": [
                    "Incomplete - Overdue",
                    "N/A",
                    "Certification Complete",
                    "Complete",
                    "Certification Incomplete",
                ],
            }
        ),
        dash.USER_SCHEMA,
    )
    findings = common.conform(
        pl.DataFrame(
            {
                "unit_id": [10, 10, 11],
                "district_number": ["1071"] * 3,
                "school_code": ["0588", "0588", "0601"],
                "school_name": ["North Star 7-8", "North Star 7-8", "North Star High"],
                "rule_id": ["EOY-001", "ATT-004", "EOY-001"],
                "severity": ["fatal", "warning", "fatal"],
                "count": [5, 2, 1],
            }
        ),
        dash.FINDING_SCHEMA,
    )
    return units, users, findings


def test_overdue_and_kpis():
    units, _, _ = _small()
    u = dash.with_overdue(units, TODAY)
    assert u.filter(pl.col("overdue"))["unit_id"].to_list() == [10]
    assert u.filter(pl.col("unit_id") == 10)["days_overdue"].item() == 10
    assert u.filter(pl.col("unit_id") == 20)["key"].item() == "1071"
    k = {x.label: x.value for x in dash.kpis(units, TODAY)}
    assert k == {"Published events": "2", "Units": "4", "Certified": "50%", "Approved": "25%", "Overdue units": "1"}


def test_chart_frames_small():
    units, users, findings = _small()
    s = dash.unit_status_by_school(units, TODAY)
    assert s.filter(pl.col("key") == "0588")["status"].to_list() == ["In Progress"]
    assert s["count"].sum() == 4
    us = dash.user_status_by_school(units, users, TODAY)
    assert us["count"].sum() == 5
    oe = dash.overdue_events(units, TODAY)
    assert oe.to_dicts() == [{"event_id": 1, "event": "Student Tardiness", "days_overdue": 10, "overdue_units": 1}]
    ou = dash.overdue_units(units, TODAY)
    assert ou["key"].to_list() == ["0588"]
    prog, due = dash.progress(units, 1)
    assert due == DUE
    sent = prog.filter(pl.col("series") == "Sent to State")
    assert sent["units"].to_list() == [1, 2] and abs(sent["share"][-1] - 2 / 3) < 1e-9
    fm = dash.findings_matrix(findings)
    assert fm.filter((pl.col("key") == "0588") & (pl.col("rule_id") == "EOY-001"))["count"].item() == 5
    for chart in (
        charts.status_bars(s),
        charts.status_bars(us),
        charts.overdue_by_event(oe),
        charts.overdue_by_unit(ou),
        charts.progress_chart(prog, due),
        charts.findings_heatmap(fm),
    ):
        assert vlc.vegalite_to_svg(json.dumps(chart.to_dict())).startswith("<svg")


def test_events_table_filters_and_paging():
    units, users, findings = _small()
    t = dash.events_table(units, users, TODAY)
    assert t.height == 4
    row = t.filter(pl.col("unit_id") == 10).row(0, named=True)
    assert row["Certifiers Complete"] == "0 of 1" and row["Days Overdue"] == 10
    f = common.EventFilters.from_values(user_statuses=["Certification Incomplete", "Incomplete - Overdue"])
    assert sorted(dash.filter_events(t, f)["unit_id"].to_list()) == [10, 20]
    assert dash.filter_events(t, common.EventFilters(event_name="tardi"))["unit_id"].to_list() != []
    assert dash.filter_events(t, common.EventFilters(school_name="elm"))["unit_id"].to_list() == [12]
    assert dash.filter_events(t, common.EventFilters(active_only=True))["unit_id"].len() == 3
    assert dash.filter_events(t, common.EventFilters(due_after=dt.date(2025, 8, 1)))["unit_id"].to_list() == [20]
    assert dash.filter_events(t, common.EventFilters(event_statuses=["In Progress"], year=2025)).height == 2
    # a heatmap cell selection: school 0588 × ATT-004
    sel = dash.selection_filter(pl.DataFrame({"key": ["0588"], "rule_id": ["ATT-004"]}))
    assert sel == {"keys": ["0588"], "rule_ids": ["ATT-004"]}
    got = dash.filter_events(t, common.EventFilters.from_values(**sel), findings)
    assert got["unit_id"].to_list() == [10]
    assert dash.selection_filter(None) == {} and dash.selection_filter(pl.DataFrame({"key": []})) == {}
    merged = dash.merge_selections({"keys": ["0588", "0601"]}, {"keys": ["0601"], "event_ids": [1]})
    assert merged == {"keys": ["0601"], "event_ids": [1]}
    p = common.page(t, 2, size=3)
    assert (p.number, p.pages, p.rows.height, p.caption) == (2, 2, 1, "4 - 4 of 4 items")
    assert common.page(t.head(0)).caption == "0 of 0 items"
    assert common.to_csv_bytes(t).startswith(b"Event Name,")
    assert common.to_xlsx_bytes(t)[:2] == b"PK"


def _statewide(n_schools=800, n_events=40, seed=3):
    rng = random.Random(seed)
    statuses = [
        "In Progress",
        "Certification Sent to State",
        "Certification Approved by State",
        "Recertification In Progress",
    ]
    rows, urows, frows = [], [], []
    uid = 0
    for e in range(n_events):
        due = dt.date(2025, 6, 1) + dt.timedelta(days=3 * e)
        for s in range(n_schools):
            uid += 1
            st = rng.choice(statuses)
            sent = dt.datetime(2025, 5, 1) + dt.timedelta(days=rng.randint(0, 90)) if st != "In Progress" else None
            rows.append(
                (e, f"Event {e}", due, uid, f"{s // 8:04d}", f"District {s // 8}", f"{s:04d}", f"School {s}", st, sent)
            )
            urows.append((uid, f"u{s}", "certifier", "Certification Complete" if sent else "Certification Incomplete"))
            if rng.random() < 0.2:
                frows.append(
                    (
                        uid,
                        f"{s // 8:04d}",
                        f"{s:04d}",
                        f"School {s}",
                        f"R-{rng.randint(1, 30):03d}",
                        rng.choice(["fatal", "warning", "info"]),
                        rng.randint(1, 50),
                    )
                )
    units = pl.DataFrame(
        rows,
        schema=[
            "event_id",
            "event",
            "due_date",
            "unit_id",
            "district_number",
            "district_name",
            "school_code",
            "school_name",
            "unit_status",
            "sent_at",
        ],
        orient="row",
    ).with_columns(event_status=pl.lit("Published"), school_year=pl.lit(2025))
    users = pl.DataFrame(urows, schema=["unit_id", "user_id", "role", "user_status"], orient="row")
    findings = pl.DataFrame(
        frows,
        schema=["unit_id", "district_number", "school_code", "school_name", "rule_id", "severity", "count"],
        orient="row",
    )
    return (
        common.conform(units, dash.UNIT_SCHEMA),
        common.conform(users, dash.USER_SCHEMA),
        common.conform(findings, dash.FINDING_SCHEMA),
    )


def test_statewide_size_is_aggregated_and_fast():
    units, users, findings = _statewide()
    assert units.height == 32_000
    t0 = time.perf_counter()
    frames = [
        dash.unit_status_by_school(units, TODAY, top=25),
        dash.user_status_by_school(units, users, TODAY, top=25),
        dash.overdue_events(units, TODAY),
        dash.overdue_units(units, TODAY, top=20),
        dash.progress(units)[0],
        dash.findings_matrix(findings, 30, 20),
    ]
    table = dash.events_table(units, users, TODAY)
    pg = common.page(dash.filter_events(table, common.EventFilters(user_statuses=["Certification Incomplete"])), 3)
    elapsed = time.perf_counter() - t0
    assert elapsed < 5.0, elapsed
    # what reaches the browser stays small
    assert frames[0]["key"].n_unique() <= 25 and frames[1]["key"].n_unique() <= 25
    assert frames[2].height <= 40 and frames[3].height <= 20
    assert frames[5]["key"].n_unique() <= 30 and frames[5]["rule_id"].n_unique() <= 20
    assert pg.rows.height == 25 and pg.number == 3
    spec = charts.status_bars(frames[0]).to_dict()
    assert len(json.dumps(spec)) < 100_000


def test_findings_matrix_names_district_level_rows():
    units, _, _ = _small()
    f = common.conform(
        pl.DataFrame(
            {"unit_id": [20], "district_number": ["1071"], "rule_id": ["EOY-002"], "severity": ["info"], "count": [496]}
        ),
        dash.FINDING_SCHEMA,
    )
    assert dash.findings_matrix(f)["label"].to_list() == ["1071"]
    assert dash.findings_matrix(f, units=units)["label"].to_list() == ["North Star"]
