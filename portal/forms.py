"""Small helpers shared by every feature's forms."""

import dataclasses
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, EmailField, IntegerField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Length, Optional

from portal.timeutil import FIRST_DAY, LAST_DAY, office_date, plausible_day


class TranslatedParseError:
    """Mixin for a WTForms field: input it cannot parse fails with `parse_error` (a lazy
    translated string) instead of WTForms' English message. `formats`, when set, are the
    accepted formats unless the field is given its own `format`."""

    parse_error = None
    formats: list[str] | None = None

    def __init__(self, *args, **kwargs):
        if self.formats is not None:
            kwargs.setdefault("format", list(self.formats))
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            self.data = None
            raise ValueError(str(self.parse_error)) from exc


DATE_RANGE_MESSAGE = _l(
    "Enter a date from %(first)s to %(last)s.",
    first=office_date(FIRST_DAY),
    last=office_date(LAST_DAY),
)


class WithinDateRange:
    """Mixin for a date or date-and-time field: a day the portal does not take (before
    FIRST_DAY or after LAST_DAY: 0001-01-01 is a typo) fails with a translated message."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        value = self.data
        day = value.date() if isinstance(value, datetime) else value
        if isinstance(day, date) and not plausible_day(day):
            self.data = None
            raise ValueError(str(DATE_RANGE_MESSAGE))


class WholeNumberField(TranslatedParseError, IntegerField):
    """A whole number, with a translated message for anything else."""

    parse_error = _l("Enter a whole number.")


class LocalDateTimeField(WithinDateRange, TranslatedParseError, DateTimeLocalField):
    """A date and time in Hà Nội time, with a translated message for bad input."""

    formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
    parse_error = _l("Enter a date and time, e.g. 2026-12-05 08:00.")


def max_len(n: int) -> Length:
    """A length limit with a translated message naming the limit."""
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


def int_or_none(value) -> int | None:
    """Coerce a select's value without ever raising (bad input becomes None)."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _label(label):
    """A translatable label stays lazy (forms built at import time show it in the language of
    each request); anything else, such as a name from the database, becomes plain text."""
    return label if isinstance(label, LazyString) else str(label)


def options(pairs, placeholder=None) -> list[SelectChoice]:
    """Select options from (value, label) pairs, with an optional empty first choice."""
    result = [SelectChoice("", _label(placeholder))] if placeholder is not None else []
    result.extend(SelectChoice(str(value), _label(label)) for value, label in pairs)
    return result


def input_from(form, input_class, **values):
    """A service's input dataclass from the form fields of the same names (`values` for
    the fields it must convert or the form does not have)."""
    names = {f.name for f in dataclasses.fields(input_class)} - values.keys()
    return input_class(**{name: form[name].data for name in names if name in form}, **values)


def with_id_prefix(form, prefix: str):
    """Give a form's fields page-unique ids (`prefix-name`) when several forms share a page;
    the field names, and so the posted data, stay the same."""
    for field in form:
        field.id = f"{prefix}-{field.name}"
        field.label.field_id = field.id
    return form


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


def optional_email_field(**render_kw) -> EmailField:
    """An e-mail address a person may leave out, checked when given."""
    return EmailField(
        _l("E-mail (optional)"),
        validators=[
            Optional(),
            max_len(254),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
        ],
        render_kw=render_kw or None,
    )
