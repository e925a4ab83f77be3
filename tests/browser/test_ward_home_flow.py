"""The ward home on a 390 px phone, in Vietnamese: from the ward home, each of the
resident's journeys (book a seat, book reception, send feedback, look up a dossier, rate by
code) reaches its form in at most three taps, for a logged-in resident and for a visitor
(whose form is the login that leads straight back to it). The home fits the width, its
targets are at least 44 px, and the home, information and procedure pages pass axe-core.

The lookup and rating-by-code pages are other helpers' (satisfaction.lookup,
satisfaction.enter_code): their journeys are checked when this app has those endpoints and
skipped, saying so, when it has not.

Same set-up as test_dialogues_flow.py (browser_support.py: Debian's chromium through
Playwright, the app on a fresh SQLite file, CSRF on).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time

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
from conftest import PASSWORD, make_conference, make_user, make_ward
from playwright.sync_api import Page, expect

from portal.auth.models import Role
from portal.db import utcnow
from portal.dialogues import reception
from portal.extensions import db
from portal.satisfaction import catalogue
from portal.wards import home as ward_home
from portal.wards import info as ward_info

pytestmark = pytest.mark.browser

SLUG = "phuong-bo-de"
RESIDENT_PHONE = "0912 390 001"
CHAIRMAN_PHONE = "0901 390 002"
PHONE_390 = {"width": 390, "height": 844}
MAX_TAPS = 3
MIN_TARGET = 44
# The big actions in Vietnamese, as the issue names them.
LABELS = {
    "dialogue": "Đăng ký đối thoại",
    "reception": "Đặt lịch tiếp công dân",
    "feedback": "Gửi phản ánh",
    "lookup": "Tra cứu hồ sơ",
    "rate": "Đánh giá hài lòng",
}
# What each journey's form is, once reached (a resident's; a visitor's is the login form).
FORMS = {
    "dialogue": 'form[action$="/book"] textarea[name=question]',
    "reception": "form.reception-book textarea[name=question]",
    "feedback": "form textarea[name=body]",
    "lookup": "main form input:not([type=hidden])",
    "rate": "main form input:not([type=hidden])",
}
LOGIN_FORM = "form.form #login"
OPTIONAL = {"lookup": ward_home.LOOKUP_ENDPOINT, "rate": ward_home.RATE_ENDPOINT}


@dataclass
class Seed:
    conference_id: int
    procedure_id: int


@dataclass
class SeededServer(LiveServer):
    seed: Seed


def _seed() -> Seed:
    ward = make_ward(130, "Phường Bồ Đề", SLUG)
    make_ward(127, "Phường Việt Hưng", "phuong-viet-hung")
    make_user(Role.RESIDENT, ward, name="Hoàng Thị Dân", phone=RESIDENT_PHONE)
    chairman = make_user(Role.CHAIRMAN, ward, name="Nguyễn Văn Chủ", phone=CHAIRMAN_PHONE)
    conference = make_conference(ward, capacity=30, title="Hội nghị đối thoại quý IV")
    reception.save_schedule(chairman, 1, time(8, 0), time(11, 0), 30, "Phòng tiếp công dân")
    reception.generate_slots(ward.id, weeks=3, now=utcnow())
    ward_info.save_info(
        chairman,
        ward,
        ward_info.WardInfoInput(
            "Số 2 phố Vũ Đức Thận, phường Bồ Đề, thành phố Hà Nội",
            "",
            "024 3872 2224",
            "Thứ Hai – Thứ Sáu: 08:00–12:00, 13:30–17:00",
            21.0412,
            105.8753,
        ),
    )
    birth = next(p for p in catalogue.procedures(ward.id) if p.name_vi == "Đăng ký khai sinh")
    db.session.commit()
    return Seed(conference_id=conference.id, procedure_id=birth.id)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[SeededServer]:
    with serve_seeded(tmp_path_factory, "ward-home", _seed) as (app, base_url, seed):
        yield SeededServer(app=app, base_url=base_url, seed=seed)


# ---------------------------------------------------------------- helpers


def resident_page(open_page, live_server: LiveServer) -> Page:
    page = open_page(viewport=PHONE_390)
    browser_support.log_in(page, live_server, RESIDENT_PHONE, PASSWORD)  # lands on the home
    return page


def visitor_page(open_page) -> Page:
    """A visitor who has chosen Bồ Đề once (remembered by the cookie) and is on its home."""
    page = open_page(viewport=PHONE_390)
    page.goto("/")
    page.locator(f'.ward-chooser button[value="{SLUG}"]').click()
    page.wait_for_url("**/")
    expect(page.locator("#ward-title")).to_have_text("Phường Bồ Đề")
    return page


def tap(page: Page, selector: str) -> None:
    target = page.locator(selector).first
    expect(target).to_be_visible()
    target.click()
    page.wait_for_load_state()


def taps_to(page: Page, journey: str, visitor: bool) -> int:
    """Tap from the ward home along the journey until its form is on screen; the number of
    taps. A visitor's way passes the login form: the taps to reach it and the login button
    are counted, and logging in must then land on the journey's own form."""
    taps = 0
    tap(page, f'.big-actions a[data-action="{journey}"]')
    taps += 1
    target = FORMS[journey]
    for step in ('a.button[href^="/login"]',):
        if page.locator(target).count() or page.locator(LOGIN_FORM).count():
            break
        tap(page, step)
        taps += 1
    if visitor:
        expect(page.locator(LOGIN_FORM)).to_be_visible()
        page.locator("#login").fill(RESIDENT_PHONE)
        page.locator("#password").fill(PASSWORD)
        page.locator("form.form button[type=submit]").click()
        taps += 1
        page.wait_for_load_state()
    expect(page.locator(target).first).to_be_visible()
    return taps


def journeys(app) -> list[str]:
    present = [key for key in LABELS if key not in OPTIONAL or OPTIONAL[key] in app.view_functions]
    return present


# ---------------------------------------------------------------- the journeys


@pytest.mark.parametrize("journey", list(LABELS))
@pytest.mark.parametrize("who", ["resident", "visitor"])
def test_each_journey_takes_at_most_three_taps_from_the_ward_home(
    open_page, live_server: SeededServer, journey, who
):
    if journey in OPTIONAL and OPTIONAL[journey] not in live_server.app.view_functions:
        pytest.skip(f"{OPTIONAL[journey]} is not in this app yet (another helper's page)")
    page = resident_page(open_page, live_server) if who == "resident" else visitor_page(open_page)
    expect_vietnamese(page)
    action = page.locator(f'.big-actions a[data-action="{journey}"]')
    expect(action).to_have_text(LABELS[journey])
    taps = taps_to(page, journey, visitor=who == "visitor")
    print(f"taps from the ward home: {who} {journey} = {taps}")
    assert taps <= MAX_TAPS, f"{who}: {journey} takes {taps} taps from the ward home"
    if who == "resident":
        assert taps == 1, f"a resident reaches the {journey} form in one tap, not {taps}"


# ---------------------------------------------------------------- the home on a phone


def check_phone_fit(page: Page, what: str) -> None:
    widths = page.evaluate(
        "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"
    )
    assert widths["scroll"] <= widths["inner"], f"{what} scrolls sideways: {widths}"


def check_targets(page: Page, selector: str, what: str) -> int:
    small = []
    boxes = page.locator(selector)
    for i in range(boxes.count()):
        box = boxes.nth(i).bounding_box()
        if box is None:
            continue
        if box["height"] < MIN_TARGET or box["width"] < MIN_TARGET:
            small.append((boxes.nth(i).inner_text(), box["width"], box["height"]))
    assert small == [], f"{what}: targets under {MIN_TARGET} px: {small}"
    return boxes.count()


TARGETS = ".big-actions a, .ward-home-mine a, .link-list a, .change-ward, .ward-remember button"


def test_the_residents_home_fits_390_px_with_large_targets(open_page, live_server):
    page = resident_page(open_page, live_server)
    expect(page.locator("#ward-title")).to_have_text("Phường Bồ Đề")
    expect(page.locator(".big-actions a")).to_have_count(len(journeys(live_server.app)))
    check_phone_fit(page, "the resident's home")
    assert check_targets(page, TARGETS, "the resident's home") >= 5
    check_accessibility(page, "ward-home-resident-390")
    screenshot(page, "ward-home-resident-390")


def test_the_visitors_home_and_chooser_fit_390_px(open_page, live_server):
    page = open_page(viewport=PHONE_390)
    page.goto("/")
    check_phone_fit(page, "the ward chooser")
    check_targets(page, ".ward-chooser button", "the ward chooser")
    check_accessibility(page, "ward-chooser-390")
    page.locator(f'.ward-chooser button[value="{SLUG}"]').click()
    page.wait_for_url("**/")
    check_phone_fit(page, "the visitor's home")
    assert check_targets(page, TARGETS, "the visitor's home") >= 4
    check_accessibility(page, "ward-home-visitor-390")
    screenshot(page, "ward-home-visitor-390")
    # The cookie is the ward's slug only, a year, SameSite=Lax.
    cookie = next(c for c in page.context.cookies() if c["name"] == "ward")
    assert cookie["value"] == SLUG and cookie["sameSite"] == "Lax" and cookie["httpOnly"]
    # Changing the ward: one tap to the chooser, one to the other ward's home.
    tap(page, ".change-ward")
    page.locator('.ward-chooser button[value="phuong-viet-hung"]').click()
    page.wait_for_url("**/")
    expect(page.locator("#ward-title")).to_have_text("Phường Việt Hưng")


def test_information_and_procedure_pages_on_a_phone(open_page, live_server: SeededServer):
    page = visitor_page(open_page)
    tap(page, f'.link-list a[href="/wards/{SLUG}/info"]')
    expect(page.locator("a[href^='geo:21.041200']")).to_be_visible()
    expect(page.locator("a[href^='tel:+842438722224']")).to_be_visible()
    expect(page.locator("iframe, script[src*='//']")).to_have_count(0)
    check_phone_fit(page, "the information page")
    check_accessibility(page, "ward-info-390")
    page.goto(f"/wards/{SLUG}/procedures")
    page.locator("#q").fill("khai sinh")
    page.locator("form.procedure-search button[type=submit]").click()
    page.wait_for_load_state()
    tap(page, f'.procedure-list a[href="/wards/{SLUG}/procedures/{live_server.seed.procedure_id}"]')
    expect(page.locator("h1")).to_have_text("Đăng ký khai sinh")
    expect(page.locator("#papers-title + ul li").first).to_be_visible()
    check_phone_fit(page, "a procedure page")
    check_targets(page, ".procedure-list a", "the procedure list")
    check_accessibility(page, "procedure-390")
