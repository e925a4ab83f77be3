"""The officer report's printable page in a real browser: reached from the dashboard, the
officer's figures in Vietnamese, the Print button shown by its script (which opens the
print dialog), paper without menus and a page per officer, a 360 px phone without sideways
scrolling, and axe-core. The seed is the dashboard's (test_dashboard_flow.py): its officer
returned D1–D3 in November 2026 (3 returned, 3 ratings, satisfaction rate 66,7 %)."""

from __future__ import annotations

import pytest
from browser_support import (
    browser_fixture,  # noqa: F401 - the `browser` fixture
    check_accessibility,
    expect_vietnamese,
    open_page_fixture,  # noqa: F401 - the `open_page` fixture
    screenshot,
)
from playwright.sync_api import expect
from test_dashboard_flow import (  # noqa: F401 - the `live_server` fixture
    SMALL_PHONE,
    STAFF_NAME,
    SUPERVISOR_PHONE,
    live_server,
    log_in,
    squeezed,
)

pytestmark = pytest.mark.browser

PAGE = "/dashboard/officer-report?period=month&date=2026-11"


def test_the_officer_report_prints_and_fits_a_phone(open_page, live_server):  # noqa: F811
    page = open_page("vi-VN", viewport=SMALL_PHONE)
    log_in(page, live_server, SUPERVISOR_PHONE)
    page.goto("/dashboard/?period=month&date=2026-11")
    page.locator("#section-by-officer > summary").click()
    page.locator(f'main a[href="{PAGE}"]').click()
    page.wait_for_url(live_server.url(PAGE))
    expect_vietnamese(page)
    expect(page.locator("main h1")).to_have_text("BÁO CÁO")
    sheet = page.locator("main section.officer-sheet")
    expect(sheet).to_have_count(1)
    expect(sheet.locator("h2")).to_have_text(f"1. {STAFF_NAME}")
    figures = [
        squeezed(t)
        for t in sheet.locator("table.figure-list").first.locator("td").all_inner_texts()
    ]
    assert figures[0] == "3" and "66,7%" in figures
    # No sideways scrolling at 360 px: a wide table scrolls inside its own container.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SMALL_PHONE["width"] + 1, f"the report page scrolls sideways: {width}"
    screenshot(page, "officer-report-phone")
    check_accessibility(page, "officer-report-phone")
    # The Print button, shown by the script, opens the print dialog.
    button = page.locator("main button[data-print]")
    expect(button).to_be_visible()
    page.evaluate("window.print = () => { window.printed = true; }")
    button.click()
    assert page.evaluate("window.printed") is True
    # On paper: no menus, links or buttons, and a page per officer.
    page.emulate_media(media="print")
    expect(page.locator("header.site-header")).to_be_hidden()
    expect(button).to_be_hidden()
    expect(page.locator("main form.filters")).to_be_hidden()
    breaks = sheet.evaluate("el => getComputedStyle(el).breakBefore")
    assert breaks == "page"
    expect(page.locator("main .official-page table.heading")).to_be_visible()
