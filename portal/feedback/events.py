"""An item's history: every change recorded as an event with who and when, and the files
that came with it."""

from __future__ import annotations

from datetime import datetime

from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.feedback.models import (
    EventKind,
    Feedback,
    FeedbackAttachment,
    FeedbackEvent,
    FeedbackStatus,
)


def record(
    item: Feedback,
    kind: EventKind,
    actor: User | None,
    body: str = "",
    *,
    public: bool = True,
    old: FeedbackStatus | None = None,
    new: FeedbackStatus | None = None,
    now: datetime | None = None,
) -> FeedbackEvent:
    event = FeedbackEvent(
        feedback_id=item.id,
        kind=kind,
        public=public,
        actor_id=actor.id if actor else None,
        old_status=old,
        new_status=new,
        body=body,
        created_at=now or utcnow(),
    )
    db.session.add(event)
    db.session.flush()
    return event


def attach(item: Feedback, event: FeedbackEvent, checked, actor: User | None) -> None:
    for upload in checked:
        db.session.add(
            FeedbackAttachment(
                feedback_id=item.id,
                event_id=event.id,
                filename=upload.filename,
                content_type=upload.content_type,
                size=upload.size,
                data=upload.data,
                uploaded_by_id=actor.id if actor else None,
            )
        )
