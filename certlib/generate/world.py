"""The generated state before it becomes tables: positional numpy arrays for enrollments,
attendance and programs, plus the keys planted so far.

Order of work (it fixes the RNG stream, so keep it): places and calendars → students and
enrollments → reservation of students for planted defects → enrollment defects → enrollment ids →
daily attendance (+ tardy defects) → summary (+ its defect) → attendance row defects → programs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl

from certlib.generate import defects as plant
from certlib.generate.attendance import Daily, Summary, make_daily, summarize
from certlib.generate.calendars import EPOCH, Calendars, day, make_calendars
from certlib.generate.kinds import KINDS, POOL_KINDS, per_kind
from certlib.generate.places import STUDENTS_PER_SCHOOL, default_districts, make_districts, make_schools
from certlib.generate.population import SchoolPicker, make_enrollments, make_students
from certlib.generate.programs import Enr, behavior, plans_504, special_ed

Progress = Callable[[str], None]
ENROLLMENT_KINDS = (
    "overlapping_enrollments",
    "enrollment_outside_calendar",
    "grade_outside_span",
    "duplicate_enrollment",
    "exit_without_exit_code",
)


def iso(days) -> str:
    return (EPOCH + timedelta(days=int(days))).isoformat()


@dataclass
class World:
    """Everything generated, positional: enrollment arrays ``e`` are sorted by (school, student,
    start) and ``e_id`` rises with position, so attendance (ordered by enrollment, date) is
    sorted by (enrollment_id, attendance_date) and contiguous per district."""

    students: int
    year: int
    defects: bool
    per_kind: int
    districts: pl.DataFrame
    schools: pl.DataFrame
    cal: Calendars
    stu: pl.DataFrame
    e: dict[str, np.ndarray]
    e_id: np.ndarray
    e_dist: np.ndarray
    e_end: np.ndarray
    daily: Daily
    summ: Summary
    sped: dict
    sped_kind: np.ndarray
    p504: dict
    p504_kind: np.ndarray
    incidents: dict
    participants: dict
    picks: dict[str, np.ndarray]
    reserved: np.ndarray  # per student: kept free of programs and drift (planted or "quiet")
    unsynced: list[int]  # enrollment positions the state copy will lack
    planted: dict[str, list] = field(default_factory=dict)

    @property
    def as_of(self) -> date:
        return date(self.year, 6, 30)


def _reserve(rng, enr: pl.DataFrame, stu: pl.DataFrame, schools: pl.DataFrame, k: int, n_quiet: int):
    """Students with exactly one (whole-year, base) enrollment, split among the pool kinds and the
    "quiet" students whose enrollment the state copy will be missing."""
    counts = enr.group_by("student").agg(n=pl.len(), role=pl.col("role").first())
    simple = np.sort(counts.filter((pl.col("n") == 1) & (pl.col("role") == "base"))["student"].to_numpy())
    pool = rng.permutation(simple)
    grade = stu["home_grade"].to_numpy()
    school = stu["home_school"].to_numpy()
    not_k12 = ~((schools["low"].to_numpy() == 0) & (schools["high"].to_numpy() == 12))[school]
    picks: dict[str, np.ndarray] = {}
    used = np.zeros(len(grade), dtype=bool)
    needs = {"sped_setting_invalid_for_age": grade >= 2, "grade_outside_span": not_k12}
    for kind in sorted(POOL_KINDS, key=lambda x: x not in needs):
        ok = pool[~used[pool] & needs.get(kind, np.ones(len(grade), bool))[pool]]
        picks[kind] = np.sort(ok[:k])
        used[picks[kind]] = True
    quiet = pool[~used[pool]][:n_quiet]
    used[quiet] = True
    return picks, np.sort(quiet), used


def _enrollment_arrays(enr0: pl.DataFrame) -> dict[str, np.ndarray]:
    n = enr0.height
    return {
        "student": enr0["student"].to_numpy(),
        "school": enr0["school"].to_numpy(),
        "grade": enr0["grade"].to_numpy().copy(),
        "service": enr0["service"].to_numpy().astype("<U1"),
        "start": enr0["start"].to_numpy().astype(np.int64),
        "end": enr0["end"].fill_null(-1).to_numpy().astype(np.int64),
        "exit": enr0["exit_code"].fill_null("").to_numpy().astype("<U2"),
        "role": enr0["role"].to_numpy().astype("<U8"),
        "tag": np.full(n, "", dtype="<U40"),
        "dup_rank": np.zeros(n, dtype=np.int64),
    }


def _row_offsets(daily: Daily, n_enrollments: int) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(np.bincount(daily.enr, minlength=n_enrollments))]).astype(np.int64)


def build_world(
    rng: np.random.Generator, students: int, districts: int | None, year: int, defects: bool, say: Progress
) -> World:
    """Generate every record (see the module docstring for the order)."""
    say("places and calendars")
    dist_df = make_districts(rng, districts or default_districts(students))
    schools = make_schools(rng, dist_df, max(dist_df.height, 3, round(students / STUDENTS_PER_SCHOOL)))
    s_dist = schools["district_idx"].to_numpy()
    cal = make_calendars(rng, dist_df, year)

    say("students and enrollments")
    stu = make_students(rng, schools, students, year)
    picker = SchoolPicker(schools)
    k = per_kind(students) if defects else 0
    enr0 = make_enrollments(rng, stu, schools, cal, picker, min_extras=2 * k, min_leavers=2 * k)
    picks, quiet, reserved = _reserve(rng, enr0, stu, schools, k, max(2, round(students / 2000)))
    e = _enrollment_arrays(enr0)
    if defects:
        picks["duplicate_enrollment"] = np.zeros(k, dtype=np.int64)
        picks["exit_without_exit_code"] = np.zeros(k, dtype=np.int64)
        e = plant.plant_enrollments(rng, e, picks, schools, cal, picker)
    order = np.lexsort((e["dup_rank"], e["start"], e["student"], e["school"]))
    base_pos = np.empty(len(order), dtype=np.int64)
    base_pos[order] = np.arange(len(order))  # new position of old row i (row i = student i's base)
    e = {c: v[order] for c, v in e.items()}
    n_e = len(order)
    e_id = 1_000_001 + np.arange(n_e, dtype=np.int64)
    e_dist = s_dist[e["school"]]
    e_end = np.where(e["end"] < 0, cal.last[e_dist], e["end"])
    planted: dict[str, list] = {kind: [] for kind in KINDS}
    for kind in ENROLLMENT_KINDS:
        planted[kind] = [[int(x)] for x in e_id[e["tag"] == kind]]

    say("daily attendance")
    daily = make_daily(rng, cal, e_dist, e["start"], e_end)
    row_off = _row_offsets(daily, n_e)
    pos_of = {kind: np.sort(base_pos[picks.get(kind, np.zeros(0, dtype=np.int64))]) for kind in POOL_KINDS}
    if defects:
        rows = plant.plant_tardy(rng, daily, row_off, pos_of["tardy_minutes_out_of_range"])
        planted["tardy_minutes_out_of_range"] = [[int(e_id[daily.enr[r]]), iso(daily.date[r])] for r in rows]
    summ = summarize(daily, n_e)
    if defects:
        p = pos_of["days_present_gt_enrolled"]
        summ.present[p] = summ.enrolled[p] + rng.integers(1, 6, len(p))
        planted["days_present_gt_enrolled"] = [[int(x)] for x in e_id[p]]
        at1, rows1 = plant.non_instructional_rows(daily, row_off, pos_of["attendance_on_non_instructional_day"])
        at2, rows2 = plant.duplicate_rows(daily, row_off, pos_of["duplicate_attendance"])
        for kind, r in (("attendance_on_non_instructional_day", rows1), ("duplicate_attendance", rows2)):
            planted[kind] = [[int(e_id[a]), iso(b)] for a, b in zip(r.enr, r.date, strict=True)]
        fields = ("enr", "date", "code", "tardy", "absent")
        extra = Daily(*(np.concatenate([getattr(rows1, f), getattr(rows2, f)]) for f in fields))
        daily = daily.insert(np.concatenate([at1, at2]), extra)
        row_off = _row_offsets(daily, n_e)

    say("programs")
    enr = Enr(e["student"], e["school"], e_dist, e["start"], e_end, e["service"], row_off)
    free = ~reserved
    empty = np.zeros(0, dtype=np.int64)
    sped, sped_kind = special_ed(
        rng,
        enr,
        students,
        free,
        day(date(year, 6, 30)),
        picks.get("iep_annual_review_overdue", empty),
        picks.get("sped_setting_invalid_for_age", empty),
    )
    in_sped = np.zeros(students, dtype=bool)
    in_sped[sped["student"]] = True
    p504, p504_kind = plans_504(
        rng, enr, students, free & ~in_sped, picks.get("plan504_without_active_enrollment", empty)
    )
    free_enr = free[e["student"]] & (e["tag"] == "")
    incidents, participants = behavior(rng, enr, daily.date, free_enr, students, at_least=2 * k)
    # one planted enrollment stays unsynced so the manifest shows a district-only defect
    unsynced = base_pos[quiet].tolist() + (pos_of["days_present_gt_enrolled"][:1].tolist() if defects else [])
    return World(
        students,
        year,
        defects,
        k,
        dist_df,
        schools,
        cal,
        stu,
        e,
        e_id,
        e_dist,
        e_end,
        daily,
        summ,
        sped,
        sped_kind,
        p504,
        p504_kind,
        incidents,
        participants,
        picks,
        reserved,
        unsynced,
        planted,
    )
