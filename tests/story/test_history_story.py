"""Issue 18 through the CLI on the demo workspace: run history and trends, notes and exceptions, a
certification resting on excepted findings with an attestation, bulk approve / recertify / read,
the unit timeline and the printable certificate. In-process (click's runner), like the main story."""

from __future__ import annotations

import re

import pytest

from .test_cli_story import Cli, unit_of

SECTION_504 = "Section 504 Compliance 2024-25"
NOW = "2025-07-01T10:00:00"


@pytest.fixture
def run(tmp_path_factory) -> Cli:
    from click.testing import CliRunner

    from certlib.cli import cli

    ws = tmp_path_factory.mktemp("history") / "ws"
    res = CliRunner().invoke(cli, ["demo", "init", "--workspace", str(ws)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return Cli(ws)


def history_of_the_demo_and_a_new_run(run: Cli) -> None:
    unit = unit_of(run, "ns.cert1", SECTION_504)["unit_id"]
    rows = run("history", str(unit), as_="ns.cert1")
    assert [r["fatal"] for r in rows] == [7, 5, 4, 4]  # the demo's runs: North Star converging
    assert [r["fixed"] for r in rows] == [0, 2, 1, 0]
    out = run("wizard", "run-step", str(unit), "1", as_="ns.cert1")
    # the demo's approved exception (504-001 plan 300009) is applied: 3 open fatal findings remain
    assert out["excepted"] == 1 and out["since_last_run"]["still there"] == 4 and out["since_last_run"]["new"] == 0
    last = run("history", str(unit), as_="ns.cert1")[-1]
    assert (last["copy"], last["user"], last["fatal"], last["excepted"]) == ("district", "ns.cert1", 3, 1)
    one = run("history", str(unit), "--rule", "504-001", as_="state.admin")
    assert [r["count"] for r in one] == [4, 3, 2, 2, 2] and one[-1]["excepted"] == 1
    changes = run("history", str(unit), "--changes", "--rule", "504-001", as_="ns.cert1")
    assert changes == [
        {"rule_id": "504-001", "record_key": "plan_id=300004", "change": "still there"},
        {"rule_id": "504-001", "record_key": "plan_id=300009", "change": "still there"},
    ]
    assert "outside scope" in run("history", str(unit), as_="hw.cert1", ok=False)


def exceptions_let_a_certification_rest_on_excepted_findings(run: Cli) -> None:
    unit = str(unit_of(run, "li.cert1", SECTION_504)["unit_id"])
    pending = run("exceptions", "list", "--status", "requested", as_="state.admin")
    assert [(e["unit_id"], e["record_key"]) for e in pending] == [(int(unit), "iep_id=200156")]
    assert "record by record" in run(
        "exceptions", "request", unit, "--rule", "504-001", "--reason", "all fine", as_="li.cert1", ok=False
    )
    assert "a reason is required" in run(
        "exceptions", "request", unit, "--rule", "504-001", "--record", "plan_id=300039", as_="li.cert1", ok=False
    )
    assert "no run of unit" in run(
        "exceptions",
        "request",
        unit,
        "--rule",
        "504-001",
        "--record",
        "plan_id=1",
        "--reason",
        "x",
        as_="li.cert1",
        ok=False,
    )
    e = run(
        "exceptions",
        "request",
        unit,
        "--rule",
        "504-001",
        "--record",
        "plan_id=300039",
        "--reason",
        "Plan closed on transfer; exit on file.",
        as_="li.cert1",
    )
    assert e["status"] == "requested"
    run(
        "notes",
        "add",
        unit,
        "--rule",
        "504-001",
        "--record",
        "plan_id=300039",
        "--text",
        "exit form scanned",
        as_="li.cert1",
    )
    assert [n["text"] for n in run("notes", "list", unit, as_="state.admin")] == ["exit form scanned"]
    assert "missing right" in run(
        "exceptions", "approve", str(e["id"]), "--reason", "ok", as_="state.reviewer", ok=False
    )
    assert "a reason is required" in run("exceptions", "approve", str(e["id"]), as_="state.admin", ok=False)
    for exc_id in (pending[0]["id"], e["id"]):
        done = run(
            "exceptions", "approve", str(exc_id), "--reason", "documented", "--expires", "2025-08-31", as_="state.admin"
        )
        assert done["status"] == "approved" and done["expires_on"] == "2025-08-31"

    # the two fatal findings are excepted: the certifier walks the wizard and submits with a title
    out = run("wizard", "run-step", unit, "1", as_="li.cert1")
    assert out["steps"][0]["status"] == "COMPLETED" and out["excepted"] == 2 and out["blocking"] is False
    out = run("wizard", "run-step", unit, "2", as_="li.cert1")
    run("wizard", "open-report", unit, str(out["job"]), as_="li.cert1")
    run("wizard", "take-snapshot", unit, as_="li.cert1")
    out = run("wizard", "review-snapshot", unit, as_="li.cert1")
    assert [s["status"] for s in out["steps"][:3]] == ["COMPLETED"] * 3
    out = run("submit", unit, "--title", "Director of Special Education", as_="li.cert1")
    assert out["status"] == "Certification Sent to State"
    state_runs = [r for r in run("history", unit, as_="li.cert1") if r["copy"] == "state"]
    assert [r["step"] for r in state_runs] == [2, 3] and all(r["excepted"] == 2 for r in state_runs)


def bulk_approve_recertify_and_read(run: Cli) -> None:
    sent = [
        r["unit_id"]
        for r in run("units", "list", as_="state.admin")
        if r["event_status"] == "Certification Sent to State"
    ]
    requested = [
        r["unit_id"]
        for r in run("units", "list", as_="state.admin")
        if r["event_status"] == "Recertification Request Sent"
    ]
    assert len(sent) >= 2 and requested
    out = run("bulk", "approve", *map(str, sent + requested), as_="state.admin")
    assert [(r["id"], r["result"]) for r in out] == [(u, "accepted") for u in sent] + [
        (u, "refused") for u in requested
    ]
    assert "wrong status" in out[-1]["reason"] and out[-1]["status"] == "Recertification Request Sent"
    assert all(r["status"] == "Certification Approved by State" for r in out[: len(sent)])
    out = run("bulk", "recert", *map(str, sent[:1]), as_="state.admin")
    assert out[0]["result"] == "refused" and "reason" in out[0]["reason"]
    out = run("bulk", "recert", str(sent[0]), "--reason", "late corrections", as_="state.admin")
    assert (out[0]["result"], out[0]["status"]) == ("accepted", "Recertification In Progress")
    refused = run("bulk", "approve", str(sent[1]), as_="state.reviewer")  # reads, never approves
    assert refused[0]["result"] == "refused" and "missing right" in refused[0]["reason"], refused
    unread = run("messages", "list", "--unread", as_="li.cert1")
    out = run("bulk", "read", "--all", as_="li.cert1")
    assert len(out) == len(unread) > 0 and run("messages", "list", "--unread", as_="li.cert1") == []
    assert run("audit", "verify")["ok"] is True


def timeline_and_certificate(run: Cli, tmp_path) -> None:
    unit = str(unit_of(run, "li.cert1", SECTION_504)["unit_id"])
    rows = run("timeline", unit, as_="li.cert1")
    actions = [r["action"] for r in rows]
    assert actions[:2] == ["create event", "publish event"]
    assert {"exception requested", "exception approved", "note", "snapshot taken", "submit", "approve"} <= set(actions)
    submit = next(r for r in rows if r["action"] == "submit")
    assert submit["from"] == "In Progress" and submit["to"] == "Certification Sent to State"
    assert re.search(
        r"snapshot v\d+ [0-9a-f]{12}; step 1: run \d+; step 2: run \d+; step 3: run \d+", submit["rests_on"]
    )
    assert "Director of Special Education" in submit["what"]
    assert "outside scope" in run("timeline", unit, as_="ns.cert1", ok=False)

    out = tmp_path / "certificate.html"
    run("certificate", unit, "-o", str(out), as_="state.admin")
    html = out.read_text(encoding="utf-8")
    sha = next(s for s in run("submissions", unit, as_="state.admin"))["sha256"]
    assert f"SHA-256 {sha}" in html and "files verified" in html
    assert "Lincoln School District (9604)" in html and "Certification round</th><td>1" in html
    assert "Director of Special Education" in html and "I certify that" in html
    assert "Approved by the state</th><td>Stacy Admin" in html
    assert html.count("District Validation</th><td>run ") == 1
    assert "nothing to certify" in run(
        "certificate", str(unit_of(run, "ns.cert1", SECTION_504)["unit_id"]), as_="state.admin", ok=False
    )


def test_issue_18_story(run: Cli, tmp_path) -> None:
    """One test, in order (each part builds on the last; xdist must not split them)."""
    history_of_the_demo_and_a_new_run(run)
    exceptions_let_a_certification_rest_on_excepted_findings(run)
    bulk_approve_recertify_and_read(run)
    timeline_and_certificate(run, tmp_path)
