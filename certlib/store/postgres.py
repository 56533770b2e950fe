"""PostgreSQL specifics of the workflow store: engine, write serialization, append-only audit.

Why: several app servers share one PostgreSQL store, so the guarantees SQLite gets from its single
writer (BEGIN IMMEDIATE) must hold there too. Every write transaction first takes one transaction-level
advisory lock, so writes serialize exactly as on SQLite (a status re-read cannot change under the
writer, the audit chain head is appended in order); the SELECT ... FOR UPDATE row locks in the store
stay as a second line. Readers never wait. A trigger refuses UPDATE, DELETE and TRUNCATE on ``audit``.
"""

from __future__ import annotations

import sqlalchemy as sa

WRITE_LOCK_KEY = 0x63657274  # 'cert': the advisory lock every write transaction holds until commit

AUDIT_GUARD = [
    """CREATE OR REPLACE FUNCTION certlib_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$""",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    FOR EACH ROW EXECUTE FUNCTION certlib_audit_append_only()""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION certlib_audit_append_only()""",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION certlib_audit_append_only()""",
]


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql", "postgres://"))


def normalize_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` use psycopg 3 (the driver certlib installs)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_pg_engine(url: str, write_option: str) -> sa.Engine:
    """An engine whose write transactions (``write_option`` set) hold the store's advisory lock."""
    engine = sa.create_engine(normalize_url(url), pool_size=8, max_overflow=64, pool_timeout=120, pool_pre_ping=True)

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        if conn.get_execution_options().get(write_option):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")

    return engine


def install_audit_guard(conn: sa.Connection) -> None:
    """The PostgreSQL counterpart of the SQLite triggers: the audit table is append-only."""
    for stmt in AUDIT_GUARD:
        conn.exec_driver_sql(stmt)
