"""A first VNeID login in a real browser on a 360 px phone: the button on the login page, the
test OpenID provider's page (log in and allow), the portal's last step (ward and consent),
then the account page showing the linked number as •••••••••123. Each portal page fits the
width, its controls are at least 44 px tall, and axe-core finds nothing serious."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser_support import (
    LiveServer,
    browser_fixture,  # noqa: F401 - the `browser` fixture
    check_accessibility,
    open_page_fixture,  # noqa: F401 - the `open_page` fixture
    screenshot,
    serve,
)
from conftest import make_config, make_ward
from oidc_support import running_provider, vneid_settings
from playwright.sync_api import Locator, Page, expect

from portal import create_app
from portal.extensions import db

pytestmark = pytest.mark.browser

SMALL_PHONE = {"width": 360, "height": 740}
TOUCH = 44  # px: the smallest touch target


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The app with two served wards over real HTTP, and the provider that knows its address."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-vneid-db') / 'portal.db'}"
    app = create_app(make_config(url))
    with app.app_context():
        db.create_all()
        make_ward(130, "Phường Bồ Đề", "phuong-bo-de")
        make_ward(127, "Phường Việt Hưng", "phuong-viet-hung")
        db.session.commit()
    with serve(app) as base_url:
        callback = f"{base_url}/login/vneid/callback"
        with running_provider(tmp_path_factory.mktemp("oidc"), redirect_uri=callback) as provider:
            app.config.update(vneid_settings(provider.issuer))
            yield LiveServer(app=app, base_url=base_url)


def fits_the_phone(page: Page, name: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= SMALL_PHONE["width"], f"{name} scrolls sideways at 360 px: {width}"
    check_accessibility(page, name)
    screenshot(page, name)


def big_enough(control: Locator) -> None:
    box = control.bounding_box()
    assert box is not None and box["height"] >= TOUCH, f"{control} is {box} high"


def test_a_first_vneid_login_on_a_small_phone(open_page, live_server: LiveServer):
    page = open_page("vi-VN", viewport=SMALL_PHONE)
    page.goto("/login")
    button = page.get_by_role("link", name="Đăng nhập bằng VNeID")
    big_enough(button)
    fits_the_phone(page, "vneid-login-360")
    button.click()
    # at the provider: log in as An and allow
    page.locator("#account").select_option("an")
    page.get_by_role("button", name="Allow").click()
    page.wait_for_url(live_server.url("/login/vneid/new"))
    expect(page.locator("main h1")).to_have_text("Hoàn tất tạo tài khoản")
    expect(page.locator("main")).to_contain_text("Nguyễn Văn An")
    expect(page.locator("main")).to_contain_text("•••••••••123")
    big_enough(page.locator("#ward_id"))
    big_enough(page.locator("form.form button[type=submit]"))
    fits_the_phone(page, "vneid-new-account-360")
    page.locator("#ward_id").select_option(label="Phường Bồ Đề")
    page.locator("#consent").check()
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(live_server.url("/"))
    expect(page.locator(".flash-success")).to_contain_text("Chào mừng Ông/Bà Nguyễn Văn An")
    expect(page.locator('form[action="/logout"] button')).to_be_visible()
    page.goto("/account")
    expect(page.locator("main")).to_contain_text(
        "Đã liên kết với số định danh cá nhân •••••••••123"
    )
    fits_the_phone(page, "vneid-account-360")
