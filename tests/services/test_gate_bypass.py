"""The submit gate holds for every face, not only the wizard's screens.

Before runs were put on record, ``Store.record_progress`` (and a ``certlib progress record`` command)
took a caller's word that steps 1-3 were COMPLETED, with any SHA-256. Now a COMPLETED step must cite
a run on record of the same user, unit, round and step with no fatal finding, and step 3's run must
name a snapshot the snapshot service registered; the submit guard re-checks both.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from certlib.cli import cli
from certlib.errors import Refused
from certlib.services import Workspace

from .conftest import NOW, eoy_unit, walk_to_review


def test_self_reported_steps_are_refused(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    for step in (1, 2, 3):
        with pytest.raises(Refused, match="COMPLETED only by a validation run on record"):
            ws.store.record_progress("ns.cert1", unit, step, "COMPLETED", NOW)
    with pytest.raises(Refused, match="steps 1-3 COMPLETED"):
        ws.store.submit("ns.cert1", unit, NOW)


def test_an_invented_snapshot_hash_cannot_be_pinned(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    with pytest.raises(Refused, match="not a registered snapshot of unit"):
        ws.store.record_evidence("ns.cert1", unit, 3, NOW, fatal_seen=False, error_seen=False, warnings=0,
                                 snapshot_sha256="a" * 64, source="forged")


def test_a_snapshot_of_another_unit_cannot_be_pinned(ws: Workspace) -> None:
    mine, other = eoy_unit(ws, "1071"), eoy_unit(ws, "7988")
    theirs = ws.take_snapshot("hw.cert1", other, NOW)
    with pytest.raises(Refused, match=f"not a registered snapshot of unit {mine}"):
        ws.store.record_evidence("ns.cert1", mine, 3, NOW, fatal_seen=False, error_seen=False, warnings=0,
                                 snapshot_sha256=theirs.sha256, source="borrowed")


def test_a_run_with_fatal_findings_cannot_complete_a_step(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    ev = ws.store.record_evidence("ns.cert1", unit, 1, NOW, fatal_seen=True, error_seen=False, warnings=0,
                                  source="district data")
    with pytest.raises(Refused, match="reported fatal findings"):
        ws.store.record_progress("ns.cert1", unit, 1, "COMPLETED", NOW, evidence_id=ev.id)
    stored = ws.store.record_progress("ns.cert1", unit, 1, "IN PROGRESS", NOW, evidence_id=ev.id)
    assert stored.fatal_seen  # the facts come from the run, not from the caller


def test_another_users_run_cannot_be_cited(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    ev = ws.store.record_evidence("ns.cert2", unit, 1, NOW, fatal_seen=False, error_seen=False, warnings=0,
                                  source="district data")
    with pytest.raises(Refused, match=f"run {ev.id} is ns.cert2's step 1"):
        ws.store.record_progress("ns.cert1", unit, 1, "COMPLETED", NOW, evidence_id=ev.id)


def test_the_cli_has_no_way_to_report_a_step(ws: Workspace) -> None:
    result = CliRunner().invoke(cli, ["--workspace", str(ws.root), "progress", "record", "1", "1", "COMPLETED",
                                      "--as", "ns.cert1"])
    assert result.exit_code == 2 and "No such command 'record'" in result.output


def test_the_wizard_walk_cites_its_runs(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz, job, snap = walk_to_review(ws, "ns.cert1", unit)
    progress = wiz.progress()
    runs = {step: ws.store.evidence(p.evidence_id) for step, p in progress.items()}
    assert [r.step for r in runs.values()] == [1, 2, 3] and {r.user_id for r in runs.values()} == {"ns.cert1"}
    assert runs[2].source.startswith(f"job {job.id} ")
    assert runs[3].snapshot_sha256 == progress[3].snapshot_sha256 == snap.sha256
    assert snap.sha256 in {r.sha256 for r in ws.store.snapshot_records(unit)}


def test_a_newer_snapshot_with_other_data_must_be_reviewed_before_submit(ws: Workspace) -> None:
    import polars as pl

    unit = eoy_unit(ws, "1071")
    wiz, _, first = walk_to_review(ws, "ns.cert1", unit)
    wiz.acknowledge_warnings()
    path = ws.state_dir / "attendance_daily.parquet"  # the state's copy changes after the review...
    daily = pl.read_parquet(path)
    drop = daily.filter(pl.col("district_number") == "1071").sort("enrollment_id", "attendance_date").head(1)
    daily.join(drop, on=["enrollment_id", "attendance_date"], how="anti").write_parquet(path)
    newer = ws.take_snapshot("ns.cert2", unit, NOW)  # ...and someone snapshots it
    assert newer.sha256 != first.sha256
    with pytest.raises(Refused, match="a newer snapshot of unit .* review the latest snapshot"):
        wiz.submit()
    assert wiz.steps()[3].reason.startswith("guard 'snapshot pinned' failed")
    assert wiz.review_snapshot().sha256 == newer.sha256
    wiz.acknowledge_warnings()
    assert wiz.submit().round == 1 and ws.store.submissions(unit)[0].snapshot_sha256 == newer.sha256
