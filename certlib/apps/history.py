"""What the apps show of issue 18: findings since the previous run, exceptions and notes, bulk actions,
a unit's timeline and the trend of open errors. Typed functions over the workspace's services; the
notebooks lay them out and wire the buttons (the decisions are the store's).

>>> rows, line = findings_rows(wiz)                                   # doctest: +SKIP
>>> series, due = trend(ws, viewer, event_id=6, by="district")       # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import polars as pl

from certlib.apps.common import Outcome, refusal_text
from certlib.errors import CertlibError
from certlib.services.history import trend_series

TIMELINE_COLUMNS = ("at", "who", "action", "from", "to", "reason", "what", "rests_on")
EXCEPTION_COLUMNS = (
    "id",
    "status",
    "in_force",
    "event",
    "district",
    "school",
    "rule_id",
    "severity",
    "record_key",
    "requested_by",
    "request_reason",
    "decided_by",
    "decision_reason",
    "expires_on",
)
CHANGES = ("new", "still there", "fixed", "unknown")


def findings_rows(wiz) -> tuple[list[dict[str, Any]], str]:
    """The fatal and warning findings of the user's unit's latest district and state runs (copy, rule,
    severity, record key, change since the previous run of that copy) and a one-line summary per copy
    (info rules are listings to review, not findings to except)."""
    severity = {c.rule_id: c.severity for r in wiz.store.runs(wiz.unit_id) for c in r.rules}
    rows = [
        {"copy": copy, "severity": severity.get(c.rule_id, ""), **c.as_dict()}
        for copy in ("district", "state")
        for c in wiz.changes(copy)
        if severity.get(c.rule_id) in ("fatal", "warning")
    ]
    parts = []
    for copy in ("district", "state"):
        counts = {k: sum(1 for r in rows if r["copy"] == copy and r["change"] == k) for k in CHANGES}
        if any(counts.values()):
            parts.append(f"**{copy}** copy: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return rows, " · ".join(parts)


def open_findings(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The findings one may ask an exception for or note (not the fixed ones)."""
    return [r for r in rows if r["change"] != "fixed"]


def exception_rows(
    ws, user: str, now: dt.datetime, unit_id: int | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    return [{k: e[k] for k in EXCEPTION_COLUMNS} for e in ws.exceptions.list(user, now, unit_id, status)]


def ask_or_note(
    ws, user: str, unit_id: int, picked: Iterable[dict[str, Any]], action: str, text: str, now: dt.datetime
) -> Outcome:
    """Ask the state for an exception on (``action="request"``) or note (``"note"``) each picked finding;
    one line per finding, refused ones with the store's reason."""
    done, refused = [], []
    for r in picked:
        try:
            if action == "request":
                e = ws.exceptions.request(user, unit_id, r["rule_id"], r["record_key"], text, now)
                done.append(f"exception #{e.id} requested for {r['rule_id']} {r['record_key']}")
            else:
                ws.exceptions.note(user, unit_id, r["rule_id"], text, now, r["record_key"])
                done.append(f"note added on {r['rule_id']} {r['record_key']}")
        except CertlibError as err:
            refused.append(refusal_text(err))
    if not done and not refused:
        refused.append("select one or more findings first")
    return Outcome(not refused, "\n".join(f"- {x}" for x in done + refused))


def decide(
    ws, user: str, picked: list[dict[str, Any]] | None, action: str, reason: str, expires: str, now: dt.datetime
) -> Outcome:
    """Approve (until ``expires``, an ISO date or blank) or reject the picked exception request."""
    if not picked:
        return Outcome(False, "select a request first")
    try:
        until = dt.date.fromisoformat(expires.strip()) if expires and expires.strip() else None
    except ValueError:
        return Outcome(False, f"expiry {expires!r} is not a date (YYYY-MM-DD)")
    try:
        if action == "approve":
            e = ws.exceptions.approve(user, picked[0]["id"], reason, now, until)
        else:
            e = ws.exceptions.reject(user, picked[0]["id"], reason, now)
    except CertlibError as err:
        return Outcome(False, refusal_text(err))
    return Outcome(True, f"exception #{e.id} {e.status}", e)


def bulk_unit_rows(ws, user: str, now: dt.datetime, event_id: int) -> list[dict[str, Any]]:
    return [
        {
            "unit_id": v.unit.id,
            "district": v.unit.district_number,
            "school": v.unit.school_code or "",
            "status": str(v.unit.status),
            "round": v.unit.round,
        }
        for v in ws.units_for(user, now, event_id)
    ]


def bulk(
    ws, user: str, action: str, picked: Iterable[dict[str, Any]] | None, reason: str | None, now: dt.datetime
) -> tuple[str, list[dict[str, Any]]]:
    """Run a bulk unit action on the picked rows; (summary line, per-unit rows)."""
    rows = [o.as_dict() for o in ws.bulk(user, action, [r["unit_id"] for r in picked or []], now, reason or None)]
    ok = sum(r["result"] == "accepted" for r in rows)
    return f"**Bulk {action.replace('_', ' ')}:** {ok} accepted, {len(rows) - ok} refused", rows


def attestation_md(ws, user: str) -> str:
    """What a certifier attests to on submit: the deployment's statement and their name."""
    from certlib.config import settings

    return (
        f"> {settings().attestation}\n\nSubmitting records this statement with your name "
        f"(**{ws.user(user).name}**) and title."
    )


def timeline_rows(ws, user: str, unit_id: int, now: dt.datetime) -> list[dict[str, Any]]:
    return [{k: r[k] for k in TIMELINE_COLUMNS} for r in ws.timeline(user, unit_id, now)]


def trend(ws, viewer, event_id: int | None = None, by: str = "district") -> tuple[pl.DataFrame, dt.date | None]:
    """Open errors per day and district (or rule) over the units ``viewer`` sees (of one event when
    given), and that event's due date — for :func:`certlib.apps.charts.trend_lines`."""
    now = ws.now()
    uid = viewer if isinstance(viewer, str) else viewer.id
    units = [v.unit.id for v in ws.units_for(uid, now, event_id)]
    series = trend_series(ws.history.trend(units), by=by, event_id=event_id)
    due = ws.store.event(event_id).end_date if event_id is not None else None
    return series, due


def trend_events(ws, viewer) -> dict[str, int]:
    """Events with run history among the viewer's units (label → id), the event with the most runs
    first (then by id), for the trend's event picker."""
    now = ws.now()
    uid = viewer if isinstance(viewer, str) else viewer.id
    views = {v.unit.id: v for v in ws.units_for(uid, now)}
    runs: dict[int, int] = {}
    labels: dict[int, str] = {}
    for r in ws.store.runs(list(views)):
        event = views[r.unit_id].event
        runs[event.id] = runs.get(event.id, 0) + 1
        labels[event.id] = f"{event.name} (event {event.id})"
    return {labels[e]: e for e in sorted(runs, key=lambda e: (-runs[e], e))}
