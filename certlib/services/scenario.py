"""Load the demo scenario (``sample_data/scenario/*.toml``) into a workspace.

Why: the demo must show events in every status the help article shows, and its audit chain must
verify, so nothing is written behind the store's back: people go through ``load_people``, events
through ``create_event`` / ``publish_event`` / ``close_event``, units through the same transitions a
user would trigger. A scenario "certify" takes a real, registered snapshot of the unit and puts steps
1-3 on record as history before submitting; those runs say "demo scenario history (no rules were run)"
so nobody mistakes the demo's past for a run of today's rules.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certlib.errors import DataError
from certlib.store.history import RuleCount

if TYPE_CHECKING:
    from certlib.services.workspace import Workspace


def _at(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def load_scenario(ws: Workspace, folder: Path, now: datetime) -> dict[str, int]:
    """Load ``people.toml`` then replay ``events.toml`` in time order; returns counts."""
    people = tomllib.loads((folder / "people.toml").read_text(encoding="utf-8"))
    spec = tomllib.loads((folder / "events.toml").read_text(encoding="utf-8"))
    created = _at(spec.get("created_at", now))
    ws.store.load_people(people, created)
    admin = spec["state_user"]
    actions: list[tuple[datetime, int, dict[str, Any], int]] = []
    events: dict[str, int] = {}
    for i, e in enumerate(spec.get("events", [])):
        fields = {k: v for k, v in e.items() if k != "actions"}
        event = ws.store.create_event(admin, created, **fields)
        events[event.name] = event.id
        for j, a in enumerate(e.get("actions", [])):
            actions.append((_at(a["at"]), i * 1000 + j, a, event.id))
    history = folder / "history.toml"
    if history.exists():
        for j, a in enumerate(tomllib.loads(history.read_text(encoding="utf-8")).get("actions", [])):
            event_id = events[a["event"]] if "event" in a else 0
            actions.append((_at(a["at"]), 10**6 + j, a, event_id))
    actions.sort(key=lambda x: (x[0], x[1]))
    requests: list[int] = []
    for at, _, action, event_id in actions:
        if at > now:
            continue  # the scenario's future stays unplayed when the demo's clock is earlier
        if action["action"] in HISTORY_ACTIONS:
            _play_history(ws, event_id, action, at, requests)
        else:
            _play(ws, admin, event_id, action, at)
    return {"events": len(spec.get("events", [])), "actions": len(actions)}


HISTORY_ACTIONS = ("run", "request_exception", "approve_exception", "reject_exception")
DEMO_HISTORY = "demo scenario history (no rules were run)"


def _play_history(ws: Workspace, event_id: int, a: dict[str, Any], at: datetime, requests: list[int]) -> None:
    kind, who = a["action"], a["by"]
    if kind == "run":
        unit_id = _unit_id(ws, event_id, a)
        event = ws.store.event(event_id)
        findings = {rule: list(keys) for rule, keys in a.get("findings", {}).items()}
        unknown = sorted(set(findings) - set(ws.pack.rules))
        if unknown:
            raise DataError(f"scenario history: unknown rule(s) {', '.join(unknown)} at {a['at']}")
        counts = [
            RuleCount(
                r.id,
                r.severity,
                "failed" if findings.get(r.id) else "passed",
                len(findings.get(r.id, [])),
                len(findings.get(r.id, [])),
            )
            for r in ws.pack.rules_in(list(event.groups))
        ]
        ws.store.record_run(
            unit_id,
            at,
            copy=a.get("copy", "district"),
            source=DEMO_HISTORY,
            rules=counts,
            findings=findings,
            user_id=who,
            step=1 if a.get("copy", "district") == "district" else 2,
        )
    elif kind == "request_exception":
        e = ws.exceptions.request(who, _unit_id(ws, event_id, a), a["rule"], a.get("record"), a["reason"], at)
        requests.append(e.id)
    elif kind in ("approve_exception", "reject_exception"):
        exc_id = requests[int(a["request"]) - 1]
        if kind == "approve_exception":
            expires = date.fromisoformat(str(a["expires"])) if a.get("expires") else None
            ws.exceptions.approve(who, exc_id, a["reason"], at, expires)
        else:
            ws.exceptions.reject(who, exc_id, a["reason"], at)


def _unit_id(ws: Workspace, event_id: int, action: dict[str, Any]) -> int:
    for u in ws.store.units(event_id):
        if u.district_number == action["district"] and (u.school_code or "") == action.get("school", ""):
            return u.id
    raise DataError(f"scenario: event {event_id} has no unit for {action.get('district')}/{action.get('school', '')}")


def _play(ws: Workspace, admin: str, event_id: int, a: dict[str, Any], at: datetime) -> None:
    kind, who = a["action"], a.get("as", admin)
    if kind == "publish":
        ws.store.publish_event(who, event_id, at)
    elif kind == "close":
        ws.store.close_event(who, event_id, at)
    elif kind == "certify":
        unit_id = _unit_id(ws, event_id, a)
        for user in a["by"]:
            certify_history(ws, user, unit_id, at)
    elif kind == "approve":
        ws.store.approve(who, _unit_id(ws, event_id, a), at)
    elif kind == "request_recert":
        ws.store.request_recert(who, _unit_id(ws, event_id, a), a.get("reason"), at)
    elif kind == "accept":
        ws.store.accept_request(who, _unit_id(ws, event_id, a), at)
    elif kind == "deny":
        ws.store.deny_request(who, _unit_id(ws, event_id, a), a.get("reason"), at)
    else:
        raise DataError(f"scenario: unknown action {kind!r}")


def history_steps(
    ws: Workspace, user: str, unit_id: int, at: datetime, source: str = "demo scenario history (no rules were run)"
) -> str:
    """Steps 1-3 of a past certification put on record as clean runs (labelled ``source``) over a
    real, registered snapshot; returns its SHA-256. For the demo's past and for tests of the workflow
    around the wizard, never for a user's certification."""
    snap = ws.take_snapshot(user, unit_id, at)
    for step in (1, 2, 3):
        ev = ws.store.record_evidence(
            user,
            unit_id,
            step,
            at,
            fatal_seen=False,
            error_seen=False,
            warnings=0,
            snapshot_sha256=snap.sha256 if step == 3 else None,
            source=source,
        )
        ws.store.record_progress(user, unit_id, step, "COMPLETED", at, evidence_id=ev.id)
    return snap.sha256


def certify_history(ws: Workspace, user: str, unit_id: int, at: datetime) -> None:
    """A past certification: a real snapshot, steps 1-3 on record, then the store's submit."""
    history_steps(ws, user, unit_id, at)
    ws.store.submit(user, unit_id, at)
