"""The ward's officers at work on a feedback item: assigning it, internal notes, replies and
the answer, asking the sender for information (the clock pauses), transferring, rejecting,
closing. Each action is first required from the item's policy; every change of status goes
through `move`, which follows the lifecycle and records the change."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit import services as audit
from portal.auth.models import User
from portal.codes import format_code
from portal.db import utcnow
from portal.domain import DomainError, StateConflict
from portal.extensions import db
from portal.feedback import deadlines, events, messages, policy, queries, redaction
from portal.feedback.models import (
    FINAL_STATUSES,
    EventKind,
    Feedback,
    FeedbackEvent,
    FeedbackStatus,
)
from portal.feedback.policy import Action
from portal.feedback.uploads import Upload, check_all
from portal.security import WARD_OFFICERS
from portal.text import clean
from portal.timeutil import local_today
from portal.workdays import add_working_days, working_days_between

TEXT_MAX = 5000


def move(
    item: Feedback,
    new: FeedbackStatus,
    actor: User | None,
    kind: EventKind,
    body: str = "",
    *,
    public: bool = True,
    now: datetime | None = None,
) -> FeedbackEvent:
    """Change the status if the lifecycle allows it, and record the change."""
    now = now or utcnow()
    old = item.status
    if not policy.may_move(old, new):
        raise StateConflict(policy.NOT_NOW)
    if old == FeedbackStatus.WAITING:
        _resume_clock(item, now)
    item.status = new
    if new == FeedbackStatus.WAITING:
        item.paused_at = now
    if new == FeedbackStatus.ANSWERED:
        item.answered_at = now
    if new in FINAL_STATUSES:
        item.closed_at = now
    return events.record(item, kind, actor, body, public=public, old=old, new=new, now=now)


def _resume_clock(item: Feedback, now: datetime) -> None:
    """Leaving "waiting for the resident": the deadline moves by the working days paused."""
    if item.paused_at is None:
        return
    paused = working_days_between(local_today(item.paused_at), local_today(now))
    if paused:
        item.due_on = add_working_days(item.due_on, paused)
    deadlines.resume_urgent_clock(item, item.paused_at, now)
    item.paused_at = None


def required_text(text: str, field_name: str, message) -> str:
    """The text of a reply, note or message: cleaned, present, not too long."""
    text = clean(text)
    if not text:
        raise DomainError(message, field_name)
    if len(text) > TEXT_MAX:
        raise DomainError(_l("At most %(max)d characters.", max=TEXT_MAX), field_name)
    return text


def officers(ward_id: int) -> list[User]:
    """Who feedback can be assigned to: the ward's active officers and chairman."""
    query = (
        sa.select(User)
        .where(
            User.ward_id == ward_id,
            User.role.in_(WARD_OFFICERS),
            User.is_active_account.is_(True),
        )
        .order_by(User.full_name, User.id)
    )
    return list(db.session.execute(query).scalars())


def assign(actor: User, item: Feedback, assignee_id: int | None, now=None) -> None:
    """Give the item to an officer of the ward (or to nobody); a new item is then in progress."""
    policy.require(actor, item, Action.ASSIGN, now)
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    if assignee_id and (
        assignee is None
        or assignee.ward_id != item.ward_id
        or assignee.role not in WARD_OFFICERS
        or not assignee.is_active
    ):
        raise DomainError(_l("Choose an officer of this ward."), "assignee_id")
    item.assignee_id = assignee.id if assignee else None
    item.assignee = assignee
    body = assignee.full_name if assignee else ""
    events.record(item, EventKind.ASSIGNED, actor, body, public=False, now=now)
    if item.status == FeedbackStatus.RECEIVED and assignee is not None:
        move(item, FeedbackStatus.IN_PROGRESS, actor, EventKind.STATUS, now=now)


def add_note(actor: User, item: Feedback, text: str, now=None) -> FeedbackEvent:
    """An internal note: officers only, never shown to the resident or the public."""
    policy.require(actor, item, Action.NOTE, now)
    text = required_text(text, "note", _l("Write the note."))
    return events.record(item, EventKind.NOTE, actor, text, public=False, now=now)


def reply(
    actor: User,
    item: Feedback,
    text: str,
    *,
    answer: bool,
    attachments: list[Upload] | None = None,
    now=None,
) -> FeedbackEvent:
    """A public reply, with optional files. `answer` makes it the answer (status answered,
    the resident is told); otherwise a new item moves to in progress."""
    policy.require(actor, item, Action.REPLY, now)
    text = required_text(text, "body", _l("Write the reply."))
    checked = check_all(attachments or [])
    if answer:
        event = move(item, FeedbackStatus.ANSWERED, actor, EventKind.REPLY, text, now=now)
    else:
        event = events.record(item, EventKind.REPLY, actor, text, now=now)
        if item.status == FeedbackStatus.RECEIVED:
            move(item, FeedbackStatus.IN_PROGRESS, actor, EventKind.STATUS, now=now)
    events.attach(item, event, checked, actor)
    db.session.flush()
    messages.notify(item, "feedback_answered" if answer else "feedback_reply", text=text)
    if answer:
        _tell_merged(item, text)
    return event


def record_outcome(actor: User, item: Feedback, text: str, now=None) -> FeedbackEvent:
    """For an item whose sender nobody can reach (a dissatisfied rating's anonymous case):
    record what the ward did about it, which answers and closes it."""
    policy.require(actor, item, Action.RECORD_OUTCOME, now)
    text = required_text(text, "body", _l("Say what was done."))
    event = move(item, FeedbackStatus.ANSWERED, actor, EventKind.OUTCOME, text, now=now)
    move(item, FeedbackStatus.CLOSED, actor, EventKind.CLOSED, now=now)
    _tell_merged(item, text)
    return event


def request_info(actor: User, item: Feedback, text: str, now=None) -> None:
    """Ask the resident for more information; the deadline clock pauses until they reply."""
    policy.require(actor, item, Action.REQUEST_INFO, now)
    text = required_text(text, "body", _l("Say what information is needed."))
    move(item, FeedbackStatus.WAITING, actor, EventKind.INFO_REQUESTED, text, now=now)
    messages.notify(item, "feedback_info_requested", text=text)


def resume(actor: User, item: Feedback, now=None) -> None:
    """Take a waiting item back into work without the resident's reply."""
    policy.require(actor, item, Action.RESUME, now)
    move(item, FeedbackStatus.IN_PROGRESS, actor, EventKind.STATUS, now=now)


def transfer(actor: User, item: Feedback, authority: str, note: str = "", now=None) -> None:
    """Send the matter to the competent authority, saying where; the resident is told."""
    policy.require(actor, item, Action.TRANSFER, now)
    authority = required_text(authority, "authority", _l("Say which authority it goes to."))[:300]
    note = clean(note)[:TEXT_MAX]
    body = f"{authority}\n{note}".strip()
    move(item, FeedbackStatus.TRANSFERRED, actor, EventKind.TRANSFERRED, body, now=now)
    item.transferred_to = authority
    messages.notify(item, "feedback_transferred", authority=authority, text=note)


def reject(actor: User, item: Feedback, reason: str, now=None) -> None:
    """Refuse the item, with a reason the resident sees."""
    policy.require(actor, item, Action.REJECT, now)
    reason = required_text(reason, "reason", _l("Give the reason."))[:1000]
    move(item, FeedbackStatus.REJECTED, actor, EventKind.REJECTED, reason, now=now)
    item.reject_reason = reason
    messages.notify(item, "feedback_rejected", reason=reason)


def merged_into(item: Feedback) -> list[Feedback]:
    """The duplicates merged into `item`, oldest first."""
    query = (
        sa.select(Feedback)
        .where(Feedback.merged_into_id == item.id, Feedback.status == FeedbackStatus.MERGED)
        .order_by(Feedback.id)
    )
    return list(db.session.execute(query).scalars())


def _tell_merged(item: Feedback, text: str) -> None:
    """The answer to `item` reaches the sender of every duplicate merged into it (without
    phone numbers or e-mail addresses: it was written to another person)."""
    for duplicate in merged_into(item):
        messages.notify(
            duplicate,
            "feedback_merged_answered",
            text=redaction.redact(text),
            target=format_code(item.code),
        )


def merge_target(code: str) -> Feedback:
    """The item a tracking code, as typed, names."""
    target = queries.by_code(clean(code)) if clean(code) else None
    if target is None:
        raise DomainError(_l("No feedback has this tracking code."), "target")
    return target


def merge(actor: User, item: Feedback, target: Feedback, now=None) -> None:
    """Merge a duplicate into another open item of the same ward and category: it is final
    (merged), its sender is told which item it joined and will receive that item's answer.
    Duplicates already merged into `item` move along to `target`."""
    policy.require_merge(actor, item, target, now)
    code = format_code(target.code)
    moved = merged_into(item)
    move(item, FeedbackStatus.MERGED, actor, EventKind.MERGED, code, now=now)
    item.merged_into_id = target.id
    item.merged_into = target
    for duplicate in moved:
        duplicate.merged_into_id = target.id
        duplicate.merged_into = target
        events.record(duplicate, EventKind.MERGED, actor, code, now=now)
    codes = ", ".join(format_code(i.code) for i in (item, *moved))
    events.record(target, EventKind.MERGED_IN, actor, codes, public=False, now=now)
    audit.note(merged_into=target.code, moved=len(moved))
    messages.notify(item, "feedback_merged", target=code)


def merge_into_code(actor: User, item: Feedback, code: str, now=None) -> None:
    """`merge` into the item whose tracking code the officer typed or chose."""
    policy.require(actor, item, Action.MERGE, now)
    merge(actor, item, merge_target(code), now)


def close(actor: User, item: Feedback, now=None) -> None:
    """Close an answered item (the resident's verdict closes it too)."""
    policy.require(actor, item, Action.CLOSE, now)
    move(item, FeedbackStatus.CLOSED, actor, EventKind.CLOSED, now=now)
