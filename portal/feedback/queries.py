"""What officers, residents and the public read of feedback: one item, its history and
files, the inbox (filtered, searched, sorted, a page at a time), the overdue list, and the
answers published on a ward's page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.auth.models import User
from portal.codes import normalize_code
from portal.db import folded_search, utcnow
from portal.extensions import db
from portal.feedback.deadlines import soon_limit
from portal.feedback.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    EventKind,
    Feedback,
    FeedbackAttachment,
    FeedbackEvent,
    FeedbackStatus,
)
from portal.feedback.redaction import redact
from portal.paging import Page, paginate
from portal.security import is_official_of
from portal.text import clean
from portal.timeutil import local_today

PAGE_SIZE = 50
SEARCH_MAX = 100  # characters of a search
PUBLIC_PAGE_SIZE = 20


def by_code(code: str) -> Feedback | None:
    return db.session.execute(
        sa.select(Feedback).where(Feedback.code == normalize_code(code))
    ).scalar_one_or_none()


# What an item's page shows of the item itself, loaded with it in one query.
ITEM_PAGE = (joinedload(Feedback.category), joinedload(Feedback.user))


def timeline(item: Feedback, *, internal: bool) -> list[FeedbackEvent]:
    """The item's history, oldest first; internal notes only for officers."""
    query = (
        sa.select(FeedbackEvent)
        .options(joinedload(FeedbackEvent.actor), joinedload(FeedbackEvent.attachments))
        .where(FeedbackEvent.feedback_id == item.id)
        .order_by(FeedbackEvent.id)
    )
    if not internal:
        query = query.where(FeedbackEvent.public.is_(True))
    return list(db.session.execute(query).unique().scalars())


@dataclass(frozen=True)
class Answer:
    at: datetime
    text: str


@dataclass(frozen=True)
class MergedInto:
    """What the sender of a merged item sees of the item it was merged into."""

    code: str
    own: bool  # the sender's own item too: its page is theirs to open
    answers: list[Answer]  # empty until answered, or when the sender may not read it


def merged_into_for_sender(item: Feedback, viewer: User) -> MergedInto | None:
    """The item `item` was merged into, and its answer when `viewer` may read it: their own
    item's in full, a published one's as the public page shows it (without phone numbers or
    e-mail addresses)."""
    target = item.merged_into if item.status == FeedbackStatus.MERGED else None
    if target is None:
        return None
    own = target.user_id is not None and target.user_id == viewer.id
    answered = target.answered_at is not None and target.status in (
        FeedbackStatus.ANSWERED,
        FeedbackStatus.CLOSED,
    )
    if not answered or not (own or target.publish_allowed):
        return MergedInto(target.code, own, [])
    query = (
        sa.select(FeedbackEvent)
        .where(
            FeedbackEvent.feedback_id == target.id,
            FeedbackEvent.public.is_(True),
            FeedbackEvent.kind.in_((EventKind.REPLY, EventKind.OUTCOME)),
            FeedbackEvent.new_status == FeedbackStatus.ANSWERED,
        )
        .order_by(FeedbackEvent.id)
    )
    answers = [
        Answer(e.created_at, e.body if own else redact(e.body))
        for e in db.session.execute(query).scalars()
    ]
    return MergedInto(target.code, own, answers)


def attachments_of(item: Feedback) -> list[FeedbackAttachment]:
    return list(
        db.session.execute(
            sa.select(FeedbackAttachment)
            .where(FeedbackAttachment.feedback_id == item.id)
            .order_by(FeedbackAttachment.id)
        ).scalars()
    )


def attachment_visible(attachment: FeedbackAttachment, user: User) -> bool:
    """Files are for the sender and the ward's officials; an internal note's never leak."""
    item = db.session.get(Feedback, attachment.feedback_id)
    if is_official_of(user, item.ward_id):
        return True
    event = attachment.event
    return item.user_id == user.id and (event is None or event.public)


def my_feedback(user: User) -> list[Feedback]:
    query = (
        sa.select(Feedback)
        .where(Feedback.user_id == user.id)
        .order_by(Feedback.received_at.desc(), Feedback.id.desc())
    )
    return list(db.session.execute(query).scalars())


@dataclass
class InboxFilter:
    status: str = ""  # "" = everything not final; "all"; or a FeedbackStatus value
    category_id: int | None = None
    assignee: str = ""  # "" any, "none", "me", or a user id
    due: str = ""  # "", "overdue", "due_soon"
    q: str = ""
    sort: str = "due"  # due, newest, oldest
    page: int = 1


SORTS = {
    "due": (Feedback.due_on.asc(), Feedback.id.asc()),
    "newest": (Feedback.received_at.desc(), Feedback.id.desc()),
    "oldest": (Feedback.received_at.asc(), Feedback.id.asc()),
}


# What a list row shows: one flat SELECT, no objects, no query per row.
ROW_COLUMNS = (
    Feedback.id,
    Feedback.code,
    Feedback.title,
    Feedback.status,
    Feedback.channel,
    Feedback.received_at,
    Feedback.due_on,
    Feedback.category_id,
    # what the deadline's state needs (portal.feedback.deadlines.state)
    Feedback.urgency,
    Feedback.ack_due_at,
    Feedback.due_at,
    Feedback.answered_at,
    # where it is (the officers' map)
    Feedback.latitude,
    Feedback.longitude,
    User.full_name.label("assignee_name"),
)


def overdue_clause(today: date, now: datetime):
    """SQL of deadlines.is_overdue for items still to be answered: past the deadline's
    day, or an urgent item past its hour to answer (or to acknowledge, while received)."""
    return sa.and_(
        Feedback.status.in_(OPEN_STATUSES),
        sa.or_(
            Feedback.due_on < today,
            sa.and_(Feedback.due_at.is_not(None), Feedback.due_at < now),
            sa.and_(
                Feedback.status == FeedbackStatus.RECEIVED,
                Feedback.ack_due_at.is_not(None),
                Feedback.ack_due_at < now,
            ),
        ),
    )


def due_soon_clause(today: date, soon: date, now: datetime):
    """SQL of deadlines.due_state == "due_soon": not overdue, and due by `soon` (an urgent
    item always)."""
    return sa.and_(
        Feedback.status.in_(OPEN_STATUSES),
        sa.not_(overdue_clause(today, now)),
        sa.or_(Feedback.due_on <= soon, Feedback.due_at.is_not(None)),
    )


def _rows_query() -> sa.Select:
    return sa.select(*ROW_COLUMNS).outerjoin(User, User.id == Feedback.assignee_id)


def inbox_query(
    ward_id: int, flt: InboxFilter, viewer: User, today: date, now: datetime
) -> sa.Select:
    """The rows of the ward's feedback that the inbox's filters and search keep, unsorted
    (the inbox pages them; the officers' map places them)."""
    query = _rows_query().where(Feedback.ward_id == ward_id)
    if flt.status == "all":
        pass
    elif flt.status in {s.value for s in FeedbackStatus}:
        query = query.where(Feedback.status == FeedbackStatus(flt.status))
    else:
        query = query.where(Feedback.status.not_in(FINAL_STATUSES))
    if flt.category_id:
        query = query.where(Feedback.category_id == flt.category_id)
    if flt.assignee == "none":
        query = query.where(Feedback.assignee_id.is_(None))
    elif flt.assignee == "me":
        query = query.where(Feedback.assignee_id == viewer.id)
    elif flt.assignee.isascii() and flt.assignee.isdigit():
        query = query.where(Feedback.assignee_id == int(flt.assignee))
    if flt.due == "overdue":
        query = query.where(overdue_clause(today, now))
    elif flt.due == "due_soon":
        query = query.where(due_soon_clause(today, soon_limit(today), now))
    text = clean(flt.q)[:SEARCH_MAX]
    found = folded_search([Feedback.search_text], text)
    if found is not None:
        # A tracking code as typed ("pa-7k2m…") or any words of its text, address or code.
        query = query.where(sa.or_(Feedback.code == normalize_code(text), found))
    return query


def inbox(
    ward_id: int,
    flt: InboxFilter,
    viewer: User,
    today: date | None = None,
    now: datetime | None = None,
) -> Page:
    """The ward's feedback for officers, filtered and sorted, PAGE_SIZE a page, in a fixed
    number of queries whatever the page size."""
    now = now or utcnow()
    today = today or local_today(now)
    query = inbox_query(ward_id, flt, viewer, today, now)
    return paginate(query, Feedback.id, SORTS.get(flt.sort, SORTS["due"]), flt.page, PAGE_SIZE)


def overdue(ward_id: int, today: date | None = None, now: datetime | None = None) -> list:
    """Rows of the items past their deadline and still unanswered, oldest deadline first
    (the chairman's list)."""
    now = now or utcnow()
    today = today or local_today(now)
    query = (
        _rows_query()
        .where(Feedback.ward_id == ward_id, overdue_clause(today, now))
        .order_by(Feedback.due_on, Feedback.id)
    )
    return db.session.execute(query).all()


def overdue_counts(today: date | None = None, now: datetime | None = None) -> dict[int, int]:
    """How many items are past their deadline and still unanswered, per ward id (the city's
    comparison): one GROUP BY over every ward; wards with none are absent."""
    now = now or utcnow()
    today = today or local_today(now)
    query = (
        sa.select(Feedback.ward_id, sa.func.count(Feedback.id))
        .where(overdue_clause(today, now))
        .group_by(Feedback.ward_id)
    )
    return {ward_id: int(count) for ward_id, count in db.session.execute(query)}


@dataclass(frozen=True)
class DeadlineCounts:
    due_soon: int
    overdue: int


def my_deadline_counts(viewer: User, now: datetime | None = None) -> DeadlineCounts:
    """How many of the items assigned to `viewer` are due soon and overdue (the inbox's
    badges), in one query."""
    now = now or utcnow()
    today = local_today(now)
    soon_case = sa.case((due_soon_clause(today, soon_limit(today), now), 1), else_=0)
    overdue_case = sa.case((overdue_clause(today, now), 1), else_=0)
    row = db.session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(soon_case), 0),
            sa.func.coalesce(sa.func.sum(overdue_case), 0),
        ).where(Feedback.assignee_id == viewer.id, Feedback.status.in_(OPEN_STATUSES))
    ).one()
    return DeadlineCounts(due_soon=int(row[0]), overdue=int(row[1]))


def pressing(today: date, now: datetime) -> list[Feedback]:
    """Every ward's items due soon or overdue, with their ward and officer (the daily
    deadline job's work), by ward and deadline."""
    soon = soon_limit(today)
    query = (
        sa.select(Feedback)
        .options(joinedload(Feedback.assignee))
        .where(sa.or_(overdue_clause(today, now), due_soon_clause(today, soon, now)))
        .order_by(Feedback.ward_id, Feedback.due_on, Feedback.id)
    )
    return list(db.session.execute(query).scalars())


def public_answered(ward_id: int, page: int = 1, q: str = "") -> Page:
    """Answered feedback whose senders allowed publication, newest answer first; with `q`,
    those whose public text holds its words (without diacritics, in any order)."""
    query = sa.select(Feedback).where(
        Feedback.ward_id == ward_id,
        Feedback.publish_allowed.is_(True),
        Feedback.answered_at.is_not(None),
        Feedback.status.in_((FeedbackStatus.ANSWERED, FeedbackStatus.CLOSED)),
    )
    found = folded_search([Feedback.public_search_text], clean(q)[:SEARCH_MAX])
    if found is not None:
        query = query.where(found)
    order = (Feedback.answered_at.desc(), Feedback.id.desc())
    return paginate(query, Feedback.id, order, page, PUBLIC_PAGE_SIZE, objects=True)


def public_answers(items: list[Feedback]) -> dict[int, list[FeedbackEvent]]:
    """The public replies of several items in one query: {feedback id: [replies]}."""
    if not items:
        return {}
    query = (
        sa.select(FeedbackEvent)
        .where(
            FeedbackEvent.feedback_id.in_([i.id for i in items]),
            FeedbackEvent.kind == EventKind.REPLY,
            FeedbackEvent.public.is_(True),
        )
        .order_by(FeedbackEvent.id)
    )
    answers: dict[int, list[FeedbackEvent]] = {i.id: [] for i in items}
    for event in db.session.execute(query).scalars():
        answers[event.feedback_id].append(event)
    return answers
