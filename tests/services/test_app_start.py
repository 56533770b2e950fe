"""Opening the workspace as an app does (session.open_workspace) runs the alerts sweep (the
recovery of jobs whose worker died is tested with the job queue, tests/services/test_jobs.py)."""

from __future__ import annotations

from certlib.apps import session
from certlib.services import Workspace


def _overdue(ws: Workspace) -> int:
    return sum(1 for u in ws.users() for m in ws.messages(u.id) if m.kind == "overdue")


def test_app_start_sweeps_alerts_once(ws: Workspace, monkeypatch) -> None:
    before = _overdue(ws)
    ws.close()
    monkeypatch.setenv("CERTLIB_NOW", "2025-09-15T09:00:00")  # past every demo due date
    opened, problem = session.open_workspace({"CERTLIB_WORKSPACE": str(ws.root)})
    assert problem is None
    after = _overdue(opened)
    assert after > before
    opened.close()
    again, _ = session.open_workspace({"CERTLIB_WORKSPACE": str(ws.root)})
    assert _overdue(again) == after  # the sweep is idempotent: a second session posts nothing new
    again.close()


def test_missing_workspace_says_what_to_do(tmp_path) -> None:
    ws, problem = session.open_workspace({"CERTLIB_WORKSPACE": str(tmp_path / "none")})
    assert ws is None and "certlib demo init --workspace" in problem


def test_read_only_app_on_an_older_database_says_how_to_upgrade(ws: Workspace, monkeypatch) -> None:
    import sqlalchemy as sa

    with ws.store.engine.begin() as conn:  # pretend the database predates migration 2
        conn.execute(sa.text("DELETE FROM schema_version WHERE version >= 2"))
    ws.close()
    monkeypatch.setenv("CERTLIB_READ_ONLY", "1")
    opened, problem = session.open_workspace({"CERTLIB_WORKSPACE": str(ws.root)})
    assert opened is None and "needs its database upgraded" in problem and "writable deployment" in problem
