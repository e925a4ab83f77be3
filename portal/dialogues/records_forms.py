"""The form of an entry in the reception record. Rules live in records.py.

Every validator carries its own translated message: WTForms ships no Vietnamese catalogue."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.dialogues.records import FOLLOW_UP_DAYS_MAX
from portal.forms import LocalDateTimeField, WholeNumberField, max_len

_DAYS_MESSAGE = _l("Enter between %(min)d and %(max)d working days.", min=1, max=FOLLOW_UP_DAYS_MAX)


class RecordForm(FlaskForm):
    booking_id = HiddenField()
    received_at = LocalDateTimeField(
        _l("Received at"), validators=[InputRequired(_l("Enter when the person was received."))]
    )
    visitor_name = StringField(
        _l("Full name"),
        validators=[InputRequired(_l("Enter the person's name.")), max_len(120)],
    )
    visitor_phone = StringField(
        _l("Mobile number (optional)"),
        validators=[max_len(20)],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    visitor_address = StringField(_l("Address (optional)"), validators=[max_len(300)])
    kind = SelectField(
        _l("Kind of matter"),
        validate_choice=False,  # the service checks it with a translated message
        validators=[InputRequired(_l("Choose what kind of matter it is."))],
    )
    matter = TextAreaField(
        _l("Matter raised"),
        validators=[InputRequired(_l("Describe the matter raised.")), max_len(5000)],
    )
    documents = TextAreaField(
        _l("Documents received (optional)"),
        validators=[max_len(5000)],
        description=_l("One per line, e.g. a copy of the land-use certificate."),
    )
    conclusion = TextAreaField(_l("The chairman's conclusion"), validators=[max_len(5000)])
    follow_up_officer_id = SelectField(
        _l("Officer who follows it up"),
        validate_choice=False,  # the service checks the officer
    )
    follow_up_days = WholeNumberField(
        _l("Deadline (working days)"),
        validators=[Optional(), NumberRange(1, FOLLOW_UP_DAYS_MAX, _DAYS_MESSAGE)],
        description=_l("Weekends and public holidays are not counted."),
    )
    category_id = SelectField(
        _l("Feedback category"),
        validate_choice=False,  # the feedback submission checks it
        description=_l(
            "For feedback and petitions followed up: the case opened in the feedback inbox."
        ),
    )
