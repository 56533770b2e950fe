"""Engine creation: SQLite in WAL mode with foreign keys on and BEGIN IMMEDIATE for write transactions.

A write transaction (``certlib_write`` execution option) takes SQLite's write lock up front, so the
status it re-reads cannot change under it; on PostgreSQL the same code relies on SELECT ... FOR
UPDATE (``with_for_update()``, which SQLite ignores).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.pool import QueuePool

from certlib.config import settings
from certlib.errors import StoreError
from certlib.store.postgres import is_postgres_url, make_pg_engine

WRITE_OPTION = "certlib_write"


def url_for(path_or_url: str | Path) -> str:
    text = str(path_or_url)
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).resolve()}"


def read_only_url(path: Path) -> str:
    """A read-only deployment's SQLite URL: opened ``mode=ro``, and ``immutable=1`` unless a write-ahead
    log is beside the file (a writer has it open, or died: then SQLite must read the log, through its
    ``-shm``, and see the writer's commits). Immutable means no
    lock, no ``-shm``/``-wal`` file created: nothing is written, so the workspace can sit on read-only
    storage (a replica, a read-only mount). Such a deployment must not share the file with a live writer
    that has no write-ahead log open."""
    wal = path.with_name(path.name + "-wal")  # present while a writer has the file open (or after it crashed)
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    return f"sqlite:///file:{quote(str(path))}?{flags}&uri=true"


def make_engine(path_or_url: str | Path, *, read_only: bool | None = None) -> sa.Engine:
    """The engine of a store; ``read_only`` (default: ``CERTLIB_READ_ONLY``) opens a SQLite file read-only."""
    url = url_for(path_or_url)
    if is_postgres_url(url):
        return make_pg_engine(url, WRITE_OPTION)
    if not url.startswith("sqlite"):
        return sa.create_engine(url, future=True)
    if settings().read_only if read_only is None else read_only:
        return _read_only_sqlite(Path(url.removeprefix("sqlite:///")))
    # A small pool keeps connections (and the WAL) open between transactions; dispose() checkpoints.
    engine = sa.create_engine(
        url,
        poolclass=QueuePool,
        pool_size=8,
        max_overflow=64,
        pool_timeout=120,
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


def _read_only_sqlite(path: Path) -> sa.Engine:
    engine = sa.create_engine(
        read_only_url(path),
        poolclass=QueuePool,
        pool_size=8,
        max_overflow=64,
        pool_timeout=120,
        connect_args={"timeout": 60, "check_same_thread": False},
    )

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA query_only=ON")  # a second line: any write statement fails
        cur.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def transaction(engine: sa.Engine, write: bool) -> Iterator[sa.Connection]:
    """One transaction; committed on success, rolled back (nothing written) on any exception."""
    try:
        with engine.connect() as conn:
            if write:
                conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn
    except sa.exc.DatabaseError as err:
        damaged = damaged_store(engine, err)
        if damaged is None:
            raise
        raise damaged from err


def damaged_store(engine: sa.Engine, err: sa.exc.DatabaseError) -> StoreError | None:
    """A :class:`StoreError` naming the database file when ``err`` says the file is not a database or its
    pages are damaged ("file is not a database", "database disk image is malformed"); None for the errors
    the store handles itself (constraints, locks, a missing table during a migration)."""
    if isinstance(err, sa.exc.IntegrityError | sa.exc.OperationalError | sa.exc.ProgrammingError):
        return None
    text = str(err.orig)
    if not any(word in text for word in ("not a database", "malformed", "corrupt", "encrypted")):
        return None
    where = engine.url.database or engine.url.render_as_string(hide_password=True)
    return StoreError(f"{where}: the workflow store is damaged ({text}); restore it from a backup")
