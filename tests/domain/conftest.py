"""Builders for pure domain tests: a district event, its unit, and contexts for each kind of actor."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from certlib.domain import (
    Event,
    Membership,
    Progress,
    StepStatus,
    Unit,
    UnitContext,
    UnitStatus,
    User,
    unit_role,
)
from certlib.domain.statuses import EventStatus

NOW = datetime(2025, 7, 1, 9, 0)
EVENT = Event(
    id=7,
    name="EOY Attendance",
    reporting_year=2025,
    category_id="ATT",
    level="district",
    groups=("End of Year Attendance",),
    start_date=date(2025, 6, 1),
    certification_opens=date(2025, 6, 10),
    end_date=date(2025, 7, 31),
    status=EventStatus.PUBLISHED,
)
UNIT = Unit(id=3, event_id=7, district_number="1071", school_code=None)

USERS = {
    "sa": User("sa", "State Approver", "state", rights=frozenset({"read", "write", "add", "delete"})),
    "sr": User("sr", "State Reviewer", "state", rights=frozenset({"read"})),
    "c1": User("c1", "Cert 1", "district", "1071"),
    "c2": User("c2", "Cert 2", "district", "1071"),
    "cs": User("cs", "Secondary", "district", "1071"),
    "r1": User("r1", "Reviewer", "district", "1071"),
    "other": User("other", "Other district", "district", "2002"),
    "school": User("school", "School cert", "school", "1071", "0588"),
    "nobody": User("nobody", "No membership", "district", "1071"),
}
MEMBERSHIPS = (
    Membership("sa", "ATT", "approver"),
    Membership("sr", "ATT", "reviewer"),
    Membership("c1", "ATT", "certifier", primary=True),
    Membership("c2", "ATT", "certifier", primary=True),
    Membership("cs", "ATT", "certifier", primary=False),
    Membership("r1", "ATT", "reviewer"),
    Membership("other", "ATT", "certifier", primary=True),
    Membership("school", "ATT", "certifier", primary=True, schools=("0588",)),
    Membership("nobody", "SPED", "certifier", primary=True),
)
PRIMARIES = frozenset({"c1", "c2"})
SHA = "ab" * 32


def completed_steps(user: str, round_: int = 1, **facts) -> dict[int, Progress]:
    return {
        s: Progress(
            user,
            UNIT.id,
            round_,
            s,
            StepStatus.COMPLETED,
            snapshot_sha256=SHA if s == 3 else None,
            **{"evidence_id": s, "data_generation": 0, **facts},
        )
        for s in (1, 2, 3)
    }


def make_ctx(
    actor: str,
    status: UnitStatus = UnitStatus.IN_PROGRESS,
    *,
    submitted=(),
    progress=None,
    reason: str | None = "because",
    now: datetime = NOW,
    event: Event = EVENT,
    unit: Unit | None = None,
    snapshots: tuple[str, ...] | None = None,
    **unit_changes,
) -> UnitContext:
    user = USERS[actor]
    u = replace(unit or UNIT, status=status, **unit_changes)
    mine = tuple(m for m in MEMBERSHIPS if m.user_id == actor)
    return UnitContext(
        actor=user,
        event=event,
        unit=u,
        role=unit_role(user, mine, event, u),
        memberships=mine,
        primaries=PRIMARIES,
        submitted=frozenset(submitted),
        progress=completed_steps(actor) if progress is None else progress,
        now=now,
        reason=reason,
        snapshots=(SHA,) if snapshots is None else snapshots,
    )


@pytest.fixture
def ctx_for():
    return make_ctx
