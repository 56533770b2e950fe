"""Shared helpers: data sets, subprocess workers with their own peak RSS, statistics, machine facts."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"  # gitignored: generated data, key sets
RESULTS = ROOT / "bench" / "results"  # committed: small JSON + PNG
PY = sys.executable
SEED = 7


def median(xs: list[float]) -> float:
    return float(statistics.median(xs))


def p95(xs: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    s = sorted(xs)
    k = max(0, min(len(s) - 1, -(-95 * len(s) // 100) - 1))
    return float(s[k])


def machine() -> dict:
    mem = ""
    try:
        mem = subprocess.run(["free", "-m"], capture_output=True, text=True).stdout
    except OSError:
        pass
    import duckdb
    import polars
    import sqlglot

    return {
        "date_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "nproc": os.cpu_count(),
        "free_m": mem.strip(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "polars": polars.__version__,
        "duckdb": duckdb.__version__,
        "sqlglot": sqlglot.__version__,
    }


def run_measured(argv: list[str], *, timeout: float = 1800) -> dict:
    """Run ``argv`` in its own process, reaped with ``os.wait4`` so ``ru_maxrss`` is that child's own peak.

    Returns rc, wall_s, maxrss_mb, user_s, sys_s, stdout, stderr and ``json`` (last stdout line as JSON)."""
    t0 = time.perf_counter()
    out_path = OUT / f".child-{os.getpid()}.out"
    err_path = OUT / f".child-{os.getpid()}.err"
    OUT.mkdir(parents=True, exist_ok=True)
    with open(out_path, "w") as fo, open(err_path, "w") as fe:
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=fo, stderr=fe, text=True)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                pid, status, rusage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    out, err = out_path.read_text(), err_path.read_text()
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    return {
        "rc": proc.returncode,
        "wall_s": wall,
        "maxrss_mb": rusage.ru_maxrss / 1024.0,
        "user_s": rusage.ru_utime,
        "sys_s": rusage.ru_stime,
        "stdout": out,
        "stderr": err,
        "json": _last_json(out),
    }


def _last_json(text: str):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def data_dir(students: int) -> Path:
    return OUT / f"s{students}"


def ensure_data(students: int, log=print) -> tuple[Path, dict | None]:
    """Generate the state of ``students`` students (seed 7) under bench/out unless it is already there.

    Returns (dir, measurement of the generator run or None when reused).
    """
    d = data_dir(students)
    meta = d / "generate.json"
    if meta.is_file():
        g = json.loads(meta.read_text())
        if g.get("students") == students and g.get("seed") == SEED:
            return d, None
    log(f"  generating {students:,} students into {d} ...")
    m = run_measured(
        [
            str(Path(PY).parent / "certlib"),
            "generate",
            "--out",
            str(d),
            "--students",
            str(students),
            "--seed",
            str(SEED),
        ]
    )
    if m["rc"] != 0:
        raise RuntimeError(f"generator failed: {m['stderr'][-2000:]}")
    return d, m


def write_result(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=1, default=str) + "\n")
    return path


def table_rows(d: Path) -> dict[str, int]:
    g = json.loads((d / "generate.json").read_text())
    return g.get("state_counts") or g.get("counts") or {}
