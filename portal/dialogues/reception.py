"""Citizen reception (tiếp công dân): the chairman's weekly hours and their bookable slots.

The Law on Citizen Reception 2013, Art. 15, asks the ward chairman to receive citizens at the
ward's headquarters at least one day a week, one person at a time, a topic each. A ward keeps
one or more weekly schedule rows (e.g. Tuesday and Friday mornings); `generate_slots` turns them
into published reception slots (DialogueSession, kind RECEPTION, one seat) for the coming weeks,
skipping Vietnamese public holidays. Booking a slot is `services.book`; blocking one is
`services.cancel_session`, so booked residents are told why. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.db import utcnow
from portal.dialogues import policy, services
from portal.dialogues.models import (
    Booking,
    BookingStatus,
    DialogueSession,
    ReceptionSchedule,
    SessionKind,
    SessionMode,
    SessionStatus,
)
from portal.dialogues.policy import SlotAction
from portal.domain import DomainError, Problems
from portal.extensions import db
from portal.timeutil import local_zone
from portal.wards.models import Ward
from portal.workdays import is_holiday

# A slot stores no title of its own: pages, SMS, e-mail and .ics show the kind in the reader's
# language ("Tiếp công dân" / "Citizen reception"), through labels.session_title.
SLOT_TITLE = ""
SLOT_MINUTES_MIN = 10
SLOT_MINUTES_MAX = 120
VENUE_MAX = 300
WEEKS_MAX = 12
DEFAULT_WEEKS = 4


# ---------------------------------------------------------------- weekly schedule


def ward_schedules(ward_id: int) -> list[ReceptionSchedule]:
    """The ward's schedule rows, active first, in weekday and time order."""
    return list(
        db.session.execute(
            sa.select(ReceptionSchedule)
            .where(ReceptionSchedule.ward_id == ward_id)
            .order_by(
                ReceptionSchedule.active.desc(),
                ReceptionSchedule.weekday,
                ReceptionSchedule.start_time,
            )
        ).scalars()
    )


def active_schedules(ward_id: int) -> list[ReceptionSchedule]:
    return [s for s in ward_schedules(ward_id) if s.active]


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def save_schedule(
    actor: User,
    weekday: int | None,
    start_time: time | None,
    end_time: time | None,
    slot_minutes: int | None,
    venue: str,
) -> ReceptionSchedule:
    """A ward officer or the chairman adds a weekly reception time (Hà Nội time) to their ward.

    Several rows may exist (Tuesday and Friday mornings), but not two overlapping on one day.
    """
    services.check_officer(actor, actor.ward_id)
    problems = Problems()
    if weekday is None or not 0 <= weekday <= 6:
        problems.add("weekday", _l("Choose a day of the week."))
    if start_time is None or end_time is None:
        problems.add("start_time", _l("Enter the start and end times."))
    elif end_time <= start_time:
        problems.add("end_time", _l("The end must be after the start."))
    if slot_minutes is None or not SLOT_MINUTES_MIN <= slot_minutes <= SLOT_MINUTES_MAX:
        problems.add(
            "slot_minutes",
            _l(
                "Enter between %(min)d and %(max)d minutes per person.",
                min=SLOT_MINUTES_MIN,
                max=SLOT_MINUTES_MAX,
            ),
        )
    elif (
        start_time
        and end_time
        and end_time > start_time
        and _minutes(end_time) - _minutes(start_time) < slot_minutes
    ):
        problems.add("slot_minutes", _l("The hours are too short for even one slot."))
    venue = " ".join((venue or "").split())
    if not venue:
        problems.add("venue", _l("Enter the venue."))
    elif len(venue) > VENUE_MAX:
        problems.add("venue", _l("At most %(max)d characters.", max=VENUE_MAX))
    problems.raise_if_any()
    for other in active_schedules(actor.ward_id):
        if other.weekday == weekday and start_time < other.end_time and other.start_time < end_time:
            raise DomainError(
                _l("These hours overlap another reception time on the same day."), "start_time"
            )
    schedule = ReceptionSchedule(
        ward_id=actor.ward_id,
        weekday=weekday,
        start_time=start_time.replace(second=0, microsecond=0),
        end_time=end_time.replace(second=0, microsecond=0),
        slot_minutes=slot_minutes,
        venue=venue,
        active=True,
        created_by_id=actor.id,
    )
    db.session.add(schedule)
    db.session.flush()
    return schedule


def deactivate_schedule(actor: User, schedule: ReceptionSchedule) -> None:
    """Stop making slots from a schedule row; slots already published stay until blocked."""
    services.check_officer(actor, schedule.ward_id)
    if not schedule.active:
        raise DomainError(_l("This reception time is already stopped."))
    schedule.active = False
    db.session.flush()


# ---------------------------------------------------------------- slots


def _slot_times(schedule: ReceptionSchedule, day: date) -> Iterator[tuple[datetime, datetime]]:
    """The (start, end) of each slot of a schedule on one local day, as aware UTC datetimes."""
    zone = local_zone()
    step = timedelta(minutes=schedule.slot_minutes)
    start = datetime.combine(day, schedule.start_time, tzinfo=zone)
    close = datetime.combine(day, schedule.end_time, tzinfo=zone)
    while start + step <= close:
        yield start.astimezone(UTC), (start + step).astimezone(UTC)
        start += step


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    """A local calendar day as a half-open UTC interval."""
    zone = local_zone()
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def _lock_ward(ward_id: int) -> None:
    """Serialise slot generation per ward (two clicks, two cron runs): PostgreSQL row lock;
    SQLite writers already queue on the database lock (BEGIN IMMEDIATE)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(Ward.id).where(Ward.id == ward_id).with_for_update())


def _existing_starts(ward_id: int, start: datetime, end: datetime) -> set[datetime]:
    """Start times of reception slots already made in [start, end), whatever their status:
    a blocked (cancelled) slot is never made again."""
    rows = db.session.execute(
        sa.select(DialogueSession.starts_at).where(
            DialogueSession.ward_id == ward_id,
            DialogueSession.kind == SessionKind.RECEPTION,
            DialogueSession.starts_at >= start,
            DialogueSession.starts_at < end,
        )
    ).scalars()
    return {value.astimezone(UTC) for value in rows}


def _new_slot(schedule: ReceptionSchedule, starts: datetime, ends: datetime) -> DialogueSession:
    return DialogueSession(
        ward_id=schedule.ward_id,
        kind=SessionKind.RECEPTION,
        status=SessionStatus.PUBLISHED,
        title=SLOT_TITLE,
        agenda="",
        mode=SessionMode.IN_PERSON,
        venue=schedule.venue,
        starts_at=starts,
        ends_at=ends,
        capacity=1,
        walk_in_seats=0,
        seats_taken=0,
        walk_ins=0,
        schedule_id=schedule.id,
        published_at=utcnow(),
    )


def generate_slots(ward_id: int, weeks: int = DEFAULT_WEEKS, now: datetime | None = None) -> int:
    """Publish the reception slots of the ward's active schedules for the coming `weeks`
    weeks (from today, Hà Nội time), only in the future, skipping public holidays.
    Idempotent: a slot whose start already exists (even blocked) is not made again.
    Returns how many slots were created. Called by staff and by the CLI."""
    if not 1 <= weeks <= WEEKS_MAX:
        raise DomainError(_l("Choose between 1 and %(max)d weeks.", max=WEEKS_MAX))
    now = now or utcnow()
    schedules = active_schedules(ward_id)
    if not schedules:
        return 0
    _lock_ward(ward_id)
    first = now.astimezone(local_zone()).date()
    last = first + timedelta(days=7 * weeks - 1)
    existing = _existing_starts(ward_id, _day_bounds(first)[0], _day_bounds(last)[1])
    created = 0
    day = first
    while day <= last:
        if not is_holiday(day):
            for schedule in schedules:
                if schedule.weekday != day.weekday():
                    continue
                for starts, ends in _slot_times(schedule, day):
                    if starts <= now or starts in existing:
                        continue
                    db.session.add(_new_slot(schedule, starts, ends))
                    existing.add(starts)
                    created += 1
        day += timedelta(days=1)
    db.session.flush()
    return created


def block_slot(actor: User, slot: DialogueSession, reason: str, now: datetime | None = None) -> int:
    """Block one future reception slot (the chairman is away); whoever booked it is told the
    reason. A blocked slot is never generated again. Returns how many people were told."""
    now = now or utcnow()
    policy.require_session(actor, slot, SlotAction.BLOCK, now)
    return services.close_session(actor, slot, services.cancel_reason(reason), now)


def block_day(
    actor: User, ward_id: int, day: date, reason: str, now: datetime | None = None
) -> int:
    """Block every reception slot of one local day: published slots are cancelled (booked
    residents are told), and slots not generated yet are recorded as blocked so that they are
    never made. Returns how many slots were blocked (0 when the day has no reception)."""
    services.check_officer(actor, ward_id)
    reason = services.cancel_reason(reason)
    now = now or utcnow()
    if day is None:
        raise DomainError(_l("Enter the day to block."), "day")
    if day < now.astimezone(local_zone()).date():
        raise DomainError(_l("Choose today or a later day."), "day")
    _lock_ward(ward_id)
    start, end = _day_bounds(day)
    blocked = 0
    slots = db.session.execute(
        sa.select(DialogueSession)
        .where(
            DialogueSession.ward_id == ward_id,
            DialogueSession.kind == SessionKind.RECEPTION,
            DialogueSession.status.in_((SessionStatus.DRAFT, SessionStatus.PUBLISHED)),
            DialogueSession.starts_at > now,
            DialogueSession.starts_at >= start,
            DialogueSession.starts_at < end,
        )
        .order_by(DialogueSession.starts_at)
    ).scalars()
    for slot in list(slots):
        services.close_session(actor, slot, reason, now)
        blocked += 1
    existing = _existing_starts(ward_id, start, end)
    for schedule in active_schedules(ward_id):
        if schedule.weekday != day.weekday():
            continue
        for starts, ends in _slot_times(schedule, day):
            if starts <= now or starts in existing:
                continue
            placeholder = _new_slot(schedule, starts, ends)
            placeholder.status = SessionStatus.CANCELLED
            placeholder.cancelled_at = now
            placeholder.cancel_reason = reason
            db.session.add(placeholder)
            existing.add(starts)
            blocked += 1
    db.session.flush()
    return blocked


# ---------------------------------------------------------------- lists


def open_slots(ward_id: int, now: datetime | None = None) -> list[DialogueSession]:
    """Future published reception slots that still have their seat, in time order."""
    return services.sessions_of(
        ward_id,
        SessionKind.RECEPTION,
        DialogueSession.status == SessionStatus.PUBLISHED,
        DialogueSession.starts_at > (now or utcnow()),
        DialogueSession.seats_taken < DialogueSession.capacity - DialogueSession.walk_in_seats,
    )


@dataclass(frozen=True)
class SlotRow:
    """A reception slot for the staff overview, with whoever holds it (or None)."""

    slot: DialogueSession
    booking: Booking | None


def reception_overview(ward_id: int, now: datetime | None = None) -> list[SlotRow]:
    """For the ward's officials: future reception slots (blocked ones too) and their booking."""
    now = now or utcnow()
    slots = list(
        db.session.execute(
            sa.select(DialogueSession)
            .where(
                DialogueSession.ward_id == ward_id,
                DialogueSession.kind == SessionKind.RECEPTION,
                DialogueSession.starts_at > now,
            )
            .order_by(DialogueSession.starts_at)
        ).scalars()
    )
    held: dict[int, Booking] = {}
    if slots:
        bookings = db.session.execute(
            sa.select(Booking)
            .where(
                Booking.session_id.in_([s.id for s in slots]),
                Booking.status.in_((BookingStatus.CONFIRMED, BookingStatus.ATTENDED)),
            )
            .order_by(Booking.id)
        ).scalars()
        for booking in bookings:
            held.setdefault(booking.session_id, booking)
    return [SlotRow(slot, held.get(slot.id)) for slot in slots]
