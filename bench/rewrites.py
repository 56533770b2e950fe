"""Each plan rewrite's shape, with and without the rewrite, against DuckDB on one state copy (issue 15).

``python -m bench.rewrites [DATA_DIR] [--out bench/results/rewrites.json]``: every query is compiled by
certlib for polars twice (plan rewrites on / off) and for DuckDB, run on the same parquet files in this
process, one after the other (median of ``--repeats``); row counts must agree. Ratios, not seconds, are
the result: the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from certlib.engine import scan_tables
from certlib.rules import compile_sql, load_pack

SHAPES = {
    "row_number > 1 (duplicates, attendance)": """SELECT d.enrollment_id, d.attendance_date, d.attendance_code FROM (
        SELECT a.enrollment_id, a.attendance_date, a.attendance_code, ROW_NUMBER() OVER (
          PARTITION BY a.enrollment_id, a.attendance_date ORDER BY a.attendance_code, a.minutes_tardy,
          a.minutes_absent) AS copy_number FROM attendance_daily AS a) AS d WHERE d.copy_number > 1""",
    "row_number = 1 (keep first, attendance)": """SELECT d.enrollment_id, d.attendance_date FROM (
        SELECT a.enrollment_id, a.attendance_date, ROW_NUMBER() OVER (
          PARTITION BY a.enrollment_id, a.attendance_date ORDER BY a.attendance_code) AS rn
        FROM attendance_daily AS a WHERE a.attendance_code <> 'P') AS d WHERE d.rn = 1""",
    "rank() > 1 via CTE (attendance)": """WITH r AS (SELECT a.enrollment_id, a.attendance_date,
          RANK() OVER (PARTITION BY a.enrollment_id, a.attendance_date ORDER BY a.minutes_tardy DESC) AS rk
        FROM attendance_daily AS a) SELECT r.enrollment_id, r.attendance_date FROM r WHERE r.rk >= 2""",
    "row_number <= 1 latest enrollment (enrollments)": """SELECT x.enrollment_id FROM (
        SELECT e.enrollment_id, ROW_NUMBER() OVER (PARTITION BY e.student_state_id
          ORDER BY e.start_date DESC, e.enrollment_id) AS rn FROM enrollments AS e) AS x WHERE x.rn <= 1""",
    "count(*) over > 1 (not rewritten)": """SELECT d.enrollment_id, d.attendance_date FROM (
        SELECT a.enrollment_id, a.attendance_date, COUNT(*) OVER (PARTITION BY a.enrollment_id,
          a.attendance_date) AS n FROM attendance_daily AS a) AS d WHERE d.n > 1""",
    "IN (subquery) against attendance (not rewritten)": """SELECT e.enrollment_id FROM enrollments AS e
        WHERE e.enrollment_id NOT IN (SELECT a.enrollment_id FROM attendance_daily AS a
          WHERE a.attendance_code = 'T')""",
    "EXISTS against attendance (not rewritten)": """SELECT e.enrollment_id FROM enrollments AS e
        WHERE EXISTS (SELECT 1 FROM attendance_daily AS a WHERE a.enrollment_id = e.enrollment_id
          AND a.attendance_code = 'AU')""",
}


@contextmanager
def rewrites_off():
    import certlib.rules.rewrites as rw

    saved = rw.plan_rewrites
    rw.plan_rewrites = lambda tree: tree
    try:
        yield
    finally:
        rw.plan_rewrites = saved


def _time(fn, repeats: int) -> tuple[float, int]:
    times, rows = [], -1
    for _ in range(repeats):
        t0 = time.perf_counter()
        rows = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data", nargs="?", default="bench/out/s50000/state")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-off", action="store_true", help="skip the slow unrewritten forms")
    ap.add_argument("--out")
    args = ap.parse_args()
    pack = load_pack()
    frames = scan_tables(args.data, pack)
    con = duckdb.connect()
    for name in pack.tables:
        path = Path(args.data) / f"{name}.parquet"
        if path.exists():
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    out = {"data": args.data, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "shapes": {}}
    for label, sql in SHAPES.items():
        on = compile_sql(sql, pack).sql
        with rewrites_off():
            off = compile_sql(sql, pack).sql
        duck = compile_sql(sql, pack, target="duckdb").sql
        row = {"rewritten": on != off}
        row["duckdb_s"], duck_rows = _time(lambda s=duck: con.sql(s).to_arrow_table().num_rows, args.repeats)
        row["on_s"], on_rows = _time(lambda s=on: pl.SQLContext(frames).execute(s).collect().height, args.repeats)
        if on != off and not args.skip_off:
            row["off_s"], off_rows = _time(lambda s=off: pl.SQLContext(frames).execute(s).collect().height, 1)
            assert off_rows == on_rows, (label, off_rows, on_rows)
        assert on_rows == duck_rows, (label, on_rows, duck_rows)
        row["rows"] = on_rows
        row["on/duckdb"] = row["on_s"] / row["duckdb_s"]
        if "off_s" in row:
            row["off/duckdb"] = row["off_s"] / row["duckdb_s"]
        out["shapes"][label] = row
        print(
            f"{label}: " + ", ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()),
            flush=True,
        )
    if args.out:
        Path(args.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
