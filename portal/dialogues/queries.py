"""What the dialogue rules read about the people booked: a resident's booking of a session,
their open reception booking, the questions still unanswered."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import contains_eager

from portal.auth.models import User
from portal.dialogues.models import (
    ACTIVE_BOOKING,
    Booking,
    BookingStatus,
    DialogueSession,
    Question,
    SessionKind,
)
from portal.extensions import db


def active_booking_of(user: User, session: DialogueSession) -> Booking | None:
    return db.session.execute(
        sa.select(Booking).where(
            Booking.session_id == session.id,
            Booking.user_id == user.id,
            Booking.status.in_(ACTIVE_BOOKING),
        )
    ).scalar_one_or_none()


def open_reception_booking(user: User, now: datetime) -> Booking | None:
    """The resident's confirmed reception booking still to come, if any (asked once per
    request: a page of slots asks for each one)."""
    memo = g.setdefault("_open_reception_booking", {})
    if user.id not in memo:
        memo[user.id] = db.session.execute(
            sa.select(Booking)
            .join(Booking.session)
            .options(contains_eager(Booking.session))
            .where(
                Booking.user_id == user.id,
                Booking.session_kind == SessionKind.RECEPTION,
                Booking.status == BookingStatus.CONFIRMED,
                DialogueSession.starts_at > now,
            )
            .limit(1)
        ).scalar_one_or_none()
    return memo[user.id]


def unanswered_count(session: DialogueSession) -> int:
    """Questions of the session (merged repeats aside) still without an answer."""
    return db.session.execute(
        sa.select(sa.func.count(Question.id)).where(
            Question.session_id == session.id,
            Question.merged_into_id.is_(None),
            Question.answer == "",
        )
    ).scalar_one()
