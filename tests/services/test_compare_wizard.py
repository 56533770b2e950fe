"""Compare/resync and the wizard's gating."""

from __future__ import annotations

import polars as pl
import pytest

from certlib.errors import Refused
from certlib.services import Workspace
from certlib.services.compare import is_clean

from .conftest import NOW, eoy_unit


def test_compare_shows_missing_and_changed_then_resync_makes_it_empty(ws: Workspace) -> None:
    unit = eoy_unit(ws, "7988")
    before = ws.compare(unit)
    assert [1000790] in before["enrollments"]["missing_in_state"]
    changed = [c for t in before.values() for c in t["changed"]]
    assert changed and changed[0].keys() == {"key", "column", "district", "state"}
    other = pl.read_parquet(ws.state_dir / "enrollments.parquet").filter(pl.col("district_number") != "7988")
    ws.resync("hw.cert1", unit, NOW)
    assert is_clean(ws.compare(unit))
    after_other = pl.read_parquet(ws.state_dir / "enrollments.parquet").filter(pl.col("district_number") != "7988")
    assert after_other.equals(other)  # other districts' rows untouched
    assert [a.action for a in ws.store.audit_rows(unit_id=unit)][-2:] == ["resync requested", "resync"]
    assert ws.store.verify_audit().ok


def test_interrupted_resync_leaves_the_state_copy_as_it_was(ws: Workspace, monkeypatch) -> None:
    unit = eoy_unit(ws, "7988")
    files = {p.name: p.read_bytes() for p in ws.state_dir.iterdir()}
    calls = {"n": 0}
    real = pl.DataFrame.write_parquet

    def flaky(self, path, *a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(self, path, *a, **k)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", flaky)
    with pytest.raises(OSError, match="disk full"):
        ws.resync("hw.cert1", unit, NOW)
    assert {p.name: p.read_bytes() for p in ws.state_dir.iterdir()} == files  # no temp files, nothing replaced


def test_steps_are_gated_and_rerunning_invalidates_later_steps(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz = ws.wizard("ns.cert1", unit, NOW)
    with pytest.raises(Refused, match="step 1 District Validation is NOT STARTED"):
        wiz.queue_state_validation()
    wiz.run_district()
    job = wiz.queue_state_validation()
    with pytest.raises(Refused, match="QUEUED"):
        wiz.open_report(job.id)
    ws.run_pending(NOW)
    assert wiz.steps()[1].reason.startswith("open the report")
    wiz.open_report(job.id)
    wiz.take_snapshot()
    ws.run_pending(NOW)
    wiz.review_snapshot()
    assert [s.status for s in wiz.steps()] == ["COMPLETED"] * 3 + ["NOT STARTED"]
    wiz.run_district()
    assert [s.status for s in wiz.steps()][:3] == ["COMPLETED", "NOT STARTED", "NOT STARTED"]
    with pytest.raises(Refused, match="steps 1-3 COMPLETED"):
        wiz.submit()


def test_reviewer_closes_after_step_3_and_never_submits(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz = ws.wizard("ns.reviewer", unit, NOW)
    assert wiz.steps()[3].status == "N/A"
    with pytest.raises(Refused, match="step 3"):
        wiz.close()
    wiz.run_district()
    job = wiz.queue_state_validation()
    ws.run_pending(NOW)
    wiz.open_report(job.id)
    ws.take_snapshot("ns.cert1", unit, NOW)
    wiz.review_snapshot()  # the state's latest snapshot, taken by someone else, may be reviewed
    wiz.close()
    with pytest.raises(Refused):
        wiz.submit()


def test_outsider_cannot_open_the_wizard(ws: Workspace) -> None:
    with pytest.raises(Refused, match="outside scope|missing right"):
        ws.wizard("hw.cert1", eoy_unit(ws, "1071"), NOW)


def test_resync_killed_while_replacing_is_completed_on_open(ws: Workspace, monkeypatch) -> None:
    import os

    from certlib.services.compare import JOURNAL

    unit = eoy_unit(ws, "7988")
    real, calls = os.replace, {"n": 0}

    def dies_after_journal(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:  # the journal went in, then one table; the process "dies"
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(os, "replace", dies_after_journal)
    with pytest.raises(KeyboardInterrupt):
        ws.resync("hw.cert1", unit, NOW)
    monkeypatch.setattr(os, "replace", real)
    assert (ws.state_dir / JOURNAL).exists()
    reopened = Workspace.open(ws.root)
    assert not (ws.state_dir / JOURNAL).exists() and not list(ws.state_dir.glob(".*.tmp"))
    assert is_clean(reopened.compare(unit))
    reopened.close()
