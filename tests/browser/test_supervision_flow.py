"""Fatherland Front supervision in a browser on a 360 px phone: the supervisor writes a
recommendation (the form, the list, the detail with the withdraw button), the chairman answers
it (the list, the detail with the answer form); each page fits the phone, its controls are
44 px targets and it passes axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import browser_support
import pytest
from browser_support import (
    PHONE_VIEWPORT,
    LiveServer,
    assert_no_horizontal_scroll,
    browser_fixture,  # noqa: F401 - the `browser` fixture
    check_accessibility,
    open_page_fixture,  # noqa: F401 - the `open_page` fixture
    serve_seeded,
)
from conftest import PASSWORD, make_user, make_ward
from playwright.sync_api import expect

from portal.auth.models import Role
from portal.extensions import db
from portal.supervision import services

pytestmark = pytest.mark.browser

SUPERVISOR_PHONE = "0901 500 001"
CHAIRMAN_PHONE = "0901 500 002"
# A long word with no space (a pasted link, say) must not widen the page.
LONG = "https://example.vn/" + "a" * 120

SMALL_TARGETS = """
() => [...document.querySelectorAll('main a[href], main button, main input:not([type=hidden]),'
    + ' main select, main textarea')]
  .filter((el) => el.getBoundingClientRect().height > 0)
  .filter((el) => el.getBoundingClientRect().height < 43.5)
  .map((el) => el.outerHTML.slice(0, 80))
"""


@dataclass
class Seed:
    item_id: int


@dataclass
class SeededServer(LiveServer):
    seed: Seed


def _seed() -> Seed:
    ward = make_ward(130, "Phường Bồ Đề", "phuong-bo-de")
    supervisor = make_user(Role.SUPERVISOR, ward, name="Lê Văn Giám", phone=SUPERVISOR_PHONE)
    make_user(Role.CHAIRMAN, ward, name="Nguyễn Văn Chủ", phone=CHAIRMAN_PHONE)
    item = services.send(
        supervisor,
        services.RecommendationInput(
            "period", "2026-01", f"Hồ sơ trễ hạn {LONG}", f"Đề nghị làm rõ nguyên nhân. {LONG}"
        ),
    )
    db.session.commit()
    return Seed(item_id=item.id)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[SeededServer]:
    with serve_seeded(tmp_path_factory, "supervision", _seed) as (app, base_url, seed):
        yield SeededServer(app=app, base_url=base_url, seed=seed)


def _check(page, path: str, name: str) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    assert_no_horizontal_scroll(page, name)
    assert page.evaluate(SMALL_TARGETS) == [], name
    check_accessibility(page, name)


def test_the_supervisor_s_pages_fit_a_phone(open_page, live_server):
    page = open_page("vi-VN", viewport=PHONE_VIEWPORT)
    browser_support.log_in(page, live_server, SUPERVISOR_PHONE, PASSWORD)
    _check(page, "/supervision/new", "supervision-form-phone")
    page.select_option("#subject_kind", "period")
    page.fill("#reference", "2026-02")
    page.fill("#title", "Thời gian trả kết quả")
    page.fill("#text", "Đề nghị công khai số hồ sơ trễ hạn.")
    page.get_by_role("button", name="Gửi Chủ tịch UBND phường").click()
    expect(page.get_by_text("Đã gửi kiến nghị giám sát tới Chủ tịch UBND phường.")).to_be_visible()
    _check(page, "/supervision/", "supervision-list-phone")
    _check(page, f"/supervision/{live_server.seed.item_id}", "supervision-detail-phone")
    expect(page.get_by_role("button", name="Rút kiến nghị này")).to_be_visible()


def test_the_chairman_answers_on_a_phone(open_page, live_server):
    page = open_page("vi-VN", viewport=PHONE_VIEWPORT)
    browser_support.log_in(page, live_server, CHAIRMAN_PHONE, PASSWORD)
    _check(page, "/supervision/", "supervision-chairman-list-phone")
    _check(page, f"/supervision/{live_server.seed.item_id}", "supervision-answer-phone")
    page.fill("#answer", "Đã chỉ đạo bộ phận Một cửa khắc phục.")
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.get_by_text("Đã chỉ đạo bộ phận Một cửa khắc phục.")).to_be_visible()
    assert_no_horizontal_scroll(page, "supervision-answered-phone")
