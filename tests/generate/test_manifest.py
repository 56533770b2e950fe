"""Each planted key meets its kind's definition in the copies it was planted in, and nothing else
anywhere meets any definition (clean data is clean)."""

from __future__ import annotations

import pytest

from certlib.generate.kinds import KINDS

from .checks import CHECKS
from .util import each_district, read_districts, read_json, read_state


def _planted(manifest, kind, copies):
    return {tuple(k) for d in manifest["defects"] if d["kind"] == kind and d["copy"] in copies for k in d["keys"]}


def test_manifest_format(state_on):
    out, summary = state_on
    m = read_json(out, "manifest.json")
    assert m["seed"] == 11 and m["school_year"] == 2025 and m["as_of_date"] == "2025-06-30"
    kinds = {d["kind"] for d in m["defects"]}
    assert kinds == set(KINDS)
    for d in m["defects"]:
        spec = KINDS[d["kind"]]
        assert (d["rule_id"], d["table"], tuple(d["key_columns"])) == spec
        assert d["copy"] in ("both", "district", "state")
    for kind in KINDS:
        assert len(_planted(m, kind, {"both", "district", "state"})) >= 2, kind
    assert any(d["copy"] == "district" for d in m["defects"])


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_definition_finds_exactly_the_planted_keys(state_on, kind):
    out, _ = state_on
    m = read_json(out, "manifest.json")
    assert each_district(out, CHECKS[kind]) == _planted(m, kind, {"both", "district"})
    assert CHECKS[kind](read_state(out)) == _planted(m, kind, {"both", "state"})


def test_defects_off_is_clean(state_off):
    out, summary = state_off
    assert read_json(out, "manifest.json")["defects"] == []
    assert summary.planted == {}
    for copy in (read_districts(out), read_state(out)):
        for kind, check in CHECKS.items():
            assert check(copy) == set(), kind


def test_tiny_state_still_plants_every_kind(tmp_path):
    from certlib.generate import generate_state

    generate_state(tmp_path, students=60, districts=2, seed=1)
    m = read_json(tmp_path, "manifest.json")
    state = read_state(tmp_path)
    for kind, check in CHECKS.items():
        assert len(_planted(m, kind, {"both", "district", "state"})) >= 2, kind
        assert each_district(tmp_path, check) == _planted(m, kind, {"both", "district"}), kind
        assert check(state) == _planted(m, kind, {"both", "state"}), kind
