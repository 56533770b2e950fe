"""The certify app: the Message Center, the user's events, and the tables and helpers over the
workspace's certification wizard (``ws.wizard(user, unit)``, :mod:`certlib.services.wizard`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from certlib.apps.common import (
    UNIT_STATUSES,
    USER_STATUSES,
    EventFilters,
    Outcome,
    attempt,
    check_note,
    date_bounds,
    first_value,
    now_for,
    page,
    row_index,
)
from certlib.domain.statuses import EventStatus, JobKind, StepStatus
from certlib.services.events import EventColumns, filter_frame


def submitted_note(submission) -> str:
    """The certify app's banner once the user has submitted in this round (their steps are frozen)."""
    sha = submission.snapshot_sha256 or ""
    return (
        f"**You submitted this certification on {submission.at[:16].replace('T', ' ')}** (round {submission.round}, "
        f"snapshot `{sha[:12]}…`). Your steps are frozen as submitted; the state approves it or sends it "
        "back for recertification."
    )


MESSAGE_SCHEMA = {
    "id": pl.Int64,
    "Required": pl.String,
    "Process": pl.String,
    "Name": pl.String,
    "Posted Date": pl.String,
    "Due Date": pl.String,
    "Read": pl.String,
    "unit_id": pl.Int64,
}

#: The Message Center's words for an alert's flags (not "!" and True/False).
REQUIRED_WORDS = {True: "Action required", False: "For information"}
READ_WORDS = {True: "Read", False: "Unread"}


def messages_frame(alerts) -> pl.DataFrame:
    """Message Center process alerts as the help article's grid: Required, Process, Name, Posted Date,
    Due Date, Read — newest first; the flags in words ("Action required", "Unread")."""
    rows = [
        {
            "id": a.id,
            "Required": REQUIRED_WORDS[bool(a.required)],
            "Process": a.process,
            "Name": a.text,
            "Posted Date": str(a.posted_at)[:10],
            "Due Date": a.due_date.isoformat() if a.due_date else "",
            "Read": READ_WORDS[bool(a.read)],
            "unit_id": a.unit_id,
        }
        for a in alerts
    ]
    return pl.DataFrame(rows, schema=MESSAGE_SCHEMA).sort("Posted Date", "id", descending=True)


def unread_count(frame: pl.DataFrame) -> int:
    """How many alerts of a :func:`messages_frame` are unread."""
    return int((frame["Read"] == READ_WORDS[False]).sum()) if frame.height else 0


def filter_messages(
    frame: pl.DataFrame,
    name: str = "",
    process: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pl.DataFrame:
    """The Message Center's filter: name contains, process, posted between start and end."""
    out = frame
    if name:
        out = out.filter(pl.col("Name").str.to_lowercase().str.contains(name.lower(), literal=True))
    if process and process != "All Processes":
        out = out.filter(pl.col("Process") == process)
    if start:
        out = out.filter(pl.col("Posted Date") >= start.isoformat())
    if end:
        out = out.filter(pl.col("Posted Date") <= end.isoformat())
    return out


MY_EVENTS_COLUMNS = ["Event Name", "School Name", "User Status", "Event Status", "Due Date", "Actions"]


def my_events_frame(views, school_names: dict[str, str] | None = None) -> pl.DataFrame:
    """The help article's "Certification Event Details" grid from the store's unit views of one
    user: Event Name, School Name, User Status, Event Status, Due Date, Actions (the buttons the
    domain gives this user's role: View / Start Certification / Review Data), plus ids."""
    names = school_names or {}
    rows = []
    for v in views:
        d = v.as_dict()
        rows.append(
            {
                "Event Name": d["event_name"],
                "School Name": names.get(d.get("school") or "", d.get("school") or ""),
                "User Status": d["user_status"],
                "Event Status": d["event_status"],
                "Due Date": dt.date.fromisoformat(d["due_date"]) if isinstance(d["due_date"], str) else d["due_date"],
                "Actions": " · ".join(d.get("buttons") or []),
                "unit_id": d["unit_id"],
                "event_id": d["event_id"],
                "district": d.get("district", ""),
                "role": d.get("role", ""),
                "year": v.event.reporting_year,
                "event_closed": v.event.status == EventStatus.CLOSED,
                "school_code": d.get("school") or "",
            }
        )
    schema = {
        "Event Name": pl.String,
        "School Name": pl.String,
        "User Status": pl.String,
        "Event Status": pl.String,
        "Due Date": pl.Date,
        "Actions": pl.String,
        "unit_id": pl.Int64,
        "event_id": pl.Int64,
        "district": pl.String,
        "role": pl.String,
        "year": pl.Int64,
        "event_closed": pl.Boolean,
        "school_code": pl.String,
    }
    return pl.DataFrame(rows, schema=schema).sort("Event Name", "School Name")


MY_EVENTS_FILTER_COLUMNS = EventColumns(
    event_name="Event Name",
    school_name="School Name",
    school_code="school_code",
    user_status="User Status",
    event_status="Event Status",
    due_date="Due Date",
    year="year",
    closed=pl.col("event_closed"),
)


def filter_my_events(frame: pl.DataFrame, f: EventFilters) -> pl.DataFrame:
    """The help article's filters over :func:`my_events_frame` (user status = this user's), applied by
    :func:`certlib.services.events.filter_frame`."""
    return filter_frame(frame, f, MY_EVENTS_FILTER_COLUMNS)


REPORT_FORMATS = ["html", "csv", "xlsx", "json"]


def wizard_for(ws, user_id: str, unit_id: int, now: dt.datetime):
    """The workspace's wizard for (user, unit)."""
    return ws.wizard(user_id, unit_id, now)


#: The job kind whose report a wizard step shows (step 2: the state validation; step 3: the snapshot).
STEP_JOB_KIND = {2: JobKind.STATE_VALIDATION, 3: JobKind.SNAPSHOT}
#: The mark after a step's name in the wizard's step strip.
STEP_MARKS = {StepStatus.COMPLETED: "✓", StepStatus.IN_PROGRESS: "…", StepStatus.NOT_STARTED: ""}


def steps_frame(wiz, with_submit: bool = False) -> pl.DataFrame:
    """The wizard's steps as a table: step, Validation Type, Status, Note (why not COMPLETED, in people's
    words: a failed guard's sentence, see :func:`certlib.domain.guards.says`)."""
    from certlib.domain.guards import says

    rows = [
        {"step": st.step, "Validation Type": st.name, "Status": st.status, "Note": says(st.reason)}
        for st in wiz.steps()
        if with_submit or st.step < 4
    ]
    return pl.DataFrame(rows)


def _jobs(wiz, kind: str) -> list:
    return [j for j in wiz.ws.jobs(wiz.unit_id, kind=JobKind(kind)) if j.round == wiz.round]


def jobs_frame(wiz, kind: JobKind) -> pl.DataFrame:
    """Report/Snapshot Results: job, Report Title, Queued Time, Status (newest first)."""
    rows = []
    for j in _jobs(wiz, kind):
        queued = dt.datetime.fromisoformat(j.queued_at)
        rows.append(
            {
                "job": j.id,
                "Report Title": j.title,
                "Queued Time": queued.strftime("%m/%d/%Y %I:%M:%S %p"),
                "Status": j.status + (f": {j.error}" if j.error else ""),
            }
        )
    return pl.DataFrame(
        rows, schema={"job": pl.Int64, "Report Title": pl.String, "Queued Time": pl.String, "Status": pl.String}
    )


def results_grid(wiz, kind: JobKind, on_pick) -> tuple[pl.DataFrame, object]:
    """Steps 2 and 3's Report/Snapshot Results: the jobs frame and its single-select grid; picking a row
    calls ``on_pick(job_id)``."""
    import marimo as mo

    frame = jobs_frame(wiz, kind)
    what = "a snapshot to review it" if kind is JobKind.SNAPSHOT else "a report to view it"
    grid = mo.ui.table(
        frame,
        selection="single",
        show_download=False,
        hidden_columns=["job"],
        label=f"Report/Snapshot Results — select {what}",
        on_change=lambda picked: on_pick(first_value(picked, "job")),
    )
    return frame, grid


def refresh_jobs(wiz) -> int:
    """Refresh: let queued jobs run (the façade's in-process worker) and report how many ran."""
    return len(wiz.ws.run_pending(wiz.now))


@dataclass(frozen=True)
class OpenedReport:
    """An opened report/snapshot job for display: title, status, kind, SHA-256 (snapshots) and the
    rendered reports on disk (format → path)."""

    title: str
    status: str
    kind: str
    sha256: str | None
    files: dict


def opened(job) -> OpenedReport:
    """The display record of an opened :class:`certlib.services.jobs.Job`."""
    result = job.result or {}
    return OpenedReport(job.title, job.status, job.kind, result.get("sha256"), dict(result.get("reports") or {}))


def opened_files(rep: OpenedReport) -> dict[str, bytes]:
    """Format → bytes of an opened report, read from the files the job rendered."""
    from pathlib import Path

    return {f: Path(p).read_bytes() for f, p in rep.files.items() if Path(p).exists()}


def compare_frame(result) -> pl.DataFrame:
    """District vs state comparison as a table (rows: tables; counts of missing / extra / changed)."""
    rows = [
        {
            "table": name,
            "missing in state": len(d.get("missing_in_state", [])),
            "only in state": len(d.get("extra_in_state", [])),
            "changed fields": len(d.get("changed", [])),
        }
        for name, d in sorted((result or {}).items())
    ]
    return pl.DataFrame(
        rows,
        schema={
            "table": pl.String,
            "missing in state": pl.Int64,
            "only in state": pl.Int64,
            "changed fields": pl.Int64,
        },
    )


def run_summary(run) -> pl.DataFrame:
    """The report summary (Dataset / Severity / # of Records) of a run as a table."""
    rows = [
        {"Dataset": s.dataset, "Severity": s.severity, "# of Records": s.records, "Errors": s.errors}
        for s in run.summary
    ]
    return pl.DataFrame(
        rows, schema={"Dataset": pl.String, "Severity": pl.String, "# of Records": pl.Int64, "Errors": pl.Int64}
    )


def report_bytes(run, fmt: str) -> bytes:
    from certlib.reports import render

    return render(run, fmt)


REPORT_MIME = {
    "html": "text/html",
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def snapshot_diff(wiz) -> pl.DataFrame:
    """The two latest snapshot versions of the unit compared: per table, records added, removed
    and changed (the façade's diff)."""
    store = wiz.ws.snapshot_store
    versions = store.versions(wiz.unit_id)
    if len(versions) < 2:
        return pl.DataFrame()
    a, b = versions[-2], versions[-1]
    d = store.diff(wiz.unit_id, a, b)
    return pl.DataFrame(
        [
            {
                "table": t,
                f"added in v{b}": len(x["added"]),
                f"removed since v{a}": len(x["removed"]),
                "changed": len(x["changed"]),
            }
            for t, x in d.items()
        ]
    )


def has_forward(step: int) -> bool:
    """Whether a wizard step shows a Next/Close button (step 4 submits instead)."""
    return step < 4


__all__ = [
    "JobKind",
    "STEP_JOB_KIND",
    "STEP_MARKS",
    "EventFilters",
    "MESSAGE_SCHEMA",
    "MY_EVENTS_COLUMNS",
    "OpenedReport",
    "Outcome",
    "REPORT_FORMATS",
    "REPORT_MIME",
    "UNIT_STATUSES",
    "USER_STATUSES",
    "attempt",
    "check_note",
    "compare_frame",
    "date_bounds",
    "filter_messages",
    "filter_my_events",
    "first_value",
    "has_forward",
    "jobs_frame",
    "results_grid",
    "messages_frame",
    "my_events_frame",
    "unread_count",
    "READ_WORDS",
    "REQUIRED_WORDS",
    "now_for",
    "opened",
    "opened_files",
    "page",
    "refresh_jobs",
    "report_bytes",
    "row_index",
    "run_summary",
    "snapshot_diff",
    "steps_frame",
    "submitted_note",
    "wizard_for",
]
