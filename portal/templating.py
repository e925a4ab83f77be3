"""Template filters and globals: local time, masked personal data, role names, language switch."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from portal import dates
from portal.auth import vneid
from portal.auth.models import Role
from portal.auth.phones import mask_phone, national
from portal.db import utcnow
from portal.dialogues.policy import open_for_booking
from portal.navigation import main_menu
from portal.security import may_open, needs_phone_confirmation
from portal.wards import names as ward_names

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
    """A UTC timestamp shown in Hà Nội time: when something happened (portal.dates.moment,
    "08:00, 16/12/2026"). An English dense table may ask for Babel's "short" form."""
    return dates.moment(value, fmt)


def local_date(value, fmt: str = "medium") -> str:
    """A date (or the Hà Nội date of a UTC timestamp): 16/12/2026 in Vietnamese, Babel's `fmt`
    in English; "full" is the day heading with its weekday ("Thứ Ba, 22/12/2026")."""
    if fmt == "full":
        return dates.weekday_day(value)
    return dates.day(value, fmt)


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
        appointment=dates.appointment,
        span=dates.span,
        clock=dates.clock,
        weekday_day=dates.weekday_day,
        in_text=ward_names.in_text,
        mask_phone=mask_phone,
        phone=national,
        role=role_label,
        filesize=file_size,
    )
    from portal.dialogues.labels import filters as dialogue_filters
    from portal.feedback.labels import filters as feedback_filters
    from portal.satisfaction.labels import filters as satisfaction_filters
    from portal.supervision.labels import filters as supervision_filters

    app.jinja_env.filters.update(dialogue_filters())
    app.jinja_env.filters.update(feedback_filters())
    app.jinja_env.filters.update(satisfaction_filters())
    app.jinja_env.filters.update(supervision_filters())
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
