"""Schema version, migrations, WAL and foreign keys; reopening a current store writes nothing."""

from __future__ import annotations

import sqlite3
from datetime import datetime

import pytest

from certlib.errors import NotFound, Refused, StoreError
from certlib.store import Store
from certlib.store.migrations import CURRENT_VERSION, MIGRATIONS

from .conftest import db_bytes


def test_new_store_is_migrated_in_wal_with_foreign_keys(tmp_path):
    store = Store.open_workspace(tmp_path / "ws")
    assert store.version == CURRENT_VERSION
    con = sqlite3.connect(store.location)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT version, name FROM schema_version ORDER BY version").fetchall() == [
        (n, name) for n, name, _ in MIGRATIONS
    ]
    assert [n for n, _, _ in MIGRATIONS] == list(range(1, CURRENT_VERSION + 1))
    con.close()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.close()


def test_reopening_writes_nothing(store):
    store.close()
    before = db_bytes(store)
    again = Store(store.location)
    assert again.version == CURRENT_VERSION
    again.units_for("c1", datetime(2025, 7, 1))
    again.close()
    assert db_bytes(again) == before


def test_version_1_store_is_migrated_keeping_its_rows(store, event_unit):
    """A store written before runs were put on record gains the tables and the progress column; its
    old self-reported steps stay, but cite no run, so submit refuses them until the wizard re-runs."""
    import sqlalchemy as sa

    _, unit = event_unit
    with store.engine.begin() as conn:  # back to the v1 layout, with v1-style self-reported steps
        for step in (1, 2, 3):
            conn.execute(
                sa.text(
                    "INSERT INTO progress (unit_id, user_id, round, step, status, fatal_seen, error_seen, warnings, "
                    "warnings_acknowledged, snapshot_sha256) VALUES (:u, 'c1', 1, :s, 'COMPLETED', false, false, 0, "
                    "false, :sha)"
                ),
                {"u": unit, "s": step, "sha": "cd" * 32 if step == 3 else None},
            )
        for ddl in (
            "DROP TABLE evidence",
            "DROP TABLE snapshots",
            "ALTER TABLE progress DROP COLUMN evidence_id",
            "ALTER TABLE audit DROP COLUMN mac",
            "ALTER TABLE audit DROP COLUMN recorded_at",
            "ALTER TABLE audit DROP COLUMN clock",
            "ALTER TABLE audit DROP COLUMN via",
            "DELETE FROM schema_version WHERE version >= 2",
        ):
            conn.exec_driver_sql(ddl)
    store.close()
    again = Store(store.location)
    assert again.version == CURRENT_VERSION
    # v5 records the units and submissions as they were in a baseline row, replayed from then on
    base = again.audit_rows()[-1]
    assert base.action == "audit baseline" and base.details["units"][str(unit)]["status"] == "In Progress"
    old = again.progress("c1", unit)[1]
    assert (str(old.status), old.evidence_id) == ("COMPLETED", None)
    with pytest.raises(Refused, match="step 1 District Validation has no validation run on record"):
        again.submit("c1", unit, datetime(2025, 7, 1))
    again.close()


def test_newer_schema_is_refused(tmp_path):
    store = Store.open_workspace(tmp_path / "ws")
    store.close()
    con = sqlite3.connect(store.location)
    con.execute("INSERT INTO schema_version VALUES (99, 'future', 'x')")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer than this certlib"):
        Store(store.location)


def test_missing_workspace_store_is_not_created_on_read(tmp_path):
    with pytest.raises(NotFound, match="no workflow store"):
        Store.open_workspace(tmp_path / "nowhere", create=False)
    assert not (tmp_path / "nowhere").exists()


def test_schema_compiles_for_postgresql():
    """The store is written for SQLAlchemy Core so a later issue can point it at PostgreSQL."""
    import sqlalchemy as sa
    from sqlalchemy.dialects import postgresql

    from certlib.store import schema

    ddl = [
        str(sa.schema.CreateTable(table).compile(dialect=postgresql.dialect()))
        for table in schema.metadata.sorted_tables
    ]
    assert any("CREATE TABLE audit" in d for d in ddl) and len(ddl) == len(schema.metadata.tables)
    locked = sa.select(schema.units).where(schema.units.c.id == 1).with_for_update()
    assert "FOR UPDATE" in str(locked.compile(dialect=postgresql.dialect()))


def test_read_only_deployment_does_not_create_or_migrate(tmp_path, monkeypatch):
    from certlib.errors import ReadOnlyError

    monkeypatch.setenv("CERTLIB_READ_ONLY", "on")
    with pytest.raises(ReadOnlyError, match="migrate the workflow store"):
        Store.open_workspace(tmp_path / "ws")
    assert not (tmp_path / "ws").exists()  # not even the directory
