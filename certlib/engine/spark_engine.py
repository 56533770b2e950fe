"""Run compiled rules on Apache Spark: the same rules, SQL printed by sqlglot for Spark SQL.

Why: a state whose data outgrows one machine keeps its rule pack; only the engine changes
(``certlib validate --engine spark`` or ``CERTLIB_ENGINE=spark``). Tables are read by Spark from the
same parquet files, cast to the pack's declared types and filtered to the scope; each rule is one
``spark.sql`` query (after :mod:`certlib.engine.spark_sql`'s repairs) whose rows are sorted like the polars engine's (keys first, nulls last) and
capped at ``max_results``. The exact count costs a second job only when the cap is reached.

Bounds (:mod:`certlib.engine.bounds`): each rule's queries carry a job tag, cancelled when the rule
has run longer than ``CERTLIB_RUN_TIMEOUT``; the exact count stops at ``CERTLIB_RUN_MAX_ROWS`` + 1 (a
result past the row bound is an ``error``). Memory is the cluster's own bound (``spark.driver.memory``,
``spark.executor.memory``): an out-of-memory job fails that rule, not the caller.

The session: ``SPARK_REMOTE`` (Spark Connect, e.g. ``sc://host:15002``) or ``CERTLIB_SPARK_MASTER``
(e.g. ``spark://host:7077``, ``yarn``) picks a cluster; the default is ``local[2]``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Event, Lock, Timer
from time import perf_counter
from typing import Any

import polars as pl

from certlib.config import settings
from certlib.engine.base import Progress, effective_limit
from certlib.engine.bounds import Bounds
from certlib.engine.results import RuleResult, RunResult
from certlib.engine.spark_sql import frame_schema, repair
from certlib.engine.tables import data_file, match_columns, scan_tables, scope_column
from certlib.errors import DataError
from certlib.rules.model import CompiledRule, Pack, TableSchema

MASTER_ENV = "CERTLIB_SPARK_MASTER"
PARALLEL_ENV = "CERTLIB_SPARK_PARALLEL"  # rules in flight at once (default 4)
_ERROR_CHARS = 2000
#: the pack's column types as Spark SQL types
SPARK_TYPES = {
    "int": "bigint",
    "float": "double",
    "bool": "boolean",
    "date": "date",
    "datetime": "timestamp_ntz",
    "str": "string",
    "string": "string",
}

_LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.host": "127.0.0.1",
}
#: SQL semantics the rules are written for, on any cluster
_SQL_CONF = {"spark.sql.session.timeZone": "UTC", "spark.sql.ansi.enabled": "false"}


def spark_session(master: str | None = None) -> Any:
    """The SparkSession rules run on: Spark Connect when ``SPARK_REMOTE`` is set, else ``master``,
    ``CERTLIB_SPARK_MASTER`` or ``local[2]`` (small shuffles, no UI: a laptop or a test run)."""
    from pyspark.sql import SparkSession

    remote = settings().spark_remote
    if remote and master is None:
        spark = SparkSession.builder.remote(remote).getOrCreate()
    else:
        master = master or settings().spark_master or "local[2]"
        builder = SparkSession.builder.master(master).appName("certlib")
        if master.startswith("local"):
            for key, value in _LOCAL_CONF.items():
                builder = builder.config(key, value)
        spark = builder.getOrCreate()
    for key, value in _SQL_CONF.items():
        spark.conf.set(key, value)
    return spark


class SparkEngine:
    """The Spark engine. ``SparkEngine().run(compiled, SparkEngine().read_tables(dir, pack))``; ``tables``
    may also hold polars frames (fixtures, tests), which are handed to Spark through Arrow."""

    name = "spark"
    dialect = "spark"

    def __init__(self, spark: Any = None, parallel: int | None = None, bounds: Bounds | None = None):
        self._spark = spark
        self.parallel = parallel or settings().spark_parallel
        self.bounds = bounds  # None: the deployment's (CERTLIB_RUN_*), read at each run

    @property
    def spark(self) -> Any:
        if self._spark is None:
            self._spark = spark_session()
        return self._spark

    def read_tables(self, data_dir: str | Path, pack: Pack, scope: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Every declared table of ``pack`` as a Spark DataFrame with the declared types, scope applied.

        Parquet is read by Spark itself (so it scales with the cluster); a CSV table goes through the
        polars reader (same parsing and errors as the polars engine) and then to Spark.
        """
        root = Path(data_dir)
        if not root.is_dir():
            raise DataError(f"{root}: data directory does not exist")
        polars_frames: dict[str, pl.LazyFrame] | None = None
        out: dict[str, Any] = {}
        for name in sorted(pack.tables):
            table = pack.tables[name]
            parquet = data_file(root, table)
            if parquet.suffix.lower() == ".parquet":
                frame = self._read_parquet(parquet, table)
                for key, value in sorted((scope or {}).items()):
                    column = scope_column(table, key)
                    if column is not None:
                        typ = SPARK_TYPES[table.column(column).type]  # type: ignore[union-attr]
                        frame = frame.where(f"`{column}` = CAST('{_quote(value)}' AS {typ})")
            else:
                if polars_frames is None:
                    polars_frames = scan_tables(root, pack, scope)
                frame = self.to_spark(polars_frames[name].collect())
            out[name] = frame
        return _district_through_schools(out, pack, scope)

    def _read_parquet(self, path: Path, table: TableSchema) -> Any:
        frame = self.spark.read.parquet(str(path.resolve()))
        mapping = match_columns(path, table, list(frame.columns))  # headers in another case, as for polars
        return frame.selectExpr(
            *[f"CAST(`{mapping[c.name]}` AS {SPARK_TYPES[c.type]}) AS `{c.name}`" for c in table.columns]
        )

    def to_spark(self, frame: pl.DataFrame | pl.LazyFrame) -> Any:
        """A polars frame as a Spark DataFrame (through Arrow; types kept)."""
        df = frame.collect() if isinstance(frame, pl.LazyFrame) else frame
        return self.spark.createDataFrame(df.to_arrow(compat_level=pl.CompatLevel.oldest()))

    def run(
        self,
        compiled_rules: Sequence[CompiledRule],
        tables: Mapping[str, Any],
        *,
        max_results: int | None = None,
        progress: Progress | None = None,
    ) -> RunResult:
        started = perf_counter()
        total = len(compiled_rules) + 1
        frames = {
            view_name(n): self.to_spark(f) if isinstance(f, pl.DataFrame | pl.LazyFrame) else f
            for n, f in tables.items()
        }
        for name, frame in frames.items():
            frame.createOrReplaceTempView(name)
        schema = frame_schema(frames)
        bounds = self.bounds if self.bounds is not None else Bounds.from_settings()
        views = {n: view_name(n) for n in tables}
        done = 0
        lock = Lock()

        def one(compiled: CompiledRule) -> RuleResult:
            nonlocal done
            result = self._run_one(compiled, effective_limit(compiled, max_results), schema, views, bounds)
            with lock:
                done += 1
                if progress:
                    progress(done, total, compiled.rule.id)
            return result

        # Spark schedules concurrent jobs from several driver threads; a few in flight hide the
        # per-query planning and scheduling latency that dominates small rules.
        with ThreadPoolExecutor(max_workers=self.parallel) as pool:
            results = list(pool.map(one, compiled_rules))
        if progress:
            progress(total, total, "done")
        return RunResult(rules=results, engine=self.name, elapsed_ms=_ms(started))

    def _run_one(
        self,
        compiled: CompiledRule,
        limit: int | None,
        schema: dict[str, dict[str, str]],
        views: Mapping[str, str],
        bounds: Bounds | None = None,
    ) -> RuleResult:
        bounds = bounds or Bounds(seconds=None, memory_mb=None, rows=None)
        label = f"rule {compiled.rule.id}"
        t0 = perf_counter()
        tags = _JobTags(self.spark, f"certlib-rule-{uuid.uuid4().hex}")
        timed_out = Event()
        timer = None
        if bounds.seconds is not None:

            def interrupt() -> None:
                timed_out.set()
                tags.cancel()

            timer = Timer(bounds.seconds, interrupt)
            timer.daemon = True
        tags.add()  # every job this thread starts for the rule carries the tag
        try:
            if timer is not None:
                timer.start()
            frame = self.spark.sql(repair(local_views(compiled.sql, views), schema))
            keys = [k for k in compiled.key_columns if k in frame.columns]
            order = keys + [c for c in frame.columns if c not in keys]
            sortable = {f.name for f in frame.schema.fields if _sortable(f.dataType)}
            ordered = frame.orderBy(*[frame[c].asc_nulls_last() for c in order if c in sortable])
            if limit == 0:
                count, rows = _count(frame, bounds.rows), pl.DataFrame()
            elif limit is None and bounds.rows is not None and _count(frame, bounds.rows) > bounds.rows:
                return _result(compiled, limit, t0, error=bounds.rows_message(label))  # before fetching it all
            else:
                rows = _to_polars(ordered.limit(limit) if limit is not None else ordered)
                count = rows.height if limit is None or rows.height < limit else _count(frame, bounds.rows)
            if bounds.rows is not None and count > bounds.rows:
                return _result(compiled, limit, t0, error=bounds.rows_message(label))
        except Exception as err:  # noqa: BLE001 - one broken rule is that rule's error result
            if timed_out.is_set():
                return _result(compiled, limit, t0, error=bounds.time_message(label))
            return _result(compiled, limit, t0, error=_error_text(err))
        finally:
            if timer is not None:
                timer.cancel()
            tags.remove()
        if timed_out.is_set():  # finished just as its time ran out: still over the bound
            return _result(compiled, limit, t0, error=bounds.time_message(label))
        return _result(compiled, limit, t0, count=count, rows=rows)


def _district_through_schools(frames: dict[str, Any], pack: Pack, scope: Mapping[str, str] | None) -> dict[str, Any]:
    """A district scope reaches tables holding only a school column through the school directory, as in
    :func:`certlib.engine.tables.scope_frames` (the directory's frame is already the district's)."""
    from certlib.engine.tables import school_directory

    if not any(k in ("district", "district_number") for k in (scope or {})):
        return frames
    directory = school_directory(pack)
    if directory is None or directory.name not in frames:
        return frames
    directory_school = scope_column(directory, "school")
    out = dict(frames)
    for name, frame in frames.items():
        table = pack.tables[name]
        school = scope_column(table, "school")
        if school is None or scope_column(table, "district") is not None or name == directory.name:
            continue
        typ = SPARK_TYPES[table.column(school).type]  # type: ignore[union-attr]
        schools = frames[directory.name].selectExpr(f"CAST(`{directory_school}` AS {typ}) AS `{school}`").distinct()
        out[name] = frame.join(schools, on=school, how="left_semi")
    return out


class _JobTags:
    """A tag on the jobs the current thread starts, and cancelling them from another thread: the
    SparkContext's job tags on a classic session, the session's operation tags on Spark Connect."""

    def __init__(self, spark: Any, tag: str):
        self.spark, self.tag = spark, tag
        try:
            self.context = spark.sparkContext
        except Exception:  # noqa: BLE001 - Spark Connect has no SparkContext
            self.context = None

    def add(self) -> None:
        if self.context is not None:
            self.context.addJobTag(self.tag)
        else:
            self.spark.addTag(self.tag)

    def remove(self) -> None:
        if self.context is not None:
            self.context.removeJobTag(self.tag)
        else:
            self.spark.removeTag(self.tag)

    def cancel(self) -> None:
        if self.context is not None:
            self.context.cancelJobsWithTag(self.tag)
        else:
            self.spark.interruptTag(self.tag)


def _count(frame: Any, row_bound: int | None) -> int:
    """The exact count, or ``row_bound + 1`` once it is past the bound (Spark stops counting there)."""
    return int(frame.count() if row_bound is None else frame.limit(row_bound + 1).count())


def view_name(table: str) -> str:
    """The temporary view of a pack table: Spark views have one-part names, so ``edfi.Student`` is
    ``edfi__Student``."""
    return table.replace(".", "__")


def local_views(sql: str, views: Mapping[str, str]) -> str:
    """``edfi.Student`` in Spark SQL -> the view ``edfi__Student`` (tables without a schema are unchanged)."""
    if not any("." in name for name in views):
        return sql
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="spark")
    for table in tree.find_all(exp.Table):
        if table.args.get("db") is not None and not table.args.get("catalog"):
            name = f"{table.args['db'].name}.{table.name}"
            if name in views:
                table.set("this", exp.to_identifier(views[name], quoted=True))
                table.set("db", None)
    return tree.sql(dialect="spark")


def _to_polars(frame: Any) -> pl.DataFrame:
    out = pl.from_arrow(frame.toArrow())
    assert isinstance(out, pl.DataFrame)
    return out


def _sortable(data_type: Any) -> bool:
    from pyspark.sql.types import ArrayType, MapType, StructType

    return not isinstance(data_type, ArrayType | MapType | StructType)


def _quote(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("'", "\\'")


def _ms(since: float) -> float:
    return (perf_counter() - since) * 1000.0


def _error_text(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}"
    return text.split("\nJVM stacktrace:", 1)[0].strip()[:_ERROR_CHARS]


def _result(
    compiled: CompiledRule,
    limit: int | None,
    t0: float,
    *,
    count: int = 0,
    rows: pl.DataFrame | None = None,
    error: str | None = None,
) -> RuleResult:
    rule = compiled.rule
    rows = rows if rows is not None else pl.DataFrame()
    return RuleResult(
        id=rule.id,
        title=rule.title,
        severity=rule.severity,
        groups=tuple(rule.groups),
        dataset=rule.dataset or rule.title,
        status="error" if error else ("failed" if count else "passed"),
        count=count,
        rows=rows,
        truncated=rows.height < count,
        elapsed_ms=round(_ms(t0), 3),
        error=error,
        description=rule.description,
        resolution=rule.resolution,
        key_columns=tuple(compiled.key_columns),
        max_results=limit,
    )
