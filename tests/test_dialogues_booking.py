"""The booking engine: seats, waiting list, cancellations, promotion, reminders, check-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as, make_conference, make_user, post_form

from portal.auth.models import Role
from portal.codes import format_code
from portal.db import utcnow
from portal.dialogues import services
from portal.dialogues.models import Booking, BookingStatus, SessionKind, SessionStatus
from portal.domain import DomainError, PermissionDenied, StateConflict
from portal.extensions import db
from portal.notifications.models import OutboxMessage

pytestmark = pytest.mark.usefixtures("english")


def residents(world: World, n: int):
    return [
        make_user(Role.RESIDENT, world.ward, name=f"Cư Dân {chr(65 + i % 26)}") for i in range(n)
    ]


def outbox(kind: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.execute(query).scalars())


def test_book_confirms_and_queues_confirmation_in_the_residents_language(app, world: World):
    conference = make_conference(world.ward, capacity=2)
    world.resident.locale = "en"
    booking = services.book(conference, user=world.resident, question="Khi nào sửa đường?")
    db.session.commit()
    assert booking.status == BookingStatus.CONFIRMED
    assert len(booking.code) == 8 and not set(booking.code) & set("01OI")
    assert conference.seats_taken == 1 and conference.seats_left == 1
    (message,) = outbox("booking_confirmed")
    assert message.locale == "en" and message.address == "dan@example.vn"
    assert booking.code in message.body and "confirmed" in message.body
    question = db.session.execute(sa.select(services.Question)).scalar_one()
    assert question.text == "Khi nào sửa đường?" and question.booking_id == booking.id


def test_full_conference_puts_residents_on_the_waiting_list_in_order(app, world: World):
    conference = make_conference(world.ward, capacity=3, walk_in_seats=1)
    people = residents(world, 4)
    results = [services.book(conference, user=p) for p in people]
    db.session.commit()
    assert [b.status for b in results] == ["confirmed", "confirmed", "waiting", "waiting"]
    assert conference.seats_taken == 2  # one seat held back for walk-ins
    messages = outbox("booking_waitlisted")
    assert len(messages) == 2
    assert "vị trí số 2" in messages[1].body or "number 2" in messages[1].body


def test_cancellation_promotes_the_first_waiting_resident(app, world: World):
    conference = make_conference(world.ward, capacity=1)
    first, second, third = residents(world, 3)
    booked = services.book(conference, user=first)
    waiting_2 = services.book(conference, user=second)
    waiting_3 = services.book(conference, user=third)
    db.session.commit()
    promoted = services.cancel_booking(first, booked)
    db.session.commit()
    assert promoted.id == waiting_2.id
    db.session.refresh(waiting_2)
    db.session.refresh(waiting_3)
    assert waiting_2.status == BookingStatus.CONFIRMED and waiting_2.promoted_at
    assert waiting_3.status == BookingStatus.WAITING
    assert conference.seats_taken == 1
    assert [m.user_id for m in outbox("booking_promoted")] == [second.id]


def test_one_active_booking_per_resident(app, world: World):
    conference = make_conference(world.ward)
    services.book(conference, user=world.resident)
    db.session.commit()
    with pytest.raises(StateConflict, match="already booked"):
        services.book(conference, user=world.resident)
    db.session.rollback()
    assert conference.seats_taken == 1
    # after cancelling, booking again is allowed
    (booking,) = services.bookings_of(world.resident)
    services.cancel_booking(world.resident, booking)
    again = services.book(conference, user=world.resident)
    db.session.commit()
    assert again.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize(
    ("status", "starts_in", "extra", "message"),
    [
        ("draft", timedelta(days=10), {}, "not open for booking"),
        ("cancelled", timedelta(days=10), {}, "cancelled"),
        ("published", timedelta(hours=-1), {}, "already started"),
        ("published", timedelta(days=10), {"booking_closes_at_in": timedelta(hours=-1)}, "closed"),
        ("published", timedelta(days=10), {"booking_opens_at_in": timedelta(days=1)}, "not opened"),
    ],
)
def test_cannot_book_a_session_that_is_not_open(
    app, world: World, status, starts_in, extra, message
):
    kwargs = {}
    if "booking_closes_at_in" in extra:
        kwargs["booking_closes_at"] = utcnow() + extra["booking_closes_at_in"]
    if "booking_opens_at_in" in extra:
        kwargs["booking_opens_at"] = utcnow() + extra["booking_opens_at_in"]
    conference = make_conference(world.ward, status=status, starts_in=starts_in, **kwargs)
    with pytest.raises(StateConflict, match=message):
        services.book(conference, user=world.resident)
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count(Booking.id))).scalar_one() == 0
    assert outbox() == []


def test_over_long_question_is_refused(app, world: World):
    conference = make_conference(world.ward)
    with pytest.raises(DomainError) as caught:
        services.book(conference, user=world.resident, question="x" * 2001)
    assert caught.value.field == "question"


def test_staff_books_for_a_caller_without_account(app, world: World):
    conference = make_conference(world.ward)
    booking = services.book(
        conference,
        guest_name="Bà Nguyễn Thị Gọi",
        guest_phone="0987 111 222",
        booked_by=world.staff,
    )
    db.session.commit()
    assert booking.user_id is None and booking.guest_phone == "+84987111222"
    (message,) = outbox("booking_confirmed")
    assert message.channel == "sms" and message.address == "+84987111222" and message.locale == "vi"
    with pytest.raises(DomainError) as caught:
        services.book(conference, guest_name="", guest_phone="123", booked_by=world.staff)
    assert set(caught.value.errors) == {"guest_name", "guest_phone"}


def test_officials_cannot_book_for_themselves(app, world: World):
    with pytest.raises(PermissionDenied):
        services.book(make_conference(world.ward), user=world.staff)


def test_resident_cancels_only_own_booking_until_the_start(app, world: World):
    conference = make_conference(world.ward)
    booking = services.book(conference, user=world.resident)
    other = make_user(Role.RESIDENT, world.ward)
    with pytest.raises(PermissionDenied):
        services.cancel_booking(other, booking)
    with pytest.raises(StateConflict, match="started"):
        services.cancel_booking(
            world.resident, booking, now=conference.starts_at + timedelta(minutes=1)
        )
    services.cancel_booking(world.resident, booking)
    db.session.commit()
    assert booking.status == BookingStatus.CANCELLED and conference.seats_taken == 0
    with pytest.raises(StateConflict, match="already cancelled"):
        services.cancel_booking(world.resident, booking)


def test_staff_cancels_with_a_reason_and_the_resident_is_told(app, world: World):
    conference = make_conference(world.ward)
    booking = services.book(conference, user=world.resident)
    with pytest.raises(DomainError):
        services.cancel_booking(world.staff, booking, reason="")
    with pytest.raises(PermissionDenied):
        services.cancel_booking(world.staff_other, booking, reason="Trùng lịch")
    services.cancel_booking(world.staff, booking, reason="Trùng lịch")
    db.session.commit()
    assert booking.cancel_reason == "Trùng lịch" and booking.cancelled_by_id == world.staff.id
    assert "Trùng lịch" in outbox("booking_cancelled")[0].body


def test_publish_needs_confirmation_when_notice_is_short(app, world: World):
    soon = make_conference(world.ward, status="draft", starts_in=timedelta(days=3))
    with pytest.raises(DomainError) as caught:
        services.publish(world.staff, soon)
    assert caught.value.field == "confirm_late"
    services.publish(world.chairman, soon, confirm_late=True)
    assert soon.status == SessionStatus.PUBLISHED and soon.late_notice
    assert soon.published_by_id == world.chairman.id
    later = make_conference(world.ward, status="draft", starts_in=timedelta(days=8))
    services.publish(world.staff, later)
    assert not later.late_notice
    with pytest.raises(PermissionDenied):
        services.publish(world.staff_other, make_conference(world.ward, status="draft"))
    with pytest.raises(PermissionDenied):
        services.publish(world.supervisor, make_conference(world.ward, status="draft"))


def test_cancelling_a_conference_tells_everyone_booked(app, world: World):
    conference = make_conference(world.ward, capacity=1)
    people = residents(world, 2)
    for person in people:
        services.book(conference, user=person)
    told = services.cancel_session(world.chairman, conference, "Mưa bão")
    db.session.commit()
    assert told == 2
    assert {m.user_id for m in outbox("booking_cancelled")} == {p.id for p in people}
    assert conference.status == SessionStatus.CANCELLED and conference.seats_taken == 0


def test_results_overdue_after_ten_days(app, world: World):
    conference = make_conference(world.ward, starts_in=timedelta(days=-12))
    services.mark_held(world.staff, conference)
    assert services.results_overdue(conference)
    assert not services.results_overdue(conference, now=conference.ends_at + timedelta(days=9))


def test_check_in_at_the_door(app, world: World):
    conference = make_conference(world.ward, capacity=3, walk_in_seats=1)
    other = make_conference(world.ward, title="Khác")
    booking = services.book(conference, user=world.resident)
    elsewhere = services.book(other, user=world.resident)
    cancelled = services.book(conference, user=make_user(Role.RESIDENT, world.ward))
    services.cancel_booking(world.staff, cancelled, reason="Hủy")
    arrived = services.check_in(world.staff, conference, format_code(booking.code).lower())
    assert arrived.status == BookingStatus.ATTENDED and arrived.checked_in_by_id == world.staff.id
    for code, message in (
        (booking.code, "already been used"),
        (elsewhere.code, "another session"),
        (cancelled.code, "cancelled"),
        ("ZZZZ-ZZZZ", "No booking"),
    ):
        with pytest.raises(DomainError, match=message):
            services.check_in(world.staff, conference, code)
    services.record_walk_in(world.staff, conference)
    counts = services.door_counts(conference)
    assert (counts.booked, counts.arrived, counts.walk_ins) == (1, 1, 1)
    assert services.mark_held(world.staff, conference, now=conference.starts_at) == 0


def test_unarrived_become_no_shows_when_held(app, world: World):
    conference = make_conference(world.ward, capacity=1)
    services.book(conference, user=world.resident)
    waiting = services.book(conference, user=make_user(Role.RESIDENT, world.ward))
    assert services.mark_held(world.staff, conference, now=conference.ends_at) == 1
    db.session.refresh(waiting)
    assert waiting.status == BookingStatus.CANCELLED


def test_reminders_are_queued_once(app, world: World):
    tomorrow = make_conference(world.ward, starts_in=timedelta(hours=20))
    later = make_conference(world.ward, starts_in=timedelta(days=5))
    services.book(tomorrow, user=world.resident)
    services.book(later, user=world.resident)
    db.session.commit()
    assert services.queue_reminders() == 1
    db.session.commit()
    assert services.queue_reminders() == 0
    assert len(outbox("booking_reminder")) == 1


def test_each_conference_reminds_at_its_own_lead_time(app, world: World):
    now = utcnow()
    in_30h = make_conference(world.ward, starts_in=timedelta(hours=30))
    in_5h = make_conference(world.ward, starts_in=timedelta(hours=5))
    silent = make_conference(world.ward, starts_in=timedelta(hours=3))
    in_30h.reminder_hours, in_5h.reminder_hours, silent.reminder_hours = 48, 6, 0
    bookings = {s.id: services.book(s, user=world.resident) for s in (in_30h, in_5h, silent)}
    db.session.commit()
    assert services.queue_reminders(now=now - timedelta(hours=2)) == 1  # 32 h before: 48 h
    db.session.commit()
    assert services.queue_reminders(now=now) == 1  # 5 h before the 6 h one; never the silent
    db.session.commit()
    reminded = {m.dedupe_key for m in outbox("booking_reminder")}
    assert reminded == {f"reminder:{bookings[in_30h.id].id}", f"reminder:{bookings[in_5h.id].id}"}
    # The option sets one lead time for all (the silent one too), still once each.
    assert services.queue_reminders(now=now, hours=4) == 1


def test_the_conference_form_keeps_the_reminder_time(client, world: World):

    conference = make_conference(world.ward, starts_in=timedelta(days=10))
    db.session.commit()
    login_as(client, world.staff)
    page = client.get(f"/staff/dialogues/{conference.id}/edit").get_data(as_text=True)
    assert 'name="reminder_hours"' in page and "Trước 1 ngày" in page
    form = {
        "title": conference.title,
        "mode": conference.mode.value,
        "venue": "Hội trường",
        "starts_at": "2030-05-06T08:00",
        "ends_at": "2030-05-06T10:00",
        "capacity": "50",
        "reminder_hours": "7",
    }
    refused = post_form(client, f"/staff/dialogues/{conference.id}/edit", form)
    assert refused.status_code == 422
    saved = post_form(
        client, f"/staff/dialogues/{conference.id}/edit", {**form, "reminder_hours": "2"}
    )
    assert saved.status_code == 302
    db.session.refresh(conference)
    assert conference.reminder_hours == 2
    booking = services.book(conference, user=world.resident)
    db.session.commit()
    ics = client.get(f"/bookings/{booking.code}.ics").data
    assert b"BEGIN:VALARM" in ics and b"TRIGGER:-PT2H" in ics


def test_one_open_reception_booking_per_resident(app, world: World):
    slots = [
        make_conference(world.ward, capacity=1, kind=SessionKind.RECEPTION, title="Tiếp công dân")
        for _ in range(2)
    ]
    with pytest.raises(DomainError) as caught:
        services.book(slots[0], user=world.resident, question="")
    assert caught.value.field == "question"
    services.book(slots[0], user=world.resident, question="Đất đai")
    db.session.commit()
    with pytest.raises(StateConflict, match="open reception booking"):
        services.book(slots[1], user=world.resident, question="Đất đai")
    db.session.rollback()
    with pytest.raises(StateConflict, match="just been taken"):
        services.book(slots[0], user=make_user(Role.RESIDENT, world.ward), question="Khác")
