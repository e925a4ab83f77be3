"""The dialogue pages as residents, officers and the chairman use them."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from conftest import World, login_as, make_conference, make_user, post_form, text_of

from portal.auth.models import Role
from portal.codes import format_code
from portal.dialogues import services
from portal.dialogues.models import Booking, BookingStatus, DialogueSession, SessionStatus
from portal.extensions import db


def detail_url(world: World, session) -> str:
    return f"/wards/{world.ward.slug}/dialogues/{session.id}"


def test_public_list_shows_seats_left_and_full(client, world: World):
    open_one = make_conference(world.ward, capacity=12, title="Còn chỗ")
    full = make_conference(world.ward, capacity=1, title="Hết chỗ")
    make_conference(world.ward, status="draft", title="Bản nháp")
    services.book(full, user=world.resident)
    db.session.commit()
    vi = text_of(client.get(f"/wards/{world.ward.slug}/dialogues"))
    assert "Còn chỗ" in vi and "Hết chỗ" in vi and "Bản nháp" not in vi
    assert "Còn 12 chỗ" in vi
    assert "Hết chỗ — có thể đăng ký chờ" in vi
    en = text_of(
        client.get(f"/wards/{world.ward.slug}/dialogues", headers={"Accept-Language": "en"})
    )
    assert "12 seats left" in en
    assert client.get(detail_url(world, open_one)).status_code == 200


def test_drafts_and_other_wards_sessions_are_not_public(client, world: World):
    draft = make_conference(world.ward, status="draft")
    elsewhere = make_conference(world.other_ward)
    db.session.commit()
    assert client.get(detail_url(world, draft)).status_code == 404
    assert client.get(detail_url(world, elsewhere)).status_code == 404


def test_resident_books_sees_code_qr_ics_and_cancels(client, world: World):
    conference = make_conference(world.ward, capacity=5)
    db.session.commit()
    login_as(client, world.resident)
    page = text_of(client.get(detail_url(world, conference)))
    assert 'name="question"' in page
    response = post_form(
        client, f"/dialogues/{conference.id}/book", {"question": "Đường ngập <b>nước</b>"}
    )
    assert response.status_code == 302
    booking = db.session.execute(sa.select(Booking)).scalar_one()
    assert response.headers["Location"] == f"/bookings/{booking.code}"
    html = text_of(client.get(response.headers["Location"]))
    assert format_code(booking.code) in html
    assert "&lt;b&gt;nước&lt;/b&gt;" in html  # inert markup
    qr = client.get(f"/bookings/{booking.code}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml" and b"<svg" in qr.data
    ics = client.get(f"/bookings/{booking.code}.ics")
    assert ics.mimetype == "text/calendar"
    assert b"BEGIN:VEVENT" in ics.data and booking.code.encode() in ics.data
    assert booking.code in text_of(client.get("/my/bookings"))
    response = post_form(client, f"/bookings/{booking.code}/cancel")
    assert response.status_code == 302
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CANCELLED


def test_full_conference_puts_resident_on_waiting_list(client, world: World):
    conference = make_conference(world.ward, capacity=1)
    services.book(conference, user=make_user(Role.RESIDENT, world.ward))
    db.session.commit()
    login_as(client, world.resident)
    response = post_form(
        client, f"/dialogues/{conference.id}/book", headers={"Accept-Language": "en"}
    )
    page = text_of(client.get(response.headers["Location"], headers={"Accept-Language": "en"}))
    assert "number 1 on the waiting list" in page


def test_booking_twice_and_closed_sessions_get_clear_messages(client, world: World):
    conference = make_conference(world.ward)
    past = make_conference(world.ward, starts_in=timedelta(hours=-3))
    cancelled = make_conference(world.ward, status="cancelled")
    db.session.commit()
    login_as(client, world.resident)
    post_form(client, f"/dialogues/{conference.id}/book")
    second = post_form(
        client,
        f"/dialogues/{conference.id}/book",
        follow_redirects=True,
        headers={"Accept-Language": "en"},
    )
    assert "already booked" in text_of(second)
    for session, message in ((past, "already started"), (cancelled, "cancelled")):
        page = post_form(
            client,
            f"/dialogues/{session.id}/book",
            follow_redirects=True,
            headers={"Accept-Language": "en"},
        )
        assert message in text_of(page)
    assert db.session.execute(sa.select(sa.func.count(Booking.id))).scalar_one() == 1
    long = post_form(
        client,
        f"/dialogues/{conference.id}/book",
        {"question": "x" * 2001},
        follow_redirects=True,
        headers={"Accept-Language": "en"},
    )
    assert "At most 2000 characters" in text_of(long)


def test_other_people_cannot_see_a_booking(app, client, world: World):
    conference = make_conference(world.ward)
    booking = services.book(conference, user=world.resident)
    db.session.commit()
    stranger = login_as(app.test_client(), make_user(Role.RESIDENT, world.ward))
    db.session.commit()
    assert stranger.get(f"/bookings/{booking.code}").status_code == 404
    assert stranger.get(f"/bookings/{booking.code}/qr.svg").status_code == 404
    assert post_form(stranger, f"/bookings/{booking.code}/cancel").status_code == 404
    other_ward_staff = login_as(app.test_client(), world.staff_other)
    assert other_ward_staff.get(f"/bookings/{booking.code}").status_code == 404
    staff = login_as(app.test_client(), world.staff)
    assert staff.get(f"/bookings/{booking.code}").status_code == 200


def test_ward_calendar_feed(client, world: World):
    make_conference(world.ward, title="Đối thoại tháng 12")
    make_conference(world.ward, status="draft", title="Nháp")
    db.session.commit()
    response = client.get(f"/wards/{world.ward.slug}/dialogues.ics")
    assert response.mimetype == "text/calendar"
    body = response.get_data(as_text=True)
    assert body.count("BEGIN:VEVENT") == 1 and "Đối thoại tháng 12" in body


def conference_form(**changes) -> dict:
    return {
        "title": "Đối thoại về cải cách hành chính",
        "agenda": "Thủ tục một cửa",
        "mode": "in_person",
        "venue": "Hội trường UBND phường",
        "online_url": "",
        "starts_at": "2027-01-15T08:00",
        "ends_at": "2027-01-15T11:00",
        "capacity": "80",
        "walk_in_seats": "10",
        "co_organiser": "Ủy ban MTTQ phường",
        **changes,
    }


def test_staff_creates_and_publishes_a_conference(client, world: World):
    login_as(client, world.staff)
    response = post_form(client, "/staff/dialogues/new", conference_form())
    assert response.status_code == 302
    session = db.session.execute(sa.select(DialogueSession)).scalar_one()
    assert session.ward_id == world.ward.id and session.status == SessionStatus.DRAFT
    assert session.starts_at.hour == 1  # 08:00 in Hà Nội is 01:00 UTC
    post_form(client, f"/staff/dialogues/{session.id}/publish")
    db.session.refresh(session)
    assert session.status == SessionStatus.PUBLISHED and not session.late_notice


def test_conference_form_rejects_bad_input(client, world: World):
    login_as(client, world.staff)
    response = post_form(
        client,
        "/staff/dialogues/new",
        conference_form(title="", starts_at="not a date", capacity="-3", mode="online", venue=""),
        headers={"Accept-Language": "en"},
    )
    html = text_of(response)
    assert response.status_code == 422
    for field in ("title", "starts_at", "capacity"):
        assert f'id="{field}-error"' in html
    response = post_form(
        client,
        "/staff/dialogues/new",
        conference_form(ends_at="2027-01-15T07:00", walk_in_seats="100", mode="online"),
        headers={"Accept-Language": "en"},
    )
    html = text_of(response)
    assert 'id="ends_at-error"' in html and 'id="walk_in_seats-error"' in html
    assert 'id="online_url-error"' in html
    assert db.session.execute(sa.select(sa.func.count(DialogueSession.id))).scalar_one() == 0


def test_short_notice_publish_needs_confirmation(client, world: World):
    session = make_conference(world.ward, status="draft", starts_in=timedelta(days=2))
    db.session.commit()
    login_as(client, world.chairman)
    refused = post_form(client, f"/staff/dialogues/{session.id}/publish", follow_redirects=True)
    assert refused.status_code == 200
    db.session.refresh(session)
    assert session.status == SessionStatus.DRAFT
    post_form(client, f"/staff/dialogues/{session.id}/publish", {"confirm_late": "y"})
    db.session.refresh(session)
    assert session.status == SessionStatus.PUBLISHED and session.late_notice


def test_staff_of_another_ward_and_supervisor_cannot_change(app, world: World):
    session = make_conference(world.ward, status="draft")
    db.session.commit()
    other = login_as(app.test_client(), world.staff_other)
    assert other.get(f"/staff/dialogues/{session.id}").status_code == 403
    assert post_form(other, f"/staff/dialogues/{session.id}/publish").status_code == 403
    supervisor = login_as(app.test_client(), world.supervisor)
    assert supervisor.get(f"/staff/dialogues/{session.id}").status_code == 200
    assert post_form(supervisor, f"/staff/dialogues/{session.id}/publish").status_code == 403
    db.session.refresh(session)
    assert session.status == SessionStatus.DRAFT


def test_staff_books_for_a_caller_with_masked_phone_in_list(client, world: World):
    session = make_conference(world.ward)
    db.session.commit()
    login_as(client, world.staff)
    post_form(
        client,
        f"/staff/dialogues/{session.id}/book",
        {"guest_name": "Ông Lê Văn Gọi", "guest_phone": "0987 123 456", "question": ""},
    )
    html = text_of(client.get(f"/staff/dialogues/{session.id}"))
    assert "Ông Lê Văn Gọi" in html
    assert "098••••456" in html and "0987123456" not in html and "+84987123456" not in html


def test_check_in_page(client, world: World):
    session = make_conference(world.ward, capacity=5)
    booking = services.book(session, user=world.resident)
    db.session.commit()
    login_as(client, world.staff)
    ok = post_form(
        client, f"/staff/dialogues/{session.id}/check-in", {"code": booking.code.lower()}
    )
    assert ok.status_code == 200 and world.resident.full_name in text_of(ok)
    again = post_form(
        client,
        f"/staff/dialogues/{session.id}/check-in",
        {"code": booking.code},
        headers={"Accept-Language": "en"},
    )
    assert again.status_code == 422 and "already been used" in text_of(again)
    post_form(client, f"/staff/dialogues/{session.id}/walk-in")
    db.session.refresh(session)
    assert session.walk_ins == 1
    db.session.refresh(booking)
    assert booking.status == BookingStatus.ATTENDED


def test_residents_see_their_own_words_for_a_status(client, world: World):
    """The public page says "Sắp diễn ra", never the office's "Đã công bố"; a conference
    whose results are out offers no seat, full or not, and says its results are there."""
    upcoming = make_conference(world.ward, capacity=1, walk_in_seats=1)
    done = make_conference(world.ward, capacity=1, walk_in_seats=1, status="results_published")
    db.session.commit()
    page = text_of(client.get(f"/wards/{world.ward.slug}/dialogues/{upcoming.id}"))
    assert "Sắp diễn ra" not in page  # open for booking: the seats are what matters
    assert "Hết chỗ — có thể đăng ký chờ" in page and "Đã công bố" not in page
    page = text_of(client.get(f"/wards/{world.ward.slug}/dialogues/{done.id}"))
    assert "Đã có kết quả" in page
    assert "Hết chỗ" not in page and "Đã công bố" not in page
    login_as(client, world.resident)
    services.book(upcoming, user=world.resident)
    db.session.commit()
    (booking,) = services.bookings_of(world.resident)
    assert "Trong danh sách chờ" in text_of(client.get("/my/bookings"))
    assert "Trong danh sách chờ" in text_of(client.get(f"/bookings/{booking.code}"))


def test_attendee_list_as_files_and_a_sign_in_sheet(client, world: World):
    from openpyxl import load_workbook

    from portal.audit.models import AuditEntry

    session = make_conference(world.ward, capacity=1)
    first = services.book(session, user=world.resident)
    waiting = services.book(
        session, guest_name="=Bà Gọi Điện", guest_phone="0987 123 456", booked_by=world.staff
    )
    db.session.commit()
    login_as(client, world.staff)
    post_form(client, f"/staff/dialogues/{session.id}/check-in", {"code": first.code})
    sheet = client.get(f"/staff/dialogues/{session.id}/sign-in-sheet")
    assert sheet.status_code == 200 and sheet.headers["Cache-Control"] == "no-store"
    html = text_of(sheet)
    assert world.resident.full_name in html and "0987 123 456" in html  # in full, for staff
    assert format_code(waiting.code) in html and "Danh sách chờ" in html

    csv_text = client.get(f"/staff/dialogues/{session.id}/attendees.csv").data.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert len(lines) == 3 and "'=Bà Gọi Điện" in lines[2]  # never a formula
    book = load_workbook(
        io.BytesIO(client.get(f"/staff/dialogues/{session.id}/attendees.xlsx").data)
    )
    assert len(book.sheetnames) == 3
    counts = {row[0]: row[1] for row in book.worksheets[2].iter_rows(min_row=2, values_only=True)}
    assert counts["Đã đến"] == 1 and counts["Danh sách chờ"] == 1
    assert client.get(f"/staff/dialogues/{session.id}/attendees.pdf").status_code == 404

    login_as(client, world.supervisor)
    masked = text_of(client.get(f"/staff/dialogues/{session.id}/sign-in-sheet"))
    assert "098••••456" in masked and "0987 123 456" not in masked
    db.session.rollback()
    actions = db.session.execute(
        sa.select(AuditEntry.action, AuditEntry.target_id).order_by(AuditEntry.id)
    ).all()
    downloads = [a for a in actions if a.action.startswith("dialogues_staff.")]
    assert [a.action for a in downloads].count("dialogues_staff.sign_in_sheet") == 2
    assert ("dialogues_staff.attendees_file", session.id) in downloads


def test_a_booking_s_qr_code_is_a_full_qr_code_phones_can_read():
    """segno picks a Micro QR for a short text; phone cameras do not read those."""
    from portal.qrcode import qr_code, qr_svg

    code = qr_code("ABCD2345")
    assert not code.is_micro and code.version == 1
    assert b'width="174"' in qr_svg("ABCD2345")  # (21 modules + 2 × 4 quiet zone) × 6 px


def test_a_resident_confirms_before_a_booking_is_cancelled(client, world: World):
    conference = make_conference(world.ward, title="Hội nghị tháng Mười hai")
    booking = services.book(conference, user=world.resident)
    db.session.commit()
    login_as(client, world.resident)
    page = text_of(client.get(f"/bookings/{booking.code}"))
    # the booking's page links to the confirmation; it has no form that cancels at once
    assert f'href="/bookings/{booking.code}/cancel"' in page
    assert f'action="/bookings/{booking.code}/cancel"' not in page

    confirm = client.get(f"/bookings/{booking.code}/cancel", headers={"Accept-Language": "en"})
    html = text_of(confirm)
    assert confirm.status_code == 200
    assert "Cancel this booking?" in html and "Hội nghị tháng Mười hai" in html
    assert format_code(booking.code) in html
    assert f'<form method="post" action="/bookings/{booking.code}/cancel"' in html
    assert 'name="reason"' not in html  # a holder gives no reason
    assert f'href="/bookings/{booking.code}">No, keep the booking' in html
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CONFIRMED  # looking at it changes nothing

    response = post_form(client, f"/bookings/{booking.code}/cancel")
    assert response.status_code == 302 and response.headers["Location"] == "/my/bookings"
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CANCELLED
    # once cancelled, the confirmation sends back to the booking, saying why
    again = client.get(
        f"/bookings/{booking.code}/cancel",
        follow_redirects=True,
        headers={"Accept-Language": "en"},
    )
    assert again.request.path == f"/bookings/{booking.code}"
    assert "already cancelled" in text_of(again)


def test_an_officer_confirms_with_a_reason_before_a_booking_is_cancelled(client, world: World):
    conference = make_conference(world.ward)
    booking = services.book(conference, user=world.resident)
    db.session.commit()
    login_as(client, world.staff)
    staff_page = text_of(client.get(f"/staff/dialogues/{conference.id}"))
    assert f'href="/bookings/{booking.code}/cancel"' in staff_page
    assert f"/staff/dialogues/bookings/{booking.id}/cancel" not in staff_page

    confirm = text_of(client.get(f"/bookings/{booking.code}/cancel"))
    assert 'name="reason"' in confirm and booking.holder_name in confirm
    missing = post_form(
        client,
        f"/bookings/{booking.code}/cancel",
        {"reason": ""},
        headers={"Accept-Language": "en"},
    )
    assert missing.status_code == 422
    assert "Please give the reason." in text_of(missing)
    assert 'name="reason"' in text_of(missing)  # still the confirmation page
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CONFIRMED

    done = post_form(client, f"/bookings/{booking.code}/cancel", {"reason": "Trùng lịch họp"})
    assert done.headers["Location"] == f"/staff/dialogues/{conference.id}"
    db.session.refresh(booking)
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "Trùng lịch họp"


def test_the_supervisor_gets_no_cancel_confirmation(app, world: World):
    booking = services.book(make_conference(world.ward), user=world.resident)
    db.session.commit()
    supervisor = login_as(app.test_client(), make_user(Role.SUPERVISOR, world.ward))
    db.session.commit()
    assert supervisor.get(f"/bookings/{booking.code}/cancel").status_code == 403
    assert f"/bookings/{booking.code}/cancel" not in text_of(
        supervisor.get(f"/bookings/{booking.code}")
    )
