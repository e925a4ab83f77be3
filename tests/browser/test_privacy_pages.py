"""The resident's "Dữ liệu của tôi" and the chairman's audit trail in a real browser at 360 px,
in Vietnamese: everything fits without sideways scrolling, the controls are at least 44 px
high, axe-core finds nothing serious; a resident asks for the account to be deleted and
cancels; the chairman filters the trail and sees the request. Same set-up as the other
browser tests (browser_support.py): Debian's chromium, the app on a fresh SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import browser_support
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
from conftest import PASSWORD, make_conference, make_feedback, make_user, make_ward
from playwright.sync_api import Page, expect

from portal.auth.models import Role
from portal.dialogues import services
from portal.extensions import db

pytestmark = pytest.mark.browser

RESIDENT_PHONE = "0912 400 001"
CHAIRMAN_PHONE = "0901 400 002"
NARROW = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


@dataclass
class SeededServer(LiveServer):
    seed: None


def _seed() -> None:
    ward = make_ward(130, "Phường Bồ Đề", "phuong-bo-de")
    resident = make_user(
        Role.RESIDENT, ward, name="Nguyễn Thị Riêng", phone=RESIDENT_PHONE, email="rieng@example.vn"
    )
    make_user(Role.CHAIRMAN, ward, name="Trần Văn Chủ Tịch", phone=CHAIRMAN_PHONE)
    make_feedback(
        ward,
        resident,
        title="Đèn đường ngõ 12 phố Bồ Đề bị hỏng đã nhiều ngày chưa được thay",
        address="Số 7 ngõ 12 phố Bồ Đề, phường Bồ Đề, thành phố Hà Nội",
        latitude=21.0452,
        longitude=105.8781,
    )
    services.book(make_conference(ward, capacity=5), user=resident, question="Lịch thu gom rác?")
    db.session.commit()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[SeededServer]:
    with serve_seeded(tmp_path_factory, "privacy", _seed) as (app, base_url, seed):
        yield SeededServer(app=app, base_url=base_url, seed=seed)


def fits(page: Page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{what} scrolls sideways at 360 px: {width}"


def tall_enough(page: Page, selector: str) -> None:
    for box in page.locator(selector).all():
        if box.is_visible():
            height = box.bounding_box()["height"]
            assert height >= 44, f"{selector} is {height} px high"


def test_my_data_and_asking_for_deletion_on_a_phone(open_page, live_server):
    page = open_page("vi-VN", **NARROW)
    browser_support.log_in(page, live_server, RESIDENT_PHONE, PASSWORD)
    page.goto("/account/data")
    expect_vietnamese(page)
    main = page.locator("main")
    expect(main).to_contain_text("Nguyễn Thị Riêng")
    expect(main).to_contain_text("Số 7 ngõ 12 phố Bồ Đề")
    expect(main).to_contain_text("Lịch thu gom rác?")
    fits(page, "Dữ liệu của tôi")
    tall_enough(page, "main .button, main button")
    screenshot(page, "my-data-phone")
    check_accessibility(page, "my-data-phone")

    page.locator("#confirm").check()
    page.locator('form[action="/account/delete"] button[type=submit]').click()
    expect(page.locator('form[action="/account/delete/cancel"]')).to_be_visible()
    expect(page.locator(".flashes")).to_contain_text("/")  # the date it will be deleted
    fits(page, "the deletion's date")
    check_accessibility(page, "my-data-deletion-asked")
    page.locator('form[action="/account/delete/cancel"] button[type=submit]').click()
    expect(page.locator('form[action="/account/delete"]')).to_be_visible()


def test_the_chairman_reads_the_audit_trail_on_a_phone(open_page, live_server):
    page = open_page("vi-VN", **NARROW)
    browser_support.log_in(page, live_server, CHAIRMAN_PHONE, PASSWORD)
    page.goto("/staff/audit/")
    expect_vietnamese(page)
    entries = page.locator("ol.audit-entries li")
    expect(entries.first).to_be_visible()  # at least the chairman's own login
    page.locator("#action").select_option("auth.login")
    page.locator("form[role=search] button[type=submit]").click()
    expect(entries.first).to_contain_text("Trần Văn Chủ Tịch")
    fits(page, "the audit trail")
    tall_enough(page, "main select, main input, main button")
    screenshot(page, "audit-phone")
    check_accessibility(page, "audit-phone")
