"""The committed demo state is exactly what the command in sample_data/README.md writes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from certlib.generate import generate_state

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "state"


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_sample_state_is_reproducible(tmp_path):
    assert "--students 1500 --districts 3 --seed 10" in (SAMPLE.parent / "README.md").read_text()
    generate_state(tmp_path, students=1500, districts=3, seed=10)
    assert _digest(tmp_path) == _digest(SAMPLE)


def test_sample_state_is_small():
    assert sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file()) < 5_000_000
