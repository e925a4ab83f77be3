"""Citizen reception: staff book a slot for a caller or walk-in; a booking is moved to another
free slot in one transaction (the old seat freed, the new one taken, the holder told), and two
people moving into the last free slot at once: one wins, the other keeps their booking."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as, make_conference, make_user, post_form, text_of

from portal.auth.models import Role
from portal.db import write_intent
from portal.dialogues import reception, services
from portal.dialogues.models import Booking, BookingStatus, DialogueSession, SessionKind
from portal.domain import PermissionDenied, StateConflict
from portal.extensions import db
from portal.notifications.models import OutboxMessage

EN = {"Accept-Language": "en"}


def make_slot(world: World, days: float = 3) -> DialogueSession:
    return make_conference(
        world.ward,
        kind=SessionKind.RECEPTION,
        capacity=1,
        starts_in=timedelta(days=days),
        title=reception.SLOT_TITLE,
    )


def seats(slot_id: int) -> int:
    return db.session.execute(
        sa.select(DialogueSession.seats_taken).where(DialogueSession.id == slot_id)
    ).scalar_one()


def outbox(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.execute(sa.select(OutboxMessage).where(OutboxMessage.kind == kind)).scalars()
    )


# ---------------------------------------------------------------- booking for a caller


def test_staff_book_a_reception_slot_for_a_caller(client, world: World):
    slot = make_slot(world)
    db.session.commit()
    login_as(client, world.staff)
    response = post_form(
        client,
        f"/staff/reception/slots/{slot.id}/book",
        {"guest_name": "Ông Gọi Điện", "guest_phone": "0987 654 321", "question": "Đất đai"},
        headers=EN,
        follow_redirects=True,
    )
    assert "The caller is booked." in text_of(response)
    booking = db.session.execute(sa.select(Booking)).scalar_one()
    assert (booking.guest_name, booking.guest_phone) == ("Ông Gọi Điện", "+84987654321")
    assert booking.session_id == slot.id and booking.status == BookingStatus.CONFIRMED
    assert seats(slot.id) == 1
    assert "+84987654321" in [m.address for m in outbox("booking_confirmed")]
    # The slot is now taken: a second caller is refused, nothing is booked.
    response = post_form(
        client,
        f"/staff/reception/slots/{slot.id}/book",
        {"guest_name": "Bà Khác", "guest_phone": "0987 111 222", "question": "Môi trường"},
        headers=EN,
        follow_redirects=True,
    )
    assert "This reception slot has just been taken." in text_of(response)
    assert db.session.execute(sa.select(sa.func.count(Booking.id))).scalar_one() == 1


def test_a_caller_booking_needs_a_topic_and_a_resident_may_not_book_for_others(world: World):
    slot = make_slot(world)
    with pytest.raises(Exception) as error:
        services.book(
            slot, guest_name="Ông A", guest_phone="0987654321", question="", booked_by=world.staff
        )
    assert "question" in error.value.errors
    with pytest.raises(PermissionDenied):
        services.book(
            slot,
            guest_name="Ông A",
            guest_phone="0987654321",
            question="Đất",
            booked_by=world.resident,
        )


# ---------------------------------------------------------------- moving


def test_the_holder_moves_a_booking_the_old_slot_is_freed_and_they_are_told(world: World):
    old, new = make_slot(world, 3), make_slot(world, 4)
    booking = services.book(old, user=world.resident, question="Cấp phép xây dựng")
    db.session.commit()
    services.move_booking(world.resident, booking, new)
    db.session.commit()
    assert booking.session_id == new.id and booking.status == BookingStatus.CONFIRMED
    assert (seats(old.id), seats(new.id)) == (0, 1)
    moved = outbox("booking_moved")
    assert [m.user_id for m in moved] == [world.resident.id]
    assert booking.code in moved[0].body
    # The freed slot is bookable again.
    other = make_user(Role.RESIDENT, world.ward)
    assert services.book(old, user=other, question="Khác").status == BookingStatus.CONFIRMED


def test_moving_into_a_taken_slot_is_refused_and_nothing_is_lost(world: World):
    old, taken = make_slot(world, 3), make_slot(world, 4)
    booking = services.book(old, user=world.resident, question="Đất đai")
    services.book(taken, user=make_user(Role.RESIDENT, world.ward), question="Khác")
    db.session.commit()
    with pytest.raises(StateConflict) as error:
        services.move_booking(world.resident, booking, taken)
    assert "vừa có người đăng ký" in str(error.value)  # Vietnamese, the default language
    db.session.rollback()
    db.session.refresh(booking)
    assert booking.session_id == old.id and booking.status == BookingStatus.CONFIRMED
    assert (seats(old.id), seats(taken.id)) == (1, 1)
    assert outbox("booking_moved") == []


def test_who_may_move_a_booking(world: World):
    old, new = make_slot(world, 3), make_slot(world, 4)
    booking = services.book(old, user=world.resident, question="Đất đai")
    db.session.commit()
    for outsider in (world.supervisor, world.staff_other, make_user(Role.RESIDENT, world.ward)):
        with pytest.raises(PermissionDenied):
            services.move_booking(outsider, booking, new)
    services.move_booking(world.staff, booking, new)  # the ward's officers may
    assert booking.session_id == new.id
    # A conference booking is never moved.
    conference = make_conference(world.ward)
    seat = services.book(conference, user=world.resident)
    with pytest.raises(PermissionDenied):
        services.move_booking(world.resident, seat, old)


def test_moving_from_the_page(client, world: World):
    old, new = make_slot(world, 3), make_slot(world, 4)
    booking = services.book(old, user=world.resident, question="Đất đai")
    db.session.commit()
    login_as(client, world.resident)
    page = client.get(f"/bookings/{booking.code}/move", headers=EN)
    assert page.status_code == 200
    assert f'value="{new.id}"' in text_of(page) and f'value="{old.id}"' not in text_of(page)
    response = post_form(
        client, f"/bookings/{booking.code}/move", {"slot_id": str(new.id)}, headers=EN
    )
    assert response.status_code == 302
    db.session.refresh(booking)
    assert booking.session_id == new.id
    # Into a slot taken meanwhile: refused with the reason, the booking keeps its slot.
    taken = make_slot(world, 5)
    services.book(taken, user=make_user(Role.RESIDENT, world.ward), question="Khác")
    db.session.commit()
    response = post_form(
        client, f"/bookings/{booking.code}/move", {"slot_id": str(taken.id)}, headers=EN
    )
    assert response.status_code == 409
    assert "This reception slot has just been taken. Your booking keeps its slot." in text_of(
        response
    )
    db.session.refresh(booking)
    assert booking.session_id == new.id
    # A slot id that is not a free slot of the ward: the form says so, nothing changes.
    response = post_form(client, f"/bookings/{booking.code}/move", {"slot_id": "999"}, headers=EN)
    assert response.status_code == 422
    assert "Choose one of the listed slots." in text_of(response)


def test_two_people_moving_into_the_last_free_slot_at_once(app, world: World):
    """Two residents, each with a booking, move into the same free slot in two threads (two
    workers): one gets it, the other is refused and keeps their own booking."""
    first_slot, second_slot, last = make_slot(world, 3), make_slot(world, 4), make_slot(world, 5)
    other = make_user(Role.RESIDENT, world.ward)
    mine = services.book(first_slot, user=world.resident, question="Đất đai")
    theirs = services.book(second_slot, user=other, question="Môi trường")
    db.session.commit()
    pairs = [(world.resident.id, mine.id), (other.id, theirs.id)]
    barrier = threading.Barrier(2, timeout=30)
    results: list = []
    last_id = last.id

    def worker(user_id: int, booking_id: int) -> None:
        from portal.auth.models import User

        with app.app_context():
            try:
                barrier.wait(timeout=30)
                with write_intent():
                    user = db.session.get(User, user_id)
                    booking = db.session.get(Booking, booking_id)
                    slot = db.session.get(DialogueSession, last_id)
                    services.move_booking(user, booking, slot)
                    db.session.commit()
                    results.append("moved")
            except StateConflict:
                db.session.rollback()
                results.append("refused")
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                results.append(f"CRASH {type(error).__name__}: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["moved", "refused"]
    db.session.rollback()  # see the threads' work
    slots = {b.id: b.session_id for b in db.session.execute(sa.select(Booking)).scalars()}
    assert sorted(slots.values()).count(last_id) == 1
    winner = next(b for b, s in slots.items() if s == last_id)
    loser = mine.id if winner == theirs.id else theirs.id
    assert slots[loser] in (first_slot.id, second_slot.id)  # kept their own slot
    assert seats(last_id) == 1
    assert seats(first_slot.id) + seats(second_slot.id) == 1
    assert len(outbox("booking_moved")) == 1
