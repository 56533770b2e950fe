"""The CLI's --as and --now (and CERTLIB_NOW) are trusted in demo mode, and in a deployed certlib only for
the OS accounts of CERTLIB_ADMINS; every audit row records the real time beside a supplied clock and the
channel that asserted the actor."""

from __future__ import annotations

import pytest

from certlib.services.trust import os_account

DEPLOYED = {"CERTLIB_AUTH_HEADER": "X-Forwarded-User"}


def _deployed(certlib, *args, env=None, now=None):
    """Run like ``certlib.run`` but in a deployed configuration; ``now`` None: no CERTLIB_NOW at all."""
    full = {**DEPLOYED, **(env or {}), "CERTLIB_NOW": now}
    return certlib.runner.invoke(
        __import__("certlib.cli", fromlist=["cli"]).cli, ["--workspace", str(certlib.workspace), *args], env=full
    )


@pytest.mark.parametrize(
    ("args", "now", "named"),
    [
        (["approve", "{unit}", "--as", "state-admin"], None, "--as is trusted only"),
        (["alerts", "sweep", "--now", "2025-07-29T09:00"], None, "--now is trusted only"),
        (["alerts", "sweep"], "2025-07-29T09:00", "CERTLIB_NOW is trusted only"),
        (["recert", "request", "{unit}", "--as", "cert-1", "--reason", "x"], None, "--as is trusted only"),
        (["events", "list", "--as", "state-admin"], None, "--as is trusted only"),
    ],
)
def test_deployed_cli_refuses_asserted_actor_and_clock_for_non_admins(certlib, published, args, now, named):
    _, unit = published
    before = certlib.db_bytes()
    result = _deployed(certlib, *[a.format(unit=unit) for a in args], now=now)
    assert result.exit_code == 1 and named in result.stderr and "CERTLIB_ADMINS" in result.stderr, result.output
    assert certlib.db_bytes() == before


def test_a_configured_admin_may_and_the_row_says_how(certlib, published):
    _, unit = published
    env = {"CERTLIB_ADMINS": f"someone-else, {os_account()}"}
    result = _deployed(certlib, "approve", str(unit), "--as", "state-admin", "--now", "2025-07-01T09:00", env=env)
    assert result.exit_code == 0, result.output
    with certlib.open_workspace() as ws:
        row = ws.store.audit_rows(unit_id=unit)[-1]
        assert ws.store.verify_audit().ok
    assert (row.action, row.actor, row.at, row.clock) == ("approve", "state-admin", "2025-07-01T09:00:00", "supplied")
    assert row.via == f"cli --as (OS account {os_account()})" and row.recorded_at.endswith("+00:00")


def test_demo_mode_trusts_the_cli_and_still_records_the_real_time(certlib, published):
    _, unit = published
    certlib.ok("approve", str(unit), "--as", "state-admin", now="2025-07-01T09:00")
    with certlib.open_workspace() as ws:
        row = ws.store.audit_rows(unit_id=unit)[-1]
    assert (row.clock, row.at) == ("supplied", "2025-07-01T09:00:00") and row.recorded_at[:4] >= "2026"[:4]
