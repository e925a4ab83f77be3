"""Forms for the citizen-reception schedule and for blocking slots. Rules live in reception.py.

Every validator carries its own translated message: WTForms ships no Vietnamese catalogue.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import InputRequired, NumberRange

from portal.dialogues.reception import SLOT_MINUTES_MAX, SLOT_MINUTES_MIN
from portal.forms import (
    TranslatedParseError,
    WholeNumberField,
    WithinDateRange,
    max_len,
    options,
)

WEEKDAY_LABELS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)


def weekday_label(weekday: int) -> str:
    """0 = Monday, as the schedule stores it."""
    return str(WEEKDAY_LABELS[weekday])


class LocalTimeField(TranslatedParseError, TimeField):
    """A wall-clock time in Hà Nội time, with a translated message for bad input."""

    formats = ["%H:%M", "%H:%M:%S"]
    parse_error = _l("Enter a time, e.g. 08:00.")


class LocalDateField(WithinDateRange, TranslatedParseError, DateField):
    """A calendar day (2026-12-05 or 05/12/2026), with a translated message for bad input."""

    formats = ["%Y-%m-%d", "%d/%m/%Y"]
    parse_error = _l("Enter a date, e.g. 2026-12-05.")


_SLOT_MESSAGE = _l(
    "Enter between %(min)d and %(max)d minutes per person.",
    min=SLOT_MINUTES_MIN,
    max=SLOT_MINUTES_MAX,
)


class ScheduleForm(FlaskForm):
    weekday = SelectField(
        _l("Day of the week"),
        validate_choice=False,  # the service checks 0-6 with a translated message
        validators=[InputRequired(_l("Choose a day of the week."))],
    )
    start_time = LocalTimeField(
        _l("From"), validators=[InputRequired(_l("Enter the start and end times."))]
    )
    end_time = LocalTimeField(
        _l("Until"), validators=[InputRequired(_l("Enter the start and end times."))]
    )
    slot_minutes = WholeNumberField(
        _l("Minutes per person"),
        default=20,
        validators=[
            InputRequired(_SLOT_MESSAGE),
            NumberRange(SLOT_MINUTES_MIN, SLOT_MINUTES_MAX, _SLOT_MESSAGE),
        ],
    )
    venue = StringField(
        _l("Venue"),
        default="Phòng tiếp công dân, UBND phường",
        validators=[InputRequired(_l("Enter the venue.")), max_len(300)],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday.choices = options(enumerate(WEEKDAY_LABELS), placeholder=_l("Choose a day"))


class BlockDayForm(FlaskForm):
    day = LocalDateField(_l("Day"), validators=[InputRequired(_l("Enter the day to block."))])
    reason = TextAreaField(
        _l("Reason"),
        validators=[InputRequired(_l("Please give the reason.")), max_len(500)],
        description=_l("Residents who booked a slot that day are told this reason."),
    )


class BlockSlotForm(FlaskForm):
    reason = StringField(
        _l("Reason"), validators=[InputRequired(_l("Please give the reason.")), max_len(500)]
    )


class MoveBookingForm(FlaskForm):
    """Another free slot for a reception booking (choices set by the view)."""

    slot_id = RadioField(
        _l("New slot"),
        validate_choice=False,  # the service checks the slot with a translated message
        validators=[InputRequired(_l("Choose one of the listed slots."))],
    )
