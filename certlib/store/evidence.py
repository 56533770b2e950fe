"""Runs on record and the snapshot registry: the facts a wizard step may cite.

Why: a step is COMPLETED only by naming the validation run that completed it, and step 3's run
names a snapshot the snapshot service registered when it wrote the files. So neither a CLI nor a
caller of :meth:`Store.record_progress` can report a step done (or pin an invented SHA-256); the
submit guard re-reads the same rows. Functions take an open connection; the store owns transactions.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from certlib.domain.entities import Evidence, SnapshotRecord, Unit
from certlib.domain.statuses import WIZARD_STEPS
from certlib.errors import NotFound
from certlib.store import schema as t


def _evidence(r: sa.Row) -> Evidence:
    return Evidence(
        r.id,
        r.unit_id,
        r.round,
        r.user_id,
        r.step,
        bool(r.fatal_seen),
        bool(r.error_seen),
        r.warnings,
        r.snapshot_sha256,
        r.source,
        r.at,
        r.data_generation,
    )


def add(
    conn: sa.Connection,
    *,
    unit_id: int,
    round_: int,
    user_id: str,
    step: int,
    fatal_seen: bool,
    error_seen: bool,
    warnings: int,
    snapshot_sha256: str | None,
    source: str,
    now: datetime,
    data_generation: int,
) -> Evidence:
    values = {
        "unit_id": unit_id,
        "round": round_,
        "user_id": user_id,
        "step": step,
        "fatal_seen": bool(fatal_seen),
        "error_seen": bool(error_seen),
        "warnings": int(warnings),
        "snapshot_sha256": snapshot_sha256,
        "source": source,
        "at": now.isoformat(),
        "data_generation": data_generation,
    }
    new_id = conn.execute(t.evidence.insert().values(**values)).inserted_primary_key[0]
    return get(conn, int(new_id))


def get(conn: sa.Connection, evidence_id: int) -> Evidence:
    r = conn.execute(sa.select(t.evidence).where(t.evidence.c.id == evidence_id)).first()
    if r is None:
        raise NotFound(f"no validation run {evidence_id} on record")
    return _evidence(r)


def mismatch(ev: Evidence, *, unit_id: int, round_: int, user_id: str, step: int) -> str | None:
    """Why ``ev`` cannot back ``user_id``'s step ``step`` in (unit, round), or None when it can."""
    want = (unit_id, round_, user_id, step)
    got = (ev.unit_id, ev.round, ev.user_id, ev.step)
    if got == want:
        return None
    return (
        f"run {ev.id} is {ev.user_id}'s step {ev.step} ({WIZARD_STEPS.get(ev.step, '?')}) on unit {ev.unit_id} "
        f"round {ev.round}, not {user_id}'s step {step} on unit {unit_id} round {round_}"
    )


def register_snapshot(
    conn: sa.Connection, *, unit_id: int, version: int, sha256: str, taken_by: str, now: datetime, data_generation: int
) -> SnapshotRecord:
    conn.execute(
        t.snapshots.insert().values(
            unit_id=unit_id,
            version=version,
            sha256=sha256,
            taken_by=taken_by,
            taken_at=now.isoformat(),
            data_generation=data_generation,
        )
    )
    return SnapshotRecord(unit_id, version, sha256, taken_by, now.isoformat(), data_generation)


def snapshots_of(conn: sa.Connection, unit_id: int) -> list[SnapshotRecord]:
    q = sa.select(t.snapshots).where(t.snapshots.c.unit_id == unit_id).order_by(t.snapshots.c.version)
    return [
        SnapshotRecord(r.unit_id, r.version, r.sha256, r.taken_by, r.taken_at, r.data_generation)
        for r in conn.execute(q)
    ]


def current_shas(conn: sa.Connection, unit: Unit) -> tuple[str, ...]:
    """Hashes of the unit's snapshots of its current state data (taken since its last resync), by
    version, oldest first: the latest is last."""
    return tuple(s.sha256 for s in snapshots_of(conn, unit.id) if s.data_generation == unit.data_generation)
