"""The events list a user sees (one row per unit), with the help article's filters and paging.

Why: the district's to-do list is "my units whose user status is Certification Incomplete or
Incomplete - Overdue"; the filters are declared once, as :class:`EventFilters`, and applied by one
function, :func:`filter_frame`, so the CLI (``ws.events_page``), the dashboard's events table and the
certify app's "my events" grid agree on what every filter keeps. Rows come from the store's
``units_for`` (the domain decides who sees what and which buttons).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

import polars as pl

from certlib.domain.statuses import EventStatus
from certlib.services.paging import window
from certlib.store.views import UnitView

_LISTS = ("user_statuses", "event_statuses", "keys", "event_ids", "rule_ids")
_FILTER_WORDS = {
    "keys": "school/district",
    "event_ids": "event",
    "rule_ids": "rule",
    "year": "school year",
    "active_only": "active events only",
}


@dataclass(frozen=True)
class EventFilters:
    """Every filter of the events list; empty values do not filter, and all given filters must hold.

    - ``event_name``: the event's name contains it (case-insensitive).
    - ``school_name``: the unit's **school** name or school code contains it (case-insensitive). It
      never matches a district's name: a district-level unit (no school) is dropped by a non-empty
      school filter.
    - ``user_statuses`` / ``event_statuses``: any of these (a row carrying several user statuses,
      as the dashboard's does, is kept when any of them is listed).
    - ``due_after`` / ``due_before``: the due date is within, both ends included.
    - ``year``: the event's reporting (school) year. ``active_only``: hide closed events.
    - ``keys`` (school code, or district number for a district-level unit), ``event_ids``,
      ``rule_ids`` (the unit's latest findings include the rule): the dashboard's chart selections.
    - ``page`` / ``page_size``: which page of the kept rows (``page_size`` 0 = everything).
    """

    event_name: str = ""
    school_name: str = ""
    user_statuses: tuple[str, ...] = ()
    event_statuses: tuple[str, ...] = ()
    due_after: date | None = None
    due_before: date | None = None
    year: int | None = None
    active_only: bool = False
    keys: tuple[str, ...] = ()
    event_ids: tuple[int, ...] = ()
    rule_ids: tuple[str, ...] = ()
    page: int = 1
    page_size: int = 0

    def __post_init__(self) -> None:
        for k in _LISTS:
            v = getattr(self, k)
            object.__setattr__(self, k, (v,) if isinstance(v, str) else tuple(v or ()))
        for k in ("due_after", "due_before"):
            if isinstance(getattr(self, k), str):
                object.__setattr__(self, k, date.fromisoformat(getattr(self, k)))
        if self.year is not None:
            object.__setattr__(self, "year", int(self.year))

    @classmethod
    def of(cls, value: EventFilters | Mapping[str, Any] | None) -> EventFilters:
        """From widget/CLI values (``None``/empty values dropped). An unknown name is a DataError naming it
        (a misspelt filter would otherwise silently filter nothing)."""
        if value is None:
            return cls()
        if isinstance(value, EventFilters):
            return value
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(value) - names)
        if unknown:
            from certlib.errors import DataError

            raise DataError(f"unknown events filter(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}")
        return cls(**{k: v for k, v in value.items() if v is not None and v != ""})

    @classmethod
    def from_values(cls, **values: Any) -> EventFilters:
        """:meth:`of` over keyword arguments (a marimo form's ``.value``)."""
        return cls.of(values)

    def describe(self, neutral: EventFilters | None = None, names: dict[str, dict] | None = None) -> str:
        """The active filters as a short text ("" when none), skipping values equal to ``neutral``'s.

        ``names`` maps a field to ``{value: what people call it}`` (``keys`` → school/district names,
        ``event_ids`` → event names), so a chart selection reads "school/district: North Star High",
        not "keys: 7988"."""
        parts = []
        names = names or {}
        for f in fields(self):
            if f.name in ("page", "page_size"):
                continue
            v = getattr(self, f.name)
            if v in (None, "", (), False) or (neutral is not None and getattr(neutral, f.name) == v):
                continue
            if isinstance(v, tuple):
                v = ", ".join(str(names.get(f.name, {}).get(x, x)) for x in v)
            parts.append(f"{_FILTER_WORDS.get(f.name, f.name.replace('_', ' '))}: {v}")
        return "; ".join(parts)


@dataclass(frozen=True)
class EventColumns:
    """Where a frame keeps what the filters look at (column names; ``closed`` an expression)."""

    event_name: str
    school_name: str
    school_code: str
    user_status: str
    event_status: str
    due_date: str
    year: str
    closed: pl.Expr
    key: str = "key"
    event_id: str = "event_id"
    unit_id: str = "unit_id"


def _contains(col: str, needle: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).fill_null("").str.to_lowercase().str.contains(needle.lower(), literal=True)


def filter_frame(
    frame: pl.DataFrame, f: EventFilters, cols: EventColumns, findings: pl.DataFrame | None = None
) -> pl.DataFrame:
    """The rows of ``frame`` that every filter of ``f`` keeps (see :class:`EventFilters`), in order.
    ``rule_ids`` needs ``findings`` (``unit_id``, ``rule_id``); without them it does not filter."""
    conds: list[pl.Expr] = []
    if f.event_name:
        conds.append(_contains(cols.event_name, f.event_name))
    if f.school_name:
        conds.append(_contains(cols.school_name, f.school_name) | _contains(cols.school_code, f.school_name))
    if f.user_statuses:
        wanted = [str(s) for s in f.user_statuses]  # plain strings: polars reads StrEnum members as an Enum
        if isinstance(frame.schema[cols.user_status], pl.List):
            conds.append(pl.col(cols.user_status).list.eval(pl.element().is_in(wanted)).list.any())
        else:
            conds.append(pl.col(cols.user_status).is_in(wanted))
    if f.event_statuses:
        conds.append(pl.col(cols.event_status).is_in([str(s) for s in f.event_statuses]))
    if f.due_after:
        conds.append(pl.col(cols.due_date) >= f.due_after)
    if f.due_before:
        conds.append(pl.col(cols.due_date) <= f.due_before)
    if f.year is not None:
        conds.append(pl.col(cols.year) == f.year)
    if f.active_only:
        conds.append(~cols.closed.fill_null(False))
    if f.keys:
        conds.append(pl.col(cols.key).is_in(list(f.keys)))
    if f.event_ids:
        conds.append(pl.col(cols.event_id).is_in(list(f.event_ids)))
    out = frame.filter(pl.all_horizontal(conds).fill_null(False)) if conds else frame
    if f.rule_ids and findings is not None:
        hit = findings.filter(pl.col("rule_id").is_in(list(f.rule_ids))).select(pl.col("unit_id").alias(cols.unit_id))
        out = out.join(hit.unique(), on=cols.unit_id, how="semi", maintain_order="left")
    return out


@dataclass
class EventRows:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int = field(default=1)


def row_of(view: UnitView, school_names: dict[str, str], district_names: dict[str, str]) -> dict[str, Any]:
    d = view.as_dict()
    d.pop("allowed", None)
    d["school_name"] = school_names.get(view.unit.school_code or "", "")
    d["district_name"] = district_names.get(view.unit.district_number, "")
    d["reporting_year"] = view.event.reporting_year
    d["event_publication"] = str(view.event.status)
    d["actions"] = list(view.buttons)
    return d


ROW_COLUMNS = EventColumns(
    event_name="event_name",
    school_name="school_name",
    school_code="school",
    user_status="user_status",
    event_status="event_status",
    due_date="due_date",
    year="reporting_year",
    closed=pl.col("closed"),
)


def filter_rows(rows: Iterable[dict[str, Any]], f: EventFilters, findings: pl.DataFrame | None = None) -> EventRows:
    """Filter :func:`row_of` rows with :func:`filter_frame`, then cut page ``f.page`` of ``f.page_size``."""
    rows = list(rows)
    frame = pl.DataFrame(
        {
            "i": list(range(len(rows))),
            "event_name": [r["event_name"] for r in rows],
            "school_name": [r["school_name"] for r in rows],
            "school": [r.get("school") or "" for r in rows],
            "user_status": [r["user_status"] for r in rows],
            "event_status": [r["event_status"] for r in rows],
            "due_date": [
                date.fromisoformat(r["due_date"]) if isinstance(r["due_date"], str) else r["due_date"] for r in rows
            ],
            "reporting_year": [r["reporting_year"] for r in rows],
            "closed": [r["event_publication"] == EventStatus.CLOSED for r in rows],
            "key": [r.get("school") or r.get("district") or "" for r in rows],
            "event_id": [r["event_id"] for r in rows],
            "unit_id": [r["unit_id"] for r in rows],
        },
        schema={
            "i": pl.Int64,
            "event_name": pl.String,
            "school_name": pl.String,
            "school": pl.String,
            "user_status": pl.String,
            "event_status": pl.String,
            "due_date": pl.Date,
            "reporting_year": pl.Int64,
            "closed": pl.Boolean,
            "key": pl.String,
            "event_id": pl.Int64,
            "unit_id": pl.Int64,
        },
    )
    kept = [rows[i] for i in filter_frame(frame, f, ROW_COLUMNS, findings)["i"].to_list()]
    w = window(len(kept), f.page, f.page_size)
    return EventRows(kept[w.start : w.stop], w.total, w.number, w.pages)


def parse_due_date(text: str | None) -> date | None:
    """A unit's new due date as typed (``YYYY-MM-DD``); empty means the default (see
    :data:`certlib.domain.unit_transitions.LATE_RECERT_DAYS`). A bad date is a DataError naming it."""
    from certlib.errors import DataError

    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DataError(f"due date {text!r} is not a date (YYYY-MM-DD)") from None
