"""A demo workspace whose workflow store (and job queue) live in PostgreSQL: created, reopened, verified."""

from __future__ import annotations

from certlib.services.workspace import Workspace


def test_demo_workspace_on_postgresql(pg, tmp_path, monkeypatch):
    monkeypatch.setenv("CERTLIB_DATABASE_URL", pg.new_database())
    created = Workspace.create_demo(tmp_path / "ws")
    created.store.close()
    ws = Workspace.open(tmp_path / "ws")
    try:
        assert ws.store.engine.dialect.name == "postgresql"
        assert not (tmp_path / "ws" / "certlib.db").exists()
        assert ws.store.verify_audit().ok and ws.store.audit_count() > 0
    finally:
        ws.store.close()
