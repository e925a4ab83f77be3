"""People who use the portal, their roles and the consents they gave."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from portal.extensions import db
from portal.wards.models import Ward

if TYPE_CHECKING:
    from portal.feedback.models import Feedback


class Role(enum.StrEnum):
    """One role per account. Officials belong to exactly one ward; the admin to none."""

    RESIDENT = "resident"
    STAFF = "staff"
    CHAIRMAN = "chairman"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint("role = 'admin' OR ward_id IS NOT NULL", name="ward_required"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(20), unique=True)  # E.164, e.g. +84912345678
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)  # lower case
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.RESIDENT, index=True)
    ward_id: Mapped[int | None] = mapped_column(sa.ForeignKey("wards.id"), index=True)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    is_active_account: Mapped[bool] = mapped_column(
        sa.Boolean, default=True, server_default=sa.true()
    )
    # Changing it (password change, deactivation) logs out every open session of the account.
    session_token: Mapped[str] = mapped_column(sa.String(32), default=new_session_token)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The resident asked for the account to be deleted (erased once the cooling-off ends).
    deletion_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # When the holder of `phone` proved it with a one-time code (officials: when their account
    # was created for them). Until then a resident may log in but not book or send anything.
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    ward: Mapped[Ward | None] = relationship()
    consents: Mapped[list[Consent]] = relationship(
        back_populates="user", order_by="Consent.given_at", cascade="all, delete-orphan"
    )
    external_identities: Mapped[list[ExternalIdentity]] = relationship(
        back_populates="user", order_by="ExternalIdentity.id", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.is_active_account

    def get_id(self) -> str:  # Flask-Login: id plus token, so old sessions die
        return f"{self.id}.{self.session_token}"

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def phone_verified(self) -> bool:
        return self.phone_verified_at is not None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


@sa.event.listens_for(User.role, "set")
def _new_role_ends_sessions(user: User, new, old, _initiator) -> None:
    """Whoever changes an account's role (a page, a command, a script), its open sessions
    end at once: each was started for what the old role may do."""
    if old is not sa.orm.attributes.NO_VALUE and old is not None and old != new:
        user.session_token = new_session_token()


class CodePurpose(enum.StrEnum):
    """What a one-time code sent to a phone number proves."""

    VERIFY_PHONE = "verify_phone"  # a new account's number (or a new number of an account)
    SIGN_IN = "sign_in"  # logging in without the password
    RESET_PASSWORD = "reset_password"  # noqa: S105 - choosing a new password (not a secret)


class PhoneCode(db.Model):
    """A one-time code sent to a phone number: only a keyed hash of it is stored. Valid
    for a few minutes, void after a few wrong tries, used once."""

    __tablename__ = "phone_codes"
    __table_args__ = (sa.Index("ix_phone_codes_phone_purpose", "phone", "purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(sa.String(20))  # E.164
    purpose: Mapped[CodePurpose] = mapped_column(str_enum(CodePurpose))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PhoneCodeQuota(db.Model):
    """How many codes a number was sent today, and when the last one went: one row per
    number, changed by a single conditional UPDATE so that two servers cannot both send."""

    __tablename__ = "phone_code_quotas"

    phone: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    last_sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    day: Mapped[date] = mapped_column(sa.Date)  # Hà Nội date of sent_on_day
    sent_on_day: Mapped[int] = mapped_column(sa.Integer, default=0)


class AuthSession(db.Model):
    """One signed-in browser: ended by logging out there, or by a new password everywhere.
    Only a hash of the session's secret is stored; the cookie carries the secret."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    method: Mapped[str] = mapped_column(sa.String(20))  # password, code, vneid
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # to the minute
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ExternalIdentity(db.Model):
    """An account's identity at a national login service (VNeID): the person is recognised
    again by a keyed hash (HMAC-SHA256) of their personal ID number, never the number itself;
    its last 3 digits are kept only to show the resident which number is linked."""

    __tablename__ = "external_identities"
    __table_args__ = (
        # One account per person and one person per account, at each provider.
        sa.UniqueConstraint("provider", "subject_hash"),
        sa.UniqueConstraint("user_id", "provider"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(sa.String(20))  # "vneid"
    subject_hash: Mapped[str] = mapped_column(sa.String(64))
    id_last3: Mapped[str] = mapped_column(sa.String(3))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="external_identities")

    @property
    def masked_id(self) -> str:
        """•••••••••123: the 12-digit number, only its last 3 digits shown."""
        return "•" * 9 + self.id_last3


class ConsentPurpose(enum.StrEnum):
    ACCOUNT = "account"  # processing name, phone, e-mail to run the resident's account
    # How the resident wants to hear (the consent's `channel`), per purpose of the messages:
    UPDATES = "updates"  # about their own bookings, feedback and ratings (always sent)
    REMINDERS = "reminders"  # a reminder the day before a booked session
    NEWS = "news"  # the ward's announcements
    # Publishing one item of the resident's feedback (without their name) on the ward's
    # page: one consent per item (`feedback_id`), withdrawable at any time.
    PUBLISH = "publish"


class Consent(db.Model):
    """Proof of a consent under Decree 13/2023: what was agreed, which version, when."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[ConsentPurpose] = mapped_column(str_enum(ConsentPurpose))
    policy_version: Mapped[str] = mapped_column(sa.String(20))
    locale: Mapped[str] = mapped_column(sa.String(5))
    text: Mapped[str] = mapped_column(sa.Text)  # the exact wording the person agreed to
    # For the message purposes: by which channel ("sms", "zalo", "email").
    channel: Mapped[str | None] = mapped_column(sa.String(10))
    # For PUBLISH: which feedback item may be published.
    feedback_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="consents")
    feedback: Mapped[Feedback | None] = relationship()
