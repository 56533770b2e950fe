"""``generate_state``: build a whole synthetic state and write its district and state copies.

The order of work: places and calendars → students and enrollments → enrollment defects →
enrollment ids → daily attendance (+ tardy defects) → summary (+ its defect) → attendance row
defects → programs → students table → state copy drift → files.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from certlib.generate import defects as plant
from certlib.generate.attendance import CODES, Daily, make_daily, summarize
from certlib.generate.calendars import EPOCH, calendar_days_table, day, make_calendars
from certlib.generate.drift import DriftBuilder
from certlib.generate.kinds import KINDS, POOL_KINDS, per_kind
from certlib.generate.places import (
    STUDENTS_PER_SCHOOL,
    default_districts,
    make_districts,
    make_schools,
    schools_table,
)
from certlib.generate.population import SchoolPicker, make_enrollments, make_students
from certlib.generate.programs import Enr, behavior, plans_504, special_ed
from certlib.generate.schema import TABLES, keys
from certlib.generate.writer import (
    categorical,
    district_bounds,
    sink_frame,
    write_district_slices,
    write_frame,
    write_json,
)

Progress = Callable[[str], None]


@dataclass
class GenerateSummary:
    """What ``generate_state`` wrote: row counts per table (district copies and state copy)."""

    out_dir: Path
    seed: int
    students: int
    districts: int
    schools: int
    school_year: int
    as_of_date: date
    defects: bool
    counts: dict[str, int] = field(default_factory=dict)
    state_counts: dict[str, int] = field(default_factory=dict)
    planted: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0


def _date(days) -> str:
    return (EPOCH + timedelta(days=int(days))).isoformat()


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


def generate_state(
    out_dir: str | Path,
    students: int = 1500,
    districts: int | None = None,
    seed: int = 7,
    year: int = 2025,
    defects: bool = True,
    progress: Progress | None = None,
) -> GenerateSummary:
    """Generate a synthetic state into ``out_dir`` (see docs/contracts.md for the layout).

    >>> s = generate_state("/tmp/demo", students=300, seed=1)   # doctest: +SKIP
    >>> s.counts["enrollments"] > 300                          # doctest: +SKIP
    True
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    out = Path(out_dir)
    if students < 10:
        raise ValueError("students must be at least 10")
    rng = np.random.default_rng(seed)
    as_of = date(year, 6, 30)
    as_of_day = day(as_of)

    say("places and calendars")
    dist_df = make_districts(rng, districts or default_districts(students))
    numbers = dist_df["district_number"].to_list()
    schools = make_schools(rng, dist_df, max(dist_df.height, 3, round(students / STUDENTS_PER_SCHOOL)))
    s_dist = schools["district_idx"].to_numpy()
    cal = make_calendars(rng, dist_df, year)

    say("students and enrollments")
    stu = make_students(rng, schools, students, year)
    picker = SchoolPicker(schools)
    enr0 = make_enrollments(rng, stu, schools, cal, picker)
    k = per_kind(students) if defects else 0
    picks, quiet, reserved = _reserve(rng, enr0, stu, schools, k, max(2, round(students / 2000)))
    if defects:
        picks["duplicate_enrollment"] = np.zeros(k, dtype=np.int64)
        picks["exit_without_exit_code"] = np.zeros(k, dtype=np.int64)
    e = {
        "student": enr0["student"].to_numpy(),
        "school": enr0["school"].to_numpy(),
        "grade": enr0["grade"].to_numpy().copy(),
        "service": enr0["service"].to_numpy().astype("<U1"),
        "start": enr0["start"].to_numpy().astype(np.int64),
        "end": enr0["end"].fill_null(-1).to_numpy().astype(np.int64),
        "exit": enr0["exit_code"].fill_null("").to_numpy().astype("<U2"),
        "role": enr0["role"].to_numpy().astype("<U8"),
        "tag": np.full(enr0.height, "", dtype="<U40"),
        "dup_rank": np.zeros(enr0.height, dtype=np.int64),
    }
    if defects:
        e = plant.plant_enrollments(rng, e, picks, schools, cal, picker)
    order = np.lexsort((e["dup_rank"], e["start"], e["student"], e["school"]))
    base_pos = np.empty(len(order), dtype=np.int64)
    base_pos[order] = np.arange(len(order))  # new position of old row i (row i = student i's base)
    e = {c: v[order] for c, v in e.items()}
    n_e = len(order)
    e_id = 1_000_001 + np.arange(n_e, dtype=np.int64)
    e_dist = s_dist[e["school"]]
    e_end = np.where(e["end"] < 0, cal.last[e_dist], e["end"])

    say("daily attendance")
    daily = make_daily(rng, cal, e_dist, e["start"], e_end)
    row_off = np.concatenate([[0], np.cumsum(np.bincount(daily.enr, minlength=n_e))]).astype(np.int64)
    planted: dict[str, list] = {kind: [] for kind in KINDS}
    for kind in (
        "overlapping_enrollments",
        "enrollment_outside_calendar",
        "grade_outside_span",
        "duplicate_enrollment",
        "exit_without_exit_code",
    ):
        planted[kind] = [[int(x)] for x in e_id[e["tag"] == kind]]
    pos_of = {kind: np.sort(base_pos[picks.get(kind, np.zeros(0, dtype=np.int64))]) for kind in POOL_KINDS}
    if defects:
        rows = plant.plant_tardy(rng, daily, row_off, pos_of["tardy_minutes_out_of_range"])
        planted["tardy_minutes_out_of_range"] = [
            [int(e_id[daily.enr[r]]), _date(daily.date[r])] for r in rows
        ]
    summ = summarize(daily, n_e)
    if defects:
        p = pos_of["days_present_gt_enrolled"]
        summ.present[p] = summ.enrolled[p] + rng.integers(1, 6, len(p))
        planted["days_present_gt_enrolled"] = [[int(x)] for x in e_id[p]]
        at1, rows1 = plant.non_instructional_rows(
            daily, row_off, pos_of["attendance_on_non_instructional_day"]
        )
        at2, rows2 = plant.duplicate_rows(daily, row_off, pos_of["duplicate_attendance"])
        for kind, r in (("attendance_on_non_instructional_day", rows1), ("duplicate_attendance", rows2)):
            planted[kind] = [[int(e_id[a]), _date(b)] for a, b in zip(r.enr, r.date, strict=True)]
        at = np.concatenate([at1, at2])
        extra = Daily(
            *(
                np.concatenate([getattr(rows1, f), getattr(rows2, f)])
                for f in ("enr", "date", "code", "tardy", "absent")
            )
        )
        daily = daily.insert(at, extra)
        row_off = np.concatenate([[0], np.cumsum(np.bincount(daily.enr, minlength=n_e))]).astype(np.int64)

    say("programs")
    enr = Enr(e["student"], e["school"], e_dist, e["start"], e_end, e["service"], row_off)
    free = ~reserved
    empty = np.zeros(0, dtype=np.int64)
    sped, sped_kind = special_ed(
        rng,
        enr,
        students,
        free,
        as_of_day,
        picks.get("iep_annual_review_overdue", empty),
        picks.get("sped_setting_invalid_for_age", empty),
    )
    in_sped = np.zeros(students, dtype=bool)
    in_sped[sped["student"]] = True
    p504, p504_kind = plans_504(
        rng, enr, students, free & ~in_sped, picks.get("plan504_without_active_enrollment", empty)
    )
    free_enr = free[e["student"]] & (e["tag"] == "")
    inc, parts = behavior(rng, enr, daily.date, free_enr, students)

    say("tables")
    dnum = dist_df["district_number"]
    scode = schools["school_code"]
    sid = stu["student_state_id"]
    # students: one row per (student, district) the student is enrolled in
    pairs = pl.DataFrame({"student": e["student"], "d": e_dist}).unique().sort("d", "student")
    pairs = pairs.with_columns(r=pl.Series(rng.permutation(pairs.height))).sort("d", "r")
    pairs = pairs.with_columns(
        local_student_id=(100_000 + pl.int_range(pl.len()).over("d")).cast(pl.String),
        district_number=dnum.gather(pairs["d"]),
    )
    stu_tab = (
        pairs.join(stu, on="student", how="left")
        .with_columns(birth_date=pl.col("birth_date").cast(pl.Date))
        .sort("district_number", "local_student_id")
    )
    if defects:
        bad = picks["invalid_state_id"]
        variant = pl.Series(np.arange(len(bad)) % 3)
        fix = pl.DataFrame({"student": bad, "v": variant})
        stu_tab = (
            stu_tab.join(fix, on="student", how="left")
            .with_columns(
                student_state_id=pl.when(pl.col("v") == 0)
                .then(None)
                .when(pl.col("v") == 1)
                .then(pl.col("student_state_id").str.slice(0, 9))
                .when(pl.col("v") == 2)
                .then(pl.col("student_state_id") + "7")
                .otherwise(pl.col("student_state_id"))
            )
            .drop("v")
        )
        planted["invalid_state_id"] = (
            stu_tab.filter(pl.col("student").is_in(bad)).select("district_number", "local_student_id").rows()
        )
        planted["invalid_state_id"] = [list(r) for r in planted["invalid_state_id"]]
    local = pairs.select("student", "d", "local_student_id")

    enr_tab = (
        pl.DataFrame(
            {
                "enrollment_id": e_id,
                "student": e["student"],
                "d": e_dist,
                "school_year": np.full(n_e, year, dtype=np.int64),
                "grade": e["grade"],
                "service_type": e["service"],
                "start_date": e["start"].astype(np.int32),
                "end_date": e["end"].astype(np.int32),
                "exit_code": e["exit"],
            }
        )
        .with_columns(
            district_number=dnum.gather(pl.Series(e_dist)),
            school_code=scode.gather(pl.Series(e["school"])),
            student_state_id=sid.gather(pl.Series(e["student"])),
            grade=pl.col("grade").cast(pl.String).str.zfill(2),
            start_date=pl.col("start_date").cast(pl.Date),
            end_date=pl.when(pl.col("end_date") >= 0).then(pl.col("end_date")).cast(pl.Date),
            exit_code=pl.when(pl.col("exit_code") != "").then(pl.col("exit_code")),
        )
        .join(local, on=["student", "d"], how="left", maintain_order="left")
    )

    summ_tab = pl.DataFrame(
        {
            "enrollment_id": e_id,
            "district_number": dnum.gather(pl.Series(e_dist)),
            "school_code": scode.gather(pl.Series(e["school"])),
            "student_state_id": sid.gather(pl.Series(e["student"])),
            "school_year": np.full(n_e, year, dtype=np.int64),
            "ada_days_enrolled": summ.enrolled,
            "ada_days_present": summ.present,
            "days_absent_excused": summ.excused,
            "days_absent_unexcused": summ.unexcused,
        }
    )

    def by_student(rows, extra):
        s = np.asarray(rows["school"])
        return pl.DataFrame(
            {
                "district_number": dnum.gather(pl.Series(s_dist[s])),
                "school_code": scode.gather(pl.Series(s)),
                "student_state_id": sid.gather(pl.Series(rows["student"])),
                **extra,
            }
        )

    sped_tab = (
        by_student(
            sped,
            {
                "disability_code": sped["disability_code"],
                "setting_code": sped["setting_code"],
                "iep_start_date": pl.Series(sped["iep_start_date"]).cast(pl.Date),
                "iep_end_date": pl.Series(sped["iep_end_date"], nan_to_null=True)
                .cast(pl.Int32)
                .cast(pl.Date),
                "annual_review_date": pl.Series(sped["annual_review_date"]).cast(pl.Date),
                "_kind": sped_kind,
            },
        )
        .sort("district_number", "school_code", "student_state_id")
        .with_columns(iep_id=200_001 + pl.int_range(pl.len(), dtype=pl.Int64))
    )
    p504_tab = (
        by_student(
            p504,
            {
                "plan_start_date": pl.Series(p504["plan_start_date"]).cast(pl.Date),
                "plan_end_date": pl.Series(p504["plan_end_date"]).cast(pl.Date),
                "accommodation_count": p504["accommodation_count"],
                "_kind": p504_kind,
            },
        )
        .sort("district_number", "school_code", "student_state_id")
        .with_columns(plan_id=300_001 + pl.int_range(pl.len(), dtype=pl.Int64))
    )
    for kind, tab, col in (
        ("iep_annual_review_overdue", sped_tab, "iep_id"),
        ("sped_setting_invalid_for_age", sped_tab, "iep_id"),
        ("plan504_without_active_enrollment", p504_tab, "plan_id"),
    ):
        planted[kind] = [[int(x)] for x in tab.filter(pl.col("_kind") == kind)[col]]
    sped_tab, p504_tab = sped_tab.drop("_kind"), p504_tab.drop("_kind")

    inc_tab = (
        pl.DataFrame(
            {
                "_i": np.arange(len(inc["school"])),
                "district_number": dnum.gather(pl.Series(s_dist[inc["school"]])),
                "school_code": scode.gather(pl.Series(inc["school"])),
                "incident_date": pl.Series(inc["incident_date"]).cast(pl.Date),
                "incident_code": inc["incident_code"],
                "resolution_code": inc["resolution_code"],
                "resolution_date": pl.Series(inc["resolution_date"]).cast(pl.Date),
            }
        )
        .sort("district_number", "school_code", "incident_date", "_i")
        .with_columns(incident_id=400_001 + pl.int_range(pl.len(), dtype=pl.Int64))
    )
    if defects and inc_tab.height:
        chosen = np.sort(rng.choice(inc_tab.height, min(k, inc_tab.height), replace=False))
        mask = pl.Series(np.isin(np.arange(inc_tab.height), chosen))
        inc_tab = inc_tab.with_columns(
            resolution_code=pl.when(mask).then(None).otherwise(pl.col("resolution_code")),
            resolution_date=pl.when(mask).then(None).otherwise(pl.col("resolution_date")),
        )
        planted["incident_without_resolution"] = [
            [int(x)] for x in inc_tab["incident_id"].gather(pl.Series(chosen))
        ]
    part_tab = pl.DataFrame(
        {
            "_i": parts["incident"],
            "student_state_id": sid.gather(pl.Series(parts["student"])),
            "participant_role": parts["participant_role"],
        }
    ).join(inc_tab.select("_i", "incident_id", "district_number", "school_code"), on="_i", how="left")
    inc_tab = inc_tab.drop("_i")
    part_tab = part_tab.drop("_i").sort("district_number", "incident_id", "student_state_id")

    # attendance: categorical string columns, cast to String only while streaming to disk
    e_student = e["student"]
    att = pl.DataFrame(
        {
            "enrollment_id": e_id[daily.enr],
            "district_number": categorical(e_dist[daily.enr], numbers),
            "school_code": categorical(e["school"][daily.enr], scode.to_list()),
            "student_state_id": categorical(e_student[daily.enr], sid.to_list()),
            "attendance_date": pl.Series(daily.date).cast(pl.Date),
            "attendance_code": categorical(daily.code, list(CODES)),
            "minutes_tardy": daily.tardy,
            "minutes_absent": daily.absent,
        }
    )

    truth = {
        "districts": dist_df,
        "schools": schools_table(schools),
        "calendar_days": calendar_days_table(cal, schools, year),
        "students": stu_tab,
        "enrollments": enr_tab,
        "attendance_summary": summ_tab,
        "special_ed": sped_tab,
        "plans_504": p504_tab,
        "behavior_incidents": inc_tab,
        "behavior_participants": part_tab,
    }
    for t in truth:
        truth[t] = truth[t].sort(list(dict.fromkeys(["district_number", *keys(t)])), maintain_order=True)

    say("state copy drift")
    drift = DriftBuilder(rng, truth, daily, e_id, e["tag"], reserved[e_student], summ)
    drift.missing_enrollments(
        base_pos[quiet].tolist() + (pos_of["days_present_gt_enrolled"][:1].tolist() if defects else [])
    )
    drift.stale_attendance(max(3, round(students / 100)))
    drift.changed_values(max(2, round(students / 1000)), reserved=stu["student"].filter(pl.Series(reserved)))
    state = drift.state_tables()

    say("writing parquet")
    counts, state_counts = {}, {}
    for t, frame in truth.items():
        write_frame(state[t], t, out / "state" / f"{t}.parquet")
        write_district_slices(frame, t, out, numbers, district_bounds(frame, numbers))
        counts[t], state_counts[t] = frame.height, state[t].height
    att_bounds = np.concatenate([[0], np.cumsum(np.bincount(e_dist[daily.enr], minlength=len(numbers)))])
    write_district_slices(att, "attendance_daily", out, numbers, att_bounds)
    state_att = drift.state_attendance(att)
    sink_frame(state_att, "attendance_daily", out / "state" / "attendance_daily.parquet")
    counts["attendance_daily"] = att.height
    state_counts["attendance_daily"] = int(drift.att_keep.sum())

    manifest = {"seed": seed, "school_year": year, "as_of_date": as_of.isoformat(), "defects": []}
    in_state = drift.present_in_state
    for kind, spec in KINDS.items():
        if not planted[kind]:
            continue
        for copy in ("both", "district"):
            sel = [key for key in planted[kind] if (copy == "both") == in_state(spec.table, key)]
            if sel:
                manifest["defects"].append(
                    {
                        "kind": kind,
                        "rule_id": spec.rule_id,
                        "table": spec.table,
                        "key_columns": list(spec.key_columns),
                        "copy": copy,
                        "keys": sorted(sel),
                    }
                )
    write_json(manifest, out / "manifest.json")
    write_json(drift.record(), out / "drift.json")
    params = {
        "seed": seed,
        "students": students,
        "districts": len(numbers),
        "schools": schools.height,
        "year": year,
        "school_year": year,
        "as_of_date": as_of.isoformat(),
        "defects": "on" if defects else "off",
        "counts": counts,
        "state_counts": state_counts,
    }
    write_json(params, out / "generate.json")
    summary = GenerateSummary(
        out, seed, students, len(numbers), schools.height, year, as_of, defects, counts, state_counts, {}
    )
    for entry in manifest["defects"]:
        summary.planted[entry["kind"]] = summary.planted.get(entry["kind"], 0) + len(entry["keys"])
    summary.elapsed_s = time.perf_counter() - t0
    say(f"done in {summary.elapsed_s:.1f}s")
    return summary


__all__ = ["GenerateSummary", "generate_state", "TABLES"]
