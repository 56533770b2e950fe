"""certlib benchmarks (issue 7). ``python -m bench.run`` runs every part; see ``--help``.

Parts: generator, statewide, interactive, dashboard, scaling. Raw results go to bench/results/<part>.json,
generated data to bench/out/ (gitignored). Every engine measurement runs in its own process (peak RSS
from ``os.wait4``), timings exclude interpreter start and imports.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

from bench.common import (
    OUT,
    PY,
    RESULTS,
    data_dir,
    ensure_data,
    machine,
    median,
    p95,
    run_measured,
    write_result,
)

PARTS = ["generator", "statewide", "interactive", "dashboard", "scaling"]


def log(msg: str) -> None:
    print(msg, flush=True)


def worker(mode: str, data: Path, *extra: str) -> dict:
    m = run_measured([PY, "-m", "bench.worker", mode, "--data", str(data), *extra])
    if m["rc"] != 0 or m["json"] is None:
        raise RuntimeError(f"worker {mode} failed (rc {m['rc']}):\n{m['stderr'][-3000:]}")
    res = m["json"]
    res["maxrss_mb"] = m["maxrss_mb"]
    res["process_wall_s"] = m["wall_s"]
    res["cpu_s"] = m["user_s"] + m["sys_s"]
    return res


# ---------------------------------------------------------------------------------------------
# 4. generator
# ---------------------------------------------------------------------------------------------


def part_generator(args) -> dict:
    students = args.students
    d = data_dir(students)
    if (d / "generate.json").exists():
        (d / "generate.json").unlink()  # force a fresh, measured run (the generator clears its own output)
    d, m = ensure_data(students, log)
    assert m is not None
    gen = json.loads((d / "generate.json").read_text())
    out = {
        "students": students,
        "wall_s": m["wall_s"],
        "maxrss_mb": m["maxrss_mb"],
        "cpu_s": m["user_s"] + m["sys_s"],
        "stdout": m["stdout"].strip(),
        "counts": gen.get("counts"),
        "target": {"wall_s": 30, "maxrss_mb": 3072},
        "command": f"certlib generate --out {d} --students {students} --seed 7",
    }
    log(f"  generator {students:,}: {m['wall_s']:.1f} s, peak RSS {m['maxrss_mb']:.0f} MB")
    return out


# ---------------------------------------------------------------------------------------------
# 1. statewide: batched vs per-rule vs DuckDB
# ---------------------------------------------------------------------------------------------


def count_scans(plan: str) -> dict[str, int]:
    """Parquet scans per file in ``pl.explain_all`` of the batch (CSE on). A cached subplan is printed
    once, under its first ``CACHE[id]``; later uses print only ``CACHE[id]``. So each ``Parquet SCAN
    [file]`` line is one physical read of that file."""
    found: dict[str, int] = {}
    for m in re.finditer(r"Parquet SCAN \[([^\]]+)\]", plan):
        name = Path(m.group(1)).stem
        found[name] = found.get(name, 0) + 1
    return dict(sorted(found.items()))


def part_statewide(args) -> dict:
    d, _ = ensure_data(args.students, log)
    state = d / "state"
    files = {p.stem: p.stat().st_size for p in sorted(state.glob("*.parquet"))}
    modes = ["batched", "duckdb", "perrule"]
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    OUT.mkdir(parents=True, exist_ok=True)
    kb, kd, plan_path = OUT / "keys-batched.parquet", OUT / "keys-duckdb.parquet", OUT / "plan-batched.txt"
    kp = OUT / "keys-perrule.parquet"
    for r in range(args.rounds):
        order = modes[r % 3 :] + modes[: r % 3]  # rotate so no engine always runs first
        for mode in order:
            extra = ["--max-results", "-1"]  # every row kept by every engine: same work, full key sets
            if r == 0:  # key sets / plan written after the timed section
                extra += ["--full-keys-out", str({"batched": kb, "duckdb": kd, "perrule": kp}[mode])]
                if mode == "batched":
                    extra += ["--explain", str(plan_path)]
            res = worker(mode, state, *extra)
            runs[mode].append(res)
            log(f"  round {r + 1} {mode:8s} {res['wall_s']:7.2f} s  peak RSS {res['maxrss_mb']:7.0f} MB")
    check = cross_check(runs, kb, kd, kp)
    scans = count_scans(plan_path.read_text())
    summary = {}
    for mode in modes:
        walls = [x["wall_s"] for x in runs[mode]]
        summary[mode] = {
            "median_s": median(walls),
            "all_s": walls,
            "maxrss_mb": max(x["maxrss_mb"] for x in runs[mode]),
            "rchar_mb": median([x["rchar"] / 2**20 for x in runs[mode]]),
            "compile_s": median([x["compile_s"] for x in runs[mode]]),
        }
    ratio = {
        "batched/duckdb": summary["batched"]["median_s"] / summary["duckdb"]["median_s"],
        "batched/perrule": summary["batched"]["median_s"] / summary["perrule"]["median_s"],
    }
    per_rule = {}
    for rid in runs["perrule"][0]["rules"]:
        per_rule[rid] = {
            "perrule_ms": median([x["rules"][rid]["ms"] for x in runs["perrule"]]),
            "duckdb_ms": median([x["rules"][rid]["ms"] for x in runs["duckdb"] if rid in x["rules"]] or [float("nan")]),
            "count": runs["batched"][0]["rules"].get(rid, {}).get("count"),
        }
    refused = runs["batched"][0]["refused"] + runs["duckdb"][0]["refused"]
    errors = {
        mode: {rid: v["error"] for rid, v in runs[mode][0]["rules"].items() if v["status"] == "error"} for mode in modes
    }
    log(
        f"  batched/duckdb {ratio['batched/duckdb']:.2f}  batched/perrule {ratio['batched/perrule']:.2f}  "
        f"cross-check {'OK' if check['equal'] else 'DIFFERENCES'}; scans {scans}"
    )
    return {
        "students": args.students,
        "data": str(state),
        "rows": _rows(d),
        "file_bytes": files,
        "rounds": args.rounds,
        "summary": summary,
        "ratios": ratio,
        "scans_in_batched_plan": scans,
        "bytes_read_vs_files": {m: summary[m]["rchar_mb"] / (sum(files.values()) / 2**20) for m in modes},
        "per_rule": per_rule,
        "refused": refused,
        "errors": errors,
        "cross_check": check,
        "max_results": "all rows kept (--max-results -1) by every engine",
        "runs": {m: [{k: v for k, v in x.items() if k != "rules"} for x in runs[m]] for m in modes},
        "targets": {"batched/duckdb": 0.7, "batched/perrule": 0.5, "scans_per_file": 1},
    }


def _rows(d: Path) -> dict:
    g = json.loads((d / "generate.json").read_text())
    return g.get("state_counts") or g.get("counts") or {}


def cross_check(runs: dict, keys_b: Path, keys_d: Path, keys_p: Path) -> dict:
    """Counts per rule equal in every timed run of every engine (DuckDB round 1 is the reference); full key
    multisets (every row kept) equal: batched vs DuckDB and per-rule vs DuckDB."""
    import polars as pl

    problems = []
    ref = runs["duckdb"][0]["rules"]
    for mode, lst in runs.items():
        for i, res in enumerate(lst):
            for rid, v in res["rules"].items():
                if rid not in ref:
                    problems.append(f"{mode} run {i + 1}: {rid} has no DuckDB result")
                elif v["status"] == "error" or ref[rid]["status"] == "error":
                    problems.append(f"{mode} run {i + 1}: {rid} error: {v['error'] or ref[rid]['error']}")
                elif v["count"] != ref[rid]["count"]:
                    problems.append(f"{mode} run {i + 1}: {rid} count {v['count']} != DuckDB {ref[rid]['count']}")
    b, d, p = pl.read_parquet(keys_b), pl.read_parquet(keys_d), pl.read_parquet(keys_p)
    kd = d.group_by("rule", "key").len()
    for name, frame in (("batched", b), ("per-rule", p)):
        k = frame.group_by("rule", "key").len()
        diff = k.join(kd, on=["rule", "key"], how="full", coalesce=True).filter(
            pl.col("len").fill_null(0) != pl.col("len_right").fill_null(0)
        )
        for rid, n in diff.group_by("rule").len().sort("rule").iter_rows():
            problems.append(f"key set of {rid}: {n} keys differ between {name} and DuckDB")
    return {
        "equal": not problems,
        "problems": sorted(set(problems))[:200],
        "keys_compared": b.height,
        "rules_compared": b["rule"].n_unique(),
    }


# ---------------------------------------------------------------------------------------------
# 2. interactive: one district
# ---------------------------------------------------------------------------------------------


def part_interactive(args) -> dict:
    import polars as pl

    d, _ = ensure_data(args.students, log)
    sizes = (
        pl.read_parquet(d / "state" / "students.parquet")
        .group_by("district_number")
        .len()
        .with_columns(dist=(pl.col("len") - args.district_students).abs())
        .sort("dist", "district_number")
    )
    district, n = sizes.row(0)[0], sizes.row(0)[1]
    ddir = d / "districts" / district
    res = worker("district", ddir, "--district", district, "--repeats", str(args.runs))
    out = {
        "district": district,
        "students": n,
        "data": str(ddir),
        "runs": args.runs,
        "validate_median_ms": median(res["validate_ms"]),
        "validate_p95_ms": p95(res["validate_ms"]),
        "engine_median_ms": median(res["engine_ms"]),
        "engine_p95_ms": p95(res["engine_ms"]),
        "phases_one_run": res["phases_one_run"],
        "maxrss_mb": res["maxrss_mb"],
        "errors": res["errors"],
        "validate_ms": res["validate_ms"],
        "engine_ms": res["engine_ms"],
        "target_ms": 50,
    }
    log(
        f"  district {district} ({n} students): validate median {out['validate_median_ms']:.0f} ms, "
        f"p95 {out['validate_p95_ms']:.0f} ms; engine only median {out['engine_median_ms']:.0f} ms"
    )
    return out


# ---------------------------------------------------------------------------------------------
# 3. dashboard
# ---------------------------------------------------------------------------------------------


def part_dashboard(args) -> dict:
    m = run_measured([PY, "-m", "bench.dashboard"])
    if m["rc"] != 0 or m["json"] is None:
        raise RuntimeError(m["stderr"][-3000:])
    out = m["json"]
    out["maxrss_mb"] = m["maxrss_mb"]
    out["target_ms"] = 150
    for name, s in out["scenarios"].items():
        log(f"  {name}: median {s['median_ms']:.0f} ms, p95 {s['p95_ms']:.0f} ms")
    return out


# ---------------------------------------------------------------------------------------------
# 5. scaling
# ---------------------------------------------------------------------------------------------


def part_scaling(args, statewide: dict | None) -> dict:
    points = []
    for n in args.sizes:
        d, _ = ensure_data(n, log)
        reuse = statewide is not None and statewide.get("students") == n
        if reuse:
            walls = statewide["summary"]["batched"]["all_s"]
            rss = statewide["summary"]["batched"]["maxrss_mb"]
        else:
            reps = args.scaling_repeats if n <= args.students else args.scaling_repeats_large
            res = [worker("batched", d / "state", "--max-results", "-1") for _ in range(reps)]
            walls, rss = [x["wall_s"] for x in res], max(x["maxrss_mb"] for x in res)
        rows = _rows(d)
        p = {
            "students": n,
            "attendance_rows": rows.get("attendance_daily"),
            "total_rows": sum(rows.values()),
            "median_s": median(walls),
            "all_s": walls,
            "maxrss_mb": rss,
            "reused_statewide": reuse,
        }
        points.append(p)
        log(f"  {n:>7,} students, {p['total_rows']:>11,} rows: {p['median_s']:6.2f} s, peak RSS {rss:6.0f} MB")
    fit = _fit(points)
    out = {"points": points, "fit": fit}
    try:
        _chart(points, RESULTS / "scaling.png")
        out["chart"] = "bench/results/scaling.png"
    except Exception as err:  # noqa: BLE001 - the chart is a bonus
        out["chart_error"] = str(err)
    return out


def _fit(points: list[dict]) -> dict:
    """Least squares time = a + b·rows and RSS = c + d·rows; per-row cost at each size; memory limit."""
    import numpy as np

    x = np.array([p["total_rows"] for p in points], float)
    t = np.array([p["median_s"] for p in points], float)
    r = np.array([p["maxrss_mb"] for p in points], float)
    if len(points) < 2:
        return {}
    b, a = np.polyfit(x, t, 1)
    d, c = np.polyfit(x, r, 1)
    loglog = float(np.polyfit(np.log(x), np.log(t), 1)[0])
    mem_mb = _mem_total_mb()
    rows_at_limit = (mem_mb - c) / d if d > 0 else None
    return {
        "time_intercept_s": a,
        "time_per_million_rows_s": b * 1e6,
        "loglog_slope": loglog,
        "rss_intercept_mb": c,
        "rss_per_million_rows_mb": d * 1e6,
        "mem_total_mb": mem_mb,
        "rows_at_memory_limit": rows_at_limit,
        "students_at_memory_limit": rows_at_limit / (points[-1]["total_rows"] / points[-1]["students"])
        if rows_at_limit
        else None,
        "us_per_row": [p["median_s"] / p["total_rows"] * 1e6 for p in points],
    }


def _mem_total_mb() -> float:
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _chart(points: list[dict], path: Path) -> None:
    import altair as alt
    import polars as pl
    import vl_convert as vlc

    df = pl.DataFrame(
        [
            {
                "rows (millions)": p["total_rows"] / 1e6,
                "students": p["students"],
                "seconds": p["median_s"],
                "peak RSS (GB)": p["maxrss_mb"] / 1024,
            }
            for p in points
        ]
    )
    base = alt.Chart(df).encode(x=alt.X("rows (millions):Q"))
    t = (
        base.mark_line(point=True)
        .encode(y="seconds:Q", tooltip=["students", "seconds"])
        .properties(title="batched run time vs rows", width=320, height=220)
    )
    m = (
        base.mark_line(point=True, color="#cb181d")
        .encode(y="peak RSS (GB):Q")
        .properties(title="peak RSS vs rows", width=320, height=220)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(vlc.vegalite_to_png(alt.hconcat(t, m).to_json(), scale=1.5))


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--parts", default=",".join(PARTS), help=f"comma list of {', '.join(PARTS)} (default: all)")
    ap.add_argument("--students", type=int, default=150_000, help="statewide/generator size (default 150000)")
    ap.add_argument("--rounds", type=int, default=3, help="statewide rounds (each engine once per round)")
    ap.add_argument("--sizes", default="10000,50000,150000,300000", help="scaling sizes")
    ap.add_argument("--scaling-repeats", type=int, default=3, help="batched runs per size up to --students")
    ap.add_argument(
        "--scaling-repeats-large",
        type=int,
        default=1,
        help="batched runs per size above --students (300k: one run keeps make bench < 15 min)",
    )
    ap.add_argument("--runs", type=int, default=20, help="interactive/dashboard timed runs")
    ap.add_argument("--district-students", type=int, default=400, help="pick the district closest to this size")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one round: checks the harness only")
    ap.add_argument("--tag", default="", help="suffix for result file names")
    args = ap.parse_args(argv)
    if args.smoke:
        args.students, args.rounds, args.sizes, args.scaling_repeats, args.runs = 2000, 1, "1000,2000,3000", 1, 3
        args.tag = args.tag or "smoke"
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    bad = [p for p in parts if p not in PARTS]
    if bad:
        ap.error(f"unknown part(s) {bad}; use {PARTS}")
    suffix = f"-{args.tag}" if args.tag else ""
    info = machine()
    info["argv"] = sys.argv
    log(f"certlib bench {info['date_utc']} UTC on {info['nproc']} cores; parts {parts}")
    t0 = time.perf_counter()
    statewide = None
    for part in parts:
        log(f"[{part}]")
        p0 = time.perf_counter()
        if part == "generator":
            res = part_generator(args)
        elif part == "statewide":
            res = statewide = part_statewide(args)
        elif part == "interactive":
            res = part_interactive(args)
        elif part == "dashboard":
            res = part_dashboard(args)
        else:
            if statewide is None and (RESULTS / f"statewide{suffix}.json").is_file():
                statewide = json.loads((RESULTS / f"statewide{suffix}.json").read_text())
            res = part_scaling(args, statewide)
        res["part_s"] = time.perf_counter() - p0
        res["machine"] = info
        path = write_result(part + suffix, res)
        log(f"  -> {path.relative_to(RESULTS.parent.parent)} ({res['part_s']:.0f} s)")
    log(f"done in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
