"""Plan rewrites (issue 15): ranking windows over one-row partitions skipped, with the same rows.

Each shape is compiled for polars with the rewrite and without it, and for DuckDB; on seeded tables
with NULL keys, duplicate keys and ties in ORDER BY the three agree as multisets. Queries whose
ROW_NUMBER ties would make the answer arbitrary output only columns that are equal among tied rows
(the rows are then indistinguishable); RANK / DENSE_RANK are exact on any ties. The rewritten SQL is
checked for the plan it must have (one-row branch dropped where the filter excludes it).
"""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certlib.rules import compile_sql, load_pack
from tests.rules.differential import PARAMS, random_tables, run_duckdb, run_polars

PACK = load_pack()
SEEDS = (1, 2, 3, 4)


@contextmanager
def _rewrites_off():
    import certlib.rules.rewrites as rw

    saved = rw.plan_rewrites
    rw.plan_rewrites = lambda tree: tree
    try:
        yield
    finally:
        rw.plan_rewrites = saved


def _three(sql: str) -> tuple[str, str, str]:
    on = compile_sql(sql, PACK, params=PARAMS).sql
    with _rewrites_off():
        off = compile_sql(sql, PACK, params=PARAMS).sql
    duck = compile_sql(sql, PACK, target="duckdb", params=PARAMS).sql
    return on, off, duck


# name -> (sql, expected plan: "pruned" = only partitions with copies, "union" = both branches, None = as written)
SHAPES: dict[str, tuple[str, str | None]] = {
    "row_number_gt_1": (
        """SELECT d.enrollment_id, d.attendance_date FROM (SELECT a.enrollment_id, a.attendance_date,
        ROW_NUMBER() OVER (PARTITION BY a.enrollment_id, a.attendance_date ORDER BY a.attendance_code) AS rn
        FROM attendance_daily AS a) AS d WHERE d.rn > 1""",
        "pruned",
    ),
    "row_number_gte_2_other_conjunct": (
        """SELECT d.enrollment_id, d.attendance_code FROM (SELECT a.enrollment_id,
        a.attendance_code, a.minutes_tardy, ROW_NUMBER() OVER (PARTITION BY a.enrollment_id, a.attendance_code
        ORDER BY a.minutes_tardy) AS rn FROM attendance_daily AS a WHERE a.school_code <> '0101') AS d
        WHERE d.minutes_tardy IS NOT NULL AND 2 <= d.rn""",
        "pruned",
    ),
    "row_number_ne_1_rn_projected": (
        """SELECT d.enrollment_id, d.rn FROM (SELECT a.enrollment_id,
        ROW_NUMBER() OVER (PARTITION BY a.enrollment_id ORDER BY a.enrollment_id) AS rn
        FROM attendance_daily AS a) AS d WHERE d.rn <> 1""",
        "pruned",
    ),
    "row_number_eq_1_keep_first": (
        """SELECT d.enrollment_id, d.attendance_date FROM (SELECT a.enrollment_id,
        a.attendance_date, ROW_NUMBER() OVER (PARTITION BY a.enrollment_id, a.attendance_date
        ORDER BY a.attendance_code DESC) AS rn FROM attendance_daily AS a) AS d WHERE d.rn = 1""",
        "union",
    ),
    "row_number_le_2": (
        """SELECT d.student_state_id, d.rn FROM (SELECT e.student_state_id, ROW_NUMBER() OVER (
        PARTITION BY e.student_state_id ORDER BY e.student_state_id) AS rn FROM enrollments AS e) AS d
        WHERE d.rn <= 2""",
        "union",
    ),
    "rank_ties_and_nulls": (
        """SELECT d.enrollment_id, d.minutes_tardy, d.rk FROM (SELECT a.enrollment_id,
        a.minutes_tardy, RANK() OVER (PARTITION BY a.enrollment_id ORDER BY a.minutes_tardy DESC) AS rk
        FROM attendance_daily AS a) AS d WHERE d.rk > 1""",
        "pruned",
    ),
    "rank_eq_1_nulls_first": (
        """SELECT d.school_code, d.attendance_date, d.attendance_code FROM (SELECT a.school_code,
        a.attendance_date, a.attendance_code, RANK() OVER (PARTITION BY a.school_code, a.attendance_code
        ORDER BY a.attendance_date NULLS FIRST) AS rk FROM attendance_daily AS a) AS d WHERE d.rk = 1""",
        "union",
    ),
    "dense_rank_and_aggregates": (
        """SELECT d.student_state_id, d.dr, d.n, d.n_exit, d.first_id, d.last_start
        FROM (SELECT e.student_state_id, DENSE_RANK() OVER (PARTITION BY e.student_state_id ORDER BY e.grade) AS dr,
          COUNT(*) OVER (PARTITION BY e.student_state_id) AS n,
          COUNT(e.exit_code) OVER (PARTITION BY e.student_state_id) AS n_exit,
          MIN(e.enrollment_id) OVER (PARTITION BY e.student_state_id) AS first_id,
          MAX(e.start_date) OVER (PARTITION BY e.student_state_id) AS last_start
        FROM enrollments AS e) AS d WHERE d.dr >= 1""",
        "union",
    ),
    "cte_read_once": (
        """WITH r AS (SELECT a.enrollment_id, a.attendance_date, DENSE_RANK() OVER (
          PARTITION BY a.enrollment_id, a.attendance_date ORDER BY a.minutes_absent) AS dr FROM attendance_daily AS a)
        SELECT r.enrollment_id, r.attendance_date, r.dr FROM r WHERE r.dr > 1""",
        "pruned",
    ),
    "join_inside_and_expression_key": (
        """SELECT d.enrollment_id, d.plan_id FROM (SELECT e.enrollment_id, p.plan_id,
        ROW_NUMBER() OVER (PARTITION BY COALESCE(e.student_state_id, 'none') ORDER BY e.enrollment_id, p.plan_id) AS rn
        FROM enrollments AS e JOIN plans_504 AS p ON p.student_state_id = e.student_state_id) AS d
        WHERE d.rn > 1""",
        "pruned",
    ),
    "left_join_consumer": (
        """SELECT e.enrollment_id, d.rn FROM enrollments AS e LEFT JOIN (SELECT a.enrollment_id,
        ROW_NUMBER() OVER (PARTITION BY a.enrollment_id ORDER BY a.enrollment_id) AS rn FROM attendance_daily AS a) AS d
        ON d.enrollment_id = e.enrollment_id WHERE d.rn > 2""",
        "pruned",
    ),
    "top_level_window": (
        """SELECT a.enrollment_id, RANK() OVER (PARTITION BY a.enrollment_id ORDER BY a.attendance_date)
        AS rk FROM attendance_daily AS a""",
        "union",
    ),
    "count_star_over_alone": (
        """SELECT d.student_state_id FROM (SELECT st.student_state_id, COUNT(*) OVER (
        PARTITION BY st.district_number, st.student_state_id) AS n FROM students AS st) AS d WHERE d.n > 1""",
        None,
    ),
    "lag_not_rewritten": (
        """SELECT x.enrollment_id FROM (SELECT e.enrollment_id, e.start_date, ROW_NUMBER() OVER (
        PARTITION BY e.student_state_id ORDER BY e.start_date, e.enrollment_id) AS rn, LAG(e.end_date) OVER (
        PARTITION BY e.student_state_id ORDER BY e.start_date, e.enrollment_id) AS prev FROM enrollments AS e) AS x
        WHERE x.rn > 1 AND x.prev >= x.start_date""",
        None,
    ),
    "two_partitions_not_rewritten": (
        """SELECT d.enrollment_id FROM (SELECT e.enrollment_id, RANK() OVER (
        PARTITION BY e.student_state_id ORDER BY e.enrollment_id) AS a, RANK() OVER (PARTITION BY e.school_code
        ORDER BY e.enrollment_id) AS b FROM enrollments AS e) AS d WHERE d.a > 1 AND d.b > 1""",
        None,
    ),
    "running_sum_not_rewritten": (
        """SELECT d.enrollment_id, d.m FROM (SELECT a.enrollment_id, ROW_NUMBER() OVER (
        PARTITION BY a.enrollment_id ORDER BY a.attendance_date, a.minutes_tardy) AS rn, SUM(a.minutes_tardy) OVER (
        PARTITION BY a.enrollment_id ORDER BY a.attendance_date, a.minutes_tardy ROWS BETWEEN UNBOUNDED PRECEDING
        AND CURRENT ROW) AS m FROM attendance_daily AS a) AS d WHERE d.rn > 1""",
        None,
    ),
    "grouped_not_rewritten": (
        """SELECT d.school_code FROM (SELECT e.school_code, e.grade, RANK() OVER (
        PARTITION BY e.school_code ORDER BY COUNT(*) DESC) AS rk FROM enrollments AS e GROUP BY e.school_code, e.grade)
        AS d WHERE d.rk = 1""",
        None,
    ),
}


def _plan_kind(on: str, off: str) -> str | None:
    if on == off:
        return None
    assert "__certlib_n" in on
    return "union" if "UNION ALL" in on else "pruned"


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shape_gets_the_plan_it_should(name: str):
    sql, kind = SHAPES[name]
    on, off, _ = _three(sql)
    assert _plan_kind(on, off) == kind, on


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_rewritten_shape_gives_the_rows_of_the_original_and_of_duckdb(name: str, seed: int):
    sql, _ = SHAPES[name]
    on, off, duck = _three(sql)
    frames = random_tables(PACK, seed, rows=60)
    got = run_polars(on, frames)
    assert got == run_polars(off, frames), f"{name}: rewritten differs from the rule as written\n{on}"
    assert got == run_duckdb(duck, frames), f"{name}: polars differs from DuckDB\n{on}"


def test_framed_aggregate_is_left_as_written():
    """A frame may exclude the current row (MIN over 2 PRECEDING .. 1 PRECEDING is NULL on a one-row
    partition), so an aggregate window with a frame keeps the whole SELECT as written."""
    import sqlglot

    from certlib.rules.plan_rewrites import plan_rewrites

    sql = """SELECT d.k FROM (SELECT t.k AS k, ROW_NUMBER() OVER (PARTITION BY t.k ORDER BY t.v) AS rn,
        MIN(t.v) OVER (PARTITION BY t.k ORDER BY t.v ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING) AS m
        FROM t AS t) AS d WHERE d.rn > 1"""
    tree = sqlglot.parse_one(sql)
    assert plan_rewrites(tree.copy()).sql() == tree.sql()
    plain = sql.replace("ROWS BETWEEN 2 PRECEDING AND 1 PRECEDING", "")
    assert "__certlib_n" in plan_rewrites(sqlglot.parse_one(plain)).sql()


def test_one_row_partitions_and_null_keys_are_exact():
    """Hand-made: NULL partition keys form one partition (rewritten plan keeps them together), one-row
    partitions get 1, ties in ORDER BY share a RANK."""
    sql = """SELECT d.enrollment_id, d.attendance_date, d.minutes_tardy, d.rk, d.n FROM (SELECT a.enrollment_id,
        a.attendance_date, a.minutes_tardy, RANK() OVER (PARTITION BY a.enrollment_id, a.attendance_date
        ORDER BY a.minutes_tardy) AS rk, COUNT(a.minutes_tardy) OVER (PARTITION BY a.enrollment_id,
        a.attendance_date) AS n FROM attendance_daily AS a) AS d"""
    frames = random_tables(PACK, 1, rows=7)
    frames["attendance_daily"] = frames["attendance_daily"].with_columns(
        pl.Series("enrollment_id", [None, None, 1, 1, 1, 2, None], dtype=pl.Int64),
        pl.Series(
            "attendance_date", ["2024-09-03", "2024-09-03", "2024-09-04", "2024-09-04", "2024-09-04", None, None]
        ).str.to_date(),
        pl.Series("minutes_tardy", [5, 5, None, 3, 3, 7, None], dtype=pl.Int64),
    )
    on, off, duck = _three(sql)
    assert "UNION ALL" in on
    got = run_polars(on, frames)
    assert got == run_polars(off, frames) == run_duckdb(duck, frames)
    assert got == Counter(
        {
            (None, "2024-09-03", 5, 1, 2): 2,
            (1, "2024-09-04", 3, 1, 2): 2,
            (1, "2024-09-04", None, 3, 2): 1,
            (2, None, 7, 1, 1): 1,
            (None, None, None, 1, 0): 1,
        }
    )


def test_row_number_ties_keep_polars_own_choice():
    """ROW_NUMBER among tied rows is arbitrary in SQL; the rewrite must not change polars' choice."""
    sql = """SELECT d.enrollment_id, d.attendance_code, d.school_code FROM (SELECT a.enrollment_id, a.attendance_code,
        a.school_code, ROW_NUMBER() OVER (PARTITION BY a.enrollment_id ORDER BY a.attendance_code) AS rn
        FROM attendance_daily AS a) AS d WHERE d.rn > 1"""
    on, off, _ = _three(sql)
    for seed in SEEDS:
        frames = random_tables(PACK, seed, rows=80)
        assert run_polars(on, frames) == run_polars(off, frames)


@settings(max_examples=40, deadline=None)
@given(
    keys=st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=1, max_size=40),
    order=st.lists(st.one_of(st.none(), st.integers(0, 3)), min_size=40, max_size=40),
    fn=st.sampled_from(["RANK()", "DENSE_RANK()", "ROW_NUMBER()"]),
    cmp=st.sampled_from(["> 1", "= 1", "<= 2", "<> 1", ">= 3", "< 2", "= 2"]),
    desc=st.booleans(),
)
def test_any_keys_ties_and_filters_match_duckdb(keys, order, fn, cmp, desc):
    n = len(keys)
    frames = random_tables(PACK, 5, rows=n)
    frames["attendance_daily"] = frames["attendance_daily"].with_columns(
        pl.Series("enrollment_id", keys, dtype=pl.Int64), pl.Series("minutes_tardy", order[:n], dtype=pl.Int64)
    )
    direction = "DESC" if desc else "ASC"
    # ROW_NUMBER: output only the partition and order columns, so tied rows are indistinguishable
    sql = f"""SELECT d.enrollment_id, d.minutes_tardy, d.r FROM (SELECT a.enrollment_id, a.minutes_tardy,
        {fn} OVER (PARTITION BY a.enrollment_id ORDER BY a.minutes_tardy {direction}) AS r
        FROM attendance_daily AS a) AS d WHERE d.r {cmp}"""
    on, off, duck = _three(sql)
    assert "__certlib_n" in on
    got = run_polars(on, frames)
    assert got == run_polars(off, frames)
    assert got == run_duckdb(duck, frames)


def test_default_pack_duplicate_rule_is_written_plainly_and_rewritten():
    """ATT-005 is a plain ROW_NUMBER ... > 1 (as a rule author writes it); the compiler numbers only the
    partitions with copies."""
    rule = PACK.rules["ATT-005"]
    assert "COUNT(*) OVER" not in rule.sql.upper()
    from certlib.rules import compile_rule

    compiled = compile_rule(rule, PACK, params=PARAMS).sql
    assert "__certlib_n > 1" in compiled and "UNION ALL" not in compiled


# [NOT] EXISTS correlated by equalities of expressions -> LEFT JOIN to the distinct inner keys
EXISTS_SHAPES: dict[str, tuple[str, str, bool]] = {  # name -> (dialect, sql, rewritten)
    "not_exists_expression_key": (
        "postgres",
        """SELECT s.enrollment_id FROM attendance_summary s WHERE NOT EXISTS (
        SELECT 1 FROM attendance_daily a WHERE a.enrollment_id + 0 = s.enrollment_id AND a.attendance_code = 'T')""",
        True,
    ),
    "exists_two_keys_one_expression": (
        "postgres",
        """SELECT a.enrollment_id, a.attendance_date FROM attendance_daily a
        WHERE EXISTS (SELECT 1 FROM calendar_days c WHERE COALESCE(c.school_code, '?') = COALESCE(a.school_code, '?')
          AND c.calendar_date = a.attendance_date AND c.instructional)""",
        True,
    ),
    "tsql_case_insensitive_strings": (
        "tsql",
        """SELECT p.plan_id FROM plans_504 p WHERE NOT EXISTS (
        SELECT 1 FROM enrollments e WHERE e.student_state_id = p.student_state_id AND e.district_number = p.district_number)""",
        True,
    ),
    "tsql_exists_and_other_conjuncts": (
        "tsql",
        """SELECT s.iep_id FROM special_ed s WHERE s.iep_id > 2 AND EXISTS (
        SELECT 1 FROM enrollments e JOIN schools sc ON sc.school_code = e.school_code
        WHERE e.student_state_id = s.student_state_id AND sc.school_type <> 'x')""",
        True,
    ),
    "outer_join_then_not_exists": (
        "postgres",
        """SELECT e.enrollment_id FROM enrollments e LEFT JOIN plans_504 p
        ON p.student_state_id = e.student_state_id WHERE NOT EXISTS (SELECT 1 FROM special_ed s
          WHERE s.student_state_id = COALESCE(p.student_state_id, e.student_state_id))""",
        True,
    ),
    "plain_columns_left_to_polars": (
        "postgres",
        """SELECT p.plan_id FROM plans_504 p WHERE NOT EXISTS (
        SELECT 1 FROM enrollments e WHERE e.student_state_id = p.student_state_id)""",
        False,
    ),
    "range_left_to_row_ids": (
        "postgres",
        """SELECT p.plan_id FROM plans_504 p WHERE NOT EXISTS (
        SELECT 1 FROM enrollments e WHERE e.student_state_id = p.student_state_id AND e.start_date <= p.plan_end_date)""",
        False,
    ),
}


def _three_in(dialect: str, sql: str) -> tuple[str, str | None, str]:
    """(rewritten, as before or None when it was refused, DuckDB)."""
    from certlib.errors import RuleError

    on = compile_sql(sql, PACK, dialect=dialect, params=PARAMS).sql
    with _rewrites_off():
        try:
            off = compile_sql(sql, PACK, dialect=dialect, params=PARAMS).sql
        except RuleError:  # polars could not plan it and the row-id decorrelation did not apply
            off = None
    duck = compile_sql(sql, PACK, dialect=dialect, target="duckdb", params=PARAMS).sql
    return on, off, duck


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(EXISTS_SHAPES))
def test_exists_by_expression_keys_is_a_keyed_join_with_the_same_rows(name: str, seed: int):
    dialect, sql, rewritten = EXISTS_SHAPES[name]
    on, off, duck = _three_in(dialect, sql)
    assert ("__certlib_hit" in on) == rewritten, on
    assert "EXISTS" not in on.upper() or not rewritten
    frames = random_tables(PACK, seed, rows=60)
    got = run_polars(on, frames)
    assert off is not None or name in (
        "outer_join_then_not_exists",
        "tsql_exists_and_other_conjuncts",
    )  # refused before
    if off is not None:
        assert got == run_polars(off, frames), f"{name}: differs from the unrewritten plan\n{on}"
    assert got == run_duckdb(duck, frames), f"{name}: polars differs from DuckDB\n{on}"
