"""Queue messages in the outbox, inside the caller's transaction (never commits)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from portal.auth.models import ConsentPurpose, User
from portal.extensions import db
from portal.notifications import preferences, sms_text, zalo
from portal.notifications.models import Channel, OutboxMessage

AUTO = "auto"  # the channel follows the address: e-mail when there is one, else the phone


@dataclass(frozen=True)
class Recipient:
    """Who gets a message and how. `via` is the channel (None: not at all); by default
    e-mail when there is an address, otherwise the phone (Zalo when the ward sends Zalo
    messages, else SMS)."""

    name: str
    locale: str
    email: str | None = None
    phone: str | None = None
    user_id: int | None = None
    via: Channel | str | None = AUTO
    purpose: ConsentPurpose | None = None  # for an account holder: the consent it rests on

    @classmethod
    def for_user(
        cls,
        user: User,
        purpose: ConsentPurpose = ConsentPurpose.UPDATES,
        default_locale: str = "vi",
    ) -> Recipient:
        """The account holder, by the channel they chose for this purpose of messages."""
        return cls(
            name=user.full_name,
            locale=user.locale or default_locale,
            email=user.email,
            phone=user.phone,
            user_id=user.id,
            via=preferences.channel_for(user, purpose),
            purpose=purpose,
        )

    @classmethod
    def for_official(cls, user: User) -> Recipient:
        """An official about their work: by e-mail when the account has an address, else
        by phone. Such messages rest on the official's duties, not on a consent."""
        return cls(
            name=user.full_name,
            locale=user.locale or "vi",
            email=user.email,
            phone=user.phone,
            user_id=user.id,
            via=AUTO,
        )

    @property
    def channel(self) -> Channel | None:
        if self.via != AUTO:
            return self.via
        if self.email:
            return Channel.EMAIL
        if self.phone:
            return preferences.phone_channel()
        return None

    @property
    def address(self) -> str | None:
        return self.email if self.channel == Channel.EMAIL else self.phone


def enqueue(
    recipient: Recipient,
    *,
    kind: str,
    subject: str,
    body: str,
    ward_id: int | None,
    sms: str | None = None,
    data: dict | None = None,
    dedupe_key: str | None = None,
    sensitive: bool = False,
    about: str | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the current transaction.

    `body` is the e-mail's text; `sms` the short text for a phone (the body when not given);
    `data` the values of the kind's approved Zalo template. A Zalo message of a kind without
    an approved template goes by SMS.

    Returns None when the recipient cannot be reached or when a message with the same
    `dedupe_key` is already queued (so queueing twice sends once).
    """
    channel, address = recipient.channel, recipient.address
    if channel is None or not address:
        return None
    if channel == Channel.ZALO and (
        data is None or not zalo.template_for(kind, current_app.config)
    ):
        channel = Channel.SMS
    text = body if channel == Channel.EMAIL else sms_text.tidy(sms or body)
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
        channel=channel,
        address=address,
        locale=recipient.locale,
        subject=subject[:200],
        body=text,
        data=data if channel == Channel.ZALO else None,
        dedupe_key=dedupe_key,
        sensitive=sensitive,
        about=about,
        purpose=recipient.purpose.value if recipient.purpose else None,
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
