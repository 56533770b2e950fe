"""The Workspace façade: one directory holding the store, the data copies, snapshots and reports.

Why: the faces (CLI, notebooks) talk to one object opened on a directory (like datasette's
``Datasette``), so a notebook cell reads ``ws.events_for(user, filters)`` or
``ws.wizard(user, unit).submit()``. Layout::

    <ws>/certlib.db             the workflow store (+ the job queue's table)
    <ws>/data/state/            the state's copy, one <table>.parquet each
    <ws>/data/districts/<n>/    each district's own copy
    <ws>/snapshots/<unit>/<v>/  immutable snapshot versions
    <ws>/reports/               rendered reports of runs

>>> ws = Workspace.create_demo("/tmp/ws", now=datetime(2025, 7, 1, 10))   # doctest: +SKIP
>>> [r["event_name"] for r in ws.events_for("ns.cert1", {"user_statuses": ["Certification Incomplete"]})]  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Mapping
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from certlib.config import configure_logging, package_data, settings
from certlib.domain.entities import Unit, User
from certlib.domain.names import file_part, path_inside
from certlib.domain.statuses import JobKind
from certlib.engine.database import data_source
from certlib.errors import NotFound, Refused, SnapshotError, StoreError
from certlib.rules import load_pack
from certlib.rules.model import Pack
from certlib.services import compare as cmp
from certlib.services.events import EventFilters, EventRows, filter_rows, row_of
from certlib.services.evidence import submission_evidence
from certlib.services.exceptions import Exceptions
from certlib.services.history import History
from certlib.services.jobs import COMPLETED, Job, JobQueue
from certlib.services.runs import job_handlers
from certlib.services.snapshots import Snapshot, Snapshots
from certlib.services.snapshots import clean_leftovers as clean_snapshot_leftovers
from certlib.store import Store
from certlib.store.readonly import check_writable, is_read_only
from certlib.store.workflow_store import refuse_lost_store

log = logging.getLogger(__name__)


def default_path() -> Path:
    """``CERTLIB_WORKSPACE`` or ``./workspace`` (see :mod:`certlib.config`)."""
    return settings().workspace


def clock(now: datetime | None = None) -> datetime:
    """``now``, else ``CERTLIB_NOW``, else the real time (demos and tests pin the clock)."""
    return settings().clock(now)


def _uid(user: str | User) -> str:
    return user if isinstance(user, str) else user.id


class Workspace:
    """A workspace directory and the services over it (see the module docstring)."""

    def __init__(self, root: Path, store: Store, pack_dir: Path | None = None):
        self.root = Path(root)
        self.store = store
        self.pack_dir = Path(pack_dir) if pack_dir else settings().rules
        store.groups_from = self.pack_dir  # events may name only this pack's validation groups
        self.queue = JobQueue(store.engine)

    # ---- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None, *, pack_dir: Path | None = None) -> Workspace:
        """Open an existing workspace (``CERTLIB_WORKSPACE`` by default); NotFound when absent."""
        root = Path(path) if path is not None else default_path()
        if not (root / "certlib.db").exists() and not settings().database_url:  # else PostgreSQL
            refuse_lost_store(root)  # snapshots or reports without their store: lost, not absent
            raise NotFound(f"no workspace at {root} (certlib.db missing): run `certlib demo init --workspace {root}`")
        ws = cls(root, Store.open_workspace(root, create=False), pack_dir)
        if not is_read_only():
            ws.recover_crashes()
            ws.queue.recover(clock())
        return ws

    def recover_crashes(self, now: datetime | None = None) -> dict[str, Any]:
        """Clean what killed processes left behind, and audit it (run on every writable open):

        - under the state copy's exclusive lock (so no resync is in flight), a committed resync is
          completed and the temporary table copies of a killed one are deleted;
        - a resync whose closing audit row was lost (the process died after "resync requested") gets a
          "resync recovered" row saying whether the state copy now holds the district's rows for the
          unit ("completed") or not ("abandoned": the state copy is as before, a resync is all or nothing);
        - half-written snapshot directories of dead processes are deleted (versions on disk that the
          store never registered are left, and never listed: see :meth:`snapshots`).
        """
        from certlib.services.jobs import pid_alive

        at = clock(now)
        out: dict[str, Any] = {"snapshot_tmp_removed": clean_snapshot_leftovers(self.root / "snapshots", pid_alive)}
        if self.state_dir.is_dir() and (cmp.has_leftovers(self.state_dir) or self.store.dangling_resyncs()):
            with cmp.state_lock(self.state_dir):
                out.update(cmp.clean_leftovers(self.state_dir))
                outcomes = {}
                for unit_id in self.store.dangling_resyncs():  # re-read under the lock: none is in flight
                    outcome = "completed" if cmp.is_clean(self.compare(unit_id)) else "abandoned"
                    unit = self.unit(unit_id)
                    self.store.record_recovery(
                        "resync recovered",
                        at,
                        unit_id=unit_id,
                        event_id=unit.event_id,
                        details={"outcome": outcome, **out},
                    )
                    outcomes[unit_id] = outcome
                out["resyncs"] = outcomes
                if not outcomes and (out["journal_files_moved"] or out["tmp_removed"]):
                    self.store.record_recovery("crash leftovers cleaned", at, details=out)
        if out["snapshot_tmp_removed"]:
            self.store.record_recovery(
                "crash leftovers cleaned", at, details={"snapshot_tmp_removed": out["snapshot_tmp_removed"]}
            )
        return out

    @classmethod
    def create(cls, path: str | Path, *, pack_dir: Path | None = None) -> Workspace:
        check_writable("create a workspace")
        root = Path(path)
        if root.exists() and not root.is_dir():
            raise StoreError(f"{root}: is a file, not a workspace directory")
        for sub in ("data/state", "data/districts", "snapshots", "reports"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        return cls(root, Store.open_workspace(root, create=True), pack_dir)

    @classmethod
    def create_demo(
        cls, path: str | Path, now: datetime | None = None, *, sample: Path | None = None, scenario: Path | None = None
    ) -> Workspace:
        """A new workspace with the sample state copied in and the demo scenario loaded."""
        from certlib.services.scenario import load_scenario

        root = Path(path)
        if (root / "certlib.db").exists():
            raise NotFound(f"{root} already holds a workspace; remove it first")
        ws = cls.create(root)
        src = Path(sample) if sample else package_data("sample_data") / "state"
        shutil.copytree(src / "state", ws.data_dir / "state", dirs_exist_ok=True)
        shutil.copytree(src / "districts", ws.data_dir / "districts", dirs_exist_ok=True)
        at = clock(now)
        load_scenario(ws, Path(scenario) if scenario else package_data("sample_data") / "scenario", at)
        ws.store.sweep_alerts(at)  # due-soon / overdue alerts as of the demo's clock
        return ws

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- places -------------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def state_dir(self) -> Path | str:
        """The state's copy: ``CERTLIB_STATE_DATA`` (a directory or a ``postgresql://`` URL), else
        ``<ws>/data/state``."""
        configured = settings().state_data
        return data_source(configured) if configured else self.data_dir / "state"

    def district_dir(self, district_number: str) -> Path | str:
        """The district's copy: ``CERTLIB_DISTRICT_DATA`` with ``{district}`` filled in, else
        ``<ws>/data/districts/<n>``."""
        configured = settings().district_data
        if configured:
            return data_source(configured.replace("{district}", file_part(district_number)))
        return path_inside(self.data_dir, dirs=("districts", district_number))

    @property
    def reports_dir(self) -> Path:
        return self.root / "reports"

    @cached_property
    def pack(self) -> Pack:
        return load_pack(self.pack_dir)

    @cached_property
    def snapshot_store(self) -> Snapshots:
        return Snapshots(self.root / "snapshots", self.pack)

    def now(self) -> datetime:
        return clock()

    @cached_property
    def history(self) -> History:
        """Run history and trends of the units (see :mod:`certlib.services.history`)."""
        return History(self)

    @cached_property
    def exceptions(self) -> Exceptions:
        """Notes and state-approved exceptions (see :mod:`certlib.services.exceptions`)."""
        return Exceptions(self)

    # ---- people, events, units, messages (thin over the store) -----------------------------------

    def user(self, user_id: str) -> User:
        return self.store.user(user_id)

    def users(self) -> list[User]:
        return self.store.users()

    def unit(self, unit_id: int) -> Unit:
        return self.store.unit(unit_id)

    @staticmethod
    def unit_scope(unit: Unit) -> dict[str, str]:
        """The data scope of a unit: its district, and its school for school-level units."""
        scope = {"district": unit.district_number}
        if unit.school_code:
            scope["school"] = unit.school_code
        return scope

    def units_for(self, user: str | User, now: datetime | None = None, event_id: int | None = None) -> list[Any]:
        return self.store.units_for(_uid(user), clock(now), event_id)

    def events_for(
        self, user: str | User, filters: EventFilters | Mapping[str, Any] | None = None, now: datetime | None = None
    ) -> list[dict[str, Any]]:
        """The user's events list (one row per unit they see), filtered; see :class:`EventFilters`."""
        return self.events_page(user, filters, now).rows

    def events_page(
        self, user: str | User, filters: EventFilters | Mapping[str, Any] | None = None, now: datetime | None = None
    ) -> EventRows:
        schools = {s.code: s.name for s in self.store.schools()}
        districts = {d.number: d.name for d in self.store.districts()}
        rows = [row_of(v, schools, districts) for v in self.units_for(user, now)]
        return filter_rows(rows, EventFilters.of(filters))

    def messages(self, user: str | User, unread_only: bool = False) -> list[Any]:
        return self.store.messages(_uid(user), unread_only)

    def mark_read(self, user: str | User, alert_id: int) -> Any:
        return self.store.mark_read(_uid(user), alert_id)

    def sweep_alerts(self, now: datetime | None = None, days: int = 7) -> Any:
        return self.store.sweep_alerts(clock(now), days)

    # ---- wizard, jobs, snapshots, compare ---------------------------------------------------------

    def wizard(self, user: str | User, unit_id: int, now: datetime | None = None) -> Any:
        from certlib.services.wizard import Wizard

        return Wizard(self, _uid(user), unit_id, clock(now))

    def jobs(self, unit_id: int | None = None, **filters: Any) -> list[Job]:
        return self.queue.list(unit_id=unit_id, **filters)

    def run_pending(self, now: datetime | None = None, limit: int | None = None) -> list[Job]:
        """Run queued jobs in this process (the app and tests call this; ``certlib worker`` too): each
        finished report or snapshot posts a *Batch Report Complete* alert; then, when
        ``CERTLIB_SMTP_URL`` is set, the email pass (see :mod:`certlib.services.notifications`)."""
        done = self.queue.run_pending(job_handlers(self), now, limit)
        for job in done:
            if job.status == COMPLETED and job.unit_id is not None:
                self.store.post_batch_complete(job.id, job.kind, job.title, job.user_id, job.unit_id, clock(now))
        if settings().smtp_url and not is_read_only():
            from certlib.services.notifications import run as send_emails

            try:
                send_emails(self, now)
            except Exception:  # noqa: BLE001 - mail must never stop the job worker; each email records its failure
                log.exception("email pass of %s failed; retrying on the next poll", self.root)
        return done

    def queue_snapshot(self, user: str | User, unit_id: int, now: datetime | None = None) -> Job:
        """Queue a snapshot of the unit's state rows outside any wizard: the state's snapshot for a unit
        (the article: "The state may have already created a snapshot"), which the unit's reviewers and
        certifiers then review at step 3 (Review State Snapshot). Refused without the take_snapshot right
        (:mod:`certlib.domain.wizard_rights`) naming it."""
        uid, at = _uid(user), clock(now)
        check = next(c for c in self.store.allowed_wizard_actions(uid, unit_id, at) if c.action == "take_snapshot")
        unit = self.unit(unit_id)
        if not check.allowed:
            raise Refused("take snapshot", uid, str(unit.status), check.reason or "not allowed")
        event = self.store.event(unit.event_id)
        return self.queue.enqueue(
            JobKind.SNAPSHOT,
            f"{event.name} DC {event.id}.{unit.id}",
            at,
            unit_id=unit_id,
            user_id=uid,
            round_=unit.round,
        )

    def start(self, now: datetime | None = None, days: int = 7) -> dict[str, Any]:
        """What an app or worker does on start-up: fail jobs of dead workers, run the alerts sweep."""
        configure_logging()
        at = clock(now)
        if is_read_only():
            return {"recovered": [], "alerts": None}
        return {"recovered": [j.id for j in self.queue.recover(at)], "alerts": self.store.sweep_alerts(at, days)}

    def start_worker_thread(self, poll: float = 1.0) -> threading.Event:
        """Run queued jobs in a daemon thread of this process; set the returned event to stop it."""
        stop = threading.Event()

        def loop() -> None:
            while not stop.is_set():
                try:
                    self.run_pending()
                except Exception:  # noqa: BLE001 - keep the worker alive; each job records its own failure
                    log.exception("job worker of %s: running the queued jobs failed; retrying in %ss", self.root, poll)
                stop.wait(poll)

        threading.Thread(target=loop, name="certlib-jobs", daemon=True).start()
        return stop

    def snapshots(self, unit_id: int) -> list[Snapshot]:
        """The unit's registered snapshot versions, oldest first, each verified against the SHA-256 the
        store registered (a version on disk the store never registered is not one)."""
        return [
            self.snapshot_store.registered(unit_id, r.version, r.sha256) for r in self.store.snapshot_records(unit_id)
        ]

    def snapshot_rows(self, unit_id: int) -> list[dict[str, Any]]:
        """One row per registered version: version, sha256, taken at/by, and whether its files verify now
        against the registry (``problem`` says why not); versions on disk the store never registered
        are not listed."""
        out = []
        for r in self.store.snapshot_records(unit_id):
            try:
                self.snapshot_store.registered(unit_id, r.version, r.sha256)
                problem = ""
            except SnapshotError as err:
                problem = str(err)
            out.append(
                {
                    "version": r.version,
                    "sha256": r.sha256,
                    "taken_at": r.taken_at,
                    "taken_by": r.taken_by,
                    "verified": not problem,
                    "problem": problem,
                }
            )
        return out

    def snapshot(self, unit_id: int, version: int | None = None) -> Snapshot | None:
        """A registered version (default: the latest; None when the unit has none), verified against the
        registry; SnapshotError when it does not verify or the store never registered ``version``."""
        records = self.store.snapshot_records(unit_id)
        if version is None:
            return self.snapshot_store.registered(unit_id, records[-1].version, records[-1].sha256) if records else None
        record = next((r for r in records if r.version == version), None)
        if record is None:
            raise SnapshotError(f"unit {unit_id} has no registered snapshot version {version}")
        return self.snapshot_store.registered(unit_id, version, record.sha256)

    def pinned_snapshot(self, unit_id: int, sha256: str) -> Snapshot:
        """The snapshot a step or submission pinned by ``sha256``: the newest registered version with that
        hash whose files verify against the registry (retakes of equal data share the hash, and one intact
        copy holds the pinned content); SnapshotError (the newest version's problem) when none does."""
        records = [r for r in self.store.snapshot_records(unit_id) if r.sha256 == sha256]
        if not records:
            raise SnapshotError(f"unit {unit_id}: no registered snapshot with SHA-256 {sha256[:12]}…")
        first: SnapshotError | None = None
        for r in reversed(records):
            try:
                return self.snapshot_store.registered(unit_id, r.version, r.sha256)
            except SnapshotError as err:
                first = first or err
        assert first is not None
        raise first

    def transition(
        self,
        action: str,
        user: str | User,
        unit_id: int,
        now: datetime | None = None,
        reason: str | None = None,
        due_date: date | None = None,
    ) -> Unit:
        """A unit action (approve, request recertification, ...) through the store's guards; approve is
        refused first when a snapshot pinned by a submission of the unit's round no longer verifies."""
        uid, at = _uid(user), clock(now)
        if action == "approve":
            unit = self.unit(unit_id)
            for sub in self.store.submissions(unit_id, unit.round):
                if not sub.snapshot_sha256:
                    continue
                try:
                    self.pinned_snapshot(unit_id, sub.snapshot_sha256)
                except SnapshotError as err:
                    raise Refused(
                        "approve",
                        uid,
                        str(unit.status),
                        f"guard 'pinned snapshot verifies' failed: the snapshot {sub.user_id} certified "
                        f"no longer verifies ({err})",
                    ) from err
        return self.store.transition(action, uid, unit_id, at, reason, due_date=due_date)

    def approve(self, user: str | User, unit_id: int, now: datetime | None = None, reason: str | None = None) -> Unit:
        return self.transition("approve", user, unit_id, now, reason)

    def submission_evidence(self, unit_id: int, round_: int | None = None) -> list[dict[str, Any]]:
        """Per submission of the round: pinned snapshot version, files verified on disk, runs cited."""
        return submission_evidence(self, unit_id, round_)

    def take_snapshot(self, user: str | User, unit_id: int, now: datetime | None = None) -> Snapshot:
        """Write a new snapshot version of the unit's state rows and register its SHA-256 in the store
        (audited); only a registered snapshot can be pinned by step 3 and a submission."""
        uid, at = _uid(user), clock(now)
        check_writable("take a snapshot", uid)
        unit = self.unit(unit_id)
        generation = self.store.data_generation(unit_id)  # read before the data: a resync meanwhile makes it stale
        snap = self.snapshot_store.take(unit_id, self.state_dir, self.unit_scope(unit), uid, at)
        self.store.register_snapshot(
            uid, unit_id, snap.version, snap.sha256, at, details={"rows": snap.rows}, data_generation=generation
        )
        return snap

    def bulk(
        self, user: str | User, action: str, unit_ids: list[int], now: datetime | None = None, reason: str | None = None
    ) -> list[Any]:
        """State bulk "approve" / "request_recert": one transaction per unit, a per-unit outcome list."""
        from certlib.services.bulk import bulk_transition

        return bulk_transition(self, _uid(user), action, unit_ids, clock(now), reason)

    def mark_read_many(self, user: str | User, alert_ids: list[int] | None = None) -> list[Any]:
        """Mark many messages read (default: every unread one); a per-message outcome list."""
        from certlib.services.bulk import mark_read

        return mark_read(self, _uid(user), alert_ids)

    def timeline(self, user: str | User, unit_id: int, now: datetime | None = None) -> list[dict[str, Any]]:
        """The unit's audit history as timeline entries (see :mod:`certlib.services.timeline`)."""
        from certlib.services.timeline import unit_timeline

        return unit_timeline(self, _uid(user), unit_id, clock(now))

    def certificate(
        self, user: str | User, unit_id: int, now: datetime | None = None, round_: int | None = None
    ) -> str:
        """The printable HTML certificate of the unit's round (see :mod:`certlib.services.certificate`)."""
        from certlib.services.certificate import certificate_html

        return certificate_html(self, _uid(user), unit_id, clock(now), round_)

    def dashboard_frames(self, today: date | None = None, viewer: str | User | None = None) -> dict[str, Any]:
        """Polars frames ``units`` / ``users`` / ``findings`` for the dashboard, limited to ``viewer``'s
        data scope when given (see :mod:`certlib.services.frames`)."""
        from certlib.services.frames import dashboard_frames

        return dashboard_frames(self, today, self._viewer(viewer))

    def latest_report(self, unit_id: int, viewer: str | User | None = None) -> Any:
        """The unit's latest COMPLETED state-validation or snapshot report (``.html``, ``.files``), or
        None; refused when the unit is outside ``viewer``'s data scope."""
        from certlib.services.frames import latest_report

        return latest_report(self, unit_id, self._viewer(viewer))

    def _viewer(self, viewer: str | User | None) -> User | None:
        return self.user(viewer) if isinstance(viewer, str) else viewer

    def compare(self, unit_id: int) -> dict[str, dict[str, Any]]:
        """District copy vs state copy for the unit, per table (see :func:`certlib.services.compare.compare`)."""
        unit = self.unit(unit_id)
        return cmp.compare(self.pack, self.district_dir(unit.district_number), self.state_dir, self.unit_scope(unit))

    def differences(self, unit_id: int, table: str | None = None, kinds: Any = None) -> list[Any]:
        """Step 2's record-level differences of the unit: keys missing / extra in the state copy and the
        differing columns of records both hold, with both values (:mod:`certlib.services.differences`)."""
        from certlib.services.differences import difference_lines

        return difference_lines(self.compare(unit_id), table, kinds)

    def resync(self, user: str | User, unit_id: int, now: datetime | None = None) -> dict[str, int]:
        """Push the district's rows for the unit into the state copy, audited.

        Only the unit's certifiers may resync (the domain's wizard rights: reviewers can only view
        event data), within their scope, while the unit is open for submission and nobody has
        submitted in its round: refused before anything is compared, and again by the store's
        ``record_resync`` under the lock before a file is touched. Under the state copy's exclusive lock, the store first bumps the
        data generation of every unit on the district's data and sets their steps 2-3 back (those
        runs read the old data), then the rows are swapped in.
        """
        uid, at = _uid(user), clock(now)
        cmp.writable_state(self.state_dir)  # before anything is recorded
        unit = self.store.unit_view(uid, unit_id, at).unit
        check = next(c for c in self.store.allowed_wizard_actions(uid, unit_id, at) if c.action == "resync")
        if not check.allowed:
            raise Refused("resync", uid, str(unit.status), check.reason or "not allowed")
        before = cmp.summary(self.compare(unit_id))
        differences = [r for r in before if any(v for k, v in r.items() if k != "table")]
        with cmp.state_lock(self.state_dir):  # the closing row too: recovery never sees a live resync as lost
            self.store.record_resync(uid, unit_id, at, details={"differences": differences})
            written = cmp.resync(
                self.pack, self.district_dir(unit.district_number), self.state_dir, self.unit_scope(unit), locked=True
            )
            self.store.log(
                uid, "resync", at, event_id=unit.event_id, unit_id=unit_id, details={"rows_written": written}
            )
        return written
