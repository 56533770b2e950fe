"""The gate in front of every app: identity first, then which apps a user may open and which rows of
the state's data they read (certlib.domain.scope, certlib.identity, certlib.apps.session, certlib.services.lab)."""

from __future__ import annotations

import doctest
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import certlib.domain.scope as scope_mod
from certlib import identity as ident
from certlib.apps import session
from certlib.config import package_data
from certlib.domain.entities import User
from certlib.domain.scope import APP_ACCESS, app_refusal, data_scope
from certlib.errors import NotFound, Refused
from certlib.rules import load_pack
from certlib.services.lab import check_source, lab_sources, run_rule, scoped_frames

STATE = User("sa", "Sam State", "state", rights=frozenset({"read"}))
NORTH = User("nc", "Nora North", "district", "1071")
SCHOOL = User("hs", "Hope High", "school", "9604", "0688")
NOBODY = User("x", "No Org", "district")
SAMPLE = package_data("sample_data") / "state"
DEPLOYED = {"CERTLIB_AUTH_HEADER": "X-Forwarded-User"}


def test_module_examples() -> None:
    assert doctest.testmod(scope_mod).failed == 0


@pytest.mark.parametrize(
    ("user", "everything", "filter_", "covers", "not_covers"),
    [
        (STATE, True, {}, [("1071", None), ("9604", "0688")], []),
        (
            NORTH,
            False,
            {"district_number": "1071"},
            [("1071", None), ("1071", "0588")],
            [("9604", None), ("7988", "4236")],
        ),
        (
            SCHOOL,
            False,
            {"district_number": "9604", "school_code": "0688"},
            [("9604", "0688")],
            [("9604", None), ("9604", "8816"), ("1071", "0688")],
        ),
        (NOBODY, False, {}, [], [("1071", None), ("9604", "0688")]),
    ],
)
def test_data_scope_table(user, everything, filter_, covers, not_covers) -> None:
    s = data_scope(user)
    assert s.everything is everything and s.as_filter() == filter_
    assert all(s.covers(d, sc) for d, sc in covers)
    assert not any(s.covers(d, sc) for d, sc in not_covers)


@pytest.mark.parametrize(
    ("user", "app", "allowed"),
    [
        (STATE, "state_console", True),
        (NORTH, "state_console", False),
        (SCHOOL, "state_console", False),
        *[(u, a, True) for u in (STATE, NORTH, SCHOOL) for a in ("home", "dashboard", "certify", "rule_lab")],
        (STATE, "admin", False),
    ],
)
def test_app_access_table(user, app, allowed) -> None:
    assert (app_refusal(user, app) == "") is allowed
    assert set(APP_ACCESS) == {"home", "dashboard", "certify", "rule_lab", "state_console"}


class _Store:
    users = {u.id: u for u in (STATE, NORTH, SCHOOL)}

    def user(self, user_id):
        if user_id not in self.users:
            raise NotFound(f"unknown user {user_id!r}")
        return self.users[user_id]


class _Req(dict):
    pass


@pytest.mark.parametrize(
    ("headers", "app", "stop", "kind"),
    [
        ({}, "dashboard", "Not signed in", "warn"),
        ({"x-remote-user": "sa"}, "rule_lab", "Not signed in", "warn"),  # only the configured header counts
        ({"x-forwarded-user": "mallory"}, "dashboard", "Unknown user", "danger"),
        ({"x-forwarded-user": "`evil`\n# big"}, "certify", "Unknown user", "danger"),
        ({"x-forwarded-user": "nc"}, "state_console", "Not available to you", "danger"),
        ({"x-forwarded-user": "nc"}, "dashboard", "", ""),
        ({"x-forwarded-user": "sa"}, "state_console", "", ""),
    ],
)
def test_sign_in_per_app(headers, app, stop, kind, monkeypatch) -> None:
    monkeypatch.setattr(session, "current", lambda picked=None: ident.resolve(DEPLOYED, {"headers": headers}, picked))
    me = session.sign_in(None, _Store(), env=None, app=app)
    if stop:
        assert me.user is None and stop in me.stop_message and me.stop_kind == kind
        assert me.scope.nothing
        assert "\n" not in me.stop_message and "`evil`" not in me.stop_message
    else:
        assert me.user is not None and me.stop_message == "" and me.scope == data_scope(me.user)


def test_not_signed_in_is_decided_before_any_workspace() -> None:
    assert "Not signed in" in session.not_signed_in(DEPLOYED, {"headers": {}})
    assert "X-Forwarded-User" in session.not_signed_in(DEPLOYED, {"headers": {}})
    assert session.not_signed_in(DEPLOYED, {"headers": {"X-Forwarded-User": "nc"}}) == ""
    assert session.not_signed_in({}, {"headers": {}}) == ""  # demo: the picker is the identity
    assert "Not signed in" in session.not_signed_in({"CERTLIB_IDENTITY": "request"}, {"user": {}})
    assert session.landing(_Store(), {}).stop_message == ""  # the demo landing page lists the apps
    assert "Not signed in" in session.landing(_Store(), {**DEPLOYED}).stop_message


# ---- the rule lab's frames -------------------------------------------------------------------


@pytest.fixture(scope="module")
def pack():
    return load_pack(package_data("rules"))


def _districts(frames: dict[str, pl.LazyFrame], pack) -> dict[str, set]:
    out = {}
    for name, frame in frames.items():
        col = pack.tables[name].district_key or "district_number"
        out[name] = set(frame.select(col).collect()[col].to_list()) if col in frame.collect_schema() else set()
    return out


def test_scoped_frames_cut_every_table(pack) -> None:
    everything = _districts(scoped_frames(SAMPLE / "state", pack, data_scope(STATE)), pack)
    assert set().union(*everything.values()) >= {"1071", "7988", "9604"}
    mine = _districts(scoped_frames(SAMPLE / "state", pack, data_scope(NORTH)), pack)
    assert set(mine) == set(pack.tables)
    assert set().union(*mine.values()) == {"1071"}
    # the lab's own narrowing cannot widen the scope: another district gives nothing
    other = scoped_frames(SAMPLE / "state", pack, data_scope(NORTH), {"district_number": "9604"})
    assert all(f.collect().height == 0 for f in other.values())
    assert all(f.collect().height == 0 for f in scoped_frames(SAMPLE / "state", pack, data_scope(NOBODY)).values())


@settings(max_examples=25, deadline=None)
@given(
    district=st.sampled_from(["1071", "7988", "9604", "0000"]),
    table=st.sampled_from(["enrollments", "students", "schools", "attendance_daily", "special_ed"]),
)
def test_scoped_rows_are_exactly_the_districts_rows(pack, district, table) -> None:
    user = User("u", "U", "district", district)
    got = scoped_frames(SAMPLE / "state", pack, data_scope(user))[table].collect()
    everything = scoped_frames(SAMPLE / "state", pack, data_scope(STATE))[table].collect()
    assert got.sort(got.columns).equals(everything.filter(pl.col("district_number") == district).sort(got.columns))


def test_sources_and_runs_follow_the_scope(pack) -> None:
    assert len(lab_sources(None, STATE)) == 4  # the state copy and the three district copies
    mine = lab_sources(None, NORTH)
    assert [Path(p).name for p in mine.values()] == ["state", "1071"]
    assert lab_sources(None, NOBODY) == {}
    with pytest.raises(Refused, match="outside scope"):
        check_source(None, NORTH, SAMPLE / "districts" / "9604")
    from certlib.rules import compile_rule
    from certlib.rules.header import parse_rule_text

    rule = parse_rule_text(
        "-- id: LAB-1\n-- title: t\n-- severity: info\n-- group: Enrollment\n"
        "-- description: d\n-- resolution: r\n"
        "SELECT s.local_student_id, s.last_name, s.district_number FROM students AS s",
        None,
    )
    compiled = compile_rule(rule, pack, target="polars", params={"school_year": 2025, "as_of_date": "2025-06-30"})
    everyone = run_rule(None, STATE, compiled, pack, SAMPLE / "state", max_results=100_000)
    north = run_rule(None, NORTH, compiled, pack, SAMPLE / "state", max_results=100_000)
    assert 0 < north.count < everyone.count
    assert set(north.rows["district_number"]) == {"1071"}


# ---- the rule lab's query runs in a worker process that can be stopped (issue 12 item 5) --------


def _compiled(pack, sql: str, rule_id: str = "LAB-X"):
    from certlib.rules import compile_rule
    from certlib.rules.header import parse_rule_text

    rule = parse_rule_text(
        f"-- id: {rule_id}\n-- title: t\n-- severity: info\n-- group: Enrollment\n"
        f"-- description: d\n-- resolution: r\n{sql}",
        None,
    )
    return compile_rule(rule, pack, target="polars", params={"school_year": 2025, "as_of_date": "2025-06-30"})


#: a join with no useful key: billions of rows on the sample state
RUNAWAY = (
    "SELECT a.enrollment_id, a.attendance_date FROM attendance_daily AS a "
    "JOIN attendance_daily AS b ON a.district_number = b.district_number "
    "JOIN attendance_daily AS c ON c.district_number = a.district_number"
)


def test_a_lab_query_runs_in_a_worker_process_and_bounds_what_it_shows(pack) -> None:
    import os

    from certlib.engine.bounds import Bounds

    compiled = _compiled(pack, "SELECT s.local_student_id, s.district_number FROM students AS s")
    run = run_rule(None, STATE, compiled, pack, SAMPLE / "state", max_results=5)
    assert run.worker_pid not in (0, os.getpid())  # never in the app server's process
    assert (run.shown, run.truncated) == (5, True) and run.count > 5
    assert f"Showing the first 5 of {run.count:,} rows" in run.note
    assert run_rule(None, STATE, compiled, pack, SAMPLE / "state", max_results=100_000).note == ""
    # past the deployment's row bound the rule is an error naming the bound
    over = run_rule(None, STATE, compiled, pack, SAMPLE / "state", bounds=Bounds(seconds=60, memory_mb=None, rows=10))
    assert over.status == "error" and "CERTLIB_RUN_MAX_ROWS" in (over.error or "")


def test_a_runaway_lab_query_is_stopped_by_stop_and_by_the_time_bound(pack) -> None:
    from certlib.engine.bounds import Bounds
    from certlib.errors import LimitExceeded
    from certlib.services.lab import start_rule

    compiled = _compiled(pack, RUNAWAY)
    query = start_rule(
        None, STATE, compiled, pack, SAMPLE / "state", bounds=Bounds(seconds=None, memory_mb=None, rows=None)
    )
    assert query.poll().state == "running"
    query.stop()
    stopped = query.wait(60)
    assert stopped.state == "stopped" and "stopped on request" in stopped.message and stopped.run is None
    with pytest.raises(LimitExceeded, match="longer than the time bound of 2 s"):
        run_rule(None, STATE, compiled, pack, SAMPLE / "state", bounds=Bounds(seconds=2, memory_mb=None, rows=None))


def test_lab_bounds_cap_the_deployments_time() -> None:
    from certlib.config import Settings
    from certlib.services.lab import LAB_SECONDS, lab_bounds

    assert lab_bounds(Settings.from_env({})).seconds == LAB_SECONDS
    assert lab_bounds(Settings.from_env({"CERTLIB_RUN_TIMEOUT": "0"})).seconds == LAB_SECONDS
    assert lab_bounds(Settings.from_env({"CERTLIB_RUN_TIMEOUT": "30"})).seconds == 30


def test_lab_sources_follow_the_workspaces_configured_copies(tmp_path) -> None:
    from types import SimpleNamespace

    districts = [SimpleNamespace(number=n) for n in ("9604", "1071", "7988")]
    ws = SimpleNamespace(
        state_dir=SAMPLE / "state",
        district_dir=lambda n: SAMPLE / "districts" / n,
        store=SimpleNamespace(districts=lambda: districts),
    )
    mine = lab_sources(ws, NORTH)
    assert list(mine) == ["The state's copy (district 1071's rows)", "District 1071 — the district's own copy"]
    assert len(lab_sources(ws, STATE)) == 4
    with pytest.raises(Refused, match="outside scope"):
        check_source(ws, NORTH, SAMPLE / "districts" / "7988")
    # a state copy in a database is offered as its URL (the scan pushes the district into the query)
    url = "postgresql://certlib@localhost/state"
    db = SimpleNamespace(
        state_dir=url,
        district_dir=lambda n: tmp_path / "missing" / n,
        store=SimpleNamespace(districts=lambda: districts),
    )
    assert list(lab_sources(db, NORTH).values()) == [url]
    assert check_source(db, NORTH, url) == url
    # a workspace with no data at all falls back to the sample state
    empty = SimpleNamespace(
        state_dir=tmp_path / "none",
        district_dir=lambda n: tmp_path / n,
        store=SimpleNamespace(districts=lambda: districts),
    )
    assert next(iter(lab_sources(empty, NORTH))).startswith("Sample state")


def test_lab_frames_cut_school_only_tables_through_the_school_table(tmp_path) -> None:
    """Ed-Fi's associations hold a SchoolId and no district: a district user's lab reads the rows of
    their district's schools (through edfi.School), never another district's, never nothing."""
    import shutil

    from certlib.rules.datachecker import import_datachecker
    from tests.catalog.edfi_data import CASES, COLLECTION, ODS_SCHEMA, ods_frames, write_data_dir

    import_datachecker([COLLECTION], tmp_path / "pack", ODS_SCHEMA)
    shutil.copytree(CASES, tmp_path / "pack" / "cases")
    edfi = load_pack(tmp_path / "pack")
    frames = ods_frames(9)
    data = write_data_dir(frames, tmp_path / "ods")
    district = "255901"
    mine = set(frames["edfi.School"].filter(pl.col("LocalEducationAgencyId") == int(district))["SchoolId"])
    got = scoped_frames(data, edfi, data_scope(User("d", "D", "district", district)))
    ssa = got["edfi.StudentSchoolAssociation"].collect()
    assert ssa.height > 0 and set(ssa["SchoolId"]) <= mine
    everything = scoped_frames(data, edfi, data_scope(STATE))["edfi.StudentSchoolAssociation"].collect()
    assert ssa.height < everything.height
