"""Chart definitions of the certlib app: pure functions from small, already aggregated polars frames
to altair charts.

Every function here takes a frame whose columns are documented in its docstring — the frames come
from :mod:`certlib.apps.dashboard`, which aggregates the workspace's unit/user/finding frames first, so a
statewide event (800 schools × 40 events) still hands the browser at most a few hundred marks.
Nothing here reads the store or decides anything; it only draws.

Charts with a selection carry one named point selection (``SELECTION``) on the fields listed in
their docstring. ``mo.ui.altair_chart(chart)`` keeps that selection, and its ``.value`` is then the
selected rows of the chart's own frame — the notebook turns those rows into a table filter with
:func:`certlib.apps.dashboard.selection_filter`.

>>> import polars as pl
>>> f = pl.DataFrame({"key": ["0588"], "label": ["North Star 7-8"], "status": ["In Progress"],
...                   "count": [3]})
>>> status_bars(f).to_dict()["mark"]["type"]
'bar'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import altair as alt
import polars as pl

from certlib.domain.statuses import UnitStatus, UserStatus

#: Name of the point selection carried by the selectable charts.
SELECTION = "pick"

#: Unit statuses (design §3.2) in workflow order, with their colours (plain strings: polars reads a list of
#: StrEnum members as an Enum column).
UNIT_STATUS_COLORS: dict[str, str] = {
    UnitStatus.IN_PROGRESS.value: "#9ecae1",
    UnitStatus.RECERT_IN_PROGRESS.value: "#fdae6b",
    UnitStatus.RECERT_REQUESTED.value: "#fd8d3c",
    UnitStatus.SENT.value: "#4292c6",
    UnitStatus.APPROVED.value: "#31a354",
}
#: User statuses (design §3.3) with their colours.
USER_STATUS_COLORS: dict[str, str] = {
    UserStatus.INCOMPLETE.value: "#c6dbef",
    UserStatus.OVERDUE.value: "#de2d26",
    UserStatus.RECERT_PENDING.value: "#fd8d3c",
    UserStatus.CERTIFIED.value: "#6baed6",
    UserStatus.OPEN.value: "#fdd0a2",
    UserStatus.CLOSED.value: "#31a354",
    UserStatus.NA.value: "#d9d9d9",
}
#: Severity colours of findings (fatal blocks, warning must be acknowledged, info is a listing).
SEVERITY_COLORS: dict[str, str] = {"fatal": "#cb181d", "error": "#7a0177", "warning": "#fd8d3c", "info": "#6baed6"}

_WIDTH = 320

#: Legends sit under the plot: at the right they ran off a 1400 px window (and under marimo's cell menu).
_LEGEND = {"orient": "bottom", "direction": "horizontal", "columns": 2, "labelLimit": 220}


def _legend(title: str | None, **kw) -> alt.Legend:
    return alt.Legend(title=title, **{**_LEGEND, **kw})


# ---------------------------------------------------------------------------------------------
# Empty states: a chart with nothing to draw says so instead of showing an empty box
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmptyState:
    """What a chart with no data shows instead of axes "0.000000" and a legend "NaN"."""

    title: str
    message: str

    def markdown(self) -> str:
        return f"**{self.title}.** {self.message}"


#: The sentence each chart shows when its frame is empty.
EMPTY_MESSAGES: dict[str, str] = {
    "status_bars": "No units to show for this selection yet.",
    "overdue_by_event": "No overdue units: every unit due so far was sent to or approved by the state.",
    "overdue_by_unit": "No district or school is overdue.",
    "progress_chart": "No unit was sent to the state yet.",
    "findings_heatmap": "No findings yet. The heatmap fills in as districts run their validations.",
    "trend_lines": "No validation runs yet: the trend fills in as districts run their validations.",
}


def _empty(kind: str, title: str) -> alt.Chart:
    """A chart that draws its empty state (one line of text, no axes, no legend) and carries it in
    ``usermeta`` for :func:`empty_state`."""
    message = EMPTY_MESSAGES[kind]
    return (
        alt.Chart(pl.DataFrame({"message": [message]}))
        .mark_text(fontSize=13, color="#444", align="center", baseline="middle")
        .encode(text="message:N")
        .properties(width=_WIDTH, height=80, title=title, usermeta={"empty": {"title": title, "message": message}})
    )


def empty_state(chart) -> EmptyState | None:
    """The :class:`EmptyState` of a chart drawn from an empty frame (also through ``mo.ui.altair_chart``),
    None when the chart has data to draw."""
    chart = getattr(chart, "_chart", chart)
    meta = getattr(chart, "usermeta", None)
    if isinstance(meta, dict) and isinstance(meta.get("empty"), dict):
        return EmptyState(meta["empty"]["title"], meta["empty"]["message"])
    return None


def _require(frame: pl.DataFrame, columns: list[str], chart: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{chart}: the frame lacks column(s) {', '.join(missing)}; it has {frame.columns}")


def _scale(colors: dict[str, str], present: list[str]) -> alt.Scale:
    domain = [s for s in colors if s in present] + sorted(s for s in present if s not in colors)
    rng = [colors.get(s, "#969696") for s in domain]
    return alt.Scale(domain=domain, range=rng)


# ---------------------------------------------------------------------------------------------
# KPI numbers
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """One KPI card: a label, its value (already formatted for display), a caption and a direction."""

    label: str
    value: str
    caption: str = ""
    direction: str | None = None  # "increase" / "decrease" arrow for mo.stat, or None

    def as_stat_kwargs(self) -> dict:
        """Keyword arguments for ``mo.stat(**kpi.as_stat_kwargs())``."""
        kw = {"label": self.label, "value": self.value, "caption": self.caption, "bordered": True}
        if self.direction:
            kw["direction"] = self.direction
        return kw


def _pct(part: int, whole: int) -> str:
    return f"{(100.0 * part / whole):.0f}%" if whole else "–"


def kpi_numbers(units: pl.DataFrame) -> list[Kpi]:
    """The five KPI cards of the analyst dashboard from a unit frame.

    ``units`` columns: ``event_id``, ``unit_status`` (design §3.2 names), ``overdue`` (bool: past the
    due date and not yet sent to / approved by the state). One row per unit of a *published* event.

    >>> f = pl.DataFrame({"event_id": [1, 1, 2], "overdue": [False, True, False],
    ...                   "unit_status": ["Certification Approved by State", "In Progress",
    ...                                   "Certification Sent to State"]})
    >>> [(k.label, k.value) for k in kpi_numbers(f)]
    [('Published events', '2'), ('Units', '3'), ('Certified', '67%'), ('Approved', '33%'), ('Overdue units', '1')]
    """
    _require(units, ["event_id", "unit_status", "overdue"], "kpi_numbers")
    n = units.height
    events = units["event_id"].n_unique() if n else 0
    sent = units.filter(pl.col("unit_status").is_in([UnitStatus.SENT.value, UnitStatus.APPROVED.value])).height
    approved = units.filter(pl.col("unit_status") == UnitStatus.APPROVED.value).height
    overdue = int(units["overdue"].sum()) if n else 0
    return [
        Kpi("Published events", f"{events}", "events visible to districts"),
        Kpi("Units", f"{n:,}", "district/school certifications"),
        Kpi("Certified", _pct(sent, n), f"{sent:,} of {n:,} sent to or approved by the state"),
        Kpi("Approved", _pct(approved, n), f"{approved:,} approved by the state"),
        Kpi("Overdue units", f"{overdue:,}", "past the due date, not submitted", "decrease" if overdue else None),
    ]


# ---------------------------------------------------------------------------------------------
# Per-school status bars
# ---------------------------------------------------------------------------------------------


def status_bars(frame: pl.DataFrame, title: str = "Event status by school") -> alt.Chart:
    """Stacked horizontal bars: how many units (event status) or users (user status) per school.

    ``frame`` columns (one row per label × status, already limited to the top N labels):
      - ``key`` — the school code or district number the bar stands for (used to filter),
      - ``label`` — what the axis shows (school or district name),
      - ``status`` — the unit status (design §3.2) or user status (§3.3) name,
      - ``count`` — how many units / users.

    Draw one chart for unit statuses and one for user statuses. Selection: a point selection named
    ``SELECTION`` on ``key`` and ``status`` (click a bar segment). A single-view chart keeps its
    frame, so ``mo.ui.altair_chart(chart).value`` is the selected rows.
    """
    _require(frame, ["key", "label", "status", "count"], "status_bars")
    if frame.height == 0:
        return _empty("status_bars", title)
    statuses = frame["status"].unique().to_list()
    colors = {**UNIT_STATUS_COLORS, **USER_STATUS_COLORS}
    order = {s: i for i, s in enumerate(colors)}
    frame = frame.with_columns(_order=pl.col("status").replace_strict(order, default=len(order), return_dtype=pl.Int64))
    pick = alt.selection_point(name=SELECTION, fields=["key", "status"])
    n_labels = max(frame["label"].n_unique(), 1)
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=160)),
            x=alt.X("count:Q", title="count", stack="zero"),
            color=alt.Color("status:N", title="status", scale=_scale(colors, statuses), legend=_legend("status")),
            order=alt.Order("_order:Q"),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            tooltip=["label:N", "key:N", "status:N", alt.Tooltip("count:Q", format=",")],
        )
        .add_params(pick)
        .properties(width=_WIDTH, height=min(18 * n_labels + 10, 440), title=title)
    )


# ---------------------------------------------------------------------------------------------
# Overdue events
# ---------------------------------------------------------------------------------------------


def overdue_by_event(frame: pl.DataFrame, title: str = "Overdue by event") -> alt.Chart:
    """Bars of days overdue per event, coloured by the number of overdue units.

    ``frame`` columns (one row per event): ``event_id``, ``event`` (name), ``days_overdue`` (int,
    days since the due date), ``overdue_units`` (int). Selection: point on ``event_id``.
    """
    _require(frame, ["event_id", "event", "days_overdue", "overdue_units"], "overdue_by_event")
    if frame.height == 0:
        return _empty("overdue_by_event", title)
    pick = alt.selection_point(name=SELECTION, fields=["event_id"])
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("event:N", title=None, sort="-x", axis=alt.Axis(labelLimit=240)),
            x=alt.X("days_overdue:Q", title="days past the due date"),
            color=alt.Color(
                "overdue_units:Q",
                title="overdue units",
                scale=alt.Scale(scheme="orangered"),
                legend=_legend("overdue units", direction="horizontal", gradientLength=160),
            ),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            tooltip=["event:N", "event_id:N", "days_overdue:Q", "overdue_units:Q"],
        )
        .add_params(pick)
        .properties(width=_WIDTH, height=min(22 * max(frame.height, 1) + 10, 400), title=title)
    )


def overdue_by_unit(frame: pl.DataFrame, title: str = "Most overdue districts and schools") -> alt.Chart:
    """Bars of days overdue per district/school (the worst units first).

    ``frame`` columns (one row per unit, already limited to the top N): ``key`` (school code or
    district number), ``label`` (its name), ``event`` (event name), ``days_overdue`` (int).
    Selection: point on ``key``.
    """
    _require(frame, ["key", "label", "event", "days_overdue"], "overdue_by_unit")
    if frame.height == 0:
        return _empty("overdue_by_unit", title)
    pick = alt.selection_point(name=SELECTION, fields=["key"])
    return (
        alt.Chart(frame)
        .mark_bar(color="#de2d26")
        .encode(
            y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=160)),
            x=alt.X("max(days_overdue):Q", title="days past the due date"),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
            tooltip=["label:N", "key:N", "event:N", "days_overdue:Q"],
        )
        .add_params(pick)
        .properties(width=_WIDTH, height=min(18 * max(frame["label"].n_unique(), 1) + 10, 400), title=title)
    )


# ---------------------------------------------------------------------------------------------
# Progress over time
# ---------------------------------------------------------------------------------------------


def progress_chart(
    frame: pl.DataFrame, due_date: dt.date | None = None, title: str = "Certification progress"
) -> alt.LayerChart:
    """Cumulative share of units certified / approved per day, with a rule at the due date.

    ``frame`` columns (one row per date × series): ``date`` (date), ``series`` (e.g. ``"Sent to
    State"``, ``"Approved"``), ``share`` (float 0..1, cumulative), ``units`` (int, cumulative count).
    ``due_date``: where to draw the vertical rule (omitted when None). No selection.
    """
    _require(frame, ["date", "series", "share", "units"], "progress_chart")
    if frame.height == 0:
        return _empty("progress_chart", title)
    lines = (
        alt.Chart(frame)
        .mark_line(point=True, interpolate="step-after")
        .encode(
            x=alt.X("date:T", title="date"),
            y=alt.Y("share:Q", title="share of units", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "series:N",
                title=None,
                legend=_legend(None),
                scale=alt.Scale(domain=["Sent to State", "Approved"], range=["#4292c6", "#31a354"]),
            ),
            tooltip=["date:T", "series:N", alt.Tooltip("share:Q", format=".0%"), "units:Q"],
        )
    )
    layers: list[alt.Chart] = [lines]
    if due_date is not None:
        due = pl.DataFrame({"date": [due_date], "label": [f"due {due_date.isoformat()}"]})
        rule = alt.Chart(due).mark_rule(color="#cb181d", strokeDash=[6, 3], size=2).encode(x="date:T")
        text = (
            alt.Chart(due)
            .mark_text(align="left", dx=4, dy=-6, color="#cb181d")
            .encode(x="date:T", y=alt.value(8), text="label:N")
        )
        layers += [rule, text]
    return alt.layer(*layers).properties(width=_WIDTH, height=240, title=title)


# ---------------------------------------------------------------------------------------------
# Findings heatmap
# ---------------------------------------------------------------------------------------------


def findings_heatmap(frame: pl.DataFrame, title: str = "Findings by school and rule") -> alt.Chart:
    """School × rule heatmap: hue is the rule's severity, opacity grows with the number of findings.

    ``frame`` columns (one row per school × rule with findings, already limited to the top N
    schools): ``key`` (school code), ``label`` (school name), ``rule_id``, ``severity``
    (fatal/warning/info/error), ``count`` (int > 0). Selection: point on ``key`` and ``rule_id``.
    """
    _require(frame, ["key", "label", "rule_id", "severity", "count"], "findings_heatmap")
    if frame.height == 0:
        return _empty("findings_heatmap", title)
    pick = alt.selection_point(name=SELECTION, fields=["key", "rule_id"])
    sev = frame["severity"].unique().to_list()
    top = int(frame["count"].max() or 1) if frame.height else 1
    return (
        alt.Chart(frame)
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("rule_id:N", title="rule", axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("label:N", title=None, axis=alt.Axis(labelLimit=160)),
            color=alt.Color(
                "severity:N", title="severity", scale=_scale(SEVERITY_COLORS, sev), legend=_legend("severity")
            ),
            opacity=alt.condition(
                pick,
                alt.Opacity(
                    "count:Q",
                    title="findings",
                    legend=_legend("findings"),
                    scale=alt.Scale(type="log", domain=[1, max(top, 2)], range=[0.35, 1.0]),
                ),
                alt.value(0.1),
            ),
            tooltip=["label:N", "key:N", "rule_id:N", "severity:N", alt.Tooltip("count:Q", format=",")],
        )
        .add_params(pick)
        .properties(
            width=min(max(28 * max(frame["rule_id"].n_unique(), 1), 200), _WIDTH),
            height=min(18 * max(frame["label"].n_unique(), 1) + 10, 440),
            title=title,
        )
    )


__all__ = [
    "SELECTION",
    "EMPTY_MESSAGES",
    "SEVERITY_COLORS",
    "UNIT_STATUS_COLORS",
    "USER_STATUS_COLORS",
    "EmptyState",
    "Kpi",
    "empty_state",
    "findings_heatmap",
    "kpi_numbers",
    "overdue_by_event",
    "overdue_by_unit",
    "progress_chart",
    "status_bars",
]


# ---------------------------------------------------------------------------------------------
# Error counts over time (run history)
# ---------------------------------------------------------------------------------------------


def trend_lines(
    frame: pl.DataFrame, due_date: dt.date | None = None, by: str = "district", title: str | None = None
) -> alt.LayerChart:
    """Open error counts (fatal + warning findings not excepted) per day, one line per district or rule,
    with a rule at the due date: which districts are converging before it.

    ``frame`` columns (one row per day × series, from :func:`certlib.services.history.trend_series`):
    ``day`` (date), ``series`` (district "1071 North Star..." or rule id), ``count`` (int).
    Selection: point on ``series``.
    """
    _require(frame, ["day", "series", "count"], "trend_lines")
    heading = title or f"Open errors over time by {'district' if by == 'district' else 'rule'}"
    if frame.height == 0:
        return _empty("trend_lines", heading)
    pick = alt.selection_point(name=SELECTION, fields=["series"])
    lines = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X("day:T", title="run date"),
            y=alt.Y("count:Q", title="open errors", scale=alt.Scale(zero=True)),
            color=alt.Color(
                "series:N",
                title="district" if by == "district" else "rule",
                legend=_legend("district" if by == "district" else "rule", columns=1),
            ),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.25)),
            tooltip=[alt.Tooltip("day:T", title="date"), "series:N", alt.Tooltip("count:Q", title="open errors")],
        )
        .add_params(pick)
    )
    layers: list[alt.Chart] = [lines]
    if due_date is not None:
        due = pl.DataFrame({"day": [due_date], "label": [f"due {due_date.isoformat()}"]})
        layers.append(alt.Chart(due).mark_rule(color="#cb181d", strokeDash=[6, 3], size=2).encode(x="day:T"))
        layers.append(
            alt.Chart(due)
            .mark_text(align="right", dx=-4, dy=-6, color="#cb181d")
            .encode(x="day:T", y=alt.value(8), text="label:N")
        )
    return alt.layer(*layers).properties(width=_WIDTH, height=240, title=heading)
