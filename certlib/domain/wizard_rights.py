"""Who may do what inside a unit's wizard (design §4), declared as a table of :class:`WizardRight` rows.

The article: "Although Reviewers have full tool rights, they can only view event data" — they run
reports, review snapshots and Close; a **resync changes the state's data**, so only the unit's
certifiers may push their district's (or school's) rows to the state copy, and only within their
scope (the role comes from a membership that covers the unit). Certifiers finish by submitting, so
Close is the reviewers' last step.

:func:`wizard_refusal` checks, in order: a role on the unit (else the scope refusal), the row's
roles (``missing right: ...``), the event live, the review window, then the row's guards. The store
asks it inside the write transaction; UIs ask :func:`allowed_wizard_actions` for yes/no and why.

>>> [r.action for r in WIZARD_RIGHTS]
['run_report', 'take_snapshot', 'review_snapshot', 'resync', 'close']
>>> sorted(right_for("resync").roles)
['certifier']
>>> sorted(right_for("take_snapshot").roles)
['certifier', 'reviewer', 'state approver', 'state reviewer']
"""

from __future__ import annotations

from dataclasses import dataclass

from certlib.domain.guards import ActionCheck, Guard, Why
from certlib.domain.scope import UnitRoleKind, scope_refusal
from certlib.domain.statuses import LIVE_EVENT, OPEN_FOR_SUBMISSION, StepStatus
from certlib.domain.unit_transitions import UnitContext
from certlib.errors import Refused

WALKERS: frozenset[UnitRoleKind] = frozenset({"certifier", "reviewer"})
#: The article: "The state may have already created a snapshot, and you simply need to review the data."
STATE: frozenset[UnitRoleKind] = frozenset({"state approver", "state reviewer"})

#: The wizard step a reviewer's Close is recorded as (progress row; steps 1-3 are the validations).
CLOSE_STEP = 4


def _open_for_resync(ctx: UnitContext) -> str | None:
    if ctx.unit.status not in OPEN_FOR_SUBMISSION:
        return (
            f"unit {ctx.unit.id} is {ctx.unit.status}: a resync would change the data under its certification; "
            "request recertification first"
        )
    return None


def _nobody_submitted(ctx: UnitContext) -> str | None:
    if ctx.submitted:
        who = ", ".join(sorted(ctx.submitted))
        return (
            f"{who} already submitted round {ctx.unit.round} on the current data: finish the round (or have it "
            "sent back for recertification) before a resync changes the data under that submission"
        )
    return None


def _step3_completed(ctx: UnitContext) -> str | None:
    p = ctx.progress.get(3)
    status = p.status if p else StepStatus.NOT_STARTED
    if status != StepStatus.COMPLETED:
        return f"step 3 Snapshot Validation is {status} in round {ctx.unit.round}: review the snapshot first"
    return None


UNIT_OPEN = Guard(
    "unit open for submission",
    _open_for_resync,
    "This certification was already sent to the state: request recertification before a resync.",
)
NOBODY_SUBMITTED = Guard(
    "nobody submitted in this round",
    _nobody_submitted,
    "Someone already submitted this round: a resync would change the data under their submission.",
)
STEP3_COMPLETED = Guard("step 3 COMPLETED", _step3_completed, "Review the state snapshot in step 3 before closing.")
#: Checked for every wizard action after the role (the event is live, the review window has begun).
EVENT_LIVE = Guard(
    "event not closed",
    lambda ctx: None if ctx.event.status in LIVE_EVENT else f"event {ctx.event.id} is {ctx.event.status}",
    "This event is closed: its certifications can no longer change.",
)
REVIEW_WINDOW_OPEN = Guard(
    "review window open",
    lambda ctx: (
        None if ctx.now.date() >= ctx.event.start_date else f"the event starts {ctx.event.start_date.isoformat()}"
    ),
    "This event has not started yet.",
)


@dataclass(frozen=True)
class WizardRight:
    """One wizard action: the unit roles that hold it, why others do not, and its guards."""

    action: str
    label: str
    roles: frozenset[UnitRoleKind]
    others: str  # the sentence a refused role reads
    guards: tuple[Guard[UnitContext], ...] = ()


WIZARD_RIGHTS: tuple[WizardRight, ...] = (
    WizardRight("run_report", "Generate Report", WALKERS, "only the unit's reviewers and certifiers walk the wizard"),
    WizardRight(
        "take_snapshot",
        "Take / Retake State Snapshot",
        WALKERS | STATE,
        "only the unit's reviewers and certifiers, and the state's members of the category, take snapshots",
    ),
    WizardRight(
        "review_snapshot", "Review State Snapshot", WALKERS, "only the unit's reviewers and certifiers walk the wizard"
    ),
    WizardRight(
        "resync",
        "Resync district data to the state",
        frozenset({"certifier"}),
        "a resync changes the state's data; reviewers can only view event data",
        (UNIT_OPEN, NOBODY_SUBMITTED),
    ),
    WizardRight(
        "close",
        "Close",
        frozenset({"reviewer"}),
        "certifiers finish the wizard by submitting (step 4)",
        (STEP3_COMPLETED,),
    ),
)

RIGHTS_BY_ACTION: dict[str, WizardRight] = {r.action: r for r in WIZARD_RIGHTS}


def right_for(action: str) -> WizardRight:
    try:
        return RIGHTS_BY_ACTION[action]
    except KeyError:
        raise Refused(action, "anyone", None, f"unknown wizard action; known: {', '.join(RIGHTS_BY_ACTION)}") from None


def wizard_refusal(action: str, ctx: UnitContext) -> str | None:
    """Why ``ctx.actor`` may not do ``action`` in the unit's wizard now, or None."""
    right = right_for(action)
    if ctx.role is None:
        return scope_refusal(ctx.actor, ctx.memberships, ctx.event, ctx.unit)
    if ctx.role.kind not in right.roles:
        roles = " or ".join(sorted(right.roles))
        return Why(
            f"missing right: {right.label} needs the {roles} role ({right.others}); {ctx.actor.id} is {ctx.role.kind}",
            f"{right.others[:1].upper()}{right.others[1:]} (you are its {ctx.role.kind}).",
        )
    for guard in (EVENT_LIVE, REVIEW_WINDOW_OPEN, *right.guards):
        failed = guard.failure(ctx)
        if failed:
            return failed
    return None


def check_wizard(action: str, ctx: UnitContext) -> None:
    """Raise :class:`Refused` naming the missing right or failed guard (see :func:`wizard_refusal`)."""
    why = wizard_refusal(action, ctx)
    if why:
        raise Refused(right_for(action).label, ctx.actor.id, ctx.unit.status, why)


def allowed_wizard_actions(ctx: UnitContext) -> list[ActionCheck]:
    """Every wizard action with allowed yes/no and the reason, in table order."""
    out = []
    for right in WIZARD_RIGHTS:
        why = wizard_refusal(right.action, ctx)
        out.append(ActionCheck(right.action, why is None, why))
    return out
