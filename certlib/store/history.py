"""The store's side of issue 18: run history, notes, exceptions and attestations.

Why here: exceptions change what blocks a submission and are decided by the state, so their
requests and decisions are written under the store's write lock with one audit row each, decided
by the pure table :data:`certlib.domain.exceptions.EXCEPTION_ACTIONS`. Run history is written by
the code that ran the rules (:mod:`certlib.services.history`), one transaction per run: every rule's
count (zeros included) and the record keys of the findings it listed.

:class:`HistoryFacts` is mixed into :class:`certlib.store.Store`; it uses the store's ``_write``,
``_read`` and ``_context``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from certlib.domain.exceptions import (
    APPROVED,
    REJECTED,
    REQUESTED,
    ExceptionContext,
    Note,
    RuleException,
    decide_exception,
)
from certlib.domain.history import RuleFindings
from certlib.domain.scope import UnitMembers, unit_members
from certlib.errors import NotFound
from certlib.store import alerts, audit, rows
from certlib.store import schema as t


@dataclass(frozen=True)
class RuleCount:
    """One rule's line of a run: severity, status, the true count, how many keys were kept, how many
    findings an exception covered."""

    rule_id: str
    severity: str
    status: str
    count: int
    listed: int
    excepted: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass(frozen=True)
class RunRecord:
    """One validation run of a unit on record, with every rule's count."""

    id: int
    unit_id: int
    round: int
    user_id: str | None
    step: int | None
    copy: str
    scope: dict[str, str]
    source: str
    data_generation: int
    at: str
    evidence_id: int | None
    snapshot_sha256: str | None
    rules: tuple[RuleCount, ...] = field(default=())

    def count(self, rule_id: str) -> int | None:
        return next((r.count for r in self.rules if r.rule_id == rule_id), None)

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "rules"}
        out["rules"] = [r.as_dict() for r in self.rules]
        return out


def _run(r: Any, counts: Sequence[RuleCount]) -> RunRecord:
    return RunRecord(
        r.id,
        r.unit_id,
        r.round,
        r.user_id,
        r.step,
        r.copy,
        json.loads(r.scope),
        r.source,
        r.data_generation,
        r.at,
        r.evidence_id,
        r.snapshot_sha256,
        tuple(counts),
    )


def _exception(r: Any) -> RuleException:
    return RuleException(
        r.id,
        r.unit_id,
        r.rule_id,
        r.severity,
        r.record_key,
        r.status,
        r.requested_by,
        r.requested_at,
        r.request_reason,
        r.decided_by,
        r.decided_at,
        r.decision_reason,
        r.expires_on,
    )


def _note(r: Any) -> Note:
    return Note(r.id, r.unit_id, r.rule_id, r.record_key, r.text, r.author, r.at)


COPIES = ("district", "state")


class HistoryFacts:
    """Store methods for run history, notes, exceptions (see the module docstring)."""

    # ---- run history ---------------------------------------------------------------------------

    def record_run(
        self,
        unit_id: int,
        now: datetime,
        *,
        copy: str,
        source: str,
        rules: Sequence[RuleCount],
        findings: Mapping[str, Iterable[str]],
        user_id: str | None = None,
        step: int | None = None,
        data_generation: int | None = None,
        evidence_id: int | None = None,
        snapshot_sha256: str | None = None,
        round_: int | None = None,
    ) -> RunRecord:
        """Put one validation run of ``unit_id`` in the history: every rule's count and the record
        keys of its listed findings. ``data_generation``/``round_`` default to the unit's current."""
        if copy not in COPIES:
            raise ValueError(f"copy must be one of {COPIES}, not {copy!r}")
        with self._write("record run history", user_id) as conn:  # type: ignore[attr-defined]
            unit = rows.get_unit(conn, unit_id)
            scope = {"district": unit.district_number, **({"school": unit.school_code} if unit.school_code else {})}
            run_id = conn.execute(
                t.runs.insert().values(
                    unit_id=unit_id,
                    round=unit.round if round_ is None else round_,
                    user_id=user_id,
                    step=step,
                    copy=copy,
                    scope=json.dumps(scope, sort_keys=True),
                    source=source,
                    data_generation=unit.data_generation if data_generation is None else data_generation,
                    at=now.isoformat(),
                    evidence_id=evidence_id,
                    snapshot_sha256=snapshot_sha256,
                )
            ).inserted_primary_key[0]
            ordered = sorted(rules, key=lambda r: r.rule_id)
            if ordered:
                conn.execute(t.run_rules.insert(), [{"run_id": run_id, **r.as_dict()} for r in ordered])
            keys = [
                {"run_id": run_id, "rule_id": rule, "record_key": k}
                for rule, ks in sorted(findings.items())
                for k in sorted(set(ks))
            ]
            if keys:
                conn.execute(t.run_findings.insert(), keys)
            return self._run_of(conn, run_id)

    @staticmethod
    def _run_of(conn: sa.Connection, run_id: int) -> RunRecord:
        r = conn.execute(sa.select(t.runs).where(t.runs.c.id == run_id)).one_or_none()
        if r is None:
            raise NotFound(f"no run {run_id} in the history")
        return _run(r, _counts(conn, [run_id]).get(run_id, []))

    def run(self, run_id: int) -> RunRecord:
        with self._read() as conn:  # type: ignore[attr-defined]
            return self._run_of(conn, run_id)

    def runs(self, unit_ids: int | Iterable[int], copy: str | None = None) -> list[RunRecord]:
        """The runs of one or many units, oldest first (by clock, then id), with every rule's count."""
        ids = [unit_ids] if isinstance(unit_ids, int) else sorted(set(unit_ids))
        with self._read() as conn:  # type: ignore[attr-defined]
            q = sa.select(t.runs).where(t.runs.c.unit_id.in_(ids)).order_by(t.runs.c.at, t.runs.c.id)
            if copy is not None:
                q = q.where(t.runs.c.copy == copy)
            found = list(conn.execute(q))
            counts = _counts(conn, [r.id for r in found])
            return [_run(r, counts.get(r.id, [])) for r in found]

    def run_findings(self, run_id: int) -> dict[str, RuleFindings]:
        """Per rule of the run: its count and the record keys it listed (rules with no finding too)."""
        with self._read() as conn:  # type: ignore[attr-defined]
            run = self._run_of(conn, run_id)
            keys: dict[str, list[str]] = {}
            q = (
                sa.select(t.run_findings.c.rule_id, t.run_findings.c.record_key)
                .where(t.run_findings.c.run_id == run_id)
                .order_by(t.run_findings.c.rule_id, t.run_findings.c.record_key)
            )
            for r in conn.execute(q):
                keys.setdefault(r.rule_id, []).append(r.record_key)
            out = {c.rule_id: RuleFindings(c.rule_id, c.count, tuple(keys.get(c.rule_id, ()))) for c in run.rules}
            for rule, ks in keys.items():
                out.setdefault(rule, RuleFindings(rule, len(ks), tuple(ks)))
            return out

    # ---- notes ---------------------------------------------------------------------------------

    def _exception_ctx(
        self,
        conn: sa.Connection,
        actor_id: str,
        unit_id: int,
        now: datetime,
        rule_id: str,
        severity: str | None,
        record_key: str | None,
        reason: str | None,
        expires_on: date | None = None,
        existing: RuleException | None = None,
    ) -> ExceptionContext:
        ctx = self._context(conn, actor_id, unit_id, now, lock=True)  # type: ignore[attr-defined]
        seen = True
        if record_key:
            q = (
                sa.select(t.run_findings.c.run_id)
                .join(t.runs, t.runs.c.id == t.run_findings.c.run_id)
                .where(
                    t.runs.c.unit_id == unit_id,
                    t.run_findings.c.rule_id == rule_id,
                    t.run_findings.c.record_key == record_key,
                )
                .limit(1)
            )
            seen = conn.execute(q).first() is not None
        return ExceptionContext(
            ctx.actor,
            ctx.event,
            ctx.unit,
            ctx.role,
            ctx.memberships,
            now.date(),
            rule_id,
            severity,
            record_key or None,
            reason,
            expires_on,
            existing,
            seen,
        )

    def add_note(
        self,
        actor_id: str,
        unit_id: int,
        rule_id: str,
        record_key: str | None,
        text: str,
        now: datetime,
        *,
        severity: str | None,
    ) -> Note:
        """A note on a finding (``record_key``) or on a rule of the unit's report; audited."""
        with self._write("note", actor_id) as conn:  # type: ignore[attr-defined]
            ctx = self._exception_ctx(conn, actor_id, unit_id, now, rule_id, severity, record_key, text)
            decide_exception("note", ctx)
            note_id = conn.execute(
                t.notes.insert().values(
                    unit_id=unit_id,
                    rule_id=rule_id,
                    record_key=record_key or None,
                    text=text.strip(),
                    author=actor_id,
                    at=now.isoformat(),
                )
            ).inserted_primary_key[0]
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action="note",
                event_id=ctx.event.id,
                unit_id=unit_id,
                details={"note": note_id, "rule_id": rule_id, "record_key": record_key, "text": text.strip()},
            )
            return _note(conn.execute(sa.select(t.notes).where(t.notes.c.id == note_id)).one())

    def notes(self, unit_id: int, rule_id: str | None = None) -> list[Note]:
        with self._read() as conn:  # type: ignore[attr-defined]
            q = sa.select(t.notes).where(t.notes.c.unit_id == unit_id).order_by(t.notes.c.id)
            if rule_id is not None:
                q = q.where(t.notes.c.rule_id == rule_id)
            return [_note(r) for r in conn.execute(q)]

    # ---- exceptions ----------------------------------------------------------------------------

    def request_exception(
        self,
        actor_id: str,
        unit_id: int,
        rule_id: str,
        record_key: str | None,
        reason: str,
        now: datetime,
        *,
        severity: str | None,
    ) -> RuleException:
        """A district member asks the state to except a finding (or a non-fatal rule); audited."""
        with self._write("request exception", actor_id) as conn:  # type: ignore[attr-defined]
            open_ = _open_exception(conn, unit_id, rule_id, record_key or None, now.date())
            ctx = self._exception_ctx(
                conn, actor_id, unit_id, now, rule_id, severity, record_key, reason, existing=open_
            )
            decide_exception("request", ctx)
            exc_id = conn.execute(
                t.rule_exceptions.insert().values(
                    unit_id=unit_id,
                    rule_id=rule_id,
                    severity=severity,
                    record_key=record_key or None,
                    status=REQUESTED,
                    requested_by=actor_id,
                    requested_at=now.isoformat(),
                    request_reason=reason.strip(),
                )
            ).inserted_primary_key[0]
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action="exception requested",
                event_id=ctx.event.id,
                unit_id=unit_id,
                reason=reason.strip(),
                to_status=REQUESTED,
                details={"exception": exc_id, "rule_id": rule_id, "record_key": record_key or None},
            )
            alert_to = _state_approvers(conn, ctx)
            _post(
                conn,
                alert_to,
                ctx,
                now,
                f"{actor_id} asks for an exception to {rule_id}"
                + (f" ({record_key})" if record_key else " (whole rule)")
                + f": {reason.strip()}",
            )
            return _exception_of(conn, exc_id)

    def decide_exception(
        self,
        actor_id: str,
        exception_id: int,
        approve: bool,
        reason: str | None,
        now: datetime,
        expires_on: date | None = None,
    ) -> RuleException:
        """The state approver of the category approves (optionally until ``expires_on``) or rejects a
        pending request; a reason is required; audited."""
        action = "approve" if approve else "reject"
        with self._write(f"{action} exception", actor_id) as conn:  # type: ignore[attr-defined]
            existing = _exception_of(conn, exception_id)
            ctx = self._exception_ctx(
                conn,
                actor_id,
                existing.unit_id,
                now,
                existing.rule_id,
                existing.severity,
                existing.record_key,
                reason,
                expires_on if approve else None,
                existing,
            )
            decide_exception(action, ctx)
            status = APPROVED if approve else REJECTED
            conn.execute(
                t.rule_exceptions.update()
                .where(t.rule_exceptions.c.id == exception_id)
                .values(
                    status=status,
                    decided_by=actor_id,
                    decided_at=now.isoformat(),
                    decision_reason=(reason or "").strip(),
                    expires_on=expires_on if approve else None,
                )
            )
            audit.append(
                conn,
                at=now,
                actor=actor_id,
                action=f"exception {status}",
                event_id=ctx.event.id,
                unit_id=existing.unit_id,
                from_status=REQUESTED,
                to_status=status,
                reason=(reason or "").strip(),
                details={
                    "exception": exception_id,
                    "rule_id": existing.rule_id,
                    "record_key": existing.record_key,
                    "expires_on": expires_on.isoformat() if approve and expires_on else None,
                },
            )
            members = _unit_members(conn, ctx)
            _post(
                conn,
                members,
                ctx,
                now,
                f"The State {status} the exception #{exception_id} to {existing.rule_id}"
                + (f" ({existing.record_key})" if existing.record_key else "")
                + f": {(reason or '').strip()}",
            )
            return _exception_of(conn, exception_id)

    def exception(self, exception_id: int) -> RuleException:
        with self._read() as conn:  # type: ignore[attr-defined]
            return _exception_of(conn, exception_id)

    def exceptions(self, unit_ids: int | Iterable[int] | None = None, status: str | None = None) -> list[RuleException]:
        """Exception requests (of some units; of a status), by id."""
        with self._read() as conn:  # type: ignore[attr-defined]
            q = sa.select(t.rule_exceptions).order_by(t.rule_exceptions.c.id)
            if unit_ids is not None:
                ids = [unit_ids] if isinstance(unit_ids, int) else sorted(set(unit_ids))
                q = q.where(t.rule_exceptions.c.unit_id.in_(ids))
            if status is not None:
                q = q.where(t.rule_exceptions.c.status == status)
            return [_exception(r) for r in conn.execute(q)]

    # ---- attestations --------------------------------------------------------------------------

    def attestations(self, unit_id: int, round_: int | None = None) -> list[dict[str, Any]]:
        with self._read() as conn:  # type: ignore[attr-defined]
            q = (
                sa.select(t.attestations)
                .where(t.attestations.c.unit_id == unit_id)
                .order_by(t.attestations.c.round, t.attestations.c.at, t.attestations.c.user_id)
            )
            if round_ is not None:
                q = q.where(t.attestations.c.round == round_)
            return [dict(r._mapping) for r in conn.execute(q)]


def _counts(conn: sa.Connection, run_ids: list[int]) -> dict[int, list[RuleCount]]:
    out: dict[int, list[RuleCount]] = {}
    if not run_ids:
        return out
    q = (
        sa.select(t.run_rules)
        .where(t.run_rules.c.run_id.in_(run_ids))
        .order_by(t.run_rules.c.run_id, t.run_rules.c.rule_id)
    )
    for r in conn.execute(q):
        out.setdefault(r.run_id, []).append(RuleCount(r.rule_id, r.severity, r.status, r.count, r.listed, r.excepted))
    return out


def _exception_of(conn: sa.Connection, exception_id: int) -> RuleException:
    r = conn.execute(sa.select(t.rule_exceptions).where(t.rule_exceptions.c.id == exception_id)).one_or_none()
    if r is None:
        raise NotFound(f"no exception request {exception_id}")
    return _exception(r)


def _open_exception(
    conn: sa.Connection, unit_id: int, rule_id: str, record_key: str | None, today: date
) -> RuleException | None:
    """A pending request, or an approval still in force, for the same finding (or whole rule)."""
    q = (
        sa.select(t.rule_exceptions)
        .where(
            t.rule_exceptions.c.unit_id == unit_id,
            t.rule_exceptions.c.rule_id == rule_id,
            t.rule_exceptions.c.record_key.is_(None)
            if record_key is None
            else t.rule_exceptions.c.record_key == record_key,
        )
        .order_by(t.rule_exceptions.c.id)
    )
    for e in (_exception(r) for r in conn.execute(q)):
        if e.status == REQUESTED or e.active(today):
            return e
    return None


def _state_approvers(conn: sa.Connection, ctx: ExceptionContext) -> frozenset[str]:
    return _members(conn, ctx).state_approvers


def _unit_members(conn: sa.Connection, ctx: ExceptionContext) -> frozenset[str]:
    return _members(conn, ctx).members


def _members(conn: sa.Connection, ctx: ExceptionContext) -> UnitMembers:
    return unit_members(
        rows.all_users(conn), rows.memberships_of(conn, category_id=ctx.event.category_id), ctx.event, ctx.unit
    )


def _post(conn: sa.Connection, users: Iterable[str], ctx: ExceptionContext, now: datetime, text: str) -> int:
    return alerts.post(
        conn,
        users,
        kind="exception",
        text=f"{text} — {ctx.event.name} ({alerts.unit_label(ctx.unit)})",
        now=now,
        event_id=ctx.event.id,
        unit_id=ctx.unit.id,
    )
