"""Keeping a category current from the state console (issue 16.8), in a real browser: the state admin
adds a member and the store has it, audited; a read-only state user sees the buttons disabled with
the missing right named."""

from __future__ import annotations

import re

import pytest

from certlib.store import Store
from tests.browser.conftest import (
    MarimoServer,
    cell_errors,
    make_demo_workspace,
    open_notebook,
    screenshot,
    wait_idle,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def members_ws(tmp_path_factory):
    return make_demo_workspace(tmp_path_factory.mktemp("members") / "workspace")


def _open_members(page, server):
    open_notebook(page, server, "state_console", "Certification events")
    page.get_by_text(re.compile(r"Categories \(\d+\) and members")).first.click()
    page.get_by_role("heading", name="Keep a category current").first.wait_for(timeout=60_000)
    wait_idle(page)


def test_admin_adds_a_member(members_ws, page):
    server = MarimoServer(members_ws, env={"CERTLIB_DEMO_USER": "state.admin"})
    try:
        _open_members(page, server)
        page.get_by_label("Category").select_option("SPED")
        page.get_by_label("User", exact=True).select_option("ns.reviewer")
        page.get_by_label("Role").select_option("reviewer")
        wait_idle(page)
        page.get_by_role("button", name="Add member").click()
        page.get_by_text("add member ns.reviewer in SPED: done").first.wait_for(timeout=60_000)
        assert cell_errors(page) == []
        screenshot(page, "state-console-members")
    finally:
        server.stop()
    store = Store.open_workspace(members_ws, create=False)
    try:
        assert any(m.category_id == "SPED" and m.role == "reviewer" for m in store.memberships("ns.reviewer"))
        assert store.audit_rows()[-1].action == "member added"
    finally:
        store.close()


def test_read_only_state_user_is_refused_naming_the_right(members_ws, page):
    server = MarimoServer(members_ws, env={"CERTLIB_DEMO_USER": "state.approver"})
    try:
        _open_members(page, server)
        assert page.get_by_role("button", name="Add member").is_disabled()
        assert page.get_by_role("button", name="Remove member").is_disabled()
        note = page.get_by_text(re.compile("missing right: add member needs the state 'add' right"))
        note.first.wait_for(state="attached")
    finally:
        server.stop()
