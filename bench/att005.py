"""ATT-005 as written, compiled without and with the plan rewrites: ``python -m bench.att005 DATA_DIR``.

Without them polars numbers every (enrollment, date) group; with them only groups with copies
(certlib/rules/plan_rewrites.py). ``python -m bench.rewrites`` measures every rewritten shape vs DuckDB.
"""

from __future__ import annotations

import sys
import time

import polars as pl

from certlib.engine import scan_tables
from certlib.rules import compile_rule, compile_sql, load_pack

FIRST_FORM = """SELECT d.district_number, d.school_code, d.enrollment_id, d.attendance_date, d.student_state_id,
       d.attendance_code
FROM (
  SELECT a.district_number, a.school_code, a.enrollment_id, a.attendance_date, a.student_state_id,
         a.attendance_code,
         ROW_NUMBER() OVER (PARTITION BY a.enrollment_id, a.attendance_date
                            ORDER BY a.attendance_code, a.minutes_tardy, a.minutes_absent) AS copy_number
  FROM attendance_daily AS a
) AS d
WHERE d.copy_number > 1"""


def main(data_dir: str) -> None:
    pack = load_pack()
    frames = scan_tables(data_dir, pack)
    from bench.rewrites import rewrites_off

    with rewrites_off():
        as_written = compile_sql(FIRST_FORM, pack).sql
    forms = {
        "as written, no plan rewrite": as_written,
        "pack rule, compiled": compile_rule(pack.rules["ATT-005"], pack).sql,
    }
    for name, sql in forms.items():
        start = time.perf_counter()
        rows = pl.SQLContext(frames).execute(sql).collect().height
        print(f"{name}: {rows} rows in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bench/out/s50000/state")
