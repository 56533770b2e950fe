"""Run history and trends of units (issue 18, item 1).

Why: every validation run of a unit (district copy in step 1, the state copy in the queued job and
snapshots) is put in the store's history with every rule's count, zeros included, its scope, copy,
data generation and clock, and the record keys of the findings it listed. From those facts:

* :meth:`History.runs` — a unit's runs with, per run, how many findings are *new*, *still there*
  and *fixed* since the previous run of the same unit and copy (``certlib history UNIT``);
* :meth:`History.changes` — the same per rule and record key (the wizard shows them after a run);
* :func:`trend_frame` / :func:`trend_series` — open error counts over time per district or per rule,
  which :func:`certlib.apps.charts.trend_lines` draws for the dashboard.

>>> ws.history.runs("ns.cert1", 13, now)[-1]["new"]          # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from certlib.domain.history import FindingChange, RuleFindings, change_counts, compare_findings, record_key
from certlib.engine.results import RunResult
from certlib.errors import NotFound
from certlib.reports.values import row_dicts
from certlib.store.history import RuleCount, RunRecord

if TYPE_CHECKING:
    from certlib.services.workspace import Workspace

#: Severities whose findings are "errors" on the trend chart (info rules are listings to review).
ERROR_SEVERITIES: tuple[str, ...] = ("fatal", "warning")

TREND: dict[str, Any] = {
    "run_id": pl.Int64,
    "at": pl.Datetime("us"),
    "day": pl.Date,
    "unit_id": pl.Int64,
    "event_id": pl.Int64,
    "event": pl.String,
    "due_date": pl.Date,
    "district_number": pl.String,
    "district_name": pl.String,
    "school_code": pl.String,
    "copy": pl.String,
    "rule_id": pl.String,
    "severity": pl.String,
    "count": pl.Int64,
    "excepted": pl.Int64,
    "open": pl.Int64,
}


def rule_counts(run: RunResult) -> tuple[list[RuleCount], dict[str, list[str]]]:
    """Every rule's line (zeros included) and the record keys of the findings each listed."""
    counts, keys = [], {}
    for r in run.rules:
        listed = [record_key(row, r.key_columns) for row in row_dicts(r.rows)] if r.status == "failed" else []
        counts.append(RuleCount(r.id, r.severity, r.status, int(r.count), len(set(listed)), int(r.excepted)))
        if listed:
            keys[r.id] = listed
    return counts, keys


def record(
    ws: Workspace,
    unit_id: int,
    run: RunResult,
    now: datetime,
    *,
    copy: str,
    source: str,
    user_id: str | None = None,
    step: int | None = None,
    data_generation: int | None = None,
    snapshot_sha256: str | None = None,
    round_: int | None = None,
) -> RunRecord:
    """Put ``run`` (already passed through the unit's exceptions) in the unit's history."""
    counts, keys = rule_counts(run)
    return ws.store.record_run(
        unit_id,
        now,
        copy=copy,
        source=source,
        rules=counts,
        findings=keys,
        user_id=user_id,
        step=step,
        data_generation=data_generation,
        snapshot_sha256=snapshot_sha256,
        round_=round_,
    )


def _changes(
    prev: dict[str, RuleFindings] | None, cur: dict[str, RuleFindings], rule: str | None = None
) -> list[FindingChange]:
    rules = sorted(set(cur) | set(prev or {}))
    out: list[FindingChange] = []
    for r in rules:
        if rule is not None and r != rule:
            continue
        out += compare_findings((prev or {}).get(r), cur.get(r))
    return out


class History:
    """The history of a workspace's units (``ws.history``); reading it checks the user's scope."""

    def __init__(self, ws: Workspace):
        self.ws = ws

    def _check(self, user: str, unit_id: int, now: datetime) -> None:
        self.ws.store.unit_view(user, unit_id, now)  # Refused outside the user's scope

    def runs(self, user: str, unit_id: int, now: datetime, rule: str | None = None) -> list[dict[str, Any]]:
        """The unit's runs, oldest first: clock, copy, source, who, generation, open findings per
        severity (or ``rule``'s count, status and excepted), and new / still there / fixed / unknown
        since the previous run of the same copy."""
        self._check(user, unit_id, now)
        out = []
        previous: dict[str, dict[str, RuleFindings]] = {}
        for run in self.ws.store.runs(unit_id):
            cur = self.ws.store.run_findings(run.id)
            changes = change_counts(_changes(previous.get(run.copy), cur, rule))
            row: dict[str, Any] = {
                "run": run.id,
                "at": run.at,
                "copy": run.copy,
                "source": run.source,
                "user": run.user_id or "",
                "step": run.step,
                "round": run.round,
                "generation": run.data_generation,
            }
            if rule is None:
                for sev in ("fatal", "warning", "info"):
                    row[sev] = sum(c.count - c.excepted for c in run.rules if c.severity == sev)
                row["excepted"] = sum(c.excepted for c in run.rules)
                row["errors"] = sum(1 for c in run.rules if c.status == "error")
            else:
                c = next((c for c in run.rules if c.rule_id == rule), None)
                row.update(
                    {
                        "rule": rule,
                        "severity": c.severity if c else "",
                        "status": c.status if c else "not run",
                        "count": c.count if c else None,
                        "excepted": c.excepted if c else None,
                    }
                )
            out.append({**row, **changes})
            previous[run.copy] = cur
        return out

    def changes(
        self,
        user: str,
        unit_id: int,
        now: datetime,
        run_id: int | None = None,
        rule: str | None = None,
        copy: str | None = None,
    ) -> list[FindingChange]:
        """Per rule and record key: new / still there / fixed (or unknown) of run ``run_id`` (default:
        the unit's latest run, of ``copy`` when given) since the previous run of the same copy."""
        self._check(user, unit_id, now)
        runs = self.ws.store.runs(unit_id)
        if run_id is None:
            mine = [r for r in runs if copy in (None, r.copy)]
            if not mine:
                return []
            target = mine[-1]
        else:
            target = next((r for r in runs if r.id == run_id), None)
            if target is None:
                raise NotFound(f"run {run_id} is not a run of unit {unit_id}")
        before = [r for r in runs if r.copy == target.copy and (r.at, r.id) < (target.at, target.id)]
        prev = self.ws.store.run_findings(before[-1].id) if before else None
        return _changes(prev, self.ws.store.run_findings(target.id), rule)

    def trend(self, unit_ids: Iterable[int] | None = None) -> pl.DataFrame:
        return trend_frame(self.ws, unit_ids)


def trend_frame(ws: Workspace, unit_ids: Iterable[int] | None = None) -> pl.DataFrame:
    """One row per (run, rule) of the given units (default: every unit of every event): schema
    :data:`TREND`. ``open`` is ``count - excepted``."""
    units: dict[int, Any] = {}
    events: dict[int, Any] = {}
    for ev in sorted({u.event_id for u in _all_units(ws)}):
        events[ev] = ws.store.event(ev)
        for u in ws.store.units(ev):
            units[u.id] = u
    wanted = sorted(units) if unit_ids is None else sorted(set(unit_ids) & set(units))
    districts = {d.number: d.name for d in ws.store.districts()}
    rows = []
    for run in ws.store.runs(wanted):
        u = units[run.unit_id]
        e = events[u.event_id]
        at = datetime.fromisoformat(run.at).replace(tzinfo=None)
        for c in run.rules:
            rows.append(
                {
                    "run_id": run.id,
                    "at": at,
                    "day": at.date(),
                    "unit_id": u.id,
                    "event_id": e.id,
                    "event": e.name,
                    "due_date": u.due(e),
                    "district_number": u.district_number,
                    "district_name": districts.get(u.district_number),
                    "school_code": u.school_code,
                    "copy": run.copy,
                    "rule_id": c.rule_id,
                    "severity": c.severity,
                    "count": c.count,
                    "excepted": c.excepted,
                    "open": max(c.count - c.excepted, 0),
                }
            )
    return pl.DataFrame(rows, schema=TREND)


def _all_units(ws: Workspace) -> list[Any]:
    out = []
    for view in ws.store.events_for(_state_reader(ws), ws.now()):
        out += ws.store.units(view.event.id)
    return out


def _state_reader(ws: Workspace) -> str:
    for u in sorted(ws.store.users(), key=lambda u: u.id):
        if u.is_state:
            return u.id
    return ""


def trend_series(
    trend: pl.DataFrame,
    by: str = "district",
    severities: Sequence[str] = ERROR_SEVERITIES,
    copy: str | None = None,
    event_id: int | None = None,
) -> pl.DataFrame:
    """Open error counts per day and series for :func:`certlib.apps.charts.trend_lines`: columns ``day``
    (date), ``series`` (the district "1071 North Star..." or the rule id), ``count``.

    Every day on which some unit ran is a point, and on it each unit counts with its latest run on
    or before that day (a unit re-run three times in a day counts once; a unit that did not run that
    day keeps its last count; pass ``copy`` to follow one copy only); the series sums its units' open
    findings of ``severities``.
    A series that never had an open error (a rule that always passed) is left out."""
    if by not in ("district", "rule"):
        raise ValueError(f"by must be 'district' or 'rule', not {by!r}")
    f = trend.filter(pl.col("severity").is_in(list(severities)))
    if copy is not None:
        f = f.filter(pl.col("copy") == copy)
    if event_id is not None:
        f = f.filter(pl.col("event_id") == event_id)
    if f.height == 0:
        return pl.DataFrame(schema={"day": pl.Date, "series": pl.String, "count": pl.Int64})
    latest = (
        f.select("unit_id", "day", "at", "run_id")
        .unique()
        .sort("at", "run_id")
        .group_by("unit_id", "day")
        .agg(pl.col("run_id").last())
        .sort("day")
    )
    # each day of the chart counts every unit at its latest run on or before that day (carried forward)
    grid = latest.select("unit_id").unique().join(latest.select("day").unique(), how="cross").sort("day")
    asof = grid.join_asof(
        latest,
        on="day",
        by="unit_id",
        strategy="backward",  # both sorted by day above
        check_sortedness=False,
    ).drop_nulls("run_id")
    f = asof.select("day", "run_id").join(f.drop("day"), on="run_id", how="inner")
    series = (
        pl.concat_str(
            [pl.col("district_number"), pl.col("district_name").fill_null("")], separator=" "
        ).str.strip_chars()
        if by == "district"
        else pl.col("rule_id")
    )
    out = (
        f.with_columns(series=series).group_by("day", "series").agg(pl.col("open").sum().cast(pl.Int64).alias("count"))
    )
    ever = out.group_by("series").agg(pl.col("count").max()).filter(pl.col("count") > 0)["series"]
    return out.filter(pl.col("series").is_in(ever.implode())).sort("day", "series")
