"""A conference's attendee list: who booked (arrived or not), who waits, how many walked in;
for the door's paper sign-in sheet and as a CSV/XLSX file (portal/sheets). Phone numbers are
written in full only for those who run the conference (policy.sees_contacts); the
supervisor's copy has them masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.auth.phones import mask_phone, national
from portal.codes import format_code
from portal.dialogues import labels, policy, services
from portal.dialogues.models import Booking, BookingStatus, DialogueSession
from portal.sheets.columns import Column, Format, Table, TableSpec

LISTED = (BookingStatus.ATTENDED, BookingStatus.CONFIRMED, BookingStatus.NO_SHOW)


@dataclass(frozen=True)
class Attendee:
    number: int
    name: str
    phone: str
    code: str
    status: str
    arrived_at: datetime | None
    booking: Booking


def attendees(viewer: User, session: DialogueSession) -> tuple[list[Attendee], list[Attendee]]:
    """(those with a place, those on the waiting list in their order), numbered."""
    full = policy.sees_contacts(viewer, session)
    booked, waiting = [], []
    for booking in services.session_bookings(session):
        if booking.status in LISTED:
            group = booked
        elif booking.status == BookingStatus.WAITING:
            group = waiting
        else:
            continue
        phone = booking.holder_phone
        group.append(
            Attendee(
                number=len(group) + 1,
                name=booking.holder_name,
                phone=(national(phone) if full else mask_phone(phone)) if phone else "",
                code=format_code(booking.code),
                status=str(labels.BOOKING_STATUS[booking.status]),
                arrived_at=booking.checked_in_at,
                booking=booking,
            )
        )
    return booked, waiting


COLUMNS = (
    Column(_l("No."), lambda a: a.number, Format.INTEGER),
    Column(_l("Full name"), lambda a: a.name),
    Column(_l("Mobile number"), lambda a: a.phone),
    Column(_l("Lookup code"), lambda a: a.code),
    Column(_l("Status"), lambda a: a.status),
    Column(_l("Arrived at"), lambda a: a.arrived_at, Format.DATETIME),
)
BOOKED = TableSpec("attendees", _l("Attendees"), COLUMNS, rows=lambda rows: rows)
WAITING = TableSpec("waiting", _l("Waiting list"), COLUMNS, rows=lambda rows: rows)


@dataclass(frozen=True)
class Count:
    label: str
    value: int


COUNTS = TableSpec(
    "counts",
    _l("Counts"),
    (
        Column(_l("Figure"), lambda c: c.label),
        Column(_l("Number"), lambda c: c.value, Format.INTEGER),
    ),
    rows=lambda rows: rows,
)


def tables(viewer: User, session: DialogueSession) -> list[Table]:
    """The list as a file's tables: attendees, waiting list, counts at the door."""
    booked, waiting = attendees(viewer, session)
    counts = services.door_counts(session)
    figures = [
        Count(str(_l("Capacity (seats)")), counts.capacity),
        Count(str(_l("Booked")), counts.booked),
        Count(str(_l("Arrived")), counts.arrived),
        Count(str(_l("Walk-ins")), counts.walk_ins),
        Count(str(_l("Waiting list")), counts.waiting),
    ]
    return [BOOKED.build(booked), WAITING.build(waiting), COUNTS.build(figures)]
