"""Dashboard aggregation benchmark: 800 schools × 40 events of units, synthesized deterministically.

A "filter change" is what the analyst dashboard notebook recomputes when a control changes:
``for_event`` → KPIs → the five chart frames (unit/user status by school, overdue by event/unit,
findings matrix, progress) → the events table filtered and paged. Timed in-process (warm), as marimo
runs it. Chart specs (altair ``to_dict``) are timed separately.
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import polars as pl

from bench.common import median, p95

TODAY = dt.date(2025, 6, 20)
SCHOOLS, EVENTS, DISTRICTS = 800, 40, 150


def synth(seed: int = 7, schools: int = SCHOOLS, events: int = EVENTS):
    """(units, users, findings) with the schemas of certlib.apps.dashboard; the same for the same seed."""
    from certlib.apps import dashboard as dash

    rng = np.random.default_rng(seed)
    school_code = [f"{i:04d}" for i in range(1, schools + 1)]
    district_of = rng.integers(0, DISTRICTS, schools)
    n = schools * events
    ev = np.repeat(np.arange(1, events + 1), schools)
    sc = np.tile(np.arange(schools), events)
    due = np.array([dt.date(2025, 3, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 150, events)])
    statuses = np.array(dash.UNIT_STATUSES)
    status = statuses[rng.choice(len(statuses), n, p=[0.35, 0.3, 0.25, 0.05, 0.05])]
    sent_day = rng.integers(-40, 10, n)
    due_u = due[ev - 1]
    sent_at = [
        dt.datetime.combine(d + dt.timedelta(days=int(s)), dt.time(12)) if st != "In Progress" else None
        for d, s, st in zip(due_u, sent_day, status, strict=True)
    ]
    approved_at = [
        (a + dt.timedelta(days=3)) if st == "Certification Approved by State" else None
        for a, st in zip(sent_at, status, strict=True)
    ]
    units = pl.DataFrame(
        {
            "event_id": ev.astype(np.int64),
            "event": [f"Event {e:02d}" for e in ev],
            "school_year": np.full(n, 2025),
            "category": [f"cat{e % 5}" for e in ev],
            "level": ["school"] * n,
            "event_status": ["Closed" if e % 10 == 0 else "Published" for e in ev],
            "due_date": list(due_u),
            "unit_id": np.arange(1, n + 1),
            "district_number": [f"{1000 + d}" for d in district_of[sc]],
            "district_name": [f"District {d}" for d in district_of[sc]],
            "school_code": [school_code[i] for i in sc],
            "school_name": [f"School {i}" for i in sc],
            "unit_status": status,
            "sent_at": sent_at,
            "approved_at": approved_at,
        }
    )
    units = dash.conform(units, dash.UNIT_SCHEMA)
    ustat = np.array(dash.USER_STATUSES)
    roles = ["Certifier", "Certifier", "Reviewer"]
    users = pl.DataFrame(
        {
            "unit_id": np.repeat(np.arange(1, n + 1), 3),
            "user_id": [f"u{(u * 7 + r) % 5000}" for u in range(n) for r in range(3)],
            "user_name": [f"User {(u * 7 + r) % 5000}" for u in range(n) for r in range(3)],
            "role": roles * n,
            "user_status": ustat[rng.integers(0, len(ustat), 3 * n)],
        }
    )
    users = dash.conform(users, dash.USER_SCHEMA)
    rules = [f"R-{i:03d}" for i in range(45)]
    k = 5
    f_unit = np.repeat(np.arange(1, n + 1), k)
    findings = pl.DataFrame(
        {
            "unit_id": f_unit,
            "district_number": units["district_number"].gather(f_unit - 1),
            "school_code": units["school_code"].gather(f_unit - 1),
            "school_name": units["school_name"].gather(f_unit - 1),
            "rule_id": [rules[i] for i in rng.integers(0, len(rules), n * k)],
            "severity": ["fatal" if i % 3 == 0 else "warning" for i in rng.integers(0, 3, n * k)],
            "count": rng.integers(0, 50, n * k),
        }
    )
    findings = dash.conform(findings, dash.FINDING_SCHEMA)
    return dash.DashboardFrames(units, users, findings)


def recompute(frames, event_id, filters, top: int = 25) -> dict:
    """What the notebook recomputes after a control changes (frames only, no chart specs)."""
    from certlib.apps import dashboard as dash

    view = dash.for_event(frames, event_id)
    out = {
        "kpis": dash.kpis(view.units, TODAY),
        "unit_status": dash.unit_status_by_school(view.units, TODAY, top),
        "user_status": dash.user_status_by_school(view.units, view.users, TODAY, top),
        "overdue_events": dash.overdue_events(view.units, TODAY),
        "overdue_units": dash.overdue_units(view.units, TODAY, top),
        "findings": dash.findings_matrix(view.findings, top),
        "progress": dash.progress(view.units),
    }
    table = dash.filter_events(dash.events_table(view.units, view.users, TODAY), filters, view.findings)
    out["page"] = dash.page(table, 1, 25)
    return out


def chart_specs(data: dict) -> None:
    from certlib.apps import charts

    charts.status_bars(data["unit_status"]).to_dict()
    charts.status_bars(data["user_status"]).to_dict()
    charts.overdue_by_event(data["overdue_events"]).to_dict()
    charts.overdue_by_unit(data["overdue_units"]).to_dict()
    charts.findings_heatmap(data["findings"]).to_dict()
    charts.progress_chart(*data["progress"]).to_dict()


def _time(fn, runs: int) -> list[float]:
    fn()  # warm
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def bench(runs: int = 20) -> dict:
    from certlib.apps import dashboard as dash

    t0 = time.perf_counter()
    frames = synth()
    synth_s = time.perf_counter() - t0
    neutral = dash.EventFilters()
    status_filter = dash.EventFilters(event_statuses=["In Progress"], school_name="school 1")
    # cycle through events so no run repeats the previous one's inputs
    cycle = iter(range(10**9))
    scenarios = {
        "pick one event (full recompute)": lambda: recompute(frames, 1 + next(cycle) % EVENTS, neutral),
        "All events + table filter (full recompute)": lambda: recompute(frames, None, status_filter),
        "table filter only (events_table+filter+page, all events)": lambda: dash.page(
            dash.filter_events(dash.events_table(frames.units, frames.users, TODAY), status_filter, frames.findings)
        ),
        "chart specs (altair to_dict of the 6 charts, all events)": None,
    }
    data_all = recompute(frames, None, neutral)
    scenarios["chart specs (altair to_dict of the 6 charts, all events)"] = lambda: chart_specs(data_all)
    out = {
        "units": frames.units.height,
        "users": frames.users.height,
        "findings": frames.findings.height,
        "schools": SCHOOLS,
        "events": EVENTS,
        "synth_s": synth_s,
        "runs": runs,
        "scenarios": {},
    }
    for name, fn in scenarios.items():
        ms = _time(fn, runs)
        out["scenarios"][name] = {"median_ms": median(ms), "p95_ms": p95(ms), "all_ms": ms}
    return out


if __name__ == "__main__":
    import json

    print(json.dumps(bench(), default=str))
