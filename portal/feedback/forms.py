"""Forms for feedback: sending, the officers' actions, the resident's verdict, settings.
The rules live in the services (submission, workflow, verdicts...); these only parse."""

from flask_babel import get_locale, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    FloatField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from portal.feedback import categories, labels
from portal.feedback.models import Channel
from portal.feedback.submission import FeedbackInput
from portal.feedback.uploads import Upload
from portal.forms import (
    TranslatedParseError,
    WholeNumberField,
    int_or_none,
    max_len,
    options,
)


class CoordinateField(TranslatedParseError, FloatField):
    parse_error = _l("Enter a number, e.g. 21.0430.")


def uploads_of(field: MultipleFileField) -> list[Upload]:
    """The files a form carried, as name and bytes (empty file inputs are skipped, and so is
    a plain text value posted under the field's name instead of a file)."""
    files = field.data or []
    return [
        Upload(f.filename or "", f.read())
        for f in files
        if isinstance(f, FileStorage) and (f.filename or "")
    ]


ATTACHMENTS_HINT = _l("Photos (JPEG, PNG, GIF, WebP) or PDF; up to 5 files of 5 MB each.")


class FeedbackForm(FlaskForm):
    category = SelectField(
        _l("Category"),
        validate_choice=False,
        validators=[InputRequired(_l("Choose one of the listed categories."))],
    )
    title = StringField(
        _l("Title"), validators=[InputRequired(_l("Please enter a title.")), max_len(200)]
    )
    body = TextAreaField(
        _l("What is it about?"),
        validators=[InputRequired(_l("Please describe the matter.")), max_len(5000)],
    )
    address = StringField(_l("Address (optional)"), validators=[max_len(300)])
    residential_group = StringField(_l("Residential group (optional)"), validators=[max_len(100)])
    latitude = CoordinateField(_l("Latitude (optional)"), validators=[Optional()])
    longitude = CoordinateField(_l("Longitude (optional)"), validators=[Optional()])
    attachments = MultipleFileField(_l("Attachments (optional)"), description=ATTACHMENTS_HINT)
    publish_allowed = BooleanField(labels.PUBLISH_CONSENT)


class ResidentFeedbackForm(FeedbackForm):
    """What a resident sends; `seen_similar` is set once they were shown the similar open
    items and chose to send theirs all the same."""

    seen_similar = HiddenField()


CHANNEL_CHOICES = (
    (Channel.PHONE.value, _l("By phone")),
    (Channel.WALK_IN.value, _l("At the desk")),
)


class StaffFeedbackForm(FeedbackForm):
    """Feedback an officer enters for a caller or a walk-in."""

    channel = SelectField(
        lazy_pgettext("how the feedback came in", "Received"), choices=options(CHANNEL_CHOICES)
    )
    contact_name = StringField(
        _l("Name of the person"),
        validators=[InputRequired(_l("Enter the person's name.")), max_len(120)],
    )
    contact_phone = StringField(
        _l("Phone number"),
        validators=[InputRequired(_l("Enter a phone number so that we can answer.")), max_len(20)],
    )
    contact_email = StringField(_l("E-mail (optional)"), validators=[max_len(254)])


ROUTED_OUT_LABELS = {
    "complaint": _l("Complaint (khiếu nại): see how to file it"),
    "denunciation": _l("Denunciation (tố cáo): see how to file it"),
}


def category_options(ward_id: int) -> list:
    """The ward's active categories, then complaints and denunciations (routed out)."""
    locale = str(get_locale())
    pairs = [(c.id, c.name(locale)) for c in categories.ward_categories(ward_id)]
    pairs += [(kind, ROUTED_OUT_LABELS[kind]) for kind in categories.ROUTED_OUT]
    return options(pairs, _("Choose…"))


def feedback_input(form: FeedbackForm, **extra) -> FeedbackInput:
    """The service's input from a submitted feedback form (resident's or officer's)."""
    return FeedbackInput(
        category_id=int_or_none(form.category.data),
        title=form.title.data,
        body=form.body.data,
        address=form.address.data,
        residential_group=form.residential_group.data,
        latitude=form.latitude.data,
        longitude=form.longitude.data,
        publish_allowed=form.publish_allowed.data,
        attachments=uploads_of(form.attachments),
        **extra,
    )


class AssignForm(FlaskForm):
    assignee_id = SelectField(_l("Assign to"), validate_choice=False)


class UrgencyForm(FlaskForm):
    urgency = SelectField(
        lazy_pgettext("feedback", "Urgency"),
        choices=options([(u.value, label) for u, label in labels.URGENCY.items()]),
        description=_l(
            "Urgent: a danger to life, safety or order; its limits are counted in working "
            "hours from receipt. Complex: several agencies or a procedure set by law."
        ),
    )


class NoteForm(FlaskForm):
    note = TextAreaField(
        _l("Internal note (never shown to the resident)"),
        validators=[InputRequired(_l("Write the note.")), max_len(5000)],
    )


class ReplyForm(FlaskForm):
    body = TextAreaField(
        _l("Public reply"),
        description=_l("The resident sees this. Published answers are public: no personal data."),
        validators=[InputRequired(_l("Write the reply.")), max_len(5000)],
    )
    answer = BooleanField(_l("This is the answer (mark the feedback as answered)"), default=True)
    attachments = MultipleFileField(_l("Attachments (optional)"), description=ATTACHMENTS_HINT)


class OutcomeForm(FlaskForm):
    body = TextAreaField(
        _l("What was done"),
        description=_l("Nobody can be told (the sender is anonymous): this records the outcome."),
        validators=[InputRequired(_l("Say what was done.")), max_len(5000)],
    )


class InfoRequestForm(FlaskForm):
    body = TextAreaField(
        _l("What information is needed?"),
        validators=[InputRequired(_l("Say what information is needed.")), max_len(5000)],
    )


class TransferForm(FlaskForm):
    authority = StringField(
        _l("Competent authority"),
        validators=[InputRequired(_l("Say which authority it goes to.")), max_len(300)],
    )
    note = TextAreaField(_l("Note for the resident (optional)"), validators=[max_len(5000)])


class MergeForm(FlaskForm):
    target = StringField(
        _l("Tracking code of the feedback to merge into"),
        validators=[
            InputRequired(_l("Give the tracking code of the feedback to merge into.")),
            max_len(40),
        ],
    )


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"), validators=[InputRequired(_l("Give the reason.")), max_len(1000)]
    )


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Add information"),
        validators=[InputRequired(_l("Write your message.")), max_len(5000)],
    )
    attachments = MultipleFileField(_l("Attachments (optional)"), description=ATTACHMENTS_HINT)


RESOLVED_CHOICES = (("yes", _l("Yes, it is resolved")), ("no", _l("No, it is not resolved")))
RATING_CHOICES = tuple((str(n), str(n)) for n in range(1, 6))


class RespondForm(FlaskForm):
    resolved = RadioField(
        _l("Did the answer resolve the matter?"),
        choices=options(RESOLVED_CHOICES),
        validators=[InputRequired(_l("Say whether the answer resolved the matter."))],
    )
    rating = RadioField(
        _l("How good was the answer? (1 = poor, 5 = very good)"),
        choices=options(RATING_CHOICES),
        validators=[Optional()],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[max_len(2000)])


class CategoryForm(FlaskForm):
    code = StringField(
        _l("Code (the Open311 service code)"),
        validators=[InputRequired(_l("Enter a code.")), max_len(40)],
    )
    name_vi = StringField(
        _l("Name in Vietnamese"),
        validators=[InputRequired(_l("Enter the Vietnamese name.")), max_len(120)],
    )
    name_en = StringField(_l("Name in English"), validators=[max_len(120)])
    description_vi = StringField(_l("Description in Vietnamese"), validators=[max_len(500)])
    description_en = StringField(_l("Description in English"), validators=[max_len(500)])
    deadline_days = WholeNumberField(
        _l("Deadline (working days)"),
        default=10,
        validators=[
            InputRequired(_l("Enter between 1 and 90 working days.")),
            NumberRange(1, 90, _l("Enter between 1 and 90 working days.")),
        ],
    )
    active = BooleanField(_l("Residents can choose it"), default=True)


class CannedForm(FlaskForm):
    title = StringField(
        _l("Title"), validators=[InputRequired(_l("Please enter a title.")), max_len(120)]
    )
    body = TextAreaField(
        _l("Text"), validators=[InputRequired(_l("Enter the text.")), max_len(5000)]
    )
