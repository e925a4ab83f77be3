"""iCalendar files and QR codes for bookings and ward feeds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from portal.db import utcnow
from portal.dialogues.labels import session_title
from portal.dialogues.models import Booking, DialogueSession

if TYPE_CHECKING:  # icalendar is imported when a file is made, not by every worker at start
    from icalendar import Alarm, Calendar, Event


def _event(session: DialogueSession, uid: str, description: str) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", utcnow())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", session_title(session))
    location = ", ".join(p for p in (session.venue, session.online_url) if p)
    if location:
        event.add("location", location)
    event.add("description", description)
    if session.status == "cancelled":
        event.add("status", "CANCELLED")
    return event


def _alarm(session: DialogueSession, description: str) -> Alarm:
    """The booking's reminder in the person's own calendar: at the session's reminder time
    (an hour before when the ward sends no reminder)."""
    from icalendar import Alarm

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", description or session_title(session))
    alarm.add("trigger", -timedelta(hours=session.reminder_hours or 1))
    return alarm


def _calendar(name: str) -> Calendar:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", "-//Ward Portal//Cong phuong//VI")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def booking_ics(booking: Booking, host: str, description: str) -> bytes:
    calendar = _calendar(session_title(booking.session))
    event = _event(booking.session, f"booking-{booking.code}@{host}", description)
    event.add_component(_alarm(booking.session, session_title(booking.session)))
    calendar.add_component(event)
    return calendar.to_ical()


def ward_feed(name: str, sessions: Iterable[DialogueSession], host: str) -> bytes:
    calendar = _calendar(name)
    for session in sessions:
        calendar.add_component(_event(session, f"session-{session.id}@{host}", session.agenda))
    return calendar.to_ical()
