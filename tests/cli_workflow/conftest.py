"""Fixtures for the workflow CLI: a workspace with people loaded, and a runner that returns JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from certlib.cli import cli

PEOPLE = Path(__file__).with_name("people.toml")
SHA = "0f" * 32


class Certlib:
    """Runs ``certlib --workspace WS ...`` in-process; ``ok`` asserts exit 0, ``refused`` asserts exit 1."""

    def __init__(self, workspace: Path):
        self.workspace = workspace
        self.runner = CliRunner()

    def run(self, *args: str, now: str = "2025-07-01T09:00"):
        return self.runner.invoke(cli, ["--workspace", str(self.workspace), *args], env={"CERTLIB_NOW": now})

    def ok(self, *args: str, now: str = "2025-07-01T09:00"):
        result = self.run(*args, "--format", "json", now=now)
        assert result.exit_code == 0, (args, result.output, result.exception)
        return json.loads(result.stdout)

    def refused(self, *args: str, now: str = "2025-07-01T09:00") -> str:
        result = self.run(*args, now=now)
        assert result.exit_code == 1, (args, result.output)
        return result.stderr

    def db_bytes(self) -> bytes:
        return (self.workspace / "certlib.db").read_bytes()

    def certify(self, user: str, unit: int, now: str = "2025-07-01T09:00") -> dict:
        for step in ("1", "2", "3"):
            extra = ["--snapshot", SHA] if step == "3" else []
            self.ok("progress", "record", str(unit), step, "COMPLETED", *extra, "--as", user, now=now)
        return self.ok("submit", str(unit), "--as", user, now=now)


@pytest.fixture
def certlib(tmp_path: Path) -> Certlib:
    c = Certlib(tmp_path / "ws")
    counts = c.ok("people", "load", str(PEOPLE), now="2025-06-01T08:00")
    assert counts == {"districts": 2, "schools": 2, "categories": 2, "users": 8, "memberships": 8}
    return c


@pytest.fixture
def published(certlib: Certlib) -> tuple[int, int]:
    """A published district-level event; returns (event id, unit id of district 1071)."""
    event = certlib.ok("events", "create", "--as", "state-admin", "--name", "EOY Attendance 2024-25", "--year", "2025",
                       "--category", "ATT", "--level", "district", "--group", "End of Year Attendance",
                       "--start", "2025-06-01", "--opens", "2025-06-10", "--end", "2025-07-31", now="2025-06-01T08:00")
    certlib.ok("events", "publish", str(event["id"]), "--as", "state-admin", now="2025-06-01T08:00")
    units = certlib.ok("units", "list", "--as", "cert-1")
    return event["id"], units[0]["unit_id"]
