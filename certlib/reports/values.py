"""How a cell value of a rule's rows is written in every report format (one place, same everywhere)."""

from __future__ import annotations

import math
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


def row_dicts(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-safe dicts, in the frame's (already deterministic) order."""
    return [{k: json_value(v) for k, v in row.items()} for row in frame.iter_rows(named=True)]
