"""Keeping certification categories current (design §3.4): who may add, change and remove members,
and what a membership may be — declared as tables, checked purely.

State users manage the categories with their event-management rights: adding a member needs
**add**, changing a member's role / primary flag / schools needs **write**, removing one needs
**delete**. A district or school user never manages members. A membership is valid when the role
fits the user's level (state: approver/reviewer; district/school: certifier/reviewer), only
certifiers are primary, state memberships name no schools, and a school-level user is scoped to
their own school. Removing a member leaves their submissions as they were (the store never deletes
a submission).

>>> from certlib.domain.entities import User
>>> admin = User("sa", "Admin", "state", rights=frozenset({"read", "write"}))
>>> member_refusal("add", admin)
"missing right: add member needs the state 'add' right; sa has read, write"
"""

from __future__ import annotations

from dataclasses import dataclass

from certlib.domain.entities import Membership, User


@dataclass(frozen=True)
class MemberAction:
    action: str
    label: str
    right: str  # the state event-management right it needs


MEMBER_ACTIONS: tuple[MemberAction, ...] = (
    MemberAction("add", "add member", "add"),
    MemberAction("change", "change member", "write"),
    MemberAction("remove", "remove member", "delete"),
)
BY_ACTION = {a.action: a for a in MEMBER_ACTIONS}

#: The roles a membership may have per user level.
ROLES_BY_LEVEL: dict[str, tuple[str, ...]] = {
    "state": ("approver", "reviewer"),
    "district": ("certifier", "reviewer"),
    "school": ("certifier", "reviewer"),
}


def member_refusal(action: str, actor: User) -> str | None:
    """Why ``actor`` may not ``action`` a category member, or None."""
    a = BY_ACTION.get(action)
    if a is None:
        return f"unknown member action {action!r}; one of {', '.join(BY_ACTION)}"
    if not actor.is_state:
        return f"missing right: {a.label} is the state's; {actor.id} is a {actor.level} user"
    if a.right not in actor.rights:
        has = ", ".join(sorted(actor.rights)) or "no rights"
        return f"missing right: {a.label} needs the state '{a.right}' right; {actor.id} has {has}"
    return None


def membership_problem(user: User, m: Membership) -> str | None:
    """Why ``m`` is not a valid membership of ``user`` (role for the level, primary, schools), or None."""
    allowed = ROLES_BY_LEVEL[user.level]
    if m.role not in allowed:
        return f"a {user.level} user's role is one of {', '.join(allowed)}, not {m.role!r}"
    if m.primary and m.role != "certifier":
        return "only certifiers are primary"
    if m.schools and user.is_state:
        return "state memberships are state-wide; no schools"
    if user.level == "school" and m.schools and tuple(m.schools) != (user.school_code,):
        return f"a school-level user can only be scoped to their school {user.school_code!r}"
    return None
