"""The feedback maps in a real browser (Debian's chromium, Playwright), with a LOCAL tile
fixture: every tile request (MAP_TILE_URL, a path on the portal's own site as production
requires) is answered by `page.route` with a small PNG, so nothing leaves the machine. A
resident taps the map, the marker is placed and the coordinates filled, the form is sent
and the position saved; the officer's map lists the ward's open items and draws one marker
each; no page breaks the CSP (no inline script or style reported by the browser)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from browser_support import (
    PHONE_VIEWPORT,
    LiveServer,
    assert_no_horizontal_scroll,
    browser_fixture,  # noqa: F401 - the `browser` fixture
    check_accessibility,
    log_in,
    open_page_fixture,  # noqa: F401 - the `open_page` fixture
    serve,
)
from conftest import PASSWORD, make_config, make_feedback, make_user, make_ward
from playwright.sync_api import Page, expect
from test_feedback_flow import tiny_png

from portal import create_app
from portal.auth.models import Role
from portal.extensions import db
from portal.feedback import categories as feedback_categories
from portal.feedback.models import Feedback
from portal.security import CSP
from portal.wards.models import WardInfo

pytestmark = pytest.mark.browser

RESIDENT_PHONE = "0912 500 001"
STAFF_PHONE = "0901 500 002"
TILE = tiny_png(256, 256)
CENTRE = (21.0455, 105.8722)


@dataclass
class Seed:
    category_id: int


@dataclass
class SeededServer(LiveServer):
    seed: Seed


def _seed() -> Seed:
    ward = make_ward(130, "Phường Bồ Đề", "phuong-bo-de")
    resident = make_user(Role.RESIDENT, ward, name="Vũ Thị Bản", phone=RESIDENT_PHONE)
    make_user(Role.STAFF, ward, name="Đặng Văn Đồ", phone=STAFF_PHONE)
    db.session.add(
        WardInfo(
            ward_id=ward.id,
            committee_address="Số 1 phố Bồ Đề",
            latitude=CENTRE[0],
            longitude=CENTRE[1],
            area_radius_m=3000,
        )
    )
    feedback_categories.provide_defaults(ward.id)
    category = feedback_categories.category_by_code(ward.id, "environment")
    make_feedback(
        ward, resident, title="Đèn đường hỏng ở ngõ 5", latitude=21.047, longitude=105.874
    )
    make_feedback(ward, resident, title="Không có vị trí")
    db.session.commit()
    return Seed(category_id=category.id)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[SeededServer]:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-map-db') / 'portal.db'}"
    app = create_app(
        make_config(url, MAP_TILE_URL="/tiles/{z}/{x}/{y}.png", MAP_TILE_ATTRIBUTION="Thử")
    )
    with app.app_context():
        db.create_all()
        seed = _seed()
        db.session.remove()
    with serve(app) as base_url:
        yield SeededServer(app=app, base_url=base_url, seed=seed)


def with_local_tiles(page: Page) -> list[str]:
    """Answer every tile with the fixture PNG; collect the CSP violations the page reports."""
    page.route(
        "**/tiles/**", lambda route: route.fulfill(status=200, content_type="image/png", body=TILE)
    )
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return violations


def test_resident_taps_the_map_and_the_position_is_saved(open_page, live_server):
    page = open_page(viewport=PHONE_VIEWPORT, has_touch=True)
    violations = with_local_tiles(page)
    log_in(page, live_server, RESIDENT_PHONE, PASSWORD)
    response = page.goto("/feedback/new")
    assert response.headers["content-security-policy"] == CSP
    box = page.locator("#feedback-map")
    expect(box).to_be_visible()
    expect(page.locator("#feedback-map img.leaflet-tile-loaded").first).to_be_attached()
    assert_no_horizontal_scroll(page, "feedback form with its map")
    page.locator("#category").select_option(str(live_server.seed.category_id))
    page.locator("#title").fill("Cây đổ chắn đường")
    page.locator("#body").fill("Cây đổ sau mưa chắn ngõ 7, xe máy không đi qua được.")
    size = box.bounding_box()
    box.tap(position={"x": size["width"] / 2 + 30, "y": size["height"] / 2 - 20})
    expect(page.locator("#feedback-map path.marker-pin")).to_have_count(1)
    latitude = page.locator("#latitude").input_value()
    longitude = page.locator("#longitude").input_value()
    assert abs(float(latitude) - CENTRE[0]) < 0.01 and abs(float(longitude) - CENTRE[1]) < 0.01
    expect(page.locator("#map-warning")).to_be_hidden()  # inside the ward
    page.locator("form button[type=submit]").last.click()
    # The seeded street-light item is within 150 m: shown first, nothing filed yet; the form
    # keeps the position (the marker placed again from the fields) until sent anyway.
    similar = page.locator("#similar")
    expect(similar).to_contain_text("Đã có phản ánh tương tự")
    expect(similar).to_contain_text("Đèn đường hỏng ở ngõ 5")
    expect(page.locator("#latitude")).to_have_value(latitude)
    expect(page.locator("#feedback-map path.marker-pin")).to_have_count(1)
    assert_no_horizontal_scroll(page, "feedback form with similar items")
    similar.get_by_role("button", name="Vẫn gửi phản ánh").click()
    page.wait_for_url("**/my/feedback/*")
    with live_server.app.app_context():
        item = db.session.execute(
            sa.select(Feedback).where(Feedback.title == "Cây đổ chắn đường")
        ).scalar_one()
        assert (item.latitude, item.longitude) == (float(latitude), float(longitude))
    assert violations == []


def test_staff_map_lists_and_draws_the_right_items(open_page, live_server):
    page = open_page()
    violations = with_local_tiles(page)
    log_in(page, live_server, STAFF_PHONE, PASSWORD)
    response = page.goto("/staff/feedback/map")
    assert response.headers["content-security-policy"] == CSP
    items = page.locator("#map-items li")
    expect(items).to_have_count(2)  # the seeded item with a position, and the resident's
    expect(page.locator("#map-items")).to_contain_text("Đèn đường hỏng ở ngõ 5")
    expect(page.locator("#map-items")).not_to_contain_text("Không có vị trí")
    expect(page.locator("#feedback-map path.marker")).to_have_count(2)
    expect(page.locator("#feedback-map img.leaflet-tile-loaded").first).to_be_attached()
    assert violations == []


def test_officer_places_a_callers_position_on_the_map_at_360_px(open_page, live_server):
    page = open_page(viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True)
    violations = with_local_tiles(page)
    log_in(page, live_server, STAFF_PHONE, PASSWORD)
    response = page.goto("/staff/feedback/new")
    assert response.headers["content-security-policy"] == CSP
    box = page.locator("#feedback-map")
    expect(box).to_be_visible()
    expect(page.locator("#feedback-map img.leaflet-tile-loaded").first).to_be_attached()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the caller form scrolls sideways at 360 px: {width}"
    check_accessibility(page, "staff-feedback-new-map")
    page.locator("#contact_name").fill("Bà Ngô Thị Gọi")
    page.locator("#contact_phone").fill("0987 111 222")
    page.locator("#category").select_option(str(live_server.seed.category_id))
    page.locator("#title").fill("Ống nước vỡ ở ngõ 9")
    page.locator("#body").fill("Nước tràn ra đường từ sáng, người dân gọi điện báo.")
    page.locator("#latitude").fill("21.0000")  # about 6 km away: outside the 3 km
    page.locator("#longitude").fill("105.8200")
    page.locator("#longitude").dispatch_event("change")
    expect(page.locator("#map-warning")).to_be_visible()
    size = box.bounding_box()
    box.tap(position={"x": size["width"] / 2 - 40, "y": size["height"] / 2 + 20})
    expect(page.locator("#feedback-map path.marker-pin")).to_have_count(1)
    latitude = page.locator("#latitude").input_value()
    longitude = page.locator("#longitude").input_value()
    assert latitude != "21.0000" and abs(float(latitude) - 21.0) < 0.01
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url("**/staff/feedback/*")
    expect(page.locator(".flash-warning")).to_contain_text("ngoài địa bàn phường")  # kept
    with live_server.app.app_context():
        item = db.session.execute(
            sa.select(Feedback).where(Feedback.title == "Ống nước vỡ ở ngõ 9")
        ).scalar_one()
        assert (item.latitude, item.longitude) == (float(latitude), float(longitude))
        assert item.entered_by_id is not None
    assert violations == []
