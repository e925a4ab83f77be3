"""A resident's right to see and export their data (Decree 13/2023/ND-CP).

Each feature contributes what it holds about a person; later features add their section here.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _account(user: User) -> dict:
    return {
        "full_name": user.full_name,
        "phone": user.phone,
        "email": user.email,
        "role": user.role.value,
        "ward": user.ward.name if user.ward else None,
        "language": user.locale,
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
        "consents": [
            {
                "purpose": c.purpose.value,
                "feedback": c.feedback.code if c.feedback else None,
                "policy_version": c.policy_version,
                "text": c.text,
                "given_at": _iso(c.given_at),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in user.consents
        ],
        # A national login linked to the account: only the last 3 digits of the personal ID
        # number are held (and a keyed hash of it, which tells nothing by itself).
        "linked_identities": [
            {
                "provider": i.provider,
                "personal_id_last3": i.id_last3,
                "linked_at": _iso(i.linked_at),
            }
            for i in user.external_identities
        ],
    }


def _bookings(user: User) -> list[dict]:
    from portal.dialogues.labels import session_title
    from portal.dialogues.models import Booking

    rows = db.session.execute(
        sa.select(Booking).where(Booking.user_id == user.id).order_by(Booking.id)
    ).scalars()
    return [
        {
            "session": session_title(b.session),
            "kind": b.session_kind.value,
            "starts_at": _iso(b.session.starts_at),
            "code": b.code,
            "status": b.status.value,
            "question": b.question,
            "booked_at": _iso(b.created_at),
        }
        for b in rows
    ]


def _feedback(user: User) -> list[dict]:
    from portal.feedback.models import Feedback, FeedbackEvent

    items = db.session.execute(
        sa.select(Feedback).where(Feedback.user_id == user.id).order_by(Feedback.id)
    ).scalars()
    result = []
    for item in items:
        events = db.session.execute(
            sa.select(FeedbackEvent)
            .where(FeedbackEvent.feedback_id == item.id, FeedbackEvent.public.is_(True))
            .order_by(FeedbackEvent.id)
        ).scalars()
        result.append(
            {
                "code": item.code,
                "ward": item.ward.name,
                "category": item.category.name_vi,
                "title": item.title,
                "text": item.body,
                "address": item.address,
                "residential_group": item.residential_group,
                "latitude": item.latitude,
                "longitude": item.longitude,
                "may_be_published": item.publish_allowed,
                "status": item.status.value,
                "received_at": _iso(item.received_at),
                "due_on": item.due_on.isoformat(),
                "resolved": item.resolved,
                "answer_rating": item.answer_rating,
                "timeline": [
                    {"kind": e.kind.value, "text": e.body, "at": _iso(e.created_at)} for e in events
                ],
            }
        )
    return result


def messages_of(user: User) -> list:
    """The messages queued for the person, oldest first."""
    from portal.notifications.models import OutboxMessage

    query = sa.select(OutboxMessage).where(OutboxMessage.user_id == user.id)
    return list(db.session.execute(query.order_by(OutboxMessage.id)).scalars())


def _messages(user: User) -> list[dict]:
    rows = messages_of(user)
    return [
        {
            "kind": m.kind,
            "channel": m.channel.value,
            "to": m.address,
            "subject": m.subject,
            # a one-time code is a key: once handed over its text is gone, here too
            "text": m.body,
            "status": m.status.value,
            "queued_at": _iso(m.created_at),
            "sent_at": _iso(m.sent_at),
        }
        for m in rows
    ]


def _processing(user: User) -> list[dict]:
    from portal.privacy.trail import entries_about

    return [
        {
            "at": _iso(e.created_at),
            "action": e.action,
            "by_role": e.actor_role or None,  # None: a scheduled job
            "record": e.target_type,
        }
        for e in entries_about(user, limit=None)
    ]


SECTIONS: dict[str, Callable[[User], object]] = {
    "account": _account,
    "bookings": _bookings,
    "feedback": _feedback,
    "messages": _messages,
    "processing": _processing,
}


def export(user: User) -> dict:
    """Everything the portal holds about this person, as plain JSON-ready data."""
    return {name: section(user) for name, section in SECTIONS.items()}
