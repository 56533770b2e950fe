"""The analyst dashboard: from the workspace's unit / user / finding frames to the small frames the
charts in :mod:`certlib.apps.charts` draw, the KPI values, and the filtered, paged events table.

The frame functions are pure (polars in, polars out; ``today`` is passed in). Two functions read the
workspace: :func:`frames_from_workspace` (only the units inside the viewer's data scope, see
:func:`certlib.domain.scope.data_scope`) and :func:`latest_report_html` (refused outside it).

Input frames (what :func:`frames_from_workspace` returns):

``units`` — one row per unit of a published (or closed) event:
    ``event_id`` int, ``event`` str (name), ``school_year`` int, ``category`` str, ``level``
    ``"district"``/``"school"``, ``event_status`` str (publication status), ``due_date`` date,
    ``unit_id`` int, ``district_number`` str, ``district_name`` str, ``school_code`` str|null,
    ``school_name`` str|null, ``unit_status`` str, ``sent_at`` datetime|null (when it reached Sent to
    State in the current round), ``approved_at`` datetime|null.
``users`` — one row per (user, unit) membership: ``unit_id``, ``user_id``, ``user_name``, ``role``,
    ``user_status``.
``findings`` — latest run per unit, one row per school × rule with findings: ``unit_id``,
    ``district_number``, ``school_code`` str|null, ``school_name`` str|null, ``rule_id``,
    ``severity``, ``count``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from certlib.apps.charts import Kpi, kpi_numbers
from certlib.apps.common import (
    DONE,
    UNIT_STATUSES,
    USER_STATUSES,
    EventFilters,
    conform,
    has_marks,
    page,
    plural,
    to_csv_bytes,
    to_xlsx_bytes,
    today_for,
)
from certlib.config import settings
from certlib.domain.statuses import EventStatus, UnitStatus, UserStatus
from certlib.services.events import EventColumns, filter_frame
from certlib.services.frames import FINDINGS, UNITS, USERS

# the frame schemas are the services' (one definition each)
UNIT_SCHEMA, USER_SCHEMA, FINDING_SCHEMA = UNITS, USERS, FINDINGS


def empty_units() -> pl.DataFrame:
    return pl.DataFrame(schema=UNIT_SCHEMA)


def empty_users() -> pl.DataFrame:
    return pl.DataFrame(schema=USER_SCHEMA)


def empty_findings() -> pl.DataFrame:
    return pl.DataFrame(schema=FINDING_SCHEMA)


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


def _top_keys(frame: pl.DataFrame, score: pl.Expr, top: int) -> pl.DataFrame:
    return (
        frame.group_by("key")
        .agg(score.alias("_score"), pl.col("label").first())
        .sort(["_score", "label"], descending=[True, False])
        .head(top)
        .select("key")
    )


def unit_status_by_school(units: pl.DataFrame, today: dt.date, top: int = 25) -> pl.DataFrame:
    """Frame for :func:`certlib.apps.charts.status_bars`: unit statuses per school/district.

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
    """Frame for :func:`certlib.apps.charts.status_bars`: user statuses (certifiers and reviewers) per
    school/district, the ``top`` with the most incomplete users. Columns: key, label, status, count."""
    u = with_overdue(units, today).select("unit_id", "key", "label")
    j = users.join(u, on="unit_id")
    if j.height == 0:
        return pl.DataFrame(schema={"key": pl.String, "label": pl.String, "status": pl.String, "count": pl.Int64})
    incomplete = pl.col("user_status").is_in([UserStatus.INCOMPLETE.value, UserStatus.OVERDUE.value]).sum()
    keep = _top_keys(j, incomplete * 10_000 + pl.len(), top)
    return (
        j.join(keep, on="key")
        .group_by("key", "label", pl.col("user_status").alias("status"))
        .agg(count=pl.len().cast(pl.Int64))
        .sort("label", "status")
    )


def overdue_events(units: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """Frame for :func:`certlib.apps.charts.overdue_by_event`: event_id, event, days_overdue, overdue_units
    (only events with at least one overdue unit; most overdue first)."""
    u = with_overdue(units, today).filter(pl.col("overdue"))
    return (
        u.group_by("event_id", "event")
        .agg(days_overdue=pl.col("days_overdue").max().cast(pl.Int64), overdue_units=pl.len().cast(pl.Int64))
        .sort(["days_overdue", "overdue_units", "event"], descending=[True, True, False])
    )


def overdue_units(units: pl.DataFrame, today: dt.date, top: int = 20) -> pl.DataFrame:
    """Frame for :func:`certlib.apps.charts.overdue_by_unit`: the ``top`` most overdue districts/schools
    (key, label, event, days_overdue; one row per key, its worst event)."""
    u = with_overdue(units, today).filter(pl.col("overdue"))
    return (
        u.sort(["days_overdue", "event"], descending=[True, False])
        .group_by("key", maintain_order=True)
        .agg(pl.col("label").first(), pl.col("event").first(), pl.col("days_overdue").first().cast(pl.Int64))
        .head(top)
    )


def progress(units: pl.DataFrame, event_id: int | None = None) -> tuple[pl.DataFrame, dt.date | None]:
    """Frame for :func:`certlib.apps.charts.progress_chart` and the due date to mark.

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
            u.select(date=expr)
            .drop_nulls()
            .group_by("date")
            .agg(n=pl.len())
            .sort("date")
            .with_columns(units=pl.col("n").cum_sum().cast(pl.Int64))
            .select("date", pl.lit(series).alias("series"), (pl.col("units") / total).alias("share"), "units")
        )
        parts.append(days)
    out = pl.concat(parts).cast(schema)  # type: ignore[arg-type]
    return out.sort("series", "date"), due


def findings_matrix(
    findings: pl.DataFrame, top_schools: int = 30, top_rules: int = 20, units: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Frame for :func:`certlib.apps.charts.findings_heatmap`: key, label, rule_id, severity, count —
    the schools (or districts, for district-level rows) and rules with the most findings."""
    if findings.height == 0:
        return pl.DataFrame(
            schema={
                "key": pl.String,
                "label": pl.String,
                "rule_id": pl.String,
                "severity": pl.String,
                "count": pl.Int64,
            }
        )
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
    keep_s = (
        agg.group_by("key").agg(n=pl.col("count").sum()).sort(["n", "key"], descending=[True, False]).head(top_schools)
    )
    keep_r = (
        agg.group_by("rule_id")
        .agg(n=pl.col("count").sum())
        .sort(["n", "rule_id"], descending=[True, False])
        .head(top_rules)
    )
    return (
        agg.join(keep_s.select("key"), on="key")
        .join(keep_r.select("rule_id"), on="rule_id")
        .select("key", "label", "rule_id", "severity", "count")
        .sort("label", "rule_id")
    )


def events_table(units: pl.DataFrame, users: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """One row per unit for analysts: Event Name, School Name, District, Event Status, Due Date,
    certifiers complete (x of y), user statuses present, overdue days, plus the ids used to filter
    and drill down (unit_id, event_id, key, event_status, school_year)."""
    u = with_overdue(units, today)
    certifiers = users.filter(pl.col("role").str.to_lowercase().str.contains("certifier"))
    per_unit = certifiers.group_by("unit_id").agg(
        certified=(pl.col("user_status") == UserStatus.CERTIFIED.value).sum().cast(pl.Int64),
        certifiers=pl.len().cast(pl.Int64),
    )
    statuses = users.group_by("unit_id").agg(user_statuses=pl.col("user_status").unique().sort())
    out = (
        u.join(per_unit, on="unit_id", how="left")
        .join(statuses, on="unit_id", how="left")
        .with_columns(
            pl.col("certified", "certifiers").fill_null(0),
            pl.col("user_statuses").fill_null(pl.lit([], pl.List(pl.String))),
        )
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
        "unit_id",
        "event_id",
        "key",
        "event_status",
        "school_year",
        "user_statuses",
        "school_code",
    ).sort("Event Name", "District", "School Name")


TABLE_COLUMNS = EventColumns(
    event_name="Event Name",
    school_name="School Name",
    school_code="school_code",
    user_status="user_statuses",
    event_status="Event Status",
    due_date="Due Date",
    year="school_year",
    closed=pl.col("event_status") == EventStatus.CLOSED.value,
)


def filter_events(table: pl.DataFrame, f: EventFilters, findings: pl.DataFrame | None = None) -> pl.DataFrame:
    """Apply the filters to :func:`events_table`'s frame (:func:`certlib.services.events.filter_frame`;
    ``rule_ids`` needs ``findings``)."""
    return filter_frame(table, f, TABLE_COLUMNS, findings)


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


DISPLAY_COLUMNS = [
    "Event Name",
    "School Name",
    "District",
    "Event Status",
    "Due Date",
    "Certifiers Complete",
    "User Statuses",
    "Days Overdue",
]


def for_display(table: pl.DataFrame) -> pl.DataFrame:
    """The user-facing columns of the events table (ids kept at the end for drill-down)."""
    return table.select(*[c for c in DISPLAY_COLUMNS if c in table.columns], "unit_id")


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
    return DashboardFrames(
        units, frames.users.join(ids, on="unit_id", how="semi"), frames.findings.join(ids, on="unit_id", how="semi")
    )


def latest_report_html(ws, unit_id: int, viewer) -> str | None:
    """HTML of the latest report of a unit (state validation or snapshot), or None when the unit
    has no report yet; refused for a unit outside ``viewer``'s data scope (``ws.latest_report``)."""
    rep = ws.latest_report(unit_id, viewer)
    return None if rep is None else rep.html


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


def filter_names(units: pl.DataFrame) -> dict[str, dict]:
    """What people call the values of the chart filters: ``keys`` (school code / district number) →
    the school or district name, ``event_ids`` → the event name (for :meth:`EventFilters.describe`)."""
    u = units.select(
        key=pl.coalesce("school_code", "district_number"),
        label=pl.coalesce("school_name", "district_name", "district_number"),
    )
    keys = {k: f"{lbl} ({k})" if lbl and lbl != k else k for k, lbl in u.unique(maintain_order=True).iter_rows()}
    events = {
        int(i): name
        for i, name in units.select("event_id", "event").unique(maintain_order=True).iter_rows()
        if i is not None
    }
    return {"keys": keys, "event_ids": events}


def match_summary(total: int, filters: EventFilters, units: pl.DataFrame) -> str:
    """The line above the events table: "**1 unit** matches · school/district: North Star High (0601)"."""
    said = filters.describe(neutral_filters(units), filter_names(units)) or "no filter"
    return f"**{plural(total, 'unit')}** {'matches' if total == 1 else 'match'} · {said}"


def event_report(units: pl.DataFrame, users: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """The state's event report: one row per district/school with its event status, how many
    certifiers completed, whether it was sent / approved, and days overdue."""
    t = events_table(units, users, today)
    return t.select(
        "Event Name",
        "District",
        "School Name",
        "Event Status",
        "Due Date",
        "Certifiers Complete",
        pl.col("Event Status").is_in(DONE).alias("Certified"),
        (pl.col("Event Status") == UnitStatus.APPROVED.value).alias("Approved"),
        (pl.col("Days Overdue") > 0).alias("Overdue"),
        "Days Overdue",
    )


__all__ = [
    "DISPLAY_COLUMNS",
    "DashboardFrames",
    "FINDING_SCHEMA",
    "UNIT_SCHEMA",
    "UNIT_STATUSES",
    "USER_SCHEMA",
    "USER_STATUSES",
    "build_filters",
    "due_range",
    "empty_findings",
    "empty_units",
    "empty_users",
    "event_options",
    "event_report",
    "events_table",
    "filter_events",
    "findings_matrix",
    "for_display",
    "for_event",
    "frames_from_workspace",
    "has_marks",
    "kpis",
    "latest_report_html",
    "match_summary",
    "merge_selections",
    "neutral_filters",
    "filter_names",
    "overdue_events",
    "overdue_units",
    "page",
    "progress",
    "selection_filter",
    "to_csv_bytes",
    "to_xlsx_bytes",
    "today_for",
    "unit_status_by_school",
    "user_status_by_school",
    "with_overdue",
]
