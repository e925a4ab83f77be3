"""The rating link sent by SMS (or Zalo) to a resident who cannot scan the slip's QR code,
when the officer returning the dossier types the resident's mobile number."""

from __future__ import annotations

from flask_babel import force_locale, pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.auth.phones import InvalidPhone, normalize_phone
from portal.domain import DomainError
from portal.notifications.models import OutboxMessage
from portal.notifications.services import Recipient, enqueue
from portal.notifications.sms_text import short
from portal.satisfaction.models import Dossier
from portal.wards.models import Ward

KIND = "rating_link"
LOCALE = "vi"  # the slip is Vietnamese; so is the message that stands in for it


def about(dossier: Dossier) -> str:
    """The outbox's name for this dossier, under which staff find the messages about it."""
    return f"dossier:{dossier.id}"


def phone_for_link(text: str | None) -> str | None:
    """The number typed for the rating link, as E.164; None when left empty. Raises
    DomainError (on the form's field) for anything that is not a Vietnamese mobile number."""
    if not (text or "").strip():
        return None
    try:
        return normalize_phone(text)
    except InvalidPhone as error:
        raise DomainError(
            _l("Enter a valid Vietnamese mobile number, for example 0912 345 678."), "sms_phone"
        ) from error


def sms_text(values: dict) -> str:
    """The text message: the ward, the receipt number and the link (one segment without
    diacritics for a ward's name of up to 30 letters)."""
    return (
        pgettext(
            "sms", "%(ward)s thanks you. Please rate how dossier %(number)s was handled: %(link)s"
        )
        % values
    )


def send_rating_link(dossier: Dossier, ward: Ward, phone: str, link: str) -> OutboxMessage | None:
    """Queue the rating link for the resident, in the caller's transaction. The link is a key:
    the message is sensitive, so its text is wiped once the provider has it."""
    with force_locale(LOCALE):
        values = {"ward": short(ward.in_text, 30), "number": dossier.receipt_number, "link": link}
        sms = sms_text(values)
        subject = _("Rate how your dossier %(number)s was handled", number=dossier.receipt_number)
    return enqueue(
        Recipient(name="", locale=LOCALE, phone=phone),
        kind=KIND,
        subject=subject,
        body=sms,
        sms=sms,
        data=values,
        ward_id=dossier.ward_id,
        sensitive=True,
        about=about(dossier),
    )
