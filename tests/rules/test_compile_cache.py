"""compile_rule is memoized on everything its output depends on, and never on a failure."""

from __future__ import annotations

from dataclasses import replace

import pytest

from certlib.errors import RuleError
from certlib.rules import compile_rule, load_pack

PACK = load_pack()
RULE = next(iter(PACK.rules.values()))


def test_the_same_inputs_reuse_the_compiled_rule() -> None:
    assert compile_rule(RULE, PACK, params={"district_number": "1071"}) is compile_rule(
        RULE, PACK, params={"district_number": "1071"}
    )


@pytest.mark.parametrize("change", ["sql", "params", "target", "schema"])
def test_a_change_to_any_input_compiles_again(change: str) -> None:
    base = compile_rule(RULE, PACK, params={"district_number": "1071"})
    rule, pack, params, target = RULE, PACK, {"district_number": "1071"}, "polars"
    if change == "sql":
        rule = replace(RULE, sql=RULE.sql.rstrip().rstrip(";") + "\n-- edited\n")
    elif change == "params":
        params = {"district_number": "7988"}
    elif change == "target":
        target = "duckdb"
    else:
        table = next(iter(PACK.tables))
        pack = replace(
            PACK,
            tables={k: v for k, v in PACK.tables.items() if k != table} | {table: replace(PACK.tables[table], keys=())},
        )
    other = compile_rule(rule, pack, target=target, params=params)
    assert other is not base
    if change == "sql":
        assert other.sql.startswith(base.sql) and "edited" in other.sql  # the edit reached the output


def test_a_broken_rule_is_refused_every_time() -> None:
    broken = replace(RULE, sql="SELECT nope FROM enrollments")
    for _ in range(2):
        with pytest.raises(RuleError, match="nope"):
            compile_rule(broken, PACK)
