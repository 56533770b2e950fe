"""Loading districts, schools, categories, users and memberships from a dict (or a TOML file).

The shape (TOML)::

    [[districts]]   number = "1071", name = "North Star"
    [[schools]]     code = "0588", district = "1071", name = "North Star 7-8"
    [[categories]]  id = "ATT", name = "Attendance"
    [[users]]       id = "sa", name = "State Approver", level = "state", rights = ["read", "write", "add", "delete"]
    [[users]]       id = "c1", name = "Cert One", level = "district", district = "1071"
    [[memberships]] user = "c1", category = "ATT", role = "certifier", primary = true, schools = []

Every entry is checked; a bad one raises DataError naming its section, position and field, and
nothing is written (the caller's transaction rolls back).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from certlib.domain.entities import LEVELS, RIGHTS
from certlib.domain.names import check_code, check_user_id
from certlib.errors import DataError
from certlib.store import schema as t


def _need(entry: dict[str, Any], key: str, where: str) -> Any:
    value = entry.get(key)
    if value in (None, ""):
        raise DataError(f"{where}: missing field {key!r}")
    return value


def _exists(conn: sa.Connection, table: sa.Table, col: str, value: Any) -> bool:
    return conn.execute(sa.select(table.c[col]).where(table.c[col] == value)).first() is not None


def load(conn: sa.Connection, data: dict[str, Any]) -> dict[str, int]:
    """Insert everything in ``data`` in dependency order; returns counts per section."""
    counts = {"districts": 0, "schools": 0, "categories": 0, "users": 0, "memberships": 0}
    for i, d in enumerate(data.get("districts", [])):
        where = f"districts[{i}]"
        number = check_code(_need(d, "number", where), "district number", where)
        conn.execute(t.districts.insert().values(number=number, name=_need(d, "name", where)))
        counts["districts"] += 1
    for i, s in enumerate(data.get("schools", [])):
        where = f"schools[{i}]"
        district = str(_need(s, "district", where))
        if not _exists(conn, t.districts, "number", district):
            raise DataError(f"{where}: unknown district {district!r}")
        code = check_code(_need(s, "code", where), "school code", where)
        conn.execute(t.schools.insert().values(code=code, district_number=district, name=_need(s, "name", where)))
        counts["schools"] += 1
    for i, c in enumerate(data.get("categories", [])):
        where = f"categories[{i}]"
        conn.execute(t.categories.insert().values(id=str(_need(c, "id", where)), name=_need(c, "name", where)))
        counts["categories"] += 1
    for i, u in enumerate(data.get("users", [])):
        add_user(conn, u, f"users[{i}]")
        counts["users"] += 1
    for i, m in enumerate(data.get("memberships", [])):
        add_membership(conn, m, f"memberships[{i}]")
        counts["memberships"] += 1
    return counts


def add_user(conn: sa.Connection, u: dict[str, Any], where: str = "user") -> None:
    uid = check_user_id(_need(u, "id", where), where)
    level = _need(u, "level", where)
    if level not in LEVELS:
        raise DataError(f"{where}: level must be one of {', '.join(LEVELS)}, not {level!r}")
    if _exists(conn, t.users, "id", uid):
        raise DataError(f"{where}: user {uid!r} already exists")
    rights = list(u.get("rights", []))
    bad = [r for r in rights if r not in RIGHTS]
    if bad:
        raise DataError(f"{where}: unknown right(s) {', '.join(bad)}; rights are {', '.join(RIGHTS)}")
    district = u.get("district")
    school = u.get("school")
    if level == "state":
        if district or school:
            raise DataError(f"{where}: a state user has no district or school")
    else:
        if rights:
            raise DataError(f"{where}: event-management rights are for state users only")
        district = str(_need(u, "district", where))
        if not _exists(conn, t.districts, "number", district):
            raise DataError(f"{where}: unknown district {district!r}")
        if level == "school":
            school = str(_need(u, "school", where))
            _check_school(conn, school, district, where)
    conn.execute(
        t.users.insert().values(
            id=uid,
            name=u.get("name") or uid,
            level=level,
            district_number=district,
            school_code=school,
            rights=",".join(r for r in RIGHTS if r in rights),
        )
    )


def _check_school(conn: sa.Connection, code: str, district: str, where: str) -> None:
    r = conn.execute(sa.select(t.schools.c.district_number).where(t.schools.c.code == code)).one_or_none()
    if r is None:
        raise DataError(f"{where}: unknown school {code!r}")
    if r.district_number != district:
        raise DataError(f"{where}: school {code!r} is not in district {district!r}")


def add_membership(conn: sa.Connection, m: dict[str, Any], where: str = "membership") -> None:
    uid = str(_need(m, "user", where))
    cat = str(_need(m, "category", where))
    role = _need(m, "role", where)
    user = conn.execute(sa.select(t.users).where(t.users.c.id == uid)).one_or_none()
    if user is None:
        raise DataError(f"{where}: unknown user {uid!r}")
    if not _exists(conn, t.categories, "id", cat):
        raise DataError(f"{where}: unknown category {cat!r}")
    allowed = ("approver", "reviewer") if user.level == "state" else ("certifier", "reviewer")
    if role not in allowed:
        raise DataError(f"{where}: a {user.level} user's role is one of {', '.join(allowed)}, not {role!r}")
    schools = [str(s) for s in m.get("schools", [])]
    if schools and user.level == "state":
        raise DataError(f"{where}: state memberships are state-wide; no schools")
    for code in schools:
        _check_school(conn, code, user.district_number, where)
    if user.level == "school" and schools and schools != [user.school_code]:
        raise DataError(f"{where}: a school-level user can only be scoped to their school {user.school_code!r}")
    exists = conn.execute(
        sa.select(t.memberships.c.id).where(t.memberships.c.user_id == uid, t.memberships.c.category_id == cat)
    ).first()
    if exists:
        raise DataError(f"{where}: {uid!r} is already a member of category {cat!r}")
    conn.execute(
        t.memberships.insert().values(
            user_id=uid,
            category_id=cat,
            role=role,
            is_primary=bool(m.get("primary", False)) and role == "certifier",
            schools=json.dumps(schools),
        )
    )
