"""Real-browser smoke tests: Debian's chromium driven by Playwright against a live server.

The app runs once, on a fresh SQLite file, with CSRF on and rate limits off (TestingConfig).
Every page visited is checked with axe-core: a "serious" or "critical" violation fails the test.
Screenshots and axe reports are written to test-artifacts/ for humans; nothing asserts on them.

The server, browser and checks are in browser_support.py (a plain module, not a conftest.py:
see there why).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from browser_support import (
    PHONE_VIEWPORT,
    LiveServer,
    assert_no_horizontal_scroll,
    browser_fixture,  # noqa: F401 - the `browser` fixture
    check_accessibility,
    open_page_fixture,  # noqa: F401 - the `open_page` fixture
    screenshot,
    serve,
    url_is,
)
from conftest import PASSWORD, make_config, make_user, make_ward
from playwright.sync_api import Page, expect

from portal import create_app
from portal.auth.models import Role, User
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.wards.models import Ward

pytestmark = pytest.mark.browser

WARD = "Phường Bồ Đề"
OTHER_WARD = "Phường Việt Hưng"
NEW_PASSWORD = "a-strong-pass-2026"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The app on a fresh SQLite file with two served wards, served over real HTTP."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'portal.db'}"
    app = create_app(make_config(url))
    with app.app_context():
        db.create_all()
        make_ward(130, WARD, "phuong-bo-de")
        make_ward(127, OTHER_WARD, "phuong-viet-hung")
        db.session.commit()
    with serve(app) as base_url:
        yield LiveServer(app=app, base_url=base_url)


# ---------------------------------------------------------------- helpers


def code_sent_to(live_server: LiveServer, phone: str) -> str:
    """The one-time code of the last SMS queued for `phone`, as its holder reads it."""
    with live_server.app.app_context():
        body = db.session.execute(
            sa.select(OutboxMessage.body)
            .where(OutboxMessage.address == phone, OutboxMessage.kind == "one_time_code")
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        ).scalar_one()
    return re.search(r"\b(\d{6})\b", body).group(1)


def lang_button(page: Page, lang: str):
    return page.locator(f"form.lang-switch button[name=lang][value={lang}]")


def expect_language(page: Page, lang: str) -> None:
    other = "en" if lang == "vi" else "vi"
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(lang_button(page, lang)).to_have_attribute("aria-pressed", "true")
    expect(lang_button(page, other)).to_have_attribute("aria-pressed", "false")


def logout_button(page: Page):
    return page.locator('form[action="/logout"] button')


def nav_login_link(page: Page):
    return page.locator('nav.main-nav a[href="/login"]')


def expect_logged_in(page: Page) -> None:
    expect(logout_button(page)).to_be_visible()
    expect(nav_login_link(page)).to_have_count(0)


def expect_logged_out(page: Page) -> None:
    expect(nav_login_link(page)).to_be_visible()
    expect(logout_button(page)).to_have_count(0)


def submit_form(page: Page) -> None:
    """Press the page form's own submit button (not the header's language buttons)."""
    page.locator("form.form button[type=submit]").click()


def fill_registration(
    page: Page, *, name: str, phone: str, email: str = "", consent: bool = True
) -> None:
    page.locator("#full_name").fill(name)
    page.locator("#phone").fill(phone)
    if email:
        page.locator("#email").fill(email)
    page.locator("#ward_id").select_option(label=WARD)
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#consent").set_checked(consent)


def log_in(page: Page, login: str, password: str) -> None:
    page.goto("/login")
    page.locator("#login").fill(login)
    page.locator("#password").fill(password)
    submit_form(page)


def user_by_phone(live_server: LiveServer, e164: str) -> User | None:
    with live_server.app.app_context():
        query = sa.select(User).where(User.phone == e164)
        return db.session.execute(query).scalar_one_or_none()


# ---------------------------------------------------------------- tests


def test_home_is_vietnamese_by_default_and_language_switch_works(open_page, live_server):
    page = open_page("vi-VN")
    response = page.goto("/")
    assert response is not None and response.status == 200
    expect_language(page, "vi")
    # a visitor who has not chosen a ward: one button per served ward (the ward chooser)
    expect(page.get_by_role("button", name=WARD)).to_be_visible()
    expect(page.get_by_role("button", name=OTHER_WARD)).to_be_visible()
    screenshot(page, "home-vi")
    check_accessibility(page, "home-vi")

    expect(lang_button(page, "en")).to_have_text("English")
    lang_button(page, "en").click()
    expect_language(page, "en")
    expect(page).to_have_url(url_is(live_server, "/"))
    expect(page.get_by_role("heading", name="Wards served by this portal")).to_be_visible()
    expect(page.get_by_role("button", name=WARD)).to_be_visible()
    check_accessibility(page, "home-en")

    expect(lang_button(page, "vi")).to_have_text("Tiếng Việt")
    lang_button(page, "vi").click()
    expect_language(page, "vi")
    expect(page).to_have_url(url_is(live_server, "/"))


def test_english_browser_gets_english(open_page):
    page = open_page("en-US")
    page.goto("/")
    expect_language(page, "en")
    expect(page.get_by_role("heading", name="Wards served by this portal")).to_be_visible()


def test_register_then_log_out_and_log_in_again(open_page, live_server):
    page = open_page("vi-VN")
    page.goto("/register")
    expect_language(page, "vi")
    expect_logged_out(page)
    screenshot(page, "register")
    check_accessibility(page, "register")

    fill_registration(page, name="Nguyễn Thị Hoa", phone="0987 654 321", email="hoa@example.vn")
    submit_form(page)
    # the code sent by SMS to the number, typed on the next page (a phone's keypad)
    page.wait_for_url(live_server.url("/register/confirm"))
    expect_logged_out(page)
    screenshot(page, "register-code")
    check_accessibility(page, "register-code")
    code_field = page.locator("#code")
    expect(code_field).to_have_attribute("inputmode", "numeric")
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    code_field.fill(code_sent_to(live_server, "+84987654321"))
    page.get_by_role("button", name="Xác nhận").click()
    page.wait_for_url(live_server.url("/"))
    expect_logged_in(page)
    expect(page.locator(".flash-success")).to_contain_text("Nguyễn Thị Hoa")

    page.goto("/account")
    expect(page).to_have_url(url_is(live_server, "/account"))
    facts = page.locator("dl.facts").first
    expect(facts).to_contain_text("Nguyễn Thị Hoa")
    expect(facts).to_contain_text("0987 654 321")
    expect(facts).to_contain_text("hoa@example.vn")
    expect(facts).to_contain_text(WARD)
    check_accessibility(page, "account")

    logout_button(page).click()
    page.wait_for_url(live_server.url("/"))
    expect_logged_out(page)
    page.goto("/account")  # now needs a login again
    expect(page).to_have_url(re.compile("^" + re.escape(live_server.url("/login?next=")) + ".*"))

    log_in(page, "+84987654321", NEW_PASSWORD)  # the same number, written differently
    page.wait_for_url(live_server.url("/"))
    expect_logged_in(page)
    page.goto("/account")
    expect(page.locator("dl.facts").first).to_contain_text("Nguyễn Thị Hoa")


def test_register_without_consent_is_refused(open_page, live_server):
    page = open_page("vi-VN")
    page.goto("/register")
    fill_registration(page, name="Trần Văn Từ Chối", phone="0912 000 111", consent=False)
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url == live_server.url("/register")
    ) as posted:
        submit_form(page)
    assert posted.value.status == 422

    expect(page.locator("#consent-error")).to_be_visible()
    expect(page.locator(".field.has-error").filter(has=page.locator("#consent"))).to_have_count(1)
    expect(page.locator("#consent")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#consent")).not_to_be_checked()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page).to_have_url(url_is(live_server, "/register"))
    expect_logged_out(page)
    check_accessibility(page, "register-errors")

    assert user_by_phone(live_server, "+84912000111") is None


def test_wrong_password_stays_on_login(open_page, live_server):
    with live_server.app.app_context():
        ward = db.session.execute(sa.select(Ward).where(Ward.slug == "phuong-bo-de")).scalar_one()
        make_user(Role.RESIDENT, ward, name="Lê Thị Sai", phone="0912 000 222")
        db.session.commit()

    page = open_page("vi-VN")
    page.goto("/login")
    check_accessibility(page, "login")

    page.locator("#login").fill("0912000222")
    page.locator("#password").fill("not-the-password")
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url == live_server.url("/login")
    ) as posted:
        submit_form(page)
    assert posted.value.status == 401
    expect(page.locator(".flash-error")).to_be_visible()
    expect(page).to_have_url(url_is(live_server, "/login"))
    expect_logged_out(page)
    check_accessibility(page, "login-error")

    log_in(page, "0912 000 222", PASSWORD)
    page.wait_for_url(live_server.url("/"))
    expect_logged_in(page)


def test_not_found_page(open_page):
    page = open_page("vi-VN")
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect_language(page, "vi")
    expect(page.locator(".error-code")).to_have_text("404")
    check_accessibility(page, "404")


@pytest.mark.parametrize("path", ["/", "/register", "/login"])
def test_mobile_has_no_horizontal_scroll(open_page, path):
    page = open_page("vi-VN", viewport=PHONE_VIEWPORT)
    page.goto(path)
    expect(page.locator("main h1")).to_be_visible()
    assert_no_horizontal_scroll(page, path)
