"""The generator's view of the data model: table schemas read from the rule pack's pack.toml.

Every frame the generator writes goes through :func:`conform`, so the files carry exactly the
declared columns, in declared order, with the declared polars types.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import polars as pl

from certlib.config import package_data
from certlib.rules.model import POLARS_TYPES

PACK_TOML = package_data("rules") / "pack.toml"


@cache
def table_specs(pack_toml: Path = PACK_TOML) -> dict[str, dict]:
    """The ``[tables.*]`` sections of pack.toml (columns, keys, district_key...)."""
    with open(pack_toml, "rb") as fh:
        return tomllib.load(fh)["tables"]


def schema(table: str) -> pl.Schema:
    """The polars schema of one table, columns in declared order."""
    cols = table_specs()[table]["columns"]
    return pl.Schema({name: POLARS_TYPES[kind] for name, kind in cols.items()})


def keys(table: str) -> list[str]:
    return list(table_specs()[table]["keys"])


def conform(frame: pl.DataFrame | pl.LazyFrame, table: str):
    """Select the table's declared columns in order, cast to the declared types."""
    return frame.select([pl.col(name).cast(dtype) for name, dtype in schema(table).items()])


TABLES: tuple[str, ...] = (
    "districts",
    "schools",
    "calendar_days",
    "students",
    "enrollments",
    "attendance_daily",
    "attendance_summary",
    "special_ed",
    "plans_504",
    "behavior_incidents",
    "behavior_participants",
)
