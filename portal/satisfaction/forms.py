"""Forms for satisfaction: registering and returning dossiers, CSV imports, the resident's
rating and the procedure catalogue. Rules live in services.py; these only parse."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.dialogues.reception_forms import LocalDateField
from portal.forms import LocalDateTimeField, WholeNumberField, int_or_none, max_len, options
from portal.satisfaction import labels
from portal.satisfaction.dossiers import AGENCIES_PROBLEM
from portal.satisfaction.indicators import AGENCIES_MAX
from portal.satisfaction.ratings import COMMENT_MAX, REASON_MAX, callback_consent_text

VISITS_MESSAGE = _l("Enter a number of visits between 0 and 50.")


class DossierForm(FlaskForm):
    procedure_id = SelectField(_l("Procedure"), validate_choice=False)
    receipt_number = StringField(
        _l("Receipt number"),
        validators=[
            InputRequired(_l("Enter the receipt number (at most 40 characters).")),
            max_len(40),
        ],
    )
    received_at = LocalDateTimeField(
        _l("Received on"),
        description=_l("Hà Nội time."),
        validators=[InputRequired(_l("Enter when it was received (not in the future)."))],
    )
    returned_at = LocalDateTimeField(
        _l("Returned on (optional)"),
        description=_l("Leave empty while the dossier is being processed."),
        validators=[Optional()],
    )
    extra_visits = WholeNumberField(
        _l("Extra visits"),
        default=0,
        description=_l("Times the applicant had to come back or supplement the dossier."),
        validators=[Optional(), NumberRange(0, 50, VISITS_MESSAGE)],
    )
    agencies_involved = WholeNumberField(
        _l("Agencies involved"),
        default=1,
        description=_l(
            "Agencies that took part in settling the dossier, the ward included: 1 when the "
            "ward settles it alone."
        ),
        validators=[Optional(), NumberRange(1, AGENCIES_MAX, AGENCIES_PROBLEM)],
    )
    receiving_officer_id = SelectField(_l("Receiving officer"), validate_choice=False)
    applicant_phone = StringField(
        _l("Applicant's mobile number (optional)"),
        description=_l(
            "With the receipt number, its last 4 digits let the applicant look the dossier up "
            "on the portal. Shown masked to everyone else."
        ),
        validators=[max_len(20)],
        render_kw={"autocomplete": "off", "inputmode": "tel"},
    )


class ReturnForm(FlaskForm):
    # Who signed the result: the chairman, or an officer under a delegation valid on the
    # return date for this procedure (the choices; the service checks again).
    signer = SelectField(
        _l("Signed by"),
        description=_l(
            "The chairman, or an officer signing on the chairman's behalf (KT. CHỦ TỊCH) under "
            "a delegation valid on the return date for this procedure."
        ),
        validate_choice=False,
    )
    extra_visits = WholeNumberField(
        _l("Extra visits (optional)"),
        description=_l("Leave empty to keep the number recorded so far."),
        validators=[Optional(), NumberRange(0, 50, VISITS_MESSAGE)],
    )
    sms_phone = StringField(
        _l("Send the rating link by SMS to (optional)"),
        description=_l(
            "For a resident who cannot scan the QR code: the mobile number is used only to "
            "send this message."
        ),
        validators=[max_len(20)],
        render_kw={"autocomplete": "off", "inputmode": "tel"},
    )


def _id_or_zero(value) -> int:
    """A checked box's value as an id; anything else 0, which no procedure has (the
    service then says to choose the ward's procedures)."""
    return int_or_none(value) or 0


class DelegationForm(FlaskForm):
    """The chairman records a delegation decision (ủy quyền ký)."""

    decision_number = StringField(
        _l("Decision number"),
        description=_l("As on the decision, for example 125/QĐ-UBND."),
        validators=[
            InputRequired(_l("Enter the decision number (at most %(max)d characters).", max=60)),
            max_len(60),
        ],
    )
    decision_date = LocalDateField(
        _l("Date of the decision"),
        validators=[InputRequired(_l("Enter the date of the decision."))],
    )
    officer_id = SelectField(
        _l("Officer delegated"),
        description=_l("Signs the results of these procedures on the chairman's behalf."),
        validate_choice=False,
    )
    procedure_ids = SelectMultipleField(
        _l("Procedures covered"),
        coerce=_id_or_zero,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    valid_from = LocalDateField(
        _l("Valid from"), validators=[InputRequired(_l("Enter the first day of the delegation."))]
    )
    valid_to = LocalDateField(
        _l("Valid until (included)"),
        validators=[InputRequired(_l("Enter the last day of the delegation."))],
    )


class CsvUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        description=_l("UTF-8 text with a header line (Excel: “CSV UTF-8”)."),
        validators=[FileRequired(_l("Choose a CSV file."))],
    )


LEVEL_CHOICES = tuple((level.value, label) for level, label in labels.LEVEL.items())
ATTITUDE_CHOICES = tuple((value.value, label) for value, label in labels.ATTITUDE.items())


class RatingForm(FlaskForm):
    """The resident's rating; the three answers and the reason rule are the service's."""

    level = RadioField(
        _l("How satisfied are you with how your dossier was handled?"),
        choices=options(LEVEL_CHOICES),
        validate_choice=False,
    )
    reason = TextAreaField(
        _l("Why are you dissatisfied?"),
        description=_l("Required if you are dissatisfied: tell us what went wrong."),
        validators=[max_len(REASON_MAX)],
    )
    attitude = RadioField(
        _l("How was the officers' attitude? (optional)"),
        choices=options(ATTITUDE_CHOICES),
        validate_choice=False,
    )
    visits_reported = WholeNumberField(
        _l("How many times did you come to the desk for this dossier? (optional)"),
        validators=[Optional(), NumberRange(0, 50, VISITS_MESSAGE)],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[max_len(COMMENT_MAX)])
    callback_phone = StringField(
        _l("Mobile number to call you back (optional)"),
        description=_l(
            "Only if you are dissatisfied and want the ward to contact you about it. "
            "Leave it empty to stay anonymous."
        ),
        validators=[max_len(20)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    callback_consent = BooleanField(_l("I agree to be contacted about my dissatisfaction"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The box's label is the consent's exact wording, the one stored with the rating.
        self.callback_consent.label.text = callback_consent_text()


RECEIPT_MESSAGE = _l("Enter the receipt number (at most 40 characters).")


class CodeRatingForm(RatingForm):
    """The ward's rating page: the receipt number and the short code of the slip first
    (step "code"), then the rating itself with both carried along (step "rate")."""

    receipt_number = StringField(
        _l("Receipt number"),
        validators=[InputRequired(RECEIPT_MESSAGE), max_len(40)],
        render_kw={"autocomplete": "off"},
    )
    code = StringField(
        _l("Rating code"),
        description=_l("6 letters and digits printed on the slip under the QR code."),
        validators=[InputRequired(_l("Enter the rating code of the slip.")), max_len(20)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    step = HiddenField(default="code")


class LookupForm(FlaskForm):
    """Tra cứu hồ sơ: the receipt number and the last 4 digits of the phone given at the desk."""

    receipt_number = StringField(
        _l("Receipt number"),
        validators=[InputRequired(RECEIPT_MESSAGE), max_len(40)],
        render_kw={"autocomplete": "off"},
    )
    digits = StringField(
        _l("Last 4 digits of your phone number"),
        description=_l("Of the mobile number you gave at the one-stop desk."),
        validators=[InputRequired(_l("Enter the last 4 digits of your phone number.")), max_len(8)],
        render_kw={"autocomplete": "off", "inputmode": "numeric", "maxlength": "4"},
    )


class KioskDeviceForm(FlaskForm):
    """The chairman enrols a tablet for a desk and the officer who works there."""

    desk_name = StringField(
        _l("Desk"),
        description=_l("For example: Desk 2 – civil status."),
        validators=[InputRequired(_l("Name the desk (at most %(max)d characters).", max=60))],
    )
    officer_id = SelectField(
        _l("Officer at this desk"),
        description=_l("The tablet shows the dossier this officer has just returned."),
        validate_choice=False,
    )


class KioskEnrolForm(FlaskForm):
    code = StringField(
        _l("Enrolment code"),
        description=_l("The 8 characters the chairman was shown when enrolling this tablet."),
        validators=[InputRequired(_l("Enter the enrolment code.")), max_len(20)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class ProcedureForm(FlaskForm):
    code = StringField(
        _l("National code (optional)"),
        description=_l("For example 1.001193."),
        validators=[max_len(20)],
    )
    name_vi = StringField(
        _l("Name in Vietnamese"),
        validators=[InputRequired(_l("Enter the Vietnamese name.")), max_len(300)],
    )
    name_en = StringField(_l("Name in English"), validators=[max_len(300)])
    field_vi = StringField(_l("Field in Vietnamese"), validators=[max_len(120)])
    field_en = StringField(_l("Field in English"), validators=[max_len(120)])
    time_limit_days = WholeNumberField(
        _l("Legal time limit (working days)"),
        default=0,
        description=_l("0 = returned the same working day (the next one if received after 15:00)."),
        validators=[
            InputRequired(_l("Enter between 0 and 365 working days.")),
            NumberRange(0, 365, _l("Enter between 0 and 365 working days.")),
        ],
    )
    active = BooleanField(_l("Officers can choose it for new dossiers"), default=True)
    # What the public procedure page tells residents.
    papers = TextAreaField(
        _l("Papers to bring (optional)"),
        description=_l("One paper per line, as the resident's page lists them."),
        validators=[max_len(4000)],
        render_kw={"rows": 5},
    )
    fee = StringField(
        _l("Fee (optional)"),
        description=_l("For example: 10.000 đồng/trường hợp, or Miễn lệ phí."),
        validators=[max_len(300)],
    )
    how_to_submit = TextAreaField(
        _l("Where and how to submit (optional)"),
        validators=[max_len(2000)],
        render_kw={"rows": 3},
    )


def rating_input(form: RatingForm):
    """The service's input from a submitted rating form (the link's or the kiosk's)."""
    from portal.satisfaction.ratings import RatingInput

    return RatingInput(
        level=form.level.data or None,
        reason=form.reason.data or "",
        attitude=form.attitude.data or None,
        visits_reported=form.visits_reported.data,
        comment=form.comment.data or "",
        callback_phone=form.callback_phone.data or "",
        callback_consent=bool(form.callback_consent.data),
    )
