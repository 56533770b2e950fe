"""Bulk actions (issue 18, item 3): the state approves or sends back many units at once; a user marks
many messages read.

Why this shape: each unit is its own transaction through the store's one transition path (its own
audit row, alerts and guards), so one refused unit never half-applies or blocks the others, and the
answer is a per-unit list of accepted / refused with the reason the store gave.

>>> [r.as_dict() for r in bulk_transition(ws, "state.admin", "approve", [4, 7, 9], now)]   # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from certlib.errors import CertlibError, Refused

if TYPE_CHECKING:
    from certlib.services.workspace import Workspace

#: The bulk unit actions and the store action each runs per unit.
BULK_ACTIONS: dict[str, str] = {"approve": "approve", "request_recert": "request_recert_state"}


@dataclass(frozen=True)
class BulkOutcome:
    """One item of a bulk action: accepted (with the new status) or refused (with why)."""

    id: int
    accepted: bool
    status: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "result": "accepted" if self.accepted else "refused",
            "status": self.status or "",
            "reason": self.reason,
        }


def _why(err: CertlibError) -> str:
    return err.reason if isinstance(err, Refused) else str(err)


def bulk_transition(
    ws: Workspace, actor: str, action: str, unit_ids: Iterable[int], now: datetime, reason: str | None = None
) -> list[BulkOutcome]:
    """Run ``action`` ("approve" or "request_recert", state side) on each unit, each in its own
    transaction; returns one outcome per distinct unit, in the order given."""
    if action not in BULK_ACTIONS:
        raise Refused(f"bulk {action}", actor, None, f"unknown bulk action; one of {', '.join(BULK_ACTIONS)}")
    out = []
    for unit_id in dict.fromkeys(unit_ids):
        try:
            unit = ws.transition(
                BULK_ACTIONS[action], actor, unit_id, now, reason
            )  # approve: pinned snapshots verified
        except CertlibError as err:
            status = None
            try:
                status = str(ws.store.unit(unit_id).status)
            except CertlibError:
                pass
            out.append(BulkOutcome(unit_id, False, status, _why(err)))
        else:
            out.append(BulkOutcome(unit_id, True, str(unit.status), ""))
    return out


def mark_read(ws: Workspace, user: str, alert_ids: Iterable[int] | None = None) -> list[BulkOutcome]:
    """Mark many of ``user``'s messages read (default: every unread one); one outcome per id."""
    ids = (
        [a.id for a in ws.store.messages(user, unread_only=True)]
        if alert_ids is None
        else list(dict.fromkeys(alert_ids))
    )
    out = []
    for alert_id in ids:
        try:
            ws.store.mark_read(user, alert_id)
        except CertlibError as err:
            out.append(BulkOutcome(alert_id, False, None, _why(err)))
        else:
            out.append(BulkOutcome(alert_id, True, "read", ""))
    return out
