"""Queue messages in the outbox, inside the caller's transaction (never commits)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.notifications.models import Channel, OutboxMessage


@dataclass(frozen=True)
class Recipient:
    """Who gets a message and how: e-mail when there is an address, otherwise SMS."""

    name: str
    locale: str
    email: str | None = None
    phone: str | None = None
    user_id: int | None = None

    @classmethod
    def for_user(cls, user: User, default_locale: str = "vi") -> Recipient:
        return cls(
            name=user.full_name,
            locale=user.locale or default_locale,
            email=user.email,
            phone=user.phone,
            user_id=user.id,
        )

    @property
    def channel(self) -> Channel | None:
        if self.email:
            return Channel.EMAIL
        if self.phone:
            return Channel.SMS
        return None

    @property
    def address(self) -> str | None:
        return self.email or self.phone


def enqueue(
    recipient: Recipient,
    *,
    kind: str,
    subject: str,
    body: str,
    ward_id: int | None,
    dedupe_key: str | None = None,
    sensitive: bool = False,
    about: str | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the current transaction.

    Returns None when the recipient cannot be reached or when a message with the same
    `dedupe_key` is already queued (so queueing twice sends once).
    """
    if recipient.channel is None:
        return None
    if dedupe_key is not None:
        exists = db.session.execute(
            sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        ).first()
        if exists:
            return None
    message = OutboxMessage(
        ward_id=ward_id,
        user_id=recipient.user_id,
        kind=kind,
        channel=recipient.channel,
        address=recipient.address,
        locale=recipient.locale,
        subject=subject[:200],
        body=body,
        dedupe_key=dedupe_key,
        sensitive=sensitive,
        about=about,
    )
    if dedupe_key is None:
        db.session.add(message)
        db.session.flush()
        return message
    try:  # a concurrent queuer may win the race: the unique key keeps one
        with db.session.begin_nested():
            db.session.add(message)
            db.session.flush()
    except sa.exc.IntegrityError:
        return None
    return message


def messages_about(about: str) -> list[OutboxMessage]:
    """The messages sent about one item ("booking:12"), oldest first: what staff see of
    them (kind, channel, state, reason; never the text of a one-time code)."""
    query = sa.select(OutboxMessage).where(OutboxMessage.about == about)
    return list(db.session.execute(query.order_by(OutboxMessage.id)).scalars())
