"""Damaged files and bad input are clear errors — never a traceback, never silent acceptance.

One row per bad input (issue 12, item 6). Each runs the real ``certlib`` entry point in a subprocess, so
what is checked is what a user sees: a nonzero exit code (or, for a damaged data file a rule reads, the
rule's error in the report), a message naming the file / option / column, and no Python traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pytest

SAMPLE_STATE = Path(__file__).parents[1] / "sample_data" / "state" / "state"
NOW = "2025-07-01T09:00"


def certlib(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "CERTLIB_NOW": NOW, **(env or {})}
    return subprocess.run(
        [sys.executable, "-c", "from certlib.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=full,
        cwd=cwd,
        timeout=600,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("bad-input") / "ws"
    done = certlib("demo", "init", "--workspace", str(ws))
    assert done.returncode == 0, done.stderr
    return ws


# ---- how each bad input is made -----------------------------------------------------------------------


def _state_copy(tmp: Path) -> Path:
    data = tmp / "data"
    shutil.copytree(SAMPLE_STATE, data)
    return data


def _schools_csv(tmp: Path, text: bytes) -> list[str]:
    """The state copy with ``schools`` as a CSV file holding ``text``."""
    data = _state_copy(tmp)
    (data / "schools.parquet").unlink()
    (data / "schools.csv").write_bytes(text)
    return ["validate", "--data", str(data), "--format", "json"]


def _good_schools_csv() -> bytes:
    return pl.read_parquet(SAMPLE_STATE / "schools.parquet").write_csv().encode()


def csv_not_utf8(tmp: Path, ws: Path) -> list[str]:
    lines = _good_schools_csv().split(b"\n")
    lines[2] = lines[2].replace(b",", b",Ecole \xe9l\xe9mentaire ", 1)  # Latin-1, not UTF-8
    return _schools_csv(tmp, b"\n".join(lines))


def csv_empty(tmp: Path, ws: Path) -> list[str]:
    return _schools_csv(tmp, b"")


def csv_missing_fields(tmp: Path, ws: Path) -> list[str]:
    lines = _good_schools_csv().split(b"\n")
    lines[3] = b",".join(lines[3].split(b",")[:2])  # a row cut short
    return _schools_csv(tmp, b"\n".join(lines))


def parquet_damaged_pages(tmp: Path, ws: Path) -> list[str]:
    data = _state_copy(tmp)
    path = data / "enrollments.parquet"
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 3
    raw[middle : middle + 2000] = b"\xff" * 2000  # the footer (schema) stays readable, the pages do not
    path.write_bytes(bytes(raw))
    return ["validate", "--data", str(data), "--format", "json"]


def _store_copy(tmp: Path, ws: Path) -> Path:
    copy = tmp / "ws"
    shutil.copytree(ws, copy)
    return copy


def db_not_a_database(tmp: Path, ws: Path) -> list[str]:
    copy = _store_copy(tmp, ws)
    (copy / "certlib.db").write_bytes(b"this is not a database " * 400)
    return ["--workspace", str(copy), "events", "list", "--as", "state.admin"]


def db_damaged_pages(tmp: Path, ws: Path) -> list[str]:
    copy = _store_copy(tmp, ws)
    with sqlite3.connect(copy / "certlib.db") as conn:  # fold the WAL in, so the damage is in the file read
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw = bytearray((copy / "certlib.db").read_bytes())
    raw[4096 : len(raw)] = bytes((i * 37) % 256 for i in range(len(raw) - 4096))  # every page after the first
    (copy / "certlib.db").write_bytes(bytes(raw))
    return ["--workspace", str(copy), "audit", "verify", "--as", "state.admin"]


def workspace_is_a_file(tmp: Path, ws: Path) -> list[str]:
    (tmp / "afile").write_text("not a directory\n")
    return ["--workspace", str(tmp / "afile"), "events", "list", "--as", "state.admin"]


def _hostile_toml(tmp: Path) -> Path:
    path = tmp / "people.toml"
    path.write_text('[[users]]\nid = "../../escape"\nname = "X"\nlevel = "state"\n')
    return path


def hostile_people(tmp: Path, ws: Path) -> list[str]:
    copy = _store_copy(tmp, ws)
    _hostile_toml(tmp)
    return ["--workspace", str(copy), "people", "load", str(tmp / "people.toml"), "--as", "state.admin"]


def in_demo(*args: str) -> Callable[[Path, Path], list[str]]:
    return lambda tmp, ws: ["--workspace", str(ws), *args]


@dataclass
class Bad:
    name: str
    make: Callable[[Path, Path], list[str]]
    says: tuple[str, ...]  # every one of these appears in the message
    env: dict[str, str] = field(default_factory=dict)
    in_report: bool = False  # the run completes; the rule errors in its report say it


CASES = [
    Bad("csv not UTF-8", csv_not_utf8, ("schools.csv", "line 3", "not UTF-8")),
    Bad("csv 0 bytes", csv_empty, ("schools.csv", "empty", "header")),
    Bad("csv row missing fields", csv_missing_fields, ("schools.csv", "line 4", "2 fields", "the header has")),
    Bad("parquet damaged pages", parquet_damaged_pages, ("enrollments.parquet", "damaged"), in_report=True),
    Bad(
        "--now does not parse",
        in_demo("events", "list", "--as", "state.admin", "--now", "July 1st"),
        ("--now", "July 1st"),
    ),
    Bad(
        "CERTLIB_NOW does not parse",
        in_demo("events", "list", "--as", "state.admin"),
        ("CERTLIB_NOW", "garbage"),
        env={"CERTLIB_NOW": "garbage"},
    ),
    Bad(
        "date option does not parse",
        in_demo("events", "extend", "1", "--end", "2025-13-45", "--as", "state.admin"),
        ("end_date", "2025-13-45"),
    ),
    Bad(
        "event start date does not parse",
        in_demo(
            "events",
            "create",
            "--name",
            "x",
            "--year",
            "2025",
            "--category",
            "ATT",
            "--level",
            "district",
            "--start",
            "soon",
            "--opens",
            "2025-08-01",
            "--end",
            "2025-09-01",
            "--as",
            "state.admin",
        ),
        ("start_date", "soon"),
    ),
    Bad(
        "--param date does not parse",
        lambda tmp, ws: ["validate", "--data", str(SAMPLE_STATE), "--param", "as_of_date=2025-02-30"],
        ("as_of_date",),
    ),
    Bad("huge unit id", in_demo("units", "show", "9" * 30, "--as", "state.admin"), ("UNIT_ID", "9" * 30)),
    Bad("huge event id", in_demo("events", "show", "9" * 30, "--as", "state.admin"), ("EVENT_ID",)),
    Bad("negative id", in_demo("units", "show", "-3", "--as", "state.admin"), ("UNIT_ID",)),
    Bad(
        "huge year", in_demo("events", "create", "--name", "x", "--year", "9" * 25, "--as", "state.admin"), ("--year",)
    ),
    Bad("huge --days", in_demo("alerts", "sweep", "--days", "9" * 12, "--as", "state.admin"), ("--days",)),
    Bad("--workspace is a file", workspace_is_a_file, ("afile", "is a file")),
    Bad(
        "CERTLIB_WORKSPACE is a file",
        lambda tmp, ws: (tmp / "afile").write_text("x") and ["demo", "init"],
        ("afile", "is a file, not a workspace directory"),
    ),
    Bad("certlib.db is not a database", db_not_a_database, ("certlib.db", "damaged", "not a database")),
    Bad("certlib.db has damaged pages", db_damaged_pages, ("certlib.db", "damaged")),
    Bad("audit list --limit -1", in_demo("audit", "list", "--limit", "-1", "--as", "state.admin"), ("--limit", "-1")),
    Bad(
        "a bound that does not parse",
        in_demo("events", "list", "--as", "state.admin"),
        ("CERTLIB_RUN_TIMEOUT",),
        env={"CERTLIB_RUN_TIMEOUT": "ten minutes"},
    ),
    Bad("a user id that is a path", hostile_people, ("users[0]", "../../escape", "not allowed")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_is_a_clear_error(case: Bad, demo: Path, tmp_path: Path):
    args = case.make(tmp_path, demo)
    env = dict(case.env)
    if case.name == "CERTLIB_WORKSPACE is a file":
        env["CERTLIB_WORKSPACE"] = str(tmp_path / "afile")
    done = certlib(*args, env=env, cwd=tmp_path)
    said = done.stderr + done.stdout
    assert "Traceback" not in said, said
    if case.in_report:
        errors = [r["error"] for r in json.loads(done.stdout)["rules"] if r["status"] == "error"]
        assert errors, "a rule reading the damaged file must fail"
        for error in errors:
            assert all(s in error for s in case.says), error
        return
    assert done.returncode != 0, said
    message = done.stderr
    assert all(s in message for s in case.says), message
    assert len([line for line in message.splitlines() if line.strip()]) <= 3, message  # one message (+ usage)


def test_the_store_is_left_as_it_was_after_refused_people(demo: Path, tmp_path: Path):
    copy = _store_copy(tmp_path, demo)
    before = certlib("--workspace", str(copy), "people", "list", "--format", "json").stdout
    _hostile_toml(tmp_path)
    refused = certlib("--workspace", str(copy), "people", "load", str(tmp_path / "people.toml"), "--as", "state.admin")
    assert refused.returncode == 1
    assert certlib("--workspace", str(copy), "people", "list", "--format", "json").stdout == before


@pytest.mark.parametrize(("limit", "want"), [("0", 0), ("1", 1), ("2", 2)])
def test_audit_list_limit_keeps_exactly_the_last_n_rows(demo: Path, limit: str, want: int):
    every = json.loads(
        certlib("--workspace", str(demo), "audit", "list", "--format", "json", "--as", "state.admin").stdout
    )
    last = json.loads(
        certlib(
            "--workspace", str(demo), "audit", "list", "--limit", limit, "--format", "json", "--as", "state.admin"
        ).stdout
    )
    assert [r["id"] for r in last] == [r["id"] for r in every][len(every) - want :]
