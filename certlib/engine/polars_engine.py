"""Run compiled rules with polars: every rule planned as a LazyFrame, all collected at once.

How a run goes:

1. **Plan.** One ``pl.SQLContext`` over the scanned frames; each rule's SQL becomes a LazyFrame,
   shaped so the true count and the kept rows come out of the same plan::

       rule_frame.with_columns(pl.len().alias(COUNT)).sort(keys, then every other column).head(limit)

   ``pl.len()`` is evaluated over the whole result before the sort/head, so the count is exact even
   when rows are capped. Sorting by the key columns and then all columns (nulls last) makes the kept
   rows and their order the same on every run. A rule that fails to plan becomes an ``error``.
2. **Collect.** ``pl.collect_all`` with common-subplan elimination: a table read by several rules is
   scanned once and cached for all of them. If the batch fails (a rule raises at run time), it is
   split in halves and each half collected again, down to single rules, so the failing rule becomes
   an ``error`` result and the others still produce results (still batched with their neighbours).

   **Which polars engine** (:func:`collect_engine`): the *streaming* engine when the run's input is
   large — at least ``STREAMING_MIN_ROWS`` (1,000,000) rows over all tables, counted from the scans'
   own row estimates (parquet metadata, read without reading data) and the heights of in-memory frames,
   or a scan whose size polars cannot estimate — else the *in-memory* engine. Both give the same rows
   (the engine's results are sorted; the differential and engine tests run both); at 50k-150k
   students streaming took ~0.5x the CPU and ~0.6x the peak memory of in-memory, while on a
   district's few thousand rows its start-up made it slower (bench/README.md, "Streaming").

Bounds (:mod:`certlib.engine.bounds`): a rule's result is cut at ``rows + 1`` rows inside its plan (a
slice polars pushes into joins), and one over the row bound is an ``error`` naming the bound. When a
time or memory bound is set, the whole run happens in a bounded worker process; if that process is
stopped (a runaway join), every rule is run again alone within the same bounds so that only the
runaway one becomes an ``error`` result ("rule X was stopped: it needed more than ... MB").

Time per rule (``elapsed_ms``): its own planning time plus an equal share of the batch collect
(``collect_ms / rules_in_batch``) — a batch has no per-rule clock, and shared scans make any finer
split arbitrary. After a failed batch, the share is that of the (smaller) batch that succeeded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from time import perf_counter

import polars as pl

from certlib.engine.base import Progress, effective_limit
from certlib.engine.bounds import Bounds, in_bounded_child, report, run_bounded
from certlib.engine.results import RuleResult, RunResult
from certlib.errors import LimitExceeded
from certlib.rules.catalog import check_target_sql
from certlib.rules.model import CompiledRule

COUNT = "__certlib_count__"
#: input rows from which a run is collected on polars' streaming engine (see the module docstring)
STREAMING_MIN_ROWS = 1_000_000
#: force one polars engine ("in-memory" / "streaming") for every run; None = :func:`collect_engine`'s rule
COLLECT_ENGINE: str | None = None
_ESTIMATED_ROWS = re.compile(r"ESTIMATED ROWS: (\d+)")
_OPTIMIZATIONS = pl.QueryOptFlags(comm_subplan_elim=True, comm_subexpr_elim=True)
_ERROR_CHARS = 2000


@dataclass
class _Planned:
    compiled: CompiledRule
    frame: pl.LazyFrame | None
    schema: pl.Schema | None
    limit: int | None
    plan_ms: float
    error: str | None = None
    row_bound: int | None = None


class PolarsEngine:
    """The polars engine. ``PolarsEngine().run(compiled, scan_tables(dir, pack))``."""

    name = "polars"
    dialect = "polars"

    def __init__(self, bounds: Bounds | None = None):
        self.bounds = bounds  # None: the deployment's (CERTLIB_RUN_*), read at each run

    def run(
        self,
        compiled_rules: Sequence[CompiledRule],
        tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
        *,
        max_results: int | None = None,
        progress: Progress | None = None,
    ) -> RunResult:
        bounds = self.bounds if self.bounds is not None else Bounds.from_settings()
        if not bounds.isolated or in_bounded_child() or not compiled_rules:
            return _run_here(compiled_rules, tables, max_results, progress, bounds.rows)
        started = perf_counter()
        lazy = {name: frame.lazy() for name, frame in tables.items()}

        def forward(message: tuple) -> None:
            if progress:
                progress(*message)

        try:
            return run_bounded(
                _run_reporting,
                list(compiled_rules),
                lazy,
                max_results,
                bounds.rows,
                bounds=bounds,
                label=f"the run of {len(compiled_rules)} rules",
                on_message=forward,
            )
        except LimitExceeded:
            pass
        # the batch was stopped: run each rule alone within the same bounds, so only the runaway fails
        results: list[RuleResult] = []
        for i, compiled in enumerate(compiled_rules):
            try:
                one = run_bounded(
                    _run_reporting,
                    [compiled],
                    lazy,
                    max_results,
                    bounds.rows,
                    None,
                    bounds=bounds,
                    label=f"rule {compiled.rule.id}",
                )
                results.extend(one.rules)
            except LimitExceeded as err:
                results.append(_stopped(compiled, effective_limit(compiled, max_results), str(err)))
            if progress:
                progress(i + 1, len(compiled_rules) + 1, compiled.rule.id)
        if progress:
            progress(len(compiled_rules) + 1, len(compiled_rules) + 1, "done")
        return RunResult(rules=results, engine=self.name, elapsed_ms=_ms(started))

    def explain(self, compiled_rules: Sequence[CompiledRule], tables: Mapping[str, pl.LazyFrame]) -> str:
        """The optimised batch plan (shows each shared scan once, under a CACHE node)."""
        ctx = pl.SQLContext({name: frame.lazy() for name, frame in tables.items()})
        frames = [p.frame for p in (_plan(ctx, c, None) for c in compiled_rules) if p.frame is not None]
        return pl.explain_all(frames, optimizations=_OPTIMIZATIONS)


def _run_here(
    compiled_rules: Sequence[CompiledRule],
    tables: Mapping[str, pl.LazyFrame | pl.DataFrame],
    max_results: int | None,
    progress: Progress | None,
    row_bound: int | None,
) -> RunResult:
    """Plan and collect every rule in this process (see the module docstring)."""
    started = perf_counter()
    total = len(compiled_rules) + 1
    ctx = pl.SQLContext({name: frame.lazy() for name, frame in tables.items()})
    planned: list[_Planned] = []
    for i, compiled in enumerate(compiled_rules):
        planned.append(_plan(ctx, compiled, effective_limit(compiled, max_results), row_bound))
        if progress:
            progress(i + 1, total, compiled.rule.id)
    if progress:
        progress(total - 1, total, "collecting")
    outputs = _collect(planned, collect_engine(tables))
    if progress:
        progress(total, total, "done")
    results = [_result(p, outputs.get(i)) for i, p in enumerate(planned)]
    return RunResult(rules=results, engine=PolarsEngine.name, elapsed_ms=_ms(started))


def _run_reporting(
    compiled_rules: list[CompiledRule],
    tables: Mapping[str, pl.LazyFrame],
    max_results: int | None,
    row_bound: int | None,
    progress: bool | None = True,
) -> RunResult:
    """:func:`_run_here` inside a bounded worker: progress goes back to the caller as messages."""
    return _run_here(compiled_rules, tables, max_results, (lambda *m: report(m)) if progress else None, row_bound)


def _stopped(compiled: CompiledRule, limit: int | None, message: str) -> RuleResult:
    """The ``error`` result of a rule its bounded worker stopped."""
    return _result(_Planned(compiled, None, None, limit, 0.0, message), None)


def _ms(since: float) -> float:
    return (perf_counter() - since) * 1000.0


def _error_text(err: BaseException) -> str:
    text = f"{type(err).__name__}: {err}"
    text = text.split("\n\nResolved plan until failure", 1)[0].strip()
    return text[:_ERROR_CHARS]


def _sortable(dtype: pl.DataType) -> bool:
    return not (dtype.is_nested() or isinstance(dtype, pl.Object))


def _plan(ctx: pl.SQLContext, compiled: CompiledRule, limit: int | None, row_bound: int | None = None) -> _Planned:
    t0 = perf_counter()
    try:
        check_target_sql(compiled.sql, "polars")  # the allowlist again, on exactly what polars receives
        frame = ctx.execute(compiled.sql, eager=False)
        schema = frame.collect_schema()
        if row_bound is not None:  # one row past the bound tells it was crossed; polars pushes the slice down
            frame = frame.head(row_bound + 1)
        keys = [k for k in compiled.key_columns if k in schema]
        order = keys + [c for c in schema.names() if c not in keys]
        order = [c for c in order if _sortable(schema[c])]
        if limit == 0:
            shaped = frame.select(pl.len().alias(COUNT))
        else:
            shaped = frame.with_columns(pl.len().alias(COUNT))
            if order:
                shaped = shaped.sort(order, nulls_last=True, maintain_order=True)
            if limit is not None:
                shaped = shaped.head(limit)
        return _Planned(compiled, shaped, schema, limit, _ms(t0), row_bound=row_bound)
    except Exception as err:  # noqa: BLE001 - any planning failure is this rule's error result
        return _Planned(compiled, None, None, limit, _ms(t0), _error_text(err))


def input_rows(tables: Mapping[str, pl.LazyFrame | pl.DataFrame]) -> int | None:
    """Rows over all input tables from the scans' estimates (no data read); None if one is unknown."""
    total = 0
    for frame in tables.values():
        if isinstance(frame, pl.DataFrame):
            total += frame.height
            continue
        found = _ESTIMATED_ROWS.findall(frame.explain())
        if not found:
            return None
        total += max(int(n) for n in found)
    return total


def collect_engine(tables: Mapping[str, pl.LazyFrame | pl.DataFrame]) -> str:
    """``"streaming"`` for a large input, ``"in-memory"`` for a small one (module docstring)."""
    if COLLECT_ENGINE is not None:
        return COLLECT_ENGINE
    try:
        rows = input_rows(tables)
    except Exception:  # noqa: BLE001 - a plan polars cannot explain fails later, as that rule's error
        return "in-memory"
    return "streaming" if rows is None or rows >= STREAMING_MIN_ROWS else "in-memory"


def _collect(
    planned: list[_Planned], engine: str = "in-memory"
) -> dict[int, tuple[pl.DataFrame | None, float, str | None]]:
    """{index: (frame, collect_ms, error)} for every planned rule that has a frame."""
    out: dict[int, tuple[pl.DataFrame | None, float, str | None]] = {}
    todo = [i for i, p in enumerate(planned) if p.frame is not None]
    if todo:
        _collect_batch(planned, todo, out, engine)
    return out


def _collect_batch(
    planned: list[_Planned],
    batch: list[int],
    out: dict[int, tuple[pl.DataFrame | None, float, str | None]],
    engine: str = "in-memory",
) -> None:
    """Collect ``batch`` together; if that fails, split it in halves until the failing rules are alone.

    Bisecting keeps the good rules batched (their tables are read a few times, not once per rule).
    """
    t0 = perf_counter()
    try:
        frames = pl.collect_all(
            [planned[i].frame for i in batch],
            optimizations=_OPTIMIZATIONS,  # type: ignore[misc]
            engine=engine,
        )
    except Exception as err:  # noqa: BLE001 - isolate the failing rule(s) below
        if len(batch) == 1:
            out[batch[0]] = (None, _ms(t0), _error_text(err))
            return
        half = len(batch) // 2
        _collect_batch(planned, batch[:half], out, engine)
        _collect_batch(planned, batch[half:], out, engine)
        return
    share = _ms(t0) / len(batch)
    for i, df in zip(batch, frames, strict=True):
        out[i] = (df, share, None)


def _result(p: _Planned, output: tuple[pl.DataFrame | None, float, str | None] | None) -> RuleResult:
    rule = p.compiled.rule
    frame, collect_ms, error = output if output is not None else (None, 0.0, p.error)
    common = dict(
        id=rule.id,
        title=rule.title,
        severity=rule.severity,
        groups=tuple(rule.groups),
        dataset=rule.dataset or rule.title,
        elapsed_ms=round(p.plan_ms + collect_ms, 3),
        description=rule.description,
        resolution=rule.resolution,
        key_columns=tuple(p.compiled.key_columns),
        max_results=p.limit,
    )
    if frame is None:
        return RuleResult(
            status="error", count=0, rows=pl.DataFrame(), truncated=False, error=error or "no result", **common
        )
    count = int(frame[COUNT][0]) if frame.height else 0
    if p.row_bound is not None and count > p.row_bound:
        message = Bounds(rows=p.row_bound).rows_message(f"rule {rule.id}")
        return RuleResult(status="error", count=0, rows=pl.DataFrame(), truncated=False, error=message, **common)
    if p.limit == 0:
        rows = pl.DataFrame(schema=p.schema)
    else:
        rows = frame.drop(COUNT)
    return RuleResult(
        status="failed" if count else "passed",
        count=count,
        rows=rows,
        truncated=rows.height < count,
        error=None,
        **common,
    )
