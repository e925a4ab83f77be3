"""Deadlines in working days (weekends and Vietnamese holidays excluded), in Hà Nội dates."""

from __future__ import annotations

from datetime import date, datetime

from portal.feedback.models import OPEN_STATUSES
from portal.timeutil import local_today, local_zone
from portal.workdays import add_working_days

DUE_SOON_DAYS = 2  # working days: highlighted in the inbox


def deadline_for(received_at: datetime, days: int) -> date:
    """The last day to answer: `days` working days after the day of receipt (Hà Nội date)."""
    return add_working_days(received_at.astimezone(local_zone()).date(), days)


def due_state(item, today: date | None = None, soon: date | None = None) -> str | None:
    """'overdue' or 'due_soon' (due within DUE_SOON_DAYS working days) for an item (or inbox
    row) still to be answered; None otherwise, and while the clock is paused. Lists pass
    `soon` (= soon_limit(today)) so that it is worked out once, not per row."""
    if item.status not in OPEN_STATUSES:
        return None
    today = today or local_today()
    if today > item.due_on:
        return "overdue"
    if item.due_on <= (soon or soon_limit(today)):
        return "due_soon"
    return None


def soon_limit(today: date) -> date:
    """The last day counted as "due soon" (deadlines always fall on working days)."""
    return add_working_days(today, DUE_SOON_DAYS)
