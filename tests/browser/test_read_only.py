"""A read-only deployment (CERTLIB_READ_ONLY=1): an attempted mutation is refused by certlib itself
and the workspace's store is byte-for-byte unchanged."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from certlib.store import Store
from tests.browser.conftest import MarimoServer, cell_errors, open_notebook, screenshot, wait_idle

pytestmark = pytest.mark.browser


def _fingerprint(ws) -> tuple[str, int, list]:
    db = ws / "certlib.db"
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    store = Store.open_workspace(ws, create=False)
    try:
        rows = store.audit_count()
        units = [
            (u.id, str(u.status), u.round)
            for ev in store.events_for(_state_user(store), _now())
            for u in store.units(ev.event.id)
        ]
    finally:
        store.close()
    return digest, rows, units


def _state_user(store) -> str:
    return next(u.id for u in store.users() if u.level == "state")


def _now():
    import datetime as dt

    return dt.datetime(2025, 7, 1, 12)


@pytest.fixture(scope="module")
def read_only_server(demo_workspace, tmp_path_factory):
    ws = tmp_path_factory.mktemp("readonly") / "workspace"
    shutil.copytree(demo_workspace, ws)
    server = MarimoServer(ws, env={"CERTLIB_READ_ONLY": "1", "CERTLIB_DEMO_USER": "state.approver"})
    yield server, ws
    server.stop()


def test_read_only_refuses_approve_and_store_is_unchanged(read_only_server, page):
    server, ws = read_only_server
    before = _fingerprint(ws)
    open_notebook(page, server, "state_console", "Certification events")
    page.get_by_role("heading", name="Certification events", exact=True).first.wait_for(timeout=30_000)
    assert page.get_by_text("read-only deployment").first.is_visible()
    # the first published event, its first unit, then Approve (enabled: the domain allows it; the
    # deployment refuses it)
    page.get_by_role("row").filter(has_text="End of Year Attendance Certification").first.get_by_role(
        "checkbox"
    ).click()
    page.get_by_role("heading", name="Units", exact=True).first.wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("row").filter(has_text="1071").filter(has_text="In Progress").first.get_by_role("checkbox").click()
    page.get_by_role("button", name="Approve", exact=True).wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("button", name="Approve", exact=True).click()
    page.get_by_text("read-only").nth(1).wait_for(timeout=30_000)
    assert page.get_by_text("This server is read-only: changes are switched off here.").first.is_visible()
    assert cell_errors(page) == []
    screenshot(page, "read_only-refused")
    after = _fingerprint(ws)
    assert after == before
