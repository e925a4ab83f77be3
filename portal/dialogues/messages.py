"""What residents are told about their bookings, in their own language, via the outbox."""

from __future__ import annotations

from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _

from portal.auth.models import User
from portal.dialogues.models import Booking
from portal.extensions import db
from portal.notifications.services import Recipient, enqueue


def recipient_of(booking: Booking) -> Recipient:
    if booking.user_id:
        user = booking.user or db.session.get(User, booking.user_id)
        return Recipient.for_user(user)
    return Recipient(name=booking.guest_name, locale="vi", phone=booking.guest_phone or None)


def _texts(kind: str, booking: Booking, extra: dict) -> tuple[str, str]:
    session = booking.session
    params = {
        "name": recipient_of(booking).name,
        "title": session.title,
        "when": format_datetime(session.starts_at, "medium"),
        "place": session.venue or session.online_url,
        "code": booking.code,
        "ward": session.ward.name,
        **extra,
    }
    if kind == "booking_confirmed":
        return (
            _("Booking confirmed: %(title)s", **params),
            _(
                'Dear %(name)s, your place at "%(title)s" on %(when)s at %(place)s is '
                "confirmed. Your lookup code is %(code)s; show it at the door. %(ward)s",
                **params,
            ),
        )
    if kind == "booking_waitlisted":
        return (
            _("Waiting list: %(title)s", **params),
            _(
                'Dear %(name)s, "%(title)s" on %(when)s is full. You are number %(position)s '
                "on the waiting list (code %(code)s); we will tell you if a place frees up. "
                "%(ward)s",
                **params,
            ),
        )
    if kind == "booking_promoted":
        return (
            _("A place is yours: %(title)s", **params),
            _(
                'Dear %(name)s, a place has freed up: your booking %(code)s for "%(title)s" '
                "on %(when)s at %(place)s is now confirmed. %(ward)s",
                **params,
            ),
        )
    if kind == "booking_reminder":
        return (
            _("Reminder: %(title)s tomorrow", **params),
            _(
                'Dear %(name)s, a reminder that "%(title)s" starts on %(when)s at %(place)s. '
                "Your lookup code is %(code)s. %(ward)s",
                **params,
            ),
        )
    if kind == "booking_cancelled":
        return (
            _("Booking cancelled: %(title)s", **params),
            _(
                'Dear %(name)s, your booking %(code)s for "%(title)s" on %(when)s has been '
                "cancelled. Reason: %(reason)s. %(ward)s",
                **params,
            ),
        )
    if kind == "results_published":
        return (
            _("Results published: %(title)s", **params),
            _(
                'Dear %(name)s, the results of "%(title)s", including the answer to your '
                "question, are published on the ward's page: %(url)s %(ward)s",
                **params,
            ),
        )
    raise ValueError(f"unknown message kind {kind}")


def notify(booking: Booking, kind: str, *, dedupe_key: str | None = None, **extra):
    """Queue a message about a booking for its holder, written in the holder's language.
    Returns the outbox row, or None when nothing was queued."""
    recipient = recipient_of(booking)
    with force_locale(recipient.locale):
        subject, body = _texts(kind, booking, extra)
    return enqueue(
        recipient,
        kind=kind,
        subject=subject,
        body=body,
        ward_id=booking.ward_id,
        dedupe_key=dedupe_key,
        about=f"booking:{booking.id}",
    )
