"""Names are not paths (issue 12, item 7): hostile ids are refused at load, and no id — even one already in
an old store — can lead a file certlib writes out of its directory."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certlib.domain.names import check_code, check_user_id, file_part, path_inside
from certlib.errors import DataError

#: pieces a hostile id is made of: separators, dots, NUL, Windows separators, unicode look-alikes
HOSTILE_PIECES = st.sampled_from(["..", ".", "/", "\\", "\x00", "~", " ", "%2e%2e", "／", "．．", "\u2024", ":", "\n"])
HOSTILE = st.lists(
    st.one_of(HOSTILE_PIECES, st.text(string.ascii_letters + string.digits, max_size=4)), min_size=1, max_size=8
).map("".join)
ANY_TEXT = st.one_of(HOSTILE, st.text(max_size=40))


@given(parts=st.lists(ANY_TEXT, min_size=1, max_size=4), dirs=st.lists(ANY_TEXT, max_size=3))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_path_built_from_any_ids_stays_inside_its_root(tmp_path: Path, parts: list[str], dirs: list[str]):
    root = tmp_path / "reports"
    path = path_inside(root, *parts, dirs=tuple(dirs))
    assert root.resolve() in path.resolve().parents
    assert path.name and not path.name.startswith(".")
    assert "/" not in path.name and "\x00" not in str(path)


@given(uid=HOSTILE.filter(lambda s: any(c in s for c in "/\\\x00 ~:\n") or ".." in s or not s[:1].isalnum()))
@settings(max_examples=300, deadline=None)
def test_hostile_user_ids_are_refused_at_load(uid: str):
    with pytest.raises(DataError, match=r"users\[3\]: user id .* is not allowed"):
        check_user_id(uid, "users[3]")


@given(uid=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_@+\-]{0,20}(\.[A-Za-z0-9_@+\-]{1,10}){0,3}", fullmatch=True))
@settings(max_examples=200, deadline=None)
def test_ordinary_user_ids_are_accepted_and_name_their_own_files(uid: str):
    assert check_user_id(uid) == uid
    assert file_part(uid) == uid  # a valid id needs no rewriting to become part of a file name


@pytest.mark.parametrize("uid", ["hw.cert1", "state.admin", "ana.lopez@district.k12.us", "u-7", "A+B"])
def test_the_ids_in_use_are_accepted(uid: str):
    assert check_user_id(uid) == uid


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("1071", True),
        ("0588", True),
        ("NS-01", True),
        ("../1", False),
        ("10/71", False),
        ("", False),
        (".x", False),
        ("x" * 33, False),
    ],
)
def test_district_numbers_and_school_codes(code: str, ok: bool):
    if ok:
        assert check_code(code, "district number", "districts[0]") == code
    else:
        with pytest.raises(DataError, match=r"districts\[0\]: district number"):
            check_code(code, "district number", "districts[0]")


def test_report_of_a_user_with_a_path_for_an_id_lands_in_the_reports_directory(tmp_path: Path):
    """An id that predates the load check (an old store) still cannot steer a report elsewhere."""
    from types import SimpleNamespace

    from certlib.engine.results import RunResult
    from certlib.services.runs import save_report

    ws = SimpleNamespace(reports_dir=tmp_path / "ws" / "reports")
    run = RunResult(rules=[], engine="polars", elapsed_ms=0.0)
    for uid in ["../../escape", "a/b", "/etc/passwd", "..", "x\x00y"]:
        written = save_report(ws, run, f"unit1-r1-{uid}-district", ("json",))  # type: ignore[arg-type]
        path = Path(written["json"])
        assert path.parent == ws.reports_dir and path.is_file(), path
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == sorted(
        p.name for p in ws.reports_dir.iterdir()
    )  # nothing anywhere else


def test_loading_people_refuses_a_path_for_an_id(tmp_path: Path):
    from datetime import datetime

    from certlib.store import Store

    with Store(tmp_path / "certlib.db") as store:
        for bad in ({"id": "../../escape", "level": "state"}, {"id": "a/b", "level": "state"}):
            with pytest.raises(DataError, match=r"users\[0\]: user id"):
                store.load_people({"users": [bad]}, datetime(2025, 7, 1))
        with pytest.raises(DataError, match=r"districts\[0\]: district number"):
            store.load_people({"districts": [{"number": "../1071", "name": "X"}]}, datetime(2025, 7, 1))
        assert (
            store.load_people(
                {
                    "districts": [{"number": "1071", "name": "North Star"}],
                    "users": [{"id": "ns.cert1", "level": "district", "district": "1071"}],
                },
                datetime(2025, 7, 1),
            )["users"]
            == 1
        )
