"""Dialogue conferences in a real browser: a resident books and cancels, staff check people
in at the door, and every page on the way passes axe-core.

Same set-up as test_smoke.py: Debian's chromium driven by Playwright against the app served
over real HTTP on a fresh SQLite file, CSRF on, rate limits and the page cache off
(TestingConfig). Assertions rely on structure, URLs and the database rather than on wording,
so that they hold while the translations change.

The server, browser and checks are in browser_support.py (a plain module, not a conftest.py:
see there why).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import browser_support
import pytest
import sqlalchemy as sa
from browser_support import (
    PHONE_VIEWPORT,
    LiveServer,
    assert_no_horizontal_scroll,
    browser_fixture,  # noqa: F401 - the `browser` fixture
    check_accessibility,
    expect_vietnamese,
    open_page_fixture,  # noqa: F401 - the `open_page` fixture
    screenshot,
    serve_seeded,
    url_is,
)
from conftest import PASSWORD, make_conference, make_user, make_ward
from playwright.sync_api import Locator, Page, expect

from portal.auth.models import Role
from portal.codes import format_code
from portal.dialogues import services
from portal.dialogues.models import Booking, BookingStatus, DialogueSession
from portal.extensions import db
from portal.notifications.models import OutboxMessage, OutboxStatus

pytestmark = pytest.mark.browser

SLUG = "phuong-bo-de"
RESIDENT_PHONE = "0912 300 001"
RESIDENT_NAME = "Hoàng Thị Đặt"
GUEST_NAME = "Đỗ Văn Đến"
STAFF_PHONE = "0901 300 002"
BOOKING_TITLE = "Hội nghị đối thoại về trật tự đô thị"
CHECKIN_TITLE = "Hội nghị đối thoại về cải cách hành chính"
OTHER_TITLE = "Hội nghị đối thoại về môi trường"
CODE_RE = re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}$")


# ---------------------------------------------------------------- live server


@dataclass
class Seed:
    """What the database holds before the browser starts."""

    booking_session_id: int  # capacity 3, nobody booked: the resident books it in the browser
    checkin_session_id: int  # one confirmed booking (checkin_code), checked in by staff
    other_session_id: int  # one confirmed booking of the resident (other_code)
    checkin_code: str
    other_code: str


@dataclass
class SeededServer(LiveServer):
    seed: Seed


def _seed() -> Seed:
    ward = make_ward(130, "Phường Bồ Đề", SLUG)
    resident = make_user(Role.RESIDENT, ward, name=RESIDENT_NAME, phone=RESIDENT_PHONE)
    guest = make_user(Role.RESIDENT, ward, name=GUEST_NAME, phone="0912 300 003")
    make_user(Role.STAFF, ward, name="Trần Thị Cửa", phone=STAFF_PHONE)
    to_book = make_conference(ward, capacity=3, title=BOOKING_TITLE)
    checkin = make_conference(ward, capacity=10, title=CHECKIN_TITLE)
    other = make_conference(ward, capacity=10, title=OTHER_TITLE)
    checkin_booking = services.book(
        checkin, user=guest, question="Giờ làm việc của bộ phận một cửa"
    )
    other_booking = services.book(other, user=resident)
    db.session.commit()
    return Seed(
        booking_session_id=to_book.id,
        checkin_session_id=checkin.id,
        other_session_id=other.id,
        checkin_code=checkin_booking.code,
        other_code=other_booking.code,
    )


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[SeededServer]:
    """The app on a fresh SQLite file with one ward, its people and three conferences."""
    with serve_seeded(tmp_path_factory, "dialogues", _seed) as (app, base_url, seed):
        yield SeededServer(app=app, base_url=base_url, seed=seed)


# ---------------------------------------------------------------- helpers


def log_in(page: Page, live_server: LiveServer, login: str) -> None:
    browser_support.log_in(page, live_server, login, PASSWORD)


def list_path() -> str:
    return f"/wards/{SLUG}/dialogues"


def card_badge(page: Page, title: str) -> Locator:
    """The seats badge on the public list's card of one conference."""
    card = page.locator(".session-cards li.card").filter(
        has=page.get_by_role("link", name=title, exact=True)
    )
    return card.locator(".badge")


def booking_row(page: Page, code: str) -> Locator:
    return page.locator("table tbody tr").filter(has=page.locator(f'a[href="/bookings/{code}"]'))


def expect_image_loaded(page: Page, image: Locator) -> None:
    expect(image).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
    )
    assert image.evaluate("img => img.naturalWidth") > 0


def db_booking(live_server: LiveServer, code: str) -> Booking:
    with live_server.app.app_context():
        booking = db.session.execute(sa.select(Booking).where(Booking.code == code)).scalar_one()
        db.session.expunge(booking)
        db.session.remove()
        return booking


def db_session(live_server: LiveServer, session_id: int) -> DialogueSession:
    with live_server.app.app_context():
        session = db.session.get(DialogueSession, session_id)
        db.session.expunge(session)
        db.session.remove()
        return session


def counts(page: Page) -> Locator:
    """The door counts, in order: booked, arrived, walk-ins, in the room / seats."""
    return page.locator("ul.counts .count")


def submit_code(page: Page, live_server: LiveServer, session_id: int, code: str) -> int:
    """Type a code into the check-in form and send it; returns the HTTP status."""
    page.locator("#code").fill(code)
    path = f"/staff/dialogues/{session_id}/check-in"
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url == live_server.url(path)
    ) as posted:
        page.locator(f'form[action="{path}"] button[type=submit]').click()
    page.wait_for_load_state()
    return posted.value.status


# ---------------------------------------------------------------- tests


def test_anonymous_public_list(open_page, live_server):
    page = open_page("vi-VN")
    response = page.goto(list_path())
    assert response is not None and response.status == 200
    expect_vietnamese(page)
    for title in (BOOKING_TITLE, CHECKIN_TITLE, OTHER_TITLE):
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
    feed = page.locator(f'a[href="/wards/{SLUG}/dialogues.ics"]')
    expect(feed).to_have_count(1)
    screenshot(page, "dialogues-list")
    check_accessibility(page, "dialogues-list")


def test_resident_books_sees_confirmation_and_cancels(open_page, live_server):
    seed = live_server.seed
    page = open_page("vi-VN")
    log_in(page, live_server, RESIDENT_PHONE)

    # The public list: three seats left on the conference to book.
    page.goto(list_path())
    expect_vietnamese(page)
    badge = card_badge(page, BOOKING_TITLE)
    expect(badge).to_contain_text("3")
    seats_before = badge.inner_text()

    # The conference page, with the booking form for a resident.
    page.get_by_role("link", name=BOOKING_TITLE, exact=True).click()
    detail = f"/wards/{SLUG}/dialogues/{seed.booking_session_id}"
    expect(page).to_have_url(url_is(live_server, detail))
    expect(page.locator("main h1")).to_have_text(BOOKING_TITLE)
    book_form = page.locator('form[action$="/book"]')
    expect(book_form).to_have_attribute("action", f"/dialogues/{seed.booking_session_id}/book")
    check_accessibility(page, "dialogue-detail-resident")

    question = "Khi nào sửa xong đường ngõ 12 phố Bồ Đề?"
    page.locator("#question").fill(question)
    book_form.locator("button[type=submit]").click()

    # The confirmation: code, QR code, calendar file.
    page.wait_for_url(re.compile(r"/bookings/[2-9A-Z]{8}$"))
    code = page.url.rsplit("/", 1)[1]
    expect_vietnamese(page)
    expect(page.locator(".booking-code .code")).to_have_text(CODE_RE)
    expect(page.locator(".booking-code .code")).to_have_text(format_code(code))
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("main .prewrap")).to_have_text(question)
    expect_image_loaded(page, page.locator(".booking-code img"))

    booking = db_booking(live_server, code)
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.session_id == seed.booking_session_id
    assert booking.question == question
    assert db_session(live_server, seed.booking_session_id).seats_taken == 1

    ics_link = page.locator(f'a[href="/bookings/{code}.ics"]')
    expect(ics_link).to_be_visible()
    ics = page.request.get(ics_link.get_attribute("href"))
    try:
        assert ics.status == 200
        assert ics.headers["content-type"].startswith("text/calendar")
        body = ics.text()
        assert "BEGIN:VCALENDAR" in body and "BEGIN:VEVENT" in body
    finally:
        ics.dispose()
    screenshot(page, "booking-confirmation")
    check_accessibility(page, "booking-confirmation")

    # One seat fewer on the public list.
    page.goto(list_path())
    expect(badge).to_contain_text("2")
    expect(badge).not_to_have_text(seats_before)

    # My bookings lists it, linked by its code.
    page.locator('nav.main-nav a[href="/my/bookings"]').click()
    expect(page).to_have_url(url_is(live_server, "/my/bookings"))
    row = booking_row(page, code)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(BOOKING_TITLE)
    expect(row.locator("a")).to_have_text(format_code(code))
    status_cell = row.locator("td").nth(2)
    status_before = status_cell.inner_text()
    check_accessibility(page, "my-bookings")

    # Cancel from the booking's page: a confirmation first, with the booking's facts; keeping
    # it changes nothing; confirming goes back to my bookings, the status changed.
    row.locator("a").click()
    expect(page).to_have_url(url_is(live_server, f"/bookings/{code}"))
    expect(page.locator(f'form[action="/bookings/{code}/cancel"]')).to_have_count(0)
    page.locator(f'main a[href="/bookings/{code}/cancel"]').click()
    expect(page).to_have_url(url_is(live_server, f"/bookings/{code}/cancel"))
    expect(page.locator("main")).to_contain_text(BOOKING_TITLE)
    expect(page.locator("main")).to_contain_text(format_code(code))
    check_accessibility(page, "booking-cancel-confirm")
    page.locator(f'main a.button[href="/bookings/{code}"]').click()
    expect(page).to_have_url(url_is(live_server, f"/bookings/{code}"))
    assert db_booking(live_server, code).status != BookingStatus.CANCELLED
    page.locator(f'main a[href="/bookings/{code}/cancel"]').click()
    cancel_form = page.locator(f'form[action="/bookings/{code}/cancel"]')
    cancel_form.locator("button[type=submit]").click()
    expect(page).to_have_url(url_is(live_server, "/my/bookings"))
    expect(page.locator(".flash-info")).to_be_visible()
    expect(status_cell).not_to_have_text(status_before)

    booking = db_booking(live_server, code)
    assert booking.status == BookingStatus.CANCELLED
    assert db_session(live_server, seed.booking_session_id).seats_taken == 0

    page.goto(f"/bookings/{code}")
    expect(page.locator(f'main a[href="/bookings/{code}/cancel"]')).to_have_count(0)

    # The seat is back on the public list and on the conference page.
    page.goto(list_path())
    expect(badge).to_have_text(seats_before)
    page.goto(detail)
    expect(page.locator("main .badge-ok")).to_have_text(seats_before)
    expect(page.locator('form[action$="/book"]')).to_have_count(1)  # may book again


def test_staff_checks_people_in_at_the_door(open_page, live_server):
    seed = live_server.seed
    session_id = seed.checkin_session_id
    page = open_page("vi-VN")
    log_in(page, live_server, STAFF_PHONE)

    page.goto(f"/staff/dialogues/{session_id}")
    expect_vietnamese(page)
    expect(page.locator("main h1")).to_have_text(CHECKIN_TITLE)
    bookings = page.locator('section[aria-labelledby="bookings-title"] table tbody tr')
    expect(bookings).to_have_count(1)
    expect(bookings).to_contain_text(GUEST_NAME)
    screenshot(page, "staff-dialogue-detail")
    check_accessibility(page, "staff-dialogue-detail")

    page.locator(f'a[href="/staff/dialogues/{session_id}/check-in"]').click()
    expect(page).to_have_url(url_is(live_server, f"/staff/dialogues/{session_id}/check-in"))
    expect(counts(page)).to_have_text(["1", "0", "0", "0/10"])
    expect(page.locator("#code")).to_be_focused()
    check_accessibility(page, "check-in")

    # A valid code, typed in lower case with its dash.
    typed = format_code(seed.checkin_code).lower()
    assert "-" in typed and typed != typed.upper()
    assert submit_code(page, live_server, session_id, typed) == 200
    expect(page.locator("main p.flash-success[role=status]")).to_contain_text(GUEST_NAME)
    expect(counts(page)).to_have_text(["1", "1", "0", "1/10"])
    expect(page.locator("#code")).to_have_value("")
    expect(page.locator("#code-error")).to_have_count(0)
    assert db_booking(live_server, seed.checkin_code).status == BookingStatus.ATTENDED

    # The same code again: refused on the field, nothing changes.
    assert submit_code(page, live_server, session_id, typed) == 422
    expect(page.locator("#code-error")).to_be_visible()
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#code")).to_have_attribute("aria-describedby", re.compile("code-error"))
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("main p.flash-success")).to_have_count(0)
    expect(counts(page)).to_have_text(["1", "1", "0", "1/10"])
    assert db_booking(live_server, seed.checkin_code).status == BookingStatus.ATTENDED
    check_accessibility(page, "check-in-error")

    # A code of another conference: refused, that booking is untouched.
    assert submit_code(page, live_server, session_id, seed.other_code) == 422
    expect(page.locator("#code-error")).to_be_visible()
    expect(counts(page)).to_have_text(["1", "1", "0", "1/10"])
    assert db_booking(live_server, seed.other_code).status == BookingStatus.CONFIRMED

    # Someone without a booking walks in.
    walk_in = f"/staff/dialogues/{session_id}/walk-in"
    page.locator(f'form[action="{walk_in}"] button[type=submit]').click()
    expect(page).to_have_url(url_is(live_server, f"/staff/dialogues/{session_id}/check-in"))
    expect(page.locator(".flashes .flash-success")).to_be_visible()
    expect(counts(page)).to_have_text(["1", "1", "1", "2/10"])
    assert db_session(live_server, session_id).walk_ins == 1
    screenshot(page, "check-in-after")


def test_booking_confirmation_fits_a_phone(open_page, live_server):
    code = live_server.seed.other_code
    page = open_page("vi-VN", viewport=PHONE_VIEWPORT)
    log_in(page, live_server, RESIDENT_PHONE)
    response = page.goto(f"/bookings/{code}")
    assert response is not None and response.status == 200
    expect_vietnamese(page)
    expect(page.locator(".booking-code .code")).to_have_text(format_code(code))
    expect_image_loaded(page, page.locator(".booking-code img"))
    assert_no_horizontal_scroll(page, "the booking page")
    screenshot(page, "booking-confirmation-phone")
    check_accessibility(page, "booking-confirmation-phone")


def test_staff_read_the_messages_about_a_booking_on_a_phone(open_page, live_server):
    code = live_server.seed.other_code
    with live_server.app.app_context():
        booking = db.session.execute(sa.select(Booking).where(Booking.code == code)).scalar_one()
        (message,) = db.session.execute(
            sa.select(OutboxMessage).where(OutboxMessage.about == f"booking:{booking.id}")
        ).scalars()
        message.status = OutboxStatus.FAILED
        message.attempts = 6
        message.last_error = "ProviderRefused: eSMS 99: " + "The phone number is blocked " * 8
        db.session.commit()
        db.session.remove()
    page = open_page("vi-VN", viewport={"width": 360, "height": 740}, is_mobile=True)
    log_in(page, live_server, STAFF_PHONE)
    page.goto(f"/staff/dialogues/{live_server.seed.other_session_id}")
    page.locator(f'a[href="/bookings/{code}"]').click()
    expect(page).to_have_url(url_is(live_server, f"/bookings/{code}"))
    expect_vietnamese(page)

    history = page.locator("section.message-history")
    expect(history.locator("li")).to_have_count(1)
    expect(history.locator(".badge-full")).to_be_visible()
    expect(history).to_contain_text(RESIDENT_PHONE.replace(" ", "")[:3] + "••••")
    expect(history).not_to_contain_text(RESIDENT_PHONE.replace(" ", ""))
    history.locator("details summary").click()
    expect(history.locator("details code")).to_contain_text("eSMS 99")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the booking page scrolls sideways at 360 px: {width}"
    summary_height = history.locator("details summary").bounding_box()["height"]
    assert summary_height >= 44, summary_height
    screenshot(page, "booking-messages-phone")
    check_accessibility(page, "booking-messages-phone")
