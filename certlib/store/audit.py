"""The append-only, hash-chained audit log.

Each row carries ``hash = SHA-256(prev_hash + canonical JSON of its content)``; ``audit_head`` keeps
the row count and last hash, so a deleted last row is noticed too. :func:`verify` walks the chain and
names the first bad row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from certlib.store import schema

GENESIS = "0" * 64
CONTENT_FIELDS = (
    "id", "at", "actor", "event_id", "unit_id", "action", "from_status", "to_status", "reason", "details",
    "snapshot_sha256",
)


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: str
    actor: str
    event_id: int | None
    unit_id: int | None
    action: str
    from_status: str | None
    to_status: str | None
    reason: str | None
    details: dict[str, Any]
    snapshot_sha256: str | None
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def canonical(content: dict[str, Any]) -> str:
    """The exact text hashed for a row: sorted keys, no whitespace, details as parsed JSON."""
    return json.dumps({k: content[k] for k in CONTENT_FIELDS}, sort_keys=True, separators=(",", ":"), default=str)


def row_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(content)).encode("utf-8")).hexdigest()


def append(
    conn: sa.Connection,
    *,
    at: str,
    actor: str,
    action: str,
    event_id: int | None = None,
    unit_id: int | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    snapshot_sha256: str | None = None,
) -> AuditRow:
    """Append one row inside the caller's transaction (the head row is locked for PostgreSQL)."""
    head = conn.execute(
        sa.select(schema.audit_head.c.count, schema.audit_head.c.hash)
        .where(schema.audit_head.c.id == 1)
        .with_for_update()
    ).one()
    content = {
        "id": head.count + 1, "at": at, "actor": actor, "event_id": event_id, "unit_id": unit_id,
        "action": action, "from_status": _s(from_status), "to_status": _s(to_status), "reason": reason,
        "details": json.loads(json.dumps(details or {}, default=str)), "snapshot_sha256": snapshot_sha256,
    }
    digest = row_hash(head.hash, content)
    conn.execute(
        schema.audit.insert().values(
            **{**content, "details": json.dumps(content["details"], sort_keys=True)}, prev_hash=head.hash,
            hash=digest,
        )
    )
    conn.execute(schema.audit_head.update().where(schema.audit_head.c.id == 1).values(count=content["id"], hash=digest))
    return AuditRow(**content, prev_hash=head.hash, hash=digest)


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def _row(r: Any) -> AuditRow:
    m = dict(r._mapping)
    try:
        m["details"] = json.loads(m["details"] or "{}")
    except json.JSONDecodeError:
        m["details"] = {"<unparseable>": m["details"]}
    return AuditRow(**m)


def rows(
    conn: sa.Connection, *, event_id: int | None = None, unit_id: int | None = None, limit: int | None = None
) -> list[AuditRow]:
    q = sa.select(schema.audit).order_by(schema.audit.c.id)
    if event_id is not None:
        q = q.where(schema.audit.c.event_id == event_id)
    if unit_id is not None:
        q = q.where(schema.audit.c.unit_id == unit_id)
    out = [_row(r) for r in conn.execute(q)]
    return out[-limit:] if limit else out


def count(conn: sa.Connection) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(schema.audit)).scalar_one()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    first_bad_row: int | None = None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify(conn: sa.Connection) -> VerifyResult:
    """Walk the chain in id order; the first row whose id, link or hash is wrong is named."""
    prev = GENESIS
    n = 0
    for r in conn.execute(sa.select(schema.audit).order_by(schema.audit.c.id)):
        n += 1
        row = _row(r)
        if row.id != n:
            return VerifyResult(False, n - 1, row.id, f"row {row.id} found where row {n} was expected (deleted or renumbered)")
        if row.prev_hash != prev:
            return VerifyResult(False, n - 1, row.id, f"row {row.id} does not link to row {n - 1} (removed or reordered)")
        if row_hash(prev, row.as_dict()) != row.hash:
            return VerifyResult(False, n - 1, row.id, f"row {row.id} content does not match its hash (edited)")
        prev = row.hash
    head = conn.execute(sa.select(schema.audit_head).where(schema.audit_head.c.id == 1)).one_or_none()
    if head is None or head.count != n or head.hash != prev:
        expected = head.count if head is not None else "?"
        return VerifyResult(False, n, n + 1, f"the chain ends at row {n} but the head records {expected} rows (truncated)")
    return VerifyResult(True, n)
