"""Every fixture case of the default rule pack (rules/cases/*.toml) as one pytest case.

Ids are ``RULE-ID::case name``. Until the default pack has rules this collects one skipped
placeholder; once it has rules, a rule without cases — or without both a case that finds rows and
one that passes — fails ``test_every_rule_has_cases``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from certlib.engine.fixtures import FixtureCase, cases_by_rule, collect_cases, run_case

DEFAULT_PACK = Path(__file__).resolve().parents[2] / "rules"


def _load_default_pack():
    try:
        from certlib.rules import load_pack
    except ImportError:  # the loader has not landed yet
        return None
    if not any(DEFAULT_PACK.glob("*.sql")):
        return None
    return load_pack(DEFAULT_PACK)


PACK = _load_default_pack()
CASES: list[FixtureCase] = collect_cases(PACK) if PACK is not None else []
RULE_IDS: list[str] = list(PACK.rules) if PACK is not None else []

_NO_RULES = [pytest.param(None, marks=pytest.mark.skip(reason="the default pack has no rules yet"), id="no-rules")]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES] or _NO_RULES)
def test_rule_case(case: FixtureCase):
    ok, got, expected = run_case(case, PACK)
    assert ok, f"{case.id} ({case.path}): expected keys {expected}, rule returned {got}"


@pytest.mark.parametrize("rule_id", [pytest.param(r, id=r) for r in RULE_IDS] or _NO_RULES)
def test_every_rule_has_cases(rule_id: str):
    cases = cases_by_rule(PACK, CASES)[rule_id]
    assert cases, f"rule {rule_id} has no fixture cases (add rules/cases/{rule_id}.toml)"
    assert any(c.finds_rows for c in cases), f"rule {rule_id}: no case that finds rows"
    assert any(not c.finds_rows for c in cases), f"rule {rule_id}: no case that passes (expect = [])"
