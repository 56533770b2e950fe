"""Snapshots: immutable (verified on read), versions under concurrency, diff, submit refuses a changed one."""

from __future__ import annotations

import threading

import polars as pl
import pytest

from certlib.errors import Refused, SnapshotError
from certlib.services import Workspace

from .conftest import NOW, eoy_unit, walk_to_review


def _take(ws: Workspace, unit_id: int, who: str = "ns.cert1"):
    return ws.take_snapshot(who, unit_id, NOW)  # written, then registered in the store


def test_snapshot_manifest_and_verify(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    snap = _take(ws, unit)
    assert snap.rows["enrollments"] > 0 and len(snap.sha256) == 64
    assert ws.snapshot_store.read(unit, snap.version).sha256 == snap.sha256
    assert not list((ws.root / "snapshots" / ".tmp").iterdir())  # nothing half-written left behind
    path = snap.path / "enrollments.parquet"
    pl.read_parquet(path).head(3).write_parquet(path)
    with pytest.raises(SnapshotError, match="enrollments.parquet changed"):
        ws.snapshot_store.read(unit, snap.version)


def test_two_snapshots_at_once_give_two_valid_versions(ws: Workspace) -> None:
    unit = eoy_unit(ws, "7988")
    barrier, out, errors = threading.Barrier(2), [], []

    def take(who: str) -> None:
        barrier.wait()
        try:
            out.append(_take(ws, unit, who))
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=take, args=(u,)) for u in ("hw.cert1", "hw.cert2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(s.version for s in out) == [1, 2]
    assert [s.version for s in ws.snapshots(unit)] == [1, 2]
    assert out[0].sha256 == out[1].sha256  # same data, same content hash
    registered = ws.store.snapshot_records(unit)
    assert sorted((r.version, r.taken_by) for r in registered) == sorted((s.version, s.taken_by) for s in out)


def test_diff_lists_added_records_after_resync(ws: Workspace) -> None:
    unit = eoy_unit(ws, "7988")
    a = _take(ws, unit, "hw.cert1")
    ws.resync("hw.cert1", unit, NOW)
    b = _take(ws, unit, "hw.cert1")
    assert [(r.version, r.data_generation) for r in ws.store.snapshot_records(unit)] == [(a.version, 0), (b.version, 1)]
    diff = ws.snapshot_store.diff(unit, a.version, b.version)
    assert [1000790] in diff["enrollments"]["added"] and not diff["enrollments"]["removed"]
    assert diff["attendance_daily"]["added"]  # the enrollment's attendance came with it


def test_submit_refuses_when_the_pinned_snapshot_changed(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz, _, snap = walk_to_review(ws, "ns.cert1", unit)
    wiz.acknowledge_warnings()
    (snap.path / "students.parquet").write_bytes(b"tampered")
    with pytest.raises(Refused, match="pinned snapshot is not intact"):
        wiz.submit()
    assert str(ws.unit(unit).status) == "In Progress"


def test_the_state_sees_what_each_submission_rests_on(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz, job, snap = walk_to_review(ws, "ns.cert1", unit)
    wiz.acknowledge_warnings()
    wiz.submit()
    [row] = ws.submission_evidence(unit)
    assert (row["certifier"], row["sha256"], row["files_verified"], row["problem"]) == (
        "ns.cert1",
        snap.sha256,
        True,
        "",
    )
    assert row["snapshot_version"] == snap.version
    assert row["step 2 State Validation"].startswith(f"job {job.id} ")
    assert row["step 3 Snapshot Validation"] == f"snapshot v{snap.version}"
    (snap.path / "enrollments.parquet").write_bytes(b"changed after submission")
    [row] = ws.submission_evidence(unit)
    assert row["files_verified"] is False and "enrollments.parquet changed" in row["problem"]


def test_cli_submissions_lists_the_evidence_and_fails_on_a_changed_snapshot(ws: Workspace) -> None:
    import json

    from click.testing import CliRunner

    from certlib.cli import cli

    unit = eoy_unit(ws, "1071")
    wiz, _, snap = walk_to_review(ws, "ns.cert1", unit)
    wiz.acknowledge_warnings()
    wiz.submit()
    args = ["--workspace", str(ws.root), "submissions", str(unit), "--format", "json"]
    ok = CliRunner().invoke(cli, args)
    assert ok.exit_code == 0, ok.output
    [row] = json.loads(ok.stdout)
    assert (row["certifier"], row["snapshot_version"], row["files_verified"]) == ("ns.cert1", snap.version, True)
    (snap.path / "students.parquet").write_bytes(b"x")
    bad = CliRunner().invoke(cli, args)
    assert bad.exit_code == 1 and "the snapshot pinned by ns.cert1 no longer verifies" in bad.stderr


def _rewrite_consistently(snap) -> None:
    """Drop rows from a snapshot file and rewrite its manifest to match: the manifest check alone passes."""
    import json

    from certlib.services.snapshots import MANIFEST, file_sha256, overall_sha256

    path = snap.path / "enrollments.parquet"
    pl.read_parquet(path).head(1).write_parquet(path)
    manifest = json.loads((snap.path / MANIFEST).read_text())
    manifest["files"]["enrollments.parquet"] = file_sha256(path)
    manifest["rows"]["enrollments"] = 1
    manifest["sha256"] = overall_sha256(manifest["files"])
    (snap.path / MANIFEST).write_text(json.dumps(manifest))


def test_files_and_manifest_rewritten_together_fail_against_the_registry(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz, _, snap = walk_to_review(ws, "ns.cert1", unit)
    wiz.acknowledge_warnings()
    _rewrite_consistently(snap)
    assert ws.snapshot_store.read(unit, snap.version).rows["enrollments"] == 1  # the manifest agrees with itself
    with pytest.raises(SnapshotError, match="but the store registered"):
        ws.snapshot(unit, snap.version)
    with pytest.raises(Refused, match="pinned snapshot is not intact.*the store registered"):
        wiz.submit()
    [row] = ws.snapshot_rows(unit)
    assert row["verified"] is False and "rewritten on disk" in row["problem"]


def test_approve_refuses_a_unit_whose_pinned_snapshot_no_longer_verifies(ws: Workspace) -> None:
    from click.testing import CliRunner

    from certlib.cli import cli

    unit = eoy_unit(ws, "1071")
    wiz, _, snap = walk_to_review(ws, "ns.cert1", unit)
    wiz.acknowledge_warnings()
    wiz.submit()
    _rewrite_consistently(snap)
    with pytest.raises(Refused, match="guard 'pinned snapshot verifies' failed: the snapshot ns.cert1 certified"):
        ws.approve("state.admin", unit, NOW)
    args = ["--workspace", str(ws.root), "approve", str(unit), "--as", "state.admin", "--now", NOW.isoformat()]
    bad = CliRunner().invoke(cli, args)
    assert bad.exit_code == 1 and "no longer verifies" in bad.stderr
    assert "Approved" not in str(ws.unit(unit).status)
    assert not [r for r in ws.store.audit_rows(unit_id=unit) if r.action == "approve"]
    verify = CliRunner().invoke(cli, ["--workspace", str(ws.root), "snapshot", "verify", str(unit), str(snap.version)])
    assert verify.exit_code == 1 and "the store registered" in verify.stderr
    from certlib.services.certificate import certificate_facts

    [sub] = certificate_facts(ws, "state.admin", unit, NOW)["submissions"]
    assert sub["files_verified"] is False and "the store registered" in sub["problem"]


def test_only_registered_versions_are_snapshots(ws: Workspace) -> None:
    """A version written but never registered (its writer died between the two) is not listed."""
    import shutil

    unit = eoy_unit(ws, "1071")
    snap = _take(ws, unit)
    shutil.copytree(snap.path, snap.path.parent / str(snap.version + 1))  # on disk, unregistered
    assert [s.version for s in ws.snapshots(unit)] == [snap.version]
    assert [r["version"] for r in ws.snapshot_rows(unit)] == [snap.version]
    with pytest.raises(SnapshotError, match="no registered snapshot version"):
        ws.snapshot(unit, snap.version + 1)
