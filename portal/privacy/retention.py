"""Personal data is kept no longer than it is needed (Decree 13/2023/ND-CP, art. 9). The
daily job (`flask --app wsgi retention run`) erases, past periods that are settings:

- RETENTION_FEEDBACK_DAYS after feedback was closed: the sender's contact details, address,
  position and attached files (the words of the feedback and the ward's answer stay);
- RETENTION_BOOKINGS_DAYS after a session: a caller's name and phone and the question given;
- RETENTION_MESSAGES_DAYS after a message was queued: its address and text (once it is sent,
  delivered or failed; the record that it was sent stays for the staff pages' counts);
- RETENTION_CALLBACK_DAYS after a dissatisfied rating's case was closed: the call-back
  number the resident left with it (the case's only contact);
- RETENTION_DOSSIER_PHONE_DAYS after a dossier was returned: the applicant's phone given at
  the desk (and with it the dossier's lookup);
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
from portal.feedback.models import Channel, Feedback
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.privacy import deletion, erasure
from portal.satisfaction.models import Dossier

DEFAULTS = {
    "RETENTION_FEEDBACK_DAYS": 5 * 365,  # the archive period of citizens' petitions files
    "RETENTION_BOOKINGS_DAYS": 365,
    "RETENTION_MESSAGES_DAYS": 90,
    "RETENTION_CALLBACK_DAYS": 30,
    "RETENTION_DOSSIER_PHONE_DAYS": 180,
}
CODES_KEPT = timedelta(days=1)


@dataclass
class Report:
    accounts: int = 0
    feedback: int = 0
    bookings: int = 0
    messages: int = 0
    callbacks: int = 0
    dossier_phones: int = 0
    codes: int = 0


def _days(name: str) -> timedelta:
    return timedelta(days=int(current_app.config.get(name, DEFAULTS[name])))


def _count(query: sa.Select) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()


def _rowcount(statement) -> int:
    result = db.session.execute(statement, execution_options={"synchronize_session": False})
    return result.rowcount or 0


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

    callbacks = sa.update(Feedback).where(
        Feedback.channel == Channel.SATISFACTION,
        Feedback.closed_at.is_not(None),
        Feedback.closed_at < now - _days("RETENTION_CALLBACK_DAYS"),
        Feedback.contact_phone != "",
    )
    report.callbacks = _rowcount(callbacks.values(contact_phone=""))

    phones = sa.update(Dossier).where(
        Dossier.returned_at.is_not(None),
        Dossier.returned_at < now - _days("RETENTION_DOSSIER_PHONE_DAYS"),
        Dossier.applicant_phone != "",
    )
    report.dossier_phones = _rowcount(phones.values(applicant_phone=""))

    old_codes = sa.delete(PhoneCode).where(PhoneCode.created_at < now - CODES_KEPT)
    report.codes = db.session.execute(old_codes).rowcount or 0

    erased = {
        "feedback": report.feedback,
        "bookings": report.bookings,
        "messages": report.messages,
        "callbacks": report.callbacks,
        "dossier_phones": report.dossier_phones,
    }
    if any(erased.values()):
        audit.record("privacy.retention", detail=erased)
    db.session.flush()
    return report
