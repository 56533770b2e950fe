"""The job queue's tables: versioned beside the store's, never created by a read-only deployment."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from certlib.services import Workspace, jobs
from certlib.services.jobs import JOBS_SCHEMA_VERSION, JobQueue, jobs_table
from certlib.store import Store

from .conftest import NOW, eoy_unit


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_job_tables_carry_their_own_version_row(ws: Workspace) -> None:
    with ws.store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT part, version FROM service_schema_version")).all()
    assert rows == [("jobs", JOBS_SCHEMA_VERSION)]
    JobQueue(ws.store.engine)  # opening again is a no-op (no second version row)
    with ws.store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM service_schema_version")).scalar() == 1


def test_read_only_never_creates_the_job_tables(tmp_path, monkeypatch) -> None:
    store = Store.open_workspace(tmp_path, create=True)  # a store from before the job queue existed
    assert jobs_table.name not in _tables(store.engine)
    monkeypatch.setenv("CERTLIB_READ_ONLY", "1")
    queue = JobQueue(store.engine)
    assert jobs_table.name not in _tables(store.engine)
    assert queue.list() == [] and not queue.present
    monkeypatch.delenv("CERTLIB_READ_ONLY")
    assert JobQueue(store.engine).present
    store.close()


def test_job_progress_in_percent(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz = ws.wizard("ns.cert1", unit, NOW)
    wiz.run_district()
    job = wiz.queue_state_validation()
    assert job.percent == 0 and job.as_dict()["percent"] == 0
    [done] = ws.run_pending(NOW)
    assert done.percent == 100 and done.message == "done"


def test_a_v1_job_table_gains_the_heartbeat_column(tmp_path) -> None:
    store = Store.open_workspace(tmp_path, create=True)
    with store.engine.begin() as conn:  # the job table as version 1 left it
        conn.execute(
            sa.text(
                "CREATE TABLE service_jobs (id INTEGER PRIMARY KEY, kind VARCHAR NOT NULL, "
                "title VARCHAR NOT NULL, unit_id INTEGER, user_id VARCHAR, round INTEGER, seq INTEGER, "
                "params TEXT NOT NULL, status VARCHAR NOT NULL, queued_at VARCHAR NOT NULL, "
                "started_at VARCHAR, finished_at VARCHAR, progress FLOAT NOT NULL, message VARCHAR, "
                "error TEXT, result TEXT, pid INTEGER, host VARCHAR, opened_by TEXT NOT NULL)"
            )
        )
        conn.execute(
            sa.text(
                "CREATE TABLE service_schema_version (part VARCHAR PRIMARY KEY, version INTEGER NOT NULL, "
                "applied_at VARCHAR NOT NULL)"
            )
        )
        conn.execute(sa.text("INSERT INTO service_schema_version VALUES ('jobs', 1, '2025-07-01T00:00:00')"))
    queue = JobQueue(store.engine)
    cols = {c["name"] for c in sa.inspect(store.engine).get_columns("service_jobs")}
    assert "heartbeat_at" in cols
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version FROM service_schema_version")).scalar() == JOBS_SCHEMA_VERSION
    assert queue.list() == []
    store.close()


def _running_elsewhere(ws: Workspace, beat: datetime) -> int:
    job = ws.queue.enqueue("snapshot", "X DC 1.1", NOW, unit_id=None, user_id="ns.cert1")
    with ws.store.engine.begin() as conn:
        conn.execute(
            jobs_table.update()
            .where(jobs_table.c.id == job.id)
            .values(status="RUNNING", pid=4242, host="another-host", heartbeat_at=beat.isoformat(timespec="seconds"))
        )
    return job.id


def test_a_job_on_another_host_fails_only_when_its_heartbeat_is_stale(ws: Workspace) -> None:
    real_now = datetime.now(UTC)
    alive = _running_elsewhere(ws, real_now)
    dead = _running_elsewhere(ws, real_now - timedelta(minutes=10))
    [failed] = ws.queue.recover(NOW)  # the demo clock (2025) does not make fresh beats look old
    assert failed.id == dead and failed.status == "FAILED" and "no heartbeat" in failed.error
    assert "another-host" in failed.error
    assert ws.queue.get(alive).status == "RUNNING"


def test_a_running_job_keeps_beating(ws: Workspace, monkeypatch) -> None:
    monkeypatch.setattr(jobs, "HEARTBEAT_EVERY", 0.05)
    job = ws.queue.enqueue("slow", "X DC 1.1", NOW)
    claimed = ws.queue.claim(NOW)
    assert claimed.id == job.id
    with ws.store.engine.begin() as conn:
        conn.execute(jobs_table.update().values(heartbeat_at="2000-01-01T00:00:00+00:00"))
    seen: list[str | None] = []

    def slow(j, report):
        time.sleep(0.4)
        seen.append(ws.queue._beat_of(j.id))
        return {}

    done = ws.queue.run_one(claimed, {"slow": slow}, NOW)
    assert done.status == "COMPLETED"
    assert seen[0] is not None and seen[0] > "2000-01-01T00:00:00+00:00"


def test_a_job_left_by_an_earlier_process_with_our_pid_is_failed(ws: Workspace) -> None:
    """Containers restart with reused pids: "the pid is alive" is not enough when the pid is ours."""
    left = ws.queue.enqueue("slow", "X DC 1.1", NOW)
    assert ws.queue.claim(NOW).id == left.id  # RUNNING with this process's pid, but nothing runs it
    started = threading.Event()
    release = threading.Event()

    def slow(j, report):
        started.set()
        release.wait(10)
        return {}

    running = ws.queue.enqueue("slow", "X DC 1.2", NOW)
    claimed = ws.queue.claim(NOW)
    assert claimed.id == running.id
    worker = threading.Thread(target=ws.queue.run_one, args=(claimed, {"slow": slow}, NOW))
    worker.start()
    try:
        assert started.wait(10)
        [failed] = ws.queue.recover(NOW)
        assert failed.id == left.id and "died" in failed.error
        assert ws.queue.get(running.id).status == "RUNNING"  # really running here: left alone
    finally:
        release.set()
        worker.join()
    assert ws.queue.get(running.id).status == "COMPLETED"
