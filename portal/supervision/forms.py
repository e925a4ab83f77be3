"""Forms of supervision recommendations. They only parse: the rules (and every message about
what was typed) are the services', reported all at once on the fields."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from portal.forms import options
from portal.supervision.labels import SUBJECT_KINDS


class RecommendationForm(FlaskForm):
    subject_kind = SelectField(
        _l("What it is about"),
        choices=options(SUBJECT_KINDS.items(), placeholder=_l("Choose")),
        validate_choice=False,  # the service says what is wrong, in the reader's language
    )
    reference = StringField(
        _l("Code, number or period"),
        description=_l(
            "A feedback tracking code (ABCD-2345), a conference number, a dossier's receipt "
            "number, a procedure's code or name, or a period (2026-11, 2026-Q4, 2026)."
        ),
    )
    title = StringField(_l("Title"))
    text = TextAreaField(
        _l("Recommendation"),
        description=_l("What was found and what the ward's People's Committee is asked to do."),
        render_kw={"rows": 8},
    )


class AnswerForm(FlaskForm):
    answer = TextAreaField(lazy_pgettext("supervision", "Answer"), render_kw={"rows": 8})


class WithdrawForm(FlaskForm):
    """Only the CSRF token: withdrawing asks nothing else."""
