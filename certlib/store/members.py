"""Category members kept current from the state console and the CLI (issue 16.8): add, change (role,
primary, schools) and remove, each refused by the domain's table (:mod:`certlib.domain.members`)
naming the missing right, validated, and audited in the same transaction. Removing a member never
touches their submissions: a certification already sent rests on them.

:class:`MemberFacts` is mixed into :class:`certlib.store.Store`; it uses ``_write`` and ``_read``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from certlib.domain.entities import Membership
from certlib.domain.members import member_refusal, membership_problem
from certlib.errors import DataError, NotFound, Refused
from certlib.store import audit, rows
from certlib.store import schema as t

_UNSET: Any = object()


class MemberFacts:
    """Store methods for category members (see the module docstring)."""

    def _member_check(self, conn: sa.Connection, action: str, actor_id: str) -> None:
        actor = rows.get_user(conn, actor_id)
        why = member_refusal(action, actor)
        if why:
            raise Refused(f"{action} member", actor_id, None, why)

    @staticmethod
    def _validate(conn: sa.Connection, m: Membership) -> None:
        user = rows.get_user(conn, m.user_id)
        if conn.execute(sa.select(t.categories.c.id).where(t.categories.c.id == m.category_id)).first() is None:
            raise NotFound(f"unknown category {m.category_id!r}")
        problem = membership_problem(user, m)
        for code in m.schools:
            r = conn.execute(sa.select(t.schools.c.district_number).where(t.schools.c.code == code)).one_or_none()
            if r is None:
                problem = problem or f"unknown school {code!r}"
            elif r.district_number != user.district_number:
                problem = problem or f"school {code!r} is not in {user.id}'s district {user.district_number!r}"
        if problem:
            raise DataError(f"membership of {m.user_id} in {m.category_id}: {problem}")

    @staticmethod
    def _current(conn: sa.Connection, user_id: str, category_id: str) -> Membership:
        found = [m for m in rows.memberships_of(conn, user_id=user_id) if m.category_id == category_id]
        if not found:
            raise NotFound(f"{user_id} is not a member of category {category_id}")
        return found[0]

    @staticmethod
    def _values(m: Membership) -> dict[str, Any]:
        return {"role": m.role, "is_primary": m.primary, "schools": json.dumps(list(m.schools))}

    @staticmethod
    def _audit_details(m: Membership) -> dict[str, Any]:
        return {
            "user": m.user_id,
            "category": m.category_id,
            "role": m.role,
            "primary": m.primary,
            "schools": list(m.schools),
        }

    def add_member(self, actor_id: str, m: Membership, now: datetime) -> Membership:
        """Add ``m`` to its category (the state's **add** right)."""
        with self._write("add member", actor_id) as conn:  # type: ignore[attr-defined]
            self._member_check(conn, "add", actor_id)
            self._validate(conn, m)
            if any(x.category_id == m.category_id for x in rows.memberships_of(conn, user_id=m.user_id)):
                raise DataError(f"{m.user_id} is already a member of category {m.category_id}: change it instead")
            conn.execute(t.memberships.insert().values(user_id=m.user_id, category_id=m.category_id, **self._values(m)))
            audit.append(
                conn, at=now.isoformat(), actor=actor_id, action="member added", details=self._audit_details(m)
            )
            return m

    def change_member(
        self,
        actor_id: str,
        user_id: str,
        category_id: str,
        now: datetime,
        *,
        role: str | None = None,
        primary: bool | None = None,
        schools: tuple[str, ...] | None = None,
    ) -> Membership:
        """Change a member's role, primary flag or schools (the state's **write** right); audited with
        the membership before and after."""
        with self._write("change member", actor_id) as conn:  # type: ignore[attr-defined]
            self._member_check(conn, "change", actor_id)
            old = self._current(conn, user_id, category_id)
            new = replace(
                old,
                role=role if role is not None else old.role,  # type: ignore[arg-type]
                primary=primary if primary is not None else old.primary,
                schools=tuple(schools) if schools is not None else old.schools,
            )
            if new.role != "certifier":
                new = replace(new, primary=False)
            self._validate(conn, new)
            conn.execute(
                t.memberships.update()
                .where(t.memberships.c.user_id == user_id, t.memberships.c.category_id == category_id)
                .values(**self._values(new))
            )
            audit.append(
                conn,
                at=now.isoformat(),
                actor=actor_id,
                action="member changed",
                details={"before": self._audit_details(old), "after": self._audit_details(new)},
            )
            return new

    def remove_member(self, actor_id: str, user_id: str, category_id: str, now: datetime) -> Membership:
        """Remove a member (the state's **delete** right); their submissions stay as they were."""
        with self._write("remove member", actor_id) as conn:  # type: ignore[attr-defined]
            self._member_check(conn, "remove", actor_id)
            old = self._current(conn, user_id, category_id)
            conn.execute(
                t.memberships.delete().where(
                    t.memberships.c.user_id == user_id, t.memberships.c.category_id == category_id
                )
            )
            kept = (
                conn.execute(
                    sa.select(sa.func.count()).select_from(t.submissions).where(t.submissions.c.user_id == user_id)
                ).scalar()
                or 0
            )
            audit.append(
                conn,
                at=now.isoformat(),
                actor=actor_id,
                action="member removed",
                details={**self._audit_details(old), "submissions_kept": kept},
            )
            return old
