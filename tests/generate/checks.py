"""Independent polars versions of the contract's defect definitions (docs/contracts.md), used to
check the generator's manifest: each returns the set of key tuples the definition finds."""

from __future__ import annotations

from datetime import date

import polars as pl

AS_OF = date(2025, 6, 30)
FAR = date(9999, 12, 31)


def _keys(frame: pl.DataFrame, cols: list[str]) -> set[tuple]:
    out = set()
    for row in frame.select(cols).rows():
        out.add(tuple(x.isoformat() if isinstance(x, date) else x for x in row))
    return out


def days_present_gt_enrolled(t):
    return _keys(
        t["attendance_summary"].filter(pl.col("ada_days_present") > pl.col("ada_days_enrolled")),
        ["enrollment_id"],
    )


def overlapping_enrollments(t):
    p = (
        t["enrollments"]
        .filter(pl.col("service_type") == "P")
        .select("enrollment_id", "student_state_id", "start_date", end=pl.col("end_date").fill_null(FAR))
    )
    j = p.join(p, on="student_state_id", suffix="_b").filter(
        (pl.col("enrollment_id") != pl.col("enrollment_id_b"))
        & (pl.col("start_date") <= pl.col("end_b"))
        & (pl.col("start_date_b") <= pl.col("end"))
    )
    return _keys(j, ["enrollment_id"])


def attendance_on_non_instructional_day(t):
    cal = t["calendar_days"].filter(~pl.col("instructional")).select("school_code", attendance_date="calendar_date")
    return _keys(
        t["attendance_daily"].join(cal, on=["school_code", "attendance_date"]),
        ["enrollment_id", "attendance_date"],
    )


def enrollment_outside_calendar(t):
    span = (
        t["calendar_days"]
        .group_by("school_code")
        .agg(lo=pl.col("calendar_date").min(), hi=pl.col("calendar_date").max())
    )
    e = t["enrollments"].join(span, on="school_code")
    return _keys(
        e.filter((pl.col("start_date") < pl.col("lo")) | (pl.col("end_date") > pl.col("hi"))),
        ["enrollment_id"],
    )


def grade_outside_span(t):
    e = t["enrollments"].join(t["schools"].select("school_code", "low_grade", "high_grade"), on="school_code")
    return _keys(
        e.filter((pl.col("grade") < pl.col("low_grade")) | (pl.col("grade") > pl.col("high_grade"))),
        ["enrollment_id"],
    )


def invalid_state_id(t):
    s = t["students"].filter(
        pl.col("student_state_id").is_null() | ~pl.col("student_state_id").str.contains(r"^\d{10}$")
    )
    return _keys(s, ["district_number", "local_student_id"])


def duplicate_enrollment(t):
    e = t["enrollments"]
    j = e.join(e, on=["student_state_id", "school_code", "grade", "start_date"], suffix="_b").filter(
        pl.col("enrollment_id_b") < pl.col("enrollment_id")
    )
    return _keys(j, ["enrollment_id"])


def exit_without_exit_code(t):
    return _keys(
        t["enrollments"].filter(pl.col("end_date").is_not_null() & pl.col("exit_code").is_null()),
        ["enrollment_id"],
    )


def iep_annual_review_overdue(t):
    s = t["special_ed"].filter(
        ((pl.lit(AS_OF) - pl.col("annual_review_date")).dt.total_days() > 365)
        & (pl.col("iep_end_date").is_null() | (pl.col("iep_end_date") >= AS_OF))
    )
    return _keys(s, ["iep_id"])


def plan504_without_active_enrollment(t):
    p = t["plans_504"]
    e = t["enrollments"].select("student_state_id", "district_number", "start_date", "end_date")
    hit = p.join(e, on=["student_state_id", "district_number"]).filter(
        (pl.col("start_date") <= pl.col("plan_end_date").fill_null(FAR))
        & (pl.col("end_date").fill_null(FAR) >= pl.col("plan_start_date"))
    )
    return _keys(p.join(hit.select("plan_id").unique(), on="plan_id", how="anti"), ["plan_id"])


def sped_setting_invalid_for_age(t):
    b = t["students"].filter(pl.col("student_state_id").is_not_null()).select("student_state_id", "birth_date").unique()
    s = t["special_ed"].join(b, on="student_state_id")
    age = (pl.lit(AS_OF.year) - pl.col("birth_date").dt.year()) - (
        (pl.col("birth_date").dt.month() * 100 + pl.col("birth_date").dt.day()) > AS_OF.month * 100 + AS_OF.day
    ).cast(pl.Int32)
    bad = (pl.col("setting_code").str.starts_with("EC") & (age >= 6)) | (
        pl.col("setting_code").str.starts_with("SA") & (age < 5)
    )
    return _keys(s.filter(bad), ["iep_id"])


def incident_without_resolution(t):
    return _keys(t["behavior_incidents"].filter(pl.col("resolution_code").is_null()), ["incident_id"])


def tardy_minutes_out_of_range(t):
    a = t["attendance_daily"].filter(
        (pl.col("attendance_code") == "T") & ((pl.col("minutes_tardy") <= 0) | (pl.col("minutes_tardy") > 120))
    )
    return _keys(a, ["enrollment_id", "attendance_date"])


def duplicate_attendance(t):
    a = t["attendance_daily"].group_by("enrollment_id", "attendance_date").len().filter(pl.col("len") > 1)
    return _keys(a, ["enrollment_id", "attendance_date"])


CHECKS = {
    name: fn
    for name, fn in globals().items()
    if callable(fn) and not name.startswith("_") and fn.__module__ == __name__
}
