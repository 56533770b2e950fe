"""Invariant (hypothesis): T-SQL resolves names case-insensitively, bracketed or not, so re-casing every name
and keyword of a rule (strings left alone) changes nothing — neither the rows on seeded ODS data nor the key
columns (compared case-insensitively: a re-cased output alias is kept as written)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlglot.tokens import TokenType

from certlib.rules import compile_sql, load_pack
from certlib.rules.datachecker import import_datachecker
from tests.catalog.edfi_data import COLLECTION, ODS_SCHEMA, ods_frames
from tests.rules.differential import run_polars

PARAMS = {"school_year": 2025}
_KEEP = {TokenType.STRING, TokenType.NATIONAL_STRING} if hasattr(TokenType, "NATIONAL_STRING") else {TokenType.STRING}


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    out: Path = tmp_path_factory.mktemp("edfi") / "pack"
    import_datachecker([COLLECTION], out, ODS_SCHEMA, check=False)
    return load_pack(out)


@pytest.fixture(scope="module")
def frames():
    return ods_frames(21)


def recase(sql: str, flips: list[bool]) -> str:
    """Every token but strings re-cased character by character (``flips`` cycles: upper or lower)."""
    out, last, i = [], 0, 0
    for token in sqlglot.Dialect.get_or_raise("tsql").tokenize(sql):
        if token.token_type in _KEEP:
            continue
        start, end = token.start, token.end + 1
        out.append(sql[last:start])
        chars = []
        for ch in sql[start:end]:
            chars.append(ch.upper() if flips[i % len(flips)] else ch.lower())
            i += 1
        out.append("".join(chars))
        last = end
    out.append(sql[last:])
    return "".join(out)


RULES = [
    "STU-001",
    "STU-002",
    "STU-003",
    "STU-004",
    "STU-005",
    "ENR-001",
    "ENR-002",
    "ENR-003",
    "ENR-004",
    "ENR-005",
    "ENR-006",
]


@pytest.mark.parametrize("rule_id", RULES)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.booleans(), min_size=1, max_size=7))
def test_recasing_a_tsql_rule_changes_nothing(pack, frames, rule_id: str, flips: list[bool]):
    sql = pack.rules[rule_id].sql
    original = compile_sql(sql, pack, dialect="tsql", params=PARAMS)
    recased = compile_sql(recase(sql, flips), pack, dialect="tsql", params=PARAMS)
    assert [k.lower() for k in recased.key_columns] == [k.lower() for k in original.key_columns]
    assert run_polars(recased.sql, frames) == run_polars(original.sql, frames)


def test_the_recasing_really_recases():
    assert (
        recase("SELECT [s].[Id] FROM edfi.Student s WHERE s.Name = 'Ab'", [True])
        == "SELECT [S].[ID] FROM EDFI.STUDENT S WHERE S.NAME = 'Ab'"
    )
