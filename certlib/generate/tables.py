"""Turn a :class:`World` into the published tables (district truth), sorted by
(district_number, table keys), plus the big attendance frame with categorical string columns
(cast to String only while streaming to disk, so 27M rows stay small in memory).

Also plants the defects that live in published columns (malformed state ids, unresolved
incidents) and records the planted keys that only exist once ids are assigned.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from certlib.generate.attendance import CODES
from certlib.generate.calendars import calendar_days_table
from certlib.generate.places import schools_table
from certlib.generate.schema import keys
from certlib.generate.world import World
from certlib.generate.writer import categorical


class _Lookup:
    """Gathers district numbers, school codes and state ids by position."""

    def __init__(self, w: World):
        self.dnum = w.districts["district_number"]
        self.scode = w.schools["school_code"]
        self.sid = w.stu["student_state_id"]
        self.s_dist = w.schools["district_idx"].to_numpy()

    def where(self, school: np.ndarray, student: np.ndarray | None = None) -> dict[str, pl.Series]:
        school = np.asarray(school)
        out = {
            "district_number": self.dnum.gather(pl.Series(self.s_dist[school])),
            "school_code": self.scode.gather(pl.Series(school)),
        }
        if student is not None:
            out["student_state_id"] = self.sid.gather(pl.Series(np.asarray(student)))
        return out


def _students(rng, w: World, look: _Lookup) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One row per (student, district enrolled in), local ids numbered per district."""
    pairs = pl.DataFrame({"student": w.e["student"], "d": w.e_dist}).unique().sort("d", "student")
    pairs = pairs.with_columns(r=pl.Series(rng.permutation(pairs.height))).sort("d", "r")
    pairs = pairs.with_columns(
        local_student_id=(100_000 + pl.int_range(pl.len()).over("d")).cast(pl.String),
        district_number=look.dnum.gather(pairs["d"]),
    )
    tab = (
        pairs.join(w.stu, on="student", how="left")
        .with_columns(birth_date=pl.col("birth_date").cast(pl.Date))
        .sort("district_number", "local_student_id")
    )
    if w.defects:
        bad = w.picks["invalid_state_id"]
        fix = pl.DataFrame({"student": bad, "v": np.arange(len(bad)) % 3})
        sid = pl.col("student_state_id")
        tab = (
            tab.join(fix, on="student", how="left")
            .with_columns(
                student_state_id=pl.when(pl.col("v") == 0)
                .then(None)  # missing
                .when(pl.col("v") == 1)
                .then(sid.str.slice(0, 9))  # 9 digits
                .when(pl.col("v") == 2)
                .then(sid + "7")  # 11 digits
                .otherwise(sid)
            )
            .drop("v")
        )
        rows = tab.filter(pl.col("student").is_in(pl.Series(bad).implode()))
        w.planted["invalid_state_id"] = [list(r) for r in rows.select("district_number", "local_student_id").rows()]
    return tab, pairs.select("student", "d", "local_student_id")


def _enrollments(w: World, look: _Lookup, local: pl.DataFrame) -> pl.DataFrame:
    e = w.e
    n = len(w.e_id)
    return (
        pl.DataFrame(
            {
                "enrollment_id": w.e_id,
                "student": e["student"],
                "d": w.e_dist,
                "school_year": np.full(n, w.year, dtype=np.int64),
                "grade": e["grade"],
                "service_type": e["service"],
                "start_date": e["start"].astype(np.int32),
                "end_date": e["end"].astype(np.int32),
                "exit_code": e["exit"],
                **look.where(e["school"], e["student"]),
            }
        )
        .with_columns(
            grade=pl.col("grade").cast(pl.String).str.zfill(2),
            start_date=pl.col("start_date").cast(pl.Date),
            end_date=pl.when(pl.col("end_date") >= 0).then(pl.col("end_date")).cast(pl.Date),
            exit_code=pl.when(pl.col("exit_code") != "").then(pl.col("exit_code")),
        )
        .join(local, on=["student", "d"], how="left", maintain_order="left")
    )


def _summary(w: World, look: _Lookup) -> pl.DataFrame:
    s = w.summ
    return pl.DataFrame(
        {
            "enrollment_id": w.e_id,
            **look.where(w.e["school"], w.e["student"]),
            "school_year": np.full(len(w.e_id), w.year, dtype=np.int64),
            "ada_days_enrolled": s.enrolled,
            "ada_days_present": s.present,
            "days_absent_excused": s.excused,
            "days_absent_unexcused": s.unexcused,
        }
    )


def _numbered(frame: pl.DataFrame, id_col: str, first: int, kinds: tuple[str, ...], w: World) -> pl.DataFrame:
    """Sort by place and student, number the rows, record planted ids of ``kinds``, drop ``_kind``."""
    frame = frame.sort("district_number", "school_code", "student_state_id").with_columns(
        pl.int_range(pl.len(), dtype=pl.Int64).alias(id_col) + first
    )
    for kind in kinds:
        w.planted[kind] = [[int(x)] for x in frame.filter(pl.col("_kind") == kind)[id_col]]
    return frame.drop("_kind")


def _dates(values, nan_to_null: bool = False) -> pl.Series:
    return pl.Series(values, nan_to_null=nan_to_null).cast(pl.Int32).cast(pl.Date)


def _behavior(rng, w: World, look: _Lookup) -> tuple[pl.DataFrame, pl.DataFrame]:
    inc, parts = w.incidents, w.participants
    tab = (
        pl.DataFrame(
            {
                "_i": np.arange(len(inc["school"])),
                **look.where(inc["school"]),
                "incident_date": _dates(inc["incident_date"]),
                "incident_code": inc["incident_code"],
                "resolution_code": inc["resolution_code"],
                "resolution_date": _dates(inc["resolution_date"]),
            }
        )
        .sort("district_number", "school_code", "incident_date", "_i")
        .with_columns(incident_id=400_001 + pl.int_range(pl.len(), dtype=pl.Int64))
    )
    if w.defects and tab.height:
        chosen = np.sort(rng.choice(tab.height, min(w.per_kind, tab.height), replace=False))
        mask = pl.Series(np.isin(np.arange(tab.height), chosen))
        tab = tab.with_columns(
            resolution_code=pl.when(mask).then(None).otherwise(pl.col("resolution_code")),
            resolution_date=pl.when(mask).then(None).otherwise(pl.col("resolution_date")),
        )
        w.planted["incident_without_resolution"] = [[int(x)] for x in tab["incident_id"].gather(pl.Series(chosen))]
    part = pl.DataFrame(
        {
            "_i": parts["incident"],
            "student_state_id": look.sid.gather(pl.Series(parts["student"])),
            "participant_role": parts["participant_role"],
        }
    ).join(tab.select("_i", "incident_id", "district_number", "school_code"), on="_i", how="left")
    return tab.drop("_i"), part.drop("_i")


def attendance_frame(w: World) -> pl.DataFrame:
    """All attendance rows; string columns categorical, minutes Int16 (the writer casts)."""
    d, e = w.daily, w.e
    return pl.DataFrame(
        {
            "enrollment_id": w.e_id[d.enr],
            "district_number": categorical(w.e_dist[d.enr], w.districts["district_number"].to_list()),
            "school_code": categorical(e["school"][d.enr], w.schools["school_code"].to_list()),
            "student_state_id": categorical(e["student"][d.enr], w.stu["student_state_id"].to_list()),
            "attendance_date": pl.Series(d.date).cast(pl.Date),
            "attendance_code": categorical(d.code, list(CODES)),
            "minutes_tardy": d.tardy,
            "minutes_absent": d.absent,
        }
    )


def publish(rng, w: World) -> dict[str, pl.DataFrame]:
    """Every table except attendance_daily, sorted by (district_number, keys)."""
    look = _Lookup(w)
    students, local = _students(rng, w, look)
    sped = pl.DataFrame(
        {
            **look.where(w.sped["school"], w.sped["student"]),
            "disability_code": w.sped["disability_code"],
            "setting_code": w.sped["setting_code"],
            "iep_start_date": _dates(w.sped["iep_start_date"]),
            "iep_end_date": _dates(w.sped["iep_end_date"], nan_to_null=True),
            "annual_review_date": _dates(w.sped["annual_review_date"]),
            "_kind": w.sped_kind,
        }
    )
    p504 = pl.DataFrame(
        {
            **look.where(w.p504["school"], w.p504["student"]),
            "plan_start_date": _dates(w.p504["plan_start_date"]),
            "plan_end_date": _dates(w.p504["plan_end_date"]),
            "accommodation_count": w.p504["accommodation_count"],
            "_kind": w.p504_kind,
        }
    )
    incidents, participants = _behavior(rng, w, look)
    truth = {
        "districts": w.districts,
        "schools": schools_table(w.schools),
        "calendar_days": calendar_days_table(w.cal, w.schools, w.year),
        "students": students,
        "enrollments": _enrollments(w, look, local),
        "attendance_summary": _summary(w, look),
        "special_ed": _numbered(
            sped, "iep_id", 200_001, ("iep_annual_review_overdue", "sped_setting_invalid_for_age"), w
        ),
        "plans_504": _numbered(p504, "plan_id", 300_001, ("plan504_without_active_enrollment",), w),
        "behavior_incidents": incidents,
        "behavior_participants": participants,
    }
    return {
        t: f.sort(list(dict.fromkeys(["district_number", *keys(t)])), maintain_order=True) for t, f in truth.items()
    }
