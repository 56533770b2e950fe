"""``validate``: compile a pack's rules, scan a data directory and run them — the one call services use.

>>> run = validate(load_pack("rules"), "sample_data/districts/1071",
...                groups=["Enrollment"], scope={"district_number": "1071"})   # doctest: +SKIP
>>> run.blocking, run.summary                                                  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from certlib.config import settings
from certlib.engine.base import Engine, Progress
from certlib.engine.database import is_database_url, redact
from certlib.engine.keys import check_keys
from certlib.engine.polars_engine import PolarsEngine
from certlib.engine.results import RuleResult, RunResult
from certlib.engine.tables import damaged_files, scan_tables, scope_frames
from certlib.errors import CertlibError, DataError, RuleError
from certlib.rules.compiler import DEFAULT_PARAMS
from certlib.rules.model import BrokenRule, CompiledRule, Pack, Rule

ENGINES: dict[str, type] = {"polars": PolarsEngine}
ENGINE_ENV = "CERTLIB_ENGINE"  # the default engine of a deployment ("polars" or "spark")

#: scope spellings -> the rule parameter / canonical scope key they mean
SCOPE_PARAMS: dict[str, str] = {
    "district": "district_number",
    "district_number": "district_number",
    "school": "school_code",
    "school_code": "school_code",
}


def make_engine(engine: str | Engine) -> Engine:
    if not isinstance(engine, str):
        return engine
    if engine == "spark" and "spark" not in ENGINES:  # optional extra certlib[spark]; imported on demand
        from certlib.engine.spark_engine import SparkEngine

        ENGINES["spark"] = SparkEngine
    try:
        return ENGINES[engine]()
    except KeyError:
        raise RuleError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}") from None


def normalize_scope(scope: Mapping[str, str] | None) -> dict[str, str]:
    """``{"district": "1071"}`` -> ``{"district_number": "1071"}``; unknown keys are refused."""
    out: dict[str, str] = {}
    for key, value in (scope or {}).items():
        if key not in SCOPE_PARAMS:
            raise RuleError(f"unknown scope {key!r}: use district=<number> or school=<code>")
        out[SCOPE_PARAMS[key]] = str(value)
    return out


def compile_each(
    rules: Sequence[Rule], pack: Pack, *, target: str = "polars", params: Mapping[str, Any] | None = None
) -> list[CompiledRule | RuleError]:
    """Compile every rule on its own: the compiled rule, or the :class:`RuleError` that refused it."""
    from certlib.rules import compile_rule  # the compiler lives beside the loader; imported late

    out: list[CompiledRule | RuleError] = []
    for rule in rules:
        try:
            c = compile_rule(rule, pack, target=target, params=dict(params or {}))
        except RuleError as err:
            out.append(err)
            continue
        errors = [d for d in c.diagnostics if getattr(d, "level", "") == "error"]
        out.append(RuleError("; ".join(str(d) for d in errors), errors) if errors else c)
    return out


def compile_rules(
    rules: Sequence[Rule], pack: Pack, *, target: str = "polars", params: Mapping[str, Any] | None = None
) -> list[CompiledRule]:
    """Compile every rule; one :class:`RuleError` carrying every error diagnostic if any rule is broken."""
    outcomes = compile_each(rules, pack, target=target, params=params)
    refused = [(rule, o) for rule, o in zip(rules, outcomes, strict=True) if isinstance(o, RuleError)]
    if refused:
        raise RuleError(
            f"{len(refused)} rule problem{'s' if len(refused) != 1 else ''}:\n  "
            + "\n  ".join(f"{rule.id}: {err}" for rule, err in refused),
            [d for _, err in refused for d in err.diagnostics],
        )
    return [o for o in outcomes if not isinstance(o, RuleError)]


def rule_error_result(rule: Rule | BrokenRule, message: str) -> RuleResult:
    """The report entry of a rule that could not run (refused by the compiler or a broken file): an
    ``error`` result, which blocks certification like any rule error."""
    is_rule = isinstance(rule, Rule)
    return RuleResult(
        id=rule.id,
        title=rule.title if is_rule else f"{rule.path.name} (not loaded)",
        severity=rule.severity if is_rule else "fatal",
        groups=tuple(rule.groups),
        dataset=(rule.dataset or rule.title) if is_rule else rule.path.name,
        status="error",
        count=0,
        rows=pl.DataFrame(),
        truncated=False,
        elapsed_ms=0.0,
        error=message,
        description=rule.description if is_rule else "",
        resolution=rule.resolution if is_rule else "Fix the rule file; 'certlib rules check' names the problem.",
        key_columns=tuple(rule.keys) if is_rule else (),
        max_results=rule.max_results if is_rule else None,
    )


def scope_label(pack: Pack, frames: Mapping[str, pl.LazyFrame], scope: Mapping[str, str]) -> str:
    """``District: North Star Public School (1071)`` from the pack's lookup table, else ``District 1071``."""
    parts = []
    for key, noun in (("district_number", "District"), ("school_code", "School")):
        if key not in scope:
            continue
        value = scope[key]
        name = _lookup_name(pack, frames, key, value)
        parts.append(f"{noun}: {name} ({value})" if name else f"{noun} {value}")
    return " · ".join(parts)


def _lookup_name(pack: Pack, frames: Mapping[str, pl.LazyFrame], key: str, value: str) -> str | None:
    """The ``*_name`` of the table keyed by ``key`` alone (districts, schools), if the pack has one."""
    for table in sorted(pack.tables.values(), key=lambda t: t.name):
        names = [c for c in table.column_names if c.endswith("_name")]
        if table.keys != (key,) or not names or table.name not in frames:
            continue
        try:
            found = frames[table.name].filter(pl.col(key) == value).select(names[0]).sort(names[0]).head(1).collect()
        except Exception:  # noqa: BLE001 - a label is never worth failing a run for
            return None
        return found[names[0]][0] if found.height else None
    return None


def _name_damaged_files(
    run: RunResult, compiled: Sequence[CompiledRule], data_dir: str | Path, pack: Pack
) -> RunResult:
    """A rule that failed because a data file it reads does not decode (a damaged parquet page) says which
    file: the files of the failed rules' tables are read in full, only when some rule failed."""
    failed = [(r, c) for r, c in zip(run.rules, compiled, strict=True) if r.status == "error"]
    if not failed:
        return run
    damaged = damaged_files(data_dir, pack, sorted({t for _, c in failed for t in c.tables}))
    if not damaged:
        return run
    named = {}
    for r, c in failed:
        files = [damaged[t] for t in c.tables if t in damaged]
        if files:
            said = any(f.rsplit("(", 1)[-1].rstrip(")")[:40] in (r.error or "") for f in files)
            named[r.id] = replace(r, error="; ".join(files) + ("" if said else f" (the rule stopped with: {r.error})"))
    return replace(run, rules=[named.get(r.id, r) for r in run.rules])


def validate(
    pack: Pack,
    data_dir: str | Path,  # a data directory or a postgresql:// URL
    groups: Sequence[str] | None = None,
    scope: Mapping[str, str] | None = None,
    params: Mapping[str, Any] | None = None,
    engine: str | Engine | None = None,
    *,
    max_results: int | None = None,
    progress: Progress | None = None,
    title: str | None = None,
    source_label: str | None = None,
    now: datetime | None = None,
) -> RunResult:
    """Run the pack's active rules (of ``groups``, default all) on ``data_dir`` for one scope.

    The scope filters every scoped table and is also bound as the ``:district_number`` /
    ``:school_code`` parameter. ``max_results`` defaults to the pack's. Every rule runs on its own
    account: one the compiler refuses, and a rule file the loader left out (``Pack.broken``), is an
    ``error`` result in the report (which blocks certification) and the rest still run. Raises
    :class:`RuleError` for unknown groups, :class:`DataError` for bad data files.

    The tables the rules read are checked first (:mod:`certlib.engine.keys`): duplicate or NULL
    declared keys and rows without a district/school become the fatal built-in rule ``SYS-KEY-001``,
    listed first in the run (only when it finds something).
    """
    unknown = [g for g in (groups or []) if g not in pack.groups]
    if unknown:
        raise RuleError(
            f"unknown validation group {unknown[0]!r}: the pack has {', '.join(sorted(pack.groups)) or 'none'}"
        )
    runner = make_engine(engine or settings().engine)
    scope_n = normalize_scope(scope)
    bound: dict[str, Any] = {**DEFAULT_PARAMS, **scope_n, **dict(params or {})}
    rules = pack.rules_in(list(groups) if groups else None)
    outcomes = compile_each(rules, pack, target=runner.dialect, params=bound)
    compiled = [o for o in outcomes if isinstance(o, CompiledRule)]
    whole = scan_tables(data_dir, pack, candidates=scope_n or None)
    frames = scope_frames(whole, pack, scope_n or None)
    read = sorted({t for c in compiled for t in c.tables})
    try:
        key_result = check_keys(
            pack,
            scope_frames(whole, pack, scope_n or None, for_keys=True),
            read,
            scope_n,
            rule_ids=[c.rule.id for c in compiled],
        )
    except CertlibError:
        raise
    except Exception as err:  # noqa: BLE001 - a file that decodes badly is named; anything else too
        damaged = damaged_files(data_dir, pack, read)
        raise DataError(next(iter(damaged.values()), f"{redact(str(data_dir))}: cannot read the data: {err}")) from err
    read_tables = getattr(runner, "read_tables", None)  # an engine that reads the files itself (Spark)
    if read_tables and is_database_url(data_dir):
        raise DataError(f"the {runner.name} engine reads data files; read a database with the polars engine")
    data = read_tables(data_dir, pack, scope_n or None) if read_tables else frames
    run = runner.run(
        compiled, data, max_results=pack.max_results if max_results is None else max_results, progress=progress
    )
    run = _name_damaged_files(run, compiled, data_dir, pack)
    ran = iter(run.rules)
    results = [
        next(ran) if isinstance(o, CompiledRule) else rule_error_result(rule, f"the rule does not compile: {o}")
        for rule, o in zip(rules, outcomes, strict=True)
    ]
    results += [rule_error_result(b, f"the rule file is not loaded: {b.message}") for b in pack.broken_in(groups)]
    return replace(
        run,
        rules=([key_result] if key_result is not None else []) + results,
        title=title or (" / ".join(groups) if groups else pack.name),
        scope_label=scope_label(pack, frames, scope_n),
        source_label=source_label if source_label is not None else redact(str(data_dir)),
        generated_at=settings().clock(now),
        params=bound,
    )
