"""Reading a generated directory back: the state copy and the union of the district copies."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from certlib.generate.schema import TABLES


def read_state(out: Path) -> dict[str, pl.DataFrame]:
    return {t: pl.read_parquet(out / "state" / f"{t}.parquet") for t in TABLES}


def read_districts(out: Path) -> dict[str, pl.DataFrame]:
    dirs = sorted((out / "districts").iterdir())
    return {t: pl.concat([pl.read_parquet(d / f"{t}.parquet") for d in dirs]) for t in TABLES}


def each_district(out: Path, check) -> set:
    """``check`` run on every district copy on its own, results united: what district runs can see
    (an overlap across two districts shows in neither)."""
    found: set = set()
    for d in sorted((out / "districts").iterdir()):
        found |= check({t: pl.read_parquet(d / f"{t}.parquet") for t in TABLES})
    return found


def read_json(out: Path, name: str) -> dict:
    return json.loads((out / name).read_text())
