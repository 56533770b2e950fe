"""The issue's CLI scenario: publish -> every primary certifier submits -> approve -> state requests
recertification -> resubmit -> district requests recertification -> state denies -> audit verify."""

from __future__ import annotations

SENT, APPROVED = "Certification Sent to State", "Certification Approved by State"


def statuses(certlib, user, unit):
    row = next(r for r in certlib.ok("units", "list", "--as", user) if r["unit_id"] == unit)
    return row["user_status"], row["event_status"]


def test_full_certification_scenario(certlib, published):
    event_id, unit = published
    assert [e["status"] for e in certlib.ok("events", "list", "--as", "state-admin")] == ["Published"]
    assert [m["kind"] for m in certlib.ok("messages", "list", "--as", "cert-2")] == ["published"]
    assert statuses(certlib, "cert-1", unit) == ("Certification Incomplete", "In Progress")

    assert certlib.certify("cert-1", unit)["status"] == "In Progress"
    assert statuses(certlib, "cert-1", unit) == ("Certification Complete", "In Progress")
    assert certlib.certify("cert-2", unit)["status"] == SENT
    assert statuses(certlib, "rev-1", unit) == ("Open", SENT)

    assert certlib.ok("approve", str(unit), "--as", "state-admin")["status"] == APPROVED
    assert statuses(certlib, "cert-1", unit) == ("Certification Complete", APPROVED)

    out = certlib.ok("recert", "request", str(unit), "--reason", "enrollment counts differ", "--as", "state-admin")
    assert (out["status"], out["round"]) == ("Recertification In Progress", 2)
    assert statuses(certlib, "cert-2", unit) == ("Certification Incomplete", "Recertification In Progress")

    certlib.certify("cert-1", unit, now="2025-07-10T10:00")
    assert certlib.certify("cert-2", unit, now="2025-07-10T10:00")["status"] == SENT

    out = certlib.ok(
        "recert", "request", str(unit), "--reason", "wrong calendar file", "--as", "cert-1", now="2025-07-11T10:00"
    )
    assert out["status"] == "Recertification Request Sent"
    assert statuses(certlib, "cert-1", unit) == ("Recertification Request Pending", "Recertification Request Sent")
    assert any("wrong calendar file" in m["name"] for m in certlib.ok("messages", "list", "--as", "state-admin"))

    out = certlib.ok(
        "recert", "deny", str(unit), "--reason", "calendar is correct", "--as", "state-admin", now="2025-07-12T10:00"
    )
    assert (out["status"], out["round"]) == (SENT, 2)

    audit = certlib.ok("audit", "list", "--unit", str(unit))
    taken = [r for r in audit if r["action"] == "snapshot taken"]
    assert len(taken) == 4  # each certification took a registered snapshot
    assert [(r["action"], r["to_status"]) for r in audit if r["action"] != "snapshot taken"] == [
        ("submit", "In Progress"),
        ("submit", SENT),
        ("approve", APPROVED),
        ("request_recert_state", "Recertification In Progress"),
        ("submit", "Recertification In Progress"),
        ("submit", SENT),
        ("request_recert_district", "Recertification Request Sent"),
        ("deny_request", SENT),
    ]
    assert all(r["snapshot_sha256"] for r in audit if r["action"] == "submit")
    assert {r["snapshot_sha256"] for r in audit if r["action"] == "submit"} <= {r["snapshot_sha256"] for r in taken}
    verify = certlib.ok("audit", "verify")
    assert verify["ok"] is True and verify["rows"] == 3 + len(audit)  # people load, create, publish + unit rows

    table = certlib.run("units", "list", "--as", "cert-1")
    assert "Certification Complete" in table.stdout and "EOY Attendance 2024-25" in table.stdout
