"""Run-history comparison (new / still there / fixed / unknown) and the notes/exceptions table."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certlib.domain import unit_role
from certlib.domain.exceptions import (
    EXCEPTION_ACTIONS,
    ExceptionContext,
    RuleException,
    decide_exception,
    matching,
)
from certlib.domain.history import RuleFindings, change_counts, compare_findings, record_key
from certlib.domain.statuses import EventStatus
from certlib.errors import Refused

from .conftest import EVENT, MEMBERSHIPS, UNIT, USERS

TODAY = date(2025, 7, 1)


@pytest.mark.parametrize(
    ("prev", "cur", "expected"),
    [
        # no earlier run: everything listed is new
        (None, RuleFindings("R", 2, ("a", "b")), {"a": "new", "b": "new"}),
        (
            RuleFindings("R", 2, ("a", "b")),
            RuleFindings("R", 2, ("b", "c")),
            {"a": "fixed", "b": "still there", "c": "new"},
        ),
        # everything fixed: the current run passed
        (RuleFindings("R", 1, ("a",)), RuleFindings("R", 0, ()), {"a": "fixed"}),
        # the current list was cut at max_results: an absent key is not proven fixed
        (RuleFindings("R", 2, ("a", "b")), RuleFindings("R", 5, ("b",)), {"a": "unknown", "b": "still there"}),
        # the previous list was cut: a key it did not list is not proven new
        (RuleFindings("R", 9, ("a",)), RuleFindings("R", 2, ("a", "z")), {"a": "still there", "z": "unknown"}),
        # the rule no longer runs: its findings are gone
        (RuleFindings("R", 1, ("a",)), None, {"a": "fixed"}),
    ],
)
def test_compare_findings(prev, cur, expected):
    assert {c.record_key: c.change for c in compare_findings(prev, cur)} == expected


keys = st.lists(st.sampled_from([f"k={i}" for i in range(12)]), unique=True, max_size=12)


@given(before=keys, after=keys, cut_before=st.integers(0, 3), cut_after=st.integers(0, 3))
def test_every_key_is_classified_once_and_complete_lists_never_say_unknown(before, after, cut_before, cut_after):
    prev = RuleFindings("R", len(before) + cut_before, tuple(before))
    cur = RuleFindings("R", len(after) + cut_after, tuple(after))
    changes = compare_findings(prev, cur)
    assert sorted(c.record_key for c in changes) == sorted(set(before) | set(after))
    by = {c.record_key: c.change for c in changes}
    assert all(by[k] == "still there" for k in set(before) & set(after))
    if cut_before == 0 and cut_after == 0:
        assert "unknown" not in by.values()
        counts = change_counts(changes)
        assert counts["new"] + counts["still there"] == len(after)
        assert counts["fixed"] + counts["still there"] == len(before)


def test_record_key_renders_key_columns_in_rule_order():
    row = {"date": date(2025, 1, 16), "student_id": 7, "note": None}
    assert record_key(row, ["student_id", "date"]) == "student_id=7, date=2025-01-16"
    assert record_key(row, ["note"]) == "note=NULL"


def _exc(**kw) -> RuleException:
    base = dict(
        id=1,
        unit_id=UNIT.id,
        rule_id="R1",
        severity="warning",
        record_key="id=1",
        status="approved",
        requested_by="c1",
        requested_at="2025-06-01T09:00:00",
        request_reason="why",
    )
    return RuleException(**{**base, **kw})


def test_exceptions_match_by_rule_and_record_and_expire_after_their_last_day():
    e = _exc(expires_on=date(2025, 7, 1))
    assert e.active(date(2025, 7, 1)) and not e.active(date(2025, 7, 2))
    assert not _exc(status="requested").active(TODAY) and not _exc(status="rejected").active(TODAY)
    assert e.matches("R1", "id=1") and not e.matches("R1", "id=2") and not e.matches("R2", "id=1")
    whole = _exc(id=2, record_key=None)
    assert whole.matches("R1", "anything")
    assert matching([whole, e], "R1", "id=1") is e  # lowest id first


def _ctx(
    actor: str,
    *,
    severity: str | None = "fatal",
    record: str | None = "id=1",
    reason: str | None = "why",
    existing: RuleException | None = None,
    expires: date | None = None,
    seen: bool = True,
    event=EVENT,
) -> ExceptionContext:
    user = USERS[actor]
    mine = tuple(m for m in MEMBERSHIPS if m.user_id == actor)
    return ExceptionContext(
        user,
        event,
        UNIT,
        unit_role(user, mine, event, UNIT),
        mine,
        TODAY,
        "R1",
        severity,
        record,
        reason,
        expires,
        existing,
        seen,
    )


PENDING = _exc(status="requested", severity="fatal")


@pytest.mark.parametrize(
    ("action", "ctx", "refusal"),
    [
        ("request", _ctx("c1"), None),
        ("request", _ctx("r1"), None),  # reviewers may ask too
        ("request", _ctx("sa"), "missing right: only the unit's certifier or reviewer may request"),
        ("request", _ctx("other"), "outside scope"),
        ("request", _ctx("nobody"), "missing right: nobody has no membership in category ATT"),
        ("request", _ctx("c1", record=None), "fatal rule: it can only be excepted record by record"),
        ("request", _ctx("c1", record=None, severity="warning"), None),
        ("request", _ctx("c1", reason="  "), "a reason is required"),
        ("request", _ctx("c1", severity=None), "unknown rule 'R1'"),
        ("request", _ctx("c1", seen=False), "no run of unit 3 listed R1 id=1"),
        ("request", _ctx("c1", existing=PENDING), "exception #1 for R1 record id=1 is already requested"),
        (
            "request",
            _ctx("c1", event=EVENT.__class__(**{**EVENT.__dict__, "status": EventStatus.CLOSED})),
            "event 7 is Closed",
        ),
        ("approve", _ctx("sa", existing=PENDING), None),
        ("approve", _ctx("sa", existing=PENDING, expires=date(2025, 6, 30)), "expiry date 2025-06-30 is in the past"),
        ("approve", _ctx("sa", existing=PENDING, reason=None), "a reason is required"),
        ("approve", _ctx("sr", existing=PENDING), "only the unit's state approver may approve; sr is state reviewer"),
        ("approve", _ctx("c1", existing=PENDING), "only the unit's state approver may approve; c1 is certifier"),
        ("approve", _ctx("sa", existing=_exc(status="rejected")), "exception #1 is already rejected"),
        ("reject", _ctx("sa", existing=PENDING), None),
        ("reject", _ctx("sa", existing=PENDING, reason=""), "a reason is required"),
        ("note", _ctx("r1", record=None), None),
        ("note", _ctx("sr", record=None), None),
        ("note", _ctx("c1", reason=""), "a reason is required"),
    ],
)
def test_exception_table(action, ctx, refusal):
    if refusal is None:
        decide_exception(action, ctx)
    else:
        with pytest.raises(Refused, match=refusal.replace("(", r"\(").replace(")", r"\)")):
            decide_exception(action, ctx)


def test_only_state_approvers_decide():
    assert EXCEPTION_ACTIONS["approve"].roles == EXCEPTION_ACTIONS["reject"].roles == frozenset({"state approver"})
    assert "state approver" not in EXCEPTION_ACTIONS["request"].roles
