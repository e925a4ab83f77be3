"""The outbox: every message to a person, written in the same transaction as its cause."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import UTCDateTime, str_enum, utcnow
from portal.extensions import db


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"
    ZALO = "zalo"  # a Zalo Notification Service message to the phone number (SMS if refused)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"  # waiting to be sent (or to be retried at next_attempt_at)
    SENDING = "sending"  # claimed by a worker
    SENT = "sent"  # handed over to the provider
    DELIVERED = "delivered"  # the provider reported it reached the phone
    FAILED = "failed"  # gave up (last retry, a permanent refusal, or not delivered)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int | None] = mapped_column(sa.ForeignKey("wards.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))  # e.g. booking_confirmed
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, 10))
    address: Mapped[str] = mapped_column(sa.String(254))  # e-mail address or E.164 phone
    locale: Mapped[str] = mapped_column(sa.String(5))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # A one-time code: its text is scrubbed once handed over (it must not stay readable).
    sensitive: Mapped[bool] = mapped_column(sa.Boolean, default=False, server_default=sa.false())
    # Makes queueing idempotent: the same reminder is never queued twice.
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(120), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # For Zalo: the approved template's values (its text, for SMS instead, is in `body`).
    data: Mapped[dict | None] = mapped_column(sa.JSON)
    # What it is about, for the staff pages: "booking:12", "feedback:7".
    about: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    # The provider's id of the message (for its delivery report) and when it reached the phone.
    provider_message_id: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why the person gets it (a ConsentPurpose): withdrawing that consent stops it unsent.
    purpose: Mapped[str | None] = mapped_column(sa.String(20))


class ProviderToken(db.Model):
    """A provider's current access token and the refresh token that renews it (Zalo's is
    used once: each renewal stores the new one), shared by every worker and server."""

    __tablename__ = "provider_tokens"

    provider: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    access_token: Mapped[str] = mapped_column(sa.Text)
    refresh_token: Mapped[str] = mapped_column(sa.Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
