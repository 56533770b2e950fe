"""Markdown tables from bench/results/*.json: ``python -m bench.report [--tag T]`` (pasted into
bench/README.md); with ``--tag`` each part's ``<part>-T.json`` (a ``bench.run --tag T`` run) is read
instead, falling back to the untagged file for parts that run did not measure."""

from __future__ import annotations

import argparse
import json

from bench.common import RESULTS

TAG: str | None = None


def _load(name: str) -> dict | None:
    for p in ([RESULTS / f"{name}-{TAG}.json"] if TAG else []) + [RESULTS / f"{name}.json"]:
        if p.is_file():
            return json.loads(p.read_text())
    return None


def main() -> None:
    global TAG
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tag", default=None, help="read <part>-TAG.json where present")
    TAG = ap.parse_args().tag
    lines: list[str] = []
    w = lines.append
    s = _load("statewide")
    if s:
        sm = s["summary"]
        w(
            f"### 1. Statewide, {s['students']:,} students ({sum(s['rows'].values()):,} rows; "
            f"attendance_daily {s['rows'].get('attendance_daily', 0):,}), {s['rounds']} rounds\n"
        )
        w(
            "| engine | wall median (s) | wall per round (s) | CPU per run (s, median) | peak RSS (MB) | bytes read / file bytes |"
        )
        w("|---|---|---|---|---|---|")
        for m, label in (
            ("batched", "certlib batched (collect_all)"),
            ("perrule", "certlib one rule at a time"),
            ("duckdb", "DuckDB, same rules transpiled"),
        ):
            cpu = sorted(x["cpu_s"] for x in s["runs"][m])[len(s["runs"][m]) // 2]
            w(
                f"| {label} | {sm[m]['median_s']:.2f} | {', '.join(f'{x:.1f}' for x in sm[m]['all_s'])} | {cpu:.1f} | "
                f"{sm[m]['maxrss_mb']:.0f} | {s['bytes_read_vs_files'][m]:.2f} |"
            )
        cpu = {m: sorted(x["cpu_s"] for x in s["runs"][m])[len(s["runs"][m]) // 2] for m in sm}
        w("")
        w(
            f"Ratios (wall medians): batched/DuckDB **{s['ratios']['batched/duckdb']:.2f}** (target ≤ 0.7), "
            f"batched/per-rule **{s['ratios']['batched/perrule']:.2f}** (target ≤ 0.5). "
            f"By CPU seconds (less sensitive to the other tenants): batched/DuckDB {cpu['batched'] / cpu['duckdb']:.2f}, "
            f"batched/per-rule {cpu['batched'] / cpu['perrule']:.2f}.\n"
        )
        w(
            f"Cross-check: {'**equal**' if s['cross_check']['equal'] else '**DIFFERENCES**'} — counts of every rule in "
            f"every timed run vs DuckDB, and full key multisets ({s['cross_check']['keys_compared']:,} keys over "
            f"{s['cross_check']['rules_compared']} rules with rows) batched vs DuckDB and per-rule vs DuckDB. "
            f"Refused by a compiler: {s['refused'] or 'none'}; errors on an engine: "
            f"{ {k: v for k, v in s['errors'].items() if v} or 'none' }.\n"
        )
        if s["cross_check"]["problems"]:
            w("Problems: " + "; ".join(s["cross_check"]["problems"][:20]) + "\n")
        w(
            "Parquet scans per file in the batched plan: "
            + ", ".join(f"{k} {v}" for k, v in s["scans_in_batched_plan"].items())
            + "\n"
        )
        w("| rule | per-rule loop (ms, median) | DuckDB (ms, median) | rows |")
        w("|---|---|---|---|")
        for rid, v in sorted(s["per_rule"].items(), key=lambda kv: -kv[1]["perrule_ms"])[:12]:
            w(f"| {rid} | {v['perrule_ms']:.0f} | {v['duckdb_ms']:.0f} | {v['count']:,} |")
        w("")
    i = _load("interactive")
    if i:
        w(
            f"### 2. Interactive: district {i['district']} ({i['students']} students), full pack, warm, {i['runs']} runs\n"
        )
        w("| what | median (ms) | p95 (ms) |")
        w("|---|---|---|")
        w(f"| `validate(...)` (compile + scan + run) | {i['validate_median_ms']:.0f} | {i['validate_p95_ms']:.0f} |")
        w(f"| engine only (rules compiled once) | {i['engine_median_ms']:.0f} | {i['engine_p95_ms']:.0f} |")
        w("")
        w(
            f"One run split: {', '.join(f'{k} {v:.0f}' for k, v in i['phases_one_run'].items())}. "
            f"Peak RSS {i['maxrss_mb']:.0f} MB. Target ≤ 50 ms.\n"
        )
    d = _load("dashboard")
    if d:
        w(
            f"### 3. Dashboard: {d['schools']} schools × {d['events']} events = {d['units']:,} units, "
            f"{d['users']:,} user rows, {d['findings']:,} finding rows; {d['runs']} runs\n"
        )
        w("| filter change → | median (ms) | p95 (ms) |")
        w("|---|---|---|")
        for name, v in d["scenarios"].items():
            w(f"| {name} | {v['median_ms']:.0f} | {v['p95_ms']:.0f} |")
        w("")
    g = _load("generator")
    if g:
        w(f"### 4. Generator, {g['students']:,} students\n")
        w(
            f"Wall {g['wall_s']:.1f} s, CPU {g['cpu_s']:.1f} s, peak RSS {g['maxrss_mb']:.0f} MB "
            f"(targets ≤ 30 s, ≤ 3 GB). `{g['stdout']}`\n"
        )
    sc = _load("scaling")
    if sc:
        w("### 5. Scaling (batched, all rows kept)\n")
        w("| students | rows (all tables) | attendance rows | runs | median (s) | µs per row | peak RSS (MB) |")
        w("|---|---|---|---|---|---|---|")
        for p, us in zip(sc["points"], sc["fit"].get("us_per_row", []), strict=False):
            w(
                f"| {p['students']:,} | {p['total_rows']:,} | {p['attendance_rows']:,} | {len(p['all_s'])} | "
                f"{p['median_s']:.2f} | {us:.2f} | {p['maxrss_mb']:.0f} |"
            )
        f = sc["fit"]
        if f:
            w("")
            w(
                f"Fit: time ≈ {f['time_intercept_s']:.1f} s + {f['time_per_million_rows_s']:.2f} s per million rows; "
                f"log-log slope {f['loglog_slope']:.2f} (1.0 = linear). RSS ≈ {f['rss_intercept_mb']:.0f} MB + "
                f"{f['rss_per_million_rows_mb']:.0f} MB per million rows → the {f['mem_total_mb'] / 1024:.0f} GiB "
                f"machine runs out at ≈ {f['rows_at_memory_limit'] / 1e6:.0f} M rows "
                f"(≈ {f['students_at_memory_limit']:,.0f} students).\n"
            )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
