"""Students and their enrollment spans, built column-wise with numpy (no per-student loops).

Enrollment roles (internal column ``role``): ``base`` (the whole year at one school), ``grad``
(grade 12, ends on the last day with E3), ``leaver`` (leaves mid-year, E2/E4, no new enrollment),
``move_out`` / ``move_in`` (about 5% move mid-year: exit E1 on a school day, the next enrollment
starts on a later school day at another school, sometimes in another district) and ``extra``
(a concurrent secondary S or no-funding N enrollment at another school, in the same district
when one covers the grade; at the student's own school, starting later, when no other school has
the grade).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from certlib.generate.calendars import KEY, Calendars, day, school_day
from certlib.generate.names import FIRST_NAMES_F, FIRST_NAMES_M, LAST_NAMES

GENDERS = np.array(["F", "M", "X"])
RACES = np.array(["H", "AI", "AS", "B", "PI", "W", "MR"])
RACE_P = np.array([0.28, 0.02, 0.06, 0.12, 0.01, 0.45, 0.06])
MOVE_RATE, LEAVE_RATE, EXTRA_RATE = 0.05, 0.01, 0.02


class SchoolPicker:
    """Picks, for many students at once, a random school that covers a grade (optionally within a
    district), different from a given school."""

    def __init__(self, schools: pl.DataFrame):
        lo, hi = schools["low"].to_numpy(), schools["high"].to_numpy()
        dist = schools["district_idx"].to_numpy()
        s_idx = np.repeat(np.arange(schools.height), hi - lo + 1)
        grades = np.concatenate([np.arange(a, b + 1) for a, b in zip(lo, hi, strict=True)])
        self.n_d = int(dist.max()) + 1 if len(dist) else 0
        self.dist = dist
        order = np.lexsort((s_idx, grades, dist[s_idx]))
        self.by_dg = s_idx[order]
        self.key_dg = (dist[s_idx] * 13 + grades)[order]
        order = np.lexsort((s_idx, grades))
        self.by_g = s_idx[order]
        self.key_g = grades[order]

    @staticmethod
    def _draw(rng, pool, keys, want, exclude):
        start = np.searchsorted(keys, want, "left")
        count = np.searchsorted(keys, want, "right") - start
        u = rng.random(len(want))
        pos = (u * np.maximum(count, 1)).astype(np.int64)
        pick = np.where(count > 0, pool[np.minimum(start + pos, len(pool) - 1)], -1)
        nxt = np.where(count > 1, pool[np.minimum(start + (pos + 1) % np.maximum(count, 1), len(pool) - 1)], -1)
        return np.where(pick == exclude, nxt, pick)

    def in_district(self, rng, district, grade, exclude):
        return self._draw(rng, self.by_dg, self.key_dg, district * 13 + grade, exclude)

    def statewide(self, rng, grade, exclude, avoid_district):
        """Prefer a school in another district; give up (-1) after a few tries."""
        out = np.full(len(grade), -1)
        todo = np.arange(len(grade))
        for _ in range(6):  # a few vectorized retries
            if not len(todo):
                break
            got = self._draw(rng, self.by_g, self.key_g, grade[todo], exclude[todo])
            ok = (got >= 0) & (self.dist[np.maximum(got, 0)] != avoid_district[todo])
            out[todo[ok]] = got[ok]
            todo = todo[~ok]
        return out


def allocate_students(rng: np.random.Generator, schools: pl.DataFrame, n: int) -> np.ndarray:
    """Number of students per school: proportional to grades served, with some size spread."""
    span = (schools["high"] - schools["low"] + 1).to_numpy().astype(float)
    w = span * rng.lognormal(0.0, 0.35, len(span))
    floor = min(5, n // max(len(span), 1))
    return floor + rng.multinomial(n - floor * len(span), w / w.sum())


def make_students(rng: np.random.Generator, schools: pl.DataFrame, n: int, school_year: int) -> pl.DataFrame:
    """One row per student (index ``student``) with demographics, home school and grade."""
    counts = allocate_students(rng, schools, n)
    school = np.repeat(np.arange(schools.height), counts)
    lo = schools["low"].to_numpy()[school]
    hi = schools["high"].to_numpy()[school]
    grade = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    ids = np.unique(rng.integers(1_000_000_000, 10_000_000_000, int(n * 1.02) + 16))
    ids = rng.permutation(ids)[:n]
    gender = GENDERS[rng.choice(3, n, p=[0.49, 0.50, 0.01])]
    female = gender == "F"
    first_f = np.asarray(FIRST_NAMES_F)[rng.integers(0, len(FIRST_NAMES_F), n)]
    first_m = np.asarray(FIRST_NAMES_M)[rng.integers(0, len(FIRST_NAMES_M), n)]
    either = rng.random(n) < 0.5
    first = np.where(female | ((gender == "X") & either), first_f, first_m)
    last = np.asarray(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)]
    # Age on Sep 1 of the fall = grade + 5: born within the year before that birthday.
    sep1 = np.array([day(date(school_year - 1 - 5 - g, 9, 1)) for g in range(13)])
    birth = sep1[grade] - rng.integers(0, 365, n)
    return pl.DataFrame(
        {
            "student": np.arange(n),
            "student_state_id": ids.astype(str),
            "first_name": first,
            "last_name": last,
            "birth_date": birth.astype(np.int32),
            "gender": gender,
            "race_ethnicity": RACES[rng.choice(len(RACES), n, p=RACE_P)],
            "home_school": school,
            "home_grade": grade,
        }
    )


def _spans(grade, stu, sch, start, end, exit_code, service, roles) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "student": stu.astype(np.int64),
            "school": sch.astype(np.int64),
            "grade": grade[stu].astype(np.int64),
            "service": service,
            "start": start.astype(np.int32),
            "end": end.astype(np.int32),
            "exit": exit_code.astype(np.int8),
            "role": roles,
        }
    )


def make_enrollments(
    rng: np.random.Generator,
    students: pl.DataFrame,
    schools: pl.DataFrame,
    cal: Calendars,
    picker: SchoolPicker,
    min_extras: int = 0,
    min_leavers: int = 0,
) -> pl.DataFrame:
    """All clean enrollment spans. Columns: student, school, grade, service, start, end, exit_code, role.

    ``start``/``end`` are day numbers (end null = still enrolled); every span lies inside its school's
    calendar and a mover's exit day is strictly before the next enrollment's start.
    """
    n = students.height
    school = students["home_school"].to_numpy()
    grade = students["home_grade"].to_numpy()
    s_dist = schools["district_idx"].to_numpy()
    dist = s_dist[school]
    u = rng.random(n)
    eligible = grade < 12
    mover = eligible & (u < MOVE_RATE)
    leaver = eligible & (u >= MOVE_RATE) & (u < MOVE_RATE + LEAVE_RATE)
    extra = eligible & (u >= MOVE_RATE + LEAVE_RATE) & (u < MOVE_RATE + LEAVE_RATE + EXTRA_RATE)
    short = min_leavers - int(leaver.sum())
    if short > 0:  # tiny states: the students with the largest u leave too
        rest = np.flatnonzero(eligible & (u >= MOVE_RATE + LEAVE_RATE + EXTRA_RATE))
        leaver[rest[np.argsort(-u[rest], kind="stable")][:short]] = True
    short = min_extras - int(extra.sum())
    if short > 0:  # tiny states: take the next students by u (no extra random draws)
        rest = np.flatnonzero(eligible & ~leaver & (u >= MOVE_RATE + LEAVE_RATE + EXTRA_RATE))
        extra[rest[np.argsort(u[rest], kind="stable")][:short]] = True

    # Movers: destination school first (those without one stay put).
    mv = np.flatnonzero(mover)
    cross = rng.random(len(mv)) < 0.3
    dest = np.where(
        cross,
        picker.statewide(rng, grade[mv], school[mv], dist[mv]),
        picker.in_district(rng, dist[mv], grade[mv], school[mv]),
    )
    dest = np.where(dest < 0, picker.statewide(rng, grade[mv], school[mv], dist[mv]), dest)
    mover[mv[dest < 0]] = False
    dest = dest[dest >= 0]
    mv = np.flatnonzero(mover)

    # Extras: another school of the same district covering the grade.
    ex = np.flatnonzero(extra)
    ex_school = picker.in_district(rng, dist[ex], grade[ex], school[ex])
    ex_school = np.where(ex_school < 0, picker.statewide(rng, grade[ex], school[ex], dist[ex]), ex_school)
    ex_school = np.where(ex_school < 0, school[ex], ex_school)  # no other school has the grade

    first_day = cal.first[dist]
    base_end = np.full(n, -1, dtype=np.int64)
    base_exit = np.zeros(n, dtype=np.int8)  # k means exit code "E<k>", 0 none
    role = np.full(n, "base", dtype="<U8")
    grad = grade == 12
    base_end[grad] = cal.last[dist[grad]]
    base_exit[grad] = 3
    role[grad] = "grad"
    lv = np.flatnonzero(leaver)
    base_end[lv] = school_day(rng, cal, dist[lv], 0.25, 0.8)
    base_exit[lv] = np.where((grade[lv] >= 9) & (rng.random(len(lv)) < 0.5), 4, 2)
    role[lv] = "leaver"
    out_day = school_day(rng, cal, dist[mv], 0.2, 0.7)
    base_end[mv] = out_day
    base_exit[mv] = 1
    role[mv] = "move_out"

    # The new school's first instructional day after exit day + a short gap.
    d2 = s_dist[dest]
    target = out_day + rng.integers(0, 6, len(mv))
    in_pos = np.searchsorted(cal.instr_key, d2.astype(np.int64) * KEY + target, "right")
    in_pos = np.minimum(in_pos, cal.instr_off[d2 + 1] - 1)
    in_day = cal.instr[in_pos]

    d_ex = s_dist[ex_school]  # the extra school's own calendar
    later = school_day(rng, cal, d_ex, 0.05, 0.4)
    ex_start = np.where((rng.random(len(ex)) < 0.6) & (ex_school != school[ex]), cal.first[d_ex], later)
    ex_service = np.where(rng.random(len(ex)) < 0.7, "S", "N")

    none = np.full(len(mv), -1), np.zeros(len(mv), dtype=np.int8)
    base = _spans(grade, np.arange(n), school, first_day, base_end, base_exit, np.full(n, "P"), role)
    moved = _spans(grade, mv, dest, in_day, *none, np.full(len(mv), "P"), np.full(len(mv), "move_in"))
    none = np.full(len(ex), -1), np.zeros(len(ex), dtype=np.int8)
    extras = _spans(grade, ex, ex_school, ex_start, *none, ex_service, np.full(len(ex), "extra"))
    out = pl.concat([base, moved, extras])
    return out.with_columns(
        end=pl.when(pl.col("end") >= 0).then(pl.col("end")),
        exit_code=pl.when(pl.col("exit") > 0).then(pl.format("E{}", pl.col("exit"))),
    ).drop("exit")
