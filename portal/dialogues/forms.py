"""Forms for conferences, bookings and the door. Rules live in services.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.dialogues.models import DEFAULT_REMINDER_HOURS, SessionMode
from portal.forms import LocalDateTimeField, WholeNumberField, max_len, options

MODE_LABELS = {
    SessionMode.IN_PERSON: _l("In person"),
    SessionMode.ONLINE: _l("Online"),
    SessionMode.HYBRID: _l("In person and online"),
}


REMINDER_CHOICES = (
    (0, _l("No reminder")),
    (2, _l("2 hours before")),
    (6, _l("6 hours before")),
    (12, _l("12 hours before")),
    (24, _l("1 day before")),
    (48, _l("2 days before")),
    (72, _l("3 days before")),
)


class ConferenceForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[InputRequired(_l("Please enter a title.")), max_len(200)]
    )
    agenda = TextAreaField(_l("Topic and agenda"), validators=[max_len(5000)])
    mode = SelectField(_l("How it is held"), validate_choice=False)
    venue = StringField(_l("Venue"), validators=[max_len(300)])
    online_url = StringField(_l("Link to join online"), validators=[max_len(500)])
    starts_at = LocalDateTimeField(
        _l("Starts"), validators=[InputRequired(_l("Enter when it starts and ends."))]
    )
    ends_at = LocalDateTimeField(
        _l("Ends"), validators=[InputRequired(_l("Enter when it starts and ends."))]
    )
    capacity = WholeNumberField(
        _l("Capacity (seats)"),
        validators=[
            InputRequired(_l("Enter a capacity between 1 and 100000.")),
            NumberRange(1, 100_000, _l("Enter a capacity between 1 and 100000.")),
        ],
    )
    walk_in_seats = WholeNumberField(
        _l("Seats held back for walk-ins"),
        default=0,
        validators=[Optional(), NumberRange(0, 100_000, _l("Enter a whole number."))],
    )
    # The service checks the choice, with its message.
    reminder_hours = SelectField(
        _l("Reminder to those booked"), default=str(DEFAULT_REMINDER_HOURS), validate_choice=False
    )
    booking_opens_at = LocalDateTimeField(_l("Booking opens (optional)"), validators=[Optional()])
    booking_closes_at = LocalDateTimeField(_l("Booking closes (optional)"), validators=[Optional()])
    residential_groups = StringField(
        _l("For residential groups (optional)"),
        validators=[max_len(300)],
        description=_l("For example: Tổ dân phố 1 to 12. Leave empty for the whole ward."),
    )
    # The view fills in the ward's Fatherland Front committee (wards.names.fatherland_front).
    co_organiser = StringField(_l("Co-organiser"), validators=[max_len(200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.mode.choices = options((m.value, label) for m, label in MODE_LABELS.items())
        self.reminder_hours.choices = options(REMINDER_CHOICES)


class PublishForm(FlaskForm):
    confirm_late = BooleanField(
        _l("I confirm publishing with less than 7 days' notice; this will be recorded.")
    )


class WalkInForm(FlaskForm):
    """Count a walk-in; `anyway` is the door officer's confirmation when the room is full."""

    anyway = BooleanField(_l("Record anyway"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"), validators=[InputRequired(_l("Please give the reason.")), max_len(500)]
    )


class BookForm(FlaskForm):
    question = TextAreaField(
        _l("Your question or topic for the chairman (optional)"),
        validators=[max_len(2000)],
        description=_l("It will be answered at the conference; your name is never published."),
    )


class GuestBookForm(FlaskForm):
    guest_name = StringField(
        _l("Caller's full name"),
        validators=[InputRequired(_l("Enter the caller's full name.")), max_len(120)],
    )
    guest_phone = StringField(
        _l("Caller's mobile number"),
        validators=[InputRequired(_l("Enter the caller's mobile number.")), max_len(20)],
        render_kw={"inputmode": "tel"},
    )
    question = TextAreaField(_l("Question or topic (optional)"), validators=[max_len(2000)])


class CheckInForm(FlaskForm):
    code = StringField(
        _l("Lookup code"),
        validators=[InputRequired(_l("Enter the lookup code.")), max_len(20)],
        description=_l("Type the code or scan the QR code on the resident's confirmation."),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "autofocus": True},
    )
