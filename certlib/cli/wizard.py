"""CLI commands over the workspace services: demo workspace, wizard, jobs, worker, snapshots,
compare and resync. Each command is a few lines over :class:`certlib.services.Workspace`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from certlib.cli.base import (
    COUNT,
    ID,
    YEAR,
    acting_user,
    as_option,
    cli,
    emit,
    format_option,
    now_option,
    parse_now,
)
from certlib.errors import SnapshotError
from certlib.services import Workspace


def _ws(ctx: click.Context) -> Workspace:
    return Workspace.open(Path(ctx.obj["workspace"]))


def _actor(actor: str | None) -> str:
    return acting_user(actor)


def common(f: Callable[..., Any]) -> Callable[..., Any]:
    """--as, --format and --now on every command."""
    return as_option(format_option(now_option(click.pass_context(f))))


@cli.group()
def demo() -> None:
    """The demo workspace."""


@demo.command("init")
@click.option("--workspace", "workspace", type=click.Path(path_type=Path), default=None)
@now_option
@click.pass_context
def demo_init(ctx: click.Context, workspace: Path | None, now: str | None) -> None:
    """Create the demo workspace: the sample state copied in and the scenario loaded."""
    root = workspace or ctx.obj["workspace"]
    with Workspace.create_demo(root, parse_now(now or "2025-07-01T10:00:00")) as ws:
        check = ws.store.verify_audit()
        click.echo(
            f"demo workspace ready at {root}: {len(ws.users())} users, "
            f"{len(ws.store.events_for('state.admin', ws.now()))} events, audit chain ok={check.ok}"
        )


def _wiz(ctx: click.Context, actor: str | None, unit_id: int, now: str | None) -> tuple[Workspace, Any]:
    ws = _ws(ctx)
    return ws, ws.wizard(_actor(actor), unit_id, parse_now(now))


def _out(wiz: Any, fmt: str, extra: dict[str, Any] | None = None) -> None:
    status = wiz.status()
    if fmt == "json":
        emit({**status, **(extra or {})}, fmt)
        return
    for k, v in (extra or {}).items():
        click.echo(f"{k}: {v}")
    click.echo(
        f"unit {status['unit_id']} · {status['event']} · {status['user']} ({status['role']}) · "
        f"round {status['round']} · {status['unit_status']}"
    )
    emit(status["steps"], "table", ["step", "name", "status", "reason"])


# ---- wizard ------------------------------------------------------------------------------------


@cli.group()
def wizard() -> None:
    """The certification wizard for one user and unit: status, the four steps, submit, close."""


@wizard.command("status")
@click.argument("unit_id", type=ID)
@common
def wizard_status(ctx: click.Context, unit_id: int, actor: str | None, fmt: str, now: str | None) -> None:
    """Each step's status and why it is not COMPLETED."""
    _ws_, wiz = _wiz(ctx, actor, unit_id, now)
    _out(wiz, fmt)


@wizard.command("run-step")
@click.argument("unit_id", type=ID)
@click.argument("step", type=click.IntRange(1, 3))
@click.option("--report-format", "report_fmt", type=click.Choice(["html", "csv", "xlsx", "json"]), default="html")
@click.option("--wait/--no-wait", default=True, help="Run the queued job in this process now.")
@common
def wizard_run_step(
    ctx: click.Context,
    unit_id: int,
    step: int,
    report_fmt: str,
    wait: bool,
    actor: str | None,
    fmt: str,
    now: str | None,
) -> None:
    """Step 1: validate the district copy; 2: queue state validation; 3: take a snapshot."""
    ws, wiz = _wiz(ctx, actor, unit_id, now)
    extra: dict[str, Any] = {}
    if step == 1:
        run = wiz.run_district(report_fmt)
        extra = {
            "counts": run.counts_by_severity,
            "blocking": run.blocking,
            "excepted": sum(r.excepted for r in run.rules),
            "since_last_run": wiz.change_counts("district"),
        }
    else:
        job = wiz.queue_state_validation() if step == 2 else wiz.take_snapshot()
        if wait:
            ws.run_pending(parse_now(now))
        job = ws.queue.get(job.id)
        extra = {
            "job": job.id,
            "title": job.title,
            "job_status": job.status,
            **({"error": job.error} if job.error else {}),
        }
        if job.status == "COMPLETED":
            extra["since_last_run"] = wiz.change_counts("state")
    _out(wiz, fmt, extra)


@wizard.command("open-report")
@click.argument("unit_id", type=ID)
@click.argument("job_id", type=ID)
@common
def wizard_open_report(
    ctx: click.Context, unit_id: int, job_id: int, actor: str | None, fmt: str, now: str | None
) -> None:
    """Open a state-validation (or snapshot) report; prints its path."""
    _ws_, wiz = _wiz(ctx, actor, unit_id, now)
    job = wiz.open_report(job_id)
    _out(wiz, fmt, {"job": job.id, "title": job.title, "report": wiz.report_path(job_id)})


@wizard.command("take-snapshot")
@click.argument("unit_id", type=ID)
@click.option("--wait/--no-wait", default=True)
@common
def wizard_take_snapshot(
    ctx: click.Context, unit_id: int, wait: bool, actor: str | None, fmt: str, now: str | None
) -> None:
    """Queue a snapshot of the state's rows for the unit (a job)."""
    ws, wiz = _wiz(ctx, actor, unit_id, now)
    job = wiz.take_snapshot()
    if wait:
        ws.run_pending(parse_now(now))
    job = ws.queue.get(job.id)
    _out(
        wiz,
        fmt,
        {"job": job.id, "title": job.title, "job_status": job.status, "version": (job.result or {}).get("version")},
    )


@wizard.command("review-snapshot")
@click.argument("unit_id", type=ID)
@click.option("--version", "version", type=ID, default=None, help="Default: the latest.")
@common
def wizard_review_snapshot(
    ctx: click.Context, unit_id: int, version: int | None, actor: str | None, fmt: str, now: str | None
) -> None:
    """Review a snapshot (verified on read); pins its SHA-256 on step 3."""
    _ws_, wiz = _wiz(ctx, actor, unit_id, now)
    snap = wiz.review_snapshot(version)
    _out(wiz, fmt, {"version": snap.version, "sha256": snap.sha256})


@wizard.command("acknowledge")
@click.argument("unit_id", type=ID)
@common
def wizard_acknowledge(ctx: click.Context, unit_id: int, actor: str | None, fmt: str, now: str | None) -> None:
    """Acknowledge the warnings of steps 1-3."""
    _ws_, wiz = _wiz(ctx, actor, unit_id, now)
    _out(wiz, fmt, {"acknowledged_steps": wiz.acknowledge_warnings()})


@wizard.command("submit")
@click.argument("unit_id", type=ID)
@click.option("--title", "title", default=None, help="Your title, recorded with the attestation.")
@common
def wizard_submit(
    ctx: click.Context, unit_id: int, title: str | None, actor: str | None, fmt: str, now: str | None
) -> None:
    """Submit the certification to the state (the store's guards decide); records your attestation."""
    _ws_, wiz = _wiz(ctx, actor, unit_id, now)
    unit = wiz.submit(title)
    _out(wiz, fmt, {"unit_status": str(unit.status)})


@wizard.command("close")
@click.argument("unit_id", type=ID)
@common
def wizard_close(ctx: click.Context, unit_id: int, actor: str | None, fmt: str, now: str | None) -> None:
    """Close the wizard (reviewers, after step 3)."""
    _ws_, wiz = _wiz(ctx, actor, unit_id, now)
    wiz.close()
    _out(wiz, fmt, {"closed": True})


# ---- jobs and the worker -----------------------------------------------------------------------

JOB_COLUMNS = ["id", "title", "kind", "status", "queued_at", "progress", "user_id", "error"]


@cli.group()
def jobs() -> None:
    """The job queue: list, run."""


@jobs.command("list")
@click.option("--unit", "unit_id", type=ID, default=None)
@click.option("--status", "status", default=None)
@click.option("--title", "title", default=None, help="Title contains.")
@click.option("--since", default=None, help="Queued on or after (ISO).")
@click.option("--until", default=None, help="Queued on or before (ISO).")
@common
def jobs_list(
    ctx: click.Context,
    unit_id: int | None,
    status: str | None,
    title: str | None,
    since: str | None,
    until: str | None,
    actor: str | None,
    fmt: str,
    now: str | None,
) -> None:
    """Jobs, newest first."""
    with _ws(ctx) as ws:
        rows = [j.as_dict() for j in ws.jobs(unit_id, status=status, title=title, since=since, until=until)]
    emit(rows, fmt, JOB_COLUMNS)


@jobs.command("run")
@common
def jobs_run(ctx: click.Context, actor: str | None, fmt: str, now: str | None) -> None:
    """Run every queued job in this process."""
    with _ws(ctx) as ws:
        rows = [j.as_dict() for j in ws.run_pending(parse_now(now) if now else None)]
    emit(rows, fmt, JOB_COLUMNS)


@cli.command("worker")
@click.option("--once", is_flag=True, help="Run what is queued, then exit.")
@click.option("--poll", default=1.0, show_default=True, help="Seconds between polls.")
@click.pass_context
def worker(ctx: click.Context, once: bool, poll: float) -> None:
    """A worker process: marks dead workers' jobs FAILED, then runs queued jobs (each logged)."""
    import logging
    import time

    log = logging.getLogger("certlib.worker")
    with _ws(ctx) as ws:
        log.info("worker on %s: polling for queued jobs every %ss", ws.root, poll)
        while True:
            for j in ws.run_pending():
                log.info("job %s %s: %s%s", j.id, j.title, j.status, f" ({j.error})" if j.error else "")
            if once:
                return
            time.sleep(poll)


# ---- snapshots, compare, resync ----------------------------------------------------------------


@cli.group()
def snapshot() -> None:
    """Snapshot versions of a unit: list, diff, verify."""


@snapshot.command("list")
@click.argument("unit_id", type=ID)
@common
def snapshot_list(ctx: click.Context, unit_id: int, actor: str | None, fmt: str, now: str | None) -> None:
    """The unit's registered versions (never a directory the store did not register), each verified now
    against the SHA-256 the store registered."""
    with _ws(ctx) as ws:
        rows = ws.snapshot_rows(unit_id)
    emit(rows, fmt, ["version", "sha256", "taken_at", "taken_by", "verified", "problem"])


@snapshot.command("take")
@click.argument("unit_id", type=int)
@click.option("--wait/--no-wait", default=True, help="Run the queued job in this process now.")
@common
def snapshot_take(ctx: click.Context, unit_id: int, wait: bool, actor: str | None, fmt: str, now: str | None) -> None:
    """Queue a snapshot of the unit's state rows outside the wizard (the state's snapshot for a unit; its
    members then Review State Snapshot at step 3)."""
    with _ws(ctx) as ws:
        job = ws.queue_snapshot(_actor(actor), unit_id, parse_now(now))
        if wait:
            ws.run_pending(parse_now(now))
        job = ws.queue.get(job.id)
    emit(
        {
            "job": job.id,
            "title": job.title,
            "job_status": job.status,
            "version": (job.result or {}).get("version"),
            **({"error": job.error} if job.error else {}),
        },
        fmt,
    )


@snapshot.command("verify")
@click.argument("unit_id", type=ID)
@click.argument("version", type=ID)
@common
def snapshot_verify(
    ctx: click.Context, unit_id: int, version: int, actor: str | None, fmt: str, now: str | None
) -> None:
    """Check every file against the manifest and the SHA-256 the store registered (exit 1 naming what
    changed)."""
    with _ws(ctx) as ws:
        snap = ws.snapshot(unit_id, version)
    emit({"unit_id": unit_id, "version": version, "sha256": snap.sha256, "ok": True}, fmt)


@cli.command("submissions")
@click.argument("unit_id", type=ID)
@click.option("--round", "round_", type=ID, default=None, help="Default: the unit's current round.")
@common
def submissions(
    ctx: click.Context, unit_id: int, round_: int | None, actor: str | None, fmt: str, now: str | None
) -> None:
    """What each submission of a round rests on: the pinned snapshot (version, files verified now) and
    the run each step cites. Exit 1 when a pinned snapshot no longer verifies."""
    with _ws(ctx) as ws:
        rows = ws.submission_evidence(unit_id, round_)
    emit(rows, fmt, ["certifier", "submitted_at", "round", "snapshot_version", "files_verified", "problem"])
    bad = [r["certifier"] for r in rows if not r["files_verified"]]
    if bad:
        raise SnapshotError(f"unit {unit_id}: the snapshot pinned by {', '.join(bad)} no longer verifies")


@snapshot.command("diff")
@click.argument("unit_id", type=ID)
@click.argument("a", type=ID)
@click.argument("b", type=ID)
@common
def snapshot_diff(
    ctx: click.Context, unit_id: int, a: int, b: int, actor: str | None, fmt: str, now: str | None
) -> None:
    """Records added / removed / changed per table from version A to B."""
    with _ws(ctx) as ws:
        diff = ws.snapshot_store.diff(unit_id, a, b)
    if fmt == "json":
        emit(diff, fmt)
        return
    emit(
        [
            {"table": t, "added": len(d["added"]), "removed": len(d["removed"]), "changed": len(d["changed"])}
            for t, d in diff.items()
        ],
        fmt,
    )


@cli.command("compare")
@click.argument("unit_id", type=ID)
@click.option(
    "--records",
    is_flag=True,
    help="The records: missing / extra in the state copy, differing columns "
    "with both values (default: counts per table).",
)
@click.option("--table", default=None, help="Only this table's records.")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["missing in state", "extra in state", "different"]),
    help="Only these kinds of difference (repeat for several).",
)
@click.option("--page", type=click.IntRange(min=1, max=2**31 - 1), default=1, show_default=True)
@click.option("--page-size", type=COUNT, default=0, help="Lines per page (0: all).")
@click.option(
    "--findings",
    is_flag=True,
    help="With --records --as USER: the findings of USER's latest state validation report that touch each record.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the records (every page) to a .csv or .xlsx file.",
)
@common
def compare_cmd(
    ctx: click.Context,
    unit_id: int,
    records: bool,
    table: str | None,
    kinds: tuple[str, ...],
    page: int,
    page_size: int,
    findings: bool,
    output: Path | None,
    actor: str | None,
    fmt: str,
    now: str | None,
) -> None:
    """District copy vs state copy for a unit: missing / extra in state, changed fields."""
    from certlib.services import differences as dif
    from certlib.services.compare import summary

    with _ws(ctx) as ws:
        if actor:
            ws.store.unit_view(acting_user(actor), unit_id, parse_now(now))  # only members in scope may look
        if not (records or table or kinds or output or findings):
            result = ws.compare(unit_id)
            emit(result if fmt == "json" else summary(result), fmt)
            return
        lines = ws.differences(unit_id, table, kinds or None)
        if output is not None:
            suffix = output.suffix.lower().lstrip(".")
            output.write_bytes(dif.render(lines, suffix))
            emit({"file": str(output), "lines": len(lines)}, fmt)
            return
        shown = dif.page_of(lines, page, page_size)
        rows = dif.as_records(shown.lines)
        if findings:
            wiz = ws.wizard(_actor(actor), unit_id, parse_now(now))
            for row, line in zip(rows, shown.lines, strict=True):
                row["findings"] = [f"{f['rule_id']} ({f['severity']})" for f in wiz.findings_for(line)]
    if fmt == "json":
        emit({**shown.as_dict(), "rows": rows}, fmt)
        return
    for row in rows:
        row["findings"] = ", ".join(row.get("findings", []))
    emit(rows, fmt, [*dif.COLUMNS, *(["findings"] if findings else [])])
    click.echo(f"page {shown.page} of {shown.pages} · {shown.caption}")


@cli.command("resync")
@click.argument("unit_id", type=ID)
@common
def resync_cmd(ctx: click.Context, unit_id: int, actor: str | None, fmt: str, now: str | None) -> None:
    """Push the district's rows for the unit into the state copy (audited)."""
    with _ws(ctx) as ws:
        written = ws.resync(_actor(actor), unit_id, parse_now(now))
    emit({"unit_id": unit_id, "rows_written": written}, fmt)


# ---- the events list with the help article's filters -------------------------------------------


_FILTERS = [
    click.Option(["--name", "event_name"], default="", help="Event name contains."),
    click.Option(
        ["--school", "school_name"], default="", help="School name or school code contains (never a district's name)."
    ),
    click.Option(["--user-status", "user_statuses"], multiple=True, help="User status (repeat for several)."),
    click.Option(["--event-status", "event_statuses"], multiple=True, help="Event status (repeat for several)."),
    click.Option(["--due-after"], default=None),
    click.Option(["--due-before"], default=None),
    click.Option(["--year", "year"], type=YEAR, default=None),
    click.Option(["--active-only"], is_flag=True),
    click.Option(["--page"], type=click.IntRange(min=1, max=2**31 - 1), default=1),
    click.Option(["--page-size"], type=COUNT, default=0),
]
MY_EVENT_COLUMNS = [
    "unit_id",
    "event_name",
    "school_name",
    "district",
    "user_status",
    "event_status",
    "due_date",
    "actions",
]


def _filtered_events(ctx: click.Context, actor: str | None, fmt: str, now: str | None, **filters: Any) -> None:
    with _ws(ctx) as ws:
        page = ws.events_page(_actor(actor), filters, parse_now(now))
    rows = page.rows if fmt == "json" else [{**r, "actions": ", ".join(r["actions"])} for r in page.rows]
    emit(rows, fmt, MY_EVENT_COLUMNS)
    if fmt != "json" and page.pages > 1:
        click.echo(f"page {page.page} of {page.pages} ({page.total} rows)")


def _install_events_filters() -> None:
    """Give `certlib events list` the help article's filters: with any filter it lists the user's
    units (the "my events" grid); without, the store's event list as before."""
    from certlib.cli.workflow import events

    original = events.commands["list"]

    @click.pass_context
    def callback(ctx: click.Context, actor: str | None, fmt: str, now: str | None, **filters: Any) -> None:
        defaults = {
            "event_name": "",
            "school_name": "",
            "user_statuses": (),
            "event_statuses": (),
            "due_after": None,
            "due_before": None,
            "year": None,
            "active_only": False,
            "page": 1,
            "page_size": 0,
        }
        if any(
            filters.get(k) != v and filters.get(k) is not None
            for k, v in defaults.items()
            if not (v == () and not filters.get(k))
        ):
            _filtered_events(ctx, actor, fmt, now, **filters)
        else:
            ctx.invoke(original, actor=actor, fmt=fmt, now=now)

    cmd = click.Command(
        "list",
        callback=callback,
        params=[*original.params, *_FILTERS],
        help=(original.help or "") + " With a filter: my events (one row per unit), filtered.",
    )
    events.add_command(cmd, "list")


_install_events_filters()
