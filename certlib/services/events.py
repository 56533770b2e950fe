"""The events list a user sees (one row per unit), with the help article's filters and paging.

Why: the district's to-do list is "my units whose user status is Certification Incomplete or
Incomplete - Overdue"; the filters are declared as one small dataclass so the CLI and the app share
them. Rows come from the store's ``units_for`` (the domain decides who sees what and which buttons).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from certlib.store.views import UnitView


@dataclass(frozen=True)
class EventFilters:
    """Every filter of the events list; empty values do not filter."""

    name: str = ""                              # event name contains (case-insensitive)
    school: str = ""                            # school name (or code) contains
    user_status: tuple[str, ...] = ()           # any of these user statuses
    event_status: tuple[str, ...] = ()          # any of these unit ("Event") statuses
    due_after: date | None = None
    due_before: date | None = None
    reporting_year: int | None = None
    active_only: bool = False                   # hide closed events
    page: int = 1
    page_size: int = 0                          # 0 = everything

    @classmethod
    def of(cls, value: EventFilters | dict[str, Any] | None) -> EventFilters:
        if value is None:
            return cls()
        if isinstance(value, EventFilters):
            return value
        known = {k: v for k, v in value.items() if k in cls.__dataclass_fields__}
        for k in ("user_status", "event_status"):
            if isinstance(known.get(k), str):
                known[k] = (known[k],)
            elif k in known:
                known[k] = tuple(known[k])
        for k in ("due_after", "due_before"):
            if isinstance(known.get(k), str):
                known[k] = date.fromisoformat(known[k])
        return cls(**known)


@dataclass
class EventRows:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int = field(default=1)


def row_of(view: UnitView, school_names: dict[str, str], district_names: dict[str, str]) -> dict[str, Any]:
    d = view.as_dict()
    d.pop("allowed", None)
    d["school_name"] = school_names.get(view.unit.school_code or "", "")
    d["district_name"] = district_names.get(view.unit.district_number, "")
    d["reporting_year"] = view.event.reporting_year
    d["event_publication"] = str(view.event.status)
    d["actions"] = list(view.buttons)
    return d


def keep(row: dict[str, Any], f: EventFilters) -> bool:
    if f.name and f.name.lower() not in row["event_name"].lower():
        return False
    if f.school and f.school.lower() not in f"{row['school_name']} {row['school']}".lower():
        return False
    if f.user_status and row["user_status"] not in f.user_status:
        return False
    if f.event_status and row["event_status"] not in f.event_status:
        return False
    due = date.fromisoformat(row["due_date"])
    if f.due_after and due < f.due_after:
        return False
    if f.due_before and due > f.due_before:
        return False
    if f.reporting_year is not None and row["reporting_year"] != f.reporting_year:
        return False
    return not (f.active_only and row["event_publication"] == "Closed")


def filter_rows(rows: Iterable[dict[str, Any]], f: EventFilters) -> EventRows:
    """Filter, then cut page ``f.page`` of ``f.page_size`` rows."""
    kept = [r for r in rows if keep(r, f)]
    if not f.page_size:
        return EventRows(kept, len(kept), 1, 1)
    pages = max(1, -(-len(kept) // f.page_size))
    page = min(max(1, f.page), pages)
    start = (page - 1) * f.page_size
    return EventRows(kept[start:start + f.page_size], len(kept), page, pages)


def parse_due_date(text: str | None) -> date | None:
    """A unit's new due date as typed (``YYYY-MM-DD``); empty means the default (see
    :data:`certlib.domain.unit_transitions.LATE_RECERT_DAYS`). A bad date is a DataError naming it."""
    from certlib.errors import DataError

    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DataError(f"due date {text!r} is not a date (YYYY-MM-DD)") from None
