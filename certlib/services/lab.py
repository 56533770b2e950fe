"""The rule lab's data: which copies a user may run a rule on, and the frames a run reads — every
table cut to the user's data scope before the rule sees it.

Why: the rule lab runs SQL its user wrote. Whatever that SQL says, it can only read the frames it is
handed, so the scope is applied here, to every table, before the query (never by the notebook and
never by trusting a scope typed into the page). A state user reads everything; a district user reads
their district's rows of the state copy and their own district's copy; a school user their school's
rows; a user with no organisation reads nothing. A table that has no column to cut on is withheld
(empty) from anyone who does not see everything: the scope fails closed.

>>> from certlib.domain.entities import User
>>> sorted(lab_sources(None, User("nc", "Nora", "district", "1071")))     # doctest: +SKIP
['District 1071 — the district\\'s own copy', "Demo state — the state's copy (district 1071's rows)"]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter
from typing import Any

import polars as pl

from certlib.config import package_data
from certlib.domain.entities import User
from certlib.domain.scope import DataScope, data_scope
from certlib.engine.tables import apply_scope, scan_tables, scope_column
from certlib.errors import Refused
from certlib.rules.model import Pack


def _roots(ws: Any) -> list[Path]:
    roots = [Path(ws.data_dir)] if ws is not None else []
    return [*roots, package_data("sample_data") / "state"]


def lab_sources(ws: Any, user: User) -> dict[str, str]:
    """The data directories ``user`` may run the lab on, label → path: the state's copy (cut to their
    scope when they run) and the district copies inside their scope. Empty for a user with no data."""
    scope = data_scope(user)
    if scope.nothing:
        return {}
    out: dict[str, str] = {}
    for root in _roots(ws):
        state = root / "state"
        if not state.is_dir():
            continue
        whose = "" if scope.everything else f" ({scope.describe()}'s rows)"
        out[f"Demo state — the state's copy{whose}"] = str(state)
        districts = root / "districts"
        if districts.is_dir():
            for d in sorted(p for p in districts.iterdir() if p.is_dir()):
                if scope.everything or d.name == scope.district_number:
                    out[f"District {d.name} — the district's own copy"] = str(d)
        break
    return out


def scoped_frames(data_dir: str | Path, pack: Pack, scope: DataScope,
                  narrow: Mapping[str, str] | None = None) -> dict[str, pl.LazyFrame]:
    """Every table of ``pack`` under ``data_dir`` cut to ``scope`` (then to ``narrow``, the lab's own
    optional district/school filter, which can only narrow further). A table without the column a
    limited scope cuts on comes back empty."""
    narrow = {k: v for k, v in (narrow or {}).items() if v}
    frames = scan_tables(data_dir, pack, None)
    out: dict[str, pl.LazyFrame] = {}
    for name, frame in frames.items():
        table = pack.tables[name]
        if not scope.everything:
            district = scope_column(table, "district_number")
            school = scope_column(table, "school_code")
            if scope.nothing or district is None or (scope.school_codes and school is None):
                frame = frame.filter(pl.lit(False))
            else:
                frame = apply_scope(frame, table, {"district_number": scope.district_number or ""})
                if scope.school_codes:
                    frame = frame.filter(pl.col(school).is_in(list(scope.school_codes)))  # type: ignore[arg-type]
        out[name] = apply_scope(frame, table, narrow)
    return out


def check_source(ws: Any, user: User, data_dir: str | Path) -> Path:
    """``data_dir`` when it is one of :func:`lab_sources` for ``user``; else refused."""
    wanted = Path(data_dir).resolve()
    if any(Path(p).resolve() == wanted for p in lab_sources(ws, user).values()):
        return wanted
    raise Refused("run rule", user.id, None, f"outside scope: {data_dir} is not a data copy {user.id} may read")


@dataclass(frozen=True)
class LabRun:
    """One rule-lab run: rows found, rows shown, time, the shown rows, status and error."""

    count: int
    shown: int
    elapsed_ms: float
    rows: pl.DataFrame
    status: str
    error: str | None
    truncated: bool


def run_rule(ws: Any, user: User, compiled: Any, pack: Pack, data_dir: str | Path,
             narrow: Mapping[str, str] | None = None, max_results: int = 1000) -> LabRun:
    """Run one compiled rule for ``user`` on one of their :func:`lab_sources`, every table cut to
    their data scope first (:func:`scoped_frames`)."""
    from certlib.engine import PolarsEngine

    started = perf_counter()
    frames = scoped_frames(check_source(ws, user, data_dir), pack, data_scope(user), narrow)
    r = PolarsEngine().run([compiled], frames, max_results=max_results).rules[0]
    return LabRun(r.count, r.shown, (perf_counter() - started) * 1000, r.rows, r.status, r.error, r.truncated)


__all__ = ["LabRun", "check_source", "lab_sources", "run_rule", "scoped_frames"]
