"""The door's camera scanner in a real browser: Chromium's fake camera plays a video of a QR
code (a Y4M file drawn here from the code), the page's vendored jsQR decoder reads it and the
booking is checked in; a QR that is not ours is said so and nothing is sent; a refused camera
is said so and the code can be typed; the counts refresh by themselves while another officer
counts a walk-in. At 390 px in Vietnamese, axe clean."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import LiveServer, check_accessibility, launch, log_in, serve_seeded
from conftest import PASSWORD, make_conference, make_user, make_ward
from playwright.sync_api import expect

from portal.auth.models import Role
from portal.dialogues import services
from portal.dialogues.models import Booking, BookingStatus
from portal.extensions import db
from portal.qrcode import qr_code

pytestmark = pytest.mark.browser

STAFF_PHONE = "0901 500 003"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
WIDTH, HEIGHT, SCALE = 640, 480, 8


def y4m_of(text: str, path: Path) -> Path:
    """A short 4:2:0 video (what Chromium's fake camera plays) showing the QR code of `text`
    as the portal draws it (the booking confirmation's), black on white, in the middle."""
    rows = [list(row) for row in qr_code(text).matrix_iter(scale=SCALE, border=4)]
    size = len(rows)
    top, left = (HEIGHT - size) // 2, (WIDTH - size) // 2
    luma = bytearray([235]) * (WIDTH * HEIGHT)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                luma[(top + y) * WIDTH + left + x] = 16
    chroma = bytes([128]) * (WIDTH * HEIGHT // 4)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * 10)
    return path


def _seed() -> dict:
    ward = make_ward(131, "Phường Bồ Đề", "phuong-bo-de")
    make_user(Role.STAFF, ward, name="Lê Văn Cửa", phone=STAFF_PHONE)
    resident = make_user(Role.RESIDENT, ward, name="Phạm Thị Đến", phone="0912 500 004")
    conference = make_conference(ward, capacity=5)
    booking = services.book(conference, user=resident)
    db.session.commit()
    return {"session_id": conference.id, "code": booking.code, "booking_id": booking.id}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    with serve_seeded(tmp_path_factory, "door", _seed) as (app, base_url, seed):
        server = LiveServer(app=app, base_url=base_url)
        server.seed = seed  # type: ignore[attr-defined]
        yield server


def door_page(browser, live_server):
    context = browser.new_context(base_url=live_server.base_url, locale="vi-VN", **PHONE)
    page = context.new_page()
    log_in(page, live_server, STAFF_PHONE, PASSWORD)
    page.goto(f"/staff/dialogues/{live_server.seed['session_id']}/check-in")
    return page


def camera(video: Path | None) -> tuple[str, ...]:
    if video is None:  # no camera at all, and nobody to say yes: getUserMedia is refused
        return ()
    return (
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )


def status_of(live_server, booking_id: int) -> BookingStatus:
    with live_server.app.app_context():
        status = db.session.get(Booking, booking_id).status
        db.session.remove()
        return status


def test_a_foreign_qr_is_refused_and_the_counts_refresh(live_server, tmp_path):
    video = y4m_of("https://example.com/khong-phai-ma", tmp_path / "foreign.y4m")
    with launch(camera(video)) as browser:
        page = door_page(browser, live_server)
        scan = page.locator("#scan-start")
        expect(scan).to_be_visible()
        assert scan.bounding_box()["height"] >= 44
        check_accessibility(page, "door-scanner")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        scan.click()
        expect(page.locator("#scan-message")).to_contain_text("không phải mã đăng ký")
        assert "/check-in" in page.url and status_of(
            live_server, live_server.seed["booking_id"]
        ) == (BookingStatus.CONFIRMED)
        # Another officer counts a walk-in: this page's count follows without a reload.
        token = page.locator("input[name=csrf_token]").first.input_value()
        walk_in = f"/staff/dialogues/{live_server.seed['session_id']}/walk-in"
        assert page.request.post(walk_in, form={"csrf_token": token}).ok
        expect(page.locator('[data-count="walk_ins"]')).to_have_text("1", timeout=15_000)


def test_the_camera_reads_the_booking_and_checks_it_in(live_server, tmp_path):
    video = y4m_of(live_server.seed["code"], tmp_path / "booking.y4m")
    with launch(camera(video)) as browser:
        page = door_page(browser, live_server)
        page.locator("#scan-start").click()
        expect(page.locator(".flash-success")).to_contain_text("Phạm Thị Đến")
        expect(page.locator('[data-count="arrived"]')).to_have_text("1")
    assert status_of(live_server, live_server.seed["booking_id"]) == BookingStatus.ATTENDED


def test_a_refused_camera_leaves_the_typed_code(live_server):
    with launch(camera(None)) as browser:
        page = door_page(browser, live_server)
        page.locator("#scan-start").click()
        expect(page.locator("#scan-message")).to_contain_text("Nhập mã")
        expect(page.locator("#code")).to_be_editable()
