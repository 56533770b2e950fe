"""Polars frames of a workspace for the analyst dashboard: units, members' statuses, findings.

Why: the dashboard charts "how far along is every district and school, who is overdue, which rules
fail where" from three flat frames; building them here keeps the app free of store walks. Findings
are the rule counts of each unit's latest COMPLETED state-validation (or snapshot) job — the state's
own view of the unit's data — so a unit with no such job has no findings yet.

>>> f = dashboard_frames(ws, today=date(2025, 7, 1))                 # doctest: +SKIP
>>> f["units"].group_by("unit_status").len()                          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from certlib.domain.entities import User
from certlib.domain.scope import DataScope, data_scope
from certlib.domain.statuses import UnitStatus
from certlib.errors import Refused
from certlib.services.jobs import COMPLETED

if TYPE_CHECKING:
    from certlib.services.workspace import Workspace

UNITS: dict[str, Any] = {
    "event_id": pl.Int64,
    "event": pl.String,
    "school_year": pl.Int64,
    "category": pl.String,
    "level": pl.String,
    "event_status": pl.String,
    "due_date": pl.Date,
    "unit_id": pl.Int64,
    "district_number": pl.String,
    "district_name": pl.String,
    "school_code": pl.String,
    "school_name": pl.String,
    "unit_status": pl.String,
    "sent_at": pl.Datetime("us"),
    "approved_at": pl.Datetime("us"),
}
USERS: dict[str, Any] = {
    "unit_id": pl.Int64,
    "user_id": pl.String,
    "user_name": pl.String,
    "role": pl.String,
    "user_status": pl.String,
}
FINDINGS: dict[str, Any] = {
    "unit_id": pl.Int64,
    "district_number": pl.String,
    "school_code": pl.String,
    "school_name": pl.String,
    "rule_id": pl.String,
    "severity": pl.String,
    "count": pl.Int64,
}
SENT, APPROVED = UnitStatus.SENT.value, UnitStatus.APPROVED.value


def _ts(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).replace(tzinfo=None) if value else None


def _status_times(ws: Workspace, event_id: int) -> tuple[dict[int, str], dict[int, str]]:
    """When each unit of an event was last sent to / approved by the state (from the audit chain)."""
    sent: dict[int, str] = {}
    approved: dict[int, str] = {}
    for a in ws.store.audit_rows(event_id=event_id):
        if a.unit_id is None:
            continue
        if a.to_status == SENT:
            sent[a.unit_id] = a.at
        elif a.to_status == APPROVED:
            approved[a.unit_id] = a.at
        elif a.to_status in ("Recertification In Progress", "In Progress"):
            sent.pop(a.unit_id, None)
            approved.pop(a.unit_id, None)
    return sent, approved


def unit_rows(ws: Workspace, now: datetime) -> list[dict[str, Any]]:
    """One row per unit of every published (or closed) event a state reader sees."""
    reader = next((u for u in ws.store.users() if u.level == "state" and "read" in u.rights), None)
    if reader is None:
        return []
    districts = {d.number: d.name for d in ws.store.districts()}
    schools = {s.code: s.name for s in ws.store.schools()}
    rows = []
    for view in sorted(ws.store.events_for(reader.id, now), key=lambda v: v.event.id):
        e = view.event
        if str(e.status) == "Unpublished":
            continue
        sent, approved = _status_times(ws, e.id)
        for u in sorted(ws.store.units(e.id), key=lambda u: u.id):
            rows.append(
                {
                    "event_id": e.id,
                    "event": e.name,
                    "school_year": e.reporting_year,
                    "category": e.category_id,
                    "level": e.level,
                    "event_status": str(e.status),
                    "due_date": u.due(e),
                    "unit_id": u.id,
                    "district_number": u.district_number,
                    "district_name": districts.get(u.district_number),
                    "school_code": u.school_code or None,
                    "school_name": schools.get(u.school_code or ""),
                    "unit_status": str(u.status),
                    "sent_at": _ts(sent.get(u.id) or approved.get(u.id)),
                    "approved_at": _ts(approved.get(u.id)),
                }
            )
    return rows


def member_rows(ws: Workspace, now: datetime) -> list[dict[str, Any]]:
    """One row per (district/school member, unit they see) with the derived user status."""
    rows = []
    for user in sorted(ws.store.users(), key=lambda u: u.id):
        if user.level == "state":
            continue
        for v in ws.store.units_for(user.id, now):
            rows.append(
                {
                    "unit_id": v.unit.id,
                    "user_id": user.id,
                    "user_name": user.name,
                    "role": v.role or "",
                    "user_status": str(v.user_status),
                }
            )
    return sorted(rows, key=lambda r: (r["unit_id"], r["user_id"]))


def finding_rows(ws: Workspace, units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rule counts of each unit's latest COMPLETED state-validation or snapshot job."""
    latest: dict[int, Any] = {}
    for job in ws.queue.list(status=COMPLETED):  # newest first
        if job.unit_id is not None and job.unit_id not in latest and job.result and "findings" in job.result:
            latest[job.unit_id] = job
    rows = []
    for u in units:
        job = latest.get(u["unit_id"])
        for r in job.result["findings"] if job else []:
            rows.append(
                {
                    "unit_id": u["unit_id"],
                    "district_number": u["district_number"],
                    "school_code": u["school_code"],
                    "school_name": u["school_name"],
                    "rule_id": r["rule_id"],
                    "severity": r["severity"],
                    "count": int(r["count"]),
                }
            )
    return rows


def in_scope(units: list[dict[str, Any]], scope: DataScope | None) -> list[dict[str, Any]]:
    """The unit rows inside ``scope`` (all of them when ``scope`` is None: a caller with no viewer,
    such as the CLI's state-wide commands)."""
    if scope is None:
        return units
    return [u for u in units if scope.covers(u["district_number"], u["school_code"])]


def dashboard_frames(ws: Workspace, today: date | None = None, viewer: User | None = None) -> dict[str, pl.DataFrame]:
    """``{"units", "users", "findings"}`` as polars frames (schemas :data:`UNITS`, :data:`USERS`, :data:`FINDINGS`).

    With a ``viewer`` every frame holds only the units inside their data scope
    (:func:`certlib.domain.scope.data_scope`: a district user sees their district, state users all).
    """
    now = datetime.combine(today, time(12)) if today is not None else ws.now()
    units = in_scope(unit_rows(ws, now), None if viewer is None else data_scope(viewer))
    ids = {u["unit_id"] for u in units}
    return {
        "units": pl.DataFrame(units, schema=UNITS),
        "users": pl.DataFrame([m for m in member_rows(ws, now) if m["unit_id"] in ids], schema=USERS),
        "findings": pl.DataFrame(finding_rows(ws, units), schema=FINDINGS),
    }


@dataclass(frozen=True)
class LatestReport:
    """A unit's latest report: the job it came from and its files by format; ``html`` reads the page."""

    job_id: int
    title: str
    kind: str
    finished_at: str | None
    files: dict[str, str]

    @property
    def html(self) -> str | None:
        path = self.files.get("html")
        return Path(path).read_text(encoding="utf-8") if path and Path(path).exists() else None


def latest_report(ws: Workspace, unit_id: int, viewer: User | None = None) -> LatestReport | None:
    """The unit's latest COMPLETED state-validation or snapshot report, or None. With a ``viewer``, a
    unit outside their data scope is refused (:class:`certlib.errors.Refused`)."""
    if viewer is not None:
        unit = ws.unit(unit_id)
        if not data_scope(viewer).covers(unit.district_number, unit.school_code or None):
            raise Refused(
                "view report",
                viewer.id,
                None,
                f"outside scope: unit {unit_id} is not in {data_scope(viewer).describe()}",
            )
    for job in ws.queue.list(unit_id=unit_id, status=COMPLETED):  # newest first
        files = (job.result or {}).get("reports") or {}
        if files:
            return LatestReport(job.id, job.title, job.kind, job.finished_at, dict(sorted(files.items())))
    return None
