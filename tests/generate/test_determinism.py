"""Same seed → byte-identical files; another seed → different data."""

from __future__ import annotations

import hashlib

from certlib.generate import generate_state


def _digest(root):
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_gives_identical_files(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_state(a, students=400, districts=2, seed=3)
    generate_state(b, students=400, districts=2, seed=3)
    generate_state(c, students=400, districts=2, seed=4)
    da, db, dc = _digest(a), _digest(b), _digest(c)
    assert len(da) == 3 + 11 + 2 * 11  # json files + state tables + two district copies
    assert da == db
    assert da["state/students.parquet"] != dc["state/students.parquet"]
    assert da["state/attendance_daily.parquet"] != dc["state/attendance_daily.parquet"]
