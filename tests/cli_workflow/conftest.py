"""Fixtures for the workflow CLI: a workspace with people loaded, and a runner that returns JSON."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from unittest import mock

import pytest
from click.testing import CliRunner

from certlib.cli import cli
from certlib.services import Workspace
from certlib.services.scenario import history_steps

PEOPLE = Path(__file__).with_name("people.toml")
SAMPLE_STATE = Path(__file__).parents[2] / "sample_data" / "state" / "state"


class Certlib:
    """Runs ``certlib --workspace WS ...`` in-process; ``ok`` asserts exit 0, ``refused`` asserts exit 1."""

    env: dict[str, str] = {}  # what the runner adds to the environment (a PostgreSQL URL, say)

    def __init__(self, workspace: Path):
        self.workspace = workspace
        self.runner = CliRunner()

    def run(self, *args: str, now: str = "2025-07-01T09:00"):
        return self.runner.invoke(
            cli, ["--workspace", str(self.workspace), *args], env={"CERTLIB_NOW": now, **self.env}
        )

    def open_workspace(self) -> Workspace:
        with mock.patch.dict(os.environ, self.env):
            return Workspace.open(self.workspace)

    def setup(self) -> None:
        """People loaded, the sample state copied in (so a unit can be snapshotted), and the services'
        first open (it adds their job tables, once per workspace)."""
        shutil.copytree(SAMPLE_STATE, self.workspace / "data" / "state")
        counts = self.ok("people", "load", str(PEOPLE), now="2025-06-01T08:00")
        assert counts == {"districts": 2, "schools": 2, "categories": 2, "users": 8, "memberships": 8}
        self.open_workspace().close()

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

    def ready(self, user: str, unit: int, now: str = "2025-07-01T09:00") -> str:
        """Put ``user``'s steps 1-3 on record as clean runs over a real, registered snapshot of the
        unit (the wizard's own tests run the rules; these tests are about the workflow CLI)."""
        with self.open_workspace() as ws:
            return history_steps(ws, user, unit, datetime.fromisoformat(now), source="test")

    def certify(self, user: str, unit: int, now: str = "2025-07-01T09:00") -> dict:
        self.ready(user, unit, now)
        return self.ok("submit", str(unit), "--as", user, now=now)


@pytest.fixture
def certlib(tmp_path: Path) -> Certlib:
    c = Certlib(tmp_path / "ws")
    c.setup()
    return c


@pytest.fixture
def published(certlib: Certlib) -> tuple[int, int]:
    """A published district-level event; returns (event id, unit id of district 1071)."""
    event = certlib.ok(
        "events",
        "create",
        "--as",
        "state-admin",
        "--name",
        "EOY Attendance 2024-25",
        "--year",
        "2025",
        "--category",
        "ATT",
        "--level",
        "district",
        "--group",
        "End of Year Attendance",
        "--start",
        "2025-06-01",
        "--opens",
        "2025-06-10",
        "--end",
        "2025-07-31",
        now="2025-06-01T08:00",
    )
    certlib.ok("events", "publish", str(event["id"]), "--as", "state-admin", now="2025-06-01T08:00")
    units = certlib.ok("units", "list", "--as", "cert-1")
    return event["id"], units[0]["unit_id"]
