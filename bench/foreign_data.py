"""Seeded data for the foreign workload (bench/foreign): ``python -m bench.foreign_data --students N --out DIR``.

Northfield's tables as parquet, sized like the default state (one school year, ~180 instructional days,
~1.05 enrollments per student: ~190 attendance rows per student) with a few defects of each kind planted
(duplicate events, events outside the span or on holidays, bad codes, overlapping or duplicate
enrollments, orphans, ...), so every rule has work and most find something. Deterministic for a seed.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

YEAR_START, YEAR_END = date(2024, 8, 19), date(2025, 5, 30)
EPOCH = date(1970, 1, 1)


def _days(d: date) -> int:
    return (d - EPOCH).days


def _pick(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    return rng.random(n) < share


def generate(students: int, out: Path, seed: int = 7) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    out.mkdir(parents=True, exist_ok=True)
    n_campus = max(12, students // 190)
    n_lea = max(4, n_campus // 5)
    campus_ids = np.array([f"C{i:05d}" for i in range(n_campus)])
    campus_lea = np.array([f"L{i % n_lea:04d}" for i in range(n_campus)])
    kind = np.arange(n_campus) % 3
    low, high = np.choose(kind, [0, 6, 9]), np.choose(kind, [5, 8, 12])
    pl.DataFrame(
        {"lea_id": [f"L{i:04d}" for i in range(n_lea)], "lea_name": [f"LEA {i}" for i in range(n_lea)]}
    ).write_parquet(out / "lea.parquet")
    pl.DataFrame(
        {
            "campus_id": campus_ids,
            "lea_id": campus_lea,
            "campus_name": [f"Campus {c}" for c in campus_ids],
            "grade_low": low,
            "grade_high": high,
        }
    ).write_parquet(out / "campus.parquet")

    # calendar: every campus the same year; a few campuses short of instructional days; a few dates twice
    days = np.arange(_days(YEAR_START), _days(YEAR_END) + 1)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday -> 0 = Monday
    holidays = set(rng.choice(np.flatnonzero(weekday < 5), 12, replace=False).tolist())
    day_type = np.where(weekday >= 5, "WE", np.where(np.isin(np.arange(days.size), list(holidays)), "HOL", "ID"))
    cal = pl.DataFrame(
        {
            "campus_id": np.repeat(campus_ids, days.size),
            "lea_id": np.repeat(campus_lea, days.size),
            "school_year": 2025,
            "cal_dt": np.tile(days, n_campus).astype("int32"),
            "day_type": np.tile(day_type, n_campus),
        }
    ).with_columns(pl.col("cal_dt").cast(pl.Date))
    short = campus_ids[rng.choice(n_campus, max(1, n_campus // 100), replace=False)]
    cal = cal.with_columns(
        pl.when(
            pl.col("campus_id").is_in(short.tolist())
            & (pl.col("day_type") == "ID")
            & (pl.int_range(pl.len()) % 20 == 0)
        )
        .then(pl.lit("PD"))
        .otherwise(pl.col("day_type"))
        .alias("day_type")
    )
    cal = pl.concat([cal, cal.sample(max(2, n_campus // 50), seed=seed)])
    cal.write_parquet(out / "cal_date.parquet")

    # students
    uid = np.array([f"{100000000 + i}" for i in range(students)])
    campus_of = rng.integers(0, n_campus, students)
    grade = low[campus_of] + rng.integers(0, 1000, students) % (high[campus_of] - low[campus_of] + 1)
    dob = _days(date(2024, 9, 1)) - (grade + 5) * 365 - rng.integers(0, 365, students)
    dob = np.where(_pick(rng, students, 0.001), _days(date(2026, 3, 1)), dob)
    student = pl.DataFrame(
        {
            "lea_id": campus_lea[campus_of],
            "local_id": [f"{i:07d}" for i in range(students)],
            "student_uid": uid,
            "last_nm": rng.choice(["Berg", "Núñez", "O'Neil", "Lind"], students),
            "first_nm": rng.choice(["Ana", "Bo", "Cy", "Di"], students),
            "dob": dob.astype("int32"),
            "sex_cd": rng.choice(["M", "F", "X"], students),
        }
    ).with_columns(pl.col("dob").cast(pl.Date))
    student = student.with_columns(
        pl.when(pl.Series(_pick(rng, students, 0.001))).then(None).otherwise(pl.col("dob")).alias("dob")
    )
    dup = student.sample(max(2, students // 2000), seed=seed).with_columns((pl.col("local_id") + "D").alias("local_id"))
    pl.concat([student, dup]).write_parquet(out / "student.parquet")

    # enrollments: one each, 5% transfer to a second campus mid-year
    entry = _days(YEAR_START) + rng.integers(0, 8, students)
    transfer = _pick(rng, students, 0.05)
    move = _days(date(2025, 1, 6)) + rng.integers(0, 40, students)
    first = pl.DataFrame(
        {
            "student_uid": uid,
            "campus": campus_of,
            "grade_lvl": grade,
            "entry_dt": entry,
            "exit_dt": np.where(transfer, move, -1),
            "exit_reason": np.where(transfer, "TR", np.where(grade == 12, "GR", "")),
        }
    )
    second_idx = np.flatnonzero(transfer)
    second_campus = (campus_of[second_idx] + 3) % n_campus
    second = pl.DataFrame(
        {
            "student_uid": uid[second_idx],
            "campus": second_campus,
            "grade_lvl": grade[second_idx],
            "entry_dt": move[second_idx] + 1,
            "exit_dt": -1,
            "exit_reason": "",
        }
    )
    enr = pl.concat([first, second], how="vertical_relaxed").with_columns(pl.col("campus").cast(pl.Int64))
    n = enr.height
    enr = enr.with_columns(
        pl.int_range(1, n + 1).alias("assoc_id"),
        pl.Series(campus_ids[enr["campus"].to_numpy()]).alias("campus_id"),
        pl.Series(campus_lea[enr["campus"].to_numpy()]).alias("lea_id"),
        pl.when(pl.col("exit_dt") < 0)
        .then(None)
        .otherwise(pl.col("exit_dt"))
        .cast(pl.Int32)
        .cast(pl.Date)
        .alias("exit_dt"),
        pl.col("entry_dt").cast(pl.Int32).cast(pl.Date),
        pl.when(pl.col("exit_reason") == "").then(None).otherwise(pl.col("exit_reason")).alias("exit_reason"),
    )
    # defects: grade outside span, graduated below 12, exit before entry, exit without reason
    bad = pl.Series(rng.random(n))
    enr = enr.with_columns(
        pl.when(bad < 0.001).then(pl.col("grade_lvl") + 7).otherwise(pl.col("grade_lvl")).alias("grade_lvl"),
        pl.when(bad.is_between(0.001, 0.0015))
        .then(pl.col("entry_dt") - pl.duration(days=30))
        .otherwise(pl.col("exit_dt"))
        .alias("exit_dt"),
        pl.when(bad.is_between(0.0015, 0.002))
        .then(pl.lit("GR"))
        .when(bad.is_between(0.001, 0.0015))
        .then(pl.lit("WD"))
        .otherwise(pl.col("exit_reason"))
        .alias("exit_reason"),
    )
    copies = enr.sample(max(2, n // 2000), seed=seed + 1).with_columns((pl.col("assoc_id") + n).alias("assoc_id"))
    orphan = enr.sample(max(2, n // 5000), seed=seed + 2).with_columns(
        (pl.col("assoc_id") + 2 * n).alias("assoc_id"), (pl.lit("9") + pl.col("student_uid")).alias("student_uid")
    )
    enr = pl.concat([enr, copies, orphan]).with_columns(
        pl.lit(2025).alias("school_year"), pl.lit(True).alias("primary_flag")
    )
    enr.select(
        "assoc_id",
        "student_uid",
        "campus_id",
        "lea_id",
        "school_year",
        "grade_lvl",
        "entry_dt",
        "exit_dt",
        "exit_reason",
        "primary_flag",
    ).write_parquet(out / "stu_school_assoc.parquet")

    # attendance: every instructional day of the span (copies of an enrollment get none: they are "extra")
    inst = days[day_type == "ID"].astype(np.int32)
    base = enr.filter(pl.col("assoc_id") <= n)
    a_id = np.repeat(base["assoc_id"].to_numpy(), inst.size)
    a_day = np.tile(inst, base.height)
    lo = np.repeat(base["entry_dt"].cast(pl.Int32).to_numpy(), inst.size)
    hi = np.repeat(base["exit_dt"].cast(pl.Int32).fill_null(1 << 30).to_numpy(), inst.size)
    keep = (a_day >= lo) & (a_day <= hi)
    idx = np.repeat(np.arange(base.height), inst.size)[keep]
    m = int(keep.sum())
    cat = rng.choice(np.array(["IN", "EA", "UA", "TD"]), m, p=[0.92, 0.03, 0.03, 0.02])
    mins = np.where(cat == "TD", rng.integers(1, 60, m), 0)
    att = pl.DataFrame(
        {
            "assoc_id": a_id[keep],
            "student_uid": base["student_uid"].to_numpy()[idx],
            "campus_id": base["campus_id"].to_numpy()[idx],
            "lea_id": base["lea_id"].to_numpy()[idx],
            "event_dt": a_day[keep],
            "event_cat": cat,
            "mins_missed": mins,
        }
    ).with_columns(pl.col("event_dt").cast(pl.Date))
    r = pl.Series(rng.random(m))
    att = att.with_columns(
        pl.when(r < 2e-5).then(pl.lit("XX")).otherwise(pl.col("event_cat")).alias("event_cat"),
        pl.when(r.is_between(2e-5, 4e-5))
        .then(pl.lit(500))
        .when(r.is_between(4e-5, 6e-5) & (pl.col("event_cat") == "IN"))
        .then(pl.lit(15))
        .otherwise(pl.col("mins_missed"))
        .alias("mins_missed"),
        pl.when(r.is_between(6e-5, 8e-5))
        .then(pl.col("event_dt") - pl.duration(days=2))
        .otherwise(pl.col("event_dt"))
        .alias("event_dt"),
    )
    dups = att.sample(max(2, m // 50_000), seed=seed + 3)
    strays = att.sample(max(2, m // 500_000), seed=seed + 4).with_columns(
        (pl.col("assoc_id") + 5 * n).alias("assoc_id")
    )
    att = pl.concat([att, dups, strays])
    att.write_parquet(out / "att_event.parquet", row_group_size=1_000_000)

    # discipline
    k = max(10, students // 20)
    who = rng.integers(0, base.height, k)
    inc_dt = rng.integers(_days(date(2024, 9, 1)), _days(date(2025, 5, 20)), k)
    act_dt = inc_dt + rng.integers(0, 5, k) - np.where(_pick(rng, k, 0.002), 10, 0)
    ev = pl.DataFrame(
        {
            "incident_nbr": np.arange(1, k + 1),
            "campus_id": base["campus_id"].to_numpy()[who],
            "lea_id": base["lea_id"].to_numpy()[who],
            "incident_dt": inc_dt.astype("int32"),
            "behavior_cd": rng.choice(["FGT", "TRU", "DIS", "VAP"], k),
            "action_cd": rng.choice(["ISS", "OSS", "DET"], k),
            "action_dt": act_dt.astype("int32"),
            "days_removed": rng.integers(0, 5, k).astype(float) + np.where(_pick(rng, k, 0.002), 300, 0),
        }
    ).with_columns(pl.col("incident_dt").cast(pl.Date), pl.col("action_dt").cast(pl.Date))
    ev.write_parquet(out / "discipline_event.parquet")
    keep_inc = ~_pick(rng, k, 0.003)
    ds = pl.DataFrame(
        {
            "incident_nbr": np.arange(1, k + 1)[keep_inc],
            "student_uid": base["student_uid"].to_numpy()[who][keep_inc],
            "lea_id": base["lea_id"].to_numpy()[who][keep_inc],
            "campus_id": base["campus_id"].to_numpy()[who][keep_inc],
            "role_cd": "OFF",
        }
    )
    extra = ds.sample(max(2, k // 4), seed=seed + 5).with_columns(
        pl.Series(rng.choice(uid, max(2, k // 4))).alias("student_uid"), pl.lit("VIC").alias("role_cd")
    )
    pl.concat([ds, extra]).unique(["incident_nbr", "student_uid"], keep="first", maintain_order=True).write_parquet(
        out / "discipline_student.parquet"
    )

    # programs: 12% SPED, 3% 504; a few ending before they begin, a few overlapping
    p = max(10, students * 15 // 100)
    pw = rng.choice(students, p, replace=False)
    begin = rng.integers(_days(date(2023, 9, 1)), _days(date(2025, 3, 1)), p)
    end = np.where(_pick(rng, p, 0.5), -1, begin + rng.integers(60, 400, p))
    end = np.where(_pick(rng, p, 0.002), begin - 5, end)
    prog = pl.DataFrame(
        {
            "program_id": np.arange(1, p + 1),
            "student_uid": uid[pw],
            "lea_id": campus_lea[campus_of[pw]],
            "campus_id": campus_ids[campus_of[pw]],
            "program_cd": rng.choice(["SPED", "504"], p, p=[0.8, 0.2]),
            "begin_dt": begin.astype("int32"),
            "end_dt": end.astype("int32"),
        }
    ).with_columns(
        pl.col("begin_dt").cast(pl.Date),
        pl.when(pl.col("end_dt") < 0).then(None).otherwise(pl.col("end_dt")).cast(pl.Date).alias("end_dt"),
    )
    overlap = prog.sample(max(2, p // 1000), seed=seed + 6).with_columns((pl.col("program_id") + p).alias("program_id"))
    pl.concat([prog, overlap]).write_parquet(out / "program_assoc.parquet")
    return {t.stem: pl.scan_parquet(t).select(pl.len()).collect().item() for t in sorted(out.glob("*.parquet"))}


def ensure(students: int, seed: int = 7, root: Path | None = None, log=print) -> Path:
    """The foreign state of ``students`` under bench/out (generated once per size and seed)."""
    from bench.common import OUT

    out = (root or OUT) / f"foreign-s{students}" / "state"
    stamp = out / "generate.json"
    want = {"students": students, "seed": seed}
    if stamp.exists() and json.loads(stamp.read_text()).get("params") == want:
        return out
    t0 = time.perf_counter()
    rows = generate(students, out, seed)
    stamp.write_text(json.dumps({"params": want, "rows": rows, "seconds": time.perf_counter() - t0}))
    log(f"foreign state {students}: {sum(rows.values()):,} rows in {time.perf_counter() - t0:.1f}s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    print(ensure(args.students, args.seed))


if __name__ == "__main__":
    main()
