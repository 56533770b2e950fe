"""Identifiers as the rule's dialect resolves them (issue 14): mixed-case declared names usable in every
dialect; quoted names exact where the dialect's quoted identifiers are case-sensitive; schema-qualified
tables; the spelling the author wrote kept in the output; unknown names reported with the table and a
did-you-mean of close names only; keys matched case-insensitively (or a student/school key returned)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from certlib.errors import RuleError
from certlib.rules import compile_rule, compile_sql, load_pack
from certlib.rules.header import parse_rule_text
from tests.rules.differential import run_polars

PACK_TOML = """
name = "ids"
dialect = "tsql"
default_schema = "edfi"

[tables."edfi.Student"]
columns = { StudentUSI = "int", StudentUniqueId = "string", BirthDate = "date" }
keys = ["StudentUSI"]
student_key = "StudentUniqueId"

[tables."edfi.StudentSchoolAssociation"]
columns = { StudentUSI = "int", SchoolId = "int", EntryDate = "date" }
keys = ["StudentUSI", "SchoolId", "EntryDate"]
school_key = "SchoolId"

[tables.lookup]
columns = { code = "string", label = "string" }
keys = ["code"]

[[groups]]
name = "G"
"""


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    root = tmp_path_factory.mktemp("ids")
    (root / "pack.toml").write_text(PACK_TOML)
    return load_pack(root)


def frames() -> dict[str, pl.DataFrame]:
    return {
        "edfi.Student": pl.DataFrame(
            {
                "StudentUSI": [1, 2, 3],
                "StudentUniqueId": ["a", "b", None],
                "BirthDate": [None, date(2010, 1, 1), date(2001, 5, 5)],
            }
        ),
        "edfi.StudentSchoolAssociation": pl.DataFrame(
            {"StudentUSI": [1, 1, 2], "SchoolId": [10, 11, 10], "EntryDate": [date(2024, 8, 20)] * 3}
        ),
        "lookup": pl.DataFrame({"code": ["x"], "label": ["y"]}),
    }


ACCEPTED = [  # (dialect, sql) - each resolves, runs on polars, and equals DuckDB
    ("tsql", "SELECT s.StudentUSI FROM edfi.Student s WHERE s.BirthDate IS NULL"),
    ("tsql", "SELECT S.studentusi FROM EDFI.STUDENT s WHERE s.BIRTHDATE IS NULL"),
    ("tsql", "SELECT [s].[StudentUSI] FROM [edfi].[Student] AS [s] WHERE [s].[birthdate] IS NULL"),
    (
        "tsql",
        "SELECT student2.StudentUSI FROM Student student2 JOIN edfi.StudentSchoolAssociation ssa "
        "ON STudent2.StudentUSI = SSA.studentUSI WHERE ssa.SchoolId = 10",
    ),
    ("tsql", "SELECT Student.StudentUSI FROM edfi.Student WHERE edfi.Student.BirthDate IS NULL"),
    ("tsql", "SELECT TOP 10 studentusi, StudentUniqueId FROM student ORDER BY StudentUSI"),
    (
        "tsql",
        "WITH Old AS (SELECT StudentUSI AS Usi FROM edfi.Student WHERE BirthDate < '2005-01-01') "
        "SELECT o.usi AS StudentUSI FROM old o",
    ),
    ("postgres", 'SELECT s.StudentUSI FROM edfi.student s WHERE s."BirthDate" IS NULL'),
    ("postgres", "SELECT studentusi FROM Student WHERE birthdate IS NULL"),
    ("postgres", 'SELECT "StudentUSI" FROM "edfi"."Student" WHERE "BirthDate" IS NULL'),
    ("snowflake", "SELECT STUDENTUSI FROM EDFI.STUDENT WHERE BIRTHDATE IS NULL"),
    ("duckdb", 'SELECT "studentusi" FROM "STUDENT" WHERE "birthDATE" IS NULL'),
    ("tsql", "SELECT l.code AS StudentUSI FROM Lookup l"),
    ("tsql", "SELECT a.StudentUSI FROM edfi.StudentSchoolAssociation a JOIN edfi.Student USING (studentusi)"),
    ("tsql", "WITH c AS (SELECT * FROM edfi.Student) SELECT c.studentusi FROM c WHERE c.BIRTHDATE IS NULL"),
    ("tsql", "SELECT x.studentusi, x.One FROM (SELECT s.*, 1 AS one FROM edfi.Student s) x"),
    ("snowflake", "SELECT studentusi FROM (SELECT * FROM edfi.Student) x"),
]


@pytest.mark.parametrize("dialect, sql", ACCEPTED)
def test_names_resolve_as_the_dialect_does_and_match_duckdb(pack, dialect: str, sql: str):
    polars_sql = compile_sql(sql, pack, dialect=dialect).sql
    duck_sql = compile_sql(sql, pack, dialect=dialect, target="duckdb").sql
    data = frames()
    got = run_polars(polars_sql, data)
    assert got == run_duckdb_schemas(duck_sql, data)


def run_duckdb_schemas(sql: str, data: dict[str, pl.DataFrame]):
    """DuckDB with the pack's schemas created (the SQL printed for DuckDB names edfi.Student)."""
    import duckdb

    from tests.rules.differential import multiset

    con = duckdb.connect()
    try:
        for name, df in data.items():
            con.register(f"df_{abs(hash(name))}", df.to_arrow())
            if "." in name:
                schema, table = name.split(".")
                con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                con.execute(f'CREATE TABLE "{schema}"."{table}" AS SELECT * FROM "df_{abs(hash(name))}"')
            else:
                con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM "df_{abs(hash(name))}"')
        return multiset(con.execute(sql).fetchall())
    finally:
        con.close()


REFUSED = [  # (dialect, sql, code, words in the message or hint)
    (
        "postgres",
        'SELECT s."studentusi" FROM edfi.Student s',
        "unknown-column",
        ["'studentusi'", "edfi.Student", "'StudentUSI'"],
    ),
    ("snowflake", 'SELECT "STUDENTUSI" FROM edfi.Student', "unknown-column", ["'STUDENTUSI'", "'StudentUSI'"]),
    (
        "tsql",
        "SELECT s.StudentUSI, s.BirthDat FROM edfi.Student s",
        "unknown-column",
        ["'BirthDat'", "table edfi.Student (as s)", "'BirthDate'"],
    ),
    ("tsql", "SELECT s.StudentUSI FROM dbo.Student s", "unknown-table", ["schema 'dbo' is not in the pack", "edfi"]),
    ("tsql", "SELECT s.StudentUSI FROM ods.edfi.Student s", "unknown-table", ["database or catalog"]),
    ("tsql", "SELECT s.StudentUSI FROM edfi.Studnet s", "unknown-table", ["edfi.Student"]),
    ("tsql", "SELECT s.StudentUSI FROM edfi.lookup s", "unknown-table", ["unknown table"]),
    (
        "tsql",
        "SELECT StudentUSI FROM edfi.Student s JOIN edfi.StudentSchoolAssociation a ON 1 = 1",
        "ambiguous-column",
        ["ambiguous", "a, s"],
    ),
    ("tsql", "SELECT x.StudentUSI FROM edfi.Student s", "unknown-table", ["'x'"]),
]


@pytest.mark.parametrize("dialect, sql, code, words", REFUSED)
def test_unknown_names_are_refused_naming_the_table_with_close_suggestions(pack, dialect, sql, code, words):
    with pytest.raises(RuleError) as err:
        compile_sql(sql, pack, dialect=dialect)
    found = [d for d in err.value.diagnostics if d.code == code]
    assert found, str(err.value)
    text = f"{found[0].message} ({found[0].hint})"
    for word in words:
        assert word in text, text


def test_did_you_mean_suggests_close_names_only(pack):
    with pytest.raises(RuleError) as err:
        compile_sql("SELECT s.StudentUSI, s.Zip FROM edfi.Student s", pack)
    d = next(d for d in err.value.diagnostics if d.code == "unknown-column")
    assert "did you mean" not in (d.hint or "")  # nothing is close to Zip: the table's columns are listed
    assert "StudentUniqueId" in (d.hint or "")


def test_output_keeps_the_names_the_author_wrote(pack):
    c = compile_sql(
        "SELECT s.studentusi AS StudentUSI, s.StudentUniqueId, DATEDIFF(day, s.BirthDate, "
        "s.BirthDate) AS AgeInDays FROM edfi.Student s",
        pack,
    )
    assert c.output_columns == ("StudentUSI", "StudentUniqueId", "AgeInDays")
    out = pl.SQLContext(frames(), eager=True).execute(c.sql)
    assert out.columns == ["StudentUSI", "StudentUniqueId", "AgeInDays"]


def test_keys_match_case_insensitively_and_keep_the_output_spelling(pack):
    c = compile_sql("SELECT s.studentusi AS studentusi FROM edfi.Student s", pack)
    assert c.key_columns == ("studentusi",)


def rule(sql: str, keys: str = ""):
    return parse_rule_text(
        "-- id: R-1\n-- title: t\n-- severity: fatal\n-- group: G\n-- description: d\n"
        "-- resolution: r\n" + (f"-- keys: {keys}\n" if keys else "") + sql,
        Path("R-1.sql"),
    )


def test_a_rule_may_return_a_student_or_school_key_instead_of_its_tables_keys(pack):
    by_student = compile_rule(
        rule(
            "SELECT st.StudentUniqueId, ssa.SchoolId FROM edfi.StudentSchoolAssociation ssa "
            "JOIN edfi.Student st ON st.StudentUSI = ssa.StudentUSI"
        ),
        pack,
    )
    assert by_student.key_columns == ("StudentUniqueId", "SchoolId")
    with pytest.raises(RuleError) as err:
        compile_rule(rule("SELECT ssa.EntryDate FROM edfi.StudentSchoolAssociation ssa"), pack)
    message = next(d.message for d in err.value.diagnostics if d.code == "missing-keys")
    assert "StudentUSI" in message and "StudentUniqueId" in message and "SchoolId" in message


def test_declared_keys_match_case_insensitively(pack):
    c = compile_rule(
        rule("SELECT SchoolId, COUNT(*) AS n FROM edfi.StudentSchoolAssociation GROUP BY SchoolId", keys="schoolid"),
        pack,
    )
    assert c.key_columns == ("SchoolId",)


def test_a_warehouse_gets_schema_and_table_apart(pack):
    sql = compile_sql("SELECT s.StudentUSI FROM Student s", pack, target="tsql").sql
    assert "edfi.[Student]" in sql


@pytest.mark.parametrize(
    "toml, message",
    [
        ('[tables.t]\ncolumns = { Id = "int", ID = "int" }\nkeys = ["Id"]\n', "differ only in case"),
        ('[tables."a.T"]\ncolumns = { x = "int" }\n[tables."A.t"]\ncolumns = { x = "int" }\n', "differ only in case"),
        ('default_schema = "edfi"\n[tables.t]\ncolumns = { x = "int" }\n', "default_schema 'edfi' holds no table"),
        ('[tables.t]\ncolumns = { StudentUSI = "int" }\nkeys = ["studentusi"]\n', "did you mean 'StudentUSI'"),
        ('[tables."a.b.c"]\ncolumns = { x = "int" }\n', "not a plain name"),
    ],
)
def test_pack_names_that_cannot_be_told_apart_are_refused(tmp_path: Path, toml: str, message: str):
    (tmp_path / "pack.toml").write_text('name = "x"\n' + toml)
    with pytest.raises(RuleError) as err:
        load_pack(tmp_path)
    assert message in str(err.value)


def test_schema_key_is_the_same_as_a_qualified_name(tmp_path: Path):
    (tmp_path / "pack.toml").write_text(
        'name = "x"\ndefault_schema = "edfi"\n[tables.Student]\nschema = "edfi"\n'
        'columns = { StudentUSI = "int" }\nkeys = ["StudentUSI"]\n'
    )
    pack = load_pack(tmp_path)
    assert list(pack.tables) == ["edfi.Student"] and pack.tables["edfi.Student"].bare_name == "Student"
    assert compile_sql("SELECT StudentUSI FROM Student", pack).tables == ("edfi.Student",)


def test_tsql_at_parameters_bind_like_colon_parameters(pack):
    c = compile_sql(
        "SELECT StudentUSI, SchoolId, EntryDate FROM StudentSchoolAssociation "
        "WHERE SchoolId <> @SchoolYear AND EntryDate < @as_of_date",
        pack,
        params={"school_year": 2031},
    )
    assert "2031" in c.sql and "CAST('2025-06-30' AS DATE)" in c.sql
    with pytest.raises(RuleError, match="unknown parameter @SchoolYr"):
        compile_sql(
            "SELECT StudentUSI, SchoolId, EntryDate FROM StudentSchoolAssociation WHERE SchoolId = @SchoolYr", pack
        )


def test_the_default_schema_is_part_of_what_a_compiled_rule_depends_on(tmp_path: Path):
    toml = (
        'name = "x"\n{default}[tables."a.T"]\ncolumns = {{ Id = "int" }}\nkeys = ["Id"]\n'
        '[tables."b.T"]\ncolumns = {{ Id = "int" }}\nkeys = ["Id"]\n[[groups]]\nname = "G"\n'
    )
    for schema in ("a", "b"):
        (tmp_path / schema).mkdir()
        (tmp_path / schema / "pack.toml").write_text(toml.format(default=f'default_schema = "{schema}"\n'))
    r = rule("SELECT Id FROM T")
    assert compile_rule(r, load_pack(tmp_path / "a")).tables == ("a.T",)
    assert compile_rule(r, load_pack(tmp_path / "b")).tables == ("b.T",)  # not the first pack's cached result
