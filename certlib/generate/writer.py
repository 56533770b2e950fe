"""Parquet output with fixed writer settings (same data → same bytes), JSON side files, and the
per-district copies cut from frames already sorted by district (contiguous slices, no re-filtering).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

from certlib.generate.schema import conform

ROW_GROUP = 512 * 1024
# snappy: about a third faster than zstd here (the 150k-student state must be written in seconds)
PARQUET = {"compression": "snappy", "statistics": True, "row_group_size": ROW_GROUP}


def categorical(indices: np.ndarray, values) -> pl.Series:
    """A Categorical column from integer codes into ``values`` (zero-copy; cast to String on write)."""
    dictionary = pa.array(np.asarray(values, dtype=object), type=pa.string())
    return pl.Series(pl.from_arrow(pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), dictionary)))


def write_frame(frame: pl.DataFrame, table: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conform(frame, table).write_parquet(path, **PARQUET)


def sink_frame(frame: pl.LazyFrame, table: str, path: Path) -> None:
    """Stream a large frame to parquet (string columns materialize one morsel at a time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conform(frame, table).sink_parquet(path, maintain_order=True, **PARQUET)


def write_district_slices(frame: pl.DataFrame, table: str, out: Path, numbers: list[str], bounds: np.ndarray) -> None:
    """District i's rows are ``frame[bounds[i]:bounds[i + 1]]``; write each to its own directory."""
    for i, number in enumerate(numbers):
        lo, hi = int(bounds[i]), int(bounds[i + 1])
        write_frame(frame.slice(lo, hi - lo), table, out / "districts" / number / f"{table}.parquet")


def district_bounds(frame: pl.DataFrame, numbers: list[str]) -> np.ndarray:
    """Row boundaries of each district in a frame sorted by district_number."""
    col = frame["district_number"].cast(pl.String).to_numpy().astype(str)
    keys = np.asarray(numbers, dtype=str)
    return np.concatenate([np.searchsorted(col, keys, "left"), [len(col)]]).astype(np.int64)


def _flat(v) -> bool:
    return not isinstance(v, dict | list) or (isinstance(v, list) and not any(isinstance(x, dict | list) for x in v))


def dumps(obj, indent: int = 0) -> str:
    """JSON with sorted keys, one line per key tuple / changed field (readable and diff-friendly)."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(obj, dict) and obj and not all(_flat(v) for v in obj.values()):
        items = [f"{inner}{json.dumps(k)}: {dumps(v, indent + 1)}" for k, v in sorted(obj.items())]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and all(isinstance(v, dict | list) for v in obj):
        return "[\n" + ",\n".join(inner + dumps(v, indent + 1) for v in obj) + "\n" + pad + "]"
    return json.dumps(obj, sort_keys=True, default=str)


def write_json(obj, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(obj) + "\n")
