"""Writing a large listing report (issue 15): ``python -m bench.reports [--rows 1000000]``.

One rule keeps ``--rows`` rows (a seeded listing: ids, codes, names with non-ASCII letters, dates,
floats with NaN, NULLs) next to a few small rules; each format is written to a file in its own process
(``os.wait4`` peak RSS). The listing is built before the clock starts; ``rss_before_mb`` is the process
with the run in memory, so ``maxrss_mb - rss_before_mb`` is what writing the report added.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from bench.common import OUT, PY, run_measured, write_result

FORMATS = ("csv", "json", "html", "xlsx")


def _rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return -1.0


def listing_run(rows: int):
    from datetime import date, datetime

    import numpy as np
    import polars as pl

    from certlib.engine.results import RuleResult, RunResult

    rng = np.random.default_rng(7)
    frame = pl.DataFrame(
        {
            "district_number": rng.choice(["1071", "2002", "0588"], rows),
            "enrollment_id": np.arange(rows, dtype=np.int64),
            "student_state_id": [f"{10**9 + i}" for i in rng.integers(0, 10**6, rows)],
            "last_name": rng.choice(["Núñez", "O'Hara", "Smith", "<b>x</b>", "Ng"], rows),
            "attendance_date": pl.Series(rng.integers(19950, 20250, rows)).cast(pl.Date),
            "minutes_tardy": pl.Series(rng.integers(0, 60, rows)).set(pl.Series(rng.random(rows) < 0.1), None),
            "rate": np.where(rng.random(rows) < 0.01, np.nan, rng.random(rows) * 100),
            "flag": rng.random(rows) < 0.5,
        }
    )

    def rule(i: int, f: pl.DataFrame, count: int) -> RuleResult:
        return RuleResult(
            id=f"R-{i:03d}",
            title=f"Listing {i}",
            severity=("fatal", "warning", "info")[i % 3],
            groups=("Bench",),
            dataset=f"Listing {i}",
            status="failed" if count else "passed",
            count=count,
            rows=f,
            truncated=f.height < count,
            elapsed_ms=1.0,
            description="d",
            resolution="r",
            key_columns=("enrollment_id",),
            max_results=None,
        )

    rules = [rule(0, frame, rows)] + [rule(i, frame.head(100), 100) for i in range(1, 6)]
    return RunResult(
        rules=rules,
        title="Bench listing",
        scope_label="State",
        source_label="bench",
        generated_at=datetime(2026, 12, 2, 12, 0),
        params={"as_of_date": date(2025, 6, 30)},
    )


def child(fmt: str, rows: int) -> None:
    import certlib.reports as reports

    run = listing_run(rows)
    before = _rss_mb()
    path = OUT / f"bench-report.{fmt}"
    t0 = time.perf_counter()
    if hasattr(reports, "write_report"):
        with open(path, "wb") as f:
            reports.write_report(run, fmt, f)
    else:  # before streaming: the whole report as bytes
        path.write_bytes(reports.render(run, fmt))
    wall = time.perf_counter() - t0
    print(json.dumps({"fmt": fmt, "write_s": wall, "rss_before_mb": before, "bytes": path.stat().st_size}))
    path.unlink()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--formats", default=",".join(FORMATS))
    ap.add_argument("--child")
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.rows)
        return
    OUT.mkdir(parents=True, exist_ok=True)
    out = {"rows": args.rows, "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "formats": {}}
    for fmt in args.formats.split(","):
        m = run_measured([PY, "-m", "bench.reports", "--child", fmt, "--rows", str(args.rows)])
        if m["rc"] != 0:
            print(m["stderr"][-2000:], file=sys.stderr)
            continue
        j = m["json"]
        row = {
            "write_s": round(j["write_s"], 2),
            "cpu_s": round(m["user_s"] + m["sys_s"], 2),
            "maxrss_mb": round(m["maxrss_mb"]),
            "rss_before_mb": round(j["rss_before_mb"]),
            "added_mb": round(m["maxrss_mb"] - j["rss_before_mb"]),
            "mb_written": round(j["bytes"] / 2**20, 1),
        }
        out["formats"][fmt] = row
        print(fmt, row, flush=True)
    write_result("reports" + (f"-{args.tag}" if args.tag else ""), out)


if __name__ == "__main__":
    main()
