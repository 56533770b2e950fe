"""One measurement in its own process: ``python -m bench.worker MODE --data DIR [...]``.

Modes: ``batched`` (certlib, all rules in one ``collect_all``), ``perrule`` (certlib, one rule per
``PolarsEngine.run``), ``duckdb`` (the same rules transpiled by certlib's ``transpile(rule, pack, "duckdb")``
over views on the same parquet files), ``district`` (validate one district, warm, N runs).
Prints one JSON line last. Timings exclude interpreter start and imports; compile time is separate.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.common import ROOT


def rchar() -> int:
    """Bytes this process read through read()/pread() so far (/proc/self/io), -1 when unavailable."""
    try:
        for line in open("/proc/self/io"):
            if line.startswith("rchar:"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1


def compile_all(pack, target: str) -> tuple[list, list[dict], float]:
    """Compile every active rule; refused rules are returned (id, message), never dropped silently."""
    from certlib.errors import RuleError
    from certlib.rules import compile_rule

    t0 = time.perf_counter()
    ok, refused = [], []
    for rule in pack.rules_in(None):
        try:
            c = compile_rule(rule, pack, target=target)
        except RuleError as err:
            refused.append({"rule": rule.id, "target": target, "error": str(err)[:1500]})
            continue
        errs = [str(d) for d in c.diagnostics if d.level == "error"]
        if errs:
            refused.append({"rule": rule.id, "target": target, "error": "; ".join(errs)[:1500]})
            continue
        ok.append(c)
    return ok, refused, time.perf_counter() - t0


def _keys_frame(engine: str, rule_id: str, frame, key_columns) -> object:
    import polars as pl

    cols = [c for c in key_columns if c in frame.columns]
    return frame.select([pl.col(c).cast(pl.String) for c in cols]).select(
        pl.lit(engine).alias("engine"),
        pl.lit(rule_id).alias("rule"),
        pl.concat_str([pl.col(c).fill_null("∅") for c in cols], separator="|").alias("key"),
    )


def _write_keys(parts: list, path: str | None) -> None:
    if not path or not parts:
        return
    import polars as pl

    pl.concat(parts).write_parquet(path)


def run_polars(args, per_rule: bool) -> dict:
    import certlib.engine.polars_engine as pe
    from certlib.engine import PolarsEngine, scan_tables
    from certlib.engine.bounds import Bounds
    from certlib.rules import load_pack

    if args.polars_engine:
        pe.COLLECT_ENGINE = args.polars_engine
    pack = load_pack(Path(args.pack))
    compiled, refused, compile_s = compile_all(pack, "polars")
    compiled = [c for c in compiled if c.rule.id not in (args.exclude or [])]
    if args.rewrite_att005:  # the proposed compiler rewrite, applied by hand (bench.profile)
        from dataclasses import replace

        from bench.profile import ATT005_REWRITE

        compiled = [replace(c, sql=ATT005_REWRITE) if c.rule.id == "ATT-005" else c for c in compiled]
    limit = None if args.max_results < 0 else args.max_results
    engine = PolarsEngine(bounds=Bounds(None, None, None))  # the engine itself, in this process (no run bounds)
    b0 = rchar()
    t0 = time.perf_counter()
    frames = scan_tables(args.data, pack)
    if args.cache_tables:  # proposal for the engine: one CACHE per table, so each file is scanned once
        frames = {name: frame.cache() for name, frame in frames.items()}
    if per_rule:
        results = []
        for c in compiled:
            results.extend(engine.run([c], frames, max_results=limit).rules)
    else:
        results = engine.run(compiled, frames, max_results=limit).rules
    wall = time.perf_counter() - t0
    read = rchar() - b0
    out = {
        "mode": ("perrule" if per_rule else "batched")
        + ("+cache" if args.cache_tables else "")
        + (f"+{args.polars_engine}" if args.polars_engine else ""),
        "wall_s": wall,
        "compile_s": compile_s,
        "rchar": read,
        "refused": refused,
        "rules": {},
    }
    parts = []
    for r in results:
        out["rules"][r.id] = {
            "status": r.status,
            "count": r.count,
            "ms": r.elapsed_ms,
            "kept": r.rows.height,
            "error": r.error,
        }
        if r.status != "error" and args.full_keys_out:
            parts.append(_keys_frame(out["mode"], r.id, r.rows, r.key_columns))
    _write_keys(parts, args.full_keys_out)  # the kept rows' keys (all rows with --max-results -1)
    if args.explain:
        tables = scan_tables(args.data, pack)
        if args.cache_tables:
            tables = {name: frame.cache() for name, frame in tables.items()}
        plan = engine.explain(compiled, tables)
        Path(args.explain).write_text(plan)
    return out


def run_duckdb(args) -> dict:
    import duckdb
    import polars as pl

    from certlib.rules import load_pack

    pack = load_pack(Path(args.pack))
    compiled, refused, compile_s = compile_all(pack, "duckdb")
    keys_of = {}
    for c in compile_all(pack, "polars")[0]:
        keys_of[c.rule.id] = c.key_columns
    b0 = rchar()
    t0 = time.perf_counter()
    con = duckdb.connect()
    if args.threads:
        con.execute(f"SET threads = {int(args.threads)}")
    for name in sorted(pack.tables):
        path = (Path(args.data) / f"{name}.parquet").resolve()
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    out = {"mode": "duckdb", "compile_s": compile_s, "refused": refused, "rules": {}}
    parts = []
    for c in compiled:
        r0 = time.perf_counter()
        try:
            table = con.sql(c.sql).to_arrow_table()
            frame = pl.DataFrame(pl.from_arrow(table))
        except Exception as err:  # noqa: BLE001 - report the rule as an error on this engine
            out["rules"][c.rule.id] = {
                "status": "error",
                "count": 0,
                "ms": (time.perf_counter() - r0) * 1000,
                "error": f"{type(err).__name__}: {err}"[:1500],
            }
            continue
        ms = (time.perf_counter() - r0) * 1000
        out["rules"][c.rule.id] = {
            "status": "failed" if frame.height else "passed",
            "count": frame.height,
            "ms": ms,
            "error": None,
        }
        if args.full_keys_out:
            parts.append(_keys_frame("duckdb", c.rule.id, frame, keys_of.get(c.rule.id, c.key_columns)))
    out["wall_s"] = time.perf_counter() - t0
    out["rchar"] = rchar() - b0
    con.close()
    _write_keys(parts, args.full_keys_out)
    return out


def run_district(args) -> dict:
    from certlib.engine import PolarsEngine, scan_tables
    from certlib.engine.run import validate
    from certlib.rules import compile_rule, load_pack

    pack = load_pack(ROOT / "rules")
    scope = {"district_number": args.district}
    params = {"district_number": args.district}
    validate(pack, args.data, scope=scope)  # warm-up (imports, caches, OS page cache)
    full, engine_only, counts = [], [], {}
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        run = validate(pack, args.data, scope=scope)
        full.append((time.perf_counter() - t0) * 1000)
    compiled = [compile_rule(r, pack, params={"school_year": 2025, **params}) for r in pack.rules_in(None)]
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        res = PolarsEngine().run(compiled, scan_tables(args.data, pack, scope), max_results=pack.max_results)
        engine_only.append((time.perf_counter() - t0) * 1000)
    counts = {r.id: r.count for r in run.rules}
    errors = {r.id: r.error for r in run.rules if r.status == "error"}
    phases = {}
    t0 = time.perf_counter()
    from certlib.engine.run import compile_rules

    compile_rules(pack.rules_in(None), pack, params={"school_year": 2025, "as_of_date": "2025-06-30", **params})
    phases["compile_ms"] = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    frames = scan_tables(args.data, pack, scope)
    phases["scan_tables_ms"] = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    res = PolarsEngine().run(compiled, frames, max_results=pack.max_results)
    phases["engine_run_ms"] = (time.perf_counter() - t0) * 1000
    phases["plan_ms_sum"] = sum(r.elapsed_ms for r in res.rules)
    return {
        "mode": "district",
        "validate_ms": full,
        "engine_ms": engine_only,
        "counts": counts,
        "errors": errors,
        "phases_one_run": phases,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["batched", "perrule", "duckdb", "district"])
    ap.add_argument("--data", required=True)
    ap.add_argument("--max-results", type=int, default=1000, help="rows kept per rule; -1 = all")
    ap.add_argument("--full-keys-out")
    ap.add_argument("--explain")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--exclude", action="append", help="leave this rule out (profiling)")
    ap.add_argument("--rewrite-att005", action="store_true", help="ATT-005 as bench.profile.ATT005_REWRITE")
    ap.add_argument("--cache-tables", action="store_true", help="wrap every scanned table in .cache()")
    ap.add_argument(
        "--pack", default=str(ROOT / "rules"), help="rule pack directory (bench/foreign/rules: the foreign one)"
    )
    ap.add_argument("--polars-engine", choices=["auto", "in-memory", "streaming"], help="polars' collect engine")
    ap.add_argument("--district")
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    if args.mode in ("batched", "perrule"):
        out = run_polars(args, per_rule=args.mode == "perrule")
    elif args.mode == "duckdb":
        out = run_duckdb(args)
    else:
        out = run_district(args)
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
