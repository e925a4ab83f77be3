"""Personal data is kept no longer than it is needed (Decree 13/2023/ND-CP, art. 9). The
daily job (`flask --app wsgi retention run`) erases, past periods that are settings:

- RETENTION_FEEDBACK_DAYS after feedback was closed: the sender's contact details, address,
  position and attached files (the words of the feedback and the ward's answer stay);
- RETENTION_BOOKINGS_DAYS after a session: a caller's name and phone and the question given;
- RETENTION_MESSAGES_DAYS after a message was queued: its address and text (once it is sent,
  delivered or failed; the record that it was sent stays for the staff pages' counts);
- and one-time codes a day old; accounts whose deletion's cooling-off has ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.audit import services as audit
from portal.auth.models import PhoneCode
from portal.db import utcnow
from portal.dialogues.models import Booking, DialogueSession
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.privacy import deletion, erasure

DEFAULTS = {
    "RETENTION_FEEDBACK_DAYS": 5 * 365,  # the archive period of citizens' petitions files
    "RETENTION_BOOKINGS_DAYS": 365,
    "RETENTION_MESSAGES_DAYS": 90,
}
CODES_KEPT = timedelta(days=1)


@dataclass
class Report:
    accounts: int = 0
    feedback: int = 0
    bookings: int = 0
    messages: int = 0
    codes: int = 0


def _days(name: str) -> timedelta:
    return timedelta(days=int(current_app.config.get(name, DEFAULTS[name])))


def _count(query: sa.Select) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()


def run(now: datetime | None = None) -> Report:
    """Erase what is past its period, in the caller's transaction (the command commits).
    Running it twice erases nothing more."""
    now = now or utcnow()
    report = Report(accounts=deletion.delete_due(now))

    feedback = sa.select(Feedback.id).where(
        Feedback.closed_at.is_not(None),
        Feedback.closed_at < now - _days("RETENTION_FEEDBACK_DAYS"),
        sa.or_(
            Feedback.contact_name != "",
            Feedback.contact_phone != "",
            Feedback.contact_email != "",
            Feedback.address != "",
            Feedback.latitude.is_not(None),
        ),
    )
    report.feedback = _count(feedback)
    erasure.erase_feedback(feedback)

    past = sa.select(DialogueSession.id).where(
        DialogueSession.starts_at < now - _days("RETENTION_BOOKINGS_DAYS")
    )
    bookings = sa.select(Booking.id).where(
        Booking.session_id.in_(past),
        sa.or_(Booking.guest_name != "", Booking.guest_phone != "", Booking.question != ""),
    )
    report.bookings = _count(bookings)
    erasure.erase_bookings(bookings)

    messages = sa.and_(
        OutboxMessage.created_at < now - _days("RETENTION_MESSAGES_DAYS"),
        OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.FAILED)),
        OutboxMessage.address != "",
    )
    report.messages = _count(sa.select(OutboxMessage.id).where(messages))
    erasure.erase_messages(messages)

    old_codes = sa.delete(PhoneCode).where(PhoneCode.created_at < now - CODES_KEPT)
    report.codes = db.session.execute(old_codes).rowcount or 0

    if report.feedback or report.bookings or report.messages:
        audit.record(
            "privacy.retention",
            detail={
                "feedback": report.feedback,
                "bookings": report.bookings,
                "messages": report.messages,
            },
        )
    db.session.flush()
    return report
