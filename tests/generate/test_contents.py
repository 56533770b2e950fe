"""The data is realistic where the rules look, and the summary is computed from the daily rows."""

from __future__ import annotations

import polars as pl

from .util import read_districts, read_json


def test_summary_matches_daily_rows_on_clean_enrollments(state_on):
    out, _ = state_on
    t = read_districts(out)
    planted = {
        k[0]
        for d in read_json(out, "manifest.json")["defects"]
        if d["table"] in ("attendance_daily", "attendance_summary")
        for k in d["keys"]
    }
    inst = t["calendar_days"].filter("instructional").select("school_code", attendance_date="calendar_date")
    agg = (
        t["attendance_daily"]
        .join(inst, on=["school_code", "attendance_date"])
        .group_by("enrollment_id")
        .agg(
            enrolled=pl.len(),
            present=pl.col("attendance_code").is_in(["P", "T"]).sum(),
            excused=(pl.col("attendance_code") == "AE").sum(),
            unexcused=(pl.col("attendance_code") == "AU").sum(),
        )
    )
    s = (
        t["attendance_summary"]
        .filter(~pl.col("enrollment_id").is_in(list(planted)))
        .join(agg, on="enrollment_id", how="left")
    )
    assert s.height > 800
    assert (s["ada_days_enrolled"] == s["enrolled"].cast(pl.Float64)).all()
    assert (s["ada_days_present"] == s["present"].cast(pl.Float64)).all()
    assert (s["days_absent_excused"] == s["excused"].cast(pl.Float64)).all()
    assert (s["days_absent_unexcused"] == s["unexcused"].cast(pl.Float64)).all()


def test_realistic_rates(state_on):
    out, _ = state_on
    t = read_districts(out)
    codes = t["attendance_daily"]["attendance_code"].value_counts(normalize=True).rows()
    share = dict(codes)
    assert 0.85 < share["P"] < 0.97 and share["T"] > 0.005 and share["AE"] > 0.01 and share["AU"] > 0.005
    e = t["enrollments"]
    assert (e.filter(pl.col("exit_code") == "E1").height / e.height) > 0.02  # movers
    assert set(e["service_type"]) == {"P", "S", "N"}
    cal = t["calendar_days"].group_by("school_code").agg(pl.col("instructional").sum())
    assert cal["instructional"].min() >= 170 and cal["instructional"].max() <= 195
    ok_tardy = t["attendance_daily"].filter(pl.col("attendance_code") == "T")["minutes_tardy"]
    assert ok_tardy.min() >= 0
    sped = t["special_ed"].height / t["students"]["student_state_id"].n_unique()
    assert 0.08 < sped < 0.16


def test_movers_exit_before_next_start(state_on):
    out, _ = state_on
    e = read_districts(out)["enrollments"].filter(pl.col("service_type") == "P").sort("student_state_id", "start_date")
    prev_end = pl.col("end_date").shift(1).over("student_state_id")
    nxt = e.filter(pl.col("exit_code").shift(1).over("student_state_id") == "E1")
    assert nxt.height > 10
    assert nxt.with_columns(pe=prev_end).filter(pl.col("pe") >= pl.col("start_date")).height == 0
