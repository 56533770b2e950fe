"""District copies partition the data; the state copy differs exactly as drift.json says."""

from __future__ import annotations

from datetime import date

import polars as pl

from certlib.generate.schema import TABLES, keys

from .util import read_districts, read_json, read_state


def _key(row, cols):
    return [row[c].isoformat() if isinstance(row[c], date) else row[c] for c in cols]


def test_each_district_holds_only_its_rows(state_on):
    out, _ = state_on
    for d in sorted((out / "districts").iterdir()):
        for t in TABLES:
            assert set(pl.read_parquet(d / f"{t}.parquet")["district_number"].unique()) <= {d.name}


def test_drift_json_matches_comparison_of_copies(state_on):
    out, _ = state_on
    dist, state, drift = read_districts(out), read_state(out), read_json(out, "drift.json")["tables"]
    assert set(drift) == set(TABLES)
    n_changed = n_missing = 0
    for t in TABLES:
        k = keys(t)
        d, s = dist[t], state[t]
        assert d.select(k).is_duplicated().sum() == 0 or t == "attendance_daily"
        missing = d.join(s, on=k, how="anti", nulls_equal=True)
        extra = s.join(d, on=k, how="anti", nulls_equal=True)
        assert extra.height == 0, t
        assert sorted(_key(r, k) for r in missing.iter_rows(named=True)) == drift[t]["missing_in_state"], t
        if t == "attendance_daily":  # planted duplicate rows share a key; compare the de-duplicated rest
            dup = d.filter(pl.struct(k).is_duplicated()).select(k)
            d = d.join(dup, on=k, how="anti")
            s = s.join(dup, on=k, how="anti")
        both = d.join(s, on=k, suffix="__state", nulls_equal=True)
        changed = []
        for col in d.columns:
            if col in k:
                continue
            diff = both.filter(pl.col(col).ne_missing(pl.col(f"{col}__state")))
            for r in diff.iter_rows(named=True):
                changed.append({"key": _key(r, k), "column": col, "district": r[col], "state": r[f"{col}__state"]})
        assert sorted(changed, key=lambda c: (c["key"], c["column"])) == drift[t]["changed"], t
        n_changed += len(changed)
        n_missing += missing.height
    assert n_changed > 0 and n_missing > 0


def test_state_copy_lags(state_on):
    out, summary = state_on
    assert summary.state_counts["enrollments"] < summary.counts["enrollments"]
    assert summary.state_counts["attendance_daily"] < summary.counts["attendance_daily"]
