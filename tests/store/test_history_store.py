"""Run history, exceptions and attestations in the store, on SQLite and PostgreSQL (issue 18)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from certlib.errors import Refused
from certlib.store.history import RuleCount

from .conftest import OPEN, complete_steps, db_bytes

LATER = datetime(2025, 7, 2, 9)


def _run(store, unit, at, keys: dict[str, list[str]], user="c1", copy="district"):
    counts = [
        RuleCount(
            "R-FATAL",
            "fatal",
            "failed" if keys.get("R-FATAL") else "passed",
            len(keys.get("R-FATAL", [])),
            len(keys.get("R-FATAL", [])),
        ),
        RuleCount(
            "R-WARN",
            "warning",
            "failed" if keys.get("R-WARN") else "passed",
            len(keys.get("R-WARN", [])),
            len(keys.get("R-WARN", [])),
        ),
    ]
    return store.record_run(unit, at, copy=copy, source="test", rules=counts, findings=keys, user_id=user, step=1)


def test_runs_keep_every_rule_count_and_the_listed_keys_in_clock_order(store, event_unit):
    _, unit = event_unit
    second = _run(store, unit, LATER, {"R-FATAL": ["id=2"]})
    first = _run(store, unit, OPEN, {"R-FATAL": ["id=1", "id=2"], "R-WARN": ["id=9"]})
    runs = store.runs(unit)
    assert [r.id for r in runs] == [first.id, second.id]  # by the workflow clock, not insertion
    assert [(c.rule_id, c.count) for c in runs[1].rules] == [("R-FATAL", 1), ("R-WARN", 0)]  # zeros kept
    assert (runs[0].copy, runs[0].scope, runs[0].data_generation) == ("district", {"district": "1071"}, 0)
    found = store.run_findings(first.id)
    assert found["R-FATAL"].keys == ("id=1", "id=2") and found["R-WARN"].keys == ("id=9",)
    assert store.runs(unit, copy="state") == []
    with pytest.raises(ValueError, match="copy must be one of"):
        store.record_run(unit, OPEN, copy="elsewhere", source="x", rules=[], findings={})


def test_exception_request_approval_and_their_refusals_are_audited_or_write_nothing(store, event_unit, tmp_path):
    _, unit = event_unit
    _run(store, unit, OPEN, {"R-FATAL": ["id=1"], "R-WARN": ["id=9"]})
    n = store.audit_count()
    with pytest.raises(Refused, match="record by record"):
        store.request_exception("c1", unit, "R-FATAL", None, "whole rule please", OPEN, severity="fatal")
    with pytest.raises(Refused, match="outside scope"):
        store.request_exception("south", unit, "R-FATAL", "id=1", "x", OPEN, severity="fatal")
    assert store.audit_count() == n and store.exceptions(unit) == []
    e = store.request_exception("c1", unit, "R-FATAL", "id=1", "moved away", OPEN, severity="fatal")
    with pytest.raises(Refused, match="already requested"):
        store.request_exception("c2", unit, "R-FATAL", "id=1", "again", OPEN, severity="fatal")
    whole = store.request_exception("r1", unit, "R-WARN", None, "known listing", OPEN, severity="warning")
    assert any("asks for an exception" in m.text for m in store.messages("sa"))
    with pytest.raises(Refused, match="only the unit's state approver may approve; c1 is certifier"):
        store.decide_exception("c1", e.id, True, "self-approval", OPEN)
    approved = store.decide_exception("sa", e.id, True, "documented", OPEN, expires_on=date(2025, 7, 31))
    assert (approved.status, approved.decided_by, approved.expires_on) == ("approved", "sa", date(2025, 7, 31))
    assert approved.active(date(2025, 7, 31)) and not approved.active(date(2025, 8, 1))
    rejected = store.decide_exception("sa", whole.id, False, "review the listing", OPEN)
    assert rejected.status == "rejected"
    with pytest.raises(Refused, match="already rejected"):
        store.decide_exception("sa", whole.id, True, "changed my mind", OPEN)
    # an approval in force blocks a duplicate request; a rejected one does not
    with pytest.raises(Refused, match="already approved"):
        store.request_exception("c1", unit, "R-FATAL", "id=1", "again", LATER, severity="fatal")
    store.request_exception("c1", unit, "R-WARN", None, "second try", LATER, severity="warning")
    actions = [a.action for a in store.audit_rows(unit_id=unit)][-5:]
    assert actions == [
        "exception requested",
        "exception requested",
        "exception approved",
        "exception rejected",
        "exception requested",
    ]
    assert store.verify_audit().ok
    before = db_bytes(store)
    with pytest.raises(Refused, match="already approved"):
        store.decide_exception("sa", e.id, False, "no longer", OPEN)
    assert db_bytes(store) == before


def test_submit_records_the_attestation_with_the_submission(store, event_unit, monkeypatch):
    _, unit = event_unit
    monkeypatch.setenv("CERTLIB_ATTESTATION", "We attest the data is right.")
    complete_steps(store, "c1", unit)
    store.submit("c1", unit, OPEN, title="Data Steward")
    [a] = store.attestations(unit)
    assert (a["user_id"], a["statement"], a["name"], a["title"], a["round"]) == (
        "c1",
        "We attest the data is right.",
        "Cert 1",
        "Data Steward",
        1,
    )
    row = store.audit_rows(unit_id=unit)[-1]
    assert row.action == "submit" and row.details["attestation"]["title"] == "Data Steward"
