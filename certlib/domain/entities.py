"""The entities of the certification workflow as frozen dataclasses: plain data, no I/O.

The store reads and writes these; the transition tables and scope rules are pure functions of them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from certlib.domain.statuses import EventStatus, StepStatus, UnitStatus
from certlib.errors import DataError

Level = Literal["state", "district", "school"]
EventLevel = Literal["district", "school"]
Role = Literal["reviewer", "certifier", "approver"]
Right = Literal["read", "write", "add", "delete"]

LEVELS: tuple[str, ...] = ("state", "district", "school")
EVENT_LEVELS: tuple[str, ...] = ("district", "school")
ROLES: tuple[str, ...] = ("reviewer", "certifier", "approver")
RIGHTS: tuple[str, ...] = ("read", "write", "add", "delete")

#: Event fields a state user may edit (the rest is identity/workflow data).
EDITABLE_EVENT_FIELDS: tuple[str, ...] = (
    "name",
    "reporting_year",
    "category_id",
    "level",
    "groups",
    "start_date",
    "certification_opens",
    "end_date",
    "districts",
)


@dataclass(frozen=True)
class District:
    number: str
    name: str


@dataclass(frozen=True)
class School:
    code: str
    district_number: str
    name: str


@dataclass(frozen=True)
class Category:
    """A certification category (Attendance, Special Ed/504...): an area of responsibility with members."""

    id: str
    name: str


@dataclass(frozen=True)
class User:
    """A person. State users carry event-management ``rights``; district/school users carry their org."""

    id: str
    name: str
    level: Level
    district_number: str | None = None
    school_code: str | None = None
    rights: frozenset[str] = frozenset()

    @property
    def is_state(self) -> bool:
        return self.level == "state"


@dataclass(frozen=True)
class Membership:
    """A user's role in one category.

    State users are ``approver`` or ``reviewer`` state-wide. District/school users are ``certifier``
    (``primary`` or secondary) or ``reviewer``, scoped to their whole district (``schools`` empty)
    or to the named schools.
    """

    user_id: str
    category_id: str
    role: Role
    primary: bool = False
    schools: tuple[str, ...] = ()


@dataclass(frozen=True)
class Event:
    """A certification event. The fields are what districts see; ``draft`` holds edits made to a
    published event that are not yet published (status ``Unpublished Changes``)."""

    id: int
    name: str
    reporting_year: int
    category_id: str
    level: EventLevel
    groups: tuple[str, ...]
    start_date: date
    certification_opens: date
    end_date: date
    status: EventStatus = EventStatus.UNPUBLISHED
    districts: tuple[str, ...] = ()  # empty = every district of the state
    draft: dict[str, Any] | None = None
    created_by: str | None = None

    def with_draft(self) -> Event:
        """The event as the state is editing it (draft applied)."""
        if not self.draft:
            return self
        return replace(self, **_coerce_fields(self.draft), draft=None)

    def details(self) -> dict[str, Any]:
        """The editable fields as plain JSON-able values."""
        return {k: json_value(getattr(self, k)) for k in EDITABLE_EVENT_FIELDS}


@dataclass(frozen=True)
class Unit:
    """One (event, district) or (event, school): the thing that gets certified, in rounds."""

    id: int
    event_id: int
    district_number: str
    school_code: str | None
    status: UnitStatus = UnitStatus.IN_PROGRESS
    round: int = 1
    status_before_request: UnitStatus | None = None  # where a denied district request returns to
    requested_by: str | None = None  # the certifier whose recertification request is pending
    data_generation: int = 0  # resyncs of its state data so far (runs and snapshots of older data back nothing)
    due_date: date | None = None  # its own due date (a late recertification); None: the event's end date

    def due(self, event: Event) -> date:
        """The unit's due date: its own (given when a recertification began after the event's due date),
        else the event's end date."""
        return self.due_date or event.end_date


@dataclass(frozen=True)
class Progress:
    """One user's wizard step in one unit and round, with the facts the submit guard checks."""

    user_id: str
    unit_id: int
    round: int
    step: int  # 1..3
    status: StepStatus = StepStatus.NOT_STARTED
    fatal_seen: bool = False
    error_seen: bool = False
    warnings: int = 0
    warnings_acknowledged: bool = False
    snapshot_sha256: str | None = None
    updated_at: str | None = None
    evidence_id: int | None = None  # the validation run on record that backs this step (store.record_evidence)
    data_generation: int | None = None  # the unit's data generation that run read (steps 2-3)


@dataclass(frozen=True)
class Evidence:
    """A validation run on record that a wizard step may cite: what ran, for whom, and what it found.

    Why: the submit guard must rest on runs the services recorded when they ran the rules, not on a
    step status the caller reports; step 3's run also names a snapshot from the store's registry.
    """

    id: int
    unit_id: int
    round: int
    user_id: str
    step: int  # 1 district data, 2 state data, 3 snapshot
    fatal_seen: bool
    error_seen: bool
    warnings: int
    snapshot_sha256: str | None
    source: str  # what was validated: the report file, "job 12 ...", "snapshot v3"
    at: str
    data_generation: int = 0  # the unit's data generation when the run read the state copy


@dataclass(frozen=True)
class SnapshotRecord:
    """A snapshot version registered by the snapshot service when it was written (sha256 of its content)."""

    unit_id: int
    version: int
    sha256: str
    taken_by: str
    taken_at: str
    data_generation: int = 0  # the unit's data generation when the files were copied


@dataclass(frozen=True)
class Submission:
    """A certifier's "Submit Certification to State" in one round, pinning the snapshot hash."""

    unit_id: int
    round: int
    user_id: str
    at: str
    snapshot_sha256: str | None


@dataclass(frozen=True)
class Alert:
    """A Message Center process alert."""

    id: int
    user_id: str
    process: str
    text: str
    posted_at: str
    due_date: date | None
    required: bool
    read: bool
    kind: str
    event_id: int | None = None
    unit_id: int | None = None


def json_value(value: Any) -> Any:
    """A field value as JSON holds it (dates as ISO strings, tuples as lists): audit details, event rows."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def parse_date(value: str, name: str) -> date:
    """An ISO date given as text (``2025-07-01``); anything else is a :class:`DataError` naming the field."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise DataError(f"{name}={value!r} is not a date; use the ISO form, e.g. 2025-07-01") from None


def parse_year(value: Any) -> int:
    """A reporting year (2025 means 2024-25): a whole number from 1900 to 9999."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    if not 1900 <= year <= 9999:
        raise DataError(f"reporting_year={value!r} is not a year (a whole number such as 2025)")
    return year


def _coerce_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Turn JSON-ish event field values (ISO strings, lists) into the dataclass types."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if key in ("start_date", "certification_opens", "end_date") and isinstance(value, str):
            value = parse_date(value, key)
        elif key in ("groups", "districts") and value is not None:
            value = tuple(value)
        elif key == "reporting_year" and value is not None:
            value = parse_year(value)
        out[key] = value
    return out


def coerce_event_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Public form of the coercion, used by the store and CLI when they accept edits."""
    return _coerce_fields(values)
