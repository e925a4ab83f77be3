"""What staff see of the messages sent about an item (a booking, a feedback item, a dossier):
when, what kind, by which channel, to a masked address, its delivery state and, when it did
not go as planned, the reason in the reader's language. Never the text: a one-time code or a
rating link is a key, and the message's wording is the resident's business."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from portal.auth.models import User
from portal.auth.phones import mask_phone
from portal.extensions import db
from portal.notifications.labels import CHANNELS_SHORT, KINDS
from portal.notifications.models import Channel, OutboxMessage, OutboxStatus
from portal.security import is_official_of


class State:
    """The four states staff read (a message being handed over still counts as queued)."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


STATES = {
    State.QUEUED: lazy_pgettext("message", "Queued"),
    State.SENT: lazy_pgettext("message", "Sent"),
    State.DELIVERED: lazy_pgettext("message", "Delivered"),
    State.FAILED: lazy_pgettext("message", "Failed"),
}
_BADGE = {State.QUEUED: "muted", State.SENT: "sent", State.DELIVERED: "ok", State.FAILED: "full"}
_STATE_OF = {
    OutboxStatus.PENDING: State.QUEUED,
    OutboxStatus.SENDING: State.QUEUED,
    OutboxStatus.SENT: State.SENT,
    OutboxStatus.DELIVERED: State.DELIVERED,
    OutboxStatus.FAILED: State.FAILED,
}

# The stored account of a failure (see worker.describe_error) read back as one of a few
# reasons a reader can act on; the first pattern that matches wins.
REASONS = (
    (
        re.compile(r"^Withdrawn"),
        _l("Not sent: the resident no longer agrees to these messages."),
    ),
    (re.compile(r"; sent by SMS$"), _l("Zalo could not deliver it; it was sent by SMS instead.")),
    (re.compile(r"refused by the network"), _l("The mobile network did not deliver it.")),
    (re.compile(r"^LookupError: no sender"), _l("No sender is set up for this channel.")),
    (
        re.compile(r"SMTPRecipientsRefused|SMTPSenderRefused"),
        _l("The mail server refused the address."),
    ),
    (
        re.compile(r"HTTP 5\d\d|Timeout|timed out|URLError|ConnectionError|OSError|SMTPConnect"),
        _l("The provider could not be reached."),
    ),
    (re.compile(r"^ProviderRefused"), _l("The provider refused it.")),
)
OTHER_FAILURE = _l("It could not be sent.")


@dataclass(frozen=True)
class MessageLine:
    """One message as a staff page shows it."""

    created_at: datetime
    kind: object  # a translated label
    channel: object
    address: str  # masked
    state: str
    state_label: object
    badge: str  # the badge's colour class
    reason: object | None  # translated; None when all went as planned
    detail: str | None  # the provider's own words, for whoever has to mend it
    attempts: int
    retry_at: datetime | None
    done_at: datetime | None  # when it was handed over, or reached the phone


def mask_address(message: OutboxMessage) -> str:
    """A phone number as 091••••678, an e-mail address as l•••@example.vn."""
    if message.channel in (Channel.SMS, Channel.ZALO):
        return mask_phone(message.address)
    local, _at, domain = message.address.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def reason_for(message: OutboxMessage) -> object | None:
    """Why the message is not simply on its way (None when it is)."""
    text = message.last_error or ""
    if not text:
        return None
    for pattern, reason in REASONS:
        if pattern.search(text):
            return reason
    return OTHER_FAILURE


def line(message: OutboxMessage) -> MessageLine:
    state = _STATE_OF[message.status]
    retrying = message.status == OutboxStatus.PENDING and message.attempts > 0
    return MessageLine(
        created_at=message.created_at,
        kind=KINDS.get(message.kind, message.kind),
        channel=CHANNELS_SHORT[message.channel],
        address=mask_address(message),
        state=state,
        state_label=STATES[state],
        badge=_BADGE[state],
        reason=reason_for(message),
        detail=message.last_error,
        attempts=message.attempts,
        retry_at=message.next_attempt_at if retrying else None,
        done_at=message.delivered_at or message.sent_at,
    )


def about(*items: str) -> list[MessageLine]:
    """The messages about these items ("booking:12"), oldest first."""
    return about_each(items).get(None, [])


def about_each(items: Iterable[str]) -> dict:
    """The messages about each item, in one query: {item: [lines]}, and under None all of
    them in order."""
    items = list(items)
    if not items:
        return {None: []}
    query = (
        sa.select(OutboxMessage)
        .where(OutboxMessage.about.in_(items))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    )
    grouped: dict = {None: []}
    for message in db.session.execute(query).scalars():
        entry = line(message)
        grouped.setdefault(message.about, []).append(entry)
        grouped[None].append(entry)
    return grouped


def for_viewer(viewer: User | None, ward_id: int | None, *items: str) -> list[MessageLine] | None:
    """The messages about an item for a viewer who may see them (the ward's officials and the
    city administrator), or None for anyone else (its holder sees the item, not the log)."""
    if not is_official_of(viewer, ward_id):
        return None
    return about(*items)
