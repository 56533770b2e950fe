"""A demo workspace built once per session and copied for each test that changes it."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from certlib.services import Workspace

NOW = datetime(2025, 7, 1, 10)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "ws"
    Workspace.create_demo(root, now=NOW).close()
    return root


@pytest.fixture
def ws(demo_template, tmp_path) -> Workspace:
    root = tmp_path / "ws"
    shutil.copytree(demo_template, root)
    w = Workspace.open(root)
    yield w
    w.close()


def eoy_unit(ws: Workspace, district: str) -> int:
    return next(
        r["unit_id"]
        for r in ws.events_for("state.admin", {"event_name": "End of Year Attendance"}, NOW)
        if r["district"] == district
    )


def walk_to_review(ws: Workspace, user: str, unit: int):
    """Steps 1-3 through the wizard, jobs run in-process; returns (wizard, state job, reviewed snapshot)."""
    wiz = ws.wizard(user, unit, NOW)
    wiz.run_district()
    job = wiz.queue_state_validation()
    ws.run_pending(NOW)
    wiz.open_report(job.id)
    wiz.take_snapshot()
    ws.run_pending(NOW)
    return wiz, job, wiz.review_snapshot()
