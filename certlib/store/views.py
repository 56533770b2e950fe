"""Read models returned to the faces: a unit or event as one user sees it, with the derived user status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from certlib.domain.entities import Event, Unit
from certlib.domain.guards import ActionCheck
from certlib.domain.statuses import UserStatus


@dataclass(frozen=True)
class UnitView:
    unit: Unit
    event: Event
    role: str | None  # "certifier", "reviewer", "state approver", "state reviewer", "state (read)"
    primary: bool
    user_status: UserStatus
    buttons: tuple[str, ...]
    submitted: frozenset[str] = frozenset()
    primaries: frozenset[str] = frozenset()
    allowed: tuple[ActionCheck, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit.id,
            "event_id": self.event.id,
            "event_name": self.event.name,
            "district": self.unit.district_number,
            "school": self.unit.school_code or "",
            "user_status": str(self.user_status),
            "event_status": str(self.unit.status),
            "due_date": self.unit.due(self.event).isoformat(),
            "round": self.unit.round,
            "role": self.role or "",
            "primary": self.primary,
            "buttons": list(self.buttons),
            "submitted": sorted(self.submitted),
            "primaries": sorted(self.primaries),
            "allowed": [a.as_dict() for a in self.allowed],
        }


@dataclass(frozen=True)
class EventView:
    event: Event
    unit_counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        e = self.event
        return {
            "id": e.id,
            "name": e.name,
            "status": str(e.status),
            "reporting_year": e.reporting_year,
            "category": e.category_id,
            "level": e.level,
            "groups": list(e.groups),
            "start_date": e.start_date.isoformat(),
            "certification_opens": e.certification_opens.isoformat(),
            "end_date": e.end_date.isoformat(),
            "districts": list(e.districts),
            "draft": e.draft,
            "units": dict(sorted(self.unit_counts.items())),
        }
