"""Forms for managing official accounts and wards."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired

from portal.auth.passwords import MAX_LENGTH
from portal.forms import int_or_none, max_len, optional_email_field


class OfficialForm(FlaskForm):
    role = SelectField(
        _l("Role"), validate_choice=False, validators=[DataRequired(_l("Choose a role."))]
    )
    full_name = StringField(
        _l("Full name"), validators=[DataRequired(_l("Please enter a full name.")), max_len(120)]
    )
    phone = StringField(
        _l("Mobile number"),
        validators=[DataRequired(_l("Please enter the mobile number.")), max_len(20)],
        render_kw={"inputmode": "tel"},
    )
    email = optional_email_field()
    ward_id = SelectField(_l("Ward"), coerce=int_or_none, validate_choice=False)
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(_l("Please choose a password.")), max_len(MAX_LENGTH)],
        description=_l("Give it to the official in person; they should change it at first login."),
        render_kw={"autocomplete": "new-password"},
    )


class ToggleForm(FlaskForm):
    """Turn something on or off; the value travels in the form, the CSRF token with it."""

    value = HiddenField(validators=[AnyOf(["0", "1"], message=_l("Invalid request."))])
