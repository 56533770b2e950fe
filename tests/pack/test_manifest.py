"""The default pack against generated states: every planted defect is found by the rule named for it
(in the copies it was planted in), no fatal/warning rule returns a key planted for another kind, a
state generated with ``--defects off`` has no fatal or warning findings, and the polars engine agrees
with DuckDB (the referee) on every rule and copy.

Info rules are listings (e.g. EOY-002 lists every enrollment), so they are exempt from the
"no foreign planted key" check by design."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from pack_oracle import PACK_DIR, REPO, all_rules, connect_dir, main_table, rule_keys  # noqa: E402

from certlib.engine.run import validate  # noqa: E402
from certlib.generate.state import generate_state  # noqa: E402
from certlib.rules import load_pack  # noqa: E402

DEMO = REPO / "sample_data" / "state"
ORACLE = {r.id: r for r in all_rules()}


@pytest.fixture(scope="module")
def pack():
    return load_pack(PACK_DIR)


@pytest.fixture(scope="module")
def seed11(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("seed11")
    generate_state(out, students=1500, districts=3, seed=11)
    return out


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    generate_state(out, students=1500, districts=3, seed=12, defects=False)
    return out


def _norm(v):
    return v.isoformat() if isinstance(v, date) else v


_RUNS: dict[str, dict] = {}


def run_copy(pack, data_dir: Path) -> dict[str, tuple[str, list[str], set[tuple]]]:
    """rule id -> (main table, key columns, set of key tuples) from the polars engine (all rows kept);
    computed once per copy for this module."""
    if str(data_dir) not in _RUNS:
        _RUNS[str(data_dir)] = _run_copy(pack, data_dir)
    return _RUNS[str(data_dir)]


def _run_copy(pack, data_dir: Path) -> dict[str, tuple[str, list[str], set[tuple]]]:
    run = validate(pack, data_dir, max_results=10_000_000)
    out = {}
    for r in run.rules:
        assert r.status != "error", f"{r.id} on {data_dir}: {r.error}"
        keys = list(r.key_columns)
        rows = r.rows.select(keys).rows() if r.count else []
        out[r.id] = (main_table(ORACLE[r.id]), keys, {tuple(_norm(v) for v in row) for row in rows})
        assert len(rows) == r.count
    return out


def copies(root: Path) -> dict[str, Path]:
    found = {"state": root / "state"}
    for d in sorted((root / "districts").iterdir()):
        found[f"district {d.name}"] = d
    return found


def check_manifest(pack, root: Path) -> None:
    manifest = json.loads((root / "manifest.json").read_text())
    results = {name: run_copy(pack, path) for name, path in copies(root).items()}
    district_union: dict[str, set] = {}
    for name, res in results.items():
        if name.startswith("district"):
            for rid, (_, _, keys) in res.items():
                district_union.setdefault(rid, set()).update(keys)
    state = {rid: keys for rid, (_, _, keys) in results["state"].items()}

    planted_by_table: dict[tuple, dict[tuple, str]] = {}
    for entry in manifest["defects"]:
        rid = entry["rule_id"]
        keys = {tuple(k) for k in entry["keys"]}
        assert keys, entry
        table, key_cols, _ = results["state"][rid]
        assert (table, key_cols) == (entry["table"], entry["key_columns"]), rid
        if entry["copy"] in ("both", "state"):
            assert keys <= state[rid], f"{rid} misses planted {sorted(keys - state[rid])} in the state copy"
        if entry["copy"] in ("both", "district"):
            missing = keys - district_union[rid]
            assert not missing, f"{rid} misses planted {sorted(missing)} in the district copies"
        if entry["copy"] == "district":
            assert not (keys & state[rid]), f"{rid}: district-only keys found in the state copy"
        if entry["copy"] == "state":  # e.g. an overlap across two districts: each district holds one row
            assert not (keys & district_union[rid]), f"{rid}: state-only keys found in a district copy"
        for k in keys:
            planted_by_table.setdefault((entry["table"], tuple(entry["key_columns"])), {})[k] = rid

    for name, res in results.items():
        for rid, (table, key_cols, keys) in res.items():
            if pack.rules[rid].severity == "info":
                continue
            planted = planted_by_table.get((table, tuple(key_cols)), {})
            foreign = {k: planted[k] for k in keys if k in planted and planted[k] != rid}
            assert not foreign, f"{rid} on {name} returns keys planted for other rules: {foreign}"


def test_demo_state_manifest(pack) -> None:
    check_manifest(pack, DEMO)


def test_seed_11_manifest(pack, seed11) -> None:
    check_manifest(pack, seed11)


def test_defects_off_has_no_fatal_or_warning_findings(pack, clean) -> None:
    assert json.loads((clean / "manifest.json").read_text())["defects"] == []
    for name, path in copies(clean).items():
        run = validate(pack, path)
        noisy = {r.id: r.count for r in run.rules if r.severity in ("fatal", "warning") and r.count}
        errors = {r.id: r.error for r in run.rules if r.status == "error"}
        assert not errors, errors
        assert not noisy, f"{name}: {noisy}"


@pytest.mark.parametrize("which", ["demo", "seed11"])
def test_polars_engine_agrees_with_duckdb(pack, seed11, which) -> None:
    root = DEMO if which == "demo" else seed11
    for name, path in copies(root).items():
        res = run_copy(pack, path)
        con = connect_dir(path)
        for rid, (_, _, keys) in res.items():
            assert set(rule_keys(con, ORACLE[rid])) == keys, f"{rid} on {which} {name}"
