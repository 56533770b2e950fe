"""ODS-shaped data for the Ed-Fi fixture (tests/catalog/edfi): seeded tables with NULLs, duplicates and
dangling references, written as data files (a schema directory, headers in other cases, bits as 0/1) or
loaded into PostgreSQL the way Ed-Fi's PostgreSQL ODS spells it (lower-case ``edfi.student``); and the DuckDB
oracle that runs each rule as sqlglot prints it for DuckDB on the same tables."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import polars as pl

from certlib.rules.model import Pack
from tests.rules.differential import multiset

HERE = Path(__file__).parent / "edfi"
COLLECTION = HERE / "collection.json"
ODS_SCHEMA = HERE / "ods_schema.toml"
CASES = HERE / "cases"

SEX = {
    1: ("uri://ed-fi.org/SexDescriptor", "Female"),
    2: ("uri://ed-fi.org/SexDescriptor", "Male"),
    3: ("uri://state.example/SexDescriptor", "F"),
}
GRADES = {5: "Kindergarten", 6: "First grade", 7: "Second grade"}


def _maybe(rng: np.random.Generator, values: list[Any], share: float = 0.1) -> list[Any]:
    return [None if rng.random() < share else v for v in values]


def ods_frames(seed: int, students: int = 60) -> dict[str, pl.DataFrame]:
    """The five tables of the fixture's ODS schema, seeded; small domains so joins and rules hit."""
    rng = np.random.default_rng(seed)
    n = students
    birth = [date(1999, 1, 1) + timedelta(days=int(d)) for d in rng.integers(0, 8400, n)]
    student = pl.DataFrame(
        {
            "StudentUSI": list(range(1, n + 1)),
            "StudentUniqueId": [f"60{i:04d}" for i in range(1, n + 1)],
            "FirstName": _maybe(rng, rng.choice(["Ana", "Bo", " ", "", "Zoë"], n).tolist()),
            "LastSurname": _maybe(rng, rng.choice(["Diaz", "Li", "O'Hara", ""], n).tolist()),
            "BirthDate": _maybe(rng, birth),
            "BirthSexDescriptorId": _maybe(rng, rng.choice(list(SEX) + [9], n).tolist()),
        },
        schema={
            "StudentUSI": pl.Int64,
            "StudentUniqueId": pl.String,
            "FirstName": pl.String,
            "LastSurname": pl.String,
            "BirthDate": pl.Date,
            "BirthSexDescriptorId": pl.Int64,
        },
    )
    school = pl.DataFrame(
        {
            "SchoolId": [10, 11, 12, 13],
            "LocalEducationAgencyId": [255901, 255901, 255902, 255902],
            "NameOfInstitution": ["North", "South", "East", "West"],
        }
    )
    m = n * 2
    entry = [date(2023, 8, 1) + timedelta(days=int(d)) for d in rng.integers(0, 720, m)]
    exit_ = [e + timedelta(days=int(d)) for e, d in zip(entry, rng.integers(-20, 200, m), strict=True)]
    ssa = pl.DataFrame(
        {
            "StudentUSI": rng.integers(1, n + 5, m).tolist(),
            "SchoolId": rng.choice([10, 11, 12, 13, 99], m).tolist(),
            "EntryDate": entry,
            "ExitWithdrawDate": _maybe(rng, exit_, 0.4),
            "EntryGradeLevelDescriptorId": _maybe(rng, rng.choice(list(GRADES), m).tolist()),
            "SchoolYear": _maybe(rng, rng.choice([2024, 2025], m).tolist()),
            "PrimarySchool": _maybe(rng, (rng.random(m) < 0.7).tolist()),
        },
        schema={
            "StudentUSI": pl.Int64,
            "SchoolId": pl.Int64,
            "EntryDate": pl.Date,
            "ExitWithdrawDate": pl.Date,
            "EntryGradeLevelDescriptorId": pl.Int64,
            "SchoolYear": pl.Int64,
            "PrimarySchool": pl.Boolean,
        },
    )
    descriptor = pl.DataFrame(
        {
            "DescriptorId": list(SEX) + list(GRADES),
            "Namespace": [ns for ns, _ in SEX.values()] + ["uri://ed-fi.org/GradeLevelDescriptor"] * len(GRADES),
            "CodeValue": [c for _, c in SEX.values()] + list(GRADES.values()),
            "ShortDescription": [None] * (len(SEX) + len(GRADES)),
        },
        schema={
            "DescriptorId": pl.Int64,
            "Namespace": pl.String,
            "CodeValue": pl.String,
            "ShortDescription": pl.String,
        },
    )
    grade = pl.DataFrame({"GradeLevelDescriptorId": list(GRADES)})
    return {
        "edfi.Student": student,
        "edfi.School": school,
        "edfi.StudentSchoolAssociation": ssa,
        "edfi.Descriptor": descriptor,
        "edfi.GradeLevelDescriptor": grade,
    }


def write_data_dir(frames: dict[str, pl.DataFrame], root: Path) -> Path:
    """As an ODS export might arrive: ``edfi/<Table>.csv`` with lower-case headers and bits as 0/1 for the
    association, ``edfi.<Table>.parquet`` for the rest."""
    (root / "edfi").mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        table = name.split(".", 1)[1]
        if table == "StudentSchoolAssociation":
            out = frame.with_columns(pl.col("PrimarySchool").cast(pl.Int8))
            out.rename({c: c.lower() for c in out.columns}).write_csv(root / "edfi" / f"{table}.csv")
        elif table == "Student":
            frame.rename({c: c.upper() for c in frame.columns}).write_csv(root / "edfi" / f"{table}.csv")
        else:
            frame.write_parquet(root / f"{name}.parquet")
    return root


def duckdb_counts(pack: Pack, frames: dict[str, pl.DataFrame], sqls: dict[str, str]) -> dict[str, Counter]:
    """Each query (printed for DuckDB, schema-qualified) run on DuckDB with the pack's schemas created."""
    con = duckdb.connect()
    try:
        for name, frame in frames.items():
            schema, table = name.split(".", 1)
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            con.register("incoming", frame.to_arrow())
            con.execute(f'CREATE TABLE "{schema}"."{table}" AS SELECT * FROM incoming')
            con.unregister("incoming")
        return {rule_id: multiset(con.execute(sql).fetchall()) for rule_id, sql in sqls.items()}
    finally:
        con.close()


PG_TYPES = {pl.Int64: "bigint", pl.String: "text", pl.Date: "date", pl.Boolean: "boolean"}


def load_postgres(url: str, frames: dict[str, pl.DataFrame]) -> None:
    """Create schema ``edfi`` with lower-case table and column names (as Ed-Fi's PostgreSQL ODS has them)
    and insert the frames."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute("CREATE SCHEMA edfi")
        for name, frame in frames.items():
            table = name.split(".", 1)[1].lower()
            cols = ", ".join(f"{c.lower()} {PG_TYPES[frame.schema[c].base_type()]}" for c in frame.columns)
            con.execute(f"CREATE TABLE edfi.{table} ({cols})")
            placeholders = ", ".join(["%s"] * frame.width)
            with con.cursor() as cur:
                cur.executemany(f"INSERT INTO edfi.{table} VALUES ({placeholders})", frame.rows())
