"""The unit status machine of design §3.2, declared as a table of :class:`Transition` records.

Every decision goes through :func:`decide`, which checks, in order, the actor's role on the unit,
the current status and then each guard of the row, and raises :class:`~certlib.errors.Refused`
naming the first failure. :func:`allowed_actions` asks the same table for every action.

>>> [t.action for t in UNIT_TRANSITIONS]  # doctest: +NORMALIZE_WHITESPACE
['submit', 'approve', 'request_recert_state', 'request_recert_district', 'accept_request',
 'deny_request']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from certlib.domain.entities import Event, Membership, Progress, Unit, User
from certlib.domain.guards import ActionCheck, Guard, Why
from certlib.domain.scope import UnitRole, UnitRoleKind, scope_refusal
from certlib.domain.statuses import LIVE_EVENT, STATE_STEPS, WIZARD_STEPS, StepStatus, UnitStatus
from certlib.errors import Refused

S = UnitStatus


@dataclass(frozen=True)
class UnitContext:
    """Everything a unit decision depends on; built by the store inside the transaction."""

    actor: User
    event: Event
    unit: Unit
    role: UnitRole | None
    memberships: tuple[Membership, ...]  # the actor's memberships (to explain scope refusals)
    primaries: frozenset[str]  # primary certifiers of the unit
    submitted: frozenset[str]  # users who submitted in the unit's current round
    progress: Mapping[int, Progress]  # the actor's wizard steps in the current round, by step
    now: datetime
    reason: str | None = None
    snapshots: tuple[str, ...] = ()  # SHA-256 of the unit's snapshots of its current state data, latest last
    new_due_date: date | None = None  # the unit's own due date the state chooses when a new round starts


#: A recertification that starts after the unit's due date gets its own due date: the one the state
#: chooses, else this many days from the day it starts (the event's end date stays as it was for
#: every other unit).
LATE_RECERT_DAYS = 14


# ---- guards: named predicates; each returns None when it holds, else what failed -------------------


def event_not_closed(ctx: UnitContext) -> str | None:
    if ctx.event.status not in LIVE_EVENT:
        return f"event {ctx.event.id} is {ctx.event.status}"
    return None


def window_open(ctx: UnitContext) -> str | None:
    today = ctx.now.date()
    if today < ctx.event.certification_opens:
        return f"certification opens {ctx.event.certification_opens.isoformat()}"
    due = ctx.unit.due(ctx.event)
    if today > due:
        return f"past the due date {due.isoformat()}"
    return None


def due_date_ahead(ctx: UnitContext) -> str | None:
    if ctx.new_due_date is not None and ctx.new_due_date < ctx.now.date():
        return f"the new due date {ctx.new_due_date.isoformat()} is in the past"
    return None


def next_due(ctx: UnitContext) -> date | None:
    """The unit's due date in a new round: the state's choice; else, when the round starts after the
    unit's due date, :data:`LATE_RECERT_DAYS` from today; else its current own due date (if any)."""
    if ctx.new_due_date is not None:
        return ctx.new_due_date
    today = ctx.now.date()
    if today > ctx.unit.due(ctx.event):
        return today + timedelta(days=LATE_RECERT_DAYS)
    return ctx.unit.due_date


def not_yet_submitted(ctx: UnitContext) -> str | None:
    if ctx.actor.id in ctx.submitted:
        return f"{ctx.actor.id} already submitted in round {ctx.unit.round}"
    return None


def steps_completed(ctx: UnitContext) -> str | None:
    for step, name in WIZARD_STEPS.items():
        p = ctx.progress.get(step)
        status = p.status if p else StepStatus.NOT_STARTED
        if status != StepStatus.COMPLETED:
            return f"step {step} {name} is {status} in round {ctx.unit.round}"
    return None


def no_fatal_or_error(ctx: UnitContext) -> str | None:
    for step, name in WIZARD_STEPS.items():
        p = ctx.progress.get(step)
        if p and p.fatal_seen:
            return f"step {step} {name} reported fatal findings"
        if p and p.error_seen:
            return f"step {step} {name} had a rule error"
    return None


def warnings_acknowledged(ctx: UnitContext) -> str | None:
    for step, name in WIZARD_STEPS.items():
        p = ctx.progress.get(step)
        if p and p.warnings > 0 and not p.warnings_acknowledged:
            return f"step {step} {name} has {p.warnings} unacknowledged warning(s)"
    return None


def snapshot_pinned(ctx: UnitContext) -> str | None:
    p = ctx.progress.get(3)
    if p is None or not p.snapshot_sha256:
        return "no snapshot reviewed in step 3 Snapshot Validation"
    if p.snapshot_sha256 not in ctx.snapshots:
        return (
            f"snapshot {p.snapshot_sha256[:12]}... is not a registered snapshot of unit {ctx.unit.id}'s current "
            "state data (never registered, or taken before the last resync)"
        )
    if p.snapshot_sha256 != ctx.snapshots[-1]:
        return (
            f"a newer snapshot of unit {ctx.unit.id} holds other data than the one reviewed in step 3: "
            "review the latest snapshot"
        )
    return None


def evidence_on_record(ctx: UnitContext) -> str | None:
    """A COMPLETED step must name the validation run that completed it (no self-reported steps)."""
    for step, name in WIZARD_STEPS.items():
        p = ctx.progress.get(step)
        if p and p.evidence_id is None:
            return f"step {step} {name} has no validation run on record"
        if p and step in STATE_STEPS and p.data_generation != ctx.unit.data_generation:
            return f"step {step} {name} read the state copy before its last resync: run it again"
    return None


def reason_given(ctx: UnitContext) -> str | None:
    if not (ctx.reason or "").strip():
        return "a reason is required"
    return None


def every_certifier_certified(ctx: UnitContext) -> str | None:
    missing = sorted(ctx.primaries - ctx.submitted)
    if not ctx.submitted or missing:
        who = ", ".join(missing) or "nobody"
        return f"not every certifier certified in round {ctx.unit.round} (missing: {who})"
    return None


EVENT_NOT_CLOSED = Guard(
    "event not closed", event_not_closed, "This event is closed: its certifications can no longer change."
)
WINDOW_OPEN = Guard(
    "certification window open",
    window_open,
    "Certification is not open now: submit between the event's opening date and its due date.",
)
NOT_YET_SUBMITTED = Guard(
    "not yet submitted in this round", not_yet_submitted, "You already submitted this certification."
)
STEPS_COMPLETED = Guard(
    "steps 1-3 COMPLETED", steps_completed, "Complete steps 1 to 3 of the wizard before submitting."
)
NO_FATAL = Guard(
    "no fatal or rule error",
    no_fatal_or_error,
    "Fix the fatal findings (and any rule that could not run) before submitting.",
)
WARNINGS_ACK = Guard(
    "warnings acknowledged", warnings_acknowledged, "Acknowledge the warnings of each step before submitting."
)
SNAPSHOT_PINNED = Guard(
    "snapshot pinned", snapshot_pinned, "Review the latest state snapshot in step 3 before submitting."
)
EVIDENCE_ON_RECORD = Guard(
    "steps backed by runs on record",
    evidence_on_record,
    "Run the validations of steps 1 to 3 again: the data changed since they ran.",
)
REASON_GIVEN = Guard("reason required", reason_given, "Enter a reason for the recertification request.")
DENIAL_REASON_GIVEN = Guard("reason required", reason_given, "Enter a reason for denying the request.")
EVERY_CERTIFIER = Guard(
    "every certifier certified",
    every_certifier_certified,
    "Every certifier of this unit must submit before recertification can be requested.",
)
DUE_DATE_AHEAD = Guard(
    "new due date not in the past", due_date_ahead, "Choose a new due date for this unit that is today or later."
)


# ---- targets -----------------------------------------------------------------------------------


def all_primaries_submitted(primaries: frozenset[str], submitted: frozenset[str]) -> bool:
    """The Sent-to-State condition: someone submitted and no primary certifier is missing."""
    return bool(submitted) and primaries <= submitted


def after_submit(ctx: UnitContext) -> UnitStatus:
    if all_primaries_submitted(ctx.primaries, ctx.submitted | {ctx.actor.id}):
        return S.SENT
    return ctx.unit.status


def before_request(ctx: UnitContext) -> UnitStatus:
    return ctx.unit.status_before_request or S.SENT


@dataclass(frozen=True)
class Transition:
    """One row of the unit status table."""

    action: str
    label: str
    actor_role: UnitRoleKind
    from_statuses: frozenset[UnitStatus]
    to: UnitStatus | Callable[[UnitContext], UnitStatus]
    guards: tuple[Guard[UnitContext], ...]
    new_round: bool = False  # a new certification round starts (everyone certifies again)
    records_request: bool = False  # remember who asked and the status to return to
    clears_request: bool = False

    def target(self, ctx: UnitContext) -> UnitStatus:
        return self.to(ctx) if callable(self.to) else self.to


UNIT_TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "submit",
        "Submit Certification to State",
        "certifier",
        frozenset({S.IN_PROGRESS, S.RECERT_IN_PROGRESS}),
        after_submit,
        (WINDOW_OPEN, NOT_YET_SUBMITTED, STEPS_COMPLETED, EVIDENCE_ON_RECORD, NO_FATAL, WARNINGS_ACK, SNAPSHOT_PINNED),
    ),
    Transition(
        "approve",
        "Approve",
        "state approver",
        frozenset({S.SENT, S.IN_PROGRESS, S.RECERT_IN_PROGRESS}),
        S.APPROVED,
        (),
    ),
    Transition(
        "request_recert_state",
        "Request Recertification (state)",
        "state approver",
        frozenset({S.SENT, S.APPROVED}),
        S.RECERT_IN_PROGRESS,
        (REASON_GIVEN, DUE_DATE_AHEAD),
        new_round=True,
    ),
    Transition(
        "request_recert_district",
        "Request Recertification from State",
        "certifier",
        frozenset({S.SENT, S.APPROVED}),
        S.RECERT_REQUESTED,
        (EVERY_CERTIFIER, REASON_GIVEN),
        records_request=True,
    ),
    Transition(
        "accept_request",
        "Accept Recertification Request",
        "state approver",
        frozenset({S.RECERT_REQUESTED}),
        S.RECERT_IN_PROGRESS,
        (DUE_DATE_AHEAD,),
        new_round=True,
        clears_request=True,
    ),
    Transition(
        "deny_request",
        "Deny Recertification Request",
        "state approver",
        frozenset({S.RECERT_REQUESTED}),
        before_request,
        (DENIAL_REASON_GIVEN,),
        clears_request=True,
    ),
)

#: Checked for every unit action after the actor's role and before the status: a closed event is frozen.
UNIT_PRECONDITIONS: tuple[Guard[UnitContext], ...] = (EVENT_NOT_CLOSED,)

TRANSITIONS_BY_ACTION: dict[str, Transition] = {t.action: t for t in UNIT_TRANSITIONS}


def transition_for(action: str) -> Transition:
    try:
        return TRANSITIONS_BY_ACTION[action]
    except KeyError:
        raise Refused(action, "anyone", None, f"unknown action; known: {', '.join(TRANSITIONS_BY_ACTION)}") from None


def refusal(t: Transition, ctx: UnitContext) -> str | None:
    """Why ``t`` may not happen in ``ctx`` (role, event not closed, status, then the row's guards), or None."""
    if ctx.role is None:
        return scope_refusal(ctx.actor, ctx.memberships, ctx.event, ctx.unit)
    if ctx.role.kind != t.actor_role:
        return Why(
            f"missing right: {t.label} needs the {t.actor_role} role; {ctx.actor.id} is {ctx.role.kind}",
            f"Only the unit's {t.actor_role}s can do this ({t.label}); you are its {ctx.role.kind}.",
        )
    for guard in UNIT_PRECONDITIONS:
        failed = guard.failure(ctx)
        if failed:
            return failed
    if ctx.unit.status not in t.from_statuses:
        allowed = ", ".join(sorted(t.from_statuses))
        return Why(
            f"wrong status: allowed only from {allowed}", f"Not possible while the certification is {ctx.unit.status}."
        )
    for guard in t.guards:
        failed = guard.failure(ctx)
        if failed:
            return failed
    return None


def decide(action: str, ctx: UnitContext) -> Unit:
    """The unit after ``action`` in ``ctx``; raises Refused naming the first failed check."""
    t = transition_for(action)
    why = refusal(t, ctx)
    if why:
        raise Refused(action, ctx.actor.id, ctx.unit.status, why)
    unit = replace(ctx.unit, status=t.target(ctx))
    if t.new_round:  # a new round; started after the due date, the unit gets its own due date
        unit = replace(unit, round=unit.round + 1, due_date=next_due(ctx))
    if t.records_request:
        unit = replace(unit, status_before_request=ctx.unit.status, requested_by=ctx.actor.id)
    if t.clears_request:
        unit = replace(unit, status_before_request=None, requested_by=None)
    return unit


def input_refusal(action: str, reason: str | None) -> Why | None:
    """Why ``action`` cannot be sent with this ``reason`` text, before it is sent: the row's reason guard
    (its sentence, e.g. "Enter a reason for the recertification request."), or None — so a UI disables
    the control while the input it needs is missing. The store still decides when it is sent."""
    t = TRANSITIONS_BY_ACTION.get(action)
    if t is None:
        return None
    for guard in t.guards:
        if guard.check is reason_given and (reason or "").strip() == "":
            return Why(f"guard '{guard.name}' failed: a reason is required", guard.says)
    return None


def with_input(check: ActionCheck, reason: str | None) -> ActionCheck:
    """``check`` (from :func:`allowed_actions`, which assumes the reason given) refused too when the
    reason its action needs is still empty."""
    if not check.allowed:
        return check
    why = input_refusal(check.action, reason)
    return check if why is None else ActionCheck(check.action, False, why)


def allowed_actions(ctx: UnitContext) -> list[ActionCheck]:
    """Every unit action with allowed yes/no and the reason, in table order. A missing reason text is
    not held against an action here (the UI asks for it), so ``reason`` is assumed given."""
    probe = replace(ctx, reason=ctx.reason or "(to be given)")
    out = []
    for t in UNIT_TRANSITIONS:
        why = refusal(t, probe)
        out.append(ActionCheck(t.action, why is None, why))
    return out
