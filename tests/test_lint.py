"""`make lint` inside `make test` (and so in CI): the tree is formatted by ruff and passes its checks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("args", [["format", "--check", "."], ["check", "."]], ids=["format", "check"])
def test_ruff(args: list[str]):
    done = subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, (
        f"ruff {' '.join(args)} (run `make lint` / `ruff format .`):\n{done.stdout}{done.stderr}"
    )
