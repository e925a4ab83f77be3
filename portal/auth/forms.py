"""Forms for registering, logging in and account settings. Rules live in services.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, InputRequired

from portal.auth.models import ConsentPurpose
from portal.auth.passwords import MAX_LENGTH
from portal.forms import int_or_none, max_len, optional_email_field
from portal.notifications.labels import PURPOSES


class RegisterForm(FlaskForm):
    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(_l("Please enter a full name.")), max_len(120)],
        render_kw={"autocomplete": "name"},
    )
    phone = StringField(
        _l("Mobile number"),
        validators=[DataRequired(_l("Please enter your mobile number.")), max_len(20)],
        description=_l("Used to log in and to receive notices, for example 0912 345 678."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    email = optional_email_field(autocomplete="email")
    ward_id = SelectField(
        _l("Your ward"),
        coerce=int_or_none,
        validate_choice=False,
        validators=[InputRequired(_l("Choose your ward."))],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Please choose a password.")), max_len(MAX_LENGTH)],
        description=_l("At least 8 characters; avoid common passwords."),
        render_kw={"autocomplete": "new-password"},
    )
    consent = BooleanField(_l("I have read and agree to the processing described above."))


class LoginForm(FlaskForm):
    login = StringField(
        _l("Mobile number or e-mail"),
        validators=[DataRequired(_l("Enter your mobile number or e-mail.")), max_len(254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), max_len(MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), max_len(MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Please choose a password.")), max_len(MAX_LENGTH)],
        description=_l("At least 8 characters; avoid common passwords."),
        render_kw={"autocomplete": "new-password"},
    )


class DeleteAccountForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand: my name, phone, e-mail and addresses will be erased for good."),
        validators=[DataRequired()],
    )


class LanguageForm(FlaskForm):
    lang = StringField(_l("Language"), validators=[DataRequired(), max_len(5)])
    next = HiddenField()


def _phone_field(label=None):
    return StringField(
        label or _l("Mobile number"),
        validators=[DataRequired(_l("Please enter your mobile number.")), max_len(20)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )


def _new_password_field(label=None):
    return PasswordField(
        label or _l("New password"),
        validators=[DataRequired(_l("Please choose a password.")), max_len(MAX_LENGTH)],
        description=_l("At least 8 characters; avoid common passwords."),
        render_kw={"autocomplete": "new-password"},
    )


class PhoneForm(FlaskForm):
    """A mobile number to send a one-time code to."""

    phone = _phone_field()


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code received by SMS"),
        validators=[DataRequired(_l("Enter the 6-digit code.")), max_len(12)],
        description=_l("6 digits, valid for 5 minutes."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ResetByCodeForm(CodeForm):
    password = _new_password_field()


class EmailForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            max_len(254),
            Email(_l("Enter a valid e-mail address."), check_deliverability=False),
        ],
        render_kw={"autocomplete": "email"},
    )


class NewPasswordForm(FlaskForm):
    password = _new_password_field()


class AccountForm(FlaskForm):
    """What a resident may change of their account themselves (the number: see PhoneForm)."""

    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(_l("Please enter a full name.")), max_len(120)],
        render_kw={"autocomplete": "name"},
    )
    email = optional_email_field(autocomplete="email")


class MessagesForm(FlaskForm):
    """How the resident wants to hear from the ward, per purpose (choices set by the view
    from the channels the account can be reached by)."""

    updates = RadioField(
        PURPOSES[ConsentPurpose.UPDATES],
        validators=[InputRequired(_l("Choose how you want to hear about your requests."))],
    )
    reminders = RadioField(
        PURPOSES[ConsentPurpose.REMINDERS],
        validators=[InputRequired(_l("Choose how you want to be reminded."))],
    )
    news = RadioField(
        PURPOSES[ConsentPurpose.NEWS],
        validators=[InputRequired(_l("Choose whether you want the ward's announcements."))],
    )


class VneidAccountForm(FlaskForm):
    """The last step of a first VNeID login: the ward (when several are served), the mobile
    number (only when VNeID proved none) and the consent."""

    ward_id = SelectField(
        _l("Your ward"),
        coerce=int_or_none,
        validate_choice=False,
        validators=[InputRequired(_l("Choose your ward."))],
    )
    phone = StringField(
        _l("Mobile number"),
        validators=[DataRequired(_l("Please enter your mobile number.")), max_len(20)],
        description=_l("VNeID did not send a proven number: we send a code to this one by SMS."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    consent = BooleanField(_l("I have read and agree to the processing described above."))
