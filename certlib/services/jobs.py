"""A persisted job queue in the workspace's ``certlib.db`` (state validation runs, snapshots).

Why: state validation and snapshots can take minutes on a real state, so they are queued, run by
the app's process (:meth:`JobQueue.run_pending`) or by ``certlib worker``, and their status
QUEUED → RUNNING → COMPLETED / FAILED (with the error text and progress) survives restarts. A job
left RUNNING by a worker that died is found by :meth:`JobQueue.recover` and marked FAILED with the
reason, never left stuck.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from certlib.config import settings, wall_time
from certlib.domain.statuses import JobStatus
from certlib.errors import CertlibError, NotFound
from certlib.store.connection import transaction
from certlib.store.readonly import check_writable, is_read_only

QUEUED, RUNNING, COMPLETED, FAILED = JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.COMPLETED, JobStatus.FAILED
log = logging.getLogger(__name__)

_meta = sa.MetaData()
jobs_table = sa.Table(
    "service_jobs",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("title", sa.String, nullable=False),
    sa.Column("unit_id", sa.Integer),
    sa.Column("user_id", sa.String),
    sa.Column("round", sa.Integer),
    sa.Column("seq", sa.Integer),
    sa.Column("params", sa.Text, nullable=False, default="{}"),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("queued_at", sa.String, nullable=False),
    sa.Column("started_at", sa.String),
    sa.Column("finished_at", sa.String),
    sa.Column("progress", sa.Float, nullable=False, default=0.0),
    sa.Column("message", sa.String),
    sa.Column("error", sa.Text),
    sa.Column("result", sa.Text),
    sa.Column("pid", sa.Integer),
    sa.Column("host", sa.String),
    sa.Column("opened_by", sa.Text, nullable=False, default="[]"),
    sa.Column("heartbeat_at", sa.String),  # real UTC time of the worker's last sign of life (v2)
)

#: The job tables live beside the foundation's in certlib.db with their own version row (part "jobs"),
#: so the store's migrations and ours never step on each other.
JOBS_SCHEMA_VERSION = 2  # 1: the job table; 2: heartbeat_at
#: A running job's worker beats this often; a job on another host whose beat is older than
#: STALE_AFTER is taken for dead (on this host the worker's pid answers that directly).
HEARTBEAT_EVERY = 5.0
STALE_AFTER = timedelta(minutes=2)
#: Jobs this process is running right now (any thread, any JobQueue): a RUNNING job that carries this
#: process's pid but is not in here was left by an earlier process that had the same pid (containers
#: restart with small, reused pids).
_ACTIVE: set[int] = set()
_ACTIVE_LOCK = threading.Lock()
versions_table = sa.Table(
    "service_schema_version",
    _meta,
    sa.Column("part", sa.String, primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("applied_at", sa.String, nullable=False),
)


def _schema_version(engine: sa.Engine) -> int:
    """The job tables' version in this database (0 when absent or created before the version row)."""
    with transaction(engine, write=False) as conn:
        names = set(sa.inspect(conn).get_table_names())
        if jobs_table.name not in names or versions_table.name not in names:
            return 0
        return conn.execute(sa.select(versions_table.c.version).where(versions_table.c.part == "jobs")).scalar() or 0


Handler = Callable[["Job", Callable[[float, str], None]], Mapping[str, Any]]


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    title: str
    unit_id: int | None
    user_id: str | None
    round: int | None
    seq: int | None
    params: dict[str, Any]
    status: str
    queued_at: str
    started_at: str | None
    finished_at: str | None
    progress: float
    message: str | None
    error: str | None
    result: dict[str, Any] | None
    pid: int | None
    opened_by: list[str]

    @property
    def percent(self) -> int:
        """Progress as 0-100 for progress bars (``progress`` is stored as a fraction 0-1)."""
        return round(self.progress * 100)

    def as_dict(self) -> dict[str, Any]:
        return {**{k: getattr(self, k) for k in self.__dataclass_fields__}, "percent": self.percent}


def _job(r: Any) -> Job:
    return Job(
        r.id,
        r.kind,
        r.title,
        r.unit_id,
        r.user_id,
        r.round,
        r.seq,
        json.loads(r.params or "{}"),
        r.status,
        r.queued_at,
        r.started_at,
        r.finished_at,
        r.progress or 0.0,
        r.message,
        r.error,
        json.loads(r.result) if r.result else None,
        r.pid,
        json.loads(r.opened_by or "[]"),
    )


def _beat() -> str:
    """A heartbeat time stamp: real UTC time (never the demo clock)."""
    return wall_time(UTC).isoformat(timespec="seconds")


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobQueue:
    """The queue over a SQLAlchemy engine (the store's); its table is created if missing."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self._present = False
        if _schema_version(engine) < JOBS_SCHEMA_VERSION and not is_read_only():
            with transaction(engine, write=True) as conn:  # read-only deployments never create tables
                _meta.create_all(conn, checkfirst=True)
                if "heartbeat_at" not in {c["name"] for c in sa.inspect(conn).get_columns(jobs_table.name)}:
                    conn.execute(sa.text(f"ALTER TABLE {jobs_table.name} ADD COLUMN heartbeat_at VARCHAR"))
                conn.execute(versions_table.delete().where(versions_table.c.part == "jobs"))
                conn.execute(
                    versions_table.insert().values(
                        part="jobs", version=JOBS_SCHEMA_VERSION, applied_at=wall_time().isoformat(timespec="seconds")
                    )
                )

    def enqueue(
        self,
        kind: str,
        title_prefix: str,
        now: datetime,
        *,
        unit_id: int | None = None,
        user_id: str | None = None,
        round_: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Job:
        """Queue a job; its title is ``<title_prefix>.<n>`` with n counting the unit's jobs from 1."""
        check_writable(f"queue {kind}", user_id or "anyone")
        with transaction(self.engine, write=True) as conn:
            seq = 1 + (
                conn.execute(
                    sa.select(sa.func.count()).select_from(jobs_table).where(jobs_table.c.unit_id == unit_id)
                ).scalar()
                or 0
            )
            new_id = conn.execute(
                jobs_table.insert().values(
                    kind=kind,
                    title=f"{title_prefix}.{seq}",
                    unit_id=unit_id,
                    user_id=user_id,
                    round=round_,
                    seq=seq,
                    params=json.dumps(dict(params or {}), default=str),
                    status=QUEUED,
                    queued_at=now.isoformat(),
                    progress=0.0,
                    opened_by="[]",
                )
            ).inserted_primary_key[0]
            return _job(conn.execute(sa.select(jobs_table).where(jobs_table.c.id == new_id)).one())

    @property
    def present(self) -> bool:
        """Does the database hold the job table (always, except read-only over an older store)?"""
        if not self._present:
            with transaction(self.engine, write=False) as conn:
                self._present = sa.inspect(conn).has_table(jobs_table.name)
        return self._present

    def get(self, job_id: int) -> Job:
        if not self.present:
            raise NotFound(f"no job {job_id}")
        with transaction(self.engine, write=False) as conn:
            r = conn.execute(sa.select(jobs_table).where(jobs_table.c.id == job_id)).first()
        if r is None:
            raise NotFound(f"no job {job_id}")
        return _job(r)

    def list(
        self,
        *,
        unit_id: int | None = None,
        kind: str | None = None,
        status: str | None = None,
        title: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[Job]:
        """Jobs, newest first; ``title`` is a case-insensitive substring, since/until bound queued time."""
        if not self.present:
            return []  # a read-only deployment over a store that never had a job queue
        q = sa.select(jobs_table).order_by(jobs_table.c.id.desc())
        if unit_id is not None:
            q = q.where(jobs_table.c.unit_id == unit_id)
        if kind:
            q = q.where(jobs_table.c.kind == kind)
        if status:
            q = q.where(jobs_table.c.status == status)
        if title:
            q = q.where(sa.func.lower(jobs_table.c.title).contains(title.lower()))
        if since:
            q = q.where(jobs_table.c.queued_at >= since)
        if until:
            q = q.where(jobs_table.c.queued_at <= until + ("T23:59:59" if len(until) == 10 else ""))
        with transaction(self.engine, write=False) as conn:
            return [_job(r) for r in conn.execute(q)]

    def mark_opened(self, job_id: int, user_id: str) -> Job:
        check_writable("open report", user_id)
        with transaction(self.engine, write=True) as conn:
            job = _job(conn.execute(sa.select(jobs_table).where(jobs_table.c.id == job_id)).one())
            if user_id not in job.opened_by:
                conn.execute(
                    jobs_table.update()
                    .where(jobs_table.c.id == job_id)
                    .values(opened_by=json.dumps([*job.opened_by, user_id]))
                )
        return self.get(job_id)

    def claim(self, now: datetime) -> Job | None:
        """Take the oldest QUEUED job and mark it RUNNING by this process (atomic)."""
        check_writable("run job", "worker")
        with transaction(self.engine, write=True) as conn:
            r = conn.execute(
                sa.select(jobs_table).where(jobs_table.c.status == QUEUED).order_by(jobs_table.c.id).limit(1)
            ).first()
            if r is None:
                return None
            took = conn.execute(
                jobs_table.update()
                .where(jobs_table.c.id == r.id, jobs_table.c.status == QUEUED)
                .values(
                    status=RUNNING,
                    started_at=now.isoformat(),
                    pid=os.getpid(),
                    host=socket.gethostname(),
                    message="started",
                    heartbeat_at=_beat(),
                )
            )
            if took.rowcount != 1:
                return None  # another worker claimed it between our read and our write
            return _job(conn.execute(sa.select(jobs_table).where(jobs_table.c.id == r.id)).one())

    def _update(self, job_id: int, **values: Any) -> None:
        with transaction(self.engine, write=True) as conn:
            conn.execute(jobs_table.update().where(jobs_table.c.id == job_id).values(**values))

    def run_one(self, job: Job, handlers: Mapping[str, Handler], now: datetime | None = None) -> Job:
        """Run a claimed job; any exception becomes FAILED with its text."""

        def report(fraction: float, message: str) -> None:
            self._update(job.id, progress=max(0.0, min(1.0, fraction)), message=message, heartbeat_at=_beat())

        handler = handlers.get(job.kind)
        with _ACTIVE_LOCK:
            _ACTIVE.add(job.id)
        stop = self._heartbeat(job.id)
        try:
            if handler is None:
                raise CertlibError(f"no handler for job kind {job.kind!r}")
            result = handler(job, report)
        except Exception as err:  # noqa: BLE001 - a job's failure is data, not a crash of the worker
            text = str(err) if isinstance(err, CertlibError) else f"{type(err).__name__}: {err}"
            log.warning("job %s %s failed: %s", job.id, job.title, text, exc_info=not isinstance(err, CertlibError))
            self._update(
                job.id,
                status=FAILED,
                error=text,
                message="failed",
                finished_at=settings().clock(now).isoformat(),
                result=json.dumps({"traceback": traceback.format_exc(limit=5)}),
            )
        else:
            self._update(
                job.id,
                status=COMPLETED,
                progress=1.0,
                message="done",
                finished_at=settings().clock(now).isoformat(),
                result=json.dumps(dict(result), default=str),
            )
        finally:
            stop.set()
            with _ACTIVE_LOCK:
                _ACTIVE.discard(job.id)
        return self.get(job.id)

    def run_pending(
        self, handlers: Mapping[str, Handler], now: datetime | None = None, limit: int | None = None
    ) -> list[Job]:
        """Run queued jobs in this process until none is left (or ``limit``); returns them."""
        done: list[Job] = []
        while limit is None or len(done) < limit:
            job = self.claim(settings().clock(now))
            if job is None:
                break
            done.append(self.run_one(job, handlers, now))
        return done

    def _heartbeat(self, job_id: int) -> threading.Event:
        """Beat every HEARTBEAT_EVERY seconds while the job runs; set the returned event to stop."""
        stop = threading.Event()

        def beat() -> None:
            while not stop.wait(HEARTBEAT_EVERY):
                try:
                    self._update(job_id, heartbeat_at=_beat())
                except Exception as err:  # noqa: BLE001 - a missed beat is retried; the job itself decides its fate
                    log.warning("job %s: heartbeat not written (%s); retrying", job_id, err)

        threading.Thread(target=beat, name=f"certlib-job-{job_id}-heartbeat", daemon=True).start()
        return stop

    def recover(self, now: datetime, stale_after: timedelta = STALE_AFTER) -> list[Job]:
        """Mark RUNNING jobs whose worker is gone FAILED, with the reason (start-up check).

        On this host a worker is gone when its pid is (or the pid is ours but the job is not running
        in this process); on any host when its heartbeat is older than ``stale_after`` (real time,
        whatever the demo clock says) — a worker on another host sharing a PostgreSQL store, or a
        hung one.
        """
        host, limit = socket.gethostname(), wall_time(UTC) - stale_after
        found = []
        for j in self.list(status=RUNNING):
            where, beat = self._host(j.id), self._beat_of(j.id)
            with _ACTIVE_LOCK:
                mine_but_gone = j.pid == os.getpid() and j.id not in _ACTIVE
            if where == host and (not pid_alive(j.pid) or mine_but_gone):
                why = f"worker process {j.pid} died while the job was RUNNING (found at start-up {now.isoformat()})"
            elif beat is not None and datetime.fromisoformat(beat) < limit:
                why = f"worker process {j.pid} on {where} sent no heartbeat since {beat} (found at start-up {now.isoformat()})"
            else:
                continue
            with transaction(self.engine, write=True) as conn:  # only if it is still RUNNING
                conn.execute(
                    jobs_table.update()
                    .where(jobs_table.c.id == j.id, jobs_table.c.status == RUNNING)
                    .values(status=FAILED, finished_at=now.isoformat(), message="failed", error=why)
                )
            found.append(j.id)
        return [self.get(i) for i in found]

    def _beat_of(self, job_id: int) -> str | None:
        with transaction(self.engine, write=False) as conn:
            return conn.execute(sa.select(jobs_table.c.heartbeat_at).where(jobs_table.c.id == job_id)).scalar()

    def _host(self, job_id: int) -> str | None:
        with transaction(self.engine, write=False) as conn:
            return conn.execute(sa.select(jobs_table.c.host).where(jobs_table.c.id == job_id)).scalar()
