"""The certification wizard for one (user, unit, round): four steps with real gating (design §4).

Why: the steps' statuses are what the store's submit guard checks, so every step puts the run it
made on record (``store.record_evidence``) and cites it in ``store.record_progress``; the store copies
the facts from the run, never from the caller, and every refusal names why. Each step's status comes with the
reason it is not COMPLETED (derived from the store's progress and the job queue, never guessed).
Re-running an earlier step sets the later ones back to NOT STARTED.

>>> wiz = ws.wizard("ns.cert1", unit_id)                                   # doctest: +SKIP
>>> wiz.run_district(); job = wiz.queue_state_validation(); ws.run_pending()  # doctest: +SKIP
>>> wiz.open_report(job.id); wiz.take_snapshot(); ws.run_pending()       # doctest: +SKIP
>>> wiz.review_snapshot(); wiz.acknowledge_warnings(); wiz.submit()       # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from certlib.domain.history import change_counts
from certlib.domain.statuses import WIZARD_STEPS, JobKind, StepStatus
from certlib.engine.results import RunResult
from certlib.errors import NotFound, Refused, SnapshotError
from certlib.services.jobs import COMPLETED, Job
from certlib.services.runs import facts, run_unit, save_report, snap_generation
from certlib.services.snapshots import Snapshot
from certlib.store.readonly import check_writable

if TYPE_CHECKING:
    from certlib.services.workspace import Workspace

NOT_STARTED, IN_PROGRESS, DONE = (str(StepStatus.NOT_STARTED), str(StepStatus.IN_PROGRESS), str(StepStatus.COMPLETED))
STEP_NAMES = {**WIZARD_STEPS, 4: "Certify and Submit"}


@dataclass(frozen=True)
class StepState:
    step: int
    name: str
    status: str
    reason: str  # why it is not COMPLETED ("" when it is)

    def as_dict(self) -> dict[str, Any]:
        return {"step": self.step, "name": self.name, "status": self.status, "reason": self.reason}


class Wizard:
    """One user's wizard on one unit in its current round (opening it checks the user's scope)."""

    def __init__(self, ws: Workspace, user_id: str, unit_id: int, now: datetime):
        self.ws, self.store, self.user_id, self.unit_id, self.now = ws, ws.store, user_id, unit_id, now
        self.view = self.store.unit_view(user_id, unit_id, now)  # Refused outside the user's scope
        self.event = self.view.event

    @property
    def unit(self) -> Any:
        """The unit as the store has it now (an app keeps a wizard open across a new round)."""
        return self.store.unit(self.unit_id)

    # ---- what the screen shows ---------------------------------------------------------------

    @property
    def role(self) -> str:
        return self.view.role or ""

    @property
    def is_certifier(self) -> bool:
        """Certifiers go on to step 4 and submit; reviewers close the wizard after step 3."""
        return self.role == "certifier"

    @property
    def mode(self) -> str:
        """The row's action the domain derived: "Start Certification" while the user can still act,
        "Review Data" once their part is done, the unit went on, it is overdue or the event closed
        (the app then shows the reports and snapshots without the buttons that change anything)."""
        return self.store.unit_view(self.user_id, self.unit_id, self.now).buttons[-1]

    @property
    def reviewing(self) -> bool:
        return self.mode != "Start Certification"

    @property
    def round(self) -> int:
        return self.unit.round

    @property
    def title_prefix(self) -> str:
        """Jobs and reports are titled ``<event name> DC <event id>.<unit id>.<n>``."""
        return f"{self.event.name} DC {self.event.id}.{self.unit.id}"

    @property
    def submission(self) -> Any | None:
        """This user's submission in the current round (its steps are frozen), or None."""
        return next((s for s in self.store.submissions(self.unit_id, self.round) if s.user_id == self.user_id), None)

    def progress(self) -> dict[int, Any]:
        return self.store.progress(self.user_id, self.unit_id)

    def _status(self, step: int) -> str:
        p = self.progress().get(step)
        return str(p.status) if p else NOT_STARTED

    def _my_jobs(self, kind: str) -> list[Job]:
        return [j for j in self.ws.jobs(self.unit_id, kind=kind) if j.user_id == self.user_id and j.round == self.round]

    def steps(self) -> list[StepState]:
        """Steps 1-4 with their status and the reason each is not COMPLETED."""
        p = self.progress()
        out = [
            StepState(n, STEP_NAMES[n], str(p[n].status) if n in p else NOT_STARTED, self._reason(n, p.get(n)))
            for n in (1, 2, 3)
        ]
        out.append(self._step4())
        return out

    def _stale(self, job: Job) -> bool:
        """Did ``job``'s run read the state copy before its last resync?"""
        evidence_id = (job.result or {}).get("evidence_id")
        if evidence_id is None:
            return False
        return self.store.evidence(evidence_id).data_generation != self.store.data_generation(self.unit_id)

    def _facts_reason(self, p: Any, where: str) -> str | None:
        if p is not None and p.fatal_seen:
            return f"fatal findings in the {where}: fix the data and run again"
        if p is not None and p.error_seen:
            return f"a rule failed to run on the {where}"
        return None

    def _job_reason(self, jobs: list[Job], what: str) -> str:
        if not jobs:
            return f"{what}: nothing queued yet"
        j = jobs[0]
        if j.status != COMPLETED:
            return f"job {j.title} is {j.status}" + (f": {j.error}" if j.error else "")
        return ""

    def _reason(self, step: int, p: Any) -> str:
        if p is not None and str(p.status) == DONE:
            return ""
        if step == 1:
            return self._facts_reason(p, "district data") or "run District Validation"
        if step == 2:
            if p is None:
                return "queue State Validation (after step 1 is COMPLETED)"
            jobs = self._my_jobs(JobKind.STATE_VALIDATION)
            why = self._job_reason(jobs, "State Validation")
            if why:
                return why
            if self._stale(jobs[0]):
                return f"the state copy was resynced after {jobs[0].title} ran: queue State Validation again"
            if self.user_id not in jobs[0].opened_by:
                return f"open the report {jobs[0].title}"
            return self._facts_reason(p, "state data") or "open the latest report"
        if p is None:
            return "take a snapshot or review the latest one (after step 2 is COMPLETED)"
        jobs = self._my_jobs(JobKind.SNAPSHOT)
        return (
            self._facts_reason(p, "snapshot")
            or (self._job_reason(jobs, "Snapshot") if jobs else "")
            or "review a COMPLETED snapshot"
        )

    def _step4(self) -> StepState:
        name = STEP_NAMES[4]
        if self.role.startswith("state"):
            return StepState(
                4, name, "N/A", "the state approves or sends back from the state console; certifiers submit here"
            )
        if not self.is_certifier:
            closing = self.progress().get(4)
            if closing is not None and str(closing.status) == DONE:
                return StepState(4, name, "CLOSED", "")
            return StepState(4, name, "N/A", "reviewers close the wizard after step 3")
        if self.submission is not None:
            return StepState(4, name, DONE, "")
        check = next(
            (c for c in self.store.allowed_actions(self.user_id, self.unit_id, self.now) if c.action == "submit"), None
        )
        if check is None or check.allowed:
            return StepState(4, name, NOT_STARTED, "ready: submit the certification")
        return StepState(4, name, NOT_STARTED, check.reason or "not allowed")

    @property
    def last_step(self) -> int:
        """Certifiers go on to step 4; reviewers are done after step 3 (Close)."""
        return 4 if self.is_certifier else 3

    def forward_label(self, step: int) -> str:
        return "Next" if step < self.last_step else "Close"

    def forward(self, step: int) -> int | None:
        """What the forward button does at ``step``: the next step's number, or None when the wizard is
        left — a reviewer's Close after step 3 is recorded (Closed) unless they are only reviewing data."""
        if step < self.last_step:
            return step + 1
        if not self.is_certifier and not self.reviewing:
            self.close()
        return None

    def next_check(self, step: int) -> tuple[bool, str]:
        """May the user move past ``step``? (it must be COMPLETED in this round), and why not."""
        if step >= 4:
            return False, ""
        if self.reviewing:  # Review Data: the user looks through the steps, nothing is written
            return True, ""
        state = self.steps()[step - 1]
        return (
            (True, "")
            if state.status == DONE
            else (False, f"step {step} {state.name} is {state.status}: {state.reason}")
        )

    def checks(self) -> dict[str, Any]:
        """``{action: ActionCheck}`` for this user: the unit's transitions (submit, request_recert...) and
        the wizard's rights (run_report, take_snapshot, review_snapshot, resync, close)."""
        out = {c.action: c for c in self.store.allowed_wizard_actions(self.user_id, self.unit_id, self.now)}
        out.update({c.action: c for c in self.store.allowed_actions(self.user_id, self.unit_id, self.now)})
        return out

    def request_recert(self, reason: str) -> Any:
        return self.store.request_recert(self.user_id, self.unit_id, reason, self.now)

    def changes(self, copy: str = "district", rule: str | None = None) -> list[Any]:
        """Per rule and record key of the unit's latest run of ``copy`` ("district": step 1, "state": the
        state job and snapshots): new / still there / fixed since the run of that copy before it."""
        return self.ws.history.changes(self.user_id, self.unit_id, self.now, rule=rule, copy=copy)

    def change_counts(self, copy: str = "district") -> dict[str, int]:
        """How many findings of the latest run of ``copy`` are new / still there / fixed / unknown."""
        return change_counts(self.changes(copy))

    def compare(self) -> dict[str, dict[str, Any]]:
        return self.ws.compare(self.unit_id)

    def differences(self, table: str | None = None, kinds: Any = None) -> list[Any]:
        """Record-level differences between the district's and the state's copy of the unit (step 2)."""
        return self.ws.differences(self.unit_id, table, kinds)

    def findings_for(self, line: Any) -> list[dict[str, Any]]:
        """The findings of this user's latest COMPLETED state-validation report (this round) that touch
        the record of a difference line; [] when there is no such report yet."""
        import json

        from certlib.services.differences import findings_touching

        done = [j for j in self._my_jobs(JobKind.STATE_VALIDATION) if j.status == COMPLETED]
        path = ((done[0].result or {}).get("reports") or {}).get("json") if done else None
        if path and not Path(path).exists():  # a workspace moved since: the same file name under its reports/
            path = str(self.ws.reports_dir / Path(path).name)
        if not path or not Path(path).exists():
            return []
        table = self.ws.pack.tables.get(line.table)
        scope = [c for c in (getattr(table, "district_key", None), getattr(table, "school_key", None)) if c]
        return findings_touching(json.loads(Path(path).read_text()), line, scope)

    def resync(self) -> dict[str, int]:
        """Push the district's rows to the state copy; re-run step 1 afterwards (later steps reset then)."""
        return self.ws.resync(self.user_id, self.unit_id, self.now)

    def status(self) -> dict[str, Any]:
        return {
            "unit_id": self.unit_id,
            "event": self.event.name,
            "user": self.user_id,
            "role": self.role,
            "round": self.round,
            "unit_status": str(self.store.unit(self.unit_id).status),
            "steps": [s.as_dict() for s in self.steps()],
        }

    # ---- writing progress ----------------------------------------------------------------------

    def _record(self, step: int, status: str, **kw: Any) -> None:
        self.store.record_progress(self.user_id, self.unit_id, step, status, self.now, **kw)

    def _invalidate_after(self, step: int) -> None:
        """Set later steps back to NOT STARTED (their results no longer follow from this one)."""
        p = self.progress()
        for later in range(step + 1, 4):
            if later in p and str(p[later].status) != NOT_STARTED:
                self._record(later, NOT_STARTED)

    def _require(self, action: str, step: int) -> None:
        if self._status(step) != DONE:
            raise Refused(
                action,
                self.user_id,
                str(self.unit.status),
                f"step {step} {STEP_NAMES[step]} is {self._status(step)}: {self._reason(step, self.progress().get(step))}",
            )

    @staticmethod
    def _status_of(run: Any) -> str:
        """COMPLETED unless the run on record found a fatal finding or a rule failed."""
        return IN_PROGRESS if (run.fatal_seen or run.error_seen) else DONE

    # ---- step 1 --------------------------------------------------------------------------------

    def run_district(self, fmt: str = "html") -> RunResult:
        """Run the event's groups on the district's copy; COMPLETED only without fatal or rule error.
        Refused before anything runs or is written in a read-only deployment."""
        check_writable("run District Validation", self.user_id)
        run = run_unit(
            self.ws,
            self.unit_id,
            self.ws.district_dir(self.unit.district_number),
            "district data",
            self.now,
            copy="district",
            user_id=self.user_id,
            step=1,
        )
        reports = save_report(
            self.ws,
            run,
            f"unit{self.unit_id}-r{self.round}-{self.user_id}-district",
            tuple(dict.fromkeys((fmt, "json"))),
        )
        f = facts(run)
        ev = self.store.record_evidence(
            self.user_id, self.unit_id, 1, self.now, **f, source=f"district data: report {Path(reports['json']).name}"
        )
        self._record(1, self._status_of(ev), evidence_id=ev.id)
        self._invalidate_after(1)
        return run

    # ---- step 2 --------------------------------------------------------------------------------

    def queue_state_validation(self) -> Job:
        """Queue the state-validation job (step 1 must be COMPLETED)."""
        self._require("state validation", 1)
        job = self.ws.queue.enqueue(
            JobKind.STATE_VALIDATION,
            self.title_prefix,
            self.now,
            unit_id=self.unit_id,
            user_id=self.user_id,
            round_=self.round,
        )
        self._record(2, IN_PROGRESS)
        self._invalidate_after(2)
        return job

    def reports(self, title: str | None = None, since: str | None = None, until: str | None = None) -> list[Job]:
        """The unit's state-validation reports (title, queued time, status), newest first."""
        return self.ws.jobs(self.unit_id, kind=JobKind.STATE_VALIDATION, title=title, since=since, until=until)

    def open_report(self, job_id: int) -> Job:
        """Open a report; opening this round's latest COMPLETED one with no fatal/error completes step 2
        (a snapshot job's report opens as the snapshot's review)."""
        job = self.ws.queue.get(job_id)
        if job.unit_id != self.unit_id:
            raise NotFound(f"job {job_id} is not a report of unit {self.unit_id}")
        if job.status != COMPLETED:
            raise Refused(
                "open report",
                self.user_id,
                job.status,
                f"job {job.title} is {job.status}" + (f": {job.error}" if job.error else ""),
            )
        job = self.ws.queue.mark_opened(job_id, self.user_id)
        if job.kind == JobKind.SNAPSHOT:
            self.review_snapshot(int((job.result or {})["version"]))
            return job
        mine = self._my_jobs(JobKind.STATE_VALIDATION)
        if mine and mine[0].id == job.id:
            evidence_id = (job.result or {}).get("evidence_id")
            if evidence_id is None:  # a job from before runs were put on record: queue a new one
                self._record(2, IN_PROGRESS)
            else:
                self._record(2, self._status_of(self.store.evidence(evidence_id)), evidence_id=evidence_id)
        return job

    def report_path(self, job_id: int, fmt: str = "html") -> str:
        job = self.ws.queue.get(job_id)
        return str((job.result or {}).get("reports", {}).get(fmt, ""))

    # ---- step 3 --------------------------------------------------------------------------------

    def take_snapshot(self) -> Job:
        """Queue a snapshot of the state's rows for the unit (step 2 must be COMPLETED)."""
        self._require("take snapshot", 2)
        job = self.ws.queue.enqueue(
            JobKind.SNAPSHOT, self.title_prefix, self.now, unit_id=self.unit_id, user_id=self.user_id, round_=self.round
        )
        self._record(3, IN_PROGRESS)
        return job

    def latest_snapshot(self) -> Snapshot | None:
        """The unit's latest registered snapshot (verified against the registry); a version whose
        registration failed is on disk but is never offered."""
        return self.ws.snapshot(self.unit_id)

    def latest_snapshot_job(self) -> tuple[Job | None, str]:
        """Step 3's *Review State Snapshot*: the COMPLETED job of the unit's latest registered snapshot
        (whoever took it — the state may have), or None and why there is nothing to review yet."""
        if self.reviewing:
            return None, "Review Data: nothing is recorded from here"
        if self._status(2) != DONE:
            return None, f"step 2 State Validation is {self._status(2)}: {self._reason(2, self.progress().get(2))}"
        records = self.store.snapshot_records(self.unit_id)
        if not records:
            return None, f"unit {self.unit_id} has no snapshot yet: Take Snapshot"
        latest = records[-1]
        job = next(
            (
                j
                for j in self.ws.jobs(self.unit_id, kind=JobKind.SNAPSHOT, status=COMPLETED)
                if (j.result or {}).get("version") == latest.version
            ),
            None,
        )
        if job is None:
            return None, f"snapshot v{latest.version} has no completed job to open"
        return job, f"snapshot v{latest.version} taken by {latest.taken_by} at {latest.taken_at[:16]}"

    def review_snapshot(self, version: int | None = None) -> Snapshot:
        """Review a (verified) snapshot version, default the latest; pins its SHA-256 on step 3."""
        self._require("review snapshot", 2)
        snap = self.ws.snapshot(self.unit_id, version)
        if snap is None:
            raise Refused(
                "review snapshot",
                self.user_id,
                str(self.unit.status),
                f"unit {self.unit_id} has no snapshot yet: take one",
            )
        job = next(
            (
                j
                for j in self.ws.jobs(self.unit_id, kind=JobKind.SNAPSHOT, status=COMPLETED)
                if (j.result or {}).get("version") == snap.version
            ),
            None,
        )
        if job is not None and job.result:
            f = {k: job.result[k] for k in ("fatal_seen", "error_seen", "warnings")}
        else:
            f = facts(
                run_unit(
                    self.ws,
                    self.unit_id,
                    snap.path,
                    f"snapshot v{snap.version}",
                    self.now,
                    copy="state",
                    user_id=self.user_id,
                    step=3,
                    snapshot_sha256=snap.sha256,
                    data_generation=snap_generation(self.ws, self.unit_id, snap.version),
                )
            )
        ev = self.store.record_evidence(
            self.user_id,
            self.unit_id,
            3,
            self.now,
            **f,
            snapshot_sha256=snap.sha256,
            source=f"snapshot v{snap.version}",
        )
        self._record(3, self._status_of(ev), evidence_id=ev.id)
        self.store.log(
            self.user_id,
            "snapshot reviewed",
            self.now,
            event_id=self.event.id,
            unit_id=self.unit_id,
            details={"version": snap.version},
            snapshot_sha256=snap.sha256,
        )
        return snap

    # ---- step 4 --------------------------------------------------------------------------------

    def acknowledge_warnings(self) -> int:
        """Acknowledge the warnings of steps 1-3; returns how many steps had some."""
        n = 0
        for step, p in self.progress().items():
            if p.warnings and not p.warnings_acknowledged:
                self._record(step, str(p.status), evidence_id=p.evidence_id, warnings_acknowledged=True)
                n += 1
        return n

    def submit(self, title: str | None = None) -> Any:
        """Submit through the store (its guards decide), after re-verifying the pinned snapshot; the
        store records the attestation (the deployment's statement, this user's name and ``title``)."""
        p = self.progress().get(3)
        if p is not None and p.snapshot_sha256:
            try:
                self.ws.pinned_snapshot(self.unit_id, p.snapshot_sha256)
            except SnapshotError as err:
                raise Refused(
                    "submit", self.user_id, str(self.unit.status), f"the pinned snapshot is not intact: {err}"
                ) from err
        return self.store.submit(self.user_id, self.unit_id, self.now, title=title)

    def close(self) -> list[StepState]:
        """A reviewer is done once step 3 is COMPLETED: Close (their user status is Closed from here).
        Refused for certifiers (they submit) and before step 3, naming why."""
        self.store.record_close(self.user_id, self.unit_id, self.now)
        return self.steps()
