"""What the apps share: running an action and showing its outcome, the events filters, one page of a
table, downloads, picking rows in a table, the workspace's clock.

Pure over what they are given (polars frames, store views, a workspace) — except :func:`now_for` and
:func:`today_for`, which read the workspace's clock (``CERTLIB_NOW`` pins it, see :mod:`certlib.config`),
and :func:`date_bounds`, which falls back to that clock for an empty series. Who may do what is never
decided here: allowed/why-not comes from the store's checks.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import polars as pl

from certlib.config import settings
from certlib.domain.statuses import UnitStatus, UserStatus
from certlib.services.events import EventFilters
from certlib.services.paging import window

DONE = [UnitStatus.SENT.value, UnitStatus.APPROVED.value]


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


def plural(n: int, noun: str, plural_noun: str | None = None) -> str:
    """``"1 unit"``, ``"2 units"``, ``"1,200 units"``."""
    return f"{n:,} {noun if n == 1 else (plural_noun or noun + 's')}"


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
    w = window(frame.height, number, size)
    return Page(frame.slice(w.start, w.stop - w.start), w.number, w.pages, w.total, w.caption)


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


def today_for(ws) -> dt.date:
    """The workspace's "today" (the demo scenario pins the clock)."""
    return now_for(ws).date()


USER_STATUSES = [
    UserStatus.INCOMPLETE.value,
    UserStatus.OVERDUE.value,
    UserStatus.CERTIFIED.value,
    UserStatus.RECERT_PENDING.value,
    UserStatus.OPEN.value,
    UserStatus.CLOSED.value,
    UserStatus.NA.value,
]


UNIT_STATUSES = [s.value for s in UnitStatus]


def now_for(ws) -> dt.datetime:
    """The workspace's "now" (``CERTLIB_NOW`` pins it in demos and tests; see :mod:`certlib.config`)."""
    return ws.now().replace(microsecond=0)


@dataclass(frozen=True)
class Outcome:
    """The result of one attempted action, for the notebook to show: ok, the value, the message (in
    people's words), and ``detail``: the technical form of a refusal (also logged), '' when none."""

    ok: bool
    message: str
    value: object = None
    detail: str = ""

    def callout_kind(self) -> str:
        return "success" if self.ok else "danger"


def refusal_text(err: BaseException) -> str:
    """What a person reads for a certlib error: a refusal's sentence (the guard's ``says``), else the
    error's message. The technical form stays in ``str(err)`` (the log and the audit)."""
    from certlib.domain.guards import says

    return says(err) if getattr(err, "says", None) else str(err)


def attempt(label: str, fn, *args, **kwargs) -> Outcome:
    """Run ``fn`` and turn a certlib refusal/error into an :class:`Outcome`: the message in people's
    words (the failed guard's sentence), the technical form (action, actor, status, guard) in
    ``detail`` and in the log."""
    import logging

    from certlib.errors import CertlibError

    try:
        value = fn(*args, **kwargs)
    except CertlibError as err:
        logging.getLogger("certlib.apps").info("%s refused: %s", label, err)
        return Outcome(False, f"{label[:1].upper()}{label[1:]}: {refusal_text(err)}", detail=str(err))
    return Outcome(True, f"{label}: done", value)


def checks_by_action(checks) -> dict[str, object]:
    """``{action: ActionCheck}`` from a list of :class:`certlib.domain.guards.ActionCheck`."""
    return {c.action: c for c in checks}


def check_note(check) -> str:
    """Text under a button: empty when allowed, else why not in people's words (the guard's sentence)."""
    from certlib.domain.guards import says

    if check is None:
        return "not available here"
    return "" if check.allowed else (says(check.reason) or "Not allowed.")


def views_frame(views) -> pl.DataFrame:
    """A frame of :class:`certlib.store.views.UnitView` / ``EventView`` objects via their ``as_dict``
    (list and dict values become text)."""
    rows = []
    for v in views:
        d = v.as_dict() if hasattr(v, "as_dict") else dict(v)
        rows.append(
            {
                k: (
                    ", ".join(map(str, x))
                    if isinstance(x, (list, tuple))
                    else ("; ".join(f"{a}: {b}" for a, b in x.items()) if isinstance(x, dict) else x)
                )
                for k, x in d.items()
                if k != "allowed"
            }
        )
    return pl.DataFrame(rows, infer_schema_length=None) if rows else pl.DataFrame()


#: Integer columns that name something (a year, an id, a code, a key) rather than count it: shown as
#: written ("2025", "1001001"), never with thousands separators ("2,025", "1,001,001").
_IDENTIFIER = re.compile(r"(?i)(^id$|_id$|id$|ids$|usi$|year|^key$|_key$|code|number|^unit$|^event$|^round$)")


def identifier_columns(frame: pl.DataFrame) -> list[str]:
    """The integer columns of ``frame`` that are identifiers or years (by name: ``id``, ``*_id``,
    ``SchoolId``, ``StudentUSI``, ``reporting_year``, ``school_year``, ``*code``, ``*number``...)."""
    return [c for c, t in frame.schema.items() if t.is_integer() and _IDENTIFIER.search(c.replace(" ", "_"))]


def as_identifiers(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its identifier/year columns as text, for a table that only shows rows (marimo
    formats integers with thousands separators)."""
    cols = identifier_columns(frame)
    return frame.with_columns(pl.col(c).cast(pl.String) for c in cols) if cols else frame


def identifier_format(rows) -> dict:
    """``format_mapping`` for ``mo.ui.table`` over ``rows`` (a frame or a list of dicts) showing its
    identifier/year columns as written, while the table's value (the selected rows) keeps their numbers."""
    frame = rows if isinstance(rows, pl.DataFrame) else pl.DataFrame(list(rows or []), infer_schema_length=None)
    return {c: _as_written for c in identifier_columns(frame)}


def _as_written(value) -> str:
    return "" if value is None else str(value)


def report_html(frame: pl.DataFrame, title: str, subtitle: str = "") -> str:
    """A small self-contained HTML page for a report frame (used for the event report)."""
    import html as _h

    head = "".join(f"<th>{_h.escape(c)}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{_h.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in _flat(frame).iter_rows()
    )
    style = (
        "body{font-family:sans-serif}table{border-collapse:collapse;font-size:13px}"
        "td,th{border:1px solid #ccc;padding:3px 6px}th{background:#eef}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{_h.escape(title)}</title>"
        f"<style>{style}</style></head><body><h2>{_h.escape(title)}</h2><p>{_h.escape(subtitle)}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></body></html>"
    )


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


def has_marks(chart_element) -> bool:
    """Whether a (``mo.ui.altair_chart``-wrapped) chart has any data row to draw (a chart drawn from an
    empty frame shows its empty state, see :func:`certlib.apps.charts.empty_state`)."""
    from certlib.apps.charts import empty_state

    if empty_state(chart_element) is not None:
        return False
    data = getattr(chart_element, "dataframe", None)
    if data is None:
        data = getattr(getattr(chart_element, "_chart", chart_element), "data", None)
    return isinstance(data, pl.DataFrame) and data.height > 0


__all__ = [
    "DONE",
    "EventFilters",
    "Outcome",
    "Page",
    "UNIT_STATUSES",
    "USER_STATUSES",
    "attempt",
    "check_note",
    "checks_by_action",
    "conform",
    "date_bounds",
    "first_line",
    "first_value",
    "has_marks",
    "now_for",
    "page",
    "plural",
    "as_identifiers",
    "identifier_columns",
    "identifier_format",
    "refusal_text",
    "report_html",
    "row_index",
    "to_csv_bytes",
    "to_xlsx_bytes",
    "today_for",
    "views_frame",
]
