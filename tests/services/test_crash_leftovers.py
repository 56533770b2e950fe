"""What a process killed with SIGKILL leaves behind is cleaned when the workspace next opens, and audited.

A resync is killed for real (``kill -9`` of a child process) at two points: while writing its
temporary table copies (the state copy must stay as it was, the copies go, the lost closing audit row
is recorded as "abandoned") and after the files were swapped in but before its closing audit row (the
row is recorded as "completed"). A snapshot killed half-way leaves a temporary directory that goes too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from certlib.services import Workspace
from certlib.services.compare import is_clean

from .conftest import eoy_unit

REPO = Path(__file__).resolve().parents[2]

KILLED_RESYNC = r"""
import os, signal, sys
from datetime import datetime
import polars as pl
from certlib.services import Workspace
from certlib.store import Store

root, unit, where = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ws = Workspace.open(root)
if where == "writing":
    real, calls = pl.DataFrame.write_parquet, {"n": 0}
    def dies(self, path, *a, **k):
        calls["n"] += 1
        real(self, path, *a, **k)
        if calls["n"] == 2:  # two temporary table copies written, the journal not yet
            os.kill(os.getpid(), signal.SIGKILL)
    pl.DataFrame.write_parquet = dies
else:
    real_log = Store.log
    def dies_before_closing(self, actor, action, *a, **k):
        if action == "resync":
            os.kill(os.getpid(), signal.SIGKILL)
        return real_log(self, actor, action, *a, **k)
    Store.log = dies_before_closing
ws.resync("hw.cert1", unit, datetime(2025, 7, 1, 10))
"""


def _kill_resync(ws: Workspace, unit: int, where: str) -> None:
    ws.close()
    done = subprocess.run(
        [sys.executable, "-c", KILLED_RESYNC, str(ws.root), str(unit), where],
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == -9, done.stderr[-2000:]


@pytest.mark.parametrize(("where", "outcome"), [("writing", "abandoned"), ("closing", "completed")])
def test_a_killed_resync_is_cleaned_and_its_lost_closing_row_recorded(ws: Workspace, where, outcome) -> None:
    unit = eoy_unit(ws, "7988")
    state = {p.name: p.read_bytes() for p in ws.state_dir.iterdir()}
    _kill_resync(ws, unit, where)
    leftovers = list(ws.state_dir.glob(".*.tmp"))
    assert bool(leftovers) == (where == "writing")  # full table copies left in the state copy
    assert ws.store.dangling_resyncs() == [unit]
    reopened = Workspace.open(ws.root)
    try:
        assert not list(ws.state_dir.glob(".*.tmp")) and reopened.store.dangling_resyncs() == []
        row = reopened.store.audit_rows(unit_id=unit)[-1]
        assert (row.action, row.actor, row.details["outcome"]) == ("resync recovered", "system", outcome)
        if where == "writing":
            assert {p.name: p.read_bytes() for p in ws.state_dir.iterdir()} == state  # as before the resync
            assert sorted(r["file"] for r in row.details["tmp_removed"]) == sorted(p.name for p in leftovers)
        else:
            assert is_clean(reopened.compare(unit))
        assert reopened.store.verify_audit().ok
        again = reopened.store.audit_count()
    finally:
        reopened.close()
    with Workspace.open(ws.root) as third:  # recovered once: a later open records nothing
        assert third.store.audit_count() == again


def test_a_dead_snapshot_writers_directory_goes_and_a_live_ones_stays(ws: Workspace) -> None:
    import os

    tmp = ws.root / "snapshots" / ".tmp"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp / f"{dead.stdout.strip()}-abc").mkdir(parents=True)
    (tmp / f"{dead.stdout.strip()}-abc" / "students.parquet").write_bytes(b"half")
    (tmp / f"{os.getppid()}-live").mkdir()
    ws.close()
    with Workspace.open(ws.root) as again:
        assert sorted(p.name for p in tmp.iterdir()) == [f"{os.getppid()}-live"]
        row = again.store.audit_rows()[-1]
        assert row.action == "crash leftovers cleaned" and row.details["snapshot_tmp_removed"] == [
            f"{dead.stdout.strip()}-abc"
        ]
