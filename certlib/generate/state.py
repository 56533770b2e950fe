"""``generate_state``: build a synthetic state and write its district copies, the state copy,
manifest.json, drift.json and generate.json (layout in docs/contracts.md)."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from certlib.generate.drift import DriftBuilder
from certlib.generate.kinds import KINDS
from certlib.generate.tables import attendance_frame, publish
from certlib.generate.world import Progress, World, build_world
from certlib.generate.writer import (
    district_bounds,
    sink_frame,
    write_district_slices,
    write_frame,
    write_json,
)


@dataclass
class GenerateSummary:
    """What ``generate_state`` wrote: row counts per table (district copies and state copy)."""

    out_dir: Path
    seed: int
    students: int
    districts: int
    schools: int
    school_year: int
    as_of_date: date
    defects: bool
    counts: dict[str, int] = field(default_factory=dict)
    state_counts: dict[str, int] = field(default_factory=dict)
    planted: dict[str, int] = field(default_factory=dict)
    elapsed_s: float = 0.0


def state_only(w: World, kind: str) -> set[tuple]:
    """Planted keys no district copy can show: an overlap whose two enrollments are in two districts
    (each district holds only its own row; the state copy holds both)."""
    if kind != "overlapping_enrollments":
        return set()
    tagged = np.flatnonzero(w.e["tag"] == kind)
    students, districts = w.e["student"][tagged], w.e_dist[tagged]
    spread = {int(st) for st in np.unique(students) if len(np.unique(districts[students == st])) > 1}
    return {(int(i),) for i, st in zip(w.e_id[tagged], students, strict=True) if int(st) in spread}


def _copy_of(w: World, drift: DriftBuilder, kind: str, key: list, state_keys: set[tuple]) -> str:
    if not drift.present_in_state(KINDS[kind].table, key):
        return "district"
    return "state" if tuple(key) in state_keys else "both"


def manifest(w: World, drift: DriftBuilder, seed: int) -> dict:
    """Planted keys per kind, split by the copies they show in: ``both``; ``district`` when the
    records did not reach the state copy; ``state`` when only the state sees them (see state_only)."""
    entries = []
    for kind, spec in KINDS.items():
        only_state = state_only(w, kind)
        for copy in ("both", "district", "state"):
            sel = [k for k in w.planted.get(kind, []) if _copy_of(w, drift, kind, k, only_state) == copy]
            if sel:
                entries.append(
                    {
                        "kind": kind,
                        "rule_id": spec.rule_id,
                        "table": spec.table,
                        "key_columns": list(spec.key_columns),
                        "copy": copy,
                        "keys": sorted(sel),
                    }
                )
    return {"seed": seed, "school_year": w.year, "as_of_date": w.as_of.isoformat(), "defects": entries}


def prepare_out_dir(out: Path) -> None:
    """Clear the copies of an earlier run (so no stale district survives); refuse to write over
    ``state/`` or ``districts/`` folders that a generator run did not make."""
    ours = [out / "state", out / "districts"]
    if any(p.exists() for p in ours):
        if not (out / "generate.json").exists():
            raise ValueError(f"{out} holds state/ or districts/ but no generate.json; not overwriting it")
        for p in ours:
            shutil.rmtree(p, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)


def generate_state(
    out_dir: str | Path,
    students: int = 1500,
    districts: int | None = None,
    seed: int = 7,
    year: int = 2025,
    defects: bool = True,
    progress: Progress | None = None,
) -> GenerateSummary:
    """Generate a synthetic state into ``out_dir``; same arguments → byte-identical files.

    >>> s = generate_state("/tmp/demo", students=300, seed=1)   # doctest: +SKIP
    >>> s.counts["attendance_daily"] > 50_000                  # doctest: +SKIP
    True
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    out = Path(out_dir)
    if students < 10:
        raise ValueError("students must be at least 10")
    prepare_out_dir(out)
    rng = np.random.default_rng(seed)
    w = build_world(rng, students, districts, year, defects, say)

    say("tables")
    truth = publish(rng, w)
    att = attendance_frame(w)

    say("state copy drift")
    drift = DriftBuilder(rng, truth, w.daily, w.e_id, w.e["tag"], w.reserved[w.e["student"]], w.summ)
    drift.missing_enrollments(w.unsynced)
    drift.stale_attendance(max(3, round(students / 100)))
    drift.changed_values(max(2, round(students / 1000)), reserved=w.stu["student"].filter(pl.Series(w.reserved)))
    state = drift.state_tables()

    say("writing parquet")
    numbers = w.districts["district_number"].to_list()
    counts, state_counts = {}, {}
    for t, frame in truth.items():
        write_frame(state[t], t, out / "state" / f"{t}.parquet")
        write_district_slices(frame, t, out, numbers, district_bounds(frame, numbers))
        counts[t], state_counts[t] = frame.height, state[t].height
    att_bounds = np.concatenate([[0], np.cumsum(np.bincount(w.e_dist[w.daily.enr], minlength=len(numbers)))])
    write_district_slices(att, "attendance_daily", out, numbers, att_bounds)
    sink_frame(drift.state_attendance(att), "attendance_daily", out / "state" / "attendance_daily.parquet")
    counts["attendance_daily"] = att.height
    state_counts["attendance_daily"] = int(drift.att_keep.sum())

    man = manifest(w, drift, seed)
    write_json(man, out / "manifest.json")
    write_json(drift.record(), out / "drift.json")
    write_json(
        {
            "seed": seed,
            "students": students,
            "districts": len(numbers),
            "schools": w.schools.height,
            "year": year,
            "school_year": year,
            "as_of_date": w.as_of.isoformat(),
            "defects": "on" if defects else "off",
            "counts": counts,
            "state_counts": state_counts,
        },
        out / "generate.json",
    )
    summary = GenerateSummary(
        out, seed, students, len(numbers), w.schools.height, year, w.as_of, defects, counts, state_counts
    )
    for entry in man["defects"]:
        summary.planted[entry["kind"]] = summary.planted.get(entry["kind"], 0) + len(entry["keys"])
    summary.elapsed_s = time.perf_counter() - t0
    say(f"done in {summary.elapsed_s:.1f}s")
    return summary


__all__ = ["GenerateSummary", "generate_state"]
