"""How a cell value of a rule's rows is written in every report format (one place, same everywhere)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import polars as pl


def json_value(value: Any) -> Any:
    """A JSON-safe value: dates/times as ISO strings, NaN/inf as None, Decimal as float."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)


def cell_text(value: Any) -> str:
    """The text of a cell in HTML/CSV: empty for NULL, ISO for dates, ``1.5`` / ``170.0`` for floats."""
    value = json_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


#: rows converted at a time by the streaming writers: bounded memory, few Python calls per row
CHUNK_ROWS = 20_000


def json_column(series: pl.Series) -> list[Any]:
    """:func:`json_value` of every value of ``series``, converted column-wise (no per-cell dispatch where
    the dtype already gives JSON-safe Python values)."""
    dtype = series.dtype
    if dtype == pl.String or dtype == pl.Boolean or dtype.is_integer() or dtype == pl.Null:
        return series.to_list()
    if dtype.is_float():
        return [v if v is None or math.isfinite(v) else None for v in series.to_list()]
    if dtype == pl.Date:
        return [None if v is None else v.isoformat() for v in series.to_list()]
    return [json_value(v) for v in series.to_list()]


def iter_row_dicts(frame: pl.DataFrame, chunk: int = CHUNK_ROWS) -> Iterator[dict[str, Any]]:
    """The rows of ``frame`` as JSON-safe dicts, in order, converted ``chunk`` rows at a time (a report
    writer holds one chunk, never a second copy of the whole result)."""
    names = frame.columns
    for part in frame.iter_slices(chunk):
        columns = [json_column(part.get_column(n)) for n in names]
        for values in zip(*columns, strict=True):
            yield dict(zip(names, values, strict=True))


def row_dicts(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-safe dicts, in the frame's (already deterministic) order."""
    return list(iter_row_dicts(frame))
