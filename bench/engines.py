"""One workload on polars in-memory, polars streaming and DuckDB, in rotated order, one process each
(issue 15): ``python -m bench.engines --pack rules --data bench/out/s50000/state [--rounds 3]``.

Each measurement is ``bench.worker`` in its own process (``os.wait4``: CPU seconds and peak RSS of that
process). Counts of every rule must equal DuckDB's in every run; ratios are of medians.
"""

from __future__ import annotations

import argparse
import time

from bench.common import PY, machine, median, run_measured, write_result

MODES = {
    "polars in-memory": ["batched", "--polars-engine", "in-memory"],
    "polars streaming": ["batched", "--polars-engine", "streaming"],
    "duckdb": ["duckdb"],
    "polars per-rule": ["perrule"],
}  # each rule alone (engine chosen by the rule): per-rule ratios


def measure(pack: str, data: str, rounds: int, max_results: int, modes: list[str], log=print) -> dict:
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    for r in range(rounds):
        order = modes[r % len(modes) :] + modes[: r % len(modes)]
        for mode in order:
            m = run_measured(
                [
                    PY,
                    "-m",
                    "bench.worker",
                    *MODES[mode],
                    "--data",
                    data,
                    "--pack",
                    pack,
                    "--max-results",
                    str(max_results),
                ]
            )
            if m["rc"] != 0 or not m["json"]:
                raise RuntimeError(f"{mode} failed: {m['stderr'][-3000:]}")
            j = m["json"]
            runs[mode].append(
                {
                    "wall_s": j["wall_s"],
                    "cpu_s": m["user_s"] + m["sys_s"],
                    "maxrss_mb": m["maxrss_mb"],
                    "counts": {k: v["count"] for k, v in j["rules"].items()},
                    "errors": {k: v["error"] for k, v in j["rules"].items() if v["status"] == "error"},
                    "refused": j.get("refused", []),
                    "ms": {k: v["ms"] for k, v in j["rules"].items()},
                }
            )
            log(
                f"round {r + 1} {mode}: wall {j['wall_s']:.2f} s, cpu {m['user_s'] + m['sys_s']:.2f} s, "
                f"rss {m['maxrss_mb']:.0f} MB",
                flush=True,
            )
    duck = runs.get("duckdb", [{}])[0].get("counts", {})
    out: dict = {
        "pack": pack,
        "data": data,
        "rounds": rounds,
        "max_results": max_results,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "engines": {},
    }
    for mode, rs in runs.items():
        counts_equal = all(x["counts"] == duck for x in rs) if duck else None
        out["engines"][mode] = {
            "wall_s": median([x["wall_s"] for x in rs]),
            "cpu_s": median([x["cpu_s"] for x in rs]),
            "maxrss_mb": max(x["maxrss_mb"] for x in rs),
            "wall_per_round": [round(x["wall_s"], 2) for x in rs],
            "counts_equal_duckdb": counts_equal,
            "rules": len(rs[0]["counts"]),
            "errors": rs[0]["errors"],
            "refused": rs[0]["refused"],
            "rule_ms": {k: median([x["ms"][k] for x in rs]) for k in rs[0]["ms"]},
            "rows": sum(rs[0]["counts"].values()),
            "counts": rs[0]["counts"],
        }
    if "duckdb" in out["engines"]:
        d = out["engines"]["duckdb"]
        for e in out["engines"].values():
            e["wall/duckdb"] = e["wall_s"] / d["wall_s"]
            e["cpu/duckdb"] = e["cpu_s"] / d["cpu_s"]
            e["rss/duckdb"] = e["maxrss_mb"] / d["maxrss_mb"]
        if "polars per-rule" in out["engines"]:  # rules DuckDB needs >= 50 ms for (smaller ones are noise)
            p = out["engines"]["polars per-rule"]["rule_ms"]
            ratios = {k: p[k] / v for k, v in d["rule_ms"].items() if v >= 50 and k in p}
            out["per_rule_ratio"] = dict(sorted(ratios.items(), key=lambda kv: -kv[1]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pack", default="rules")
    ap.add_argument("--data", required=True)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--max-results", type=int, default=1000)
    ap.add_argument("--modes", default="polars in-memory,polars streaming,duckdb")
    ap.add_argument("--tag", required=True)
    args = ap.parse_args()
    out = measure(args.pack, args.data, args.rounds, args.max_results, args.modes.split(","))
    print(
        "per-rule polars/DuckDB (DuckDB >= 50 ms):", {k: round(v, 2) for k, v in out.get("per_rule_ratio", {}).items()}
    )
    for mode, e in out["engines"].items():
        print(
            mode,
            {
                k: (round(v, 2) if isinstance(v, float) else v)
                for k, v in e.items()
                if k not in ("rule_ms", "errors", "refused")
            },
        )
    write_result(f"engines-{args.tag}", out)


if __name__ == "__main__":
    main()
