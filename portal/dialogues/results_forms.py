"""Forms for questions, answers and minutes. Rules live in results.py; every validator has
a translated message (WTForms ships no Vietnamese catalogue)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, NumberRange

from portal.dialogues.results import (
    ANSWER_MAX,
    ATTENDANCE_MAX,
    DIRECTIONS,
    SECRETARY_MAX,
    SUMMARY_MAX,
)
from portal.dialogues.services import QUESTION_MAX
from portal.forms import WholeNumberField, int_or_none, max_len


class FloorQuestionForm(FlaskForm):
    text = TextAreaField(
        _l("Question raised from the floor"),
        validators=[InputRequired(_l("Please enter the question.")), max_len(QUESTION_MAX)],
        description=_l("Write it down as it was asked, without the person's name."),
    )


class AnswerForm(FlaskForm):
    answer = TextAreaField(
        _l("The chairman's answer"),
        validators=[InputRequired(_l("Please enter the answer.")), max_len(ANSWER_MAX)],
    )


class MoveForm(FlaskForm):
    direction = StringField(
        _l("Direction"),
        validators=[
            InputRequired(_l("Choose whether to move the question up or down.")),
            AnyOf(DIRECTIONS, _l("Choose whether to move the question up or down.")),
        ],
    )


class MergeForm(FlaskForm):
    # Choices are the session's other questions; the service checks the one sent.
    into_id = SelectField(
        _l("Repeats question"),
        coerce=int_or_none,
        validate_choice=False,
        validators=[InputRequired(_l("Choose the question it repeats."))],
    )


class MinutesForm(FlaskForm):
    attendance_count = WholeNumberField(
        _l("Number of people who attended"),
        validators=[
            InputRequired(_l("Enter the number of people who attended.")),
            NumberRange(
                0,
                ATTENDANCE_MAX,
                _l(
                    "Enter the number of people who attended, from 0 to %(max)d.",
                    max=ATTENDANCE_MAX,
                ),
            ),
        ],
        render_kw={"inputmode": "numeric"},
    )
    secretary = StringField(
        _l("Secretary who took the minutes"),
        validators=[
            InputRequired(_l("Enter the name of the secretary who took the minutes.")),
            max_len(SECRETARY_MAX),
        ],
    )
    summary = TextAreaField(
        _l("Summary of the minutes"),
        validators=[
            InputRequired(_l("Please enter the summary of the minutes.")),
            max_len(SUMMARY_MAX),
        ],
        description=_l(
            "What was discussed and concluded. It is published with the answers; "
            "do not write residents' names or phone numbers."
        ),
        render_kw={"rows": 12},
    )
