"""The public transparency page in a real browser, as a visitor who is not logged in: the
dashboard flow's seeded November 2026 (test_dashboard_flow.py: 3 ratings, too few for a
rate), in Vietnamese, on a 360 px phone: no sideways scrolling (the tables scroll in their
own container), the chart drawn beside its table, and axe-core."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import (
    LiveServer,
    browser_fixture,  # noqa: F401 - the `browser` fixture
    check_accessibility,
    expect_vietnamese,
    open_page_fixture,  # noqa: F401 - the `open_page` fixture
    screenshot,
    serve_seeded,
)
from playwright.sync_api import expect
from test_dashboard_flow import SLUG, _seed

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 780}
PAGE = f"/wards/{SLUG}/minh-bach?period=month&year=2026&month=11"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    with serve_seeded(tmp_path_factory, "transparency", _seed) as (app, base_url, _):
        yield LiveServer(app=app, base_url=base_url)


def test_a_visitor_reads_the_transparency_page_on_a_phone(open_page, live_server):
    page = open_page("vi-VN", viewport=PHONE)
    response = page.goto(f"/wards/{SLUG}")
    assert response is not None and response.status == 200
    page.locator(f'main a[href="/wards/{SLUG}/minh-bach"]').click()
    expect(page.locator("h1")).to_contain_text("Minh bạch")
    response = page.goto(PAGE)
    assert response is not None and response.status == 200
    expect_vietnamese(page)
    expect(page.locator("main")).to_contain_text("Chưa đủ số đánh giá để tính tỷ lệ")
    expect(page.locator("main")).to_contain_text("Giấy phép: CC BY 4.0")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= PHONE["width"] + 1, f"scrollWidth={scroll}"
    wraps = page.locator("main .table-wrap")
    assert wraps.count() == 4
    for index in range(wraps.count()):
        wrap = wraps.nth(index)
        assert wrap.evaluate("el => getComputedStyle(el).overflowX") in ("auto", "scroll")
        box = wrap.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1
    # The chart of ratings by field is drawn (the script shows its figure).
    expect(page.locator("main figure.chart canvas")).to_be_visible()
    screenshot(page, "transparency-phone-vi")
    check_accessibility(page, "transparency-phone-vi")
    # The city's page, from the footer.
    page.locator('footer a[href="/minh-bach"]').click()
    expect(page.locator("h1")).to_contain_text("Minh bạch")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    check_accessibility(page, "transparency-city-vi")
