"""Resync of a school-level unit touches that school's rows only (the other school keeps its own)."""

from __future__ import annotations

import polars as pl

from certlib.services import Workspace
from certlib.services import compare as cmp

from .conftest import NOW


def _school_units(ws: Workspace) -> dict[str, int]:
    rows = ws.events_for("state.admin", {"event_name": "Calendar Certification 2024-25 (Lincoln schools)"}, NOW)
    return {r["school"]: r["unit_id"] for r in rows}


def test_school_level_resync_leaves_the_other_school_alone(ws: Workspace) -> None:
    units = _school_units(ws)
    assert sorted(units) == ["0688", "8816"]
    target, other = units["8816"], units["0688"]  # 0688's certifier submitted in the demo: no resync there
    before = pl.read_parquet(ws.state_dir / "enrollments.parquet").filter(pl.col("school_code") == "0688")
    other_diff = ws.compare(other)
    assert not cmp.is_clean(ws.compare(target))  # the demo state lags for this school too
    ws.resync("li.cert1", target, NOW)
    assert cmp.is_clean(ws.compare(target))
    after = pl.read_parquet(ws.state_dir / "enrollments.parquet").filter(pl.col("school_code") == "0688")
    assert after.sort("enrollment_id").equals(before.sort("enrollment_id"))
    school_tables = [n for n, t in ws.pack.tables.items() if t.school_key]
    assert {n: ws.compare(other)[n] for n in school_tables if n in other_diff} == {
        n: other_diff[n] for n in school_tables if n in other_diff
    }
    assert [a.action for a in ws.store.audit_rows(unit_id=target)][-2:] == ["resync requested", "resync"]
