"""No overbooking, ever: real threads racing on SQLite and PostgreSQL.

Each thread has its own application context, database session and connection, as a
gunicorn worker thread would; they start together at a barrier.
"""

from __future__ import annotations

import threading
from collections import Counter

import sqlalchemy as sa
from conftest import World, make_conference, make_user
from flask_babel import force_locale

from portal.auth.models import Role, User
from portal.db import write_intent
from portal.dialogues import services
from portal.dialogues.models import Booking, BookingStatus, DialogueSession
from portal.domain import DomainError, Refusal
from portal.extensions import db


def race(app, n: int, action) -> Counter:
    """Run `action(i)` in n threads at once; count the outcomes (never an exception)."""
    barrier = threading.Barrier(n)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def worker(i: int) -> None:
        with app.app_context(), force_locale("en"):
            barrier.wait()
            try:
                with write_intent():
                    result = action(i)
                    db.session.commit()
                outcome = result
            except (DomainError, Refusal) as error:
                db.session.rollback()
                outcome = f"refused: {error.message}"
            except Exception as error:  # noqa: BLE001 - any crash is a failure to report
                db.session.rollback()
                outcome = f"CRASH {type(error).__name__}: {error}"
            finally:
                db.session.remove()
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def statuses(session_id: int) -> Counter:
    db.session.rollback()  # end this thread's read snapshot (SQLite WAL) to see the others' work
    return Counter(
        db.session.execute(
            sa.select(Booking.status).where(Booking.session_id == session_id)
        ).scalars()
    )


def test_fifty_residents_race_for_the_last_seat(app, world: World):
    conference = make_conference(world.ward, capacity=10)
    for _ in range(9):
        services.book(conference, user=make_user(Role.RESIDENT, world.ward))
    racers = [make_user(Role.RESIDENT, world.ward) for _ in range(50)]
    db.session.commit()
    session_id, racer_ids = conference.id, [r.id for r in racers]

    def book(i: int) -> str:
        session = db.session.get(DialogueSession, session_id)
        booking = services.book(session, user=db.session.get(User, racer_ids[i]))
        return booking.status.value

    outcomes = race(app, 50, book)
    assert not [o for o in outcomes if str(o).startswith("CRASH")], outcomes
    assert outcomes == {"confirmed": 1, "waiting": 49}
    assert statuses(session_id) == {"confirmed": 10, "waiting": 49}
    seats = db.session.get(DialogueSession, session_id)
    assert seats.seats_taken == 10 == seats.capacity


def test_twenty_double_submits_give_one_booking(app, world: World):
    conference = make_conference(world.ward, capacity=5)
    db.session.commit()
    session_id, user_id = conference.id, world.resident.id

    def book(_i: int) -> str:
        session = db.session.get(DialogueSession, session_id)
        return services.book(session, user=db.session.get(User, user_id)).status.value

    outcomes = race(app, 20, book)
    assert not [o for o in outcomes if str(o).startswith("CRASH")], outcomes
    assert outcomes["confirmed"] == 1
    assert sum(n for o, n in outcomes.items() if "already booked" in str(o)) == 19
    assert statuses(session_id) == {"confirmed": 1}
    assert db.session.get(DialogueSession, session_id).seats_taken == 1


def test_cancellations_racing_never_push_seats_out_of_range(app, world: World):
    conference = make_conference(world.ward, capacity=5)
    holders = [make_user(Role.RESIDENT, world.ward) for _ in range(5)]
    waiters = [make_user(Role.RESIDENT, world.ward) for _ in range(10)]
    booked = [services.book(conference, user=u) for u in holders]
    for user in waiters:
        services.book(conference, user=user)
    db.session.commit()
    session_id = conference.id
    pairs = [(b.id, b.user_id) for b in booked]

    def cancel(i: int) -> str:
        booking_id, user_id = pairs[i % 5]
        booking = db.session.get(Booking, booking_id)
        services.cancel_booking(db.session.get(User, user_id), booking)
        return "cancelled"

    outcomes = race(app, 15, cancel)  # each booking cancelled three times at once
    assert not [o for o in outcomes if str(o).startswith("CRASH")], outcomes
    assert outcomes["cancelled"] == 5
    counts = statuses(session_id)
    assert counts == {"cancelled": 5, "confirmed": 5, "waiting": 5}
    session = db.session.get(DialogueSession, session_id)
    assert session.seats_taken == 5
    # the promoted ones are the first five who waited
    promoted = db.session.execute(
        sa.select(Booking.user_id).where(
            Booking.session_id == session_id, Booking.status == BookingStatus.CONFIRMED
        )
    ).scalars()
    assert set(promoted) == {u.id for u in waiters[:5]}


def test_residents_joining_the_waiting_list_at_once_are_told_their_own_places(app, world):
    """Thirty residents join a full conference's waiting list at the same moment: each is
    told (in the waiting-list message) the place the list gives them, 1 to 30, no number
    twice (without the session's row lock two of them counted the queue at once)."""
    from portal.notifications.models import OutboxMessage

    conference = make_conference(world.ward, capacity=1)
    services.book(conference, user=make_user(Role.RESIDENT, world.ward))
    racers = [make_user(Role.RESIDENT, world.ward, locale="en") for _ in range(30)]
    db.session.commit()
    session_id, racer_ids = conference.id, [r.id for r in racers]

    def book(i: int) -> str:
        session = db.session.get(DialogueSession, session_id)
        return services.book(session, user=db.session.get(User, racer_ids[i])).status.value

    outcomes = race(app, 30, book)
    assert outcomes == {"waiting": 30}, outcomes
    db.session.rollback()
    waiting = db.session.execute(
        sa.select(Booking.id)
        .where(Booking.session_id == session_id, Booking.status == BookingStatus.WAITING)
        .order_by(Booking.id)
    ).scalars()
    told = {
        about: body
        for about, body in db.session.execute(
            sa.select(OutboxMessage.about, OutboxMessage.body).where(
                OutboxMessage.kind == "booking_waitlisted"
            )
        )
    }
    places = [
        int(told[f"booking:{booking_id}"].split("You are number ")[1].split()[0])
        for booking_id in waiting
    ]
    assert places == list(range(1, 31))
