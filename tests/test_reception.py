"""Citizen reception: the chairman's weekly hours, generated slots, booking a slot with a
topic, blocking slots and days, and who may do what."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from conftest import World, login_as, make_conference, make_user, post_form, text_of

from portal.auth.models import Role
from portal.db import write_intent
from portal.dialogues import reception, services
from portal.dialogues.models import (
    Booking,
    BookingStatus,
    DialogueSession,
    ReceptionSchedule,
    SessionKind,
    SessionStatus,
)
from portal.domain import DomainError, PermissionDenied
from portal.extensions import db
from portal.notifications.models import OutboxMessage

EN = {"Accept-Language": "en"}
# Tuesday 1 October 2030, 07:00 in Hà Nội: no public holiday in the four weeks after.
NOW = datetime(2030, 10, 1, 0, 0, tzinfo=UTC)
TUESDAY, FRIDAY = 1, 4
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def tuesday_mornings(world: World, **overrides) -> ReceptionSchedule:
    """Tuesdays 08:00–11:00 (Hà Nội time), 30 minutes a person: six slots a Tuesday."""
    args = {
        "weekday": TUESDAY,
        "start_time": time(8, 0),
        "end_time": time(11, 0),
        "slot_minutes": 30,
        "venue": "Phòng tiếp công dân, UBND phường Bồ Đề",
        **overrides,
    }
    return reception.save_schedule(world.staff, **args)


def reception_slots(ward_id: int) -> list[DialogueSession]:
    return list(
        db.session.execute(
            sa.select(DialogueSession)
            .where(
                DialogueSession.ward_id == ward_id, DialogueSession.kind == SessionKind.RECEPTION
            )
            .order_by(DialogueSession.starts_at)
        ).scalars()
    )


def make_slot(world: World, starts_in: timedelta = timedelta(days=3)) -> DialogueSession:
    return make_conference(
        world.ward,
        kind=SessionKind.RECEPTION,
        capacity=1,
        starts_in=starts_in,
        title=reception.SLOT_TITLE,
    )


def book_url(slot: DialogueSession) -> str:
    return f"/dialogues/{slot.id}/book"


def public_url(world: World) -> str:
    return f"/wards/{world.ward.slug}/reception"


# ---------------------------------------------------------------- the weekly schedule


def test_schedule_is_validated_field_by_field(world: World):
    with pytest.raises(DomainError) as caught:
        reception.save_schedule(world.staff, 7, time(11, 0), time(8, 0), 5, "  ")
    assert set(caught.value.errors) == {"weekday", "end_time", "slot_minutes", "venue"}
    with pytest.raises(DomainError) as caught:
        reception.save_schedule(world.staff, None, None, None, None, "Phòng 1")
    assert set(caught.value.errors) == {"weekday", "start_time", "slot_minutes"}
    with pytest.raises(DomainError) as caught:  # 08:00–08:15 cannot hold one 30-minute slot
        reception.save_schedule(world.staff, TUESDAY, time(8, 0), time(8, 15), 30, "Phòng 1")
    assert set(caught.value.errors) == {"slot_minutes"}
    with pytest.raises(DomainError):
        reception.save_schedule(world.staff, TUESDAY, time(8), time(11), 121, "Phòng 1")
    assert db.session.execute(sa.select(ReceptionSchedule)).first() is None


def test_a_ward_may_have_several_times_but_not_overlapping(world: World):
    tuesday_mornings(world)
    reception.save_schedule(world.chairman, FRIDAY, time(8), time(11), 20, "Phòng 1")
    reception.save_schedule(world.staff, TUESDAY, time(14), time(16), 20, "Phòng 1")
    with pytest.raises(DomainError) as caught:
        reception.save_schedule(world.staff, TUESDAY, time(10), time(12), 20, "Phòng 1")
    assert caught.value.field == "start_time"
    assert len(reception.active_schedules(world.ward.id)) == 3


@pytest.mark.parametrize("who", ["resident", "supervisor", "admin"])
def test_only_the_wards_officers_keep_the_schedule(world: World, who: str):
    with pytest.raises(PermissionDenied):
        reception.save_schedule(world.by_name(who), TUESDAY, time(8), time(11), 20, "Phòng 1")
    schedule = tuesday_mornings(world)
    with pytest.raises(PermissionDenied):
        reception.deactivate_schedule(world.staff_other, schedule)


# ---------------------------------------------------------------- generating slots


def test_four_weeks_of_tuesdays_give_six_slots_each_at_the_right_utc_times(world: World):
    schedule = tuesday_mornings(world)
    assert reception.generate_slots(world.ward.id, weeks=4, now=NOW) == 24
    slots = reception_slots(world.ward.id)
    assert len(slots) == 24
    first = slots[0]
    # 08:00 in Hà Nội (UTC+7) is 01:00 UTC.
    assert first.starts_at == datetime(2030, 10, 1, 1, 0, tzinfo=UTC)
    assert first.ends_at == datetime(2030, 10, 1, 1, 30, tzinfo=UTC)
    assert slots[5].starts_at == datetime(2030, 10, 1, 3, 30, tzinfo=UTC)  # 10:30 local
    assert slots[-1].starts_at == datetime(2030, 10, 22, 3, 30, tzinfo=UTC)
    days = {s.starts_at.date() for s in slots}
    assert days == {date(2030, 10, d) for d in (1, 8, 15, 22)}
    for slot in slots:
        assert slot.status == SessionStatus.PUBLISHED
        assert (slot.capacity, slot.walk_in_seats, slot.seats_taken) == (1, 0, 0)
        assert slot.venue == schedule.venue and slot.schedule_id == schedule.id
        assert slot.ends_at - slot.starts_at == timedelta(minutes=30)


def test_only_future_slots_are_made(world: World):
    tuesday_mornings(world)
    at_nine_ten = datetime(2030, 10, 1, 2, 10, tzinfo=UTC)  # 09:10 in Hà Nội
    assert reception.generate_slots(world.ward.id, weeks=4, now=at_nine_ten) == 3 + 3 * 6
    assert reception_slots(world.ward.id)[0].starts_at == datetime(2030, 10, 1, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("weekday", "holiday"),
    [(0, date(2030, 9, 2)), (1, date(2030, 9, 3))],  # Quốc khánh, Monday 2 and Tuesday 3
)
def test_public_holidays_are_skipped(world: World, weekday: int, holiday: date):
    tuesday_mornings(world, weekday=weekday)
    now = datetime(2030, 8, 22, 0, 0, tzinfo=UTC)  # a Thursday: four weeks hold 4 such days
    assert reception.generate_slots(world.ward.id, weeks=4, now=now) == 3 * 6
    assert holiday not in {s.starts_at.date() for s in reception_slots(world.ward.id)}


def test_generating_twice_creates_nothing_new_and_inactive_times_make_nothing(world: World):
    schedule = tuesday_mornings(world)
    assert reception.generate_slots(world.ward.id, now=NOW) == 24
    assert reception.generate_slots(world.ward.id, now=NOW) == 0
    # a day later the window reaches one more Tuesday: only its slots are new
    assert reception.generate_slots(world.ward.id, now=NOW + timedelta(days=1)) == 6
    assert reception.generate_slots(world.ward.id, weeks=5, now=NOW) == 0
    reception.deactivate_schedule(world.staff, schedule)
    assert reception.generate_slots(world.ward.id, weeks=8, now=NOW) == 0
    assert reception.generate_slots(world.other_ward.id, now=NOW) == 0
    with pytest.raises(DomainError):
        reception.generate_slots(world.ward.id, weeks=0, now=NOW)


def test_generators_running_at_once_make_each_slot_once(app, world: World):
    """Two clicks or two cron runs at the same moment, each in its own worker thread."""
    tuesday_mornings(world)
    db.session.commit()
    ward_id, barrier = world.ward.id, threading.Barrier(4)
    results: list = []

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            try:
                with write_intent():
                    results.append(reception.generate_slots(ward_id, now=NOW))
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                results.append(f"CRASH {type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results, key=str) == [0, 0, 0, 24]
    db.session.rollback()  # see the threads' work
    assert len(reception_slots(ward_id)) == 24


def test_staff_generate_from_the_page_and_the_public_page_groups_by_day(client, world: World):
    login_as(client, world.staff)
    response = post_form(
        client,
        "/staff/reception/schedules",
        {
            "weekday": str((datetime.now(HANOI).date() + timedelta(days=2)).weekday()),
            "start_time": "08:00",
            "end_time": "09:00",
            "slot_minutes": "30",
            "venue": "Phòng tiếp dân",
        },
    )
    assert response.status_code == 302
    response = post_form(client, "/staff/reception/generate", headers=EN)
    assert response.status_code == 302
    created = len(reception_slots(world.ward.id))
    assert 4 <= created <= 8  # 4 weeks of 2 slots, less a public holiday or two
    page = text_of(client.get("/staff/reception", headers=EN))
    assert f"{created} new slots published." in page
    assert "Phòng tiếp dân" in page
    public = text_of(client.get(public_url(world), headers=EN))
    assert "Log in to book" not in public  # officials are logged in
    assert "Only residents book reception slots online." in public


def test_cli_generates_for_every_served_ward_idempotently(app, world: World):
    tuesday_mornings(world)
    reception.save_schedule(world.staff_other, FRIDAY, time(14), time(15), 30, "Phòng 2")
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["reception", "generate", "--weeks", "4"])
    assert first.exit_code == 0, first.output
    assert "in 2 ward(s)" in first.output
    assert len(reception_slots(world.ward.id)) > 0 and len(reception_slots(world.other_ward.id)) > 0
    again = runner.invoke(args=["reception", "generate"])
    assert again.exit_code == 0 and "0 created" in again.output
    one = runner.invoke(args=["reception", "generate", "--ward", world.ward.slug])
    assert "0 created in 1 ward(s)" in one.output
    unknown = runner.invoke(args=["reception", "generate", "--ward", "phuong-khong-co"])
    assert unknown.exit_code != 0 and "phuong-khong-co" in unknown.output


# ---------------------------------------------------------------- booking a slot


def test_resident_books_one_slot_with_a_topic_and_no_second(client, world: World):
    first, second = make_slot(world), make_slot(world, timedelta(days=3, minutes=30))
    db.session.commit()
    login_as(client, world.resident)
    page = text_of(client.get(public_url(world), headers=EN))
    assert "Your topic for the chairman" in page
    assert f'formaction="{book_url(first)}"' in page and f'formaction="{book_url(second)}"' in page

    response = post_form(client, book_url(first), {"question": "Xin phép sửa nhà"}, headers=EN)
    booking = db.session.execute(sa.select(Booking)).scalar_one()
    assert response.headers["Location"] == f"/bookings/{booking.code}"
    assert booking.status == BookingStatus.CONFIRMED and booking.question == "Xin phép sửa nhà"
    assert booking.session_kind == SessionKind.RECEPTION
    confirmation = text_of(client.get(response.headers["Location"], headers=EN))
    assert "Your topic" in confirmation and "Xin phép sửa nhà" in confirmation

    page = text_of(client.get(public_url(world), headers=EN))
    assert "You already have a reception booking" in page
    assert book_url(first) not in page  # taken: no longer open

    response = post_form(client, book_url(second), {"question": "Việc khác"}, headers=EN)
    assert response.status_code == 409
    assert "You already have an open reception booking. Cancel it to book another." in text_of(
        response
    )
    assert db.session.execute(sa.select(sa.func.count(Booking.id))).scalar_one() == 1
    db.session.refresh(second)
    assert second.seats_taken == 0


def test_a_taken_slot_cannot_be_booked_by_someone_else(client, world: World):
    slot = make_slot(world)
    services.book(slot, user=make_user(Role.RESIDENT, world.ward), question="Đất đai")
    db.session.commit()
    login_as(client, world.resident)
    response = post_form(client, book_url(slot), {"question": "Việc của tôi"}, headers=EN)
    assert response.status_code == 409
    assert "This reception slot has just been taken." in text_of(response)
    assert db.session.execute(sa.select(sa.func.count(Booking.id))).scalar_one() == 1


def test_no_topic_gives_a_clear_message_and_saves_nothing(client, world: World):
    slot = make_slot(world)
    db.session.commit()
    login_as(client, world.resident)
    response = post_form(client, book_url(slot), {"question": "   "}, headers=EN)
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"], headers=EN))
    assert "Please say what you want to raise with the chairman." in page
    assert db.session.execute(sa.select(Booking)).first() is None
    db.session.refresh(slot)
    assert slot.seats_taken == 0


def test_anonymous_visitors_see_the_hours_and_are_asked_to_log_in(client, world: World):
    tuesday_mornings(world)
    slot = make_slot(world)
    db.session.commit()
    page = text_of(client.get(public_url(world), headers=EN))
    assert "Log in to book" in page and "Tuesday" in page
    assert book_url(slot) not in page
    assert client.get(public_url(world)).status_code == 200  # Vietnamese by default
    ward_page = text_of(client.get(f"/wards/{world.ward.slug}", headers=EN))
    assert public_url(world) in ward_page


# ---------------------------------------------------------------- blocking


def test_blocking_a_booked_slot_tells_the_resident_and_it_is_not_made_again(client, world: World):
    tuesday_mornings(world)
    assert reception.generate_slots(world.ward.id, now=NOW) == 24
    slot, other = reception_slots(world.ward.id)[:2]
    booking = services.book(slot, user=world.resident, question="Giấy phép xây dựng")
    db.session.commit()

    login_as(client, world.staff)
    staff_page = text_of(client.get("/staff/reception", headers=EN))
    assert "Hoàng Thị Dân" in staff_page and "Giấy phép xây dựng" in staff_page
    assert "091••••678" in staff_page and "0912345678" not in staff_page

    response = post_form(
        client,
        f"/staff/reception/slots/{slot.id}/block",
        {"reason": "Chủ tịch họp Thành ủy"},
        headers=EN,
    )
    assert response.status_code == 302
    db.session.refresh(slot)
    db.session.refresh(booking)
    assert slot.status == SessionStatus.CANCELLED
    assert booking.status == BookingStatus.CANCELLED
    message = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "booking_cancelled")
    ).scalar_one()
    assert "Chủ tịch họp Thành ủy" in message.body
    assert message.user_id == world.resident.id

    login_as(client, make_user(Role.RESIDENT, world.ward))
    public = text_of(client.get(public_url(world)))
    assert book_url(slot) not in public and book_url(other) in public
    assert reception.generate_slots(world.ward.id, now=NOW) == 0
    assert len(reception_slots(world.ward.id)) == 24


def test_block_slot_needs_a_reason(client, world: World):
    slot = make_slot(world)
    db.session.commit()
    login_as(client, world.staff)
    response = post_form(
        client, f"/staff/reception/slots/{slot.id}/block", {"reason": ""}, headers=EN
    )
    page = text_of(client.get(response.headers["Location"], headers=EN))
    assert "Please give the reason." in page
    db.session.refresh(slot)
    assert slot.status == SessionStatus.PUBLISHED


def test_block_day_cancels_that_days_slots_only(client, world: World):
    tuesday_mornings(world)
    reception.save_schedule(world.staff, FRIDAY, time(8), time(9), 30, "Phòng 1")
    assert reception.generate_slots(world.ward.id, now=NOW) == 24 + 4 * 2
    booked = next(s for s in reception_slots(world.ward.id) if s.starts_at.day == 8)
    services.book(booked, user=world.resident, question="Hộ khẩu")
    db.session.commit()

    login_as(client, world.chairman)
    response = post_form(
        client,
        "/staff/reception/block-day",
        {"day": "2030-10-08", "reason": "Tiếp đoàn kiểm tra"},
        headers=EN,
    )
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"], headers=EN))
    assert "6 slots blocked" in page
    by_day: dict[date, set] = {}
    for slot in reception_slots(world.ward.id):
        by_day.setdefault(slot.starts_at.date(), set()).add(slot.status)
    assert by_day.pop(date(2030, 10, 8)) == {SessionStatus.CANCELLED}
    assert all(statuses == {SessionStatus.PUBLISHED} for statuses in by_day.values())
    kinds = db.session.execute(sa.select(OutboxMessage.kind, OutboxMessage.body)).all()
    assert [k for k, body in kinds if k == "booking_cancelled" and "Tiếp đoàn" in body]


def test_blocking_a_day_not_generated_yet_keeps_it_free(world: World):
    tuesday_mornings(world)
    far = date(2030, 11, 19)  # a Tuesday seven weeks ahead, beyond the generated four
    assert reception.block_day(world.staff, world.ward.id, far, "Nghỉ phép", now=NOW) == 6
    assert reception.generate_slots(world.ward.id, weeks=8, now=NOW) == 7 * 6
    on_that_day = [s for s in reception_slots(world.ward.id) if s.starts_at.date() == far]
    assert {s.status for s in on_that_day} == {SessionStatus.CANCELLED}
    assert reception.open_slots(world.ward.id, NOW)[0].starts_at.date() == date(2030, 10, 1)
    assert all(s.starts_at.date() != far for s in reception.open_slots(world.ward.id, NOW))
    # a day without reception blocks nothing; a past day is refused
    assert reception.block_day(world.staff, world.ward.id, date(2030, 10, 2), "x", now=NOW) == 0
    with pytest.raises(DomainError):
        reception.block_day(world.staff, world.ward.id, date(2030, 9, 24), "x", now=NOW)


# ---------------------------------------------------------------- who may do what


def test_other_wards_staff_get_403(client, world: World):
    schedule = tuesday_mornings(world)
    slot = make_slot(world)
    db.session.commit()
    login_as(client, world.staff_other)
    assert (
        post_form(client, f"/staff/reception/slots/{slot.id}/block", {"reason": "x"}).status_code
        == 403
    )
    assert (
        post_form(client, f"/staff/reception/schedules/{schedule.id}/deactivate").status_code == 403
    )
    page = text_of(client.get("/staff/reception", headers=EN))
    assert "Phòng tiếp công dân, UBND phường Bồ Đề" not in page
    db.session.refresh(slot)
    db.session.refresh(schedule)
    assert slot.status == SessionStatus.PUBLISHED and schedule.active


def test_conference_is_not_a_reception_slot(client, world: World):
    conference = make_conference(world.ward)
    db.session.commit()
    login_as(client, world.staff)
    response = post_form(client, f"/staff/reception/slots/{conference.id}/block", {"reason": "x"})
    assert response.status_code == 404


def test_supervisor_may_look_but_not_change(client, world: World):
    schedule = tuesday_mornings(world)
    make_slot(world)
    db.session.commit()
    login_as(client, world.supervisor)
    page = text_of(client.get("/staff/reception", headers=EN))
    assert "Tuesday" in page and "Add a weekly reception time" not in page
    assert "/staff/reception/generate" not in page
    for path, data in [
        ("/staff/reception/generate", {}),
        ("/staff/reception/schedules", {"weekday": "4"}),
        (f"/staff/reception/schedules/{schedule.id}/deactivate", {}),
        ("/staff/reception/block-day", {"day": "2030-10-01", "reason": "x"}),
    ]:
        assert post_form(client, path, data).status_code == 403
    assert reception_slots(world.ward.id)[0].status == SessionStatus.PUBLISHED


def test_staff_stop_a_weekly_time(client, world: World):
    schedule = tuesday_mornings(world)
    db.session.commit()
    login_as(client, world.staff)
    response = post_form(client, f"/staff/reception/schedules/{schedule.id}/deactivate")
    assert response.status_code == 302
    db.session.refresh(schedule)
    assert not schedule.active
    again = post_form(client, f"/staff/reception/schedules/{schedule.id}/deactivate", headers=EN)
    assert "already stopped" in text_of(client.get(again.headers["Location"], headers=EN))


# ---------------------------------------------------------------- forms speak the language


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start_time": "8h sáng"}, "Enter a time, e.g. 08:00."),
        ({"end_time": "25:00"}, "Enter a time, e.g. 08:00."),
        ({"start_time": ""}, "Enter the start and end times."),
        ({"end_time": "07:00"}, "The end must be after the start."),
        ({"slot_minutes": "5"}, "Enter between 10 and 120 minutes per person."),
        ({"slot_minutes": "mười"}, "Enter a whole number."),
        ({"weekday": "9"}, "Choose a day of the week."),
        ({"weekday": ""}, "Choose a day of the week."),
        ({"venue": ""}, "Enter the venue."),
    ],
)
def test_bad_schedule_input_gets_a_translated_message(client, world: World, data, message):
    login_as(client, world.staff)
    form = {
        "weekday": "1",
        "start_time": "08:00",
        "end_time": "11:00",
        "slot_minutes": "20",
        "venue": "Phòng 1",
        **data,
    }
    response = post_form(client, "/staff/reception/schedules", form, headers=EN)
    assert response.status_code == 422
    assert message in text_of(response)
    vi = text_of(post_form(client, "/staff/reception/schedules", form))
    assert "Not a valid" not in vi and "This field is required" not in vi
    assert db.session.execute(sa.select(ReceptionSchedule)).first() is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "hôm qua"}, "Enter a date, e.g. 2026-12-05."),
        ({"day": "2030-02-30"}, "Enter a date, e.g. 2026-12-05."),
        ({"day": ""}, "Enter the day to block."),
        ({"day": "2020-01-07"}, "Choose today or a later day."),
        ({"reason": ""}, "Please give the reason."),
    ],
)
def test_bad_block_day_input_gets_a_translated_message(client, world: World, data, message):
    login_as(client, world.staff)
    form = {"day": "2099-01-06", "reason": "Nghỉ", **data}
    response = post_form(client, "/staff/reception/block-day", form, headers=EN)
    assert response.status_code == 422
    assert message in text_of(response)
    vi = text_of(post_form(client, "/staff/reception/block-day", form))
    assert "Not a valid" not in vi and "This field is required" not in vi
