"""Helpers the notebooks wire to: outcomes of refused actions, table selection round-trips, the
state's event report, the demo picker options."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import polars as pl

from certlib.apps import certify as cert
from certlib.apps import common, session
from certlib.apps import dashboard as dash
from certlib.apps import rule_lab as lab
from certlib.apps import state_console as console
from certlib.domain.guards import ActionCheck
from certlib.errors import ReadOnlyError, Refused


def test_attempt_turns_refusals_into_messages():
    def refuse():
        raise Refused("submit", "c1", "In Progress", "guard 'steps completed' failed: step 2 is NOT STARTED")

    out = common.attempt("submit unit 3", refuse)
    assert not out.ok and "step 2 is NOT STARTED" in out.message and out.callout_kind() == "danger"
    ro = common.attempt("approve", lambda: (_ for _ in ()).throw(ReadOnlyError("approve", "sa")))
    assert not ro.ok and "read-only" in ro.message
    ok = common.attempt("add", lambda a, b: a + b, 1, 2)
    assert ok.ok and ok.value == 3 and ok.callout_kind() == "success"


def test_checks_and_notes():
    checks = common.checks_by_action([ActionCheck("approve", True), ActionCheck("deny_request", False, "wrong status")])
    assert common.check_note(checks["approve"]) == "" and common.check_note(checks["deny_request"]) == "wrong status"
    assert common.check_note(None) == "not available here"


def test_table_selection_round_trip():
    f = pl.DataFrame({"id": [5, 7, 9], "name": ["a", "b", "c"]})
    assert common.row_index(f, "id", 7) == [1]
    assert common.row_index(f, "id", 42) is None and common.row_index(f, "id", None) is None
    assert common.first_value(f.slice(2, 1), "id") == 9
    assert common.first_value([{"id": 3}], "id") == 3
    assert common.first_value(f.head(0), "id") is None and common.first_value(None, "id") is None


def test_views_frame_flattens():
    v = SimpleNamespace(
        as_dict=lambda: {
            "unit_id": 1,
            "buttons": ["View", "Start Certification"],
            "units": {"In Progress": 2},
            "allowed": [1],
        }
    )
    f = common.views_frame([v])
    assert f.row(0, named=True) == {"unit_id": 1, "buttons": "View, Start Certification", "units": "In Progress: 2"}
    assert common.views_frame([]).height == 0


def test_event_report_and_html():
    units = common.conform(
        pl.DataFrame(
            {
                "event_id": [1, 1],
                "event": ["Tardiness <b>"] * 2,
                "due_date": [dt.date(2025, 7, 31)] * 2,
                "unit_id": [1, 2],
                "district_number": ["1071", "2002"],
                "district_name": ["North Star", "Elm"],
                "unit_status": ["Certification Approved by State", "In Progress"],
                "event_status": ["Published"] * 2,
            }
        ),
        dash.UNIT_SCHEMA,
    )
    rep = dash.event_report(units, dash.empty_users(), dt.date(2025, 8, 2))
    assert rep.select("District", "Certified", "Approved", "Overdue").rows() == [
        ("Elm", False, False, True),
        ("North Star", True, True, False),
    ]
    html = common.report_html(rep, "Tardiness <b> — event report")
    assert "&lt;b&gt;" in html and "<b>" not in html.replace("<body>", "")
    assert common.to_xlsx_bytes(rep, "event report")[:2] == b"PK"


def test_members_frame_and_groups():
    users = [SimpleNamespace(id="c1", name="Cora", level="district", district_number="1071", school_code=None)]
    ms = [SimpleNamespace(user_id="c1", category_id="ATT", role="certifier", primary=True, schools=("0588",))]
    f = console.members_frame(users, ms)
    assert f.row(0, named=True)["schools"] == "0588" and f["primary"][0] is True
    assert "Enrollment" in console.group_names()


def test_picker_options_and_deployed_mode_has_no_picker():
    users = [
        SimpleNamespace(id="sa", name="Sam", level="state", district_number=None, school_code=None),
        SimpleNamespace(id="c1", name="Cora", level="district", district_number="1071", school_code=None),
    ]
    opts = session.user_options(users, levels=("district",))
    assert list(opts.values()) == ["c1", "sa"] and "Cora · district 1071 (c1)" in opts
    assert session.picker(users, env={"CERTLIB_AUTH_HEADER": "X-Forwarded-User"}) is None
    dd = session.picker(users, env={"CERTLIB_DEMO_USER": "sa"})
    assert dd.value == "sa"
    assert session.signed_in(dd, env={}).user_id == "sa"


def test_rule_save_is_refused_outside_edit_mode(tmp_path, monkeypatch):
    rule = SimpleNamespace(id="NEW-001")
    pack = SimpleNamespace(rules={}, root=tmp_path)
    out = common.attempt("save", lab.save_rule, "SELECT 1", pack, rule, "run")
    assert not out.ok and "edit mode" in out.message
    monkeypatch.setenv("CERTLIB_READ_ONLY", "1")
    out = common.attempt("save", lab.save_rule, "SELECT 1", pack, rule, "edit")
    assert not out.ok and "read-only" in out.message
    assert list(tmp_path.iterdir()) == []
    monkeypatch.delenv("CERTLIB_READ_ONLY")
    out = common.attempt("save", lab.save_rule, "SELECT 1", pack, rule, "edit")
    assert out.ok and (tmp_path / "NEW-001.sql").read_text() == "SELECT 1\n"


def test_submitted_note_names_the_time_round_and_snapshot():
    from certlib.domain.entities import Submission

    note = cert.submitted_note(Submission(7, 2, "ns.cert1", "2025-07-01T10:00:00", "ab" * 32))
    assert "2025-07-01 10:00" in note and "round 2" in note and "`abababababab…`" in note and "frozen" in note


def test_submission_alerts_flag_changed_files_and_mixed_pins():
    ok = {"certifier": "a", "files_verified": True, "sha256": "1" * 64}
    assert console.submission_alerts([ok, {**ok, "certifier": "b"}]) == []
    changed = console.submission_alerts([ok, {**ok, "certifier": "b", "files_verified": False}])
    assert [k for _, k in changed] == ["danger"] and "for b:" in changed[0][0]
    mixed = console.submission_alerts([ok, {**ok, "certifier": "b", "sha256": "2" * 64}])
    assert [k for _, k in mixed] == ["warn"] and "2 different snapshots" in mixed[0][0]
