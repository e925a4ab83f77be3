"""What a sender of feedback is told, in their own language, via the outbox."""

from __future__ import annotations

from flask_babel import force_locale, pgettext
from flask_babel import gettext as _

from portal import dates
from portal.codes import format_code
from portal.feedback.models import Feedback
from portal.notifications.services import Recipient, enqueue
from portal.notifications.sms_text import short

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
    if kind == "feedback_merged":
        return (
            _("Your feedback %(code)s was merged into %(target)s", **params),
            _(
                "Dear %(name)s, %(ward)s has received other feedback on the same matter as "
                '"%(title)s" and has merged yours into %(target)s. The answer to %(target)s '
                "will be sent to you too.",
                **params,
            ),
        )
    if kind == "feedback_merged_answered":
        return (
            _("Your feedback %(code)s has been answered", **params),
            _(
                'Dear %(name)s, your feedback "%(title)s" was merged into %(target)s, which '
                "%(ward)s has answered: %(text)s",
                **params,
            ),
        )
    raise ValueError(f"unknown message kind {kind}")


def _sms(kind: str, params: dict) -> str:
    """The text message: short and formal; the answer itself is read on the portal."""
    texts = {
        "feedback_received": pgettext(
            "sms",
            "%(ward)s has received your feedback %(code)s; the answer is due by %(due)s. "
            "Follow it on the ward portal with this code.",
        ),
        "feedback_reply": pgettext(
            "sms", "%(ward)s replied to your feedback %(code)s. Read it on the ward portal."
        ),
        "feedback_answered": pgettext(
            "sms",
            "%(ward)s has answered your feedback %(code)s. Please read it on the ward portal "
            "and tell us whether it resolved the matter.",
        ),
        "feedback_info_requested": pgettext(
            "sms",
            "%(ward)s needs more information on your feedback %(code)s; the deadline is "
            "paused until you reply on the ward portal.",
        ),
        "feedback_transferred": pgettext(
            "sms", "%(ward)s has transferred your feedback %(code)s to %(authority)s."
        ),
        "feedback_rejected": pgettext(
            "sms",
            "%(ward)s could not accept your feedback %(code)s. The reason is on the ward portal.",
        ),
        "feedback_merged": pgettext(
            "sms",
            "%(ward)s has merged your feedback %(code)s into %(target)s, on the same matter; "
            "you will receive its answer.",
        ),
        "feedback_merged_answered": pgettext(
            "sms",
            "%(ward)s has answered %(target)s, into which your feedback %(code)s was merged. "
            "Please read it on the ward portal.",
        ),
    }
    return texts[kind] % params


def about(item) -> str:
    """The outbox's name for this feedback, under which staff find the messages about it."""
    return f"feedback:{item.id}"


def notify(item: Feedback, kind: str, **extra):
    """Queue a message about an item for its sender. Returns the outbox row or None."""
    recipient = recipient_of(item)
    if "text" in extra:
        extra["text"] = extra["text"][:SNIPPET]
    with force_locale(recipient.locale):
        params = {
            "name": recipient.name,
            "ward": item.ward.in_text,
            "title": item.title,
            "code": format_code(item.code),
            "due": dates.day(item.due_on),
            "text": "",
            **extra,
        }
        subject, body = _texts(kind, item, params)
        values = {
            "ward": short(params["ward"], 30),
            "code": params["code"],
            "due": dates.day(item.due_on, "short"),
            "authority": short(params.get("authority", ""), 50),
            "target": params.get("target", ""),
        }
        sms = _sms(kind, values)
    return enqueue(
        recipient,
        kind=kind,
        subject=subject,
        body=body,
        sms=sms,
        data=values,
        ward_id=item.ward_id,
        about=about(item),
    )
