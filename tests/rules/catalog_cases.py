"""The differential cases that prove the function catalog (certlib/rules/catalog.py): each entry names
cases here; every case runs through certlib for polars and through DuckDB on seeded and adversarial
tables (tests/rules/test_catalog.py). ``name -> [(source dialect, SQL[, DuckDB oracle SQL]), ...]``: the
oracle is certlib's DuckDB transpilation unless the source engine's rule differs from DuckDB's (SQL
Server truncates a float cast to INT; DuckDB rounds), then the oracle is written in DuckDB SQL by hand."""

from __future__ import annotations

_ALL = (
    "enrollment_id, start_date, end_date, grade, exit_code, schoo"
    "l_code, student_state_id, service_type, local_student_id, district_number, school_year"
)

CASES: dict[str, list[tuple[str, ...]]] = {
    "arith": [
        (
            "postgres",
            "SELECT enrollment_id, minutes_tardy % 3 AS r, ABS(minutes_tardy) AS a, "
            "FLOOR(minutes_tardy / 4.0) AS f, CEIL(minutes_tardy / 4.0) AS c, ROUND(minutes_tardy) AS z "
            "FROM attendance_daily WHERE minutes_tardy BETWEEN -1000 AND 1000",
        ),
        (
            "tsql",
            "SELECT enrollment_id, minutes_tardy % 3 AS r, minutes_tardy * 2 - 1 AS m FROM attendance_daily "
            "WHERE minutes_tardy BETWEEN -1000 AND 1000",
        ),
        (
            "duckdb",
            "SELECT enrollment_id, ABS(minutes_tardy) AS a FROM attendance_daily "
            "WHERE minutes_tardy BETWEEN -1000 AND 1000",
        ),
    ],
    "division": [
        ("postgres", "SELECT enrollment_id, minutes_tardy / 4 AS q FROM attendance_daily"),
        ("tsql", "SELECT enrollment_id, minutes_tardy / 4 AS q FROM attendance_daily"),
        ("duckdb", "SELECT enrollment_id, minutes_tardy / 4 AS q, minutes_tardy // 4 AS r FROM attendance_daily"),
        ("snowflake", "SELECT enrollment_id, minutes_tardy / 4 AS q FROM attendance_daily"),
    ],
    "decimal_literals": [
        ("duckdb", "SELECT enrollment_id FROM attendance_daily WHERE minutes_tardy / 60.0 > 0.2"),
        (
            "postgres",
            "SELECT enrollment_id, minutes_tardy * 1.5 AS m FROM attendance_daily "
            "WHERE minutes_tardy BETWEEN -1000 AND 1000",
        ),
    ],
    "compare": [
        (
            "postgres",
            "SELECT enrollment_id FROM enrollments WHERE grade IN ('05', '12') OR exit_code IS NULL "
            "OR (start_date BETWEEN DATE '2024-09-01' AND DATE '2025-06-30' AND NOT (grade <> '03'))",
        ),
        ("tsql", "SELECT enrollment_id FROM enrollments WHERE grade IN ('05', '12') OR exit_code IS NULL"),
        ("snowflake", "SELECT enrollment_id FROM enrollments WHERE grade >= '05' AND grade <= '09'"),
        ("spark", "SELECT enrollment_id FROM enrollments WHERE grade > '05' OR school_year < 2025"),
        # a quoted ISO date against a date, a quoted integer against an integer
        (
            "postgres",
            "SELECT enrollment_id FROM enrollments WHERE COALESCE(end_date, '2099-12-31') > start_date "
            "AND start_date >= '2024-09-01' OR school_year = '2025'",
        ),
        (
            "tsql",
            "SELECT enrollment_id, DATEDIFF(day, '2024-09-01', start_date) AS d FROM enrollments "
            "WHERE school_year IN ('2024', '2025') AND start_date BETWEEN '1000-01-01' AND '9000-01-01'",
        ),
        ("duckdb", "SELECT enrollment_id FROM enrollments WHERE grade = ANY (SELECT low_grade FROM schools)"),
        ("postgres", "SELECT school_code, calendar_date FROM calendar_days WHERE instructional IS NOT TRUE"),
    ],
    "case_mapping": [
        (
            "postgres",
            "SELECT district_number, local_student_id, LOWER(last_name) AS l FROM students "
            "WHERE LOWER(first_name) LIKE 'a%' OR LOWER(last_name) = 'ß'",
        ),
        ("duckdb", "SELECT district_number, local_student_id, LOWER(last_name) AS l FROM students"),
        ("snowflake", "SELECT district_number, local_student_id, LOWER(last_name) AS l FROM students"),
        ("spark", "SELECT district_number, local_student_id, LOWER(last_name) AS l FROM students"),
        (
            "tsql",
            "SELECT district_number, local_student_id, LOWER(last_name) AS l FROM students",
            "SELECT district_number, local_student_id, LOWER(last_name) AS l FROM students",
        ),
    ],
    "string_functions": [
        (
            "postgres",
            "SELECT district_number, local_student_id, LEFT(last_name, 2) AS a, RIGHT(last_name, 0) AS b, "
            "RIGHT(first_name, 3) AS b3, REPLACE(last_name, 'a', 'ä') AS c, last_name || '-' || first_name AS d "
            "FROM students",
        ),
        (
            "duckdb",
            "SELECT district_number, local_student_id, CONTAINS(last_name, 'a') AS c, "
            "REPLACE(last_name, '.', '$0') AS r FROM students WHERE NOT CONTAINS(first_name, 'x')",
        ),
        (
            "snowflake",
            "SELECT district_number, local_student_id, LEFT(last_name, 1) AS a FROM students "
            "WHERE CONTAINS(last_name, 'a')",
            "SELECT district_number, local_student_id, LEFT(last_name, 1) AS a FROM students "
            "WHERE CONTAINS(last_name, 'a')",
        ),
        (
            "spark",
            "SELECT district_number, local_student_id, RIGHT(last_name, 2) AS a, last_name || 'x' AS b FROM students",
        ),
        (
            "tsql",
            "SELECT district_number, local_student_id, LEFT(last_name, 1) AS a, RIGHT(last_name, 2) AS b, "
            "REPLACE(last_name, '-', '') AS c FROM students",
            "SELECT district_number, local_student_id, LEFT(last_name, 1) AS a, RIGHT(last_name, 2) AS b, "
            "REPLACE(last_name, '-', '') AS c FROM students",
        ),
    ],
    # SQL Server's default collation, written by hand for DuckDB: NOCASE, trailing blanks cut
    "tsql_strings": [
        (
            "tsql",
            "SELECT enrollment_id FROM enrollments WHERE exit_code = 'e1' OR LEN(exit_code) = 1 OR exit_code LIKE 'X%'",
            "SELECT enrollment_id FROM enrollments WHERE rtrim(exit_code, ' ') = 'e1' COLLATE NOCASE "
            "OR LENGTH(rtrim(exit_code, ' ')) = 1 OR rtrim(exit_code, ' ') ILIKE 'X%'",
        ),
        (
            "tsql",
            "SELECT e.enrollment_id FROM enrollments e JOIN students s ON s.last_name = e.exit_code",
            "SELECT e.enrollment_id FROM enrollments e JOIN students s "
            "ON rtrim(s.last_name, ' ') = rtrim(e.exit_code, ' ') COLLATE NOCASE",
        ),
    ],
    # SQL Server's text -> integer conversion, written by hand for DuckDB (whose TRY_CAST rounds '12.5')
    "try_cast": [
        (
            "tsql",
            "SELECT enrollment_id, TRY_CAST(exit_code AS INT) AS a, TRY_CONVERT(BIGINT, grade) AS b FROM enrollments",
            "SELECT enrollment_id, CASE WHEN trim(exit_code, ' ') IN ('', '+', '-') THEN 0 "
            "WHEN regexp_full_match(trim(exit_code, ' '), '[+-]?[0-9]+') THEN TRY_CAST(trim(exit_code, ' ') AS INT) END AS a, "
            "CASE WHEN trim(grade, ' ') IN ('', '+', '-') THEN 0 WHEN regexp_full_match(trim(grade, ' '), '[+-]?[0-9]+') "
            "THEN TRY_CAST(trim(grade, ' ') AS BIGINT) END AS b FROM enrollments",
        ),
    ],
    "quantiles": [
        (
            "postgres",
            "SELECT school_code, PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY school_year) AS m, "
            "PERCENTILE_CONT(0.25) WITHIN GROUP (ORDER BY enrollment_id DESC) AS q FROM enrollments "
            "GROUP BY school_code",
        ),
        (
            "duckdb",
            "SELECT school_code, MEDIAN(enrollment_id) AS m, QUANTILE_CONT(enrollment_id, 0.9) AS q "
            "FROM enrollments GROUP BY school_code",
        ),
        ("snowflake", "SELECT school_code, MEDIAN(enrollment_id) AS m FROM enrollments GROUP BY school_code"),
        ("spark", "SELECT school_code, MEDIAN(enrollment_id) AS m FROM enrollments GROUP BY school_code"),
    ],
    "date_formats": [
        (
            "postgres",
            "SELECT enrollment_id, TO_CHAR(start_date, 'YYYY-MM') AS m FROM enrollments "
            "WHERE TO_CHAR(start_date, 'YYYY/MM/DD') > '2024/09/01'",
        ),
        ("duckdb", "SELECT enrollment_id, strftime(start_date, '%Y-%m-%d') AS d FROM enrollments"),
        (
            "tsql",
            "SELECT enrollment_id, FORMAT(start_date, 'yyyy-MM') AS m FROM enrollments",
            "SELECT enrollment_id, strftime(start_date, '%Y-%m') AS m FROM enrollments",
        ),
        (
            "snowflake",
            "SELECT enrollment_id, TO_CHAR(start_date, 'YYYY-MM') AS m FROM enrollments",
            "SELECT enrollment_id, strftime(start_date, '%Y-%m') AS m FROM enrollments",
        ),
    ],
    # polars has no row frames and no DISTINCT ON (translated, not in the catalog: query structure)
    "row_frames": [
        (
            "postgres",
            f"SELECT enrollment_id, SUM(school_year) OVER (PARTITION BY school_code ORDER BY {_ALL} "
            "ROWS BETWEEN 2 PRECEDING AND 1 FOLLOWING) AS s, "
            f"COUNT(*) OVER (ORDER BY {_ALL} ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS n, "
            f"COUNT(exit_code) OVER (ORDER BY {_ALL} ROWS BETWEEN CURRENT ROW AND 2 FOLLOWING) AS c, "
            f"AVG(enrollment_id) OVER (ORDER BY {_ALL} ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS a, "
            f"MIN(start_date) OVER (ORDER BY {_ALL} ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS lo, "
            f"MAX(grade) OVER (PARTITION BY school_code ORDER BY {_ALL} "
            "ROWS BETWEEN 2 PRECEDING AND 2 FOLLOWING) AS hi FROM enrollments",
        ),
        (
            "tsql",
            f"SELECT enrollment_id, SUM(school_year) OVER (PARTITION BY student_state_id ORDER BY {_ALL} "
            "ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) AS s FROM enrollments",
        ),
    ],
    "distinct_on": [
        (
            "postgres",
            "SELECT DISTINCT ON (school_code) school_code, enrollment_id FROM enrollments "
            "ORDER BY school_code, start_date DESC, enrollment_id",
        ),
        (
            "duckdb",
            "SELECT DISTINCT ON (student_state_id) student_state_id AS s, enrollment_id FROM enrollments "
            "ORDER BY s, end_date, enrollment_id DESC",
        ),
    ],
    "join_not_distinct": [
        (
            "postgres",
            "SELECT e.enrollment_id, s.school_name FROM enrollments e JOIN schools s "
            "ON e.school_code IS NOT DISTINCT FROM s.school_code AND e.district_number = s.district_number",
        ),
        (
            "duckdb",
            "SELECT e.enrollment_id, s.school_name FROM enrollments e LEFT JOIN schools s "
            "ON e.school_code IS NOT DISTINCT FROM s.school_code AND s.low_grade <= e.grade",
        ),
        (
            "snowflake",
            "SELECT e.enrollment_id FROM enrollments e JOIN schools s "
            "ON e.school_code IS NOT DISTINCT FROM s.school_code",
        ),
        ("spark", "SELECT e.enrollment_id FROM enrollments e WHERE e.exit_code IS DISTINCT FROM 'E1'"),
    ],
    "exists": [
        (
            "postgres",
            "SELECT p.plan_id FROM plans_504 p WHERE NOT EXISTS (SELECT 1 FROM enrollments e "
            "WHERE e.student_state_id = p.student_state_id AND e.start_date <= p.plan_end_date)",
        ),
        (
            "tsql",
            "SELECT p.plan_id FROM plans_504 p WHERE EXISTS (SELECT 1 FROM enrollments e "
            "WHERE e.student_state_id = p.student_state_id)",
        ),
        # an IN subquery whose WHERE names only outer columns
        (
            "postgres",
            "SELECT e.enrollment_id FROM enrollments e WHERE e.school_code NOT IN "
            "(SELECT s.school_code FROM schools s WHERE e.school_year > 2024 AND s.low_grade <= e.grade)",
        ),
        (
            "duckdb",
            "SELECT e.enrollment_id FROM enrollments e WHERE e.school_code IN "
            "(SELECT s.school_code FROM schools s WHERE e.exit_code IS NULL)",
        ),
    ],
    "strings": [
        (
            "postgres",
            "SELECT district_number, local_student_id, LENGTH(last_name) AS n, TRIM(first_name) AS t, "
            "POSITION('a' IN last_name) AS p FROM students WHERE last_name LIKE '%a%' OR LENGTH(last_name) < 2",
        ),
        (
            "tsql",
            "SELECT district_number, local_student_id, CHARINDEX('a', last_name) AS p, LTRIM(first_name) AS t "
            "FROM students WHERE last_name LIKE 'a%'",
        ),
        ("duckdb", "SELECT district_number, local_student_id, STRPOS(last_name, 'a') AS p FROM students"),
        ("snowflake", "SELECT district_number, local_student_id, LENGTH(last_name) AS n FROM students"),
    ],
    "case_when": [
        (
            "postgres",
            "SELECT enrollment_id, CASE WHEN grade < '06' THEN 'e' WHEN grade < '09' THEN 'm' ELSE 'h' END "
            "AS band FROM enrollments",
        ),
        ("tsql", "SELECT enrollment_id, IIF(grade < '06', 'e', 'h') AS band FROM enrollments"),
        ("snowflake", "SELECT enrollment_id, IFF(grade < '06', 'e', 'h') AS band FROM enrollments"),
    ],
    "casts": [
        (
            "postgres",
            "SELECT enrollment_id, CAST(ada_days_present AS INT) AS d FROM attendance_summary "
            "WHERE ada_days_present BETWEEN -1000 AND 1000",
        ),
        (
            "tsql",
            "SELECT enrollment_id, CONVERT(INT, ada_days_present) AS d FROM attendance_summary "
            "WHERE ada_days_present BETWEEN -1000 AND 1000",
            "SELECT enrollment_id, CAST(TRUNC(ada_days_present) AS INT) AS d FROM attendance_summary "
            "WHERE ada_days_present BETWEEN -1000 AND 1000",
        ),
        ("duckdb", "SELECT enrollment_id, CAST(minutes_tardy AS DOUBLE) / 8 AS d FROM attendance_daily"),
    ],
    "coalesce": [
        (
            "postgres",
            "SELECT plan_id, COALESCE(accommodation_count, 0) AS a, NULLIF(accommodation_count, 1) AS b FROM plans_504",
        ),
        ("tsql", "SELECT plan_id, ISNULL(accommodation_count, 0) AS a FROM plans_504"),
        ("snowflake", "SELECT plan_id, NVL(accommodation_count, 0) AS a FROM plans_504"),
    ],
    "substring": [
        (
            "postgres",
            "SELECT district_number, local_student_id, SUBSTRING(last_name, 1, 2) AS a, "
            "SUBSTRING(last_name FROM 2) AS b FROM students",
        ),
        ("tsql", "SELECT district_number, local_student_id, SUBSTRING(last_name, 2, 3) AS a FROM students"),
        ("duckdb", "SELECT district_number, local_student_id, SUBSTRING(last_name, 2, 3) AS a FROM students"),
        ("snowflake", "SELECT district_number, local_student_id, SUBSTR(last_name, 1, 1) AS a FROM students"),
    ],
    "small_ints": [
        (
            "postgres",
            "SELECT enrollment_id, EXTRACT(MONTH FROM start_date) * 100 + EXTRACT(DAY FROM start_date) AS md,"
            " LENGTH(exit_code) - 10 AS l, STRPOS(exit_code, 'x') - 5 AS p FROM enrollments",
        ),
        (
            "tsql",
            "SELECT enrollment_id, MONTH(start_date) * 100 + DAY(start_date) AS md, LEN(exit_code) - 10 AS l "
            "FROM enrollments WHERE MONTH(start_date) * 100 + DAY(start_date) > 1200",
        ),
        ("duckdb", "SELECT school_code, SUM(enrollment_id) AS s FROM enrollments GROUP BY school_code"),
        (
            "snowflake",
            "SELECT enrollment_id, YEAR(start_date) * 10000 + MONTH(start_date) * 100 AS ym FROM enrollments",
        ),
    ],
    "regex": [
        (
            "postgres",
            "SELECT district_number, local_student_id FROM students WHERE student_state_id !~ '^[0-9]{10}$' "
            "OR last_name ~ '\\d' OR first_name ~* '^a\\w' OR last_name ~ '[\\d\\s]'",
        ),
        (
            "duckdb",
            "SELECT district_number, local_student_id FROM students WHERE regexp_matches(last_name, '^a', 'i') "
            "OR regexp_matches(first_name, '\\w\\s')",
        ),
        ("snowflake", "SELECT district_number, local_student_id FROM students WHERE REGEXP_LIKE(last_name, '.*\\d.*')"),
        ("spark", "SELECT district_number, local_student_id FROM students WHERE last_name RLIKE '\\\\d'"),
    ],
    "dates": [
        (
            "postgres",
            "SELECT enrollment_id, EXTRACT(YEAR FROM start_date) AS y, end_date - start_date AS d, "
            "EXTRACT(DOW FROM start_date) AS w FROM enrollments",
        ),
        (
            "tsql",
            "SELECT enrollment_id, DATEDIFF(day, start_date, end_date) AS d, DATEDIFF(month, start_date, end_date)"
            " AS m, DATEADD(day, 3, start_date) AS a FROM enrollments WHERE YEAR(start_date) BETWEEN 1000 AND 9000",
        ),
        ("spark", "SELECT enrollment_id, DATEDIFF(end_date, start_date) AS d FROM enrollments"),
        ("snowflake", "SELECT enrollment_id, DATEDIFF(year, start_date, end_date) AS d FROM enrollments"),
        ("duckdb", "SELECT enrollment_id, DAYOFWEEK(start_date) AS w, ISODOW(start_date) AS i FROM enrollments"),
        # SQL Server (DATEFIRST 7) and Spark count 1 = Sunday
        (
            "tsql",
            "SELECT enrollment_id, DATEPART(weekday, start_date) AS w, DATEPART(iso_week, start_date) AS i "
            "FROM enrollments",
            "SELECT enrollment_id, EXTRACT(DOW FROM start_date) + 1 AS w, EXTRACT(WEEK FROM start_date) AS i "
            "FROM enrollments",
        ),
        (
            "spark",
            "SELECT enrollment_id, EXTRACT(DOW FROM start_date) AS w FROM enrollments",
            "SELECT enrollment_id, EXTRACT(DOW FROM start_date) + 1 AS w FROM enrollments",
        ),
        (
            "spark",
            "SELECT enrollment_id, DAYOFWEEK(start_date) AS w FROM enrollments",
            "SELECT enrollment_id, DAYOFWEEK(start_date) + 1 AS w FROM enrollments",
        ),
        (
            "snowflake",
            "SELECT enrollment_id, DAYOFWEEK(start_date) AS w, DAYOFWEEKISO(start_date) AS i FROM enrollments",
            "SELECT enrollment_id, DAYOFWEEK(start_date) AS w, ISODOW(start_date) AS i FROM enrollments",
        ),
    ],
    "date_arith": [
        (
            "postgres",
            "SELECT iep_id FROM special_ed WHERE annual_review_date + INTERVAL '365 days' < :as_of_date "
            "AND annual_review_date BETWEEN DATE '1000-01-01' AND DATE '9000-01-01'",
        ),
        (
            "duckdb",
            "SELECT enrollment_id, start_date - 7 AS b FROM enrollments "
            "WHERE start_date BETWEEN DATE '1000-01-01' AND DATE '9000-01-01'",
        ),
        # negative counts (written by hand for DuckDB: sqlglot printed INTERVAL (-3) DAY as + 3 days)
        (
            "duckdb",
            "SELECT enrollment_id, DATE_ADD(start_date, INTERVAL (-3) DAY) AS a, start_date + INTERVAL '-1 month'"
            " AS m FROM enrollments WHERE start_date BETWEEN DATE '1000-01-01' AND DATE '9000-01-01'",
            "SELECT enrollment_id, start_date - INTERVAL 3 DAY AS a, start_date - INTERVAL 1 MONTH AS m FROM enrollments "
            "WHERE start_date BETWEEN DATE '1000-01-01' AND DATE '9000-01-01'",
        ),
        (
            "tsql",
            "SELECT enrollment_id, DATEADD(day, -3, start_date) AS a, DATEADD(month, -1, start_date) AS m "
            "FROM enrollments WHERE start_date BETWEEN '1000-01-01' AND '9000-01-01'",
            "SELECT enrollment_id, start_date - INTERVAL 3 DAY AS a, start_date - INTERVAL 1 MONTH AS m FROM enrollments "
            "WHERE start_date BETWEEN DATE '1000-01-01' AND DATE '9000-01-01'",
        ),
        (
            "postgres",
            "SELECT enrollment_id, start_date + INTERVAL '-3 days' AS a FROM enrollments "
            "WHERE start_date BETWEEN DATE '1000-01-01' AND DATE '9000-01-01'",
            "SELECT enrollment_id, start_date - INTERVAL 3 DAY AS a FROM enrollments "
            "WHERE start_date BETWEEN DATE '1000-01-01' AND DATE '9000-01-01'",
        ),
        (
            "snowflake",
            "SELECT enrollment_id, DATEADD(day, -3, start_date) AS a FROM enrollments "
            "WHERE start_date BETWEEN DATE '1000-01-01' AND DATE '9000-01-01'",
        ),
    ],
    "clock": [
        ("postgres", "SELECT enrollment_id FROM enrollments WHERE start_date < CURRENT_DATE"),
        ("tsql", "SELECT enrollment_id FROM enrollments WHERE start_date < CAST(GETDATE() AS DATE)"),
        ("tsql", "SELECT enrollment_id FROM enrollments WHERE end_date >= CONVERT(date, GETDATE())"),
        ("snowflake", "SELECT enrollment_id FROM enrollments WHERE start_date < CURRENT_DATE()"),
        ("duckdb", "SELECT enrollment_id FROM enrollments WHERE start_date < CURRENT_DATE"),
        ("spark", "SELECT enrollment_id FROM enrollments WHERE start_date < current_date()"),
    ],
    "aggregates": [
        (
            "postgres",
            "SELECT school_code, COUNT(*) AS n, COUNT(DISTINCT grade) AS g, MIN(grade) AS lo, MAX(grade) AS hi,"
            " SUM(school_year) AS s, AVG(school_year) AS a FROM enrollments GROUP BY school_code",
        ),
        (
            "duckdb",
            "SELECT school_code, BOOL_AND(instructional) AS a, BOOL_OR(instructional) AS o FROM calendar_days "
            "GROUP BY school_code",
        ),
        ("tsql", "SELECT school_code, COUNT(*) AS n FROM enrollments GROUP BY school_code HAVING COUNT(*) > 1"),
        ("snowflake", "SELECT school_code, SUM(enrollment_id) AS s FROM enrollments GROUP BY school_code"),
        ("spark", "SELECT school_code, MAX(start_date) AS m FROM enrollments GROUP BY school_code"),
    ],
    "windows": [
        # ordered by every column: only identical rows tie, so the multiset of results is deterministic
        (
            "postgres",
            f"SELECT enrollment_id, ROW_NUMBER() OVER (PARTITION BY student_state_id ORDER BY {_ALL}) AS rn, "
            "RANK() OVER (ORDER BY grade) AS r, DENSE_RANK() OVER (ORDER BY grade) AS d, "
            f"LAG(end_date) OVER (PARTITION BY student_state_id ORDER BY {_ALL}) AS p, "
            f"LEAD(grade, 1) OVER (ORDER BY {_ALL}) AS n FROM enrollments",
        ),
        (
            "tsql",
            f"SELECT enrollment_id, ROW_NUMBER() OVER (PARTITION BY student_state_id ORDER BY {_ALL}) AS rn "
            "FROM enrollments",
        ),
    ],
}
