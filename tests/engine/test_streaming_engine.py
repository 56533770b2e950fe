"""polars' streaming engine (issue 15): the same results as the in-memory engine, and the documented rule
that picks it (large input -> streaming, small -> in-memory)."""

from __future__ import annotations

import polars as pl
import pytest

import certlib.engine.polars_engine as pe
from certlib.engine import PolarsEngine, scan_tables
from certlib.engine.bounds import Bounds
from certlib.rules import compile_rule, load_pack

PACK = load_pack()
STATE = "sample_data/state/state"


def _run(engine: str, monkeypatch, max_results):
    monkeypatch.setattr(pe, "COLLECT_ENGINE", engine)
    compiled = [compile_rule(r, PACK) for r in PACK.rules_in(None)]
    return PolarsEngine(bounds=Bounds(None, None, None)).run(
        compiled, scan_tables(STATE, PACK), max_results=max_results
    )


@pytest.mark.parametrize("max_results", [None, 3])
def test_streaming_gives_the_in_memory_results(monkeypatch, max_results):
    memory = _run("in-memory", monkeypatch, max_results)
    streaming = _run("streaming", monkeypatch, max_results)
    assert sum(r.count for r in memory.rules) > 100
    for a, b in zip(memory.rules, streaming.rules, strict=True):
        assert (a.id, a.status, a.count, a.error) == (b.id, b.status, b.count, b.error)
        assert a.rows.equals(b.rows), a.id  # same kept rows in the same (sorted) order


def test_the_rule_picks_streaming_for_large_input_only(monkeypatch):
    scans = scan_tables(STATE, PACK)
    rows = pe.input_rows(scans)
    assert rows == sum(f.select(pl.len()).collect().item() for f in scans.values())
    assert pe.collect_engine(scans) == "in-memory"  # the demo state is ~20k rows
    monkeypatch.setattr(pe, "STREAMING_MIN_ROWS", rows)
    assert pe.collect_engine(scans) == "streaming"
    small = {"t": pl.DataFrame({"a": [1, 2]})}
    assert pe.collect_engine(small) == "in-memory"
    monkeypatch.setattr(pe, "STREAMING_MIN_ROWS", 2)
    assert pe.collect_engine(small) == "streaming"
    monkeypatch.setattr(pe, "COLLECT_ENGINE", "in-memory")
    assert pe.collect_engine(small) == "in-memory"
