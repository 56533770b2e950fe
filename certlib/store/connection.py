"""Engine creation: SQLite in WAL mode with foreign keys on and BEGIN IMMEDIATE for write transactions.

A write transaction (``certlib_write`` execution option) takes SQLite's write lock up front, so the
status it re-reads cannot change under it; on PostgreSQL the same code relies on SELECT ... FOR
UPDATE (``with_for_update()``, which SQLite ignores).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import QueuePool

from certlib.store.postgres import is_postgres_url, make_pg_engine

WRITE_OPTION = "certlib_write"


def url_for(path_or_url: str | Path) -> str:
    text = str(path_or_url)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).resolve()}"


def make_engine(path_or_url: str | Path) -> sa.Engine:
    url = url_for(path_or_url)
    if is_postgres_url(url):
        return make_pg_engine(url, WRITE_OPTION)
    if not url.startswith("sqlite"):
        return sa.create_engine(url, future=True)
    # A small pool keeps connections (and the WAL) open between transactions; dispose() checkpoints.
    engine = sa.create_engine(
        url, poolclass=QueuePool, pool_size=8, max_overflow=64, pool_timeout=120,
        connect_args={"timeout": 60, "check_same_thread": False},
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA foreign_keys=ON")
        mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


@contextmanager
def transaction(engine: sa.Engine, write: bool) -> Iterator[sa.Connection]:
    """One transaction; committed on success, rolled back (nothing written) on any exception."""
    with engine.connect() as conn:
        if write:
            conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn
