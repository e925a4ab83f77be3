"""Template filters and globals: local time, masked personal data, role names, language switch."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlencode

from babel import dates as babel_dates
from flask import Flask, request
from flask_babel import format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from portal.auth import vneid
from portal.auth.models import Role
from portal.auth.phones import mask_phone, national
from portal.db import utcnow
from portal.dialogues.policy import open_for_booking
from portal.navigation import main_menu
from portal.security import may_open, needs_phone_confirmation
from portal.timeutil import local_zone

ROLE_LABELS = {
    Role.RESIDENT: _l("Resident"),
    Role.STAFF: _l("Ward officer"),
    Role.CHAIRMAN: _l("Ward chairman"),
    Role.SUPERVISOR: _l("Fatherland Front supervisor"),
    Role.ADMIN: _l("City administrator"),
}


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS[Role(role)])


def local_datetime(value, fmt: str = "medium") -> str:
    """A UTC timestamp shown in Hà Nội time, formatted for the current language."""
    return format_datetime(value, fmt) if value is not None else ""


@lru_cache(maxsize=4096)
def _formatted_date(value: date, fmt: str, locale) -> str:
    return babel_dates.format_date(value, fmt, locale=locale)


def local_date(value, fmt: str = "medium") -> str:
    """A date (or the Hà Nội date of a UTC timestamp), formatted for the current language.
    Lists show the same few dates again and again, so each is formatted once."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(local_zone()).date()
    return _formatted_date(value, fmt, get_locale())


def file_size(size: int) -> str:
    """Bytes as KB or MB with one decimal, in the current language's number format."""
    if size >= 1024 * 1024:
        return f"{format_decimal(round(size / (1024 * 1024), 1))} MB"
    return f"{format_decimal(max(round(size / 1024, 1), 0.1))} KB"


def page_url(number: int) -> str:
    """This page's address with another ?page= (the other query arguments kept)."""
    return request.path + "?" + urlencode({**request.args.to_dict(), "page": number})


def field_attrs(field) -> dict:
    """aria attributes linking an input to its hint and its error message."""
    ids = []
    if field.description and field.type != "BooleanField":
        ids.append(f"{field.id}-hint")
    if field.errors:
        ids.append(f"{field.id}-error")
    attrs = {"aria-describedby": " ".join(ids)} if ids else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    return attrs


def open_for_booking_now(session) -> bool:
    """Whether a conference or reception slot takes bookings at this moment."""
    return open_for_booking(session, utcnow())


def _context() -> dict:
    return {
        "current_locale": str(get_locale()),
        "lang_next": request.full_path.rstrip("?") if request else "/",
    }


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        datetime=local_datetime,
        date=local_date,
        mask_phone=mask_phone,
        phone=national,
        role=role_label,
        filesize=file_size,
    )
    from portal.dialogues.labels import filters as dialogue_filters
    from portal.feedback.labels import filters as feedback_filters
    from portal.satisfaction.labels import filters as satisfaction_filters

    app.jinja_env.filters.update(dialogue_filters())
    app.jinja_env.filters.update(feedback_filters())
    app.jinja_env.filters.update(satisfaction_filters())
    app.jinja_env.globals["field_attrs"] = field_attrs
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["may_open"] = may_open
    app.jinja_env.globals["needs_phone_confirmation"] = needs_phone_confirmation
    app.jinja_env.globals["open_for_booking"] = open_for_booking_now
    app.jinja_env.globals["main_menu"] = main_menu
    app.jinja_env.globals["vneid_offered"] = vneid.enabled
    app.context_processor(_context)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
