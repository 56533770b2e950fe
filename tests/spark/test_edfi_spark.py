"""The Ed-Fi fixture pack (tables in schema ``edfi``, mixed-case names, an ODS export with headers in other
cases) on the Spark engine: the same counts as the polars engine (which the DuckDB differential referees)."""

from __future__ import annotations

import shutil

from certlib.engine.run import validate
from certlib.engine.spark_engine import SparkEngine, local_views
from certlib.rules import load_pack
from certlib.rules.datachecker import import_datachecker
from tests.catalog.edfi_data import CASES, COLLECTION, ODS_SCHEMA, ods_frames, write_data_dir


def test_spark_views_of_schema_tables():
    sql = "SELECT s.`StudentUniqueId` FROM edfi.`Student` AS s JOIN lookup AS l ON TRUE"
    out = local_views(sql, {"edfi.Student": "edfi__Student", "lookup": "lookup"})
    assert "`edfi__Student` AS s" in out and "lookup AS l" in out


def test_the_edfi_pack_counts_the_same_on_spark(spark, tmp_path):
    out = tmp_path / "pack"
    import_datachecker([COLLECTION], out, ODS_SCHEMA, check=False)
    shutil.copytree(CASES, out / "cases")
    pack = load_pack(out)
    data = write_data_dir(ods_frames(8), tmp_path / "ods")
    on_polars = validate(pack, data, params={"school_year": 2025})
    on_spark = validate(pack, data, params={"school_year": 2025}, engine=SparkEngine(spark))
    assert [(r.id, r.status, r.count) for r in on_spark.rules] == [(r.id, r.status, r.count) for r in on_polars.rules]
    scope = {"district": "255901"}  # associations hold only a school: reached through edfi.School on both engines
    on_polars = validate(pack, data, scope=scope, params={"school_year": 2025})
    on_spark = validate(pack, data, scope=scope, params={"school_year": 2025}, engine=SparkEngine(spark))
    assert [(r.id, r.status, r.count) for r in on_spark.rules] == [(r.id, r.status, r.count) for r in on_polars.rules]
