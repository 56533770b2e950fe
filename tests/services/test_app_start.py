"""Opening the workspace as an app does (identity.open_workspace) runs the start-up duties: the
alerts sweep and the recovery of jobs whose worker died."""

from __future__ import annotations

from certlib import identity
from certlib.services import Workspace


def _overdue(ws: Workspace) -> int:
    return sum(1 for u in ws.users() for m in ws.messages(u.id) if m.kind == "overdue")


def test_app_start_sweeps_alerts_once(ws: Workspace, monkeypatch) -> None:
    before = _overdue(ws)
    ws.close()
    monkeypatch.setenv("CERTLIB_NOW", "2025-09-15T09:00:00")  # past every demo due date
    opened, problem = identity.open_workspace({"CERTLIB_WORKSPACE": str(ws.root)})
    assert problem is None
    after = _overdue(opened)
    assert after > before
    opened.close()
    again, _ = identity.open_workspace({"CERTLIB_WORKSPACE": str(ws.root)})
    assert _overdue(again) == after  # the sweep is idempotent: a second session posts nothing new
    again.close()


def test_app_start_fails_jobs_of_dead_workers(ws: Workspace) -> None:
    import sqlalchemy as sa

    from certlib.services.jobs import jobs_table

    job = ws.queue.enqueue("state_validation", "t DC 1.1", ws.now(), unit_id=None, user_id=None)
    with ws.store.engine.begin() as conn:  # a worker on this host that no longer exists claimed it
        conn.execute(sa.update(jobs_table).where(jobs_table.c.id == job.id)
                     .values(status="RUNNING", pid=2**22 + 12345, host=__import__("socket").gethostname()))
    ws.close()
    opened, _ = identity.open_workspace({"CERTLIB_WORKSPACE": str(ws.root)})
    got = opened.queue.get(job.id)
    assert got.status == "FAILED" and got.error
    opened.close()


def test_missing_workspace_says_what_to_do(tmp_path) -> None:
    ws, problem = identity.open_workspace({"CERTLIB_WORKSPACE": str(tmp_path / "none")})
    assert ws is None and "certlib demo init --workspace" in problem


def test_read_only_app_on_an_older_database_says_how_to_upgrade(ws: Workspace, monkeypatch) -> None:
    import sqlalchemy as sa

    with ws.store.engine.begin() as conn:  # pretend the database predates migration 2
        conn.execute(sa.text("DELETE FROM schema_version WHERE version = 2"))
    ws.close()
    monkeypatch.setenv("CERTLIB_READ_ONLY", "1")
    opened, problem = identity.open_workspace({"CERTLIB_WORKSPACE": str(ws.root)})
    assert opened is None and "needs its database upgraded" in problem and "writable deployment" in problem
