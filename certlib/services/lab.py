"""The rule lab's runs: which copies a user may run a rule on, the frames a run reads — every table
cut to the user's data scope before the rule sees it — and the query itself, in a worker process that
the page can stop and the deployment's bounds end.

Why: the rule lab runs SQL its user wrote. Whatever that SQL says, it can only read the frames it is
handed, so the scope is applied here, to every table, before the query (never by the notebook and
never by trusting a scope typed into the page). A state user reads everything; a district user reads
their district's rows of the state copy and their own district's copy; a school user their school's
rows; a user with no organisation reads nothing. A table holding only a school column (Ed-Fi's
associations) is cut through the pack's school table; a table with no column to cut on is withheld
(empty) from anyone who does not see everything: the scope fails closed.

A query never runs in the app server: :class:`LabQuery` hands it to a bounded worker process
(:mod:`certlib.engine.bounds`) and waits on a thread, so the page stays live, a Stop control kills it,
and the time bound (the deployment's, at most :data:`LAB_SECONDS`), the memory bound and the row bound
end a runaway query with a message naming the bound. The lab shows at most :data:`LAB_ROWS` rows.

>>> from certlib.domain.entities import User
>>> sorted(lab_sources(None, User("nc", "Nora", "district", "1071")))     # doctest: +SKIP
['District 1071 — the district\\'s own copy', "Demo state — the state's copy (district 1071's rows)"]
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from time import monotonic, perf_counter
from typing import Any

import polars as pl

from certlib.config import package_data
from certlib.domain.entities import User
from certlib.domain.scope import DataScope, data_scope
from certlib.engine.bounds import BoundedCall, Bounds
from certlib.engine.database import is_database_url
from certlib.engine.tables import apply_scope, scan_tables, school_directory, scope_column
from certlib.errors import CertlibError, LimitExceeded, Refused
from certlib.rules.model import Pack


def _usable(source: str | Path) -> bool:
    return is_database_url(str(source)) or Path(source).is_dir()


def _sample_sources(scope: DataScope) -> dict[str, str]:
    """The sample state shipped with certlib (no workspace, or a workspace without data)."""
    root = package_data("sample_data") / "state"
    out: dict[str, str] = {}
    if (root / "state").is_dir():
        whose = "" if scope.everything else f" ({scope.describe()}'s rows)"
        out[f"Sample state — the state's copy{whose}"] = str(root / "state")
        districts = root / "districts"
        for d in sorted(p for p in districts.iterdir() if p.is_dir()) if districts.is_dir() else []:
            if scope.everything or d.name == scope.district_number:
                out[f"District {d.name} — the district's own copy"] = str(d)
    return out


def lab_sources(ws: Any, user: User) -> dict[str, str]:
    """The data ``user`` may run the lab on, label → directory or database URL: the workspace's state
    copy (``CERTLIB_STATE_DATA`` or ``<ws>/data/state``; cut to their scope when they run) and the
    district copies inside their scope (``CERTLIB_DISTRICT_DATA`` or ``<ws>/data/districts/<n>``); the
    sample state when the workspace has none. Empty for a user with no data."""
    scope = data_scope(user)
    if scope.nothing:
        return {}
    out: dict[str, str] = {}
    if ws is not None and _usable(ws.state_dir):
        whose = "" if scope.everything else f" ({scope.describe()}'s rows)"
        out[f"The state's copy{whose}"] = str(ws.state_dir)
        for n in sorted(d.number for d in ws.store.districts()):
            if (scope.everything or n == scope.district_number) and _usable(ws.district_dir(n)):
                out[f"District {n} — the district's own copy"] = str(ws.district_dir(n))
    return out or _sample_sources(scope)


def scoped_frames(
    data_dir: str | Path, pack: Pack, scope: DataScope, narrow: Mapping[str, str] | None = None
) -> dict[str, pl.LazyFrame]:
    """Every table of ``pack`` under ``data_dir`` cut to ``scope`` (then to ``narrow``, the lab's own
    optional district/school filter, which can only narrow further). A table without the column a
    limited scope cuts on comes back empty."""
    narrow = {k: v for k, v in (narrow or {}).items() if v}
    # the district is pushed into the scan (a database reads only its rows), then cut again below
    frames = scan_tables(
        data_dir, pack, None if scope.everything or scope.nothing else {"district_number": scope.district_number or ""}
    )
    directory = school_directory(pack)
    out: dict[str, pl.LazyFrame] = {}
    for name, frame in frames.items():
        table = pack.tables[name]
        if not scope.everything:
            district = scope_column(table, "district_number")
            school = scope_column(table, "school_code")
            # a table holding only a school column was cut by the scan through the pack's school table
            placed = district is None and school is not None and directory is not None
            if scope.nothing or (district is None and not placed) or (scope.school_codes and school is None):
                frame = frame.filter(pl.lit(False))
            else:
                if district is not None:
                    frame = apply_scope(frame, table, {"district_number": scope.district_number or ""})
                if scope.school_codes:
                    frame = frame.filter(pl.col(school).is_in(list(scope.school_codes)))  # type: ignore[arg-type]
        out[name] = apply_scope(frame, table, narrow)
    return out


def _same(a: str | Path, b: str | Path) -> bool:
    if is_database_url(str(a)) or is_database_url(str(b)):
        return str(a) == str(b)
    return Path(a).resolve() == Path(b).resolve()


def check_source(ws: Any, user: User, data_dir: str | Path) -> str | Path:
    """``data_dir`` when it is one of :func:`lab_sources` for ``user``; else refused."""
    if any(_same(p, data_dir) for p in lab_sources(ws, user).values()):
        return data_dir if is_database_url(str(data_dir)) else Path(data_dir).resolve()
    raise Refused("run rule", user.id, None, f"outside scope: that data copy is not one {user.id} may read")


@dataclass(frozen=True)
class LabRun:
    """One rule-lab run: rows found, rows shown, time, the shown rows, status and error, and the pid
    of the worker process that ran it (never the app server's)."""

    count: int
    shown: int
    elapsed_ms: float
    rows: pl.DataFrame
    status: str
    error: str | None
    truncated: bool
    worker_pid: int = 0

    @property
    def note(self) -> str:
        """What the lab says about the rows it shows ("" when it shows them all)."""
        if not self.truncated:
            return ""
        return (
            f"Showing the first {self.shown:,} of {self.count:,} rows: the rule lab shows at most "
            f"{self.shown:,}. Narrow the query (or the district/school) to see the rest."
        )


#: the longest a rule-lab query may run, whatever the deployment's run bound (an interactive query)
LAB_SECONDS = 120.0
#: the most rows the rule lab shows of one query
LAB_ROWS = 1000


def lab_bounds(s: Any = None) -> Bounds:
    """The bounds of one rule-lab query: the deployment's (``CERTLIB_RUN_*``), with time capped at
    :data:`LAB_SECONDS`."""
    b = Bounds.from_settings(s)
    return replace(b, seconds=LAB_SECONDS if b.seconds is None else min(b.seconds, LAB_SECONDS))


def _run_in_worker(compiled: Any, frames: dict[str, pl.LazyFrame], max_results: int, bounds: Bounds) -> LabRun:
    """The query itself, inside the bounded worker process (the engine applies the row bound)."""
    from certlib.engine import PolarsEngine

    started = perf_counter()
    r = PolarsEngine(bounds).run([compiled], frames, max_results=max_results).rules[0]
    return LabRun(
        r.count, r.shown, (perf_counter() - started) * 1000, r.rows, r.status, r.error, r.truncated, os.getpid()
    )


@dataclass(frozen=True)
class LabStatus:
    """Where a :class:`LabQuery` is: ``running``, ``done`` (``run`` holds the result), ``stopped`` (by
    Stop or a bound; ``message`` says which) or ``failed`` (``message``)."""

    state: str
    elapsed_s: float
    run: LabRun | None = None
    message: str = ""


class LabQuery:
    """A rule-lab query running in a bounded worker process (:class:`certlib.engine.bounds.BoundedCall`):
    the app server only waits for it, on a thread, so the page stays live; :meth:`stop` ends it at
    once, and the time, memory and row bounds end it with a message naming the bound."""

    def __init__(
        self,
        compiled: Any,
        frames: dict[str, pl.LazyFrame],
        max_results: int = LAB_ROWS,
        bounds: Bounds | None = None,
        label: str = "the rule-lab query",
    ):
        self._started = monotonic()
        self._status = LabStatus("running", 0.0)
        self._lock = threading.Lock()
        bounds = bounds or lab_bounds()
        self._call = BoundedCall(_run_in_worker, compiled, frames, max_results, bounds, bounds=bounds, label=label)
        self._thread = threading.Thread(target=self._wait, name="certlib-lab-query", daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        try:
            run = self._call.result()
            status = LabStatus("done", self._elapsed(), run)
        except LimitExceeded as err:
            status = LabStatus("stopped", self._elapsed(), None, str(err))
        except CertlibError as err:
            status = LabStatus("failed", self._elapsed(), None, str(err))
        with self._lock:
            self._status = status

    def _elapsed(self) -> float:
        return monotonic() - self._started

    def poll(self) -> LabStatus:
        """The status now (never blocks)."""
        with self._lock:
            status = self._status
        return replace(status, elapsed_s=self._elapsed()) if status.state == "running" else status

    def wait(self, timeout: float | None = None) -> LabStatus:
        """Block until the query ends (or ``timeout`` seconds pass) and return its status."""
        self._thread.join(timeout)
        return self.poll()

    def stop(self) -> None:
        """Stop the query now (its worker process is killed)."""
        self._call.stop()


def start_rule(
    ws: Any,
    user: User,
    compiled: Any,
    pack: Pack,
    data_dir: str | Path,
    narrow: Mapping[str, str] | None = None,
    max_results: int = LAB_ROWS,
    bounds: Bounds | None = None,
) -> LabQuery:
    """Start one compiled rule for ``user`` on one of their :func:`lab_sources`, every table cut to
    their data scope first (:func:`scoped_frames`), in a worker process; returns at once."""
    frames = scoped_frames(check_source(ws, user, data_dir), pack, data_scope(user), narrow)
    return LabQuery(compiled, frames, max_results, bounds, label=f"the rule-lab query {compiled.rule.id}")


def run_rule(
    ws: Any,
    user: User,
    compiled: Any,
    pack: Pack,
    data_dir: str | Path,
    narrow: Mapping[str, str] | None = None,
    max_results: int = LAB_ROWS,
    bounds: Bounds | None = None,
) -> LabRun:
    """:func:`start_rule` and wait for it: the run, or the error (:class:`LimitExceeded` when stopped)."""
    status = start_rule(ws, user, compiled, pack, data_dir, narrow, max_results, bounds).wait()
    if status.run is not None:
        return status.run
    if status.state == "stopped":
        raise LimitExceeded(status.message)
    raise CertlibError(status.message)


__all__ = [
    "LAB_ROWS",
    "LAB_SECONDS",
    "LabQuery",
    "LabRun",
    "LabStatus",
    "check_source",
    "lab_bounds",
    "lab_sources",
    "run_rule",
    "scoped_frames",
    "start_rule",
]
