"""Issue 13 class 8: a ``-- dialect: tsql`` rule compares strings as SQL Server does with its default
collation — case-insensitively, trailing blanks ignored by = <> < LIKE LEN GROUP BY — on every target.
Expected answers are SQL Server's, worked out by hand for the table below."""

from __future__ import annotations

import polars as pl
import pytest

from certlib.errors import RuleError
from certlib.rules import compile_sql
from tests.rules.fuzz import PACK, PARAMS

NAMES = ["E1", "e1 ", "e1", "E2", None, "ab  ", "AB"]
SCHOOLS = ["e1", "E2 ", "x", None, "AB", "zz", "e2"]


def _frames() -> dict[str, pl.DataFrame]:
    n = len(NAMES)
    students = pl.DataFrame(
        {
            "student_id": list(range(1, n + 1)),
            "name": NAMES,
            "birth_date": [None] * n,
            "gpa": [1.0] * n,
            "active": [True] * n,
            "credits": list(range(n)),
            "big": [0] * n,
        },
        schema={
            "student_id": pl.Int64,
            "name": pl.String,
            "birth_date": pl.Date,
            "gpa": pl.Float64,
            "active": pl.Boolean,
            "credits": pl.Int64,
            "big": pl.Int64,
        },
    )
    enrollments = pl.DataFrame(
        {
            "enrollment_id": list(range(1, n + 1)),
            "student_id": list(range(1, n + 1)),
            "school": SCHOOLS,
            "grade": [1] * n,
            "start_date": [None] * n,
            "end_date": [None] * n,
            "fee": [0.0] * n,
        },
        schema={
            "enrollment_id": pl.Int64,
            "student_id": pl.Int64,
            "school": pl.String,
            "grade": pl.Int64,
            "start_date": pl.Date,
            "end_date": pl.Date,
            "fee": pl.Float64,
        },
    )
    attendance = pl.DataFrame(
        schema={
            "attendance_id": pl.Int64,
            "enrollment_id": pl.Int64,
            "day": pl.Date,
            "minutes": pl.Int64,
            "present": pl.Boolean,
            "code": pl.String,
        }
    )
    return {"students": students, "enrollments": enrollments, "attendance": attendance}


def _run(sql: str, target: str = "polars") -> list[tuple]:
    compiled = compile_sql(sql, PACK, dialect="tsql", params=PARAMS, target=target)
    return sorted(pl.SQLContext(_frames()).execute(compiled.sql, eager=True).rows(), key=repr)


CASES = {
    # (T-SQL, SQL Server's answer)
    "equal_ignores_case_and_trailing_blanks": (
        "SELECT s.student_id FROM students s WHERE s.name = 'e1'",
        [(1,), (2,), (3,)],
    ),
    "not_equal": ("SELECT s.student_id FROM students s WHERE s.name <> 'E1  '", [(4,), (6,), (7,)]),
    "in_list": ("SELECT s.student_id FROM students s WHERE s.name IN ('ab', 'E2 ')", [(4,), (6,), (7,)]),
    "order_comparison": ("SELECT s.student_id FROM students s WHERE s.name < 'B'", [(6,), (7,)]),
    "between": (
        "SELECT s.student_id FROM students s WHERE s.name BETWEEN 'a' AND 'E1'",
        [(1,), (2,), (3,), (6,), (7,)],
    ),
    "len_ignores_trailing_blanks": (
        "SELECT s.student_id, LEN(s.name) AS n FROM students s WHERE s.student_id IN (2, 6)",
        [(2, 2), (6, 2)],
    ),
    "like_is_case_insensitive": (
        "SELECT s.student_id FROM students s WHERE s.name LIKE 'e_'",
        [(1,), (2,), (3,), (4,)],
    ),
    "charindex_is_case_insensitive": (
        "SELECT s.student_id, CHARINDEX('B', s.name) AS p FROM students s WHERE s.student_id IN (6, 7)",
        [(6, 2), (7, 2)],
    ),
    "join_on_strings": (
        "SELECT s.student_id, e.enrollment_id FROM students s JOIN enrollments e ON e.school = s.name",
        [(1, 1), (2, 1), (3, 1), (4, 2), (4, 7), (6, 5), (7, 5)],
    ),
    "exists_on_strings": (
        "SELECT s.student_id FROM students s WHERE NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.school = s.name)",
        [(5,)],
    ),
    "in_subquery": (
        "SELECT s.student_id FROM students s WHERE s.name IN (SELECT e.school FROM enrollments e)",
        [(1,), (2,), (3,), (4,), (6,), (7,)],
    ),
    "group_by_counts_spellings_together": (
        "SELECT COUNT(*) AS n FROM students s GROUP BY s.name HAVING COUNT(*) > 1",
        [(2,), (3,)],
    ),
    "count_distinct": ("SELECT COUNT(DISTINCT s.name) AS n FROM students s", [(3,)]),
    "distinct": ("SELECT COUNT(*) AS n FROM (SELECT DISTINCT s.name FROM students s) AS d", [(4,)]),
    "partition_by": (
        "SELECT w.student_id, w.n FROM (SELECT s.student_id, COUNT(*) OVER (PARTITION BY s.name) AS n "
        "FROM students s) AS w WHERE w.student_id IN (1, 4, 6)",
        [(1, 3), (4, 1), (6, 2)],
    ),
    "nullif_and_simple_case": (
        "SELECT s.student_id, CASE s.name WHEN 'ab' THEN 1 ELSE 0 END AS c FROM students s "
        "WHERE NULLIF(s.name, 'E1') IS NULL",
        [(1, 0), (2, 0), (3, 0), (5, 0)],
    ),
    "max_compared": (
        "SELECT s.student_id FROM students s WHERE s.name = (SELECT MAX(e.school) FROM enrollments e)",
        [],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_tsql_strings_compare_as_sql_server(name: str):
    sql, expected = CASES[name]
    assert _run(sql) == sorted(expected, key=repr), compile_sql(sql, PACK, dialect="tsql", params=PARAMS).sql


def test_group_by_shows_one_of_the_spellings():
    rows = _run("SELECT s.name, COUNT(*) AS n FROM students s GROUP BY s.name")
    assert sorted((r[0].rstrip().lower() if r[0] else None, r[1]) for r in rows if r[0]) == [
        ("ab", 2),
        ("e1", 3),
        ("e2", 1),
    ]
    assert all(r[0] in NAMES for r in rows)


def test_the_duckdb_translation_compares_the_same_way():
    import duckdb

    sql = "SELECT s.student_id FROM students s WHERE s.name = 'e1' AND LEN(s.name) = 2"
    con = duckdb.connect()
    for name, df in _frames().items():
        con.register(name, df.to_arrow())
    duck = compile_sql(sql, PACK, dialect="tsql", params=PARAMS, target="duckdb").sql
    assert sorted(con.execute(duck).fetchall()) == [(1,), (2,), (3,)]


def test_other_dialects_keep_binary_comparison():
    compiled = compile_sql(
        "SELECT s.student_id FROM students s WHERE s.name = 'e1'", PACK, dialect="postgres", params=PARAMS
    )
    assert sorted(pl.SQLContext(_frames()).execute(compiled.sql, eager=True).rows()) == [(3,)]


REFUSED = {
    "max_shown": ("SELECT s.student_id, MAX(s.name) AS m FROM students s GROUP BY s.student_id", "MAX of a string"),
    "union": ("SELECT s.name FROM students s UNION SELECT e.school FROM enrollments e", "UNION of strings"),
    "replace_letters": (
        "SELECT s.student_id, REPLACE(s.name, 'e', 'x') AS r FROM students s",
        "searches case-insensitively",
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_cannot_follow_sql_server_is_refused_by_name(name: str):
    sql, words = REFUSED[name]
    with pytest.raises(RuleError) as err:
        compile_sql(sql, PACK, dialect="tsql", params=PARAMS)
    assert words in str(err.value)
