"""Events that cannot work cannot be created, edited into shape or published: every validation group
must be one the rule pack declares and every district one the store knows (else nothing is written)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from certlib.config import package_data
from certlib.errors import Refused

from .conftest import EVENT, SETUP, db_bytes

BAD = [
    ({"groups": ["End of Year Attendance", "Nope"]}, "unknown validation group(s) 'Nope'"),
    ({"groups": ["end of year attendance"]}, "unknown validation group(s)"),  # names are exact
    ({"districts": ["1071", "9999"]}, "unknown district(s) '9999'"),
]


@pytest.mark.parametrize(("fields", "why"), BAD)
def test_create_refuses_an_event_that_cannot_work(store, fields, why):
    before = db_bytes(store)
    with pytest.raises(Refused, match="create event refused for sa: " + re.escape(why)):
        store.create_event("sa", SETUP, **{**EVENT, **fields})
    assert db_bytes(store) == before


@pytest.mark.parametrize(("fields", "why"), BAD)
def test_edit_refuses_the_change_draft_or_not(store, fields, why):
    event = store.create_event("sa", SETUP, **EVENT)
    with pytest.raises(Refused, match="edit event refused"):
        store.edit_event("sa", event.id, SETUP, **fields)
    store.publish_event("sa", event.id, SETUP)
    with pytest.raises(Refused, match="edit event refused"):  # a published event's draft too
        store.edit_event("sa", event.id, SETUP, **fields)
    assert store.event(event.id).draft is None


def test_publish_refuses_when_the_pack_no_longer_declares_a_group(store, tmp_path: Path):
    """The rule pack changed after the event was saved: publishing it would create units that cannot validate."""
    event = store.create_event("sa", SETUP, **EVENT)
    pack = tmp_path / "pack"
    shutil.copytree(package_data("rules"), pack)
    toml = pack / "pack.toml"
    toml.write_text(toml.read_text().replace('name = "End of Year Attendance"', 'name = "EOY Attendance (renamed)"'))
    store.groups_from = pack
    with pytest.raises(Refused, match="publish event refused.*unknown validation group.*'End of Year Attendance'"):
        store.publish_event("sa", event.id, SETUP)
    assert store.units(event.id) == [] and str(store.event(event.id).status) == "Unpublished"
