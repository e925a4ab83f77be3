"""The residents' dossier pages and the enrolled kiosk in a real browser, at 360 px, each
passing axe-core: a resident looks a dossier up with its receipt number and the last 4
digits of their phone, then rates it with the slip's short code on the ward's rating page;
the chairman issues a tablet's enrolment code and the tablet enrols and shows its waiting
screen. Assertions rely on structure, URLs, typed values and the database, not wording.
Same set-up as test_satisfaction_flow.py (browser_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from browser_support import (
    PHONE_WIDTH,
    LiveServer,
    assert_no_horizontal_scroll,
    browser_fixture,  # noqa: F401 - the `browser` fixture
    check_accessibility,
    expect_vietnamese,
    log_in,
    open_page_fixture,  # noqa: F401 - the `open_page` fixture
    serve_seeded,
    url_is,
)
from conftest import PASSWORD, make_user, make_ward
from playwright.sync_api import expect

from portal.auth.models import Role
from portal.db import utcnow
from portal.extensions import db
from portal.satisfaction import catalogue as satisfaction_catalogue
from portal.satisfaction import dossiers as satisfaction_dossiers
from portal.satisfaction import tokens as satisfaction_tokens
from portal.satisfaction.models import KioskDevice, RatingChannel, SatisfactionRating

pytestmark = pytest.mark.browser

SLUG = "phuong-long-bien"
RECEIPT = "LB-2026-0007"
CHAIRMAN_PHONE = "0901 620 002"
PHONE = {"viewport": {"width": PHONE_WIDTH, "height": 740}, "is_mobile": True, "has_touch": True}


@dataclass
class Seed:
    short_code: str


@dataclass
class SeededServer(LiveServer):
    seed: Seed


def _seed() -> Seed:
    ward = make_ward(148, "Phường Long Biên", SLUG)
    officer = make_user(Role.STAFF, ward, name="Đỗ Văn Quầy", phone="0901 620 001")
    make_user(Role.CHAIRMAN, ward, name="Vũ Văn Chủ Tịch", phone=CHAIRMAN_PHONE)
    satisfaction_catalogue.provide_defaults(ward.id)
    dossier = satisfaction_dossiers.register_dossier(
        officer,
        ward.id,
        satisfaction_dossiers.DossierInput(
            procedure_id=satisfaction_catalogue.procedures(ward.id)[0].id,
            receipt_number=RECEIPT,
            received_at=utcnow() - timedelta(days=2),
            applicant_phone="0912 345 678",
        ),
    )
    issued = satisfaction_dossiers.return_for_slip(officer, dossier)
    db.session.commit()
    return Seed(short_code=satisfaction_tokens.format_short_code(issued.short_code))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[SeededServer]:
    with serve_seeded(tmp_path_factory, "dossier-pages", _seed) as (app, base_url, seed):
        yield SeededServer(app=app, base_url=base_url, seed=seed)


def _ratings(live_server: SeededServer) -> list[tuple]:
    with live_server.app.app_context():
        rows = db.session.execute(sa.select(SatisfactionRating.channel)).all()
        db.session.remove()
        return [tuple(r) for r in rows]


def test_a_resident_looks_up_then_rates_with_the_code(open_page, live_server):
    page = open_page("vi-VN", **PHONE)
    page.goto(f"/wards/{SLUG}/dossier-lookup")
    expect_vietnamese(page)
    form = page.locator("main form.form[method=post]")
    form.locator("#receipt_number").fill(RECEIPT)
    form.locator("#digits").fill("5679")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 404
    expect(page.locator("#digits-error")).to_be_visible()
    expect(page.locator("#digits")).to_have_value("")
    check_accessibility(page, "dossier-lookup-miss-phone")
    page.locator("#receipt_number").fill(RECEIPT)
    page.locator("#digits").fill("5678")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.locator("main form.form button[type=submit]").click()
    assert answer.value.status == 200
    found = page.locator("main section.panel")
    expect(found).to_contain_text(RECEIPT)
    assert "0912" not in page.content()
    assert_no_horizontal_scroll(page, "the dossier lookup")
    check_accessibility(page, "dossier-lookup-found-phone")

    page.goto(f"/wards/{SLUG}/rate")
    page.locator("#receipt_number").fill(RECEIPT)
    page.locator("#code").fill(live_server.seed.short_code.lower())
    page.locator("main form.form button[type=submit]").click()
    rating = page.locator("main form.rating-form[method=post]")
    expect(rating).to_have_count(1)
    assert_no_horizontal_scroll(page, "the rating by code")
    check_accessibility(page, "rate-by-code-phone")
    rating.locator('input[type="radio"][name="level"][value="satisfied"]').check()
    rating.locator("button[type=submit]").click()
    expect(page).to_have_url(url_is(live_server, "/r/thanks"))
    assert _ratings(live_server) == [(RatingChannel.CODE,)]


def test_the_chairman_enrols_a_tablet(open_page, live_server):
    chairman = open_page("vi-VN", **PHONE)
    log_in(chairman, live_server, CHAIRMAN_PHONE, PASSWORD)
    chairman.goto("/staff/satisfaction/kiosks")
    assert_no_horizontal_scroll(chairman, "the rating tablets")
    check_accessibility(chairman, "kiosks-phone")
    chairman.locator("#desk_name").fill("Quầy 1")
    chairman.locator("#officer_id").select_option(label="Đỗ Văn Quầy")
    chairman.locator("main form.form button[type=submit]").click()
    code = chairman.locator("#enrolment-code").inner_text()
    check_accessibility(chairman, "kiosk-code-phone")

    tablet = open_page("vi-VN", viewport={"width": 800, "height": 1280}, has_touch=True)
    tablet.goto("/kiosk/")
    expect(tablet).to_have_url(url_is(live_server, "/kiosk/enrol"))
    check_accessibility(tablet, "kiosk-enrol")
    tablet.locator("#code").fill(code)
    tablet.locator("main form.form button[type=submit]").click()
    expect(tablet).to_have_url(url_is(live_server, "/kiosk/"))
    expect(tablet.locator("main .kiosk-waiting")).to_be_visible()
    check_accessibility(tablet, "kiosk-waiting")
    with live_server.app.app_context():
        device = db.session.execute(sa.select(KioskDevice)).scalar_one()
        assert device.enrolled_at is not None and device.desk_name == "Quầy 1"
        db.session.remove()
