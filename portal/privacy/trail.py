"""What the ward's officials did with a resident's data (Decree 13/2023: the right to be
told how one's data is processed): the audit entries about their account, their bookings,
their feedback and its attachments, newest first. Officials are named by their role, not
their name: the resident learns what was done and by which office."""

from __future__ import annotations

import sqlalchemy as sa

from portal.audit.models import AuditEntry
from portal.auth.models import User
from portal.extensions import db

LIMIT = 200  # the newest entries shown on the page (the JSON download has them all)


def _targets(user: User) -> list[sa.ColumnElement[bool]]:
    from portal.dialogues.models import Booking
    from portal.feedback.models import Feedback, FeedbackAttachment

    feedback_ids = sa.select(Feedback.id).where(Feedback.user_id == user.id)
    return [
        sa.and_(AuditEntry.target_type == "user", AuditEntry.target_id == user.id),
        sa.and_(
            AuditEntry.target_type == "booking",
            AuditEntry.target_id.in_(sa.select(Booking.id).where(Booking.user_id == user.id)),
        ),
        sa.and_(AuditEntry.target_type == "feedback", AuditEntry.target_id.in_(feedback_ids)),
        sa.and_(
            AuditEntry.target_type == "attachment",
            AuditEntry.target_id.in_(
                sa.select(FeedbackAttachment.id).where(
                    FeedbackAttachment.feedback_id.in_(feedback_ids)
                )
            ),
        ),
    ]


def entries_about(user: User, limit: int | None = LIMIT) -> list[AuditEntry]:
    """The audit entries about this person's data, newest first."""
    if user.id is None:
        return []
    query = (
        sa.select(AuditEntry)
        .where(sa.or_(*_targets(user)))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.execute(query).scalars())
