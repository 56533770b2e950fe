"""Visibility and scope (design §3.4): a user sees a unit only through a matching membership."""

from __future__ import annotations

from dataclasses import replace

from certlib.domain import Unit, sees_event, unit_members, unit_role
from certlib.domain.statuses import EventStatus

from .conftest import EVENT, MEMBERSHIPS, UNIT, USERS

SCHOOL_EVENT = replace(EVENT, level="school")
U0588 = Unit(10, 7, "1071", "0588")
U0600 = Unit(11, 7, "1071", "0600")


def role(user, event, unit):
    r = unit_role(USERS[user], MEMBERSHIPS, event, unit)
    return None if r is None else (r.kind, r.primary)


def test_roles_on_a_district_unit():
    assert role("sa", EVENT, UNIT) == ("state approver", False)
    assert role("sr", EVENT, UNIT) == ("state reviewer", False)
    assert role("c1", EVENT, UNIT) == ("certifier", True)
    assert role("cs", EVENT, UNIT) == ("certifier", False)
    assert role("r1", EVENT, UNIT) == ("reviewer", False)
    assert role("other", EVENT, UNIT) is None  # other district
    assert role("school", EVENT, UNIT) is None  # school-scoped: not the district unit
    assert role("nobody", EVENT, UNIT) is None  # other category


def test_roles_on_school_units():
    assert role("school", SCHOOL_EVENT, U0588) == ("certifier", True)
    assert role("school", SCHOOL_EVENT, U0600) is None
    assert role("c1", SCHOOL_EVENT, U0600) == ("certifier", True)  # district-wide covers every school


def test_unit_members_and_primaries():
    m = unit_members(USERS, MEMBERSHIPS, EVENT, UNIT)
    assert m.primaries == {"c1", "c2"}
    assert m.certifiers == {"c1", "c2", "cs"}
    assert m.members == {"c1", "c2", "cs", "r1"}
    assert m.state_approvers == {"sa"}
    assert unit_members(USERS, MEMBERSHIPS, SCHOOL_EVENT, U0588).primaries == {"c1", "c2", "school"}


def test_event_visibility():
    unpublished = replace(EVENT, status=EventStatus.UNPUBLISHED)
    assert sees_event(USERS["sa"], MEMBERSHIPS, unpublished, [])
    assert not sees_event(USERS["c1"], MEMBERSHIPS, unpublished, [UNIT])
    assert sees_event(USERS["c1"], MEMBERSHIPS, EVENT, [UNIT])
    assert not sees_event(USERS["other"], MEMBERSHIPS, EVENT, [UNIT])
    assert sees_event(USERS["r1"], MEMBERSHIPS, replace(EVENT, status=EventStatus.CLOSED), [UNIT])
