"""Schema version table and ordered migrations.

Each migration is ``(version, name, apply(conn))``; :func:`migrate` applies the missing ones in order,
each recorded in ``schema_version``. Opening a current database writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC

import sqlalchemy as sa

from certlib.config import wall_time
from certlib.errors import StoreError
from certlib.store import audit, schema
from certlib.store.connection import transaction
from certlib.store.postgres import install_audit_guard
from certlib.store.readonly import check_writable

_V1_TABLES = [
    schema.districts,
    schema.schools,
    schema.categories,
    schema.users,
    schema.memberships,
    schema.events,
    schema.units,
    schema.submissions,
    schema.progress,
    schema.audit,
    schema.audit_head,
    schema.alerts,
]


def _v1_initial(conn: sa.Connection) -> None:
    schema.metadata.create_all(conn, tables=_V1_TABLES)
    conn.execute(schema.audit_head.insert().values(id=1, count=0, hash="0" * 64))
    if conn.dialect.name == "sqlite":
        for op in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER audit_no_{op.lower()} BEFORE {op} ON audit "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )
    elif conn.dialect.name == "postgresql":
        install_audit_guard(conn)


def _add_column(conn: sa.Connection, table: str, column: str, ddl: str) -> None:
    """``ALTER TABLE ... ADD COLUMN`` unless a database created at this version already has it."""
    if column not in {c["name"] for c in sa.inspect(conn).get_columns(table)}:
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}")


def _v2_evidence(conn: sa.Connection) -> None:
    """Runs on record and the snapshot registry; progress rows name the run that backs them; units
    count their resyncs (data generation)."""
    schema.metadata.create_all(conn, tables=[schema.evidence, schema.snapshots])
    _add_column(conn, "progress", "evidence_id", "INTEGER")
    _add_column(conn, "progress", "data_generation", "INTEGER")
    _add_column(conn, "units", "data_generation", "INTEGER NOT NULL DEFAULT 0")


def _v3_history(conn: sa.Connection) -> None:
    """Run history (every rule's count of every unit run, the findings' record keys), notes,
    exceptions and attestations (issue 18)."""
    schema.metadata.create_all(
        conn,
        tables=[
            schema.runs,
            schema.run_rules,
            schema.run_findings,
            schema.notes,
            schema.rule_exceptions,
            schema.attestations,
        ],
    )


def _v4_email(conn: sa.Connection) -> None:
    """Email notifications: per-user address, digest and opt-out; the outbox."""
    schema.metadata.create_all(conn, tables=[schema.notification_prefs, schema.email_outbox])


def _v5_audit_integrity(conn: sa.Connection) -> None:
    """Audit rows gain a MAC (keyed chain), the real time of the write and where their time came from;
    a store with units or submissions gets a baseline row recording them (replayed from then on)."""
    for column in ("mac", "recorded_at", "clock", "via"):
        _add_column(conn, "audit", column, "VARCHAR")
    audit.baseline(conn, wall_time(UTC).replace(tzinfo=None, microsecond=0))


def _v6_unit_due(conn: sa.Connection) -> None:
    """A unit's own due date: a recertification begun after the due date gives that unit a new one."""
    _add_column(conn, "units", "due_date", "DATE")


MIGRATIONS: list[tuple[int, str, Callable[[sa.Connection], None]]] = [
    (1, "initial workflow schema", _v1_initial),
    (2, "evidence and snapshot registry", _v2_evidence),
    (3, "run history, notes, exceptions, attestations", _v3_history),
    (4, "email notifications", _v4_email),
    (5, "keyed audit chain and replayed state", _v5_audit_integrity),
    (6, "unit due date", _v6_unit_due),
]

CURRENT_VERSION = MIGRATIONS[-1][0]


def current_version(conn: sa.Connection) -> int:
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return conn.execute(sa.select(sa.func.max(schema.schema_version.c.version))).scalar() or 0


def migrate(engine: sa.Engine) -> int:
    """Bring the database to :data:`CURRENT_VERSION`; returns the version. Idempotent."""
    with transaction(engine, write=False) as conn:
        version = current_version(conn)
    if version == CURRENT_VERSION:
        return version
    if version > CURRENT_VERSION:
        raise StoreError(f"database schema version {version} is newer than this certlib ({CURRENT_VERSION})")
    check_writable("migrate the workflow store")
    with transaction(engine, write=True) as conn:
        version = current_version(conn)  # re-read under the write lock
        if version == 0:
            schema.schema_version.create(conn, checkfirst=True)
        for number, name, apply in MIGRATIONS:
            if number <= version:
                continue
            apply(conn)
            conn.execute(
                schema.schema_version.insert().values(
                    version=number, name=name, applied_at=wall_time(UTC).isoformat(timespec="seconds")
                )
            )
            version = number
    return version
