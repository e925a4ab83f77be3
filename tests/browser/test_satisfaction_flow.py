"""Satisfaction in a real browser, in Vietnamese: an officer returns a dossier and gets the
printed slip with its one-time rating link and QR code; a resident, anonymous and on a phone,
opens the link, says they are dissatisfied (a reason is required), and lands on the thanks
page; the link then answers like a made-up one; the officer finds the case the rating opened
in the feedback inbox. Every page on the way passes axe-core, and the rating page fits a phone.

Same set-up as test_feedback_flow.py: Debian's chromium driven by Playwright against the app
served over real HTTP on a fresh SQLite file, CSRF on, rate limits and the page cache off
(TestingConfig). The feature's labels are being translated while this is written, so the
assertions rely on structure, URLs, form values, the text people type and the database, never
on the wording of the pages.

The server, browser and checks are in browser_support.py (a plain module, not a conftest.py:
see there why).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import browser_support
import pytest
import segno
import sqlalchemy as sa
from browser_support import (
    PHONE_WIDTH,
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

from portal.auth.models import Role, User
from portal.db import utcnow
from portal.extensions import db
from portal.feedback.models import Channel, Feedback
from portal.satisfaction import catalogue as satisfaction_catalogue
from portal.satisfaction import dossiers as satisfaction_dossiers
from portal.satisfaction import tokens as satisfaction_tokens
from portal.satisfaction.models import (
    Dossier,
    Level,
    Procedure,
    RatingChannel,
    SatisfactionRating,
)

pytestmark = pytest.mark.browser

SLUG = "phuong-phuc-loi"
WARD_NAME = "Phường Phúc Lợi"
STAFF_PHONE = "0901 610 001"
STAFF_NAME = "Ngô Thị Một Cửa"
PROCEDURE_NAME = "Đăng ký hộ kinh doanh"  # in satisfaction_catalogue.DEFAULT_PROCEDURES
RECEIPT_NUMBER = "PL-2026-0042"
REASON = "Tôi phải đến bổ sung giấy tờ ba lần vì mỗi lần được hướng dẫn một kiểu khác nhau."
PHONE = {
    "viewport": {"width": PHONE_WIDTH, "height": 740},
    "is_mobile": True,
    "has_touch": True,
}
TOKEN_PATH_RE = re.compile(r"^/r/[A-Za-z0-9_-]{20,100}$")
SVG_PATH_STEP_RE = re.compile(r"([Mmh])\s*(-?[\d.]+)(?:[ ,](-?[\d.]+))?")


# ---------------------------------------------------------------- live server


@dataclass
class Seed:
    dossier_id: int
    procedure_id: int


@dataclass
class SeededServer(LiveServer):
    seed: Seed


def _seed() -> Seed:
    """A ward with the default catalogue, its officer, and one dossier received four days ago,
    not returned yet (the officer returns it in the browser)."""
    ward = make_ward(140, WARD_NAME, SLUG)
    officer = make_user(Role.STAFF, ward, name=STAFF_NAME, phone=STAFF_PHONE)
    satisfaction_catalogue.provide_defaults(ward.id)
    procedure = db.session.execute(
        sa.select(Procedure).where(
            Procedure.ward_id == ward.id, Procedure.name_vi == PROCEDURE_NAME
        )
    ).scalar_one()
    dossier = satisfaction_dossiers.register_dossier(
        officer,
        ward.id,
        satisfaction_dossiers.DossierInput(
            procedure_id=procedure.id,
            receipt_number=RECEIPT_NUMBER,
            received_at=utcnow() - timedelta(days=4),
        ),
    )
    db.session.commit()
    return Seed(dossier_id=dossier.id, procedure_id=procedure.id)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[SeededServer]:
    """The app on a fresh SQLite file with one ward, its officer, the ward's procedure
    catalogue and one dossier waiting to be returned."""
    with serve_seeded(tmp_path_factory, "satisfaction", _seed) as (app, base_url, seed):
        yield SeededServer(app=app, base_url=base_url, seed=seed)


# ---------------------------------------------------------------- helpers


def log_in(page: Page, live_server: LiveServer, login: str) -> None:
    browser_support.log_in(page, live_server, login, PASSWORD)


def rating_form(page: Page) -> Locator:
    return page.locator("main form.rating-form[method=post]")


def level_choice(form: Locator, value: str) -> Locator:
    return form.locator(f'input[type="radio"][name="level"][value="{value}"]')


def main_text(page: Page) -> str:
    return " ".join(page.locator("main").inner_text().split())


def db_dossier(live_server: LiveServer) -> Dossier:
    with live_server.app.app_context():
        item = db.session.get(Dossier, live_server.seed.dossier_id)
        db.session.expunge(item)
        db.session.remove()
        return item


def db_ratings(live_server: LiveServer) -> list[SatisfactionRating]:
    with live_server.app.app_context():
        rows = list(db.session.execute(sa.select(SatisfactionRating)).scalars())
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
        return rows


def db_feedback(live_server: LiveServer, item_id: int) -> Feedback:
    with live_server.app.app_context():
        item = db.session.get(Feedback, item_id)
        db.session.expunge(item)
        db.session.remove()
        return item


def stored_phone(live_server: LiveServer) -> str:
    """The officer's phone as stored (normalised), to look for it in pages."""
    with live_server.app.app_context():
        phone = db.session.execute(
            sa.select(User.phone).where(User.full_name == STAFF_NAME)
        ).scalar_one()
        db.session.remove()
        return phone


def qr_modules(path_data: str) -> set[tuple[int, int]]:
    """The dark modules (row, column), from the top-left dark one, of a QR code drawn as one
    SVG path of horizontal runs (segno's "M x y", "m dx dy" and "h n" steps)."""
    steps = SVG_PATH_STEP_RE.findall(path_data)
    assert steps and "".join(f"{c}{a}{b}" for c, a, b in steps).replace(" ", "") == re.sub(
        r"[\s,]", "", path_data
    ), f"unexpected SVG path steps: {path_data[:80]}"
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    for command, a, b in steps:
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark.update((int(y), int(x) + i) for i in range(int(float(a))))
            x += float(a)
    top, left = min(r for r, _ in dark), min(c for _, c in dark)
    return {(r - top, c - left) for r, c in dark}


def expect_qr_of(svg: Locator, link: str) -> None:
    """The inline SVG is a QR code of `link`, at whatever error correction level."""
    paths = svg.locator("path")
    expect(paths).to_have_count(1)
    drawn = qr_modules(paths.get_attribute("d") or "")
    for level in "lmqh":
        code = segno.make(link, error=level, micro=False)
        wanted = {(r, c) for r, row in enumerate(code.matrix) for c, v in enumerate(row) if v}
        if wanted == drawn:
            return
    pytest.fail(f"the slip's QR code does not encode {link}")


def return_through_the_slip(staff: Page, live_server: SeededServer) -> str:
    """The officer opens the dossier from the register, returns it and reads the rating link
    off the printed slip (which must carry an inline SVG QR code). Returns the link's path."""
    dossier_path = f"/staff/satisfaction/dossiers/{live_server.seed.dossier_id}"
    staff.locator('nav.main-nav a[href="/staff/satisfaction/dossiers"]').click()
    expect(staff).to_have_url(url_is(live_server, "/staff/satisfaction/dossiers"))
    expect_vietnamese(staff)
    row = staff.locator("table.dossiers tbody tr").filter(
        has=staff.locator(f'a[href="{dossier_path}"]')
    )
    expect(row).to_have_count(1)
    expect(row.locator("a")).to_have_text(RECEIPT_NUMBER)
    expect(row).to_contain_text(PROCEDURE_NAME)
    row.locator("a").click()

    expect(staff).to_have_url(url_is(live_server, dossier_path))
    expect(staff.locator("main h1")).to_contain_text(RECEIPT_NUMBER)
    return_form = staff.locator(f'form[action="{dossier_path}/return"]')
    expect(return_form).to_have_count(1)
    check_accessibility(staff, "satisfaction-dossier")
    with staff.expect_response(live_server.url(f"{dossier_path}/return")) as answer:
        return_form.locator("button[type=submit]").click()
    response = answer.value
    assert response.status == 200  # the slip is rendered, not redirected to
    assert "no-store" in response.headers.get("cache-control", "")

    slip = staff.locator("main article.slip")
    expect(slip).to_have_count(1)
    expect_vietnamese(staff)
    expect(slip).to_contain_text(RECEIPT_NUMBER)
    expect(slip).to_contain_text(PROCEDURE_NAME)
    expect(slip).to_contain_text("ỦY BAN NHÂN DÂN PHƯỜNG PHÚC LỢI")  # the slip's heading
    qr = slip.locator("svg")
    expect(qr).to_have_count(1)
    box = qr.bounding_box()
    assert box and box["width"] >= 100 and box["height"] >= 100, f"QR code too small: {box}"

    # The link: an <a> if the slip has one, else the printed text of the slip.
    anchors = slip.locator('a[href*="/r/"]')
    if anchors.count():
        link = anchors.first.get_attribute("href") or ""
    else:
        found = re.search(r"\S*/r/[A-Za-z0-9_-]+", slip.inner_text())
        assert found, "no rating link on the slip"
        link = found[0]
    assert link.startswith(live_server.base_url + "/r/"), link
    path = link.removeprefix(live_server.base_url)
    assert TOKEN_PATH_RE.match(path), path
    expect_qr_of(qr, link)
    screenshot(staff, "satisfaction-slip")
    check_accessibility(staff, "satisfaction-slip")
    return path


# ---------------------------------------------------------------- tests


def test_officer_returns_resident_rates_dissatisfied_case_opens(open_page, live_server):
    seed = live_server.seed

    # The officer returns the dossier and gets the slip.
    staff = open_page("vi-VN")
    log_in(staff, live_server, STAFF_PHONE)
    rating_path = return_through_the_slip(staff, live_server)
    dossier = db_dossier(live_server)
    assert dossier.returned_at is not None and dossier.token_issued_at is not None
    assert dossier.token_hash == satisfaction_tokens.hash_token(rating_path.removeprefix("/r/"))
    assert dossier.token_used_at is None

    # The resident opens the link on a phone, not logged in.
    resident = open_page("vi-VN", **PHONE)
    response = resident.goto(rating_path)
    assert response is not None and response.status == 200
    assert "no-store" in response.headers.get("cache-control", "")
    assert response.headers.get("referrer-policy") == "no-referrer"
    expect(resident).to_have_url(url_is(live_server, rating_path))
    expect_vietnamese(resident)
    expect(resident.locator('form[action="/logout"]')).to_have_count(0)
    main = resident.locator("main")
    expect(main).to_contain_text(PROCEDURE_NAME)
    expect(main).to_contain_text(WARD_NAME)
    # Nothing personal: not the officer who handled it, nor any field asking who you are.
    html = resident.content()
    for personal in (STAFF_NAME, stored_phone(live_server), STAFF_PHONE):
        assert personal not in html, f"the rating page shows {personal!r}"
    form = rating_form(resident)
    expect(form).to_have_count(1)
    expect(form.locator('input[type="email"], [name*="name"], [name*="email"]')).to_have_count(0)
    # The one phone field is the optional call-back number: empty, its own consent unticked.
    phones = form.locator('input[type="tel"], [name*="phone"]')
    expect(phones).to_have_count(1)
    expect(phones).to_have_attribute("name", "callback_phone")
    expect(phones).to_have_value("")
    expect(form.locator('input[type="checkbox"][name="callback_consent"]')).not_to_be_checked()
    levels = form.locator('input[type="radio"][name="level"]')
    expect(levels).to_have_count(3)
    assert sorted(levels.evaluate_all("els => els.map(e => e.value)")) == sorted(
        level.value for level in Level
    )
    for level in Level:
        expect(level_choice(form, level.value)).not_to_be_checked()
    expect(form.locator("textarea#reason")).to_be_visible()
    assert_no_horizontal_scroll(resident, "the rating page")
    screenshot(resident, "satisfaction-rate-phone")
    check_accessibility(resident, "satisfaction-rate-phone")

    # "Dissatisfied" without a reason: the form comes back saying a reason is needed.
    level_choice(form, Level.DISSATISFIED.value).check()
    with resident.expect_response(lambda r: r.request.method == "POST") as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 422
    expect(resident).to_have_url(url_is(live_server, rating_path))
    form = rating_form(resident)
    reason = form.locator("textarea#reason")
    reason_error = form.locator("#reason-error")
    expect(reason_error).to_be_visible()
    expect(reason_error).not_to_have_text(re.compile(r"^\s*$"))
    expect(reason).to_have_attribute("aria-invalid", "true")
    assert "reason-error" in (reason.get_attribute("aria-describedby") or "").split()
    expect(form.locator("#level-error")).to_have_count(0)  # the answer itself was fine
    expect(level_choice(form, Level.DISSATISFIED.value)).to_be_checked()  # and it is kept
    expect(reason).to_have_value("")
    assert db_ratings(live_server) == []
    assert db_dossier(live_server).token_used_at is None
    assert_no_horizontal_scroll(resident, "the rating page with an error")
    screenshot(resident, "satisfaction-rate-phone-error")
    check_accessibility(resident, "satisfaction-rate-phone-error")

    # With the reason: the thanks page.
    reason.fill(REASON)
    form.locator("button[type=submit]").click()
    resident.wait_for_url(url_is(live_server, "/r/thanks"))
    expect_vietnamese(resident)
    expect(resident.locator("main h1")).to_have_count(1)
    expect(resident.locator("main")).not_to_contain_text(REASON)
    assert_no_horizontal_scroll(resident, "the thanks page")
    screenshot(resident, "satisfaction-thanks-phone")
    check_accessibility(resident, "satisfaction-thanks-phone")

    ratings = db_ratings(live_server)
    assert len(ratings) == 1
    rating = ratings[0]
    assert rating.dossier_id == seed.dossier_id
    assert rating.procedure_id == seed.procedure_id
    assert rating.level == Level.DISSATISFIED
    assert rating.reason == REASON
    assert rating.channel == RatingChannel.LINK
    assert rating.feedback_id is not None
    assert db_dossier(live_server).token_used_at is not None
    case = db_feedback(live_server, rating.feedback_id)
    assert case.channel == Channel.SATISFACTION
    assert case.user_id is None  # the resident stays anonymous
    assert REASON in case.body

    # The link works only once: it now answers exactly like a made-up one.
    response = resident.goto(rating_path)
    assert response is not None and response.status == 404
    expect_vietnamese(resident)
    expect(rating_form(resident)).to_have_count(0)
    used_text = main_text(resident)
    assert used_text and PROCEDURE_NAME not in used_text
    screenshot(resident, "satisfaction-used-link-phone")
    check_accessibility(resident, "satisfaction-used-link-phone")
    made_up = open_page("vi-VN", **PHONE)
    response = made_up.goto(f"/r/{secrets.token_urlsafe(satisfaction_tokens.TOKEN_BYTES)}")
    assert response is not None and response.status == 404
    expect(rating_form(made_up)).to_have_count(0)
    assert main_text(made_up) == used_text
    assert len(db_ratings(live_server)) == 1

    # The officer finds the case in the feedback inbox, and the reason in it.
    staff.locator('nav.main-nav a[href="/staff/feedback/"]').click()
    expect(staff).to_have_url(url_is(live_server, "/staff/feedback/"))
    case_path = f"/staff/feedback/{rating.feedback_id}"
    row = staff.locator("table.inbox tbody tr").filter(has=staff.locator(f'a[href="{case_path}"]'))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(PROCEDURE_NAME)
    screenshot(staff, "satisfaction-case-inbox")
    check_accessibility(staff, "satisfaction-case-inbox")
    row.locator(f'a[href="{case_path}"]').click()
    expect(staff).to_have_url(url_is(live_server, case_path))
    expect(staff.locator("main")).to_contain_text(REASON)
    expect(staff.locator("main")).to_contain_text(RECEIPT_NUMBER)
    check_accessibility(staff, "satisfaction-case")

    # The dossier's page shows the rating, links to the case, and offers no new slip.
    dossier_path = f"/staff/satisfaction/dossiers/{seed.dossier_id}"
    staff.goto(dossier_path)
    expect(staff.locator("main")).to_contain_text(REASON)
    expect(staff.locator(f'main a[href="{case_path}"]')).to_have_count(1)
    expect(staff.locator(f'form[action="{dossier_path}/return"]')).to_have_count(0)
