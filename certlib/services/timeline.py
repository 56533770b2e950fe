"""A unit's timeline (issue 18, item 4): its audit history as who did what, when, from → to, why, and
what a submission rests on.

Why from the audit chain: it is the one record every action of the unit goes through (transitions,
snapshots, resyncs, exceptions, notes), hash-chained, so the timeline cannot disagree with it. The
event's own rows (published, extended, closed) are included: they frame the unit's story. Reading it
checks the user's scope (the unit's members and the state).

>>> [e["action"] for e in unit_timeline(ws, "ns.cert1", 13, now)][:2]     # doctest: +SKIP
['create event', 'publish event']
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from certlib.services.workspace import Workspace

#: Audit actions of the event that belong on every unit's timeline.
EVENT_ACTIONS = ("create event", "publish event", "edit event", "extend event", "close event")


def _rests_on(ws: Workspace, row: Any) -> str:
    """What a submission rests on: the pinned snapshot and the run each step cites."""
    d = row.details or {}
    parts = []
    if row.snapshot_sha256:
        version = next(
            (s.version for s in ws.store.snapshot_records(row.unit_id) if s.sha256 == row.snapshot_sha256), None
        )
        parts.append(
            f"snapshot v{version} {row.snapshot_sha256[:12]}" if version else f"snapshot {row.snapshot_sha256[:12]}"
        )
    for step, run in sorted((d.get("runs") or {}).items()):
        parts.append(f"step {step}: run {run}")
    return "; ".join(parts)


def _what(row: Any) -> str:
    d = row.details or {}
    if "exception" in d:
        key = d.get("record_key") or "whole rule"
        return f"exception #{d['exception']} {d.get('rule_id')} {key}"
    if "note" in d:
        return f"note on {d.get('rule_id')} {d.get('record_key') or ''}: {d.get('text')}".strip()
    if "version" in d:
        return f"snapshot v{d['version']}"
    if "attestation" in d:
        a = d["attestation"]
        return f"attested by {a.get('name')}" + (f", {a['title']}" if a.get("title") else "")
    if "new_round" in d:
        return f"round {d['new_round']} begins"
    return ""


def unit_timeline(ws: Workspace, user: str, unit_id: int, now: datetime) -> list[dict[str, Any]]:
    """The unit's audit rows (and its event's), oldest first, as timeline entries."""
    view = ws.store.unit_view(user, unit_id, now)  # Refused outside the user's scope
    names = {u.id: u.name for u in ws.store.users()}
    out = []
    for row in ws.store.audit_rows(event_id=view.event.id):
        if row.unit_id != unit_id and not (row.unit_id is None and row.action in EVENT_ACTIONS):
            continue
        out.append(
            {
                "at": row.at,
                "who": row.actor,
                "name": names.get(row.actor, row.actor),
                "action": row.action,
                "from": row.from_status or "",
                "to": row.to_status or "",
                "reason": row.reason or "",
                "round": (row.details or {}).get("round"),
                "what": _what(row),
                "rests_on": _rests_on(ws, row) if row.action == "submit" else "",
                "audit_row": row.id,
            }
        )
    return out
