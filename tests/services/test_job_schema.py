"""The job queue's tables: versioned beside the store's, never created by a read-only deployment."""

from __future__ import annotations

import sqlalchemy as sa

from certlib.services import Workspace
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
