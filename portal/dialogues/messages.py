"""What residents are told about their bookings, in their own language, via the outbox."""

from __future__ import annotations

from flask_babel import force_locale, pgettext
from flask_babel import gettext as _

from portal import dates
from portal.auth.models import ConsentPurpose, User
from portal.dialogues.labels import session_title
from portal.dialogues.models import Booking
from portal.extensions import db
from portal.notifications.services import Recipient, enqueue
from portal.notifications.sms_text import short

# What each kind of message is for (the resident chooses a channel per purpose).
PURPOSES = {"booking_reminder": ConsentPurpose.REMINDERS}


def recipient_of(booking: Booking, kind: str = "") -> Recipient:
    if booking.user_id:
        user = booking.user or db.session.get(User, booking.user_id)
        return Recipient.for_user(user, PURPOSES.get(kind, ConsentPurpose.UPDATES))
    return Recipient(name=booking.guest_name, locale="vi", phone=booking.guest_phone or None)


def _short_params(booking: Booking, extra: dict) -> dict:
    """The values of a text message (and of its Zalo template), each cut to fit."""
    session = booking.session
    return {
        "title": short(session_title(session), 40),
        "when": dates.appointment(session.starts_at),
        "place": short(session.venue or session.online_url, 40),
        "code": booking.code,
        "ward": short(session.ward.in_text, 30),
        "position": extra.get("position", ""),
        "old_when": dates.appointment(extra["old_when"]) if "old_when" in extra else "",
        "reason": short(extra.get("reason", ""), 60),
        "url": extra.get("url", ""),
    }


def _sms(kind: str, params: dict) -> str:
    """The text message: short and formal, no name (Ông/Bà), one or two segments."""
    texts = {
        "booking_confirmed": pgettext(
            "sms",
            '%(ward)s: your place at "%(title)s", %(when)s, %(place)s is confirmed. '
            "Lookup code %(code)s.",
        ),
        "booking_waitlisted": pgettext(
            "sms",
            '%(ward)s: "%(title)s" %(when)s is full. You are number %(position)s on the '
            "waiting list (code %(code)s); we will tell you if a place frees up.",
        ),
        "booking_promoted": pgettext(
            "sms",
            '%(ward)s: a place is yours at "%(title)s", %(when)s, %(place)s. Lookup code %(code)s.',
        ),
        "booking_reminder": pgettext(
            "sms",
            '%(ward)s reminds you: "%(title)s", %(when)s, %(place)s. Lookup code %(code)s.',
        ),
        "booking_cancelled": pgettext(
            "sms",
            '%(ward)s: booking %(code)s for "%(title)s" %(when)s is cancelled. Reason: %(reason)s',
        ),
        "booking_moved": pgettext(
            "sms",
            "%(ward)s: booking %(code)s is moved from %(old_when)s to %(when)s, %(place)s.",
        ),
        "results_published": pgettext(
            "sms",
            '%(ward)s has published the results of "%(title)s", with the answer to your '
            "question: %(url)s",
        ),
    }
    return texts[kind] % params


def _texts(kind: str, booking: Booking, extra: dict) -> tuple[str, str]:
    session = booking.session
    params = {
        "name": recipient_of(booking).name,
        "title": session_title(session),
        "when": dates.appointment(session.starts_at),
        "place": session.venue or session.online_url,
        "code": booking.code,
        "ward": session.ward.in_text,
        **extra,
    }
    if "old_when" in extra:
        params["old_when"] = dates.appointment(extra["old_when"])
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
    if kind == "booking_moved":
        return (
            _("Booking moved: %(title)s", **params),
            _(
                "Dear %(name)s, your booking %(code)s has been moved from %(old_when)s to "
                "%(when)s at %(place)s. Your lookup code stays the same. %(ward)s",
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


def about(booking) -> str:
    """The outbox's name for this booking, under which staff find the messages about it."""
    return f"booking:{booking.id}"


def notify(booking: Booking, kind: str, *, dedupe_key: str | None = None, **extra):
    """Queue a message about a booking for its holder, written in the holder's language.
    Returns the outbox row, or None when nothing was queued."""
    recipient = recipient_of(booking, kind)
    with force_locale(recipient.locale):
        subject, body = _texts(kind, booking, extra)
        values = _short_params(booking, extra)
        sms = _sms(kind, values)
    return enqueue(
        recipient,
        kind=kind,
        subject=subject,
        body=body,
        sms=sms,
        data=values,
        ward_id=booking.ward_id,
        dedupe_key=dedupe_key,
        about=about(booking),
    )
