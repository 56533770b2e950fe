"""Notes and state-approved exceptions on findings, declared as tables (pure, no I/O).

A district member notes a finding (rule + record key) or a rule of the unit's report, and may ask
for an **exception**: the state approver of the event's category approves or rejects it (a reason is
required, an expiry date optional). An approved, unexpired exception is matched on later runs of the
unit by rule id and record key; the matched findings are shown as *excepted* and no longer block
(fatal) or need acknowledging (warning). A fatal rule is excepted record by record only: a request
for the whole rule is refused.

Who may do what is :data:`EXCEPTION_ACTIONS` (action → unit roles); :func:`decide_exception` checks
the role, then each guard of the action, and raises :class:`~certlib.errors.Refused` naming the first
failure.

>>> sorted(EXCEPTION_ACTIONS["approve"].roles)
['state approver']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from certlib.domain.entities import Event, Membership, Unit, User
from certlib.domain.scope import UnitRole, scope_refusal
from certlib.domain.statuses import LIVE_EVENT
from certlib.errors import Refused

ExceptionStatus = Literal["requested", "approved", "rejected"]
REQUESTED, APPROVED, REJECTED = "requested", "approved", "rejected"


@dataclass(frozen=True)
class Note:
    id: int
    unit_id: int
    rule_id: str
    record_key: str | None
    text: str
    author: str
    at: str

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class RuleException:
    """An exception request on a unit's finding (``record_key``) or whole rule (``record_key`` None)."""

    id: int
    unit_id: int
    rule_id: str
    severity: str
    record_key: str | None
    status: str
    requested_by: str
    requested_at: str
    request_reason: str
    decided_by: str | None = None
    decided_at: str | None = None
    decision_reason: str | None = None
    expires_on: date | None = None

    def active(self, today: date) -> bool:
        """Approved and not expired on ``today`` (an exception holds through its expiry date)."""
        return self.status == APPROVED and (self.expires_on is None or today <= self.expires_on)

    def matches(self, rule_id: str, record_key: str) -> bool:
        return self.rule_id == rule_id and (self.record_key is None or self.record_key == record_key)

    @property
    def label(self) -> str:
        """``excepted (#3, until 2025-08-01)`` as every report format shows it."""
        until = f", until {self.expires_on.isoformat()}" if self.expires_on else ""
        return f"excepted (#{self.id}{until})"

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["expires_on"] = self.expires_on.isoformat() if self.expires_on else None
        return out


def active_exceptions(exceptions: Iterable[RuleException], today: date) -> list[RuleException]:
    return sorted((e for e in exceptions if e.active(today)), key=lambda e: e.id)


def matching(exceptions: Iterable[RuleException], rule_id: str, record_key: str) -> RuleException | None:
    """The first (lowest id) exception covering this finding, or None."""
    return next((e for e in sorted(exceptions, key=lambda e: e.id) if e.matches(rule_id, record_key)), None)


# ---- the permission and guard table --------------------------------------------------------------


@dataclass(frozen=True)
class ExceptionContext:
    """What a note/exception decision depends on; built by the store inside the transaction."""

    actor: User
    event: Event
    unit: Unit
    role: UnitRole | None
    memberships: tuple[Membership, ...]
    today: date
    rule_id: str
    severity: str | None  # the rule's severity in the pack (None: not a rule of the pack)
    record_key: str | None
    reason: str | None = None  # note text / request reason / decision reason
    expires_on: date | None = None
    existing: RuleException | None = None  # the request being decided
    finding_on_record: bool = True  # a run of the unit listed (rule_id, record_key)


Guard = Callable[[ExceptionContext], str | None]


def _known_rule(ctx: ExceptionContext) -> str | None:
    return None if ctx.severity else f"unknown rule {ctx.rule_id!r} (not in the rule pack)"


def _text_given(ctx: ExceptionContext) -> str | None:
    return None if (ctx.reason or "").strip() else "a reason is required"


def _event_live(ctx: ExceptionContext) -> str | None:
    return None if ctx.event.status in LIVE_EVENT else f"event {ctx.event.id} is {ctx.event.status}"


def _finding_listed(ctx: ExceptionContext) -> str | None:
    if ctx.record_key and not ctx.finding_on_record:
        return (
            f"no run of unit {ctx.unit.id} listed {ctx.rule_id} {ctx.record_key}: name a finding a run reported "
            f"(certlib history {ctx.unit.id} --changes)"
        )
    return None


def _fatal_by_record(ctx: ExceptionContext) -> str | None:
    if ctx.severity == "fatal" and not ctx.record_key:
        return (
            f"{ctx.rule_id} is a fatal rule: it can only be excepted record by record (--record KEY), never as a whole"
        )
    return None


def _no_open_request(ctx: ExceptionContext) -> str | None:
    e = ctx.existing  # the store passes a pending request or an active approval of the same finding
    if e is not None:
        what = f"record {ctx.record_key}" if ctx.record_key else "the whole rule"
        return f"exception #{e.id} for {ctx.rule_id} {what} is already {e.status}"
    return None


def _pending(ctx: ExceptionContext) -> str | None:
    e = ctx.existing
    if e is None:
        return "no such exception request"
    return None if e.status == REQUESTED else f"exception #{e.id} is already {e.status}"


def _expiry_ahead(ctx: ExceptionContext) -> str | None:
    if ctx.expires_on is not None and ctx.expires_on < ctx.today:
        return f"the expiry date {ctx.expires_on.isoformat()} is in the past"
    return None


@dataclass(frozen=True)
class ExceptionAction:
    action: str
    roles: frozenset[str]
    guards: tuple[tuple[str, Guard, str], ...]  # (name, predicate, the sentence for people)


DISTRICT = frozenset({"certifier", "reviewer"})
STATE_APPROVER = frozenset({"state approver"})

#: The sentence a person reads when each guard fails, kept beside the guards (the technical form,
#: ``guard '<name>' failed: <detail>``, stays in the exception message and the log).
RULE_IN_PACK = ("rule in the pack", _known_rule, "This rule is not in the rule pack.")
FINDING_ON_RECORD = (
    "finding on record",
    _finding_listed,
    "Pick a finding that a validation run of this unit reported.",
)
NOTE_TEXT = ("note text given", _text_given, "Enter the note's text.")
EVENT_OPEN = ("event not closed", _event_live, "This event is closed: its exceptions can no longer change.")
REQUEST_REASON = ("reason given", _text_given, "Enter a reason for the exception.")
DECISION_REASON = ("reason given", _text_given, "Enter a reason for your decision.")
FATAL_BY_RECORD = (
    "fatal rules record by record",
    _fatal_by_record,
    "A fatal rule can only be excepted record by record: pick the record.",
)
NO_OPEN_REQUEST = (
    "no open request",
    _no_open_request,
    "An exception for this finding is already requested or approved.",
)
REQUEST_PENDING = ("request pending", _pending, "This request was already decided.")
EXPIRY_AHEAD = ("expiry ahead", _expiry_ahead, "Choose an expiry date that is not in the past.")

EXCEPTION_ACTIONS: dict[str, ExceptionAction] = {
    a.action: a
    for a in (
        ExceptionAction(
            "note", DISTRICT | STATE_APPROVER | {"state reviewer"}, (RULE_IN_PACK, FINDING_ON_RECORD, NOTE_TEXT)
        ),
        ExceptionAction(
            "request",
            DISTRICT,
            (RULE_IN_PACK, EVENT_OPEN, FINDING_ON_RECORD, REQUEST_REASON, FATAL_BY_RECORD, NO_OPEN_REQUEST),
        ),
        ExceptionAction(
            "approve", STATE_APPROVER, (EVENT_OPEN, REQUEST_PENDING, DECISION_REASON, FATAL_BY_RECORD, EXPIRY_AHEAD)
        ),
        ExceptionAction("reject", STATE_APPROVER, (REQUEST_PENDING, DECISION_REASON)),
    )
}


def decide_exception(action: str, ctx: ExceptionContext) -> None:
    """Raise :class:`Refused` naming the missing right or the first failed guard; None when allowed."""
    spec = EXCEPTION_ACTIONS.get(action)
    label = "note" if action == "note" else f"{action} exception"
    if spec is None:
        raise Refused(label, ctx.actor.id, None, f"unknown action {action!r}")
    if ctx.role is None:
        raise Refused(label, ctx.actor.id, None, scope_refusal(ctx.actor, ctx.memberships, ctx.event, ctx.unit))
    if ctx.role.kind not in spec.roles:
        who = " or ".join(sorted(spec.roles))
        raise Refused(
            label,
            ctx.actor.id,
            None,
            f"missing right: only the unit's {who} may {action}; {ctx.actor.id} is {ctx.role.kind}",
            says=f"Only the unit's {who} can {action} here; you are its {ctx.role.kind}.",
        )
    for name, guard, sentence in spec.guards:
        why = guard(ctx)
        if why:
            raise Refused(label, ctx.actor.id, None, f"guard '{name}' failed: {why}", says=sentence)
