"""The notebooks folder is served by a real marimo server and renders in a real Chromium."""

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_home_notebook_renders(served, page):
    page.goto(served.url + "/?file=home.py")
    page.get_by_text("Data certification for state education agencies").wait_for(timeout=30_000)
    assert page.locator(".marimo-error, [data-testid='marimo-error']").count() == 0
    screenshot(page, "home")
