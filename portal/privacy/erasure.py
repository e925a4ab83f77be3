"""Removing a person's personal data from every table that holds it, keeping what the ward
must keep: anonymous ratings, every figure, the words of feedback and the ward's published
answers (without a name). Used by an account's deletion and by the retention job."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.auth.models import (
    AuthSession,
    ExternalIdentity,
    PhoneCode,
    PhoneCodeQuota,
    Role,
    User,
    new_session_token,
)
from portal.dialogues.models import Booking, DialogueSession, Question
from portal.extensions import db
from portal.feedback import search as feedback_search
from portal.feedback.models import Feedback, FeedbackAttachment
from portal.notifications.models import OutboxMessage, OutboxStatus

ERASED = "•••"  # what is left of a message's text
UNUSABLE_PASSWORD = "!erased"  # noqa: S105 - not a password: no password hashes to it


def erase_account(user: User, now: datetime) -> None:
    """The account itself: name, phone, e-mail, password, national login links, sessions
    and codes; the row stays (with its id) so that the records pointing at it still count."""
    phone, email = user.phone, user.email
    user.full_name = ""
    user.phone = f"erased:{user.id}"  # unique and not a number
    user.email = None
    user.password_hash = UNUSABLE_PASSWORD
    user.phone_verified_at = None
    user.is_active_account = False
    user.deleted_at = now
    user.session_token = new_session_token()  # any cookie it had stops working
    db.session.execute(sa.delete(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    db.session.execute(sa.delete(AuthSession).where(AuthSession.user_id == user.id))
    codes = sa.or_(PhoneCode.user_id == user.id, PhoneCode.phone == phone)
    db.session.execute(sa.delete(PhoneCode).where(codes))
    db.session.execute(sa.delete(PhoneCodeQuota).where(PhoneCodeQuota.phone == phone))
    erase_feedback(sa.select(Feedback.id).where(Feedback.user_id == user.id))
    erase_bookings(sa.select(Booking.id).where(Booking.user_id == user.id))
    addresses = [a for a in (phone, email) if a]
    erase_messages(sa.or_(OutboxMessage.user_id == user.id, OutboxMessage.address.in_(addresses)))


def erase_feedback(ids: sa.Select) -> None:
    """The sender's contact details, address and position of these items (also from their
    search texts), and the files the sender attached (the ward's own files stay). `ids` may
    select by the details themselves: the search texts and files go first, while it still
    finds the items."""
    officials = sa.select(User.id).where(User.role != Role.RESIDENT)
    feedback_search.forget_places(ids)
    db.session.execute(
        sa.delete(FeedbackAttachment)
        .where(
            FeedbackAttachment.feedback_id.in_(ids),
            sa.or_(
                FeedbackAttachment.uploaded_by_id.is_(None),
                FeedbackAttachment.uploaded_by_id.not_in(officials),
            ),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Feedback)
        .where(Feedback.id.in_(ids))
        .values(
            contact_name="",
            contact_phone="",
            contact_email="",
            address="",
            residential_group="",
            latitude=None,
            longitude=None,
        )
        .execution_options(synchronize_session=False)
    )


def erase_bookings(ids: sa.Select) -> None:
    """A caller's name and phone, and the question or topic given with the booking (also as
    the conference's question, unless the conference's results, where it is answered without
    a name, are published: those belong to the public record)."""
    unpublished = sa.select(DialogueSession.id).where(
        DialogueSession.results_published_at.is_(None)
    )
    db.session.execute(
        sa.update(Question)
        .where(Question.booking_id.in_(ids), Question.session_id.in_(unpublished))
        .values(text=ERASED)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Booking)
        .where(Booking.id.in_(ids))
        .values(guest_name="", guest_phone="", question="")
        .execution_options(synchronize_session=False)
    )


def erase_messages(condition) -> None:
    """Messages' addresses and texts; a message not sent yet is not sent any more."""
    db.session.execute(
        sa.update(OutboxMessage)
        .where(condition, OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))
        .values(status=OutboxStatus.FAILED, last_error="Withdrawn: the personal data was erased")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(OutboxMessage)
        .where(condition)
        .values(address="", subject="", body=ERASED, data=None)
        .execution_options(synchronize_session=False)
    )
