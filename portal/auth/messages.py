"""What an account holder is told by SMS about their account: a one-time code, or that
someone tried to register their number. Short and formal, in their language."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from portal.auth.models import User
from portal.notifications.preferences import phone_channel
from portal.notifications.services import Recipient, enqueue


def code_text(code: str, minutes: int) -> str:
    """The text of a one-time code message (one plain SMS segment)."""
    return _(
        "Ward Portal: your code is %(code)s, valid for %(minutes)d minutes. "
        "Do not give it to anyone, not even an official.",
        code=code,
        minutes=minutes,
    )


def send_code(user: User, phone: str, code: str, *, minutes: int, ward_id, locale: str) -> None:
    """The code, to the number it proves (by Zalo where the ward sends Zalo messages, else
    SMS; never by e-mail); marked sensitive, so the outbox keeps its text only until it is
    handed over."""
    locale = user.locale or locale
    with force_locale(locale):
        body = code_text(code, minutes)
        subject = _("Your one-time code")
    enqueue(
        Recipient(
            name=user.full_name, locale=locale, phone=phone, user_id=user.id, via=phone_channel()
        ),
        kind="one_time_code",
        subject=subject,
        body=body,
        data={"otp": code, "minutes": minutes},
        ward_id=ward_id,
        sensitive=True,
    )


def registration_attempt(user: User, ward_id) -> None:
    """Someone tried to create an account with this account's number: its holder is told
    (instead of a code), and the person who tried learns nothing."""
    locale = user.locale or "vi"
    with force_locale(locale):
        body = _(
            "Ward Portal: someone tried to create an account with this number, which already "
            "has one. If it was you, log in or choose a new password on the portal."
        )
        subject = _("An account already uses this number")
    enqueue(
        Recipient(name=user.full_name, locale=locale, phone=user.phone, user_id=user.id),
        kind="registration_attempt",
        subject=subject,
        body=body,
        ward_id=ward_id,
    )
