"""The append-only, hash-chained audit log, keyed and anchored outside the database.

Each row carries ``hash = SHA-256(prev_hash + canonical JSON of its content)``; ``audit_head`` keeps
the row count and last hash. That alone only proves the file is self-consistent: whoever can write the
database can recompute every hash, or delete the last row and wind the head back. So:

- **keyed chain**: with a deployment secret configured outside the database (``CERTLIB_AUDIT_KEY_FILE``
  or ``CERTLIB_AUDIT_KEY``, see :mod:`certlib.config`) every row also carries
  ``mac = <key id>:HMAC-SHA256(key, hash)``; the hash covers all earlier rows, so a rewrite without the
  key breaks the MAC of every row from the first one changed. Once a store holds keyed rows, a writer
  without the key is refused (it would leave unkeyed rows behind). Without a key, rows carry no MAC and
  :func:`verify` says the chain is unkeyed.
- **anchors**: the head (rows, hash) appended to a file outside the store after every write
  (``CERTLIB_AUDIT_ANCHOR``) or on demand (``certlib audit anchor``); :func:`verify` with anchors refuses
  a chain that is shorter than an anchor (truncated) or whose anchored row hashes differently (rewritten).
- **replay**: every row that changes a unit records the unit's state after the change, every submit
  row the submission, every "snapshot taken" row the registered version; :func:`verify` replays them and compares with the ``units`` and ``submissions``
  tables, so a direct edit of those tables is caught.
- **clock and actor**: every row records the real time of the write (``recorded_at``, UTC), whether its
  ``at`` came from the real clock or was supplied (``--now``, ``CERTLIB_NOW``, a caller's time), and the
  channel that asserted the actor when it was not an app sign-in (``via``: the CLI's ``--as`` and the
  OS account that ran it).

:func:`verify` walks the chain and names the first bad row.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from certlib.config import RealTime, settings, wall_time
from certlib.errors import DataError, StoreError
from certlib.store import schema

GENESIS = "0" * 64
CONTENT_FIELDS = (
    "id",
    "at",
    "actor",
    "event_id",
    "unit_id",
    "action",
    "from_status",
    "to_status",
    "reason",
    "details",
    "snapshot_sha256",
)
#: hashed too when present (rows written before they existed hash as they did)
OPTIONAL_FIELDS = ("recorded_at", "clock", "via")
#: the channel of this context's writes (the CLI sets "cli --as, OS account NAME"); recorded in each row
VIA: ContextVar[str | None] = ContextVar("certlib_audit_via", default=None)
#: key of ``conn.info`` where the store collects the rows appended in a write transaction (for anchors)
APPENDED = "certlib_audit_appended"
#: the unit fields the log records after every change (replayed by :func:`verify`)
UNIT_FIELDS = (
    "event_id",
    "district_number",
    "school_code",
    "status",
    "round",
    "status_before_request",
    "requested_by",
    "data_generation",
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
    mac: str | None = None
    recorded_at: str | None = None
    clock: str | None = None  # "real" or "supplied"
    via: str | None = None  # the channel that asserted the actor (e.g. the CLI's --as), when not an app sign-in

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def canonical(content: dict[str, Any]) -> str:
    """The exact text hashed for a row: sorted keys, no whitespace, details as parsed JSON."""
    body = {k: content[k] for k in CONTENT_FIELDS}
    body.update({k: content[k] for k in OPTIONAL_FIELDS if content.get(k) is not None})
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)


def row_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(content)).encode("utf-8")).hexdigest()


def key_id(key: bytes) -> str:
    """A short public fingerprint of an audit key (which key signed a row, never the key)."""
    return hashlib.sha256(b"certlib audit key id\0" + key).hexdigest()[:12]


def row_mac(key: bytes, digest: str) -> str:
    return f"{key_id(key)}:{hmac.new(key, digest.encode('ascii'), hashlib.sha256).hexdigest()}"


def unit_state(r: Any) -> dict[str, Any]:
    """What the log records of a unit row after a change."""
    m = r._mapping if hasattr(r, "_mapping") else r
    return {k: m[k] for k in UNIT_FIELDS}


def unit_states(conn: sa.Connection, unit_ids: Iterable[int]) -> dict[str, dict[str, Any]]:
    """``{unit id: state}`` of these units as they are in this transaction (for an audit row's details)."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    cols = [schema.units.c.id, *(schema.units.c[k] for k in UNIT_FIELDS)]  # only these: a migration's baseline
    q = sa.select(*cols).where(schema.units.c.id.in_(ids)).order_by(schema.units.c.id)  # runs before later columns
    return {str(r.id): unit_state(r) for r in conn.execute(q)}


def append(
    conn: sa.Connection,
    *,
    at: datetime | str,
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
    """Append one row inside the caller's transaction (the head row is locked for PostgreSQL).

    ``at`` is the workflow time of the action; a :class:`~certlib.config.RealTime` is recorded as the
    real clock, anything else as supplied; ``recorded_at`` is always the real time of the write."""
    head = conn.execute(
        sa.select(schema.audit_head.c.count, schema.audit_head.c.hash)
        .where(schema.audit_head.c.id == 1)
        .with_for_update()
    ).one()
    key = settings().audit_key
    if key is None and head.count and _last_mac(conn, head.count):
        raise StoreError(
            f"{action}: this store's audit log is keyed but no audit key is configured here "
            "(set CERTLIB_AUDIT_KEY_FILE): an unkeyed row would break its chain"
        )
    content = {
        "id": head.count + 1,
        "at": at.isoformat() if isinstance(at, datetime) else at,
        "actor": actor,
        "event_id": event_id,
        "unit_id": unit_id,
        "action": action,
        "from_status": _s(from_status),
        "to_status": _s(to_status),
        "reason": reason,
        "details": json.loads(json.dumps(details or {}, default=str)),
        "snapshot_sha256": snapshot_sha256,
        "recorded_at": wall_time(UTC).isoformat(timespec="seconds"),
        "clock": "real" if isinstance(at, RealTime) else "supplied",
        "via": VIA.get(),
    }
    digest = row_hash(head.hash, content)
    mac = row_mac(key, digest) if key is not None else None
    conn.execute(
        schema.audit.insert().values(
            **{**content, "details": json.dumps(content["details"], sort_keys=True)},
            prev_hash=head.hash,
            hash=digest,
            mac=mac,
        )
    )
    conn.execute(schema.audit_head.update().where(schema.audit_head.c.id == 1).values(count=content["id"], hash=digest))
    row = AuditRow(**content, prev_hash=head.hash, hash=digest, mac=mac)
    collected = conn.info.get(APPENDED)
    if collected is not None:
        collected.append(row)
    return row


def _last_mac(conn: sa.Connection, row_id: int) -> str | None:
    return conn.execute(sa.select(schema.audit.c.mac).where(schema.audit.c.id == row_id)).scalar()


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
    if limit is not None and limit < 0:
        raise DataError(f"limit={limit}: the number of audit rows to list cannot be negative")
    out = [_row(r) for r in conn.execute(q)]
    return out[len(out) - limit :] if limit is not None and limit < len(out) else out


def count(conn: sa.Connection) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(schema.audit)).scalar_one()


# ---- anchors --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """The head of the chain at one moment, kept outside the store: ``rows`` rows, the last hashing ``hash``."""

    rows: int
    hash: str
    recorded_at: str
    line: int = 0

    def as_json(self) -> str:
        return json.dumps({"rows": self.rows, "hash": self.hash, "recorded_at": self.recorded_at}, sort_keys=True)


def anchor_of(row: AuditRow) -> Anchor:
    return Anchor(row.id, row.hash, row.recorded_at or wall_time(UTC).isoformat(timespec="seconds"))


def head_anchor(conn: sa.Connection) -> Anchor:
    head = conn.execute(sa.select(schema.audit_head).where(schema.audit_head.c.id == 1)).one()
    return Anchor(head.count, head.hash, wall_time(UTC).isoformat(timespec="seconds"))


def open_anchor_file(path: Path) -> int:
    """An append-only descriptor of the anchor file (created 0640 if missing); StoreError naming it."""
    try:
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    except OSError as err:
        raise StoreError(f"audit anchor {path}: cannot append to it ({err.strerror}); nothing was written") from None


def write_anchor(fd: int, anchor: Anchor) -> None:
    """One line per anchor, written in one ``write`` on an O_APPEND descriptor (writers never interleave)."""
    os.write(fd, (anchor.as_json() + "\n").encode("utf-8"))


def read_anchors(path: Path) -> list[Anchor]:
    """The anchors of a file, in file order; a line that is not an anchor is an error naming it."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise StoreError(f"audit anchor {path}: cannot read it ({err.strerror})") from None
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
            out.append(Anchor(int(d["rows"]), str(d["hash"]), str(d.get("recorded_at", "")), n))
        except (ValueError, KeyError, TypeError):
            raise StoreError(f"audit anchor {path}:{n}: not an anchor line ({line[:60]!r})") from None
    return out


# ---- verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    first_bad_row: int | None = None
    problem: str | None = None
    keyed: bool = False
    anchors: int = 0
    units: int = 0
    submissions: int = 0
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "warnings": list(self.warnings)}


def verify(conn: sa.Connection, *, key: bytes | None = None, anchors: list[Anchor] | None = None) -> VerifyResult:
    """Walk the chain in id order and name the first row whose id, link, hash or MAC is wrong; then check
    the head, the ``anchors`` (outside the store) and that the units and submissions tables replay from
    the log.

    ``key``: the deployment's audit key (None: unkeyed; a log that carries MACs then fails, since they
    cannot be checked)."""
    prev = GENESIS
    n = 0
    hashes: list[str] = []
    keyed_from: int | None = None
    log: list[AuditRow] = []
    for r in conn.execute(sa.select(schema.audit).order_by(schema.audit.c.id)):
        n += 1
        row = _row(r)
        bad = _row_problem(row, n, prev, key, keyed_from)
        if bad:
            return VerifyResult(False, n - 1, row.id, bad, keyed=key is not None)
        if row.mac and keyed_from is None:
            keyed_from = row.id
        prev = row.hash
        hashes.append(row.hash)
        log.append(row)
    keyed = keyed_from is not None
    head = conn.execute(sa.select(schema.audit_head).where(schema.audit_head.c.id == 1)).one_or_none()
    if head is None or head.count != n or head.hash != prev:
        expected = head.count if head is not None else "?"
        return VerifyResult(
            False, n, n + 1, f"the chain ends at row {n} but the head records {expected} rows (truncated)", keyed=keyed
        )
    if key is not None and n and not log[-1].mac:
        return VerifyResult(
            False,
            n,
            n,
            f"row {n}, the last, carries no MAC although an audit key is configured: the "
            "log was rewritten without the key (or written by certlib without one)",
            keyed=keyed,
        )
    for a in anchors or ():
        if a.rows > n:
            return VerifyResult(
                False,
                n,
                n + 1,
                f"the chain has {n} rows but the anchor of {a.recorded_at} (line {a.line}) "
                f"recorded {a.rows}: rows were removed (truncated)",
                keyed=keyed,
            )
        if a.rows and hashes[a.rows - 1] != a.hash:
            return VerifyResult(
                False,
                n,
                a.rows,
                f"row {a.rows} does not hash as anchored at {a.recorded_at} (line {a.line}): the log was rewritten",
                keyed=keyed,
            )
    units, subs, problems = replay(conn, log)
    warnings = []
    if key is None:
        warnings.append(
            "no audit key configured (CERTLIB_AUDIT_KEY_FILE): the chain is unkeyed, so whoever can write "
            "the database could recompute every hash; only anchors outside the store catch that"
        )
    elif keyed_from and keyed_from > 1:
        warnings.append(
            f"rows 1-{keyed_from - 1} were written before the audit key was configured (covered by the "
            f"MAC of row {keyed_from} on)"
        )
    if not anchors:
        warnings.append("no anchor checked (--anchor FILE): a truncated log that winds its head back passes")
    if problems:
        return VerifyResult(
            False,
            n,
            None,
            "; ".join(problems[:5]) + (f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""),
            keyed=keyed,
            anchors=len(anchors or ()),
            units=units,
            submissions=subs,
        )
    return VerifyResult(
        True, n, keyed=keyed, anchors=len(anchors or ()), units=units, submissions=subs, warnings=tuple(warnings)
    )


def _row_problem(row: AuditRow, n: int, prev: str, key: bytes | None, keyed_from: int | None) -> str | None:
    if row.id != n:
        return f"row {row.id} found where row {n} was expected (deleted or renumbered)"
    if row.prev_hash != prev:
        return f"row {row.id} does not link to row {n - 1} (removed or reordered)"
    if row_hash(prev, row.as_dict()) != row.hash:
        return f"row {row.id} content does not match its hash (edited)"
    if row.mac:
        if key is None:
            return (
                f"row {row.id} carries a MAC but no audit key is configured here: set CERTLIB_AUDIT_KEY_FILE to "
                "verify this log"
            )
        if row.mac.split(":", 1)[0] != key_id(key):
            return (
                f"row {row.id} was keyed with another audit key (id {row.mac.split(':', 1)[0]}; the configured "
                f"key's id is {key_id(key)})"
            )
        if not hmac.compare_digest(row.mac, row_mac(key, row.hash)):
            return f"row {row.id} MAC does not match its hash (rewritten without the audit key)"
    elif keyed_from is not None:
        return f"row {row.id} carries no MAC after keyed rows (from row {keyed_from}): rewritten without the audit key"
    return None


def replay(conn: sa.Connection, log: list[AuditRow]) -> tuple[int, int, list[str]]:
    """Replay the unit states, submissions and registered snapshots the log recorded; compare them with
    the tables. Returns (units checked, submissions checked, problems)."""
    units: dict[int, dict[str, Any]] = {}
    subs: dict[tuple[int, int, str], tuple[str, str | None]] = {}
    snaps: dict[tuple[int, int], tuple[str | None, str, int]] = {}
    for row in log:
        for uid, state in (row.details.get("units") or {}).items():
            units[int(uid)] = state
        for s in row.details.get("submissions_recorded") or ():
            subs[(int(s["unit_id"]), int(s["round"]), str(s["user_id"]))] = (s["at"], s.get("snapshot_sha256"))
        if row.action == "submit" and row.unit_id is not None and "round" in row.details:
            subs[(row.unit_id, int(row.details["round"]), row.actor)] = (row.at, row.snapshot_sha256)
        if row.action == "snapshot taken" and row.unit_id is not None and "data_generation" in row.details:
            snaps[(row.unit_id, int(row.details["version"]))] = (
                row.snapshot_sha256,
                row.actor,
                int(row.details["data_generation"]),
            )
    problems: list[str] = []
    q = sa.select(schema.snapshots).order_by(schema.snapshots.c.unit_id, schema.snapshots.c.version)
    registry = {(r.unit_id, r.version): (r.sha256, r.taken_by, r.data_generation) for r in conn.execute(q)}
    for k in sorted(set(registry) | set(snaps)):
        what = f"snapshot version {k[1]} of unit {k[0]}"
        if k not in snaps:
            problems.append(f"{what} is registered but no audit row took it (written outside certlib)")
        elif k not in registry:
            problems.append(f"{what} of the audit log is missing from the snapshot registry (deleted outside certlib)")
        elif registry[k] != snaps[k]:
            problems.append(
                f"{what}: the registry says {registry[k]!r}, the audit log {snaps[k]!r} (edited outside certlib)"
            )
    table = {r.id: unit_state(r) for r in conn.execute(sa.select(schema.units).order_by(schema.units.c.id))}
    for uid in sorted(set(table) | set(units)):
        if uid not in units:
            problems.append(f"unit {uid} is in the units table but no audit row created it (written outside certlib)")
        elif uid not in table:
            problems.append(f"unit {uid} of the audit log is missing from the units table (deleted outside certlib)")
        else:
            for k in UNIT_FIELDS:
                if _norm(table[uid][k]) != _norm(units[uid].get(k)):
                    problems.append(
                        f"unit {uid}: {k} is {table[uid][k]!r} in the units table but {units[uid].get(k)!r} "
                        "by the audit log (edited outside certlib)"
                    )
    q = sa.select(schema.submissions).order_by(schema.submissions.c.id)
    have = {(r.unit_id, r.round, r.user_id): (r.at, r.snapshot_sha256) for r in conn.execute(q)}
    for k in sorted(set(have) | set(subs)):
        what = f"submission of {k[2]} on unit {k[0]} round {k[1]}"
        if k not in subs:
            problems.append(f"{what} is in the submissions table but not in the audit log (written outside certlib)")
        elif k not in have:
            problems.append(f"{what} of the audit log is missing from the submissions table (deleted outside certlib)")
        elif have[k] != subs[k]:
            problems.append(f"{what}: the table says {have[k]!r}, the audit log {subs[k]!r} (edited outside certlib)")
    return len(table), len(have), problems


def _norm(v: Any) -> Any:
    return "" if v is None else str(v)


def baseline(conn: sa.Connection, at: datetime) -> AuditRow | None:
    """For a store whose rows predate replay: one row recording every unit and submission as they are
    (what later rows are replayed from). Nothing when the store holds no unit and no submission."""
    units = unit_states(conn, conn.execute(sa.select(schema.units.c.id)).scalars())
    q = sa.select(schema.submissions).order_by(schema.submissions.c.id)
    subs = [
        {"unit_id": r.unit_id, "round": r.round, "user_id": r.user_id, "at": r.at, "snapshot_sha256": r.snapshot_sha256}
        for r in conn.execute(q)
    ]
    if not units and not subs:
        return None
    return append(
        conn, at=at, actor="system", action="audit baseline", details={"units": units, "submissions_recorded": subs}
    )
