"""What the chairman is told when a supervision recommendation arrives, and its author when
it is answered: through the outbox, in the recipient's language. Officials' work messages
rest on their duties, not on a consent: by e-mail when the account has an address, else to
the phone (Zalo when the ward sends Zalo messages, SMS otherwise)."""

from __future__ import annotations

from flask_babel import force_locale, pgettext
from flask_babel import gettext as _

from portal import dates
from portal.auth.models import User
from portal.auth.services import active_chairmen
from portal.notifications.services import Recipient, enqueue
from portal.notifications.sms_text import short

SNIPPET = 500


def about(item) -> str:
    return f"supervision:{item.id}"


def chairmen_of(ward_id: int) -> list[User]:
    """The ward's chairmen whose accounts are active."""
    return active_chairmen({ward_id}).get(ward_id, [])


def _params(item, name: str) -> dict:
    return {
        "name": name,
        "number": item.id,
        "title": item.title,
        "due": dates.day(item.due_on),
        "ward": item.ward.in_text,
    }


def tell_chairmen(item) -> int:
    """Each active chairman of the ward is told a recommendation has arrived (once)."""
    told = 0
    for chairman in chairmen_of(item.ward_id):
        recipient = Recipient.for_official(chairman)
        with force_locale(recipient.locale):
            params = _params(item, chairman.full_name)
            subject = _("Supervision recommendation no. %(number)s", **params)
            body = _(
                "Dear %(name)s, the Vietnam Fatherland Front Committee of %(ward)s has sent a "
                'supervision recommendation (no. %(number)s): "%(title)s". Please answer it by '
                "%(due)s (Supervision on the portal).",
                **params,
            )
            sms = pgettext(
                "sms",
                "Supervision recommendation no. %(number)s from the Fatherland Front: "
                '"%(title)s". Answer due %(due)s.',
            ) % {**params, "title": short(item.title, 40)}
        if enqueue(
            recipient,
            kind="supervision_sent",
            subject=subject,
            body=body,
            sms=sms,
            ward_id=item.ward_id,
            about=about(item),
            dedupe_key=f"supervision-sent:{item.id}:{chairman.id}",
        ):
            told += 1
    return told


def tell_author(item):
    """The author is told the chairman has answered, with the start of the answer."""
    author = item.author
    if author is None or not author.is_active_account:
        return None
    recipient = Recipient.for_official(author)
    with force_locale(recipient.locale):
        params = _params(item, author.full_name)
        params["text"] = short(item.answer, SNIPPET)
        subject = _("Your supervision recommendation no. %(number)s has been answered", **params)
        body = _(
            'Dear %(name)s, the chairman of %(ward)s has answered "%(title)s" (no. %(number)s): '
            "%(text)s",
            **params,
        )
        sms = pgettext(
            "sms",
            "The chairman has answered supervision recommendation no. %(number)s "
            '"%(title)s". See Supervision on the portal.',
        ) % {**params, "title": short(item.title, 40)}
    return enqueue(
        recipient,
        kind="supervision_answered",
        subject=subject,
        body=body,
        sms=sms,
        ward_id=item.ward_id,
        about=about(item),
        dedupe_key=f"supervision-answered:{item.id}",
    )
