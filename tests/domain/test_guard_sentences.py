"""Every guard of the domain tables carries a sentence for people (issue 17 item 3): the apps show the
sentence, the technical form (``guard '<name>' failed: ...``) stays in the exception message and the log."""

from __future__ import annotations

import pickle
import re
from dataclasses import replace

import pytest

from certlib.apps import common
from certlib.domain import (
    allowed_actions,
    decide,
    event_transitions,
    exceptions,
    unit_transitions,
    wizard_rights,
)
from certlib.domain.guards import ActionCheck, Guard, Why, says
from certlib.domain.statuses import EventStatus
from certlib.domain.wizard_rights import allowed_wizard_actions, check_wizard
from certlib.errors import ReadOnlyError, Refused

from .conftest import EVENT, NOW, UnitStatus, make_ctx


def _table_guards():
    """(where, name, sentence) of every guard in every domain table (rows and preconditions)."""
    out = []
    for t in unit_transitions.UNIT_TRANSITIONS:
        out += [(f"unit {t.action}", g.name, g.says) for g in t.guards]
    out += [("unit precondition", g.name, g.says) for g in unit_transitions.UNIT_PRECONDITIONS]
    for r in wizard_rights.WIZARD_RIGHTS:
        out += [(f"wizard {r.action}", g.name, g.says) for g in r.guards]
    for t in event_transitions.EVENT_TRANSITIONS:
        out += [(f"event {t.action}", g.name, g.says) for g in t.guards]
    for a in exceptions.EXCEPTION_ACTIONS.values():
        out += [(f"exception {a.action}", name, sentence) for name, _check, sentence in a.guards]
    for module in (unit_transitions, wizard_rights, event_transitions):  # guards declared beside the tables
        out += [(module.__name__, g.name, g.says) for g in vars(module).values() if isinstance(g, Guard)]
    return out


GUARDS = _table_guards()


@pytest.mark.parametrize(("where", "name", "sentence"), GUARDS, ids=[f"{w}:{n}" for w, n, _ in GUARDS])
def test_every_guard_has_a_sentence_for_people(where, name, sentence):
    assert sentence, f"{where}: guard {name!r} has no sentence for people"
    assert re.fullmatch(r"[A-Z].*[.]", sentence), sentence  # a sentence: capital first, full stop last
    assert "guard" not in sentence and "_" not in sentence and "COMPLETED" not in sentence, sentence


def test_the_tables_have_guards_to_check():
    assert len({n for _, n, _ in GUARDS}) >= 20


def test_a_refusal_keeps_both_faces():
    with pytest.raises(Refused) as err:
        decide("request_recert_state", make_ctx("sa", UnitStatus.APPROVED, reason="  "))
    assert "guard 'reason required' failed" in str(err.value)  # the audit/log form is unchanged
    assert err.value.says == "Enter a reason for the recertification request."
    with pytest.raises(Refused) as err:
        decide("deny_request", make_ctx("sa", UnitStatus.RECERT_REQUESTED, reason="", status_before_request="x"))
    assert err.value.says == "Enter a reason for denying the request."
    assert pickle.loads(pickle.dumps(err.value.reason)).says == err.value.says


def test_may_i_answers_in_peoples_words():
    checks = {c.action: c for c in allowed_actions(make_ctx("c1", submitted={"c1"}))}
    assert checks["submit"].says == "You already submitted this certification."
    assert "guard 'not yet submitted in this round' failed" in checks["submit"].reason
    assert checks["approve"].says == "Only the unit's state approvers can do this (Approve); you are its certifier."
    assert checks["request_recert_district"].says == "Not possible while the certification is In Progress."
    assert common.check_note(checks["submit"]) == "You already submitted this certification."
    assert checks["submit"].as_dict()["says"] == "You already submitted this certification."
    assert ActionCheck("x", True).says == ""


def test_scope_wizard_and_event_refusals_have_sentences():
    outside = {c.action: c for c in allowed_actions(make_ctx("other"))}
    assert outside["submit"].says == "This district is outside the districts and schools you work with."
    closed = make_ctx("c1", event=replace(EVENT, status=EventStatus.CLOSED))
    wiz = {c.action: c for c in allowed_wizard_actions(closed)}
    assert wiz["run_report"].says == "This event is closed: its certifications can no longer change."
    assert "guard 'event not closed' failed" in wiz["run_report"].reason
    with pytest.raises(Refused) as err:
        check_wizard("close", make_ctx("c1"))
    assert err.value.says.startswith("Certifiers finish the wizard by submitting")
    ev = event_transitions.EventContext(make_ctx("c1").actor, EVENT, NOW)
    assert all(
        c.says == "Only state users manage certification events." for c in event_transitions.allowed_event_actions(ev)
    )


def test_apps_show_the_sentence_and_keep_the_technical_detail():
    out = common.attempt(
        "request recertification", decide, "request_recert_state", make_ctx("sa", UnitStatus.APPROVED, reason="")
    )
    assert out.message == "Request recertification: Enter a reason for the recertification request."
    assert "guard 'reason required' failed" in out.detail and "guard" not in out.message
    ro = common.attempt("approve", lambda: (_ for _ in ()).throw(ReadOnlyError("approve", "sa")))
    assert "read-only" in ro.message and "CERTLIB_READ_ONLY" not in ro.message and "CERTLIB_READ_ONLY" in ro.detail
    plain = Refused("x", "u", None, "some reason")
    assert says(plain) == "some reason" and says(Why("tech", "People.")) == "People." and says(None) == ""


@pytest.mark.parametrize(
    ("action", "sentence"),
    [
        ("request_recert_state", "Enter a reason for the recertification request."),
        ("request_recert_district", "Enter a reason for the recertification request."),
        ("deny_request", "Enter a reason for denying the request."),
    ],
)
def test_a_control_whose_reason_is_missing_is_refused_with_the_sentence(action, sentence):
    allowed = ActionCheck(action, True)
    refused = unit_transitions.with_input(allowed, "  ")
    assert not refused.allowed and refused.says == sentence and "guard 'reason required' failed" in refused.reason
    assert unit_transitions.with_input(allowed, "data was wrong") is allowed
    already = ActionCheck(action, False, "wrong status: x")
    assert unit_transitions.with_input(already, "") is already  # the first refusal stays the one shown


@pytest.mark.parametrize("action", ["approve", "accept_request", "submit", "no_such_action"])
def test_actions_without_a_reason_guard_need_no_text(action):
    assert unit_transitions.input_refusal(action, None) is None
