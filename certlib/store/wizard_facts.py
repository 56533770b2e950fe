"""The store's side of the wizard: runs on record, the snapshot registry, step progress, resyncs.

Why here and not in the services: the submit guard reads these rows, so they are written under the
same write lock and refused by the same rules. A step is COMPLETED only by citing a run on record of
the same user, unit, round and step without fatal findings; steps 2 and 3 read the state copy, so
their runs (and the snapshot step 3 names) carry the unit's *data generation*, which every resync
bumps: a run or snapshot of the state copy before its last resync backs nothing. After a user has
submitted in a round, their steps of that round are frozen (the submission rests on them).

:class:`WizardFacts` is mixed into :class:`certlib.store.Store`; it uses the store's ``_write``,
``_read`` and ``_context``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from certlib.domain.entities import Evidence, Progress, SnapshotRecord
from certlib.domain.statuses import STATE_STEPS, WIZARD_STEPS, StepStatus
from certlib.domain.unit_transitions import UnitContext
from certlib.domain.wizard_rights import CLOSE_STEP, wizard_refusal
from certlib.errors import NotFound, Refused
from certlib.store import audit, evidence, rows
from certlib.store import schema as t

SHA256 = re.compile(r"^[0-9a-f]{64}$")


class WizardFacts:
    """Store methods for the wizard's facts (see the module docstring)."""

    def record_evidence(
        self,
        actor_id: str,
        unit_id: int,
        step: int,
        now: datetime,
        *,
        fatal_seen: bool,
        error_seen: bool,
        warnings: int,
        source: str,
        snapshot_sha256: str | None = None,
        round_: int | None = None,
        data_generation: int | None = None,
    ) -> Evidence:
        """Put a validation run on record for ``actor_id``'s step (1 district, 2 state, 3 snapshot) in the
        unit's current round; the services call this where they ran the rules. Step 3 names a snapshot
        of the current state data from the registry (:meth:`register_snapshot`); steps 1-2 name none.

        ``round_``: the round the run was queued in (refused if the unit has moved on);
        ``data_generation``: the unit's data generation read *before* the run read the state copy
        (refused if a resync happened since); both default to the current values."""
        action = "record validation run"
        with self._write(action, actor_id) as conn:  # type: ignore[attr-defined]
            ctx = self._context(conn, actor_id, unit_id, now, lock=True)  # type: ignore[attr-defined]
            why = (
                _wizard_refusal(ctx, step)
                or _frozen_refusal(ctx)
                or _evidence_refusal(conn, ctx, step, warnings, snapshot_sha256, round_, data_generation)
            )
            if why:
                raise Refused(action, actor_id, ctx.unit.status, why)
            return evidence.add(
                conn,
                unit_id=unit_id,
                round_=ctx.unit.round,
                user_id=actor_id,
                step=step,
                fatal_seen=fatal_seen,
                error_seen=error_seen,
                warnings=warnings,
                snapshot_sha256=snapshot_sha256,
                source=source,
                now=now,
                data_generation=ctx.unit.data_generation,
            )

    def evidence(self, evidence_id: int) -> Evidence:
        with self._read() as conn:  # type: ignore[attr-defined]
            return evidence.get(conn, evidence_id)

    def data_generation(self, unit_id: int) -> int:
        """How many resyncs the unit's state data has had (read it before reading the state copy)."""
        with self._read() as conn:  # type: ignore[attr-defined]
            return rows.get_unit(conn, unit_id).data_generation

    def register_snapshot(
        self,
        actor_id: str,
        unit_id: int,
        version: int,
        sha256: str,
        now: datetime,
        details: dict[str, Any] | None = None,
        data_generation: int | None = None,
    ) -> SnapshotRecord:
        """Register a snapshot version the snapshot service has just written, and audit it, in one
        transaction. Only the unit's reviewers and certifiers take snapshots; ``data_generation`` is the
        unit's generation read before the files were copied (default: the current one)."""
        action = "register snapshot"
        with self._write(action, actor_id) as conn:  # type: ignore[attr-defined]
            ctx = self._context(conn, actor_id, unit_id, now, lock=True)  # type: ignore[attr-defined]
            why = _wizard_refusal(ctx, 3, "take_snapshot")
            if not why and not SHA256.match(sha256 or ""):
                why = "sha256 must be 64 lowercase hex digits"
            if not why and any(r.version == version for r in evidence.snapshots_of(conn, unit_id)):
                why = f"unit {unit_id} already has a snapshot version {version}"
            if why:
                raise Refused(action, actor_id, ctx.unit.status, why)
            gen = ctx.unit.data_generation if data_generation is None else data_generation
            record = evidence.register_snapshot(
                conn, unit_id=unit_id, version=version, sha256=sha256, taken_by=actor_id, now=now, data_generation=gen
            )
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action="snapshot taken",
                event_id=ctx.event.id,
                unit_id=unit_id,
                details={"version": version, "data_generation": gen, **(details or {})},
                snapshot_sha256=sha256,
            )
            return record

    def snapshot_records(self, unit_id: int) -> list[SnapshotRecord]:
        """The unit's registered snapshot versions, oldest first."""
        with self._read() as conn:  # type: ignore[attr-defined]
            return evidence.snapshots_of(conn, unit_id)

    def record_progress(
        self,
        actor_id: str,
        unit_id: int,
        step: int,
        status: StepStatus | str,
        now: datetime,
        *,
        evidence_id: int | None = None,
        warnings_acknowledged: bool = False,
    ) -> Progress:
        """Write ``actor_id``'s wizard step (1-3) in the unit's current round (the wizard calls this).

        COMPLETED needs ``evidence_id``: a run on record (:meth:`record_evidence`) of this user, unit,
        round and step with no fatal finding and no rule error, and for steps 2-3 of the state data as
        it is now (no resync since); the step's facts (and step 3's snapshot) are copied from it, never
        taken from the caller. Refused once the user has submitted in the round."""
        action = "record progress"
        with self._write(action, actor_id) as conn:  # type: ignore[attr-defined]
            ctx = self._context(conn, actor_id, unit_id, now, lock=True)  # type: ignore[attr-defined]
            why = _wizard_refusal(ctx, step) or _frozen_refusal(ctx) or _status_refusal(status)
            ev = None
            if not why and evidence_id is not None:
                try:
                    ev = evidence.get(conn, evidence_id)
                except NotFound as err:
                    why = str(err)
                else:
                    why = evidence.mismatch(ev, unit_id=unit_id, round_=ctx.unit.round, user_id=actor_id, step=step)
            if not why and str(status) == StepStatus.COMPLETED.value:
                why = _completion_refusal(ctx, step, ev)
            if why:
                raise Refused(action, actor_id, ctx.unit.status, why)
            _write_progress(
                conn, actor_id, unit_id, ctx.unit.round, step, str(StepStatus(status)), now, ev, warnings_acknowledged
            )
            if str(status) != StepStatus.COMPLETED.value:  # a step taken up again: the Close no longer holds
                _reopen(conn, actor_id, unit_id, ctx.unit.round, now)
            return rows.progress_of(conn, actor_id, unit_id, ctx.unit.round)[step]

    def record_close(self, actor_id: str, unit_id: int, now: datetime) -> Progress:
        """A reviewer closes the wizard after step 3 (design §4): recorded as their step-4 progress row
        of the current round (their user status is Closed from here) and audited "wizard closed".
        Refused by the domain's wizard rights for anyone else (certifiers finish by submitting) and
        before step 3 is COMPLETED. Taking a step up again, a resync or a new round makes them Open."""
        action = "close wizard"
        with self._write(action, actor_id) as conn:  # type: ignore[attr-defined]
            ctx = self._context(conn, actor_id, unit_id, now, lock=True)  # type: ignore[attr-defined]
            why = wizard_refusal("close", ctx)
            if why:
                raise Refused(action, actor_id, ctx.unit.status, why)
            _write_progress(
                conn, actor_id, unit_id, ctx.unit.round, CLOSE_STEP, StepStatus.COMPLETED.value, now, None, False
            )
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action="wizard closed",
                event_id=ctx.event.id,
                unit_id=unit_id,
                details={"round": ctx.unit.round, "role": ctx.role.kind if ctx.role else ""},
            )
            return rows.progress_of(conn, actor_id, unit_id, ctx.unit.round)[CLOSE_STEP]

    def progress(self, user_id: str, unit_id: int, round_: int | None = None) -> dict[int, Progress]:
        """A user's wizard steps in a round (default: the unit's current round), by step number."""
        with self._read() as conn:  # type: ignore[attr-defined]
            unit = rows.get_unit(conn, unit_id)
            return rows.progress_of(conn, user_id, unit_id, round_ if round_ is not None else unit.round)

    def record_resync(self, actor_id: str, unit_id: int, now: datetime, details: dict[str, Any] | None = None) -> int:
        """Before the district's rows are pushed into the state copy (the caller holds the copy's
        exclusive lock), in one transaction: bump the data generation of every unit on the district's
        data (any event, district or school level: they read the same state tables), set steps 2-3
        back to NOT STARTED for everyone on those units who has not submitted in its current round,
        and audit "resync requested". Returns this unit's new generation.

        Refused (nothing written) for anyone but the unit's certifiers (the domain's wizard rights:
        reviewers can only view event data) of an open event, and while the unit is not open for
        submission or someone has submitted in its round: the data would change under a
        certification that rests on the old snapshot. A reviewer who had closed the wizard on a unit
        whose data changed is Open again (their closure is reset with steps 2-3)."""
        action = "resync"
        with self._write(action, actor_id) as conn:  # type: ignore[attr-defined]
            ctx = self._context(conn, actor_id, unit_id, now, lock=True)  # type: ignore[attr-defined]
            why = wizard_refusal("resync", ctx)
            if why:
                raise Refused(action, actor_id, ctx.unit.status, why)
            reset: dict[int, list[str]] = {}
            q = sa.select(t.units).where(t.units.c.district_number == ctx.unit.district_number).order_by(t.units.c.id)
            bumped = [rows.unit_from(r) for r in conn.execute(q)]
            for unit in bumped:
                conn.execute(
                    t.units.update().where(t.units.c.id == unit.id).values(data_generation=unit.data_generation + 1)
                )
                users = _reset_state_steps(conn, unit, rows.submitted_in_round(conn, unit), now)
                if users:
                    reset[unit.id] = users
            gen = ctx.unit.data_generation + 1
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action="resync requested",
                event_id=ctx.event.id,
                unit_id=unit_id,
                details={
                    **(details or {}),
                    "data_generation": gen,
                    "steps_reset_for": reset.pop(unit_id, []),
                    "other_units_reset": {str(k): v for k, v in reset.items()},
                    "units": audit.unit_states(conn, [u.id for u in bumped]),
                },
            )
            return gen


def _reset_state_steps(conn: sa.Connection, unit: Any, submitted: frozenset[str], now: datetime) -> list[str]:
    """Steps 2-3 (and a reviewer's Close) of the unit's current round back to NOT STARTED for users who
    have not submitted."""
    stale = sa.and_(
        t.progress.c.unit_id == unit.id,
        t.progress.c.round == unit.round,
        t.progress.c.step.in_((*STATE_STEPS, CLOSE_STEP)),
        t.progress.c.status != StepStatus.NOT_STARTED.value,
    )
    if submitted:
        stale = sa.and_(stale, t.progress.c.user_id.not_in(sorted(submitted)))
    users = sorted({r.user_id for r in conn.execute(sa.select(t.progress.c.user_id).where(stale))})
    conn.execute(
        t.progress.update()
        .where(stale)
        .values(
            status=StepStatus.NOT_STARTED.value,
            evidence_id=None,
            fatal_seen=False,
            error_seen=False,
            warnings=0,
            warnings_acknowledged=False,
            snapshot_sha256=None,
            data_generation=None,
            updated_at=now.isoformat(),
        )
    )
    return users


def _reopen(conn: sa.Connection, user_id: str, unit_id: int, round_: int, now: datetime) -> None:
    """A reviewer's Close of the round back to NOT STARTED (they are Open again)."""
    conn.execute(
        t.progress.update()
        .where(
            t.progress.c.unit_id == unit_id,
            t.progress.c.user_id == user_id,
            t.progress.c.round == round_,
            t.progress.c.step == CLOSE_STEP,
            t.progress.c.status != StepStatus.NOT_STARTED.value,
        )
        .values(status=StepStatus.NOT_STARTED.value, updated_at=now.isoformat())
    )


def _write_progress(
    conn: sa.Connection,
    user_id: str,
    unit_id: int,
    round_: int,
    step: int,
    status: str,
    now: datetime,
    ev: Evidence | None,
    acknowledged: bool,
) -> None:
    key = {"unit_id": unit_id, "user_id": user_id, "round": round_, "step": step}
    values = {
        "status": status,
        "fatal_seen": bool(ev and ev.fatal_seen),
        "error_seen": bool(ev and ev.error_seen),
        "warnings": ev.warnings if ev else 0,
        "warnings_acknowledged": acknowledged,
        "evidence_id": ev.id if ev else None,
        "snapshot_sha256": ev.snapshot_sha256 if ev else None,
        "data_generation": ev.data_generation if ev else None,
        "updated_at": now.isoformat(),
    }
    where = sa.and_(*(t.progress.c[k] == v for k, v in key.items()))
    if conn.execute(t.progress.update().where(where).values(**values)).rowcount == 0:
        conn.execute(t.progress.insert().values(**key, **values))


def _wizard_refusal(ctx: UnitContext, step: int, action: str | None = None) -> str | None:
    """Who may write wizard facts on the unit, and when: the domain's wizard rights (a run of step 1-2
    is "run_report", step 3 "review_snapshot") plus the step number."""
    why = wizard_refusal(action or ("review_snapshot" if step == 3 else "run_report"), ctx)
    if why:
        return why
    if step not in (1, 2, 3):
        return f"unknown step {step}; wizard steps are 1, 2, 3"
    return None


def _frozen_refusal(ctx: UnitContext) -> str | None:
    if ctx.actor.id in ctx.submitted:
        return (
            f"{ctx.actor.id} already submitted in round {ctx.unit.round}: the steps that submission rests on "
            "stay as they were"
        )
    return None


def _status_refusal(status: Any) -> str | None:
    if str(status) not in {s.value for s in StepStatus}:
        return f"unknown step status {status!r}; one of {', '.join(s.value for s in StepStatus)}"
    return None


def _evidence_refusal(
    conn: sa.Connection,
    ctx: UnitContext,
    step: int,
    warnings: int,
    sha: str | None,
    round_: int | None,
    data_generation: int | None,
) -> str | None:
    if warnings < 0:
        return "warnings must be 0 or more"
    if round_ is not None and round_ != ctx.unit.round:
        return f"the run was queued in round {round_}; unit {ctx.unit.id} is in round {ctx.unit.round} now"
    if step in STATE_STEPS and data_generation is not None and data_generation != ctx.unit.data_generation:
        return (
            f"the state copy of unit {ctx.unit.id} was resynced while the run read it "
            f"(generation {data_generation} → {ctx.unit.data_generation}): run it again"
        )
    if step != 3:
        return "only step 3 (Snapshot Validation) names a snapshot" if sha is not None else None
    if sha is None:
        return "a step 3 run must name the snapshot it validated"
    if not SHA256.match(sha):
        return "snapshot_sha256 must be 64 lowercase hex digits"
    records = evidence.snapshots_of(conn, ctx.unit.id)
    if sha not in {r.sha256 for r in records}:
        return f"snapshot {sha[:12]}... is not a registered snapshot of unit {ctx.unit.id}"
    if sha not in ctx.snapshots:
        return f"snapshot {sha[:12]}... of unit {ctx.unit.id} was taken before its last resync: take a new one"
    return None


def _completion_refusal(ctx: UnitContext, step: int, ev: Evidence | None) -> str | None:
    name = f"step {step} {WIZARD_STEPS[step]}"
    if ev is None:
        return f"{name} is COMPLETED only by a validation run on record (evidence_id); none was given"
    if ev.fatal_seen:
        return f"{name} cannot be COMPLETED: run {ev.id} ({ev.source}) reported fatal findings"
    if ev.error_seen:
        return f"{name} cannot be COMPLETED: a rule failed to run in run {ev.id} ({ev.source})"
    if step in STATE_STEPS and ev.data_generation != ctx.unit.data_generation:
        return f"{name} cannot be COMPLETED: run {ev.id} ({ev.source}) read the state copy before its last resync"
    return None
