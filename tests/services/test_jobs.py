"""Jobs: failures carry their reason; a worker killed mid-job is found FAILED on start-up."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from certlib.services import Workspace

from .conftest import NOW, eoy_unit


def _ready_for_step2(ws: Workspace, user: str, unit: int):
    wiz = ws.wizard(user, unit, NOW)
    wiz.run_district()
    return wiz


def test_state_validation_on_missing_data_fails_with_the_reason(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz = _ready_for_step2(ws, "ns.cert1", unit)
    (ws.state_dir / "attendance_summary.parquet").unlink()
    job = wiz.queue_state_validation()
    assert job.status == "QUEUED" and job.title == f"End of Year Attendance Certification DC {wiz.event.id}.{unit}.1"
    [done] = ws.run_pending(NOW)
    assert done.status == "FAILED" and "attendance_summary" in done.error
    step2 = wiz.steps()[1]
    assert step2.status == "IN PROGRESS" and "FAILED" in step2.reason


def test_corrupt_data_file_fails_the_job(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz = _ready_for_step2(ws, "ns.cert1", unit)
    (ws.state_dir / "enrollments.parquet").write_bytes(b"not parquet")
    wiz.queue_state_validation()
    [done] = ws.run_pending(NOW)
    assert done.status == "FAILED" and done.error


def test_worker_killed_mid_job_is_failed_on_restart(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    job = _ready_for_step2(ws, "ns.cert1", unit).queue_state_validation()
    code = (
        "import sys, time, datetime as dt; from certlib.services import Workspace; "
        "w = Workspace.open(sys.argv[1]); w.queue.claim(dt.datetime.now()); print('claimed', flush=True); time.sleep(120)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(ws.root)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "claimed"
        assert ws.queue.get(job.id).status == "RUNNING"
        assert ws.queue.recover(NOW) == []  # the worker is alive: left alone
    finally:
        proc.kill()
        proc.wait()
    time.sleep(0.1)
    reopened = Workspace.open(ws.root)
    failed = reopened.queue.get(job.id)
    assert failed.status == "FAILED" and f"worker process {proc.pid} died" in failed.error
    reopened.close()


def test_jobs_list_filters(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz = _ready_for_step2(ws, "ns.cert1", unit)
    wiz.queue_state_validation()
    wiz.queue_state_validation()
    ws.run_pending(NOW)
    assert [j.seq for j in wiz.reports()] == [2, 1]
    assert [j.seq for j in wiz.reports(title=".2")] == [2]
    assert wiz.reports(since="2025-07-02") == []
    assert len(wiz.reports(since="2025-07-01", until="2025-07-01")) == 2


def test_worker_thread_runs_queued_jobs(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    job = _ready_for_step2(ws, "ns.cert1", unit).queue_state_validation()
    stop = ws.start_worker_thread(poll=0.05)
    try:
        deadline = time.monotonic() + 30
        while ws.queue.get(job.id).status in ("QUEUED", "RUNNING") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
    done = ws.queue.get(job.id)
    assert done.status == "COMPLETED" and done.progress == 1.0 and done.result["reports"]["html"].endswith(".html")


def test_certlib_worker_process_runs_the_queue(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    job = _ready_for_step2(ws, "ns.cert1", unit).queue_state_validation()
    certlib = Path(sys.executable).with_name("certlib")
    out = subprocess.run(
        [str(certlib), "--workspace", str(ws.root), "worker", "--once"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stderr  # the worker logs (stderr)
    assert f"job {job.id} {job.title}: COMPLETED" in out
    assert ws.queue.get(job.id).status == "COMPLETED"
