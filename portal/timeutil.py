"""Convert between what people type (Hà Nội wall-clock time) and what is stored (UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

from portal.db import utcnow

# The days the portal takes: none of its records is older than 2000 (the wards' registers
# begin later), nothing is planned past 2100. A day outside (0001-01-01, a typo) is refused
# with a message, before its conversion to UTC could fail.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


def plausible_day(day: date) -> bool:
    """Whether `day` is one the portal takes (FIRST_DAY to LAST_DAY)."""
    return FIRST_DAY <= day <= LAST_DAY


def office_date(day: date) -> str:
    """A day as offices write it, in every language: 16/12/2026."""
    return day.strftime("%d/%m/%Y")


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_today(now: datetime | None = None) -> date:
    """The Hà Nội date of `now` (the current time when not given)."""
    return (now or utcnow()).astimezone(local_zone()).date()


def to_utc(local: datetime | None) -> datetime | None:
    """A naive local time from a form -> an aware UTC datetime."""
    if local is None:
        return None
    return local.replace(tzinfo=local_zone()).astimezone(UTC)


def to_local(value: datetime | None) -> datetime | None:
    """An aware UTC datetime -> naive local time for a form field."""
    if value is None:
        return None
    return value.astimezone(local_zone()).replace(tzinfo=None)
