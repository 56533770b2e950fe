"""Hypothesis stateful test: random actions by random actors on random units, invariants after every step.

Invariants: every (user status, unit status) pair is one design §3.3 allows; a unit is Sent to State
iff every primary certifier submitted in its round; an accepted action adds exactly one audit row and
a refused one none; the store agrees with ``allowed_actions``; the audit chain verifies.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from certlib.domain import UnitStatus, all_primaries_submitted, pair_allowed
from certlib.domain.unit_transitions import REASON_GIVEN, TRANSITIONS_BY_ACTION
from certlib.errors import Refused

from .conftest import EVENT, SETUP, SHA, make_store

ACTORS = ["sa", "sr", "c1", "c2", "cs", "r1", "sc", "south", "sped"]
DISTRICT_SIDE = ["c1", "c2", "cs", "r1", "sc", "south", "sped"]
ACTIONS = sorted(TRANSITIONS_BY_ACTION)
UNITS = st.sampled_from([0] * 6 + [1, 2, 3, 4])  # mostly district 1071's unit, where most members are
CERTIFIERS = st.sampled_from(["c1", "c2", "c1", "c2", "cs", "sc", "south", "r1", "sped"])
STATE_ACTIONS = ["approve", "request_recert_state", "accept_request", "deny_request"]
# (action, actor): mostly role-appropriate pairs, plus every action by every actor now and then
STATE_PAIRS = st.tuples(st.sampled_from(STATE_ACTIONS), st.sampled_from(["sa", "sa", "sa", "sr"]))
PAIRS = st.one_of(
    STATE_PAIRS,
    STATE_PAIRS,
    st.tuples(st.just("request_recert_district"), CERTIFIERS),
    st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ACTORS)),
)
START = SETUP.replace(day=12, hour=9)  # inside the window; advance_clock reaches the due date


class WorkflowMachine(RuleBasedStateMachine):
    backend = "sqlite"

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="certlib-sm-"))
        self.store = make_store(self.dir / "ws", self.backend)
        self.events = []
        for changes in ({}, {"name": "School Level Test", "level": "school"}):
            event = self.store.create_event("sa", SETUP, **{**EVENT, **changes})
            self.store.publish_event("sa", event.id, SETUP)
            self.events.append(event.id)
        self.units = sorted(u.id for e in self.events for u in self.store.units(e))
        self.now = START
        self.accepted = 0

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    @initialize(warm=st.sets(st.sampled_from([0, 1, 2])))
    def start_some_units_sent(self, warm: set[int]) -> None:
        """Let some examples begin with units already Sent to State, so the state's actions are reached."""
        for unit in sorted(warm):
            self.every_certifier_certifies(unit)

    @rule(days=st.integers(min_value=0, max_value=12))
    def advance_clock(self, days: int) -> None:
        self.now = min(self.now + timedelta(days=days), START + timedelta(days=60))

    @rule(actor=CERTIFIERS, unit=UNITS, flaw=st.sampled_from(["", "", "", "fatal", "warn"]))
    def walk_wizard(self, actor: str, unit: int, flaw: str) -> None:
        unit_id = self.units[unit]
        try:
            if SHA not in {r.sha256 for r in self.store.snapshot_records(unit_id)}:
                self.store.register_snapshot(actor, unit_id, 1, SHA, self.now)  # audited: "snapshot taken"
        except Refused:
            return
        before = self.store.audit_count()
        try:
            for step in (1, 2, 3):
                ev = self.store.record_evidence(
                    actor,
                    unit_id,
                    step,
                    self.now,
                    fatal_seen=flaw == "fatal",
                    error_seen=False,
                    warnings=2 if flaw == "warn" else 0,
                    snapshot_sha256=SHA if step == 3 else None,
                    source="walk",
                )
                self.store.record_progress(actor, unit_id, step, "COMPLETED", self.now, evidence_id=ev.id)
        except Refused:
            pass
        assert self.store.audit_count() == before  # runs and progress are not audited transitions

    @rule(actor=CERTIFIERS, unit=UNITS)
    def certify(self, actor: str, unit: int) -> None:
        """Walk the wizard cleanly, then submit."""
        self.walk_wizard(actor, unit, "")
        self.act(("submit", actor), unit, "")

    @rule(unit=UNITS)
    def every_certifier_certifies(self, unit: int) -> None:
        """Each district-side certifier tries to certify; drives units to Sent to State quickly."""
        for actor in ("c1", "c2", "sc", "south"):
            self.certify(actor, unit)

    @rule(unit=UNITS, data=st.data())
    def act_allowed(self, unit: int, data: st.DataObject) -> None:
        """Take one of the actions the store says is allowed right now (drives deep into the machine)."""
        unit_id = self.units[unit]
        options = [
            (c.action, actor)
            for actor in ACTORS
            for c in self.store.allowed_actions(actor, unit_id, self.now)
            if c.allowed
        ]
        if options:
            self.act(data.draw(st.sampled_from(options)), unit, "data changed")

    @rule(pair=PAIRS, unit=UNITS, reason=st.sampled_from(["data changed", "data changed", "", "  "]))
    def act(self, pair: tuple[str, str], unit: int, reason: str) -> None:
        action, actor = pair
        unit_id = self.units[unit]
        check = next(c for c in self.store.allowed_actions(actor, unit_id, self.now) if c.action == action)
        needs_reason = REASON_GIVEN in TRANSITIONS_BY_ACTION[action].guards
        expected = check.allowed and not (needs_reason and not reason.strip())
        before = self.store.audit_count()
        try:
            self.store.transition(action, actor, unit_id, self.now, reason)
            ok = True
        except Refused as err:
            ok = False
            assert err.action == action and err.actor == actor and err.reason
        assert ok == expected, (action, actor, check)
        assert self.store.audit_count() == before + (1 if ok else 0)
        self.accepted += ok
        event(f"{action}: {'accepted' if ok else 'refused'}")

    @rule()
    def close_school_event(self) -> None:
        before = self.store.audit_count()
        try:
            self.store.close_event("sa", self.events[1], self.now)
            assert self.store.audit_count() == before + 1
        except Refused as err:
            assert "wrong status" in err.reason and self.store.audit_count() == before

    @invariant()
    def user_unit_pairs_allowed(self) -> None:
        for user in ("c1", "cs", "sc", "south", "r1", "sa"):
            for view in self.store.units_for(user, self.now):
                assert pair_allowed(view.role or "", view.primary, view.user_status, view.unit.status), (
                    user,
                    view.role,
                    view.user_status,
                    view.unit.status,
                )

    @invariant()
    def sent_iff_all_primaries_submitted(self) -> None:
        for view in self.store.units_for("sa", self.now):
            if view.unit.status in (UnitStatus.IN_PROGRESS, UnitStatus.RECERT_IN_PROGRESS, UnitStatus.SENT):
                assert (view.unit.status == UnitStatus.SENT) == all_primaries_submitted(view.primaries, view.submitted)
            if view.unit.status in (UnitStatus.SENT, UnitStatus.RECERT_REQUESTED):
                assert view.primaries <= view.submitted

    @invariant()
    def audit_chain_verifies(self) -> None:
        assert self.store.verify_audit().ok


WorkflowMachine.TestCase.settings = settings(
    max_examples=24,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
TestWorkflow = WorkflowMachine.TestCase


class PostgresWorkflowMachine(WorkflowMachine):
    """The same machine on a real PostgreSQL (fewer examples: each one creates a database)."""

    backend = "postgresql"


PostgresWorkflowMachine.TestCase.settings = settings(
    max_examples=8,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
TestWorkflowPostgres = PostgresWorkflowMachine.TestCase
