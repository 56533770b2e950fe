"""One configuration: every CERTLIB_* parsed once by certlib.config, one clock, one log set-up."""

from __future__ import annotations

import ast
import doctest
import logging
import threading
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import certlib.config as config
from certlib.cli import cli
from certlib.cli.base import parse_now
from certlib.config import Settings, package_data, settings
from certlib.errors import ConfigError, ReadOnlyError
from certlib.services import Workspace
from certlib.store.readonly import check_writable

REPO = Path(__file__).resolve().parents[1]
#: modules that still read os.environ / the clock themselves (none left)
NOT_YET: set[str] = set()


def test_the_module_examples_run() -> None:
    assert doctest.testmod(config).failed == 0


def test_defaults_of_an_empty_environment() -> None:
    s = Settings.from_env({})
    assert (s.workspace, s.read_only, s.now, s.database_url, s.engine, s.mode) == (
        Path("workspace"),
        False,
        None,
        None,
        "polars",
        "demo",
    )
    assert s.rules == package_data("rules") and (s.rules / "pack.toml").is_file()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-07-01", datetime(2025, 7, 1, 0, 0)),  # a bare date: that day at 00:00
        (" 2025-07-01T10:00:00 ", datetime(2025, 7, 1, 10, 0)),
        ("2025-07-01 10:30", datetime(2025, 7, 1, 10, 30)),
    ],
)
def test_one_rule_for_the_pinned_clock(raw: str, expected: datetime) -> None:
    s = Settings.from_env({"CERTLIB_NOW": raw})
    assert s.clock() == expected
    assert s.clock(datetime(2020, 1, 1)) == datetime(2020, 1, 1)  # an explicit time wins


def test_the_cli_now_option_follows_the_same_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERTLIB_NOW", "2025-07-01")
    assert parse_now(None) == datetime(2025, 7, 1)
    assert parse_now("2025-06-30") == datetime(2025, 6, 30)
    with pytest.raises(ConfigError, match="--now='yesterday'"):
        parse_now("yesterday")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"CERTLIB_NOW": "July 1st"}, "CERTLIB_NOW='July 1st' is not an ISO date"),
        ({"CERTLIB_NOW": "2025-07-01T10:00:00+02:00"}, "carries a UTC offset"),
        ({"CERTLIB_READ_ONLY": "maybe"}, "CERTLIB_READ_ONLY='maybe' is not a yes/no value"),
        ({"CERTLIB_ENGINE": "duckdb"}, "CERTLIB_ENGINE='duckdb' is not one of polars, spark"),
        ({"CERTLIB_SPARK_PARALLEL": "0"}, "CERTLIB_SPARK_PARALLEL='0'"),
        ({"CERTLIB_IDENTITY": "header"}, "the only value is 'request'"),
        ({"CERTLIB_LOG_LEVEL": "loud"}, "CERTLIB_LOG_LEVEL='loud'"),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(env: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace("(", r"\(").replace("+", r"\+")):
        Settings.from_env(env)


@pytest.mark.parametrize("raw", ["1", "true", "YES", " on "])
def test_read_only_spellings(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERTLIB_READ_ONLY", raw)
    with pytest.raises(ReadOnlyError):
        check_writable("submit")


def test_deployed_mode_and_unknown_names() -> None:
    assert Settings.from_env({"CERTLIB_AUTH_HEADER": "X-Forwarded-User"}).mode == "deployed"
    assert Settings.from_env({"CERTLIB_IDENTITY": "Request"}).mode == "deployed"
    s = Settings.from_env({"CERTLIB_READONLY": "1", "CERTLIB_CHROMIUM": "/usr/bin/chromium", "HOME": "/root"})
    assert s.unknown == ("CERTLIB_READONLY",) and s.read_only is False


def test_rules_default_follows_certlib_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CERTLIB_RULES", str(tmp_path))
    assert settings().rules == tmp_path
    result = CliRunner().invoke(cli, ["rules", "check"])
    assert result.exit_code != 0 and str(tmp_path) in result.output  # the CLI's default pack is the setting


def _reads(path: Path) -> list[str]:
    """``os.environ`` / ``os.getenv`` / ``datetime.now`` / ``date.today`` / ``time.time`` uses in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Attribute):
            owner = (
                node.value.id
                if isinstance(node.value, ast.Name)
                else (node.value.attr if isinstance(node.value, ast.Attribute) else None)
            )
            if (owner, node.attr) in {
                ("os", "environ"),
                ("os", "getenv"),
                ("datetime", "now"),
                ("datetime", "utcnow"),
                ("date", "today"),
                ("time", "time"),
            }:
                found.append(f"{path.relative_to(REPO)}:{node.lineno} {owner}.{node.attr}")
    return found


def test_nothing_else_reads_the_environment_or_the_wall_clock() -> None:
    modules = sorted((REPO / "certlib").rglob("*.py"))
    assert len(modules) > 50
    found = [
        hit for m in modules if str(m.relative_to(REPO)) not in {"certlib/config.py", *NOT_YET} for hit in _reads(m)
    ]
    assert found == [], "read them through certlib.config.settings() / Settings.clock():\n" + "\n".join(found)
    assert _reads(REPO / "certlib" / "config.py")  # the checker does see a real read


def test_logging_is_configured_once_in_one_format(monkeypatch: pytest.MonkeyPatch) -> None:
    logger = logging.getLogger("certlib")
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "level", logging.NOTSET)
    config.configure_logging(Settings.from_env({"CERTLIB_LOG_LEVEL": "warning"}))
    config.configure_logging(Settings.from_env({}))
    mine = [h for h in logger.handlers if getattr(h, "certlib", False)]
    assert len(mine) == 1 and mine[0].formatter._fmt == config.LOG_FORMAT
    assert logger.level == logging.WARNING  # the first configuration holds


def test_the_worker_thread_logs_a_failure_and_keeps_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = Workspace.create(tmp_path / "ws")
    calls = threading.Semaphore(0)

    def broken(*args, **kwargs):
        calls.release()
        raise RuntimeError("database is locked")

    monkeypatch.setattr(ws, "run_pending", broken)
    with caplog.at_level(logging.ERROR, logger="certlib"):
        stop = ws.start_worker_thread(poll=0.01)
        try:
            assert calls.acquire(timeout=30) and calls.acquire(timeout=30)  # still polling after a failure
        finally:
            stop.set()
            ws.close()
    failures = [r for r in caplog.records if r.name == "certlib.services.workspace"]
    assert failures and "running the queued jobs failed" in failures[0].getMessage()
    assert failures[0].exc_info and "database is locked" in str(failures[0].exc_info[1])


def test_the_audit_key_comes_from_a_file_or_inline_and_is_never_shown(tmp_path: Path) -> None:
    key_file = tmp_path / "audit.key"
    key_file.write_text("s3cret-" * 4 + "\n")
    s = Settings.from_env({"CERTLIB_AUDIT_KEY_FILE": str(key_file), "CERTLIB_AUDIT_ANCHOR": str(tmp_path / "a")})
    assert s.audit_key == b"s3cret-" * 4 and s.audit_anchor == tmp_path / "a" and "s3cret" not in repr(s)
    assert Settings.from_env({"CERTLIB_AUDIT_KEY": "x" * 16}).audit_key == b"x" * 16
    assert Settings.from_env({}).audit_key is None  # no key: an unkeyed chain (audit verify warns)
    for env, named in [
        ({"CERTLIB_AUDIT_KEY": "short"}, "at least 16"),
        ({"CERTLIB_AUDIT_KEY_FILE": str(tmp_path / "missing")}, "CERTLIB_AUDIT_KEY_FILE="),
        ({"CERTLIB_AUDIT_KEY": "x" * 16, "CERTLIB_AUDIT_KEY_FILE": str(key_file)}, "both set"),
    ]:
        with pytest.raises(ConfigError, match=named):
            Settings.from_env(env)
