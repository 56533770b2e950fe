"""Analyst dashboard aggregations: from the workspace's unit / user / finding frames to the small
frames the charts in :mod:`certlib.charts` draw, the KPI values, and the filtered, paged events table.

Everything here is pure (polars in, polars out; ``today`` is passed in, never read from a clock),
so the notebook only wires widgets to these functions.

Input frames (what :func:`frames_from_workspace` returns):

``units`` — one row per unit of a published (or closed) event:
    ``event_id`` int, ``event`` str (name), ``school_year`` int, ``category`` str, ``level``
    ``"district"``/``"school"``, ``event_status`` str (publication status), ``due_date`` date,
    ``unit_id`` int, ``district_number`` str, ``district_name`` str, ``school_code`` str|null,
    ``school_name`` str|null, ``unit_status`` str (DESIGN §3.2), ``sent_at`` datetime|null (when it
    reached Sent to State in the current round), ``approved_at`` datetime|null.
``users`` — one row per (user, unit) membership: ``unit_id``, ``user_id``, ``user_name``, ``role``,
    ``user_status`` (DESIGN §3.3).
``findings`` — latest run per unit, one row per school × rule with findings: ``unit_id``,
    ``district_number``, ``school_code`` str|null, ``school_name`` str|null, ``rule_id``,
    ``severity``, ``count``.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field, fields

import polars as pl

from certlib.charts import Kpi, kpi_numbers
from certlib.config import settings

DONE = ["Certification Sent to State", "Certification Approved by State"]

UNIT_SCHEMA: dict[str, pl.DataType] = {
    "event_id": pl.Int64, "event": pl.String, "school_year": pl.Int64, "category": pl.String,
    "level": pl.String, "event_status": pl.String, "due_date": pl.Date, "unit_id": pl.Int64,
    "district_number": pl.String, "district_name": pl.String, "school_code": pl.String,
    "school_name": pl.String, "unit_status": pl.String, "sent_at": pl.Datetime("us"),
    "approved_at": pl.Datetime("us"),
}
USER_SCHEMA: dict[str, pl.DataType] = {
    "unit_id": pl.Int64, "user_id": pl.String, "user_name": pl.String, "role": pl.String,
    "user_status": pl.String,
}
FINDING_SCHEMA: dict[str, pl.DataType] = {
    "unit_id": pl.Int64, "district_number": pl.String, "school_code": pl.String, "school_name": pl.String,
    "rule_id": pl.String, "severity": pl.String, "count": pl.Int64,
}


def empty_units() -> pl.DataFrame:
    return pl.DataFrame(schema=UNIT_SCHEMA)


def empty_users() -> pl.DataFrame:
    return pl.DataFrame(schema=USER_SCHEMA)


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDING_SCHEMA)


def conform(frame: pl.DataFrame | None, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Give ``frame`` exactly ``schema``'s columns (missing ones null, types cast, extras kept last)."""
    if frame is None:
        return pl.DataFrame(schema=schema)
    cols = []
    for name, dtype in schema.items():
        if name in frame.columns:
            cols.append(pl.col(name).cast(dtype, strict=False))
        else:
            cols.append(pl.lit(None, dtype).alias(name))
    extra = [c for c in frame.columns if c not in schema]
    return frame.select(*cols, *extra)


# ---------------------------------------------------------------------------------------------
# Unit-level derived columns
# ---------------------------------------------------------------------------------------------


def with_overdue(units: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """Add ``overdue`` (bool), ``days_overdue`` (int, 0 when not overdue), ``key`` and ``label``.

    A unit is overdue when its due date has passed and it is neither sent to nor approved by the
    state. ``key``/``label`` are the school (school-level units) or the district (district-level).
    """
    past = pl.col("due_date") < pl.lit(today)
    overdue = past & ~pl.col("unit_status").is_in(DONE)
    return units.with_columns(
        overdue=overdue.fill_null(False),
        days_overdue=pl.when(overdue).then((pl.lit(today) - pl.col("due_date")).dt.total_days()).otherwise(0),
        key=pl.coalesce("school_code", "district_number"),
        label=pl.coalesce("school_name", "district_name", "district_number"),
    )


def kpis(units: pl.DataFrame, today: dt.date) -> list[Kpi]:
    """The dashboard KPI cards (published events, units, % certified, % approved, overdue units)."""
    return kpi_numbers(with_overdue(units, today))


# ---------------------------------------------------------------------------------------------
# Chart frames (aggregated: each is at most ``top`` labels)
# ---------------------------------------------------------------------------------------------


def _top_keys(frame: pl.DataFrame, score: pl.Expr, top: int) -> pl.DataFrame:
    return (
        frame.group_by("key")
        .agg(score.alias("_score"), pl.col("label").first())
        .sort(["_score", "label"], descending=[True, False])
        .head(top)
        .select("key")
    )


def unit_status_by_school(units: pl.DataFrame, today: dt.date, top: int = 25) -> pl.DataFrame:
    """Frame for :func:`certlib.charts.status_bars`: unit statuses per school/district.

    Keeps the ``top`` schools/districts with the most units not yet sent to the state (ties by
    name), so a statewide event stays a readable chart. Columns: key, label, status, count.
    """
    u = with_overdue(units, today)
    if u.height == 0:
        return pl.DataFrame(schema={"key": pl.String, "label": pl.String, "status": pl.String, "count": pl.Int64})
    keep = _top_keys(u, (~pl.col("unit_status").is_in(DONE)).sum() * 10_000 + pl.len(), top)
    return (
        u.join(keep, on="key")
        .group_by("key", "label", pl.col("unit_status").alias("status"))
        .agg(count=pl.len().cast(pl.Int64))
        .sort("label", "status")
    )


def user_status_by_school(units: pl.DataFrame, users: pl.DataFrame, today: dt.date, top: int = 25) -> pl.DataFrame:
    """Frame for :func:`certlib.charts.status_bars`: user statuses (certifiers and reviewers) per
    school/district, the ``top`` with the most incomplete users. Columns: key, label, status, count."""
    u = with_overdue(units, today).select("unit_id", "key", "label")
    j = users.join(u, on="unit_id")
    if j.height == 0:
        return pl.DataFrame(schema={"key": pl.String, "label": pl.String, "status": pl.String, "count": pl.Int64})
    incomplete = pl.col("user_status").is_in(["Certification Incomplete", "Incomplete - Overdue"]).sum()
    keep = _top_keys(j, incomplete * 10_000 + pl.len(), top)
    return (
        j.join(keep, on="key")
        .group_by("key", "label", pl.col("user_status").alias("status"))
        .agg(count=pl.len().cast(pl.Int64))
        .sort("label", "status")
    )


def overdue_events(units: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """Frame for :func:`certlib.charts.overdue_by_event`: event_id, event, days_overdue, overdue_units
    (only events with at least one overdue unit; most overdue first)."""
    u = with_overdue(units, today).filter(pl.col("overdue"))
    return (
        u.group_by("event_id", "event")
        .agg(days_overdue=pl.col("days_overdue").max().cast(pl.Int64), overdue_units=pl.len().cast(pl.Int64))
        .sort(["days_overdue", "overdue_units", "event"], descending=[True, True, False])
    )


def overdue_units(units: pl.DataFrame, today: dt.date, top: int = 20) -> pl.DataFrame:
    """Frame for :func:`certlib.charts.overdue_by_unit`: the ``top`` most overdue districts/schools
    (key, label, event, days_overdue; one row per key, its worst event)."""
    u = with_overdue(units, today).filter(pl.col("overdue"))
    return (
        u.sort(["days_overdue", "event"], descending=[True, False])
        .group_by("key", maintain_order=True)
        .agg(pl.col("label").first(), pl.col("event").first(), pl.col("days_overdue").first().cast(pl.Int64))
        .head(top)
    )


def progress(units: pl.DataFrame, event_id: int | None = None) -> tuple[pl.DataFrame, dt.date | None]:
    """Frame for :func:`certlib.charts.progress_chart` and the due date to mark.

    Cumulative share of units that reached Sent to State (``sent_at`` set, or approved) and
    Approved, per day. For all events the due date is the latest one.
    """
    u = units if event_id is None else units.filter(pl.col("event_id") == event_id)
    schema = {"date": pl.Date, "series": pl.String, "share": pl.Float64, "units": pl.Int64}
    if u.height == 0:
        return pl.DataFrame(schema=schema), None
    due = u["due_date"].max()
    total = u.height
    sent_at = pl.coalesce("sent_at", "approved_at").dt.date()
    parts = []
    for series, expr in (("Sent to State", sent_at), ("Approved", pl.col("approved_at").dt.date())):
        days = (
            u.select(date=expr).drop_nulls().group_by("date").agg(n=pl.len()).sort("date")
            .with_columns(units=pl.col("n").cum_sum().cast(pl.Int64))
            .select("date", pl.lit(series).alias("series"), (pl.col("units") / total).alias("share"), "units")
        )
        parts.append(days)
    out = pl.concat(parts).cast(schema)  # type: ignore[arg-type]
    return out.sort("series", "date"), due


def findings_matrix(findings: pl.DataFrame, top_schools: int = 30, top_rules: int = 20,
                    units: pl.DataFrame | None = None) -> pl.DataFrame:
    """Frame for :func:`certlib.charts.findings_heatmap`: key, label, rule_id, severity, count —
    the schools (or districts, for district-level rows) and rules with the most findings."""
    if findings.height == 0:
        return pl.DataFrame(schema={"key": pl.String, "label": pl.String, "rule_id": pl.String,
                                    "severity": pl.String, "count": pl.Int64})
    names = None
    if units is not None and units.height:
        names = units.select(pl.col("district_number").alias("_d"), pl.col("district_name").alias("_dn")).unique("_d")
    f = findings
    if names is not None:
        f = f.join(names, left_on="district_number", right_on="_d", how="left")
    else:
        f = f.with_columns(_dn=pl.lit(None, pl.String))
    f = f.with_columns(
        key=pl.coalesce("school_code", "district_number"),
        label=pl.coalesce("school_name", "school_code", "_dn", "district_number"),
    ).filter(pl.col("count") > 0)
    agg = f.group_by("key", "rule_id").agg(
        pl.col("label").first(), pl.col("severity").first(), count=pl.col("count").sum().cast(pl.Int64)
    )
    keep_s = agg.group_by("key").agg(n=pl.col("count").sum()).sort(["n", "key"], descending=[True, False]).head(top_schools)
    keep_r = agg.group_by("rule_id").agg(n=pl.col("count").sum()).sort(["n", "rule_id"], descending=[True, False]).head(top_rules)
    return (
        agg.join(keep_s.select("key"), on="key").join(keep_r.select("rule_id"), on="rule_id")
        .select("key", "label", "rule_id", "severity", "count")
        .sort("label", "rule_id")
    )


# ---------------------------------------------------------------------------------------------
# The events table, its filters and paging
# ---------------------------------------------------------------------------------------------


@dataclass
class EventFilters:
    """The help article's filters over the events table (all optional)."""

    event_name: str = ""
    school_name: str = ""
    user_statuses: list[str] = field(default_factory=list)
    event_statuses: list[str] = field(default_factory=list)
    due_after: dt.date | None = None
    due_before: dt.date | None = None
    year: int | None = None
    active_only: bool = False
    # from chart selections
    keys: list[str] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)

    def describe(self, neutral: EventFilters | None = None) -> str:
        """The active filters as a short text ("" when none), skipping values equal to ``neutral``'s."""
        parts = []
        for f in fields(self):
            v = getattr(self, f.name)
            if v in (None, "", [], False) or (neutral is not None and getattr(neutral, f.name) == v):
                continue
            if isinstance(v, list):
                v = ", ".join(str(x) for x in v)
            parts.append(f"{f.name.replace('_', ' ')}: {v}")
        return "; ".join(parts)

    @classmethod
    def from_values(cls, **values) -> EventFilters:
        """Build from widget values, dropping ``None``/empty ones and unknown names."""
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in values.items() if k in names and v not in (None, "")}
        for k in ("user_statuses", "event_statuses", "keys", "event_ids", "rule_ids"):
            if k in kw:
                kw[k] = list(kw[k])
        if "year" in kw:
            kw["year"] = int(kw["year"])
        return cls(**kw)


def events_table(units: pl.DataFrame, users: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """One row per unit for analysts: Event Name, School Name, District, Event Status, Due Date,
    certifiers complete (x of y), user statuses present, overdue days, plus the ids used to filter
    and drill down (unit_id, event_id, key, event_status, school_year)."""
    u = with_overdue(units, today)
    certifiers = users.filter(pl.col("role").str.to_lowercase().str.contains("certifier"))
    per_unit = certifiers.group_by("unit_id").agg(
        certified=(pl.col("user_status") == "Certification Complete").sum().cast(pl.Int64),
        certifiers=pl.len().cast(pl.Int64),
    )
    statuses = users.group_by("unit_id").agg(user_statuses=pl.col("user_status").unique().sort())
    out = (
        u.join(per_unit, on="unit_id", how="left")
        .join(statuses, on="unit_id", how="left")
        .with_columns(pl.col("certified", "certifiers").fill_null(0),
                      pl.col("user_statuses").fill_null(pl.lit([], pl.List(pl.String))))
    )
    return out.select(
        pl.col("event").alias("Event Name"),
        pl.col("school_name").fill_null("").alias("School Name"),
        pl.col("district_name").alias("District"),
        pl.col("unit_status").alias("Event Status"),
        pl.col("due_date").alias("Due Date"),
        pl.format("{} of {}", "certified", "certifiers").alias("Certifiers Complete"),
        pl.col("user_statuses").list.join(", ").alias("User Statuses"),
        pl.col("days_overdue").alias("Days Overdue"),
        "unit_id", "event_id", "key", "event_status", "school_year", "user_statuses",
    ).sort("Event Name", "District", "School Name")


def filter_events(table: pl.DataFrame, f: EventFilters, findings: pl.DataFrame | None = None) -> pl.DataFrame:
    """Apply the filters to :func:`events_table`'s frame (case-insensitive "contains" for names).

    ``rule_ids`` keeps the units whose latest findings include one of those rules (needs
    ``findings``); ``keys`` keeps schools/districts; ``event_ids`` keeps events.
    """
    out = table
    if f.event_name:
        out = out.filter(pl.col("Event Name").str.to_lowercase().str.contains(f.event_name.lower(), literal=True))
    if f.school_name:
        needle = f.school_name.lower()
        out = out.filter(
            pl.col("School Name").str.to_lowercase().str.contains(needle, literal=True)
            | pl.col("District").str.to_lowercase().str.contains(needle, literal=True)
        )
    if f.user_statuses:
        out = out.filter(pl.col("user_statuses").list.eval(pl.element().is_in(f.user_statuses)).list.any())
    if f.event_statuses:
        out = out.filter(pl.col("Event Status").is_in(f.event_statuses))
    if f.due_after:
        out = out.filter(pl.col("Due Date") >= f.due_after)
    if f.due_before:
        out = out.filter(pl.col("Due Date") <= f.due_before)
    if f.year:
        out = out.filter(pl.col("school_year") == f.year)
    if f.active_only:
        out = out.filter(pl.col("event_status") != "Closed")
    if f.keys:
        out = out.filter(pl.col("key").is_in(f.keys))
    if f.event_ids:
        out = out.filter(pl.col("event_id").is_in(f.event_ids))
    if f.rule_ids and findings is not None:
        hit = findings.filter(pl.col("rule_id").is_in(f.rule_ids)).select("unit_id").unique()
        out = out.join(hit, on="unit_id", how="semi")
    return out


def selection_filter(selected: pl.DataFrame | None, status_as: str | None = None) -> dict[str, list]:
    """Turn the selected rows of a chart frame (``mo.ui.altair_chart(...).value``) into filter
    values: ``keys`` (schools/districts), ``event_ids``, ``rule_ids`` and — when ``status_as`` is
    ``"event_statuses"`` or ``"user_statuses"`` — the selected ``status`` values under that name.
    Empty when nothing is selected."""
    if selected is None or not isinstance(selected, pl.DataFrame) or selected.height == 0:
        return {}
    out: dict[str, list] = {}
    if "key" in selected.columns:
        out["keys"] = sorted({k for k in selected["key"].to_list() if k is not None})
    if "event_id" in selected.columns:
        out["event_ids"] = sorted({int(k) for k in selected["event_id"].to_list() if k is not None})
    if "rule_id" in selected.columns:
        out["rule_ids"] = sorted({k for k in selected["rule_id"].to_list() if k is not None})
    if status_as and "status" in selected.columns:
        out[status_as] = sorted({k for k in selected["status"].to_list() if k is not None})
    return out


def merge_selections(*selections: dict) -> dict:
    """Merge filter dicts (form values and :func:`selection_filter` results): list values given by
    more than one source are intersected; scalars from later sources win when not empty."""
    out: dict = {}
    for sel in selections:
        for k, v in (sel or {}).items():
            if isinstance(v, (list, tuple, set, frozenset)):
                v = list(v)
                if not v:
                    continue
                out[k] = sorted(set(out[k]) & set(v)) if k in out else v
            elif v not in (None, "") and v is not False:
                out[k] = v
    return out


def build_filters(form: dict | None, *selections: dict) -> EventFilters:
    """The table's filters from the filter form's values plus the charts' selections."""
    return EventFilters.from_values(**merge_selections(form or {}, *selections))


DISPLAY_COLUMNS = ["Event Name", "School Name", "District", "Event Status", "Due Date",
                   "Certifiers Complete", "User Statuses", "Days Overdue"]


@dataclass(frozen=True)
class Page:
    """One page of a table: its rows, the page number (1-based), page count and the caption
    ("1 - 25 of 800 items", as the help article's grid says)."""

    rows: pl.DataFrame
    number: int
    pages: int
    total: int
    caption: str


def page(frame: pl.DataFrame, number: int = 1, size: int = 25) -> Page:
    """Slice ``frame`` to page ``number`` (clamped into range) of ``size`` rows."""
    total = frame.height
    pages = max((total + size - 1) // size, 1)
    number = min(max(int(number), 1), pages)
    start = (number - 1) * size
    rows = frame.slice(start, size)
    caption = f"{start + 1 if total else 0} - {start + rows.height} of {total:,} items"
    return Page(rows, number, pages, total, caption)


def for_display(table: pl.DataFrame) -> pl.DataFrame:
    """The user-facing columns of the events table (ids kept at the end for drill-down)."""
    return table.select(*[c for c in DISPLAY_COLUMNS if c in table.columns], "unit_id")


def to_csv_bytes(frame: pl.DataFrame) -> bytes:
    """CSV bytes for ``mo.download`` (list columns joined with ", ")."""
    return _flat(frame).write_csv().encode()


def to_xlsx_bytes(frame: pl.DataFrame, sheet: str = "events") -> bytes:
    """XLSX bytes for ``mo.download``."""
    buf = io.BytesIO()
    _flat(frame).write_excel(buf, worksheet=sheet[:31])
    return buf.getvalue()


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    lists = [c for c, t in frame.schema.items() if isinstance(t, pl.List)]
    return frame.with_columns(pl.col(c).cast(pl.List(pl.String)).list.join(", ") for c in lists)


# ---------------------------------------------------------------------------------------------
# Adapter from the workspace façade
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardFrames:
    units: pl.DataFrame
    users: pl.DataFrame
    findings: pl.DataFrame


def frames_from_workspace(ws, today: dt.date | None, viewer) -> DashboardFrames:
    """The three input frames from the workspace façade (``ws.dashboard_frames``) for ``viewer`` (only
    the units inside their data scope), conformed to this module's schemas."""
    raw = ws.dashboard_frames(today, viewer)
    return DashboardFrames(
        units=conform(raw.get("units"), UNIT_SCHEMA),
        users=conform(raw.get("users"), USER_SCHEMA),
        findings=conform(raw.get("findings"), FINDING_SCHEMA),
    )



def today_for(ws) -> dt.date:
    """The workspace's "today" (the demo scenario pins the clock)."""
    return now_for(ws).date()


def event_options(units: pl.DataFrame) -> dict[str, int | None]:
    """Dropdown options: "All events" plus one entry per event ("name (year)") → event id."""
    ev = units.select("event_id", "event", "school_year").unique().sort("event", "event_id")
    opts: dict[str, int | None] = {"All events": None}
    for row in ev.iter_rows(named=True):
        opts[f"{row['event']} · {row['school_year']} · #{row['event_id']}"] = row["event_id"]
    return opts


def for_event(frames: DashboardFrames, event_id: int | None) -> DashboardFrames:
    """The frames narrowed to one event (or all when None)."""
    if event_id is None:
        return frames
    units = frames.units.filter(pl.col("event_id") == event_id)
    ids = units.select("unit_id")
    return DashboardFrames(units, frames.users.join(ids, on="unit_id", how="semi"),
                           frames.findings.join(ids, on="unit_id", how="semi"))


def latest_report_html(ws, unit_id: int, viewer) -> str | None:
    """HTML of the latest report of a unit (state validation or snapshot), or None when the unit
    has no report yet; refused for a unit outside ``viewer``'s data scope (``ws.latest_report``)."""
    rep = ws.latest_report(unit_id, viewer)
    return None if rep is None else rep.html


USER_STATUSES = ["Certification Incomplete", "Incomplete - Overdue", "Certification Complete",
                 "Recertification Request Pending", "Open", "Closed", "N/A"]  # the domain's UserStatus words
UNIT_STATUSES = ["In Progress", "Certification Sent to State", "Certification Approved by State",
                 "Recertification Request Sent", "Recertification In Progress"]


def due_range(units: pl.DataFrame) -> tuple[dt.date, dt.date]:
    """(earliest, latest) due date: the neutral values of the "Due Date After/Before" pickers."""
    dues = units["due_date"].drop_nulls() if "due_date" in units.columns else pl.Series([], dtype=pl.Date)
    if dues.len() == 0:
        today = settings().clock().date()
        return today, today
    return dues.min(), dues.max()  # type: ignore[return-value]


def neutral_filters(units: pl.DataFrame) -> EventFilters:
    """The filters as the form starts (due range = all due dates): used to describe only what changed."""
    first, last = due_range(units)
    return EventFilters(due_after=first, due_before=last)


# ---------------------------------------------------------------------------------------------
# Helpers the action-taking apps (state console, certify) share: clock, outcomes, checks, the
# state's event report. Still no decisions here: allowed/why-not always comes from the store.
# ---------------------------------------------------------------------------------------------


def now_for(ws) -> dt.datetime:
    """The workspace's "now" (``CERTLIB_NOW`` pins it in demos and tests; see :mod:`certlib.config`)."""
    return ws.now().replace(microsecond=0)


def store_of(ws):
    """The workflow store behind a workspace (``ws.store``), or ``ws`` itself when it is a store."""
    return getattr(ws, "store", ws)


@dataclass(frozen=True)
class Outcome:
    """The result of one attempted action, for the notebook to show: ok, the value, the message."""

    ok: bool
    message: str
    value: object = None

    def callout_kind(self) -> str:
        return "success" if self.ok else "danger"


def attempt(label: str, fn, *args, **kwargs) -> Outcome:
    """Run ``fn`` and turn a certlib refusal/error into an :class:`Outcome` with its message
    (the message names the action, the actor, the status and the missing right)."""
    from certlib.errors import CertlibError

    try:
        value = fn(*args, **kwargs)
    except CertlibError as err:
        return Outcome(False, f"{label}: {err}")
    return Outcome(True, f"{label}: done", value)


def checks_by_action(checks) -> dict[str, object]:
    """``{action: ActionCheck}`` from a list of :class:`certlib.domain.guards.ActionCheck`."""
    return {c.action: c for c in checks}


def check_note(check) -> str:
    """Text under a button: empty when allowed, else why not."""
    if check is None:
        return "not available here"
    return "" if check.allowed else (check.reason or "not allowed")


def submitted_note(submission) -> str:
    """The certify app's banner once the user has submitted in this round (their steps are frozen)."""
    sha = submission.snapshot_sha256 or ""
    return (f"**You submitted this certification on {submission.at[:16].replace('T', ' ')}** (round {submission.round}, "
            f"snapshot `{sha[:12]}…`). Your steps are frozen as submitted; the state approves it or sends it "
            "back for recertification.")


def submission_alerts(rows: list[dict]) -> list[tuple[str, str]]:
    """(markdown, callout kind) for the state console over ``Workspace.submission_evidence`` rows:
    a pinned snapshot whose files changed, and a round whose submissions pin different snapshots."""
    out = []
    changed = [r["certifier"] for r in rows if not r["files_verified"]]
    if changed:
        out.append((f"**Pinned snapshot changed on disk** for {', '.join(changed)}: its files no longer match the "
                    "SHA-256 that was certified.", "danger"))
    pins = {r["sha256"] for r in rows}
    if len(pins) > 1:
        out.append((f"The submissions of this round pin **{len(pins)} different snapshots**: the state data changed "
                    "between them (compare the versions before approving).", "warn"))
    return out


def views_frame(views) -> pl.DataFrame:
    """A frame of :class:`certlib.store.views.UnitView` / ``EventView`` objects via their ``as_dict``
    (list and dict values become text)."""
    rows = []
    for v in views:
        d = v.as_dict() if hasattr(v, "as_dict") else dict(v)
        rows.append({k: (", ".join(map(str, x)) if isinstance(x, (list, tuple)) else
                         ("; ".join(f"{a}: {b}" for a, b in x.items()) if isinstance(x, dict) else x))
                     for k, x in d.items() if k != "allowed"})
    return pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()


def event_report(units: pl.DataFrame, users: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """The state's event report: one row per district/school with its event status, how many
    certifiers completed, whether it was sent / approved, and days overdue."""
    t = events_table(units, users, today)
    return t.select(
        "Event Name", "District", "School Name", "Event Status", "Due Date", "Certifiers Complete",
        pl.col("Event Status").is_in(DONE).alias("Certified"),
        (pl.col("Event Status") == "Certification Approved by State").alias("Approved"),
        (pl.col("Days Overdue") > 0).alias("Overdue"),
        "Days Overdue",
    )


def report_html(frame: pl.DataFrame, title: str, subtitle: str = "") -> str:
    """A small self-contained HTML page for a report frame (used for the event report)."""
    import html as _h

    head = "".join(f"<th>{_h.escape(c)}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_h.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in _flat(frame).iter_rows()
    )
    style = ("body{font-family:sans-serif}table{border-collapse:collapse;font-size:13px}"
             "td,th{border:1px solid #ccc;padding:3px 6px}th{background:#eef}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{_h.escape(title)}</title>"
            f"<style>{style}</style></head><body><h2>{_h.escape(title)}</h2><p>{_h.escape(subtitle)}</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>")


def group_names(ws=None) -> list[str]:
    """Validation group names for the event form: the workspace's pack (``ws.pack``) or the default
    pack's ``rules/pack.toml``."""
    pack = getattr(ws, "pack", None) if ws is not None else None
    if pack is not None and getattr(pack, "groups", None):
        return list(pack.groups)
    import tomllib
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "rules" / "pack.toml"
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [g["name"] for g in data.get("groups", [])]


def members_frame(users, memberships) -> pl.DataFrame:
    """Category members for the state console: category, user, name, level, role, primary, schools."""
    by_id = {u.id: u for u in users}
    rows = []
    for m in memberships:
        u = by_id.get(m.user_id)
        rows.append({"category": m.category_id, "user": m.user_id, "name": u.name if u else "",
                     "level": u.level if u else "", "district": (u.district_number or "") if u else "",
                     "role": m.role, "primary": m.primary, "schools": ", ".join(m.schools)})
    return pl.DataFrame(rows) if rows else pl.DataFrame(schema={"category": pl.String, "user": pl.String})


def row_index(frame: pl.DataFrame, column: str, value) -> list[int] | None:
    """``[i]`` where ``frame[column] == value`` (for ``mo.ui.table(initial_selection=...)``), else None."""
    if value is None or column not in frame.columns:
        return None
    hits = frame.with_row_index("_i").filter(pl.col(column) == value)["_i"].to_list()
    return [int(hits[0])] if hits else None


def first_value(picked, column: str):
    """The ``column`` value of the first selected row of a ``mo.ui.table`` value, or None."""
    if picked is None or len(picked) == 0:
        return None
    if isinstance(picked, pl.DataFrame):
        return picked[column][0] if column in picked.columns else None
    row = picked[0]
    return row.get(column) if isinstance(row, dict) else None


# ---------------------------------------------------------------------------------------------
# Rule lab adapters: the smallest glue between the rule-lab notebook and certlib.rules /
# certlib.engine (compile, transpile, run, fixtures, save). No SQL handling of our own.
# ---------------------------------------------------------------------------------------------

NEW_RULE_TEMPLATE = """-- id: NEW-001
-- title: My new rule
-- severity: warning
-- group: Enrollment
-- description: What is wrong with the rows this rule returns.
-- resolution: How a district fixes them.
SELECT e.enrollment_id, e.district_number, e.school_code, e.grade
FROM enrollments AS e
WHERE e.grade NOT IN ('00', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '11', '12')
"""

#: sqlglot dialects offered by the rule lab (source and transpile target).
LAB_DIALECTS = ["postgres", "tsql", "mysql", "oracle", "duckdb", "snowflake", "bigquery", "spark",
                "databricks", "sqlite", "redshift", "trino"]


def pack_dir(env=None) -> str:
    """The rule pack directory: ``CERTLIB_RULES`` or the pack installed with certlib."""
    return str(settings(env).rules)


def lab_pack(ws=None):
    """The pack the rule lab works on: the workspace's (``ws.pack``) or :func:`pack_dir`'s."""
    pack = getattr(ws, "pack", None) if ws is not None else None
    if pack is not None:
        return pack
    from certlib.rules import load_pack

    return load_pack(pack_dir())


def rule_options(pack) -> dict[str, str | None]:
    """Rule picker options: "New rule" then "ID · title (severity)" → rule id."""
    opts: dict[str, str | None] = {"➕ New rule": None}
    for r in pack.rules.values():
        opts[f"{r.id} · {r.title} ({r.severity}{'' if r.status == 'active' else ', inactive'})"] = r.id
    return opts


def rule_text(pack, rule_id: str | None) -> str:
    """The full rule file (header + SQL) of ``rule_id``, or the new-rule template."""
    if rule_id is None:
        return NEW_RULE_TEMPLATE
    rule = pack.rules[rule_id]
    if rule.path is not None:
        from pathlib import Path

        return Path(rule.path).read_text(encoding="utf-8")
    return rule.sql


@dataclass(frozen=True)
class LabCompile:
    """What the rule lab shows after compiling the editor's text."""

    rule: object | None  # certlib.rules.model.Rule
    compiled: object | None  # CompiledRule
    diagnostics: tuple  # certlib.rules.model.Diagnostic records
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.compiled is not None and not any(getattr(d, "level", "") == "error" for d in self.diagnostics)


def _parse_rule_text(text: str, pack, dialect: str | None):
    """A Rule from a rule file's text, through the rule loader's header parser."""
    from dataclasses import replace as _replace

    from certlib.rules.header import parse_rule_text

    rule = parse_rule_text(text, None)
    if dialect:
        rule = _replace(rule, dialect=dialect)
    return rule


def lab_compile(text: str, pack, dialect: str | None = None, params: dict | None = None) -> LabCompile:
    """Parse and compile the editor's rule text for polars; every problem becomes a diagnostic."""
    from certlib.errors import CertlibError, RuleError
    from certlib.rules import compile_rule

    try:
        rule = _parse_rule_text(text, pack, dialect)
    except RuleError as err:
        return LabCompile(None, None, tuple(err.diagnostics), str(err))
    except CertlibError as err:
        return LabCompile(None, None, (), str(err))
    try:
        compiled = compile_rule(rule, pack, target="polars", params=dict(params or {}))
    except RuleError as err:
        return LabCompile(rule, None, tuple(err.diagnostics), str(err))
    return LabCompile(rule, compiled, tuple(compiled.diagnostics), "")


def diagnostics_frame(diags) -> pl.DataFrame:
    """Diagnostics as a table: line, col, level, code, message, hint."""
    rows = [{"line": d.line, "col": d.col, "level": d.level, "code": d.code, "message": d.message,
             "hint": d.hint or ""} for d in diags]
    schema = {"line": pl.Int64, "col": pl.Int64, "level": pl.String, "code": pl.String, "message": pl.String,
              "hint": pl.String}
    return pl.DataFrame(rows, schema=schema)


def lab_transpile(rule, pack, target: str, params: dict | None = None) -> tuple[str, str]:
    """(SQL in ``target`` dialect, problem text or "")."""
    from certlib.errors import RuleError
    from certlib.rules import compile_rule

    try:
        c = compile_rule(rule, pack, target=target, params=dict(params or {}))
    except RuleError as err:
        return "", str(err)
    return c.sql, ""


def lineage_frame(compiled) -> pl.DataFrame:
    """The compiled rule's lineage (table → columns read) as a table."""
    rows = [{"table": t, "columns": ", ".join(cols)} for t, cols in sorted((compiled.lineage or {}).items())]
    return pl.DataFrame(rows, schema={"table": pl.String, "columns": pl.String})


def data_sources(ws, user) -> dict[str, str]:
    """Data directories ``user`` may run the lab on, label → path (:func:`certlib.services.lab.lab_sources`)."""
    from certlib.services.lab import lab_sources

    return lab_sources(ws, user)


def lab_start(ws, user, compiled, pack, data_dir: str, scope: dict | None = None):
    """Start one compiled rule for ``user`` on a data directory in a worker process, every table cut to
    their data scope and then to ``scope`` (the lab's optional narrowing); returns the running
    :class:`certlib.services.lab.LabQuery` (``poll()``, ``stop()``) at once."""
    from certlib.services.lab import start_rule

    return start_rule(ws, user, compiled, pack, data_dir, scope)


def lab_fixtures(pack, rule) -> pl.DataFrame:
    """Run the fixture cases of ``rule`` (by id, with the editor's version of the rule): case name,
    passed, got keys, expected keys, error."""
    from dataclasses import replace as _replace

    from certlib.errors import CertlibError
    from certlib.rules.fixtures import collect_cases, run_case

    trial = _replace(pack, rules={**pack.rules, rule.id: rule})
    rows = []
    for case in (c for c in collect_cases(pack) if c.rule_id == rule.id):
        try:
            ok, got, expected = run_case(case, trial)
            rows.append({"case": case.name, "passed": ok, "got": str(got), "expected": str(expected), "error": ""})
        except CertlibError as err:
            rows.append({"case": case.name, "passed": False, "got": "", "expected": str(case.expect),
                         "error": str(err)})
    return pl.DataFrame(rows, schema={"case": pl.String, "passed": pl.Boolean, "got": pl.String,
                                      "expected": pl.String, "error": pl.String})


def save_rule(text: str, pack, rule, app_mode: str | None) -> str:
    """Write the rule file into the pack directory (``<pack>/<ID>.sql`` or its existing path).

    Refused (``Refused``/``ReadOnlyError``) unless the notebook runs in marimo edit mode and the
    deployment is writable.
    """
    from pathlib import Path

    from certlib.errors import ReadOnlyError, Refused
    from certlib.identity import can_save_rules, read_only

    if read_only():
        raise ReadOnlyError("save rule")
    ok, why = can_save_rules(app_mode)
    if not ok:
        raise Refused("save rule", "rule lab", None, why)
    existing = pack.rules.get(rule.id)
    path = Path(existing.path) if existing is not None and existing.path else Path(pack.root) / f"{rule.id}.sql"
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------------------------------------
# Certify app: Message Center and "my events" tables
# ---------------------------------------------------------------------------------------------


def facade(ws, name: str):
    """``ws.<name>`` from the workspace façade, else the same method of its store."""
    fn = getattr(ws, name, None)
    return fn if fn is not None else getattr(store_of(ws), name)


MESSAGE_SCHEMA = {"id": pl.Int64, "Required": pl.String, "Process": pl.String, "Name": pl.String,
                  "Posted Date": pl.String, "Due Date": pl.String, "Read": pl.Boolean, "unit_id": pl.Int64}


def messages_frame(alerts) -> pl.DataFrame:
    """Message Center process alerts as the help article's grid: Required (!), Process, Name,
    Posted Date, Due Date, Read — newest first."""
    rows = [{"id": a.id, "Required": "!" if a.required else "", "Process": a.process, "Name": a.text,
             "Posted Date": str(a.posted_at)[:10], "Due Date": a.due_date.isoformat() if a.due_date else "",
             "Read": bool(a.read), "unit_id": a.unit_id} for a in alerts]
    return pl.DataFrame(rows, schema=MESSAGE_SCHEMA).sort("Posted Date", "id", descending=True)


def filter_messages(frame: pl.DataFrame, name: str = "", process: str | None = None,
                    start: dt.date | None = None, end: dt.date | None = None) -> pl.DataFrame:
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
        d = v.as_dict() if hasattr(v, "as_dict") else dict(v)
        rows.append({
            "Event Name": d["event_name"], "School Name": names.get(d.get("school") or "", d.get("school") or ""),
            "User Status": d["user_status"], "Event Status": d["event_status"],
            "Due Date": dt.date.fromisoformat(d["due_date"]) if isinstance(d["due_date"], str) else d["due_date"],
            "Actions": " · ".join(d.get("buttons") or []),
            "unit_id": d["unit_id"], "event_id": d["event_id"], "district": d.get("district", ""),
            "role": d.get("role", ""), "year": getattr(getattr(v, "event", None), "reporting_year", None),
            "event_closed": str(getattr(getattr(v, "event", None), "status", "")) == "Closed",
        })
    schema = {"Event Name": pl.String, "School Name": pl.String, "User Status": pl.String, "Event Status": pl.String,
              "Due Date": pl.Date, "Actions": pl.String, "unit_id": pl.Int64, "event_id": pl.Int64,
              "district": pl.String, "role": pl.String, "year": pl.Int64, "event_closed": pl.Boolean}
    return pl.DataFrame(rows, schema=schema).sort("Event Name", "School Name")


def filter_my_events(frame: pl.DataFrame, f: EventFilters) -> pl.DataFrame:
    """The help article's filters over :func:`my_events_frame` (user status = this user's)."""
    out = frame
    if f.event_name:
        out = out.filter(pl.col("Event Name").str.to_lowercase().str.contains(f.event_name.lower(), literal=True))
    if f.school_name:
        out = out.filter(pl.col("School Name").str.to_lowercase().str.contains(f.school_name.lower(), literal=True))
    if f.user_statuses:
        out = out.filter(pl.col("User Status").is_in(f.user_statuses))
    if f.event_statuses:
        out = out.filter(pl.col("Event Status").is_in(f.event_statuses))
    if f.due_after:
        out = out.filter(pl.col("Due Date") >= f.due_after)
    if f.due_before:
        out = out.filter(pl.col("Due Date") <= f.due_before)
    if f.year:
        out = out.filter(pl.col("year") == f.year)
    if f.active_only:
        out = out.filter(~pl.col("event_closed"))
    return out


def date_bounds(dates: pl.Series) -> tuple[dt.date, dt.date]:
    """(min, max) of a date series — the neutral values of a pair of date filters; today when empty."""
    d = dates.drop_nulls()
    if d.len() == 0:
        today = settings().clock().date()
        return today, today
    return d.min(), d.max()  # type: ignore[return-value]


def first_line(text: str | None) -> str:
    """The first line of a (possibly multi-line) message, '' for None."""
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


# ---------------------------------------------------------------------------------------------
# Wizard: tables and helpers over the workspace's wizard (``ws.wizard(user, unit)``, certlib.services).
# ---------------------------------------------------------------------------------------------

REPORT_FORMATS = ["html", "csv", "xlsx", "json"]


def wizard_for(ws, user_id: str, unit_id: int, now: dt.datetime):
    """The workspace's wizard for (user, unit)."""
    return ws.wizard(user_id, unit_id, now)


_KINDS = {"state validation": "state_validation", "snapshot": "snapshot"}


def steps_frame(wiz, with_submit: bool = False) -> pl.DataFrame:
    """The wizard's steps as a table: step, Validation Type, Status, Note (why not COMPLETED)."""
    steps = wiz.steps()
    if isinstance(steps, pl.DataFrame):
        return steps
    rows = [{"step": st.step, "Validation Type": st.name, "Status": st.status, "Note": st.reason}
            for st in steps if with_submit or st.step < 4]
    return pl.DataFrame(rows)


def _jobs(wiz, kind: str) -> list:
    return [j for j in wiz.ws.jobs(wiz.unit_id, kind=_KINDS[kind]) if j.round == wiz.round]


def jobs_frame(wiz, kind: str) -> pl.DataFrame:
    """Report/Snapshot Results: job, Report Title, Queued Time, Status (newest first)."""
    rows = []
    for j in _jobs(wiz, kind):
        queued = dt.datetime.fromisoformat(j.queued_at)
        rows.append({"job": j.id, "Report Title": j.title, "Queued Time": queued.strftime("%m/%d/%Y %I:%M:%S %p"),
                     "Status": j.status + (f": {j.error}" if j.error else "")})
    return pl.DataFrame(rows, schema={"job": pl.Int64, "Report Title": pl.String, "Queued Time": pl.String,
                                      "Status": pl.String})


def refresh_jobs(wiz) -> int:
    """Refresh: let queued jobs run (the façade's in-process worker) and report how many ran."""
    return len(wiz.ws.run_pending(wiz.now))


@dataclass(frozen=True)
class OpenedReport:
    """An opened report/snapshot for display: title, status, kind, SHA-256, the run (when in
    memory) and the rendered reports on disk (format → path)."""

    title: str
    status: str
    kind: str
    sha256: str | None
    run: object
    files: dict


def opened(job) -> OpenedReport:
    result = getattr(job, "result", None) or {}
    kind = _KINDS.get(job.kind, job.kind)
    return OpenedReport(job.title, job.status, kind, getattr(job, "sha256", None) or result.get("sha256"),
                        getattr(job, "run", None), dict(result.get("reports") or {}))


def opened_files(rep: OpenedReport) -> dict[str, bytes]:
    """Format → bytes of an opened report: rendered from the run in memory, else read from disk."""
    if rep.run is not None:
        return {f: report_bytes(rep.run, f) for f in REPORT_FORMATS}
    from pathlib import Path

    return {f: Path(p).read_bytes() for f, p in rep.files.items() if Path(p).exists()}


def compare_frame(result) -> pl.DataFrame:
    """District vs state comparison as a table (rows: tables; counts of missing / extra / changed)."""
    if isinstance(result, pl.DataFrame):
        return result
    rows = [{"table": name, "missing in state": len(d.get("missing_in_state", [])),
             "only in state": len(d.get("extra_in_state", [])), "changed fields": len(d.get("changed", []))}
            for name, d in sorted((result or {}).items())]
    return pl.DataFrame(rows, schema={"table": pl.String, "missing in state": pl.Int64, "only in state": pl.Int64,
                                      "changed fields": pl.Int64})


def run_summary(run) -> pl.DataFrame:
    """The report summary (Dataset / Severity / # of Records) of a run as a table."""
    rows = [{"Dataset": s.dataset, "Severity": s.severity, "# of Records": s.records, "Errors": s.errors}
            for s in run.summary]
    return pl.DataFrame(rows, schema={"Dataset": pl.String, "Severity": pl.String, "# of Records": pl.Int64,
                                      "Errors": pl.Int64})


def report_bytes(run, fmt: str) -> bytes:
    from certlib.reports import render

    return render(run, fmt)


REPORT_MIME = {"html": "text/html", "csv": "text/csv", "json": "application/json",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def snapshot_diff(wiz) -> pl.DataFrame:
    """The two latest snapshot versions of the unit compared: per table, records added, removed
    and changed (the façade's diff)."""
    store = wiz.ws.snapshot_store
    versions = store.versions(wiz.unit_id)
    if len(versions) < 2:
        return pl.DataFrame()
    a, b = versions[-2], versions[-1]
    d = store.diff(wiz.unit_id, a, b)
    return pl.DataFrame([{"table": t, f"added in v{b}": len(x["added"]), f"removed since v{a}": len(x["removed"]),
                          "changed": len(x["changed"])} for t, x in d.items()])


def has_marks(chart_element) -> bool:
    """Whether a (``mo.ui.altair_chart``-wrapped) chart has any data row to draw."""
    data = getattr(chart_element, "dataframe", None)
    if data is None:
        data = getattr(getattr(chart_element, "_chart", chart_element), "data", None)
    return isinstance(data, pl.DataFrame) and data.height > 0


def has_forward(step: int) -> bool:
    """Whether a wizard step shows a Next/Close button (step 4 submits instead)."""
    return step < 4
