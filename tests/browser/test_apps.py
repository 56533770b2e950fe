"""Every app in a real Chromium against one real `marimo run notebooks` server on the demo workspace.

Read-only tests first (home, dashboard, rule lab), then the ones that change the workspace
(state console, certify). The read-only deployment has its own server in test_read_only.py.
"""

from __future__ import annotations

import re

import pytest

from certlib.apps.charts import EMPTY_MESSAGES
from tests.browser.conftest import cell_errors, open_notebook, screenshot, wait_idle

pytestmark = pytest.mark.browser


def _units_matching(page) -> int:
    text = page.get_by_text(re.compile(r"[\d,]+ units?\s+match")).first.inner_text()
    return int(re.search(r"([\d,]+) units?", text).group(1).replace(",", ""))


def test_home_links_the_four_apps(served, page):
    open_notebook(page, served, "home", "Open analyst dashboard")
    for title in ("Analyst dashboard", "Certify", "Rule lab", "State console"):
        assert page.get_by_role("link", name=title).first.is_visible()
    assert page.get_by_text("Demo mode").first.is_visible()
    assert cell_errors(page) == []
    screenshot(page, "home")


def test_dashboard_charts_and_click_filters_table(served, page):
    open_notebook(page, served, "dashboard", "Certification Event Details")
    page.get_by_text(re.compile(r"units?\s+match")).first.wait_for(timeout=60_000)
    charts = page.locator(".vega-embed")

    def _drawn() -> int:  # a chart is drawn, or shows its empty state (issue 17 item 5)
        empties = sum(page.get_by_text(m.split(":")[0].split(".")[0]).count() > 0 for m in EMPTY_MESSAGES.values())
        return page.locator(".vega-embed canvas").count() + empties

    for _ in range(60):  # marimo renders charts inside shadow roots: poll with a piercing locator
        if _drawn() >= 6:
            break
        page.wait_for_timeout(500)
    assert _drawn() >= 6, "charts missing"
    assert page.get_by_text("NaN", exact=True).count() == 0 and page.get_by_text("0.000000").count() == 0
    for kpi in ("Published events", "Units", "Certified", "Approved", "Overdue units"):
        assert page.get_by_text(kpi, exact=True).first.is_visible()
    before = _units_matching(page)
    assert before > 0
    screenshot(page, "dashboard")

    # click the first (longest) bar of the "Event status by school / district" chart: scan down the
    # plot area until a click hits a bar segment and the table narrows
    canvas = charts.nth(0).locator("canvas").first
    box = canvas.bounding_box()
    after = before
    for dy in range(24, 140, 6):
        page.mouse.click(box["x"] + 250, box["y"] + dy)
        wait_idle(page)
        after = _units_matching(page)
        if after != before:
            break
    assert 0 < after < before, f"clicking a bar did not filter the table ({before} → {after})"
    assert page.get_by_text(re.compile(r"school/district: ")).first.is_visible()
    assert page.get_by_text(re.compile(r"keys: ")).count() == 0
    assert cell_errors(page) == []
    screenshot(page, "dashboard-filtered")


def test_rule_lab_diagnostic_then_fixed_rule_runs(served, page):
    open_notebook(
        page, served, "rule_lab", "Compiles cleanly"
    )  # the template compiled: the editor is mounted and settled
    editor = page.locator(".cm-content").first
    editor.click()
    page.keyboard.press("Control+a")
    broken = (
        "-- id: LAB-001\n-- title: Lab test\n-- severity: warning\n-- group: Enrollment\n"
        "-- description: d\n-- resolution: r\n"
        "SELECT e.enrollment_id, e.district_number, e.school_code\nFROM enrollments AS e\n"
        "WHERE e.grade_level = '13'\n"
    )
    page.keyboard.insert_text(broken)
    page.locator("h1").first.click()  # blur: the editor reports its value
    page.get_by_text("The rule does not compile").wait_for(timeout=30_000)
    diag = page.get_by_role("table").filter(has_text="grade_level").first
    diag.wait_for(timeout=10_000)
    row_text = diag.inner_text()
    assert re.search(r"\b9\b", row_text), f"line 9 not reported: {row_text}"
    screenshot(page, "rule_lab-diagnostic")

    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(
        broken.replace(
            "e.grade_level = '13'",
            "e.grade NOT IN ('00','01','02','03','04','05','06','07','08','09','10','11','12') OR e.grade IS NOT NULL",
        )
    )
    page.locator("h1").first.click()
    page.get_by_text("Compiles cleanly").wait_for(timeout=30_000)
    page.get_by_role("button", name="Run rule").click()
    page.get_by_text("Rows found").wait_for(timeout=60_000)
    wait_idle(page)
    shown = page.get_by_text(re.compile(r"^[\d,]+ shown$")).first.inner_text()
    assert int(shown.split()[0].replace(",", "")) > 0, shown
    assert page.get_by_text(re.compile(r"^[\d,]+ ms$")).first.is_visible()
    # a rule that found rows reports findings, not a failure (issue 17 item 12)
    assert page.get_by_text("Findings", exact=True).first.is_visible()
    assert page.get_by_text("failed", exact=True).count() == 0
    assert cell_errors(page) == []
    screenshot(page, "rule_lab")
