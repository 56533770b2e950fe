"""The ``certlib generate`` command writes the layout and parameters."""

from __future__ import annotations

import json

from click.testing import CliRunner

from certlib.cli import cli


def test_cli_generate_writes_layout(tmp_path):
    out = tmp_path / "g"
    res = CliRunner().invoke(
        cli, ["generate", "--out", str(out), "--students", "300", "--seed", "2", "--defects", "off"]
    )
    assert res.exit_code == 0, res.output
    assert "attendance rows" in res.output
    params = json.loads((out / "generate.json").read_text())
    assert params["seed"] == 2 and params["students"] == 300 and params["defects"] == "off"
    assert params["as_of_date"] == "2025-06-30" and params["districts"] == 1
    assert (out / "districts" / "1071" / "attendance_daily.parquet").exists()
    assert (out / "state" / "attendance_daily.parquet").exists()


def test_regenerating_replaces_old_districts_and_refuses_foreign_dirs(tmp_path):
    import pytest

    from certlib.generate import generate_state

    generate_state(tmp_path / "g", students=300, districts=3, seed=1)
    generate_state(tmp_path / "g", students=300, districts=1, seed=1)
    assert [p.name for p in (tmp_path / "g" / "districts").iterdir()] == ["1071"]
    (tmp_path / "other" / "state").mkdir(parents=True)
    with pytest.raises(ValueError, match="not overwriting"):
        generate_state(tmp_path / "other", students=300, seed=1)
