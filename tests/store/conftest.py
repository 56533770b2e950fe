"""Fixtures for store tests: a store with a small state loaded, a published district event.

The ``store`` fixture runs every test on SQLite and on a real PostgreSQL (a throwaway cluster that
tests/postgres/cluster.py starts once per session; a fresh database per test).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from certlib.store import Store

SETUP = datetime(2025, 6, 1, 8, 0)
OPEN = datetime(2025, 7, 1, 9, 0)  # inside the certification window
SHA = "cd" * 32

PEOPLE = {
    "districts": [{"number": "1071", "name": "North Star"}, {"number": "2002", "name": "South Fork"}],
    "schools": [
        {"code": "0588", "district": "1071", "name": "North Star 7-8"},
        {"code": "0600", "district": "1071", "name": "North Star High"},
        {"code": "0700", "district": "2002", "name": "South Fork Elementary"},
    ],
    "categories": [{"id": "ATT", "name": "Attendance"}, {"id": "SPED", "name": "Special Ed/504"}],
    "users": [
        {"id": "sa", "name": "State Approver", "level": "state", "rights": ["read", "write", "add", "delete"]},
        {"id": "sr", "name": "State Reviewer", "level": "state", "rights": ["read"]},
        {"id": "c1", "name": "Cert 1", "level": "district", "district": "1071"},
        {"id": "c2", "name": "Cert 2", "level": "district", "district": "1071"},
        {"id": "cs", "name": "Secondary", "level": "district", "district": "1071"},
        {"id": "r1", "name": "Reviewer", "level": "district", "district": "1071"},
        {"id": "sc", "name": "School cert", "level": "school", "district": "1071", "school": "0588"},
        {"id": "south", "name": "South cert", "level": "district", "district": "2002"},
        {"id": "sped", "name": "SPED cert", "level": "district", "district": "1071"},
    ],
    "memberships": [
        {"user": "sa", "category": "ATT", "role": "approver"},
        {"user": "sr", "category": "ATT", "role": "reviewer"},
        {"user": "c1", "category": "ATT", "role": "certifier", "primary": True},
        {"user": "c2", "category": "ATT", "role": "certifier", "primary": True},
        {"user": "cs", "category": "ATT", "role": "certifier", "primary": False},
        {"user": "r1", "category": "ATT", "role": "reviewer"},
        {"user": "sc", "category": "ATT", "role": "certifier", "primary": True, "schools": ["0588"]},
        {"user": "south", "category": "ATT", "role": "certifier", "primary": True},
        {"user": "sped", "category": "SPED", "role": "certifier", "primary": True},
    ],
}

EVENT = dict(
    name="EOY Attendance",
    reporting_year=2025,
    category_id="ATT",
    level="district",
    groups=["End of Year Attendance"],
    start_date="2025-06-01",
    certification_opens="2025-06-10",
    end_date="2025-07-31",
)


BACKENDS = ["sqlite", "postgresql"]


def make_store(path: Path, backend: str = "sqlite") -> Store:
    """A store with PEOPLE loaded: a workspace file under ``path`` or a fresh PostgreSQL database."""
    if backend == "postgresql":
        from tests.postgres.cluster import cluster

        store = Store(cluster().new_database())
    else:
        store = Store.open_workspace(path)
    store.load_people(PEOPLE, SETUP)
    return store


def is_postgres(store: Store) -> bool:
    return store.engine.dialect.name == "postgresql"


@pytest.fixture(scope="session", autouse=True)
def _stop_postgres():
    """Stop the throwaway PostgreSQL cluster (if a test started one) at the end of the session."""
    yield
    from tests.postgres.cluster import stop_cluster

    stop_cluster()


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path: Path):
    s = make_store(tmp_path / "ws", request.param)
    yield s
    s.close()


def publish(store: Store, **changes) -> int:
    event = store.create_event("sa", SETUP, **{**EVENT, **changes})
    store.publish_event("sa", event.id, SETUP)
    return event.id


def unit_of(store: Store, event_id: int, district: str = "1071", school: str | None = None) -> int:
    return next(u.id for u in store.units(event_id) if u.district_number == district and u.school_code == school)


def register(store: Store, user: str, unit_id: int, now: datetime = OPEN, sha: str = SHA) -> None:
    """Register a snapshot of the unit with ``sha`` (the snapshot service does this when it writes one)."""
    if sha not in {r.sha256 for r in store.snapshot_records(unit_id)}:
        store.register_snapshot(user, unit_id, len(store.snapshot_records(unit_id)) + 1, sha, now)


def complete_steps(
    store: Store, user: str, unit_id: int, now: datetime = OPEN, warnings: int = 0, warnings_acknowledged: bool = False
) -> None:
    """Put clean runs of steps 1-3 on record for ``user`` and cite them (what the wizard does)."""
    register(store, user, unit_id, now)
    for step in (1, 2, 3):
        ev = store.record_evidence(
            user,
            unit_id,
            step,
            now,
            fatal_seen=False,
            error_seen=False,
            warnings=warnings,
            snapshot_sha256=SHA if step == 3 else None,
            source="test run",
        )
        store.record_progress(
            user, unit_id, step, "COMPLETED", now, evidence_id=ev.id, warnings_acknowledged=warnings_acknowledged
        )


@pytest.fixture
def event_unit(store: Store) -> tuple[int, int]:
    event_id = publish(store)
    return event_id, unit_of(store, event_id)


def db_bytes(store: Store) -> tuple[bytes, bytes]:
    """The database file and its write-ahead log (committed pages may still sit in the WAL); on
    PostgreSQL, every row of every table in a fixed order."""
    if is_postgres(store):
        return pg_contents(store), b""
    db = Path(store.location)
    wal = db.with_name(db.name + "-wal")
    return db.read_bytes(), wal.read_bytes() if wal.exists() else b""


def pg_contents(store: Store) -> bytes:
    import sqlalchemy as sa

    from certlib.store import schema

    out = []
    with store.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            if sa.inspect(conn).has_table(table.name):
                rows = conn.execute(sa.select(table).order_by(*table.columns)).all()
                out.append(f"{table.name}:{[tuple(r) for r in rows]!r}")
    return "\n".join(out).encode()
