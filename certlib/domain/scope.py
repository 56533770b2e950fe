"""Visibility and scope: which units a user sees and acts on, and through which membership; which apps
a user may open and which rows of the state's data they may read (:func:`data_scope`).

A user sees a unit only through a category membership that matches the event's category, level and
scope (design §3.4). State members (approver/reviewer) cover every unit of their category; district
members cover their district (or the named schools); school-level users only their schools.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from certlib.domain.entities import Event, Membership, Unit, User
from certlib.domain.guards import Why
from certlib.domain.statuses import LIVE_EVENT, EventStatus

UnitRoleKind = Literal["state approver", "state reviewer", "certifier", "reviewer"]


@dataclass(frozen=True)
class UnitRole:
    """What a user is on one unit, and through which membership."""

    kind: UnitRoleKind
    primary: bool
    membership: Membership


def membership_schools(user: User, membership: Membership) -> tuple[str, ...]:
    """The schools a membership is scoped to; empty means the whole district.

    A school-level user is always confined to schools: their own school when none is named.
    """
    if membership.schools:
        return membership.schools
    if user.level == "school" and user.school_code:
        return (user.school_code,)
    return ()


def covers(user: User, membership: Membership, event: Event, unit: Unit) -> bool:
    """Does this membership of ``user`` give access to ``unit`` of ``event``?"""
    if membership.user_id != user.id or membership.category_id != event.category_id:
        return False
    if user.is_state:
        return membership.role in ("approver", "reviewer")
    if membership.role not in ("certifier", "reviewer"):
        return False
    if user.district_number != unit.district_number:
        return False
    schools = membership_schools(user, membership)
    if event.level == "district":
        return not schools  # a school-scoped member does not certify the whole district
    return not schools or unit.school_code in schools


_RANK = {"state approver": 4, "state reviewer": 3, "certifier": 2, "reviewer": 1}


def unit_role(user: User, memberships: Iterable[Membership], event: Event, unit: Unit) -> UnitRole | None:
    """The strongest role ``user`` holds on ``unit`` (approver > reviewer, certifier > reviewer), or None."""
    best: UnitRole | None = None
    for m in memberships:
        if not covers(user, m, event, unit):
            continue
        kind: UnitRoleKind
        if user.is_state:
            kind = "state approver" if m.role == "approver" else "state reviewer"
        else:
            kind = "certifier" if m.role == "certifier" else "reviewer"
        candidate = UnitRole(kind, bool(m.primary and kind == "certifier"), m)
        if best is None or (_RANK[kind], candidate.primary) > (_RANK[best.kind], best.primary):
            best = candidate
    return best


def scope_refusal(user: User, memberships: Iterable[Membership], event: Event, unit: Unit) -> str:
    """Why ``user`` has no role on ``unit``: no membership in the category at all, or one outside scope."""
    in_category = [m for m in memberships if m.user_id == user.id and m.category_id == event.category_id]
    if not in_category:
        return Why(
            f"missing right: {user.id} has no membership in category {event.category_id}",
            "You have no role in this event's category.",
        )
    where = f"school {unit.school_code}" if unit.school_code else f"district {unit.district_number}"
    return Why(
        f"outside scope: {user.id}'s membership in category {event.category_id} does not cover {where}",
        f"This {'school' if unit.school_code else 'district'} is outside the districts and schools you work with.",
    )


@dataclass(frozen=True)
class UnitMembers:
    """Who is on a unit: every district-side member, the certifiers, the primary certifiers."""

    members: frozenset[str]
    certifiers: frozenset[str]
    primaries: frozenset[str]
    state_approvers: frozenset[str]


def unit_members(users: dict[str, User], memberships: Iterable[Membership], event: Event, unit: Unit) -> UnitMembers:
    """Compute the members of ``unit`` from every membership of the event's category."""
    members: set[str] = set()
    certifiers: set[str] = set()
    primaries: set[str] = set()
    approvers: set[str] = set()
    for m in memberships:
        user = users.get(m.user_id)
        if user is None or not covers(user, m, event, unit):
            continue
        if user.is_state:
            if m.role == "approver":
                approvers.add(user.id)
            continue
        members.add(user.id)
        if m.role == "certifier":
            certifiers.add(user.id)
            if m.primary:
                primaries.add(user.id)
    return UnitMembers(frozenset(members), frozenset(certifiers), frozenset(primaries), frozenset(approvers))


def sees_event(user: User, memberships: Iterable[Membership], event: Event, units: Iterable[Unit]) -> bool:
    """State users see every event (unpublished ones too); others only published/closed events with a
    unit they cover."""
    if user.is_state:
        return True
    if event.status not in LIVE_EVENT and event.status != EventStatus.CLOSED:
        return False
    ms = list(memberships)
    return any(unit_role(user, ms, event, u) is not None for u in units)


# ---------------------------------------------------------------------------------------------
# What a signed-in person may read in the apps: which apps, and which rows of the state's data
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataScope:
    """The rows of the state's data a user may read: every row (``everything``), one district's,
    some schools of one district's, or nothing (``district_number`` None and not ``everything``).

    >>> data_scope(User("sa", "Sam", "state")).everything
    True
    >>> data_scope(User("nc", "Nora", "district", "1071")).as_filter()
    {'district_number': '1071'}
    >>> data_scope(User("hs", "Hope", "school", "9604", "0688")).covers("9604", "8816")
    False
    >>> data_scope(User("x", "No org", "district")).covers("1071", None)
    False
    """

    everything: bool
    district_number: str | None = None
    school_codes: tuple[str, ...] = ()

    @property
    def nothing(self) -> bool:
        return not self.everything and self.district_number is None

    def as_filter(self) -> dict[str, str]:
        """The scope as the engine's scan filter (``{}`` for everything). A scope of several schools
        filters the district only: use :meth:`covers` (or the frames' school column) for the rest."""
        if self.everything or self.district_number is None:
            return {}
        out = {"district_number": self.district_number}
        if len(self.school_codes) == 1:
            out["school_code"] = self.school_codes[0]
        return out

    def covers(self, district_number: str | None, school_code: str | None = None) -> bool:
        """Whether a row of ``district_number`` (and ``school_code``, None for district-wide rows)
        is inside the scope. A school-scoped user does not see district-wide rows."""
        if self.everything:
            return True
        if self.district_number is None or district_number != self.district_number:
            return False
        return not self.school_codes or school_code in self.school_codes

    def describe(self) -> str:
        if self.everything:
            return "every district"
        if self.district_number is None:
            return "no data"
        schools = f", school {', '.join(self.school_codes)}" if self.school_codes else ""
        return f"district {self.district_number}{schools}"


def data_scope(user: User) -> DataScope:
    """What ``user`` may read of the state's data: state users everything; district users their
    district; school users their school; anyone without an organisation nothing."""
    if user.is_state:
        return DataScope(True)
    if not user.district_number:
        return DataScope(False)
    if user.level == "school":
        return DataScope(False, user.district_number, (user.school_code,) if user.school_code else ("",))
    return DataScope(False, user.district_number)


AppName = Literal["home", "dashboard", "certify", "rule_lab", "state_console"]

#: which levels of user may open each app (what they see inside is further limited by :func:`data_scope`)
APP_ACCESS: dict[str, frozenset[str]] = {
    "home": frozenset({"state", "district", "school"}),
    "dashboard": frozenset({"state", "district", "school"}),
    "certify": frozenset({"state", "district", "school"}),
    "rule_lab": frozenset({"state", "district", "school"}),
    "state_console": frozenset({"state"}),
}


def app_refusal(user: User, app: str) -> str:
    """Why ``user`` may not open ``app`` ("" when they may). An app not in :data:`APP_ACCESS` is closed."""
    levels = APP_ACCESS.get(app)
    if levels is None:
        return f"unknown app {app!r}"
    if user.level in levels:
        return ""
    who = " or ".join(sorted(levels))
    return f"this app is for {who} users; {user.id} is a {user.level} user"
