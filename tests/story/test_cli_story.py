"""The certification story end to end through the CLI on a demo workspace (issue 5).

publish → every primary certifier walks the four steps (Hawthorne needs a resync after step 2 shows
records missing in the state copy) → the state approves → the state requests recertification → a new
round → the district requests recertification → the state accepts → certify again → approve. User and
unit statuses are checked against design §3 at every step. The CLI runs in-process (click's runner)
to keep the story fast; it is the same code path as the `certlib` executable.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from certlib.cli import cli

NOW = "2025-07-01T10:00:00"
EVENT = "EOY Story 2024-25"


class Cli:
    def __init__(self, ws: Path):
        self.ws, self.runner, self.transcript = ws, CliRunner(), []

    def __call__(self, *args: str, ok: bool = True, as_: str | None = None, now: str = NOW) -> dict | list | str:
        argv = ["--workspace", str(self.ws), *args, "--now", now, "--format", "json"]
        if as_:
            argv += ["--as", as_]
        res = self.runner.invoke(cli, argv, catch_exceptions=False)
        out = res.output + (res.stderr if res.stderr_bytes else "")
        self.transcript.append(f"$ certlib {' '.join(args)}{' --as ' + as_ if as_ else ''}\n{out[:400]}")
        assert (res.exit_code == 0) == ok, f"{args} as {as_}: exit {res.exit_code}\n{out}"
        if not ok:
            return out
        return json.loads(res.stdout) if res.stdout.strip() else {}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Cli:
    ws = tmp_path_factory.mktemp("story") / "ws"
    res = CliRunner().invoke(cli, ["demo", "init", "--workspace", str(ws)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return Cli(ws)


def unit_of(run: Cli, user: str, event: str = EVENT, school: str | None = None) -> dict:
    rows = run("events", "list", "--name", event, *(["--school", school] if school else []), as_=user)
    assert len(rows) == 1, rows
    return rows[0]


def user_status(run: Cli, user: str, event: str = EVENT, school: str | None = None) -> str:
    return unit_of(run, user, event, school)["user_status"]


def unit_status(run: Cli, unit_id: int) -> str:
    return run("units", "show", str(unit_id), as_="state.admin")["event_status"]


def steps(out: dict) -> list[str]:
    return [s["status"] for s in out["steps"]]


def fix_eoy_001(run: Cli) -> None:
    """The Hawthorne clerk corrects enrollment 1000790's ADA days present in the district's own copy."""
    path = run.ws / "data" / "districts" / "7988" / "attendance_summary.parquet"
    df = pl.read_parquet(path)
    fixed = (
        pl.when(pl.col("enrollment_id") == 1000790)
        .then(pl.col("ada_days_enrolled"))
        .otherwise(pl.col("ada_days_present"))
    )
    df.with_columns(ada_days_present=fixed).write_parquet(path)


def certify(
    run: Cli, user: str, unit_id: int, *, resync: bool = False, fix: Callable[[Cli], None] | None = None, now: str = NOW
) -> None:
    """One certifier walks steps 1-4. ``fix``: step 1 first reports a fatal finding that the district
    corrects; ``resync``: the comparison after step 2 shows records missing in the state copy."""
    u = str(unit_id)
    call = functools.partial(run, now=now)
    refused = call("wizard", "submit", u, as_=user, ok=False)
    assert "steps 1-3 COMPLETED" in refused
    out = call("wizard", "run-step", u, "1", as_=user)
    if fix is not None:
        assert out["steps"][0]["status"] == "IN PROGRESS" and "fatal" in out["steps"][0]["reason"], out
        assert "step 1" in call("wizard", "run-step", u, "2", as_=user, ok=False)  # gated
        fix(run)
        out = call("wizard", "run-step", u, "1", as_=user)
    assert out["steps"][0]["status"] == "COMPLETED", out
    out = call("wizard", "run-step", u, "2", as_=user)
    assert out["job_status"] == "COMPLETED" and " DC " in out["title"]
    assert out["steps"][1]["status"] == "IN PROGRESS" and out["steps"][1]["reason"].startswith("open the report")
    out = call("wizard", "open-report", u, str(out["job"]), as_=user)
    assert steps(out)[:2] == ["COMPLETED", "COMPLETED"]
    if resync:
        diff = call("compare", u, as_=user)
        assert diff["enrollments"]["missing_in_state"], "the demo state lags: enrollments missing"
        # step 2's record-level differences (issue 16.1): which records, filtered, paged, downloadable
        page = call("compare", u, "--records", "--table", "enrollments", "--page-size", "1", as_=user)
        assert page["total"] == len(diff["enrollments"]["missing_in_state"]) and page["pages"] == page["total"]
        assert page["rows"][0]["difference"] == "missing in state"
        assert page["rows"][0]["record"].startswith("enrollment_id=")
        changed = call("compare", u, "--records", "--kind", "different", as_=user)["rows"]
        assert changed and all(r["column"] and r["district value"] != r["state value"] for r in changed)
        out_csv = run.ws.parent / f"differences-{u}.csv"
        call("compare", u, "--records", "-o", str(out_csv), as_=user)
        assert out_csv.read_text().startswith("table,record,difference,column,district value,state value")
        call("resync", u, as_=user)
        diff = call("compare", u, as_=user)
        assert all(not (t["missing_in_state"] or t["extra_in_state"] or t["changed"]) for t in diff.values())
        out = call("wizard", "run-step", u, "1", as_=user)  # re-running step 1 invalidates 2 and 3
        assert steps(out)[:3] == ["COMPLETED", "NOT STARTED", "NOT STARTED"]
        out = call("wizard", "run-step", u, "2", as_=user)
        out = call("wizard", "open-report", u, str(out["job"]), as_=user)
        assert steps(out)[1] == "COMPLETED"
    out = call("wizard", "take-snapshot", u, as_=user)
    assert out["job_status"] == "COMPLETED" and out["steps"][2]["status"] == "IN PROGRESS"
    out = call("wizard", "review-snapshot", u, as_=user)
    assert steps(out)[:3] == ["COMPLETED"] * 3 and len(out["sha256"]) == 64
    call("wizard", "acknowledge", u, as_=user)
    out = call("wizard", "submit", u, as_=user)
    assert out["steps"][3]["status"] == "COMPLETED"


def review(run: Cli, user: str, unit_id: int) -> None:
    """A reviewer runs the reports and reviews a snapshot (steps 1-3), is refused a resync naming the
    missing right (the state copy is left as it was), then Closes."""
    u = str(unit_id)
    run("wizard", "run-step", u, "1", as_=user)
    out = run("wizard", "run-step", u, "2", as_=user)
    run("wizard", "open-report", u, str(out["job"]), as_=user)
    run("wizard", "take-snapshot", u, as_=user)
    out = run("wizard", "review-snapshot", u, as_=user)
    assert steps(out) == ["COMPLETED", "COMPLETED", "COMPLETED", "N/A"]
    before = run("compare", u, as_=user)
    refused = run("resync", u, as_=user, ok=False)
    assert "missing right" in refused and "needs the certifier role" in refused
    assert "reviewers can only view event data" in refused
    assert run("compare", u, as_=user) == before
    out = run("wizard", "close", u, as_=user)
    assert out["closed"] is True and steps(out)[3] == "CLOSED"


def test_district_level_story(run: Cli) -> None:
    ev = run(
        "events",
        "create",
        "--name",
        EVENT,
        "--year",
        "2025",
        "--category",
        "ATT",
        "--level",
        "district",
        "--group",
        "End of Year Attendance",
        "--start",
        "2025-06-20",
        "--opens",
        "2025-06-25",
        "--end",
        "2025-08-31",
        "--district",
        "1071",
        "--district",
        "7988",
        as_="state.admin",
    )
    run("events", "publish", str(ev["id"]), as_="state.admin")
    ns = unit_of(run, "ns.cert1")["unit_id"]
    hw = unit_of(run, "hw.cert1")["unit_id"]
    assert user_status(run, "ns.cert1") == "Certification Incomplete"
    assert user_status(run, "ns.reviewer") == "Open"
    assert unit_of(run, "ns.cert1")["actions"] == ["View", "Start Certification"]
    assert unit_of(run, "ns.reviewer")["actions"] == ["View", "Start Certification"]

    # a reviewer walks steps 1-3 and closes (refused before step 3); a resync is the certifiers' (issue 16.2)
    assert "step 3" in run("wizard", "close", str(ns), as_="ns.reviewer", ok=False)
    review(run, "ns.reviewer", ns)
    assert user_status(run, "ns.reviewer") == "Closed"
    assert unit_of(run, "ns.reviewer")["actions"] == ["View", "Review Data"]
    assert "certifiers finish the wizard by submitting" in run("wizard", "close", str(ns), as_="ns.cert1", ok=False)

    # round 1: North Star's two primaries, then Hawthorne's (after a resync)
    certify(run, "ns.cert1", ns)
    assert user_status(run, "ns.cert1") == "Certification Complete"
    assert unit_of(run, "ns.cert1")["actions"] == ["View", "Review Data"]  # their part is done
    assert user_status(run, "ns.cert2") == "Certification Incomplete"
    assert unit_status(run, ns) == "In Progress"
    certify(run, "ns.cert2", ns)
    assert unit_status(run, ns) == "Certification Sent to State"
    certify(run, "hw.cert1", hw, resync=True, fix=fix_eoy_001)
    assert unit_status(run, hw) == "Certification Sent to State"

    for unit in (ns, hw):
        run("approve", str(unit), as_="state.approver")
        assert unit_status(run, unit) == "Certification Approved by State"
    assert user_status(run, "ns.cert1") == "Certification Complete"  # the article's words after approval
    assert unit_of(run, "ns.cert1")["actions"] == ["View", "Review Data"]
    assert user_status(run, "ns.reviewer") == "Closed"

    # the state sends North Star back: a new round, everyone certifies again
    run("recert", "request", str(ns), "--reason", "ADA totals changed after audit", as_="state.approver")
    assert unit_status(run, ns) == "Recertification In Progress"
    assert user_status(run, "ns.cert1") == "Certification Incomplete"
    assert unit_of(run, "ns.cert1")["actions"] == ["View", "Start Certification"]
    assert user_status(run, "ns.reviewer") == "Open"  # a new round: the reviewer reviews again
    out = run("wizard", "status", str(ns), as_="ns.cert1")
    assert out["round"] == 2 and steps(out)[:3] == ["NOT STARTED"] * 3
    certify(run, "ns.cert1", ns)
    certify(run, "ns.cert2", ns)
    assert unit_status(run, ns) == "Certification Sent to State"

    # the district asks to recertify; the state accepts; certify again; approve
    run("recert", "request", str(ns), "--reason", "late attendance corrections", as_="ns.cert1")
    assert unit_status(run, ns) == "Recertification Request Sent"
    assert user_status(run, "ns.cert1") == "Recertification Request Pending"
    run("recert", "accept", str(ns), as_="state.approver")
    assert unit_status(run, ns) == "Recertification In Progress"
    certify(run, "ns.cert1", ns)
    certify(run, "ns.cert2", ns)
    run("approve", str(ns), as_="state.approver")
    assert unit_status(run, ns) == "Certification Approved by State"
    assert user_status(run, "ns.cert1") == "Certification Complete"
    assert run("audit", "verify")["ok"] is True

    # every certification pinned a snapshot that still verifies
    snaps = run("snapshot", "list", str(ns))
    assert len(snaps) >= 6
    run("snapshot", "verify", str(ns), str(snaps[-1]["version"]))


SCHOOL_EVENT = "Calendar Story 2024-25 (Lincoln schools)"


def test_school_level_story(run: Cli) -> None:
    """The same story for a school-level event over Lincoln's two schools (district-wide and
    school-scoped primary certifiers)."""
    ev = run(
        "events",
        "create",
        "--name",
        SCHOOL_EVENT,
        "--year",
        "2025",
        "--category",
        "ATT",
        "--level",
        "school",
        "--group",
        "Calendar Certification",
        "--start",
        "2025-06-20",
        "--opens",
        "2025-06-25",
        "--end",
        "2025-08-31",
        "--district",
        "9604",
        as_="state.admin",
    )
    run("events", "publish", str(ev["id"]), as_="state.admin")
    hs = unit_of(run, "li.hs.cert", SCHOOL_EVENT)["unit_id"]
    k8 = unit_of(run, "li.k8.cert", SCHOOL_EVENT)["unit_id"]
    assert hs != k8
    assert len(run("events", "list", "--name", SCHOOL_EVENT, as_="li.cert1")) == 2
    assert "outside scope" in run("wizard", "status", str(k8), as_="li.hs.cert", ok=False)

    for unit, school_cert in ((hs, "li.hs.cert"), (k8, "li.k8.cert")):
        certify(run, school_cert, unit)
        assert unit_status(run, unit) == "In Progress"  # the district-wide primary has not certified
        certify(run, "li.cert1", unit)
        assert unit_status(run, unit) == "Certification Sent to State"
        run("approve", str(unit), as_="state.admin")
        assert unit_status(run, unit) == "Certification Approved by State"
    assert user_status(run, "li.hs.cert", SCHOOL_EVENT) == "Certification Complete"

    run("recert", "request", str(hs), "--reason", "calendar amended", as_="state.admin")
    assert unit_status(run, hs) == "Recertification In Progress"
    assert unit_status(run, k8) == "Certification Approved by State"
    certify(run, "li.hs.cert", hs)
    certify(run, "li.cert1", hs)
    run("recert", "request", str(hs), "--reason", "snow day added", as_="li.hs.cert")
    assert user_status(run, "li.hs.cert", SCHOOL_EVENT) == "Recertification Request Pending"
    run("recert", "accept", str(hs), as_="state.admin")
    certify(run, "li.hs.cert", hs)
    certify(run, "li.cert1", hs)
    run("approve", str(hs), as_="state.admin")
    assert unit_status(run, hs) == "Certification Approved by State"
    assert run("audit", "verify")["ok"] is True


def test_events_list_todo_filter(run: Cli) -> None:
    """The help article's example: Certification Incomplete + Incomplete - Overdue is the to-do list."""
    rows = run(
        "events",
        "list",
        "--user-status",
        "Certification Incomplete",
        "--user-status",
        "Incomplete - Overdue",
        as_="ns.cert1",
    )
    got = {(r["event_name"], r["user_status"]) for r in rows}
    assert ("Fall Enrollment and Program Participation 2024-25", "Incomplete - Overdue") in got
    assert ("End of Year Attendance Certification", "Certification Incomplete") in got
    assert all(r["user_status"] in ("Certification Incomplete", "Incomplete - Overdue") for r in rows)
    assert not any(r["event_name"].startswith("Fall ANB") for r in rows)  # approved: Complete


def test_late_recertification_gets_its_own_due_date(run: Cli) -> None:
    """Issue 16.6: a recertification that starts after the due date gives that unit its own due date
    (default 14 days from that day, or the state's choice), so it is recertified while the event — and
    every other unit — keeps its end date."""
    anb = "Fall ANB Certification 2024-25"  # ended 2024-11-15; Hawthorne asked to recertify (demo)
    hw = unit_of(run, "hw.cert1", anb)
    assert (hw["event_status"], hw["due_date"]) == ("Recertification Request Sent", "2024-11-15")
    assert "2025-06-20 is in the past" in run(
        "recert", "accept", str(hw["unit_id"]), "--due", "2025-06-20", as_="state.approver", ok=False
    )
    out = run("recert", "accept", str(hw["unit_id"]), as_="state.approver")
    assert out["own_due_date"] == "2025-07-15"  # NOW is 2025-07-01: 14 days from today
    hw = unit_of(run, "hw.cert1", anb)
    assert (hw["event_status"], hw["due_date"], hw["user_status"], hw["actions"]) == (
        "Recertification In Progress",
        "2025-07-15",
        "Certification Incomplete",
        ["View", "Start Certification"],
    )
    assert unit_of(run, "ns.cert1", anb)["due_date"] == "2024-11-15"  # nobody else's due date moved

    # an event of its own (tests may run apart) ends 2025-08-31; in September the state sends North Star back
    late_event = "Late Story 2024-25"
    ev = run(
        "events",
        "create",
        "--name",
        late_event,
        "--year",
        "2025",
        "--category",
        "ATT",
        "--level",
        "district",
        "--group",
        "End of Year Attendance",
        "--start",
        "2025-06-20",
        "--opens",
        "2025-06-25",
        "--end",
        "2025-08-31",
        "--district",
        "1071",
        "--district",
        "7988",
        as_="state.admin",
    )
    run("events", "publish", str(ev["id"]), as_="state.admin")
    ns = unit_of(run, "ns.cert1", late_event)
    certify(run, "ns.cert1", ns["unit_id"])
    certify(run, "ns.cert2", ns["unit_id"])
    run("approve", str(ns["unit_id"]), as_="state.approver")
    late = "2025-09-10T10:00:00"
    out = run(
        "recert",
        "request",
        str(ns["unit_id"]),
        "--reason",
        "audit findings",
        "--due",
        "2025-09-30",
        as_="state.approver",
        now=late,
    )
    assert out["own_due_date"] == "2025-09-30"
    row = run("events", "list", "--name", late_event, as_="ns.cert1", now=late)[0]
    assert (row["due_date"], row["user_status"], row["actions"]) == (
        "2025-09-30",
        "Certification Incomplete",
        ["View", "Start Certification"],
    )
    hw_row = run("events", "list", "--name", late_event, as_="hw.cert1", now=late)[0]
    assert hw_row["due_date"] == "2025-08-31"
    certify(run, "ns.cert1", ns["unit_id"], now=late)
    certify(run, "ns.cert2", ns["unit_id"], now=late)
    assert (
        run("units", "show", str(ns["unit_id"]), as_="state.admin", now=late)["event_status"]
        == "Certification Sent to State"
    )
    audit = run("audit", "list", "--unit", str(ns["unit_id"]), as_="state.admin", now=late)
    asked = [r for r in audit if r["action"] == "request_recert_state"][-1]
    assert asked["details"]["due_date"] == "2025-09-30"
    # past its own due date the unit is overdue again: Review Data, submit refused
    after = run("events", "list", "--name", late_event, as_="ns.cert1", now="2025-10-02T10:00:00")[0]
    assert after["actions"] == ["View", "Review Data"]


def test_state_snapshot_and_batch_alert_lead_to_the_wizard(run: Cli) -> None:
    """Issues 16.5/16.7 on the command line: the state takes a unit's snapshot; the unit's members get a
    Batch Report Complete alert naming the unit, which leads to `wizard status UNIT`; a district user
    outside the unit is refused the snapshot."""
    unit = unit_of(run, "ns.cert1", "Student Tardiness")["unit_id"]
    out = run("snapshot", "take", str(unit), as_="state.approver")
    assert out["job_status"] == "COMPLETED" and out["version"] >= 1
    alert = next(m for m in run("messages", "list", as_="ns.reviewer") if m["process"] == "Batch Report Complete")
    assert alert["name"] == f"{out['title']} Review Snapshot" and alert["unit"] == unit
    assert run("wizard", "status", str(alert["unit"]), as_="ns.reviewer")["unit_id"] == unit
    assert "outside scope" in run("snapshot", "take", str(unit), as_="hw.cert1", ok=False)


def test_category_members_are_kept_current(run: Cli) -> None:
    """Issue 16.8: the state adds, changes and removes category members; a read-only state user is
    refused naming the right; a removed certifier's submission stays."""
    refused = run("members", "add", "SPED", "ns.reviewer", "--role", "reviewer", as_="state.approver", ok=False)
    assert "missing right: add member needs the state 'add' right" in refused
    out = run("members", "add", "SPED", "ns.reviewer", "--role", "reviewer", as_="state.admin")
    assert (out["category"], out["role"]) == ("SPED", "reviewer")
    out = run("members", "change", "SPED", "ns.reviewer", "--role", "certifier", "--primary", as_="state.admin")
    assert (out["role"], out["primary"]) == ("certifier", True)
    assert "already a member" in run(
        "members", "add", "SPED", "ns.reviewer", "--role", "reviewer", as_="state.admin", ok=False
    )
    sent = [r for r in run("events", "list", "--name", "Student Tardiness", as_="hw.cert1")]
    assert sent and sent[0]["event_status"] == "Certification Sent to State"  # hw.cert1 submitted (demo)
    out = run("members", "remove", "ATT", "hw.cert1", as_="state.admin")
    assert out["removed"] is True
    assert run("submissions", str(sent[0]["unit_id"]), as_="state.admin")[0]["certifier"] == "hw.cert1"
    assert [m["user"] for m in run("members", "list", "--category", "ATT")].count("hw.cert1") == 0
    actions = [r["action"] for r in run("audit", "list", as_="state.admin")]
    assert actions[-3:] == ["member added", "member changed", "member removed"]
