"""Where the time goes (run after ``bench.run``): ``python -m bench.profile [--students 150000]``.

1. The pack without ATT-005 (the ROW_NUMBER duplicate rule): batched vs DuckDB — is the gap one shape?
2. ATT-005 alone: as compiled, and rewritten to window only over the partitions that have >1 row
   (``JOIN (... GROUP BY k HAVING COUNT(*) > 1)``), in polars and in DuckDB; row counts must agree.
3. The interactive district run split into compile / scan / engine (pyinstrument when installed).
Writes bench/results/profile.json.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.common import ROOT, data_dir, median, write_result

ATT005_REWRITE = """
SELECT d.district_number, d.school_code, d.enrollment_id, d.attendance_date, d.student_state_id, d.attendance_code
FROM (
  SELECT a.district_number, a.school_code, a.enrollment_id, a.attendance_date, a.student_state_id,
         a.attendance_code,
         ROW_NUMBER() OVER (PARTITION BY a.enrollment_id, a.attendance_date
                            ORDER BY a.attendance_code, a.minutes_tardy, a.minutes_absent) AS copy_number
  FROM attendance_daily AS a
  JOIN (SELECT enrollment_id, attendance_date FROM attendance_daily
        GROUP BY enrollment_id, attendance_date HAVING COUNT(*) > 1) AS g
    ON a.enrollment_id = g.enrollment_id AND a.attendance_date = g.attendance_date
) AS d
WHERE d.copy_number > 1
"""


def _t(fn, n: int = 1) -> tuple[float, object]:
    times, out = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=150_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--skip-att005-as-compiled", action="store_true", help="the ~45 s polars run")
    ap.add_argument(
        "--sections",
        default="scan_once,without_att005,att005,interactive",
        help="comma list; results are merged into an existing profile.json",
    )
    args = ap.parse_args()
    import duckdb
    import polars as pl

    from certlib.engine import PolarsEngine, scan_tables
    from certlib.rules import compile_rule, load_pack

    pack = load_pack(ROOT / "rules")
    state = data_dir(args.students) / "state"
    rules = pack.rules_in(None)
    comp = [compile_rule(r, pack) for r in rules]
    duck = [compile_rule(r, pack, target="duckdb") for r in rules]
    con = duckdb.connect()
    for name in sorted(pack.tables):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{(state / (name + '.parquet')).resolve()}')")
    import json

    from bench.common import RESULTS

    sections = set(args.sections.split(","))
    old = RESULTS / "profile.json"
    out: dict = json.loads(old.read_text()) if old.is_file() else {}
    out.update({"students": args.students, "repeats": args.repeats})

    # 0. each file read once? batched as shipped vs every table wrapped in .cache() (own processes, same run)
    from bench.common import OUT, PY, run_measured
    from bench.run import count_scans

    variants = {}
    for label, extra in (
        [] if "scan_once" not in sections else (("as shipped", []), ("tables .cache()d", ["--cache-tables"]))
    ):
        plan = OUT / f"plan-{'cache' if extra else 'plain'}.txt"
        m = run_measured(
            [
                PY,
                "-m",
                "bench.worker",
                "batched",
                "--data",
                str(state),
                "--max-results",
                "-1",
                "--explain",
                str(plan),
                *extra,
            ]
        )
        j = m["json"] or {}
        variants[label] = {
            "wall_s": j.get("wall_s"),
            "cpu_s": m["user_s"] + m["sys_s"],
            "maxrss_mb": m["maxrss_mb"],
            "rchar_mb": (j.get("rchar") or 0) / 2**20,
            "scans": count_scans(plan.read_text()),
            "counts": {k: v["count"] for k, v in (j.get("rules") or {}).items()},
        }
        print(label, {k: v for k, v in variants[label].items() if k != "counts"}, flush=True)
    if variants:
        same = variants["as shipped"]["counts"] == variants["tables .cache()d"]["counts"]
        out["scan_once"] = {"variants": variants, "counts_equal": same}

    # 0b. the whole pack with ATT-005 rewritten / left out: time and peak RSS in own processes
    if "rewritten_pack" in sections:
        rp = {}
        for label, extra in (
            ("as shipped", []),
            ("ATT-005 rewritten", ["--rewrite-att005"]),
            ("without ATT-005", ["--exclude", "ATT-005"]),
        ):
            m = run_measured([PY, "-m", "bench.worker", "batched", "--data", str(state), "--max-results", "-1", *extra])
            j = m["json"] or {}
            rp[label] = {
                "wall_s": j.get("wall_s"),
                "cpu_s": m["user_s"] + m["sys_s"],
                "maxrss_mb": m["maxrss_mb"],
                "rules": len(j.get("rules") or {}),
                "counts": {k: v["count"] for k, v in (j.get("rules") or {}).items()},
            }
            print(label, {k: v for k, v in rp[label].items() if k != "counts"}, flush=True)
        rp["counts_equal_rewritten"] = rp["as shipped"]["counts"] == rp["ATT-005 rewritten"]["counts"]
        out["rewritten_pack"] = rp

    # 1. the pack without ATT-005
    rest = [c for c in comp if c.rule.id != "ATT-005"]
    rest_d = [c for c in duck if c.rule.id != "ATT-005"]
    if "without_att005" in sections:
        tb, _ = _t(lambda: PolarsEngine().run(rest, scan_tables(state, pack), max_results=None), args.repeats)
        td, _ = _t(lambda: [con.sql(c.sql).to_arrow_table() for c in rest_d], args.repeats)
        out["pack_without_ATT-005"] = {"rules": len(rest), "batched_s": tb, "duckdb_s": td, "batched/duckdb": tb / td}
        print(out["pack_without_ATT-005"], flush=True)

    # 2. ATT-005 alone
    att = next(c for c in comp if c.rule.id == "ATT-005")
    att_d = next(c for c in duck if c.rule.id == "ATT-005")
    frames = scan_tables(state, pack)
    ctx = pl.SQLContext(dict(frames))
    res: dict = {}
    if "att005" not in sections:
        res = out.get("ATT-005", {})
    elif not args.skip_att005_as_compiled:
        res["polars_as_compiled_s"], df = _t(lambda: ctx.execute(att.sql, eager=False).collect(), 1)
        res["polars_as_compiled_rows"] = df.height
        res["polars_as_compiled_plan"] = ctx.execute(att.sql, eager=False).explain()
    if "att005" in sections:
        _att005_rest(res, ctx, con, att_d, args.repeats)
    out["ATT-005"] = res
    if "interactive" in sections:
        _interactive(out, pack, rules, state, args)
    write_result("profile", out)


def _att005_rest(res: dict, ctx, con, att_d, repeats: int) -> None:
    res["polars_rewrite_s"], df = _t(lambda: ctx.execute(ATT005_REWRITE, eager=False).collect(), repeats)
    res["polars_rewrite_rows"] = df.height
    res["duckdb_as_transpiled_s"], t = _t(lambda: con.sql(att_d.sql).to_arrow_table(), 1)
    res["duckdb_as_transpiled_rows"] = t.num_rows
    res["duckdb_rewrite_s"], t = _t(lambda: con.sql(ATT005_REWRITE).to_arrow_table(), repeats)
    res["duckdb_rewrite_rows"] = t.num_rows
    res["rewrite_sql"] = ATT005_REWRITE.strip()
    print({k: v for k, v in res.items() if not k.endswith(("_plan", "_sql"))}, flush=True)


def _interactive(out: dict, pack, rules, state: Path, args) -> None:
    """The district run split into compile / scan / engine; engine with ATT-005 rewritten; pyinstrument."""
    from dataclasses import replace

    import polars as pl

    from certlib.engine import PolarsEngine, scan_tables
    from certlib.engine.run import validate
    from certlib.rules import compile_rule

    stu = pl.read_parquet(state / "students.parquet").group_by("district_number").len()
    stu = stu.with_columns(d=(pl.col("len") - 400).abs()).sort("d", "district_number")
    district = stu["district_number"][0]
    ddir = data_dir(args.students) / "districts" / district
    scope = {"district_number": district}
    n = max(args.repeats, 9)
    validate(pack, ddir, scope=scope)
    tc, compiled = _t(lambda: [compile_rule(r, pack, params=scope) for r in rules], n)
    ts, _ = _t(lambda: scan_tables(ddir, pack, scope), n)
    te, r1 = _t(lambda: PolarsEngine().run(compiled, scan_tables(ddir, pack, scope), max_results=1000), n)
    mem = {k: v.collect() for k, v in scan_tables(ddir, pack, scope).items()}
    tm, _ = _t(lambda: PolarsEngine().run(compiled, mem, max_results=1000), n)
    rewritten = [replace(c, sql=ATT005_REWRITE) if c.rule.id == "ATT-005" else c for c in compiled]
    tr, r2 = _t(lambda: PolarsEngine().run(rewritten, scan_tables(ddir, pack, scope), max_results=1000), n)
    att = next(c for c in compiled if c.rule.id == "ATT-005")
    ta, _ = _t(lambda: PolarsEngine().run([att], scan_tables(ddir, pack, scope), max_results=1000), n)
    out["interactive"] = {
        "district": district,
        "runs": n,
        "compile_all_rules_ms": tc * 1000,
        "scan_tables_ms": ts * 1000,
        "engine_run_parquet_ms": te * 1000,
        "engine_run_in_memory_tables_ms": tm * 1000,
        "engine_run_att005_rewritten_ms": tr * 1000,
        "att005_alone_ms": ta * 1000,
        "counts_equal_with_rewrite": [x.count for x in r1.rules] == [x.count for x in r2.rules],
    }
    try:
        from pyinstrument import Profiler

        p = Profiler(interval=0.001)
        p.start()
        validate(pack, ddir, scope=scope)
        p.stop()
        out["interactive"]["pyinstrument"] = p.output_text(unicode=False, color=False)[:6000]
    except ImportError:
        pass
    print({k: v for k, v in out["interactive"].items() if k != "pyinstrument"}, flush=True)


if __name__ == "__main__":
    main()
