"""Keeping categories current (issue 16.8): add, change and remove members with the state's rights
(refused naming the missing right, nothing written), validated, audited; a removed member's
submission is kept; the change shows at once in who sees and certifies a unit."""

from __future__ import annotations

import pytest

from certlib.domain.entities import Membership
from certlib.domain.members import member_refusal
from certlib.errors import DataError, NotFound, Refused
from certlib.services import Workspace

from .conftest import NOW, eoy_unit, walk_to_review

RIGHTS = [("add", "add"), ("change", "write"), ("remove", "delete")]


@pytest.mark.parametrize(("action", "right"), RIGHTS)
def test_each_action_needs_its_state_right(ws: Workspace, action: str, right: str) -> None:
    admin = ws.user("state.admin")
    assert member_refusal(action, admin) is None
    why = member_refusal(action, ws.user("state.approver"))  # read only
    assert why == f"missing right: {action} member needs the state '{right}' right; state.approver has read"
    assert member_refusal(action, ws.user("ns.cert1")).startswith("missing right: ")


def test_refusals_write_nothing(ws: Workspace) -> None:
    before = (ws.store.memberships(), len(ws.store.audit_rows()))
    with pytest.raises(Refused, match="missing right: add member"):
        ws.store.add_member("state.approver", Membership("ns.cert2", "SPED", "reviewer"), NOW)
    with pytest.raises(Refused, match="is a district user"):
        ws.store.remove_member("ns.cert1", "ns.cert2", "ATT", NOW)
    with pytest.raises(DataError, match="role is one of certifier, reviewer, not 'approver'"):
        ws.store.add_member("state.admin", Membership("ns.cert2", "SPED", "approver"), NOW)
    with pytest.raises(DataError, match="already a member"):
        ws.store.add_member("state.admin", Membership("ns.cert2", "ATT", "reviewer"), NOW)
    with pytest.raises(DataError, match="not in ns.cert2's district"):
        ws.store.change_member("state.admin", "ns.cert2", "ATT", NOW, schools=("4236",))
    with pytest.raises(NotFound):
        ws.store.remove_member("state.admin", "ns.cert2", "NOPE", NOW)
    assert (ws.store.memberships(), len(ws.store.audit_rows())) == before


def test_change_and_remove_show_at_once_and_keep_submissions(ws: Workspace) -> None:
    unit = eoy_unit(ws, "1071")
    wiz, _, _ = walk_to_review(ws, "ns.cert1", unit)
    wiz.acknowledge_warnings()
    wiz.submit()
    # ns.reviewer becomes a secondary certifier: the row is theirs to certify now
    ws.store.change_member("state.admin", "ns.reviewer", "ATT", NOW, role="certifier")
    view = ws.store.unit_view("ns.reviewer", unit, NOW)
    assert (view.role, view.primary, str(view.user_status)) == ("certifier", False, "Certification Incomplete")
    # removing ns.cert1, who submitted: their submission stays, they no longer see the unit
    ws.store.remove_member("state.admin", "ns.cert1", "ATT", NOW)
    assert [s.user_id for s in ws.store.submissions(unit)] == ["ns.cert1"]
    assert unit not in {v.unit.id for v in ws.units_for("ns.cert1", NOW)}
    with pytest.raises(Refused, match="no membership in category ATT"):
        ws.wizard("ns.cert1", unit, NOW)
    audit = [r for r in ws.store.audit_rows() if r.action.startswith("member ")]
    assert [r.action for r in audit] == ["member changed", "member removed"]
    assert audit[0].details["before"]["role"] == "reviewer" and audit[0].details["after"]["role"] == "certifier"
    assert audit[1].details["submissions_kept"] >= 1  # this one and the demo's earlier ones
    ws.store.add_member("state.admin", Membership("ns.cert1", "ATT", "certifier", primary=True), NOW)
    assert unit in {v.unit.id for v in ws.units_for("ns.cert1", NOW)}
    assert ws.store.verify_audit().ok
