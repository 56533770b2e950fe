"""The random differential fuzzer's budget in ``make test`` (``make fuzz`` runs >= 10,000 queries).

Each example is one generated query printed in postgres, duckdb, tsql and snowflake; certlib's answer
(compile + polars) must equal the oracle's (DuckDB; SQL Server's rules for tsql) or the compiler must
refuse the query. Deterministic: hypothesis is derandomized and the data sets are seeded.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.rules import fuzz
from tests.rules.fuzz import FAILING, Figures, Knobs, check_ast, queries

BUDGET = 100  # generated queries (x 4 dialects)
FIGURES = Figures()


@settings(max_examples=BUDGET, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(queries(Knobs()))
def test_generated_queries_match_the_oracle_or_are_refused(case):
    tree, data_seed = case
    outcomes = check_ast(tree, data_seed, Knobs(), FIGURES)
    bad = [o for o in outcomes if o.kind in FAILING]
    assert not bad, f"data seed {data_seed}\n" + "\n\n".join(o.describe() for o in bad)


def test_the_budget_mostly_runs_queries_not_refusals():
    """Guards the generator: a budget that is mostly refused or unprintable would test nothing."""
    if FIGURES.asts < BUDGET:
        pytest.skip("runs after the fuzz test in the same process")
    accepted = FIGURES.kinds["ok"]
    assert accepted >= 0.7 * FIGURES.queries, FIGURES.report()
    assert FIGURES.queries >= 3.5 * BUDGET, FIGURES.report()


def test_the_fuzzer_finds_a_wrong_translation(monkeypatch):
    """If the compiler dropped the WHERE clause, the fuzzer must notice (the harness can fail)."""
    from sqlglot import exp, parse_one

    real = fuzz.compile_sql

    def broken(text, pack, **kw):
        compiled = real(text, pack, **kw)
        tree = parse_one(compiled.sql, read="postgres")
        for select in tree.find_all(exp.Select):
            select.set("where", None)
        return type(compiled)(**{**compiled.__dict__, "sql": tree.sql("postgres")})

    monkeypatch.setattr(fuzz, "compile_sql", broken)
    sql = parse_one("SELECT s.student_id FROM students AS s WHERE s.credits > 3")
    outcomes = check_ast(sql, 0, Knobs())
    assert {o.kind for o in outcomes} == {"mismatch"}, [o.describe() for o in outcomes]


def test_the_tsql_oracle_compares_as_sql_server():
    """Case-insensitive, trailing blanks ignored, LEN without them, FLOAT is 8 bytes, CAST truncates."""
    con = fuzz.duck(0, "plain", False, True)
    sql = fuzz.oracle_sql(
        "SELECT s.student_id FROM students AS s WHERE 'a ' = 'A' AND LEN('ab  ') = 2 "
        "AND CAST(2.7E0 AS INT) = 2 AND 'ab' LIKE 'A%' AND 'x' IN ('X ')",
        "tsql",
    )
    assert len(con.execute(sql).fetchall()) == fuzz.frames(0, "plain", False)["students"].height
    assert fuzz.oracle_sql("SELECT CAST(s.gpa AS FLOAT) AS f FROM students AS s", "tsql").count("DOUBLE") == 1
    # and the other dialects keep DuckDB's (binary) comparison
    other = fuzz.duck(0, "plain", False, False)
    assert other.execute(fuzz.oracle_sql("SELECT 1 AS x WHERE 'a' = 'A'", "postgres")).fetchall() == []
