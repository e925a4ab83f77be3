"""Feedback in a real browser, in Vietnamese: a resident sends feedback with a photo, an officer
of the ward finds it in the inbox and answers it, the resident says the answer resolved it and
the feedback closes. Every page on the way passes axe-core, and the form fits a phone.

Same set-up as test_dialogues_flow.py: Debian's chromium driven by Playwright against the app
served over real HTTP on a fresh SQLite file, CSRF on, rate limits and the page cache off
(TestingConfig). The feature's own labels are being translated while this is written, so the
assertions rely on structure, URLs, codes, form values, the text people type and the database,
never on the wording of the pages.

The server, browser and checks are in browser_support.py (a plain module, not a conftest.py:
see there why).
"""

from __future__ import annotations

import re
import struct
import zlib
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
from conftest import PASSWORD, make_user, make_ward
from playwright.sync_api import Locator, Page, expect

from portal.auth.models import Role
from portal.codes import format_code
from portal.extensions import db
from portal.feedback import categories as feedback_categories
from portal.feedback.models import (
    Channel,
    EventKind,
    Feedback,
    FeedbackAttachment,
    FeedbackEvent,
    FeedbackStatus,
)

pytestmark = pytest.mark.browser

SLUG = "phuong-bo-de"
WARD_NAME = "Phường Bồ Đề"
RESIDENT_PHONE = "0912 400 001"
RESIDENT_NAME = "Vũ Thị Phản"
STAFF_PHONE = "0901 400 002"
STAFF_NAME = "Đặng Văn Đáp"
CATEGORY_CODE = "environment"
TITLE = "Rác thải tồn đọng ở đầu ngõ 12 Bồ Đề"
BODY = "Rác để ở đầu ngõ 12 phố Bồ Đề đã ba ngày chưa được thu gom, bốc mùi khó chịu."
ADDRESS = "Ngõ 12 phố Bồ Đề"
ANSWER = "Phường đã yêu cầu công ty môi trường thu gom rác ở ngõ 12 trong sáng nay."
COMMENT = "Cảm ơn phường, rác đã được thu gom."
FILENAME = "anh-rac-ngo-12.png"
CODE_URL_RE = re.compile(r"/my/feedback/([2-9A-Z]{8})$")
CODE_RE = re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}$")


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A real (if tiny) PNG: grey pixels, so that the browser could show it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = tiny_png()


# ---------------------------------------------------------------- live server


@dataclass
class Seed:
    category_id: int  # the ward's "environment" category, chosen in the form


@dataclass
class SeededServer(LiveServer):
    seed: Seed


def _seed() -> Seed:
    ward = make_ward(130, WARD_NAME, SLUG)
    make_user(Role.RESIDENT, ward, name=RESIDENT_NAME, phone=RESIDENT_PHONE)
    make_user(Role.STAFF, ward, name=STAFF_NAME, phone=STAFF_PHONE)
    feedback_categories.provide_defaults(ward.id)
    category = feedback_categories.category_by_code(ward.id, CATEGORY_CODE)
    db.session.commit()
    return Seed(category_id=category.id)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[SeededServer]:
    """The app on a fresh SQLite file with one ward, a resident, an officer and the ward's
    default feedback categories."""
    with serve_seeded(tmp_path_factory, "feedback", _seed) as (app, base_url, seed):
        yield SeededServer(app=app, base_url=base_url, seed=seed)


# ---------------------------------------------------------------- helpers


def log_in(page: Page, live_server: LiveServer, login: str) -> None:
    browser_support.log_in(page, live_server, login, PASSWORD)


def feedback_form(page: Page) -> Locator:
    """The form of /feedback/new (the only multipart form in <main>)."""
    return page.locator('main form[method="post"][enctype="multipart/form-data"]')


def inbox_row(page: Page, item_id: int) -> Locator:
    return page.locator("table.inbox tbody tr").filter(
        has=page.locator(f'a[href="/staff/feedback/{item_id}"]')
    )


def timeline_entry(page: Page, text: str) -> Locator:
    return page.locator("ol.timeline li.timeline-item").filter(
        has=page.locator(".timeline-body", has_text=text)
    )


def db_item(live_server: LiveServer, code: str) -> Feedback:
    with live_server.app.app_context():
        item = db.session.execute(sa.select(Feedback).where(Feedback.code == code)).scalar_one()
        db.session.expunge(item)
        db.session.remove()
        return item


def db_attachments(live_server: LiveServer, item_id: int) -> list[tuple[str, str, bytes]]:
    """(file name, content type, bytes) of the item's files."""
    with live_server.app.app_context():
        rows = [
            (a.filename, a.content_type, a.data)
            for a in db.session.execute(
                sa.select(FeedbackAttachment).where(FeedbackAttachment.feedback_id == item_id)
            ).scalars()
        ]
        db.session.remove()
        return rows


def db_event_kinds(live_server: LiveServer, item_id: int) -> list[EventKind]:
    with live_server.app.app_context():
        kinds = list(
            db.session.execute(
                sa.select(FeedbackEvent.kind)
                .where(FeedbackEvent.feedback_id == item_id)
                .order_by(FeedbackEvent.id)
            ).scalars()
        )
        db.session.remove()
        return kinds


def expect_attachment_served(page: Page, link: Locator) -> None:
    """The file link answers with the very bytes the resident attached, as a PNG."""
    expect(link).to_have_text(FILENAME)
    href = link.get_attribute("href")
    assert href and re.fullmatch(r"/feedback/files/\d+", href), href
    response = page.request.get(href)
    try:
        assert response.status == 200
        assert response.headers["content-type"] == "image/png"
        assert response.body() == PNG
    finally:
        response.dispose()


# ---------------------------------------------------------------- tests


def test_resident_sends_officer_answers_resident_closes(open_page, live_server):
    seed = live_server.seed
    resident = open_page("vi-VN")
    log_in(resident, live_server, RESIDENT_PHONE)

    # My feedback -> "Gửi phản ánh": the form.
    resident.locator('nav.main-nav a[href="/my/feedback"]').click()
    expect(resident).to_have_url(url_is(live_server, "/my/feedback"))
    resident.locator('main a[href="/feedback/new"]').click()
    expect(resident).to_have_url(url_is(live_server, "/feedback/new"))
    expect_vietnamese(resident)
    expect(resident.locator("main h1")).to_contain_text(WARD_NAME)
    form = feedback_form(resident)
    expect(form).to_have_count(1)
    category = form.locator("#category")
    expect(category.locator(f'option[value="{seed.category_id}"]')).to_have_count(1)
    for (
        routed_out
    ) in feedback_categories.ROUTED_OUT:  # complaints and denunciations are offered too
        expect(category.locator(f'option[value="{routed_out}"]')).to_have_count(1)
    expect(form.locator("#attachments")).to_have_attribute("type", "file")
    expect(form.locator("#publish_allowed")).not_to_be_checked()
    screenshot(resident, "feedback-form")
    check_accessibility(resident, "feedback-form")

    # Fill it in, attach a photo, allow publication, send.
    category.select_option(str(seed.category_id))
    form.locator("#title").fill(TITLE)
    form.locator("#body").fill(BODY)
    form.locator("#address").fill(ADDRESS)
    form.locator("#attachments").set_input_files(
        files=[{"name": FILENAME, "mimeType": "image/png", "buffer": PNG}]
    )
    form.locator("#publish_allowed").check()
    form.locator("button[type=submit]").click()

    # The resident's page of the item: its tracking code, what they sent, the photo.
    resident.wait_for_url(CODE_URL_RE)
    code = CODE_URL_RE.search(resident.url)[1]
    item_path = f"/my/feedback/{code}"
    expect_vietnamese(resident)
    expect(resident.locator(".flash-success")).to_contain_text(format_code(code))
    expect(resident.locator("main h1")).to_contain_text(format_code(code))
    expect(resident.locator("dl.facts dd.code")).to_have_text(CODE_RE)
    expect(resident.locator("dl.facts dd.code")).to_have_text(format_code(code))
    expect(resident.locator("dl.facts")).to_contain_text(ADDRESS)
    expect(resident.get_by_role("heading", name=TITLE, exact=True)).to_be_visible()
    expect(resident.locator(".feedback-body")).to_have_text(BODY)
    expect_attachment_served(resident, resident.locator("ol.timeline ul.attachments a"))
    # Still open: the resident may add information, but there is nothing to respond to yet.
    expect(resident.locator(f'form[action="{item_path}/message"]')).to_have_count(1)
    expect(resident.locator(f'form[action="{item_path}/respond"]')).to_have_count(0)

    item = db_item(live_server, code)
    assert item.status == FeedbackStatus.RECEIVED
    assert item.channel == Channel.WEB
    assert item.category_id == seed.category_id
    assert (item.title, item.body, item.address) == (TITLE, BODY, ADDRESS)
    assert item.publish_allowed is True
    assert db_attachments(live_server, item.id) == [(FILENAME, "image/png", PNG)]
    screenshot(resident, "feedback-item-resident")
    check_accessibility(resident, "feedback-item-resident")

    # My feedback lists it by its code.
    resident.locator('nav.main-nav a[href="/my/feedback"]').click()
    expect(resident.locator(f'main a[href="{item_path}"]')).to_have_text(format_code(code))

    # An officer of the ward finds it in the inbox.
    staff = open_page("vi-VN")
    log_in(staff, live_server, STAFF_PHONE)
    staff.locator('nav.main-nav a[href="/staff/feedback/"]').click()
    expect(staff).to_have_url(url_is(live_server, "/staff/feedback/"))
    expect_vietnamese(staff)
    row = inbox_row(staff, item.id)
    expect(row).to_have_count(1)
    expect(row.locator("a")).to_have_text(format_code(code))
    expect(row).to_contain_text(TITLE)
    screenshot(staff, "feedback-inbox")
    check_accessibility(staff, "feedback-inbox")

    # Searching for its code, typed in lower case, finds it alone.
    staff.locator("form.filters #q").fill(format_code(code).lower())
    staff.locator("form.filters button[type=submit]").click()
    staff.wait_for_url(re.compile(r"/staff/feedback/\?.*q="))
    expect(staff.locator("table.inbox tbody tr")).to_have_count(1)
    expect(row).to_have_count(1)

    # Its page: the facts, the sender, the photo, and the reply form.
    row.locator("a").click()
    staff_path = f"/staff/feedback/{item.id}"
    expect(staff).to_have_url(url_is(live_server, staff_path))
    expect(staff.locator("main h1")).to_contain_text(format_code(code))
    expect(staff.locator("dl.facts dd.code")).to_have_text(format_code(code))
    expect(staff.locator("main")).to_contain_text(RESIDENT_NAME)
    expect(staff.get_by_role("heading", name=TITLE, exact=True)).to_be_visible()
    expect_attachment_served(staff, staff.locator("ol.timeline ul.attachments a"))
    reply_form = staff.locator(f'form[action="{staff_path}/reply"]')
    expect(reply_form).to_have_count(1)
    screenshot(staff, "feedback-item-staff")
    check_accessibility(staff, "feedback-item-staff")

    # A public reply that is the answer.
    reply_form.locator('textarea[name="body"]').fill(ANSWER)
    reply_form.locator('input[type="checkbox"][name="answer"]').check()
    reply_form.locator("button[type=submit]").click()
    expect(staff).to_have_url(url_is(live_server, staff_path))
    expect(staff.locator(".flashes .flash-success")).to_be_visible()
    expect(timeline_entry(staff, ANSWER)).to_have_count(1)
    expect(staff.locator(f'form[action="{staff_path}/reply"]')).to_have_count(0)
    expect(staff.locator(f'form[action="{staff_path}/close"]')).to_have_count(1)
    item = db_item(live_server, code)
    assert item.status == FeedbackStatus.ANSWERED
    assert item.answered_at is not None

    # The resident sees the answer in their timeline and says it resolved the matter.
    resident.goto(item_path)
    expect(timeline_entry(resident, ANSWER)).to_have_count(1)
    respond_form = resident.locator(f'form[action="{item_path}/respond"]')
    expect(respond_form).to_have_count(1)
    expect(resident.locator(f'form[action="{item_path}/message"]')).to_have_count(0)
    resolved_yes = respond_form.locator('input[type="radio"][name="resolved"][value="yes"]')
    expect(resolved_yes).to_have_count(1)
    expect(respond_form.locator('input[type="radio"][name="resolved"]')).to_have_count(2)
    expect(respond_form.locator('input[type="radio"][name="rating"]')).to_have_count(5)
    screenshot(resident, "feedback-item-answered")
    check_accessibility(resident, "feedback-item-answered")

    status_badge = resident.locator("dl.facts dd .badge").first
    status_answered = status_badge.inner_text()

    resolved_yes.check()
    respond_form.locator('input[type="radio"][name="rating"][value="5"]').check()
    respond_form.locator('textarea[name="comment"]').fill(COMMENT)
    respond_form.locator("button[type=submit]").click()
    expect(resident).to_have_url(url_is(live_server, item_path))
    expect(resident.locator(".flashes .flash-success")).to_be_visible()
    expect(resident.locator(f'form[action="{item_path}/respond"]')).to_have_count(0)
    expect(resident.locator(f'form[action="{item_path}/message"]')).to_have_count(0)
    expect(timeline_entry(resident, COMMENT)).to_have_count(1)
    expect(resident.locator("dl.facts")).to_contain_text("5 / 5")
    expect(status_badge).not_to_have_text(status_answered)  # the status label has changed

    item = db_item(live_server, code)
    assert item.status == FeedbackStatus.CLOSED
    assert item.resolved is True
    assert item.answer_rating == 5
    assert item.closed_at is not None
    assert db_event_kinds(live_server, item.id) == [
        EventKind.SUBMITTED,
        EventKind.REPLY,
        EventKind.RESOLVED,
    ]

    # The officer's page no longer offers the workflow's actions.
    staff.goto(staff_path)
    expect(staff.locator(f'form[action="{staff_path}/close"]')).to_have_count(0)
    expect(staff.locator(f'form[action="{staff_path}/reply"]')).to_have_count(0)
    expect(timeline_entry(staff, COMMENT)).to_have_count(1)


def test_feedback_form_fits_a_phone(open_page, live_server):
    page = open_page("vi-VN", viewport=PHONE_VIEWPORT)
    log_in(page, live_server, RESIDENT_PHONE)
    response = page.goto("/feedback/new")
    assert response is not None and response.status == 200
    expect_vietnamese(page)
    form = feedback_form(page)
    for field in ("#category", "#title", "#body", "#attachments", "#publish_allowed"):
        expect(form.locator(field)).to_be_visible()
    assert_no_horizontal_scroll(page, "the feedback form")
    screenshot(page, "feedback-form-phone")
    check_accessibility(page, "feedback-form-phone")
