"""A small demo scenario for the browser tests while `certlib demo init` (issue 5) is a placeholder:
the sample state's districts and schools, a state approver, district certifiers and a reviewer, and
three published events (one walkable end to end: End of Year Attendance for district 1071 has no
fatal finding in either copy)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from certlib.store import Store

REPO = Path(__file__).resolve().parents[2]
STATE = REPO / "sample_data" / "state" / "state"
NOW = "2025-07-01T10:00:00"  # CERTLIB_NOW for the servers: inside every event's window
T0 = dt.datetime(2025, 6, 10, 9)


def build(path: Path) -> Path:
    store = Store.open_workspace(path)
    districts = pl.read_parquet(STATE / "districts.parquet")
    schools = pl.read_parquet(STATE / "schools.parquet")
    store.load_people({
        "districts": [{"number": r["district_number"], "name": r["district_name"]} for r in districts.iter_rows(named=True)],
        "schools": [{"code": r["school_code"], "district": r["district_number"], "name": r["school_name"]}
                    for r in schools.iter_rows(named=True)],
        "categories": [{"id": "ATT", "name": "Attendance"}, {"id": "SPED", "name": "Special Ed/504"}],
        "users": [
            {"id": "state.approver", "name": "Sam State (approver)", "level": "state",
             "rights": ["read", "write", "add", "delete"]},
            {"id": "state.analyst", "name": "Ana Analyst", "level": "state", "rights": ["read"]},
            {"id": "ns.certifier", "name": "Nora North Star (certifier)", "level": "district", "district": "1071"},
            {"id": "ns.reviewer", "name": "Rex North Star (reviewer)", "level": "district", "district": "1071"},
            {"id": "hw.certifier", "name": "Hal Hawthorne (certifier)", "level": "district", "district": "7988"},
            {"id": "li.certifier", "name": "Lia Lincoln (certifier)", "level": "district", "district": "9604"},
        ],
        "memberships": [
            {"user": "state.approver", "category": "ATT", "role": "approver"},
            {"user": "state.approver", "category": "SPED", "role": "approver"},
            {"user": "state.analyst", "category": "ATT", "role": "reviewer"},
            {"user": "ns.certifier", "category": "ATT", "role": "certifier", "primary": True},
            {"user": "ns.certifier", "category": "SPED", "role": "certifier", "primary": True},
            {"user": "ns.reviewer", "category": "ATT", "role": "reviewer"},
            {"user": "hw.certifier", "category": "ATT", "role": "certifier", "primary": True},
            {"user": "hw.certifier", "category": "SPED", "role": "certifier", "primary": True},
            {"user": "li.certifier", "category": "ATT", "role": "certifier", "primary": True},
        ],
    }, T0)
    sa = "state.approver"
    eoy = store.create_event(sa, T0, name="End of Year Attendance Certification", reporting_year=2025,
                             category_id="ATT", level="district", groups=["End of Year Attendance"],
                             start_date="2025-06-01", certification_opens="2025-06-15", end_date="2025-07-31")
    tardy = store.create_event(sa, T0, name="Student Tardiness", reporting_year=2025, category_id="ATT",
                               level="school", groups=["Student Tardiness"], start_date="2025-05-15",
                               certification_opens="2025-05-20", end_date="2025-06-20")
    sped = store.create_event(sa, T0, name="Special Ed / 504 Certification", reporting_year=2025,
                              category_id="SPED", level="district", groups=["Special Ed / 504"],
                              start_date="2025-06-01", certification_opens="2025-06-10", end_date="2025-08-15")
    store.create_event(sa, T0, name="Fall Enrollment 2025-26 (draft)", reporting_year=2026, category_id="ATT",
                       level="district", groups=["Enrollment"], start_date="2025-09-01",
                       certification_opens="2025-10-01", end_date="2025-10-31")
    for e in (eoy, tardy, sped):
        store.publish_event(sa, e.id, T0)
    # some history for the charts: the state approves two tardiness schools early
    for i, unit in enumerate(u for u in store.units(tardy.id) if u.district_number == "9604"):
        store.approve(sa, unit.id, T0 + dt.timedelta(days=2 + i))
    return path
