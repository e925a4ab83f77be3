"""The resident's side of an item: adding information (a waiting item goes back into work),
and the verdict on the answer: resolved, or not (which reopens it within the reopening
period). Unanswered verdicts close by themselves after that period."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.db import utcnow
from portal.domain import Problems
from portal.extensions import db
from portal.feedback import events, policy
from portal.feedback.deadlines import deadline_for
from portal.feedback.models import EventKind, Feedback, FeedbackStatus
from portal.feedback.policy import Action
from portal.feedback.uploads import check_all
from portal.feedback.workflow import move, required_text
from portal.text import clean

COMMENT_MAX = 2000


def add_information(user: User, item: Feedback, text: str, attachments=None, now=None) -> None:
    """The resident adds information; a waiting item goes back into work."""
    policy.require(user, item, Action.ADD_INFORMATION, now)
    text = required_text(text, "body", _l("Write your message."))
    checked = check_all(attachments or [])
    if item.status == FeedbackStatus.WAITING:
        event = move(
            item, FeedbackStatus.IN_PROGRESS, user, EventKind.RESIDENT_MESSAGE, text, now=now
        )
    else:
        event = events.record(item, EventKind.RESIDENT_MESSAGE, user, text, now=now)
    events.attach(item, event, checked, user)


def reopen_deadline(item: Feedback) -> datetime | None:
    """Until when the resident may say "not resolved" and reopen the item."""
    if item.answered_at is None:
        return None
    return item.answered_at + timedelta(days=current_app.config["FEEDBACK_REOPEN_DAYS"])


def respond(
    user: User,
    item: Feedback,
    *,
    resolved: bool | None,
    rating: int | None,
    comment: str = "",
    now: datetime | None = None,
) -> bool:
    """The resident says whether the answer resolved the matter and rates it (1–5).
    "Not resolved" within the reopening period reopens it with a fresh deadline; otherwise
    the item closes. Returns True when it was reopened."""
    now = now or utcnow()
    policy.require(user, item, Action.RESPOND, now)
    problems = Problems()
    if resolved is None:
        problems.add("resolved", _l("Say whether the answer resolved the matter."))
    if rating is not None and not 1 <= rating <= 5:
        problems.add("rating", _l("Choose a rating from 1 to 5."))
    comment = clean(comment)
    if len(comment) > COMMENT_MAX:
        problems.add("comment", _l("At most %(max)d characters.", max=COMMENT_MAX))
    problems.raise_if_any()
    item.resolved = resolved
    item.answer_rating = rating
    item.responded_at = now
    if resolved:
        move(item, FeedbackStatus.CLOSED, user, EventKind.RESOLVED, comment, now=now)
        return False
    if now <= reopen_deadline(item):
        move(item, FeedbackStatus.IN_PROGRESS, user, EventKind.REOPENED, comment, now=now)
        item.reopened_count += 1
        item.due_on = deadline_for(now, item.category.deadline_days)
        return True
    move(item, FeedbackStatus.CLOSED, user, EventKind.NOT_RESOLVED, comment, now=now)
    return False


def close_unanswered_responses(now: datetime | None = None) -> int:
    """Close answered items whose reopening period has passed without the resident's
    response (run daily by `flask feedback close-answered`). Returns how many closed."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["FEEDBACK_REOPEN_DAYS"])
    query = sa.select(Feedback).where(
        Feedback.status == FeedbackStatus.ANSWERED, Feedback.answered_at < cutoff
    )
    closed = 0
    for item in db.session.execute(query.with_for_update(skip_locked=True, of=Feedback)).scalars():
        move(item, FeedbackStatus.CLOSED, None, EventKind.CLOSED, now=now)
        closed += 1
    return closed
