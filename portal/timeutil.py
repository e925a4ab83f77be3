"""Convert between what people type (Hà Nội wall-clock time) and what is stored (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


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
