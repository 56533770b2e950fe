"""Runaway rules end as a rule error naming the rule and the bound — never as a dead process.

Each case builds a table big enough that the runaway would exhaust this machine (a self join of 60,000
rows has 1.8 to 3.6 billion rows), runs it beside healthy rules, and checks that only the runaway
becomes an ``error`` while the rest keep their results. The only clock in these tests is a generous
ceiling on the whole run (minutes), never a threshold on speed.
"""

from __future__ import annotations

import threading
import time

import polars as pl
import pytest

from certlib.config import Settings
from certlib.engine import PolarsEngine, scan_tables
from certlib.engine.bounds import BoundedCall, Bounds, run_bounded
from certlib.errors import CertlibError, ConfigError, LimitExceeded, NotFound

N = 60_000
BIG = pl.DataFrame({"a": range(N), "b": [f"name {i}" for i in range(N)]}).lazy()
GENEROUS_S = 300  # a ceiling only: the runaway must end, not end quickly


@pytest.fixture
def frames(data_dir, pack):
    return scan_tables(data_dir, pack)


def _tables(frames) -> dict[str, pl.LazyFrame]:
    return {**frames, "big": BIG}


#: (case, runaway SQL, bounds, the bound the message must name)
RUNAWAYS = [
    (
        "self cross join, row bound",
        "SELECT x.a, y.b FROM big x CROSS JOIN big y",
        Bounds(seconds=GENEROUS_S, memory_mb=4096, rows=1_000_000),
        "row bound of 1,000,000 rows",
    ),
    (
        "self cross join, memory bound",
        "SELECT x.a, y.b FROM big x CROSS JOIN big y",
        Bounds(seconds=GENEROUS_S, memory_mb=1500, rows=None),
        "memory bound of 1500 MB",
    ),
    (
        "non-equi self join, memory bound",
        "SELECT x.a, y.b FROM big x JOIN big y ON x.a < y.a",
        Bounds(seconds=GENEROUS_S, memory_mb=1500, rows=None),
        "memory bound of 1500 MB",
    ),
    (
        "non-equi self join, time bound",
        "SELECT x.a, y.b FROM big x JOIN big y ON x.a < y.a",
        Bounds(seconds=3, memory_mb=None, rows=None),
        "time bound of 3 s",
    ),
]


@pytest.mark.parametrize(("case", "sql", "bounds", "named"), RUNAWAYS, ids=[r[0] for r in RUNAWAYS])
def test_a_runaway_rule_is_stopped_and_only_it_fails(case, sql, bounds, named, frames, rules, rule_factory):
    runaway = rule_factory("RUN-001", sql, keys=("a",), tables=("big",))
    t0 = time.monotonic()
    run = PolarsEngine(bounds=bounds).run([rules.present, runaway, rules.grade], _tables(frames))
    assert time.monotonic() - t0 < 2 * GENEROUS_S
    assert [r.id for r in run.rules] == ["EOY-001", "RUN-001", "ENR-005"]
    stopped = run.rule("RUN-001")
    assert stopped.status == "error"
    assert "rule RUN-001 was stopped" in stopped.error and named in stopped.error
    assert "CERTLIB_RUN_" in stopped.error  # the setting that moves the bound
    assert (run.rule("EOY-001").status, run.rule("EOY-001").count) == ("failed", 3)
    assert (run.rule("ENR-005").status, run.rule("ENR-005").count) == ("failed", 1)


def test_healthy_rules_give_the_same_results_bounded_or_not(frames, rules):
    batch = [rules.present, rules.grade, rules.info]
    free = PolarsEngine(bounds=Bounds(seconds=None, memory_mb=None, rows=None)).run(batch, frames)
    bound = PolarsEngine(bounds=Bounds(seconds=GENEROUS_S, memory_mb=4096, rows=100)).run(batch, frames)
    for a, b in zip(free.rules, bound.rules, strict=True):
        assert (a.id, a.status, a.count) == (b.id, b.status, b.count)
        assert a.rows.equals(b.rows)


def test_a_result_at_the_row_bound_is_kept_and_one_past_it_is_stopped(frames, rule_factory):
    five = rule_factory("FIVE", "SELECT enrollment_id FROM enrollments")
    assert PolarsEngine(bounds=Bounds(seconds=None, memory_mb=None, rows=5)).run([five], frames).rules[0].count == 5
    over = PolarsEngine(bounds=Bounds(seconds=None, memory_mb=None, rows=4)).run([five], frames).rules[0]
    assert over.status == "error" and "row bound of 4 rows" in over.error


def test_progress_still_reaches_the_caller_from_the_worker(frames, rules):
    seen: list[tuple[int, int, str]] = []
    PolarsEngine(bounds=Bounds(seconds=GENEROUS_S, memory_mb=4096)).run(
        [rules.present, rules.grade], frames, progress=lambda *m: seen.append(m)
    )
    assert seen[-1] == (3, 3, "done") and ("EOY-001" in {label for *_, label in seen})


# ---- the reusable bound (the rule lab runs its queries through it) -----------------------------------


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "woke"


def _refuse(what: str) -> None:
    raise NotFound(f"no such thing: {what}")


def _crash() -> None:
    raise ZeroDivisionError("division by zero")


def test_run_bounded_returns_the_value_and_raises_certlib_errors_as_they_are():
    bounds = Bounds(seconds=60, memory_mb=2048)
    assert run_bounded(_sleep, 0, bounds=bounds) == "woke"
    with pytest.raises(NotFound, match="no such thing: x"):
        run_bounded(_refuse, "x", bounds=bounds)
    with pytest.raises(CertlibError, match="query Q1 failed: ZeroDivisionError"):
        run_bounded(_crash, bounds=bounds, label="query Q1")
    assert run_bounded(_sleep, 0, bounds=bounds) == "woke"  # the worker survived both


def test_a_bounded_call_can_be_stopped_from_another_thread():
    call = BoundedCall(_sleep, 600, bounds=Bounds(seconds=None, memory_mb=2048), label="query Q2")
    threading.Timer(0.5, call.stop).start()
    with pytest.raises(LimitExceeded, match="query Q2 was stopped on request") as info:
        call.result()
    assert info.value.bound == "stopped" and not call.running


def test_time_bound_names_the_call():
    with pytest.raises(LimitExceeded, match=r"query Q3 was stopped: it ran longer than the time bound of 1 s") as info:
        run_bounded(_sleep, 600, bounds=Bounds(seconds=1, memory_mb=None), label="query Q3")
    assert info.value.bound == "time"


# ---- configuration ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "want"),
    [
        ({}, Bounds(seconds=600, memory_mb=8192, rows=10_000_000)),
        (
            {"CERTLIB_RUN_TIMEOUT": "30", "CERTLIB_RUN_MEMORY": "1024", "CERTLIB_RUN_MAX_ROWS": "500"},
            Bounds(seconds=30, memory_mb=1024, rows=500),
        ),
        (
            {"CERTLIB_RUN_TIMEOUT": "0", "CERTLIB_RUN_MEMORY": "off", "CERTLIB_RUN_MAX_ROWS": "none"},
            Bounds(seconds=None, memory_mb=None, rows=None),
        ),
    ],
)
def test_bounds_come_from_settings(env, want):
    assert Bounds.from_settings(Settings.from_env(env)) == want


@pytest.mark.parametrize("name", ["CERTLIB_RUN_TIMEOUT", "CERTLIB_RUN_MEMORY", "CERTLIB_RUN_MAX_ROWS"])
@pytest.mark.parametrize("value", ["-1", "ten", "1.5", "9" * 40])
def test_a_bound_that_does_not_parse_is_a_config_error_naming_it(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})
