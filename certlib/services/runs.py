"""Validation runs of a unit and the job handlers that run them (state validation, snapshot).

Why: the wizard's steps gate on the same three facts of a run — a fatal finding, a rule error, the
number of warnings — so they are computed in one place, and every run leaves its rendered report in
``<ws>/reports/`` for the user to open.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certlib.domain.names import path_inside
from certlib.domain.statuses import JobKind
from certlib.engine.results import RunResult
from certlib.engine.run import validate
from certlib.reports import write_report
from certlib.services import history
from certlib.services.compare import state_lock
from certlib.services.exceptions import apply_exceptions
from certlib.store.readonly import check_writable

if TYPE_CHECKING:
    from certlib.services.jobs import Job
    from certlib.services.workspace import Workspace


def facts(run: RunResult) -> dict[str, Any]:
    """``fatal_seen``, ``error_seen``, ``warnings`` (warning rules with findings) of a run. Findings
    covered by a state-approved exception (``RuleResult.excepted``) neither block nor need acknowledging."""
    return {
        "fatal_seen": any(r.status == "failed" and r.severity == "fatal" and r.open for r in run.rules),
        "error_seen": any(r.status == "error" for r in run.rules),
        "warnings": sum(1 for r in run.rules if r.status == "failed" and r.severity == "warning" and r.open),
    }


def run_unit(
    ws: Workspace,
    unit_id: int,
    data_dir: Path,
    source: str,
    now: datetime,
    *,
    copy: str | None = None,
    user_id: str | None = None,
    step: int | None = None,
    data_generation: int | None = None,
    snapshot_sha256: str | None = None,
    round_: int | None = None,
    at: datetime | None = None,
) -> RunResult:
    """The unit's event's validation groups on ``data_dir``, scoped to the unit, with the unit's
    state-approved exceptions in force on ``now`` applied (excepted findings neither block nor need
    acknowledging). With ``copy`` ("district" or "state") the run goes into the unit's history
    (every rule's count, the listed record keys; see :mod:`certlib.services.history`). ``at`` is the
    workflow clock the run belongs to (a queued job: when it was queued; default ``now``): the day
    exceptions must be in force on and the history entry's time."""
    unit = ws.unit(unit_id)
    event = ws.store.event(unit.event_id)
    run = validate(
        ws.pack,
        data_dir,
        groups=list(event.groups) or None,
        scope=ws.unit_scope(unit),
        title=event.name,
        source_label=source,
        now=now,
    )
    at = now if at is None else at
    run = apply_exceptions(run, ws.store.exceptions(unit_id), at.date())
    if copy is not None:
        history.record(
            ws,
            unit_id,
            run,
            at,
            copy=copy,
            source=source,
            user_id=user_id,
            step=step,
            data_generation=data_generation,
            snapshot_sha256=snapshot_sha256,
            round_=round_,
        )
    return run


def save_report(
    ws: Workspace, run: RunResult, stem: str, formats: tuple[str, ...] = ("html", "json")
) -> dict[str, str]:
    """Render ``run`` into ``<ws>/reports/<stem>.<fmt>``; returns fmt → path (refused, nothing written,
    in a read-only deployment)."""
    check_writable("save a report")
    ws.reports_dir.mkdir(parents=True, exist_ok=True)
    out = {}
    for fmt in formats:
        path = path_inside(ws.reports_dir, stem, ".", fmt)  # ids in the stem never lead it elsewhere
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            with open(tmp, "wb") as f:
                write_report(run, fmt, f)  # streamed: a large listing is not held twice
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, path)  # a worker killed while rendering leaves no half-written report
        out[fmt] = str(path)
    return out


#: A state validation job leaves its report in every format (the user picks one to open).
JOB_REPORT_FORMATS: tuple[str, ...] = ("html", "json", "csv", "xlsx")


def rule_counts(run: RunResult) -> list[dict[str, Any]]:
    """Per rule that did not pass: id, severity, status, count (the dashboard's findings read these)."""
    return [
        {"rule_id": r.id, "severity": r.severity, "status": r.status, "count": r.count}
        for r in sorted(run.rules, key=lambda r: r.id)
        if r.status != "passed"
    ]


def _result(run: RunResult, reports: dict[str, str]) -> dict[str, Any]:
    return {
        **facts(run),
        "counts": run.counts_by_severity,
        "reports": reports,
        "failed_rules": [r.id for r in run.rules if r.status != "passed"],
        "findings": rule_counts(run),
    }


def _put_on_record(ws: Workspace, job: Job, run: RunResult, generation: int) -> int | None:
    """Record a state-validation job's run as step-2 evidence of the user who queued it. The store
    refuses it (and the job fails saying why) if the unit has moved to another round since the job
    was queued, or its state copy was resynced since the run began reading it."""
    if not job.user_id or job.unit_id is None:
        return None
    ev = ws.store.record_evidence(
        job.user_id,
        job.unit_id,
        2,
        datetime.fromisoformat(job.queued_at),
        **facts(run),
        source=f"job {job.id} {job.title}",
        round_=job.round,
        data_generation=generation,
    )
    return ev.id


def snap_generation(ws: Workspace, unit_id: int, version: int) -> int | None:
    """The data generation a registered snapshot version was taken at (None if unregistered)."""
    return next((r.data_generation for r in ws.store.snapshot_records(unit_id) if r.version == version), None)


def _clock_of(job: Job) -> datetime:
    """The workflow clock a queued job's run belongs to: when it was queued (the user's "today"), never
    the worker's wall clock — its report is stamped, and :as_of_date bound, as of that moment."""
    return datetime.fromisoformat(job.queued_at)


def job_handlers(ws: Workspace) -> Mapping[str, Callable[[Job, Callable[[float, str], None]], Mapping[str, Any]]]:
    def state_validation(job: Job, report: Callable[[float, str], None]) -> Mapping[str, Any]:
        report(0.1, "validating the state copy")
        generation = ws.store.data_generation(job.unit_id or 0)  # before the data: a resync meanwhile makes it stale
        with state_lock(ws.state_dir, shared=True):  # not across a resync's table swaps
            run = run_unit(
                ws,
                job.unit_id or 0,
                ws.state_dir,
                "state data",
                _clock_of(job),
                copy="state",
                user_id=job.user_id,
                step=2,
                data_generation=generation,
                round_=job.round,
                at=datetime.fromisoformat(job.queued_at),
            )
        report(0.9, "rendering the report")
        result = _result(run, save_report(ws, run, f"job-{job.id}", JOB_REPORT_FORMATS))
        return {**result, "evidence_id": _put_on_record(ws, job, run, generation)}

    def snapshot(job: Job, report: Callable[[float, str], None]) -> Mapping[str, Any]:
        unit = ws.unit(job.unit_id or 0)
        report(0.1, "copying the state's rows")
        snap = ws.take_snapshot(job.user_id or "system", unit.id, datetime.fromisoformat(job.queued_at))
        report(0.6, "validating the snapshot")
        run = run_unit(
            ws,
            unit.id,
            snap.path,
            f"snapshot v{snap.version}",
            _clock_of(job),
            copy="state",
            user_id=job.user_id,
            step=3,
            data_generation=snap_generation(ws, unit.id, snap.version),
            snapshot_sha256=snap.sha256,
            round_=job.round,
            at=datetime.fromisoformat(job.queued_at),
        )
        return {
            **_result(run, save_report(ws, run, f"job-{job.id}")),
            "version": snap.version,
            "sha256": snap.sha256,
            "rows": snap.rows,
        }

    return {JobKind.STATE_VALIDATION: state_validation, JobKind.SNAPSHOT: snapshot}
