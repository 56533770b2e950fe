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
        ws.store.record_evidence(
            "ns.cert1",
            unit,
            3,
            NOW,
            fatal_seen=False,
            error_seen=False,
            warnings=0,
            snapshot_sha256="a" * 64,
            source="forged",
        )


def test_a_snapshot_of_another_unit_cannot_be_pinned(ws: Workspace) -> None:
    mine, other = eoy_unit(ws, "1071"), eoy_unit(ws, "7988")
    theirs = ws.take_snapshot("hw.cert1", other, NOW)
    with pytest.raises(Refused, match=f"not a registered snapshot of unit {mine}"):
        ws.store.record_evidence(
            "ns.cert1",
            mine,
            3,
            NOW,
            fatal_seen=False,
            error_seen=False,
            warnings=0,
            snapshot_sha256=theirs.sha256,
            source="borrowed",
        )


def test_a_run_with_fatal_findings_cannot_complete_a_step(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    ev = ws.store.record_evidence(
        "ns.cert1", unit, 1, NOW, fatal_seen=True, error_seen=False, warnings=0, source="district data"
    )
    with pytest.raises(Refused, match="reported fatal findings"):
        ws.store.record_progress("ns.cert1", unit, 1, "COMPLETED", NOW, evidence_id=ev.id)
    stored = ws.store.record_progress("ns.cert1", unit, 1, "IN PROGRESS", NOW, evidence_id=ev.id)
    assert stored.fatal_seen  # the facts come from the run, not from the caller


def test_another_users_run_cannot_be_cited(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    ev = ws.store.record_evidence(
        "ns.cert2", unit, 1, NOW, fatal_seen=False, error_seen=False, warnings=0, source="district data"
    )
    with pytest.raises(Refused, match=f"run {ev.id} is ns.cert2's step 1"):
        ws.store.record_progress("ns.cert1", unit, 1, "COMPLETED", NOW, evidence_id=ev.id)


def test_the_cli_has_no_way_to_report_a_step(ws: Workspace) -> None:
    result = CliRunner().invoke(
        cli, ["--workspace", str(ws.root), "progress", "record", "1", "1", "COMPLETED", "--as", "ns.cert1"]
    )
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


def _clean_run(ws: Workspace, user: str, unit: int, step: int, sha: str | None = None):
    return ws.store.record_evidence(
        user, unit, step, NOW, fatal_seen=False, error_seen=False, warnings=0, source="test", snapshot_sha256=sha
    )


@pytest.mark.parametrize("other", ["step", "unit", "round"])
def test_a_run_cannot_be_cited_for_another_step_unit_or_round(ws: Workspace, other: str) -> None:
    unit = eoy_unit(ws, "1071")
    if other == "step":
        ev = _clean_run(ws, "ns.cert1", unit, 1)
        with pytest.raises(Refused, match=f"run {ev.id} is ns.cert1's step 1 .* not ns.cert1's step 2"):
            ws.store.record_progress("ns.cert1", unit, 2, "COMPLETED", NOW, evidence_id=ev.id)
    elif other == "unit":
        other_unit = next(
            r["unit_id"] for r in ws.events_for("ns.cert1", {}, NOW) if r["district"] == "1071" and r["unit_id"] != unit
        )
        ev = _clean_run(ws, "ns.cert1", other_unit, 1)
        with pytest.raises(Refused, match=f"on unit {other_unit} round 1, not ns.cert1's step 1 on unit {unit}"):
            ws.store.record_progress("ns.cert1", unit, 1, "COMPLETED", NOW, evidence_id=ev.id)
    else:
        ev = _clean_run(ws, "ns.cert1", unit, 1)
        ws.store.approve("state.approver", unit, NOW)
        ws.store.request_recert("state.approver", unit, "totals changed", NOW)  # round 2
        with pytest.raises(Refused, match="round 1, not ns.cert1's step 1 on unit .* round 2"):
            ws.store.record_progress("ns.cert1", unit, 1, "COMPLETED", NOW, evidence_id=ev.id)


def test_a_job_that_runs_after_a_recertification_backs_nothing(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz = ws.wizard("ns.cert1", unit, NOW)
    wiz.run_district()
    job = wiz.queue_state_validation()  # queued in round 1 ...
    ws.store.approve("state.approver", unit, NOW)
    ws.store.request_recert("state.approver", unit, "totals changed", NOW)  # ... the unit is in round 2 when it runs
    [done] = ws.run_pending(NOW)
    assert done.id == job.id and done.status == "FAILED"
    assert "the run was queued in round 1; unit" in done.error and "is in round 2 now" in done.error


def test_a_resync_after_the_review_makes_steps_2_and_3_stale(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz, job, snap = walk_to_review(ws, "ns.cert1", unit)
    other, _, _ = walk_to_review(ws, "ns.cert2", unit)
    ws.resync("ns.cert2", unit, NOW)
    for w in (wiz, other):  # everyone's steps 2-3 went back: their runs read the old state copy
        assert [s.status for s in w.steps()[:3]] == ["COMPLETED", "NOT STARTED", "NOT STARTED"]
    with pytest.raises(Refused, match="steps 1-3 COMPLETED"):
        wiz.submit()
    assert "resynced after" in wiz.steps()[1].reason
    with pytest.raises(Refused, match="read the state copy before its last resync"):
        wiz.open_report(job.id)  # the pre-resync report cannot complete step 2 again
    with pytest.raises(Refused, match="taken before its last resync: take a new one"):
        ws.store.record_evidence(
            "ns.cert1",
            unit,
            3,
            NOW,
            fatal_seen=False,
            error_seen=False,
            warnings=0,
            source="old snapshot",
            snapshot_sha256=snap.sha256,
        )
    audit = [r for r in ws.store.audit_rows(unit_id=unit) if r.action == "resync requested"][-1]
    assert audit.details["steps_reset_for"] == ["ns.cert1", "ns.cert2"] and audit.details["data_generation"] == 1
    # walking steps 2-3 again on the resynced copy lets the certifier submit
    job = wiz.queue_state_validation()
    ws.run_pending(NOW)
    wiz.open_report(job.id)
    wiz.take_snapshot()
    ws.run_pending(NOW)
    wiz.review_snapshot()
    wiz.acknowledge_warnings()
    assert str(wiz.submit().status) == "In Progress"


def test_a_run_of_data_read_before_a_resync_is_refused(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    generation = ws.store.data_generation(unit)  # a job read this generation, then a resync landed
    ws.resync("ns.cert2", unit, NOW)
    with pytest.raises(Refused, match="was resynced while the run read it"):
        ws.store.record_evidence(
            "ns.cert1",
            unit,
            2,
            NOW,
            fatal_seen=False,
            error_seen=False,
            warnings=0,
            source="job",
            data_generation=generation,
        )


def test_an_outsider_cannot_register_or_resync(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    before = ws.store.audit_count()
    with pytest.raises(Refused, match="outside scope"):
        ws.store.register_snapshot("hw.cert1", unit, 99, "b" * 64, NOW)
    with pytest.raises(Refused, match="outside scope"):
        ws.resync("hw.cert1", unit, NOW)
    # (the category's state members do take a unit's snapshot since issue 16.7: tests/services/test_state_snapshot.py)
    assert ws.store.audit_count() == before and ws.store.snapshot_records(unit) == []


def test_the_steps_of_a_submission_are_frozen(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz, _, snap = walk_to_review(ws, "ns.cert1", unit)
    wiz.acknowledge_warnings()
    wiz.submit()
    with pytest.raises(Refused, match="already submitted in round 1"):
        wiz.run_district()
    with pytest.raises(Refused, match="already submitted in round 1"):
        ws.store.record_progress("ns.cert1", unit, 2, "NOT STARTED", NOW)
    with pytest.raises(Refused, match="already submitted in round 1"):
        ws.store.record_evidence(
            "ns.cert1", unit, 1, NOW, fatal_seen=False, error_seen=False, warnings=0, source="after the fact"
        )
    with pytest.raises(Refused, match="ns.cert1 already submitted round 1 on the current data"):
        ws.resync("ns.cert2", unit, NOW)  # the data would change under ns.cert1's submission
    ws.resync("ns.cert2", _tardiness_unit(ws), NOW)  # another unit on 1071's data: ns.cert1's steps stay
    assert [s.status for s in wiz.steps()[:3]] == ["COMPLETED"] * 3
    [row] = ws.submission_evidence(unit)
    assert row["sha256"] == snap.sha256 and all(
        row[f"step {n} {name}"]
        for n, name in ((1, "District Validation"), (2, "State Validation"), (3, "Snapshot Validation"))
    )
    submit = [r for r in ws.store.audit_rows(unit_id=unit) if r.action == "submit"][-1]
    assert set(submit.details["runs"]) == {"1", "2", "3"} and all(submit.details["runs"].values())


def _tardiness_unit(ws: Workspace) -> int:
    return next(
        r["unit_id"]
        for r in ws.events_for("state.admin", {"event_name": "Student Tardiness"}, NOW)
        if r["district"] == "1071"
    )


def test_a_resync_of_another_unit_on_the_same_data_makes_steps_stale(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz, _, _ = walk_to_review(ws, "ns.cert1", unit)
    ws.resync("ns.cert2", _tardiness_unit(ws), NOW)  # rewrites district 1071's rows of the state copy
    assert [s.status for s in wiz.steps()[:3]] == ["COMPLETED", "NOT STARTED", "NOT STARTED"]
    assert ws.store.data_generation(unit) == 1
    audit = [r for r in ws.store.audit_rows() if r.action == "resync requested"][-1]
    assert audit.details["other_units_reset"] == {str(unit): ["ns.cert1"]}
    with pytest.raises(Refused, match="steps 1-3 COMPLETED"):
        wiz.submit()


def test_no_resync_once_the_unit_went_to_the_state(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    ws.store.approve("state.approver", unit, NOW)
    with pytest.raises(Refused, match="is Certification Approved by State: a resync would change the data"):
        ws.resync("ns.cert2", unit, NOW)
    with pytest.raises(Refused, match="missing right: .* needs the certifier role"):
        ws.resync("ns.reviewer", unit, NOW)
    with pytest.raises(Refused, match="missing right"):
        ws.resync("state.approver", eoy_unit(ws, "7988"), NOW)  # the state sees the unit but does not resync


def test_a_resync_while_a_state_validation_reads_makes_the_job_fail(ws: Workspace, monkeypatch) -> None:
    unit = eoy_unit(ws, "1071")
    wiz = ws.wizard("ns.cert1", unit, NOW)
    wiz.run_district()
    job = wiz.queue_state_validation()
    import contextlib

    import certlib.services.runs as runs

    real, landed = runs.state_lock, []

    @contextlib.contextmanager
    def read_then_resync(state_dir, shared=False):  # the job has read the old data; a resync lands at once
        with real(state_dir, shared=shared):
            yield
        if shared and not landed:
            landed.append(ws.resync("ns.cert2", unit, NOW))

    monkeypatch.setattr(runs, "state_lock", read_then_resync)
    [done] = ws.run_pending(NOW)
    assert landed
    assert done.id == job.id and done.status == "FAILED" and "resynced while the run read it" in done.error


def test_the_wizard_offers_only_registered_snapshots(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    registered = ws.take_snapshot("ns.cert1", unit, NOW)
    stray = ws.snapshot_store.take(
        unit, ws.state_dir, ws.unit_scope(ws.unit(unit)), "ns.cert1", NOW
    )  # never registered
    assert stray.version > registered.version
    assert ws.wizard("ns.cert1", unit, NOW).latest_snapshot().version == registered.version


def test_a_wizard_kept_open_follows_the_unit_into_a_new_round(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz, _, _ = walk_to_review(ws, "ns.cert1", unit)
    wiz.acknowledge_warnings()
    wiz.submit()
    ws.store.approve("state.approver", unit, NOW)
    ws.store.request_recert("state.approver", unit, "totals changed", NOW)
    assert wiz.round == 2 and wiz.submission is None  # the same object, as the app keeps it
    wiz.run_district()
    job = wiz.queue_state_validation()
    [done] = ws.run_pending(NOW)
    assert done.id == job.id and done.status == "COMPLETED" and done.round == 2


def test_a_garbled_manifest_of_another_version_does_not_break_submit_or_evidence(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    junk = ws.take_snapshot("ns.cert1", unit, NOW)
    (junk.path / "manifest.json").write_text("{not json", encoding="utf-8")
    wiz, _, snap = walk_to_review(ws, "ns.cert1", unit)
    wiz.acknowledge_warnings()
    wiz.submit()
    [row] = ws.submission_evidence(unit)
    assert row["files_verified"] and row["sha256"] == snap.sha256
