"""A read-only deployment writes nothing: the workspace can sit on read-only storage.

The workspace is made read-only on disk (``chmod -R a-w``); the apps' service reads and the CLI's reads
run with ``CERTLIB_READ_ONLY=1`` in a child process — under root (which ignores file modes) once more
on a read-only bind mount of the workspace — and the tree is compared before and after: nothing (no
``-shm``/``-wal``, no report, no lock file) is created even where the OS would allow it. Writes are refused naming the
read-only switch, before anything is written.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from .conftest import NOW, eoy_unit, walk_to_review

REPO = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json, sys
from click.testing import CliRunner
from certlib.cli import cli
from certlib.errors import ReadOnlyError
from certlib.services import Workspace

root, unit, now = sys.argv[1], int(sys.argv[2]), sys.argv[3]
out = {}
with Workspace.open(root) as ws:
    out["events"] = len(ws.events_for("state.admin"))
    out["frames"] = sorted(ws.dashboard_frames())
    out["verify"] = ws.store.verify_audit().ok
    out["snapshots"] = [r["verified"] for r in ws.snapshot_rows(unit)]
    out["submissions"] = [r["files_verified"] for r in ws.submission_evidence(unit)]
    out["compare"] = sorted(ws.compare(unit))
    wiz = ws.wizard("ns.cert1", unit)
    out["steps"] = [s["status"] for s in wiz.status()["steps"]]
    refused = []
    for name, call in [("step 1", wiz.run_district), ("snapshot", lambda: ws.take_snapshot("ns.cert1", unit)),
                       ("approve", lambda: ws.approve("state.admin", unit)),
                       ("queue", wiz.queue_state_validation)]:
        try:
            call()
        except ReadOnlyError as err:
            refused.append(name)
    out["refused"] = refused
codes = {}
for args in (["events", "list", "--as", "state.admin"], ["units", "list", "--as", "ns.cert1"], ["audit", "verify"],
             ["audit", "list", "--limit", "3"], ["snapshot", "list", str(unit)], ["wizard", "status", str(unit), "--as",
             "ns.cert1"], ["jobs", "list"], ["submissions", str(unit)]):
    r = CliRunner().invoke(cli, ["--workspace", root, *args, "--format", "json"] if args[0] != "audit" or
                           args[1] != "list" else ["--workspace", root, *args])
    codes[" ".join(args[:2])] = (r.exit_code, (r.stderr or "")[-200:])
out["cli"] = codes
print(json.dumps(out))
"""


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and directory under ``root`` with its size and modification time."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(root))] = (st.st_size if p.is_file() else 0, st.st_mtime_ns)
    return out


def _run(root: Path, unit: int, read_only_mount: bool) -> dict:
    """The script in a child process; ``read_only_mount``: in its own mount namespace where the workspace
    is a read-only bind mount (root ignores file modes, not a read-only file system)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        "HOME": str(root.parent),
        "CERTLIB_READ_ONLY": "1",
        "CERTLIB_NOW": NOW.isoformat(),
    }
    cmd = [sys.executable, "-c", SCRIPT, str(root), str(unit), NOW.isoformat()]
    if read_only_mount:
        r = shlex.quote(str(root))
        cmd = [
            "unshare",
            "-m",
            "sh",
            "-c",
            f"mount --bind {r} {r} && mount -o remount,bind,ro {r} && exec " + " ".join(shlex.quote(c) for c in cmd),
        ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _can_mount_read_only() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = Path(tempfile.mkdtemp())
    try:
        done = subprocess.run(
            [
                "unshare",
                "-m",
                "sh",
                "-c",
                f"mount --bind {probe} {probe} && mount -o remount,bind,ro {probe} && ! touch {probe}/x",
            ],
            capture_output=True,
        )
        return done.returncode == 0
    finally:
        shutil.rmtree(probe)


@pytest.fixture
def read_only_ws(ws):
    """The demo workspace with a submission on record, copied where another user can read it, then
    closed (checkpointed) and made read-only on disk."""
    unit = eoy_unit(ws, "1071")
    wiz, _, _ = walk_to_review(ws, "ns.cert1", unit)
    wiz.acknowledge_warnings()
    wiz.submit()
    ws.close()
    base = Path(tempfile.mkdtemp(prefix="certlib-ro-"))
    base.chmod(0o755)
    root = base / "ws"
    shutil.copytree(ws.root, root)
    for p in [root, *root.rglob("*")]:
        p.chmod(p.stat().st_mode & ~0o222 | 0o444 | (0o111 if p.is_dir() else 0))
    yield root, unit
    for p in [root, *root.rglob("*")]:
        p.chmod(p.stat().st_mode | 0o200)
    shutil.rmtree(base)


def test_read_only_deployment_reads_everything_and_writes_nothing(read_only_ws):
    root, unit = read_only_ws
    before = _tree(root)
    runs = [_run(root, unit, read_only_mount=False)]  # read-only by mode (enough unless root)
    if os.geteuid() == 0:
        if not _can_mount_read_only():
            pytest.skip("running as root without mount namespaces: file modes cannot make the workspace read-only")
        runs.append(_run(root, unit, read_only_mount=True))  # the kernel refuses any write
    assert _tree(root) == before  # no -shm/-wal, no report, no lock file, no touched mtime
    for out in runs:
        assert out["events"] > 0 and out["verify"] is True and out["snapshots"] == [True]
        assert out["submissions"] == [True] and out["steps"][3] == "COMPLETED"
        assert out["refused"] == ["step 1", "snapshot", "approve", "queue"]
        assert {k: v[0] for k, v in out["cli"].items()} == dict.fromkeys(out["cli"], 0), out["cli"]
