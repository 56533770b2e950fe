"""The wizard's permission table (design §4): reviewers "can only view event data" — they run reports,
review snapshots and Close; a resync changes data, so certifiers only, within scope."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from certlib.domain import UnitStatus
from certlib.domain.statuses import EventStatus
from certlib.domain.wizard_rights import WIZARD_RIGHTS, allowed_wizard_actions, check_wizard, wizard_refusal
from certlib.errors import Refused

from .conftest import EVENT, UNIT, completed_steps, make_ctx

S = UnitStatus

# actor -> the wizard actions allowed on the open unit (steps 1-3 COMPLETED, nobody submitted)
EXPECTED = {
    "c1": {"run_report", "take_snapshot", "review_snapshot", "resync"},
    "cs": {"run_report", "take_snapshot", "review_snapshot", "resync"},  # a secondary certifier is a certifier
    "r1": {"run_report", "take_snapshot", "review_snapshot", "close"},
    "sa": {"take_snapshot"},  # the state may take a unit's snapshot for it ("Review State Snapshot")
    "sr": {"take_snapshot"},
    "other": set(),  # another district's certifier: outside scope
    "school": set(),  # a school-scoped certifier does not act on the district-level unit
    "nobody": set(),  # no membership in the category
}


@pytest.mark.parametrize("actor", sorted(EXPECTED))
def test_who_may_do_what(actor):
    allowed = {c.action for c in allowed_wizard_actions(make_ctx(actor)) if c.allowed}
    assert allowed == EXPECTED[actor]


def test_a_reviewer_is_refused_a_resync_naming_the_missing_right():
    why = wizard_refusal("resync", make_ctx("r1"))
    assert why.startswith("missing right: Resync district data to the state needs the certifier role")
    assert "reviewers can only view event data" in why and "r1 is reviewer" in why
    with pytest.raises(Refused, match="missing right") as err:
        check_wizard("resync", make_ctx("r1"))
    assert err.value.actor == "r1"


def test_scope_refusals_name_the_membership():
    assert wizard_refusal("resync", make_ctx("other")).startswith("outside scope")
    assert wizard_refusal("resync", make_ctx("nobody")).startswith("missing right: nobody has no membership")
    assert "missing right" in wizard_refusal("resync", make_ctx("sa"))


@pytest.mark.parametrize("status", [S.SENT, S.APPROVED, S.RECERT_REQUESTED])
def test_resync_only_while_the_unit_is_open(status):
    assert "unit open for submission" in wizard_refusal("resync", make_ctx("c1", status))


def test_resync_not_under_a_submission_of_the_round():
    assert "nobody submitted" in wizard_refusal("resync", make_ctx("c1", submitted={"c2"}))
    assert wizard_refusal("resync", make_ctx("c1", S.RECERT_IN_PROGRESS)) is None


def test_close_is_the_reviewers_and_needs_step_3():
    assert "certifiers finish the wizard by submitting" in wizard_refusal("close", make_ctx("c1"))
    steps = completed_steps("r1")
    del steps[3]
    assert "step 3 Snapshot Validation is NOT STARTED" in wizard_refusal("close", make_ctx("r1", progress=steps))


def test_closed_event_and_review_window():
    closed = replace(EVENT, status=EventStatus.CLOSED)
    for right in WIZARD_RIGHTS:
        ctx = make_ctx("c1" if right.action != "close" else "r1", event=closed, unit=UNIT)
        assert "event not closed" in wizard_refusal(right.action, ctx)
    early = make_ctx("c1", now=datetime(2025, 5, 1))
    assert "review window open" in wizard_refusal("run_report", early)


def test_unknown_action_is_refused():
    with pytest.raises(Refused, match="unknown wizard action"):
        wizard_refusal("delete_everything", make_ctx("c1"))
