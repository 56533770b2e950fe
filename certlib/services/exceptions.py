"""Notes and state-approved exceptions over a unit's runs (issue 18, item 2).

Why a service: the store decides who may note, request, approve and reject (the table in
:mod:`certlib.domain.exceptions`) but does not know the rule pack; here the rule's severity comes
from the pack (so a fatal rule cannot be excepted wholesale whatever the caller says), and every run
of a unit is passed through :func:`apply_exceptions` before it is reported, recorded or gated on —
so an approved exception shows as *excepted* in every report format (an ``exception`` column on the
rule's rows, ``excepted`` in the JSON) and the findings it covers neither block nor need
acknowledging.

>>> ws.exceptions.request("ns.cert1", 13, "504-001", "enrollment_id=300004", "moved out", now)   # doctest: +SKIP
>>> ws.exceptions.approve("state.approver", 1, "documented transfer", now, expires_on=date(2025, 8, 31))  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from certlib.domain.exceptions import Note, RuleException, active_exceptions, matching
from certlib.domain.history import record_key
from certlib.engine.keys import KEY_RULE_ID
from certlib.engine.results import RuleResult, RunResult
from certlib.reports.values import row_dicts

if TYPE_CHECKING:
    from certlib.services.workspace import Workspace

EXCEPTION_COLUMN = "exception"


def _apply_rule(r: RuleResult, exceptions: list[RuleException]) -> RuleResult:
    mine = [e for e in exceptions if e.rule_id == r.id]
    if not mine or r.status != "failed":
        return r
    whole = next((e for e in mine if e.record_key is None and r.severity != "fatal"), None)
    if whole is not None:
        labels = [whole.label] * r.rows.height
        excepted = r.count
    else:
        labels = []
        for row in row_dicts(r.rows):
            e = matching([x for x in mine if x.record_key is not None], r.id, record_key(row, r.key_columns))
            labels.append(e.label if e else None)
        excepted = sum(1 for x in labels if x)
    if not excepted:
        return r
    rows = r.rows.with_columns(pl.Series(EXCEPTION_COLUMN, labels, dtype=pl.String))
    return replace(r, rows=rows, excepted=excepted)


def apply_exceptions(run: RunResult, exceptions: list[RuleException], today: date) -> RunResult:
    """``run`` with the findings covered by ``exceptions`` active on ``today`` marked excepted.

    A record-level exception covers the finding with that rule id and record key; a whole-rule
    exception (never for a fatal rule) covers every finding of the rule. Only listed rows can be
    matched: a fatal rule whose list was cut at max_results keeps blocking unless every finding
    was listed and excepted."""
    active = active_exceptions(exceptions, today)
    if not active:
        return run
    return replace(run, rules=[_apply_rule(r, active) for r in run.rules])


class Exceptions:
    """Notes and exceptions of a workspace (``ws.exceptions``)."""

    def __init__(self, ws: Workspace):
        self.ws = ws

    def severity(self, rule_id: str) -> str | None:
        """The rule's severity in the pack (the built-in key check is fatal); None for an unknown id."""
        if rule_id == KEY_RULE_ID:
            return "fatal"
        rule = self.ws.pack.rules.get(rule_id)
        return rule.severity if rule is not None else None

    def note(
        self, user: str, unit_id: int, rule_id: str, text: str, now: datetime, record_key: str | None = None
    ) -> Note:
        return self.ws.store.add_note(user, unit_id, rule_id, record_key, text, now, severity=self.severity(rule_id))

    def notes(self, user: str, unit_id: int, now: datetime, rule_id: str | None = None) -> list[Note]:
        self.ws.store.unit_view(user, unit_id, now)  # Refused outside the user's scope
        return self.ws.store.notes(unit_id, rule_id)

    def request(
        self, user: str, unit_id: int, rule_id: str, record_key: str | None, reason: str, now: datetime
    ) -> RuleException:
        return self.ws.store.request_exception(
            user, unit_id, rule_id, record_key, reason, now, severity=self.severity(rule_id)
        )

    def approve(
        self, user: str, exception_id: int, reason: str | None, now: datetime, expires_on: date | None = None
    ) -> RuleException:
        return self.ws.store.decide_exception(user, exception_id, True, reason, now, expires_on)

    def reject(self, user: str, exception_id: int, reason: str | None, now: datetime) -> RuleException:
        return self.ws.store.decide_exception(user, exception_id, False, reason, now)

    def list(
        self, user: str, now: datetime, unit_id: int | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Exception requests the user may see (the units they see; the state: its categories'),
        with the unit's event and district; ``status`` filters (``requested`` = the state's pending list)."""
        if unit_id is not None:
            views = [self.ws.store.unit_view(user, unit_id, now)]
        else:
            views = self.ws.store.units_for(user, now)
        by_unit = {v.unit.id: v for v in views}
        out = []
        for e in self.ws.store.exceptions(list(by_unit), status):
            v = by_unit[e.unit_id]
            out.append(
                {
                    **e.as_dict(),
                    "event": v.event.name,
                    "district": v.unit.district_number,
                    "school": v.unit.school_code or "",
                    "in_force": e.active(now.date()),
                }
            )
        return out

    def for_unit(self, unit_id: int) -> list[RuleException]:
        """Every exception of the unit (the run applies the ones in force on its day)."""
        return self.ws.store.exceptions(unit_id)

    def get(self, exception_id: int) -> RuleException:
        return self.ws.store.exception(exception_id)
