"""What a sender of feedback is told, in their own language, via the outbox."""

from __future__ import annotations

from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from portal.codes import format_code
from portal.feedback.models import Feedback
from portal.notifications.services import Recipient, enqueue

SNIPPET = 500


def recipient_of(item: Feedback) -> Recipient:
    if item.user is not None:
        return Recipient.for_user(item.user)
    return Recipient(
        name=item.contact_name,
        locale="vi",
        email=item.contact_email or None,
        phone=item.contact_phone or None,
    )


def _texts(kind: str, item: Feedback, params: dict) -> tuple[str, str]:
    if kind == "feedback_received":
        return (
            _("Feedback received: %(code)s", **params),
            _(
                'Dear %(name)s, %(ward)s has received your feedback "%(title)s". Its tracking '
                "code is %(code)s; the answer is due by %(due)s.",
                **params,
            ),
        )
    if kind == "feedback_reply":
        return (
            _("A reply to your feedback %(code)s", **params),
            _('Dear %(name)s, %(ward)s replied to "%(title)s": %(text)s', **params),
        )
    if kind == "feedback_answered":
        return (
            _("Your feedback %(code)s has been answered", **params),
            _(
                'Dear %(name)s, %(ward)s has answered "%(title)s": %(text)s — Please tell us '
                "whether this resolved the matter (My feedback).",
                **params,
            ),
        )
    if kind == "feedback_info_requested":
        return (
            _("More information needed: %(code)s", **params),
            _(
                'Dear %(name)s, to handle "%(title)s", %(ward)s needs more information: '
                "%(text)s — The deadline is paused until you reply.",
                **params,
            ),
        )
    if kind == "feedback_transferred":
        return (
            _("Your feedback %(code)s was transferred", **params),
            _(
                'Dear %(name)s, "%(title)s" is a matter for %(authority)s, so %(ward)s has '
                "transferred it there. %(text)s",
                **params,
            ),
        )
    if kind == "feedback_rejected":
        return (
            _("Your feedback %(code)s was not accepted", **params),
            _(
                'Dear %(name)s, %(ward)s could not accept "%(title)s". Reason: %(reason)s',
                **params,
            ),
        )
    raise ValueError(f"unknown message kind {kind}")


def notify(item: Feedback, kind: str, **extra):
    """Queue a message about an item for its sender. Returns the outbox row or None."""
    recipient = recipient_of(item)
    if "text" in extra:
        extra["text"] = extra["text"][:SNIPPET]
    with force_locale(recipient.locale):
        params = {
            "name": recipient.name,
            "ward": item.ward.name,
            "title": item.title,
            "code": format_code(item.code),
            "due": format_date(item.due_on, "medium"),
            "text": "",
            **extra,
        }
        subject, body = _texts(kind, item, params)
    return enqueue(
        recipient,
        kind=kind,
        subject=subject,
        body=body,
        ward_id=item.ward_id,
        about=f"feedback:{item.id}",
    )
