"""Every written file has exactly the columns and types rules/pack.toml declares."""

from __future__ import annotations

import tomllib
from pathlib import Path

import polars as pl

PACK = Path(__file__).resolve().parents[2] / "rules" / "pack.toml"
TYPES = {"string": pl.String, "int": pl.Int64, "float": pl.Float64, "date": pl.Date, "bool": pl.Boolean}


def test_every_file_matches_pack_schema(state_on):
    out, _ = state_on
    tables = tomllib.loads(PACK.read_text())["tables"]
    copies = [out / "state", *sorted((out / "districts").iterdir())]
    assert len(copies) == 4
    for copy in copies:
        for name, spec in tables.items():
            got = pl.read_parquet_schema(copy / f"{name}.parquet")
            want = {col: TYPES[kind] for col, kind in spec["columns"].items()}
            assert list(got) == list(want), (copy, name)
            assert {c: got[c] for c in got} == want, (copy, name)


def test_demo_names_and_codes(state_on):
    out, _ = state_on
    d = pl.read_parquet(out / "districts" / "1071" / "districts.parquet")
    assert d.rows() == [("1071", "North Star Public School")]
    s = pl.read_parquet(out / "districts" / "1071" / "schools.parquet")
    assert ("0588", "North Star 7-8", "07", "08") in s.select(
        "school_code", "school_name", "low_grade", "high_grade"
    ).rows()
    assert {"North Star High School", "North Star School"} <= set(s["school_name"])
    codes = pl.read_parquet(out / "state" / "schools.parquet")["school_code"]
    assert codes.is_unique().all() and codes.str.contains(r"^\d{4}$").all()
