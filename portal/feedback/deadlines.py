"""Deadlines: the answer's in working days (weekends and Vietnamese holidays excluded), in
Hà Nội dates; an urgent item's in working hours (acknowledge, then answer, within hours of
receipt). What state an item's deadline is in, and the officer's choice of urgency."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import current_app

from portal.audit import services as audit
from portal.auth.models import User
from portal.db import utcnow
from portal.feedback import events, policy
from portal.feedback.models import (
    OPEN_STATUSES,
    EventKind,
    Feedback,
    FeedbackStatus,
    Urgency,
)
from portal.feedback.policy import Action
from portal.timeutil import local_today, local_zone
from portal.workdays import add_working_days, add_working_hours, working_hours_between

DUE_SOON_DAYS = 2  # working days: highlighted in the inbox (DEADLINE_WARN_WORKING_DAYS)


def deadline_for(received_at: datetime, days: int) -> date:
    """The last day to answer: `days` working days after the day of receipt (Hà Nội date)."""
    return add_working_days(received_at.astimezone(local_zone()).date(), days)


def warn_days() -> int:
    """How many working days before its deadline an item is "due soon" (and its officer told)."""
    return int(current_app.config.get("DEADLINE_WARN_WORKING_DAYS", DUE_SOON_DAYS))


def soon_limit(today: date) -> date:
    """The last day counted as "due soon" (deadlines always fall on working days)."""
    return add_working_days(today, warn_days())


def _clock(name: str) -> time:
    hours, minutes = current_app.config[name].split(":")
    return time(int(hours), int(minutes))


def working_hours_after(start: datetime, hours: float) -> datetime:
    """`hours` working hours after `start`, in the office's hours (WORK_DAY_START to
    WORK_DAY_END of working days, Hà Nội time)."""
    return add_working_hours(
        start, hours, local_zone(), _clock("WORK_DAY_START"), _clock("WORK_DAY_END")
    )


def working_hours_from(start: datetime, end: datetime) -> float:
    """The office's working hours between two moments."""
    return working_hours_between(
        start, end, local_zone(), _clock("WORK_DAY_START"), _clock("WORK_DAY_END")
    )


def resume_urgent_clock(item: Feedback, paused_at: datetime, now: datetime) -> None:
    """Back from waiting for the resident: an urgent item's hours move by the working hours
    it waited (as the day's deadline moves by the working days)."""
    if item.due_at is None:
        return  # (the hour to acknowledge no longer counts: the item has left "received")
    hours = working_hours_from(paused_at, now)
    if hours:
        item.due_at = working_hours_after(item.due_at, hours)


def urgent_limits(received_at: datetime) -> tuple[datetime, datetime]:
    """When an urgent item must be acknowledged, and answered, counted from its receipt."""
    config = current_app.config
    return (
        working_hours_after(received_at, config["FEEDBACK_URGENT_ACK_HOURS"]),
        working_hours_after(received_at, config["FEEDBACK_URGENT_ANSWER_HOURS"]),
    )


def set_urgency(actor: User, item: Feedback, urgency: Urgency, now: datetime | None = None):
    """The officer sets how pressing the item is; an urgent one gets limits in working hours
    (from its receipt), the others keep the category's deadline in days."""
    policy.require(actor, item, Action.SET_URGENCY, now)
    urgency = Urgency(urgency)
    if urgency == item.urgency:
        return
    old = item.urgency
    item.urgency = urgency
    if urgency == Urgency.URGENT:
        item.ack_due_at, item.due_at = urgent_limits(item.received_at)
    else:
        item.ack_due_at = item.due_at = None
    events.record(item, EventKind.URGENCY, actor, urgency.value, public=False, now=now)
    audit.note(urgency=urgency.value, was=old.value)


def is_overdue(item, today: date, now: datetime) -> bool:
    """Past its deadline: the day (every item), or for an urgent one the hour to answer, or
    the hour to acknowledge while it is still only received. (queries.overdue_clause is the
    same rule in SQL.)"""
    return (
        today > item.due_on
        or (item.due_at is not None and now > item.due_at)
        or (
            item.status == FeedbackStatus.RECEIVED
            and item.ack_due_at is not None
            and now > item.ack_due_at
        )
    )


def due_state(
    item, today: date | None = None, soon: date | None = None, now: datetime | None = None
) -> str | None:
    """'overdue' or 'due_soon' (due within the warning window; an urgent item always is)
    for an item (or inbox row) still to be answered; None otherwise, and while the clock is
    paused. Lists pass `soon` (= soon_limit(today)) so that it is worked out once, not per
    row."""
    if item.status not in OPEN_STATUSES:
        return None
    now = now or utcnow()
    today = today or local_today(now)
    if is_overdue(item, today, now):
        return "overdue"
    if item.due_at is not None or item.due_on <= (soon or soon_limit(today)):
        return "due_soon"
    return None


def timeliness(item) -> str | None:
    """For an answered item: 'early' (before the deadline's day; an urgent one within the
    hours to acknowledge), 'on_time' or 'late'. None while it is unanswered."""
    if item.answered_at is None:
        return None
    if item.due_at is not None:
        if item.answered_at > item.due_at:
            return "late"
        early = item.ack_due_at is not None and item.answered_at <= item.ack_due_at
        return "early" if early else "on_time"
    day = local_today(item.answered_at)
    if day < item.due_on:
        return "early"
    return "on_time" if day == item.due_on else "late"


def state(item, today=None, soon=None, now=None) -> str | None:
    """What the pages show of an item's deadline: due_state while open, else timeliness."""
    if item.status in OPEN_STATUSES:
        return due_state(item, today, soon, now)
    if item.status == FeedbackStatus.WAITING:
        return None
    return timeliness(item)
