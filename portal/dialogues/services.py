"""Dialogue conferences and reception slots: lifecycle, booking without overbooking,
the waiting list, check-in. Services flush, never commit; the view commits once.

No overbooking, with any number of workers or servers: a seat is taken by a conditional
UPDATE of the session's counter (`seats_taken < capacity - walk_in_seats`), which the
database evaluates under its row lock (PostgreSQL) or its write lock (SQLite, BEGIN
IMMEDIATE), and "one active booking per resident per session" is a partial unique index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, joinedload

from portal.audit import services as audit
from portal.auth.models import User
from portal.auth.phones import InvalidPhone, normalize_phone
from portal.codes import new_code, normalize_code
from portal.db import utcnow
from portal.dialogues import messages, policy
from portal.dialogues.models import (
    DEFAULT_REMINDER_HOURS,
    REMINDER_HOURS,
    Booking,
    BookingStatus,
    DialogueSession,
    Question,
    SessionKind,
    SessionMode,
    SessionStatus,
    WalkInOverride,
)
from portal.dialogues.policy import BookingAction, ConferenceAction, SlotAction
from portal.domain import DomainError, PermissionDenied, Problems, StateConflict
from portal.extensions import db
from portal.paging import Page, paginate
from portal.security import is_officer_of

NOTICE_DAYS = 7  # publish at least 7 days before (Law on Local Government, Art. 43)
RESULTS_DAYS = 10  # publish results within 10 days after
QUESTION_MAX = 2000


# ---------------------------------------------------------------- creating and editing


@dataclass
class SessionInput:
    title: str
    agenda: str
    mode: SessionMode | str
    venue: str
    online_url: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    walk_in_seats: int = 0
    reminder_hours: int = DEFAULT_REMINDER_HOURS
    booking_opens_at: datetime | None = None
    booking_closes_at: datetime | None = None
    residential_groups: str = ""
    co_organiser: str = ""


def check_officer(actor: User, ward_id: int) -> None:
    """For what is not one item's lifecycle (a new conference, the weekly reception times):
    only the ward's officers and chairman."""
    if not is_officer_of(actor, ward_id):
        raise PermissionDenied(_l("Only the ward's officers and chairman may do this."))


def _validate(data: SessionInput, taken: int = 0) -> dict:
    problems = Problems()
    title = " ".join((data.title or "").split())
    if not title:
        problems.add("title", _l("Please enter a title."))
    elif len(title) > 200:
        problems.add("title", _l("At most %(max)d characters.", max=200))
    try:
        mode = SessionMode(data.mode)
    except ValueError:
        mode = None
        problems.add("mode", _l("Choose how the conference is held."))
    if mode in (SessionMode.IN_PERSON, SessionMode.HYBRID) and not (data.venue or "").strip():
        problems.add("venue", _l("Enter the venue."))
    url = (data.online_url or "").strip()
    if mode in (SessionMode.ONLINE, SessionMode.HYBRID) and not url:
        problems.add("online_url", _l("Enter the link to join online."))
    if url and not url.startswith(("https://", "http://")):
        problems.add("online_url", _l("The link must start with https://."))
    if not data.starts_at or not data.ends_at:
        problems.add("starts_at", _l("Enter when it starts and ends."))
    elif data.ends_at <= data.starts_at:
        problems.add("ends_at", _l("The end must be after the start."))
    if data.capacity is None or data.capacity < 1 or data.capacity > 100_000:
        problems.add("capacity", _l("Enter a capacity between 1 and 100000."))
    walk_in = data.walk_in_seats or 0
    if data.capacity and (walk_in < 0 or walk_in > data.capacity):
        problems.add("walk_in_seats", _l("Seats for walk-ins cannot exceed the capacity."))
    if data.capacity and data.capacity - walk_in < taken:
        problems.add(
            "capacity",
            _l("%(n)d places are already booked; the bookable seats cannot be fewer.", n=taken),
        )
    if data.reminder_hours not in REMINDER_HOURS:
        problems.add("reminder_hours", _l("Choose when those booked are reminded."))
    opens, closes = data.booking_opens_at, data.booking_closes_at
    if opens and closes and closes <= opens:
        problems.add("booking_closes_at", _l("Booking must close after it opens."))
    if closes and data.starts_at and closes > data.starts_at:
        problems.add("booking_closes_at", _l("Booking must close before the start."))
    problems.raise_if_any()
    return {
        "title": title,
        "agenda": (data.agenda or "").strip(),
        "mode": mode,
        "venue": (data.venue or "").strip(),
        "online_url": url,
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "capacity": data.capacity,
        "walk_in_seats": walk_in,
        "reminder_hours": data.reminder_hours,
        "booking_opens_at": opens,
        "booking_closes_at": closes,
        "residential_groups": (data.residential_groups or "").strip(),
        "co_organiser": (data.co_organiser or "").strip(),
    }


def create_conference(actor: User, data: SessionInput) -> DialogueSession:
    """A staff member or the chairman drafts a conference for their ward."""
    check_officer(actor, actor.ward_id)
    session = DialogueSession(
        ward_id=actor.ward_id,
        kind=SessionKind.CONFERENCE,
        status=SessionStatus.DRAFT,
        created_by_id=actor.id,
        seats_taken=0,
        walk_ins=0,
        **_validate(data),
    )
    db.session.add(session)
    db.session.flush()
    return session


def update_conference(actor: User, session: DialogueSession, data: SessionInput) -> None:
    """Edit a draft or published conference; capacity never drops below what is booked."""
    policy.require_session(actor, session, ConferenceAction.EDIT)
    for key, value in _validate(data, taken=session.seats_taken).items():
        setattr(session, key, value)
    db.session.flush()
    if session.status == SessionStatus.PUBLISHED:
        promote_waiting(session)  # more seats may free places for the waiting list


def notice_is_short(session: DialogueSession, now: datetime | None = None) -> bool:
    return session.starts_at - (now or utcnow()) < timedelta(days=NOTICE_DAYS)


def publish(actor: User, session: DialogueSession, *, confirm_late: bool = False, now=None) -> None:
    """Publish a draft. Later than 7 days before the start needs an explicit confirmation,
    which is recorded."""
    now = now or utcnow()
    policy.require_session(actor, session, ConferenceAction.PUBLISH, now)
    late = notice_is_short(session, now)
    if late and not confirm_late:
        raise DomainError(
            _l(
                "The law asks for notice at least %(days)d days before. Tick the confirmation "
                "to publish anyway; it will be recorded.",
                days=NOTICE_DAYS,
            ),
            "confirm_late",
        )
    session.status = SessionStatus.PUBLISHED
    session.published_at = now
    session.published_by_id = actor.id
    session.late_notice = late


def cancel_reason(reason: str) -> str:
    """The reason given to everyone booked: required, at most 500 characters."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Please give the reason."), "reason")
    if len(reason) > 500:
        raise DomainError(_l("At most %(max)d characters.", max=500), "reason")
    return reason


def cancel_session(actor: User, session: DialogueSession, reason: str, now=None) -> int:
    """Cancel a conference; everyone booked or waiting is told. Returns how many were told."""
    now = now or utcnow()
    policy.require_session(actor, session, ConferenceAction.CANCEL, now)
    return close_session(actor, session, cancel_reason(reason), now)


def close_session(actor: User, session: DialogueSession, reason: str, now: datetime) -> int:
    """Cancel a conference or block a reception slot, its action already required: every
    booking is cancelled and its holder told why. Returns how many were told."""
    session.status = SessionStatus.CANCELLED
    session.cancelled_at = now
    session.cancel_reason = reason
    bookings = _bookings(session, BookingStatus.CONFIRMED, BookingStatus.WAITING)
    for booking in bookings:
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by_id = actor.id
        booking.cancel_reason = reason
        messages.notify(booking, "booking_cancelled", reason=reason)
    session.seats_taken = 0
    db.session.flush()
    return len(bookings)


def mark_held(actor: User, session: DialogueSession, now=None) -> int:
    """After the session: it was held; booked people who did not arrive become no-shows."""
    now = now or utcnow()
    policy.require_session(actor, session, ConferenceAction.MARK_HELD, now)
    session.status = SessionStatus.HELD
    session.held_at = now
    no_shows = db.session.execute(
        sa.update(Booking)
        .where(Booking.session_id == session.id, Booking.status == BookingStatus.CONFIRMED)
        .values(status=BookingStatus.NO_SHOW)
    ).rowcount
    db.session.execute(
        sa.update(Booking)
        .where(Booking.session_id == session.id, Booking.status == BookingStatus.WAITING)
        .values(status=BookingStatus.CANCELLED, cancelled_at=now)
    )
    db.session.flush()
    return no_shows


def results_overdue(session: DialogueSession, now=None) -> bool:
    """Held, and no results published within 10 days of the end."""
    now = now or utcnow()
    return session.status == SessionStatus.HELD and now - session.ends_at > timedelta(
        days=RESULTS_DAYS
    )


# ---------------------------------------------------------------- booking


def _bookings(session: DialogueSession, *statuses: BookingStatus) -> list[Booking]:
    return list(
        db.session.execute(
            sa.select(Booking)
            .where(Booking.session_id == session.id, Booking.status.in_(statuses))
            .order_by(Booking.id)
        ).scalars()
    )


def _lock_for_booking(session_id: int) -> None:
    """One booking at a time per session: its row stays locked until the booking commits
    (PostgreSQL; SQLite's BEGIN IMMEDIATE already lets one writer in at a time). A seat's
    UPDATE would lock it anyway, but a resident joining a full conference's waiting list
    updates nothing: two joining at once would each count the queue without the other's
    uncommitted booking and both be told the same number (seen under a burst through two
    servers). Locked, they get their ids, and so their places, in the order they are told."""
    db.session.execute(
        sa.select(DialogueSession.id).where(DialogueSession.id == session_id).with_for_update()
    )


def _take_seat(session_id: int) -> bool:
    """Take one seat if one is left: a single conditional UPDATE, decided by the database."""
    result = db.session.execute(
        sa.update(DialogueSession)
        .where(
            DialogueSession.id == session_id,
            DialogueSession.status == SessionStatus.PUBLISHED,
            DialogueSession.seats_taken < DialogueSession.capacity - DialogueSession.walk_in_seats,
        )
        .values(seats_taken=DialogueSession.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _free_seat(session_id: int) -> None:
    db.session.execute(
        sa.update(DialogueSession)
        .where(DialogueSession.id == session_id, DialogueSession.seats_taken > 0)
        .values(seats_taken=DialogueSession.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def waiting_position(booking: Booking) -> int:
    return db.session.execute(
        sa.select(sa.func.count(Booking.id)).where(
            Booking.session_id == booking.session_id,
            Booking.status == BookingStatus.WAITING,
            Booking.id <= booking.id,
        )
    ).scalar_one()


def book(
    session: DialogueSession,
    *,
    user: User | None = None,
    guest_name: str = "",
    guest_phone: str = "",
    question: str = "",
    booked_by: User | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book a place for a resident (or, by staff, for a caller without an account).

    A full conference puts the resident on its waiting list; a taken reception slot is an
    error. Raises DomainError with a clear message; changes nothing then.
    """
    now = now or utcnow()
    if user is not None:
        policy.require_session(user, session, _book_action(session, caller=False), now)
    else:
        policy.require_session(booked_by, session, _book_action(session, caller=True), now)
    question = (question or "").strip()
    problems = Problems()
    if len(question) > QUESTION_MAX:
        problems.add("question", _l("At most %(max)d characters.", max=QUESTION_MAX))
    if session.kind == SessionKind.RECEPTION and not question:
        problems.add("question", _l("Please say what you want to raise with the chairman."))
    if user is None:
        guest_name = " ".join((guest_name or "").split())
        if not guest_name or len(guest_name) > 120:
            problems.add("guest_name", _l("Enter the caller's full name."))
        try:
            guest_phone = normalize_phone(guest_phone)
        except InvalidPhone:
            problems.add(
                "guest_phone",
                _l("Enter a valid Vietnamese mobile number, for example 0912 345 678."),
            )
    problems.raise_if_any()
    if user is not None and session.kind == SessionKind.RECEPTION:
        _close_past_reception_bookings(user, now)

    _lock_for_booking(session.id)
    for _attempt in range(5):
        try:
            with db.session.begin_nested():
                confirmed = _take_seat(session.id)
                if not confirmed and session.kind == SessionKind.RECEPTION:
                    raise StateConflict(_l("This reception slot has just been taken."))
                booking = Booking(
                    ward_id=session.ward_id,
                    session_id=session.id,
                    session_kind=session.kind,
                    user_id=user.id if user else None,
                    guest_name=guest_name if user is None else "",
                    guest_phone=guest_phone if user is None else "",
                    code=new_code(),
                    status=BookingStatus.CONFIRMED if confirmed else BookingStatus.WAITING,
                    question=question,
                    booked_by_id=booked_by.id if booked_by else None,
                )
                db.session.add(booking)
                db.session.flush()
        except sa.exc.IntegrityError as error:
            if "code" in str(error.orig).lower() and "user" not in str(error.orig).lower():
                continue  # two codes collided (1 in 10^12): draw another
            if session.kind == SessionKind.RECEPTION and _has_open_reception(user):
                raise StateConflict(
                    _l("You already have an open reception booking. Cancel it to book another.")
                ) from error
            raise StateConflict(_l("You have already booked this session.")) from error
        break
    else:  # pragma: no cover - five collisions in a row
        raise DomainError(_l("Please try again."))

    if question and session.kind == SessionKind.CONFERENCE:
        db.session.add(
            Question(
                ward_id=session.ward_id, session_id=session.id, booking_id=booking.id, text=question
            )
        )
    db.session.refresh(session)
    if booking.status == BookingStatus.CONFIRMED:
        messages.notify(booking, "booking_confirmed")
    else:
        messages.notify(booking, "booking_waitlisted", position=waiting_position(booking))
    db.session.flush()
    return booking


def _book_action(session: DialogueSession, *, caller: bool):
    """Booking for oneself (a resident), or for a caller or walk-in (an officer)."""
    if session.kind == SessionKind.RECEPTION:
        return SlotAction.BOOK_FOR_CALLER if caller else SlotAction.BOOK
    return ConferenceAction.BOOK_FOR_CALLER if caller else ConferenceAction.BOOK


def _has_open_reception(user: User | None) -> bool:
    if user is None:
        return False
    return (
        db.session.execute(
            sa.select(Booking.id).where(
                Booking.user_id == user.id,
                Booking.session_kind == SessionKind.RECEPTION,
                Booking.status == BookingStatus.CONFIRMED,
            )
        ).first()
        is not None
    )


def _close_past_reception_bookings(user: User, now: datetime) -> None:
    """A reception booking whose slot is over is no longer open (nobody marked it)."""
    past = sa.select(DialogueSession.id).where(DialogueSession.starts_at <= now)
    db.session.execute(
        sa.update(Booking)
        .where(
            Booking.user_id == user.id,
            Booking.session_kind == SessionKind.RECEPTION,
            Booking.status == BookingStatus.CONFIRMED,
            Booking.session_id.in_(past),
        )
        .values(status=BookingStatus.NO_SHOW)
        .execution_options(synchronize_session=False)
    )


def cancel_booking(actor: User, booking: Booking, reason: str = "", now=None) -> Booking | None:
    """Cancel a booking until the start: its holder withdraws it, the ward's officers cancel
    any of the ward's (with a reason the holder is told). A freed seat goes to the first on
    the waiting list, who is told. Returns the promoted booking, if any."""
    now = now or utcnow()
    by_staff = is_officer_of(actor, booking.ward_id)
    action = BookingAction.CANCEL if by_staff else BookingAction.WITHDRAW
    policy.require_booking(actor, booking, action, now)
    reason = cancel_reason(reason) if by_staff else ""
    was_confirmed = _set_status(booking, BookingStatus.CONFIRMED, BookingStatus.CANCELLED)
    if not was_confirmed and not _set_status(
        booking, BookingStatus.WAITING, BookingStatus.CANCELLED
    ):
        raise StateConflict(_l("This booking is already cancelled."))
    db.session.execute(
        sa.update(Booking)
        .where(Booking.id == booking.id)
        .values(cancelled_at=now, cancelled_by_id=actor.id, cancel_reason=reason)
    )
    db.session.refresh(booking)
    if by_staff:
        messages.notify(booking, "booking_cancelled", reason=reason)
    promoted = None
    if was_confirmed:
        _free_seat(booking.session_id)
        promoted = promote_waiting(booking.session, now)
    db.session.flush()
    return promoted


def move_booking(
    actor: User, booking: Booking, slot: DialogueSession, now: datetime | None = None
) -> Booking:
    """Move a confirmed reception booking to another free slot of the ward: its holder or
    the ward's officers, until the old slot starts. In one transaction: the new slot's seat
    is taken by the same conditional UPDATE as a booking (decided by the database), the
    booking changes slot only if it is still where the actor saw it, and the old seat is
    freed. If the new slot has just been taken, StateConflict: nothing has changed and the
    booking keeps its slot. The holder is told (through the outbox)."""
    now = now or utcnow()
    policy.require_booking(actor, booking, BookingAction.MOVE, now)
    old = booking.session
    if slot.kind != SessionKind.RECEPTION or slot.ward_id != booking.ward_id:
        raise DomainError(_l("Choose one of the listed slots."), "slot_id")
    if slot.id == old.id:
        raise DomainError(_l("The booking is already in this slot: choose another."), "slot_id")
    closed = policy.booking_closed_reason(slot, now)
    if closed is not None:
        raise StateConflict(closed)
    # Both rows locked in id order (PostgreSQL), so two moves between the same two slots in
    # opposite directions queue instead of deadlocking; SQLite writers already queue.
    db.session.execute(
        sa.select(DialogueSession.id)
        .where(DialogueSession.id.in_((old.id, slot.id)))
        .order_by(DialogueSession.id)
        .with_for_update()
    )
    if not _take_seat(slot.id):
        raise StateConflict(
            _l("This reception slot has just been taken. Your booking keeps its slot.")
        )
    moved = db.session.execute(
        sa.update(Booking)
        .where(
            Booking.id == booking.id,
            Booking.session_id == old.id,
            Booking.status == BookingStatus.CONFIRMED,
        )
        .values(session_id=slot.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise StateConflict(_l("This booking has just changed. Please look at it again."))
    _free_seat(old.id)
    db.session.refresh(booking)
    db.session.refresh(old)
    db.session.refresh(slot)
    audit.note(target_type="booking", target_id=booking.id, from_slot=old.id, to_slot=slot.id)
    messages.notify(booking, "booking_moved", old_when=old.starts_at)
    db.session.flush()
    return booking


def _set_status(booking: Booking, old: BookingStatus, new: BookingStatus) -> bool:
    """Move a booking from one status to another only if it is still in the old one."""
    result = db.session.execute(
        sa.update(Booking)
        .where(Booking.id == booking.id, Booking.status == old)
        .values(status=new)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def promote_waiting(session: DialogueSession, now=None) -> Booking | None:
    """Give free seats to the waiting list, first come first served; tell each promoted one."""
    now = now or utcnow()
    first_promoted = None
    while True:
        query = (
            sa.select(Booking)
            .where(Booking.session_id == session.id, Booking.status == BookingStatus.WAITING)
            .order_by(Booking.id)
            .limit(1)
        )
        if db.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=Booking, skip_locked=True)
        waiting = db.session.execute(query).scalar_one_or_none()
        if waiting is None or not _take_seat(session.id):
            break
        if not _set_status(waiting, BookingStatus.WAITING, BookingStatus.CONFIRMED):
            _free_seat(session.id)
            continue
        db.session.execute(
            sa.update(Booking).where(Booking.id == waiting.id).values(promoted_at=now)
        )
        db.session.refresh(waiting)
        messages.notify(waiting, "booking_promoted")
        first_promoted = first_promoted or waiting
    db.session.refresh(session)
    return first_promoted


# ---------------------------------------------------------------- at the door


@dataclass(frozen=True)
class DoorCounts:
    booked: int  # confirmed or arrived
    arrived: int
    walk_ins: int
    waiting: int
    capacity: int  # seats in the room

    @property
    def present(self) -> int:
        """People in the room: those who checked in with a booking, and the walk-ins."""
        return self.arrived + self.walk_ins

    @property
    def room_full(self) -> bool:
        return self.present >= self.capacity


def door_counts(session: DialogueSession) -> DoorCounts:
    rows = dict(
        db.session.execute(
            sa.select(Booking.status, sa.func.count(Booking.id))
            .where(Booking.session_id == session.id)
            .group_by(Booking.status)
        ).all()
    )
    arrived = rows.get(BookingStatus.ATTENDED, 0)
    return DoorCounts(
        booked=rows.get(BookingStatus.CONFIRMED, 0) + arrived,
        arrived=arrived,
        walk_ins=session.walk_ins,
        waiting=rows.get(BookingStatus.WAITING, 0),
        capacity=session.capacity,
    )


def check_in(actor: User, session: DialogueSession, raw_code: str, now=None) -> Booking:
    """Mark the booking with this code as arrived, refusing codes that do not fit."""
    now = now or utcnow()
    policy.require_session(actor, session, ConferenceAction.CHECK_IN, now)
    code = normalize_code(raw_code)
    if not code:
        raise DomainError(_l("Enter the lookup code."), "code")
    booking = db.session.execute(
        sa.select(Booking).where(Booking.code == code)
    ).scalar_one_or_none()
    if booking is None:
        raise DomainError(_l("No booking has this code."), "code")
    if booking.session_id != session.id:
        raise DomainError(_l("This code is for another session."), "code")
    if booking.status == BookingStatus.ATTENDED:
        raise DomainError(_l("This code has already been used."), "code")
    if booking.status == BookingStatus.CANCELLED:
        raise DomainError(_l("This booking was cancelled."), "code")
    if booking.status == BookingStatus.WAITING:
        raise DomainError(_l("This booking is on the waiting list, not confirmed."), "code")
    _lock_door(session)  # one arrival at a time: the walk-ins' count sees this one
    if not _set_status(booking, BookingStatus.CONFIRMED, BookingStatus.ATTENDED) and not (
        _set_status(booking, BookingStatus.NO_SHOW, BookingStatus.ATTENDED)
    ):
        raise DomainError(_l("This code has already been used."), "code")
    db.session.execute(
        sa.update(Booking)
        .where(Booking.id == booking.id)
        .values(checked_in_at=now, checked_in_by_id=actor.id)
    )
    # The entry names the booking (its holder sees it among what was done with their data).
    audit.note(target_type="booking", target_id=booking.id, session_id=session.id)
    db.session.refresh(booking)
    return booking


class RoomFull(DomainError):
    """A walk-in would take the room past its capacity: counted only once the officer at the
    door confirms that there is room all the same (extra chairs, people who left)."""

    def __init__(self, present: int, capacity: int) -> None:
        super().__init__(
            _l(
                "The room is full: %(present)d people are in for %(capacity)d seats.",
                present=present,
                capacity=capacity,
            ),
            "anyway",
        )
        self.present = present
        self.capacity = capacity


def _lock_door(session: DialogueSession) -> None:
    """Serialise the arrivals of one session (two officers at two doors): the session's row
    lock on PostgreSQL; SQLite writers already queue on the database lock (BEGIN IMMEDIATE)."""
    db.session.execute(
        sa.select(DialogueSession.id).where(DialogueSession.id == session.id).with_for_update()
    )


def _present(session: DialogueSession) -> int:
    """People in the room now, read under the door's lock: bookings checked in, walk-ins."""
    arrived = (
        sa.select(sa.func.count(Booking.id))
        .where(Booking.session_id == session.id, Booking.status == BookingStatus.ATTENDED)
        .scalar_subquery()
    )
    return db.session.execute(
        sa.select(DialogueSession.walk_ins + arrived).where(DialogueSession.id == session.id)
    ).scalar_one()


def record_walk_in(
    actor: User, session: DialogueSession, *, anyway: bool = False, now: datetime | None = None
) -> WalkInOverride | None:
    """Count a person who arrived without booking (the ward's officers, at the door). When
    the room is already full (people checked in and walk-ins counted reach its capacity),
    RoomFull, unless the officer confirms `anyway`: then the walk-in is counted and the
    override kept, with who and when (returned)."""
    now = now or utcnow()
    policy.require_session(actor, session, ConferenceAction.CHECK_IN, now)
    _lock_door(session)
    present = _present(session)
    over = present >= session.capacity
    if over and not anyway:
        raise RoomFull(present, session.capacity)
    db.session.execute(
        sa.update(DialogueSession)
        .where(DialogueSession.id == session.id)
        .values(walk_ins=DialogueSession.walk_ins + 1)
        .execution_options(synchronize_session=False)
    )
    override = None
    if over:
        override = WalkInOverride(
            ward_id=session.ward_id,
            session_id=session.id,
            recorded_by_id=actor.id,
            recorded_at=now,
            present=present,
            capacity=session.capacity,
        )
        db.session.add(override)
        db.session.flush()
        audit.note(over_capacity=True, present=present, capacity=session.capacity)
    db.session.refresh(session)
    return override


def walk_in_overrides(session: DialogueSession) -> list[WalkInOverride]:
    """The walk-ins counted past the room's capacity, in order, with who let them in."""
    return list(
        db.session.execute(
            sa.select(WalkInOverride)
            .where(WalkInOverride.session_id == session.id)
            .order_by(WalkInOverride.id)
        ).scalars()
    )


# ---------------------------------------------------------------- lists


def sessions_of(
    ward_id: int, kind: SessionKind, *conditions, order_by=None, limit: int | None = None
) -> list[DialogueSession]:
    """A ward's conferences or reception slots meeting `conditions`, by start time (or
    `order_by`)."""
    query = (
        sa.select(DialogueSession)
        .where(DialogueSession.ward_id == ward_id, DialogueSession.kind == kind, *conditions)
        .order_by(order_by if order_by is not None else DialogueSession.starts_at)
        .limit(limit)
    )
    return list(db.session.execute(query).scalars())


UPCOMING_MAX = 50  # a ward plans a few conferences ahead; a page never lists them all


def upcoming_conferences(
    ward_id: int, now=None, limit: int = UPCOMING_MAX
) -> list[DialogueSession]:
    """Published conferences not over yet, soonest first (the first `limit`: the ward's page,
    its calendar feed and its home page read no more however many are planned)."""
    return sessions_of(
        ward_id,
        SessionKind.CONFERENCE,
        DialogueSession.status == SessionStatus.PUBLISHED,
        DialogueSession.ends_at > (now or utcnow()),
        limit=limit,
    )


def past_conferences(ward_id: int, limit: int = 20) -> list[DialogueSession]:
    """Conferences whose results are public, latest first."""
    return sessions_of(
        ward_id,
        SessionKind.CONFERENCE,
        DialogueSession.status == SessionStatus.RESULTS_PUBLISHED,
        order_by=DialogueSession.starts_at.desc(),
        limit=limit,
    )


SESSIONS_PAGE = 50  # rows of the officers' list of a ward's conferences


def ward_sessions(ward_id: int, page: int = 1, kind: SessionKind = SessionKind.CONFERENCE) -> Page:
    """A ward's conferences (or slots), latest first, a page at a time."""
    query = sa.select(DialogueSession).where(
        DialogueSession.ward_id == ward_id, DialogueSession.kind == kind
    )
    order = (DialogueSession.starts_at.desc(), DialogueSession.id.desc())
    return paginate(query, DialogueSession.id, order, page, SESSIONS_PAGE, objects=True)


def bookings_of(user: User) -> list[Booking]:
    """A resident's bookings, newest session first, each with its session and the session's
    ward (the list shows both) in the same query."""
    return list(
        db.session.execute(
            sa.select(Booking)
            .join(Booking.session)
            .options(contains_eager(Booking.session).joinedload(DialogueSession.ward))
            .where(Booking.user_id == user.id)
            .order_by(DialogueSession.starts_at.desc())
        ).scalars()
    )


def booking_by_code(code: str) -> Booking | None:
    return db.session.execute(
        sa.select(Booking).where(Booking.code == normalize_code(code))
    ).scalar_one_or_none()


def session_bookings(session: DialogueSession) -> list[Booking]:
    """A session's bookings in order, each with its holder's account (the lists name them)."""
    return list(
        db.session.execute(
            sa.select(Booking)
            .options(joinedload(Booking.user))
            .where(Booking.session_id == session.id)
            .order_by(Booking.id)
        ).scalars()
    )


def queue_reminders(now=None, hours: int | None = None) -> int:
    """Queue a reminder for every confirmed booking of a session that starts within its own
    reminder lead time (`reminder_hours`, or `hours` for every session when given); running
    it again queues nothing twice. Run it often (every 15 minutes): a session with a short
    lead time is reminded on the first run inside it."""
    now = now or utcnow()
    lead = sa.literal(hours) if hours is not None else DialogueSession.reminder_hours
    window = timedelta(hours=hours if hours is not None else max(REMINDER_HOURS))
    rows = db.session.execute(
        sa.select(Booking)
        .join(Booking.session)
        .options(contains_eager(Booking.session), joinedload(Booking.user))
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            DialogueSession.status == SessionStatus.PUBLISHED,
            DialogueSession.starts_at > now,
            DialogueSession.starts_at <= now + window,
            lead > 0,
        )
    ).scalars()
    queued = 0
    for booking in rows:
        if booking.session.starts_at > now + timedelta(
            hours=hours or booking.session.reminder_hours
        ):
            continue
        # Per slot: a booking moved after its reminder is reminded of its new slot.
        key = f"reminder:{booking.id}:{booking.session_id}"
        if messages.notify(booking, "booking_reminder", dedupe_key=key):
            queued += 1
    return queued


def published_questions(session: DialogueSession) -> list[Question]:
    """Questions and answers shown publicly once the results are published (no names)."""
    if session.status != SessionStatus.RESULTS_PUBLISHED:
        return []
    return list(
        db.session.execute(
            sa.select(Question)
            .where(Question.session_id == session.id, Question.merged_into_id.is_(None))
            .order_by(Question.position, Question.id)
        ).scalars()
    )
