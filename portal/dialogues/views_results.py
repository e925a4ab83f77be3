"""After a conference, for the ward's officers and chairman: the questions (order, merge,
answer, questions from the floor), the minutes and the publication of the results.
The Fatherland Front supervisor may look. Rules live in results.py."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal.dialogues import policy, results, services
from portal.dialogues.loaders import conference_or_404, question_or_404
from portal.dialogues.models import DialogueSession
from portal.dialogues.policy import ConferenceAction
from portal.dialogues.results_forms import (
    AnswerForm,
    FloorQuestionForm,
    MergeForm,
    MinutesForm,
    MoveForm,
)
from portal.domain import DomainError
from portal.security import WARD_OFFICERS, WARD_OFFICIALS, role_required
from portal.web import commit, perform, show_error

bp = Blueprint("dialogue_results", __name__, url_prefix="/staff/dialogues")


def _flash_form_errors(form) -> None:
    for name, errors in form.errors.items():
        label = form[name].label.text if name in form else ""
        for error in errors:
            flash(_("%(field)s: %(error)s", field=label, error=error), "error")


def _change(session: DialogueSession, action, success: str, anchor: str | None = None):
    """Run one change to the question list, commit, and go back to the questions page."""
    target = url_for("dialogue_results.questions", session_id=session.id, _anchor=anchor)
    return perform(action, success, target)


def _to_questions(session: DialogueSession, anchor: str | None = None):
    return redirect(url_for("dialogue_results.questions", session_id=session.id, _anchor=anchor))


def _questions_page(session: DialogueSession, floor_form=None, status: int = 200):
    entries = results.question_list(session)
    return render_template(
        "dialogues/questions.html",
        session=session,
        entries=entries,
        answered=sum(entry.answered for entry in entries),
        floor_form=floor_form or FloorQuestionForm(formdata=None),
        may=policy.session_allowed(current_user, session),
    ), status


@bp.get("/<int:session_id>/questions")
@role_required(WARD_OFFICIALS)
def questions(session_id: int):
    """The conference's questions in order, with their answers and merged duplicates."""
    return _questions_page(conference_or_404(session_id))


@bp.post("/<int:session_id>/questions/floor")
@role_required(WARD_OFFICERS)
def add_floor_question(session_id: int):
    """Record a question raised from the floor (the page comes back with errors, if any)."""
    session = conference_or_404(session_id)
    form = FloorQuestionForm()
    if form.validate_on_submit():
        try:
            results.add_floor_question(current_user, session, form.text.data)
        except DomainError as error:
            show_error(form, error)
            if not form.errors:  # not about the text: told in a flash
                return _to_questions(session)
        else:
            commit()
            flash(_("The question has been added."), "success")
            return _to_questions(session)
    return _questions_page(session, floor_form=form, status=422)


def _change_question(
    session_id: int,
    question_id: int,
    form_class,
    field: str,
    change,
    success: str,
    *,
    anchor_on_value: bool = False,
):
    """Check the small form posted about one question, then make the change
    `change(user, session, question_id, value of the form's field)` to the question list.
    Back on the questions page at that question (or, with anchor_on_value, at the one the
    value names); a form with errors goes back with them flashed."""
    session = conference_or_404(session_id)
    question = question_or_404(session, question_id)
    form = form_class()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _to_questions(session, f"q-{question.id}")
    value = form[field].data
    return _change(
        session,
        lambda: change(current_user, session, question.id, value),
        success,
        f"q-{value if anchor_on_value else question.id}",
    )


@bp.post("/<int:session_id>/questions/<int:question_id>/answer")
@role_required(WARD_OFFICERS)
def answer(session_id: int, question_id: int):
    """Record the chairman's answer to one question."""
    return _change_question(
        session_id,
        question_id,
        AnswerForm,
        "answer",
        results.answer_question,
        _("The answer has been saved."),
    )


@bp.post("/<int:session_id>/questions/<int:question_id>/move")
@role_required(WARD_OFFICERS)
def move(session_id: int, question_id: int):
    """Move one question up or down the list."""
    return _change_question(
        session_id,
        question_id,
        MoveForm,
        "direction",
        results.move_question,
        _("The order has been changed."),
    )


@bp.post("/<int:session_id>/questions/<int:question_id>/merge")
@role_required(WARD_OFFICERS)
def merge(session_id: int, question_id: int):
    """Merge one question into the question it repeats."""
    return _change_question(
        session_id,
        question_id,
        MergeForm,
        "into_id",
        results.merge_questions,
        _("The question has been merged; its answer is the one of the question it repeats."),
        anchor_on_value=True,
    )


def _minutes_page(session: DialogueSession, form: MinutesForm, status: int = 200):
    entries = results.question_list(session)
    return render_template(
        "dialogues/minutes.html",
        session=session,
        form=form,
        counts=services.door_counts(session),
        total=len(entries),
        unanswered=sum(not entry.answered for entry in entries),
        overdue=services.results_overdue(session),
        may=policy.session_allowed(current_user, session),
        not_ready=policy.why_not(current_user, session, ConferenceAction.PUBLISH_RESULTS),
    ), status


@bp.get("/<int:session_id>/minutes")
@role_required(WARD_OFFICIALS)
def minutes(session_id: int):
    """The minutes form (once held), what is still missing, and the publish button."""
    session = conference_or_404(session_id)
    counts = services.door_counts(session)
    attendance = session.attendance_count
    if attendance is None and session.held_at is not None:
        attendance = counts.arrived + counts.walk_ins  # a starting point from the door
    form = MinutesForm(
        formdata=None,
        data={
            "attendance_count": attendance,
            "summary": session.minutes_summary,
            "secretary": session.secretary,
        },
    )
    return _minutes_page(session, form)


@bp.post("/<int:session_id>/minutes")
@role_required(WARD_OFFICERS)
def save_minutes(session_id: int):
    """Save the minutes of a held conference (the form comes back with errors, if any)."""
    session = conference_or_404(session_id)
    form = MinutesForm()
    if form.validate_on_submit():
        try:
            results.save_minutes(
                current_user,
                session,
                form.attendance_count.data,
                form.summary.data,
                form.secretary.data,
            )
        except DomainError as error:
            show_error(form, error)
            if not form.errors:  # e.g. not held yet: told in a flash
                return redirect(url_for("dialogue_results.minutes", session_id=session.id))
        else:
            commit()
            flash(_("The minutes have been saved."), "success")
            return redirect(url_for("dialogue_results.minutes", session_id=session.id))
    return _minutes_page(session, form, 422)


@bp.post("/<int:session_id>/results/publish")
@role_required(WARD_OFFICERS)
def publish(session_id: int):
    """Publish the minutes and answers on the ward's public page; askers are told."""
    session = conference_or_404(session_id)
    public_url = url_for(
        "dialogues.public_detail", slug=session.ward.slug, session_id=session.id, _external=True
    )
    try:
        told = results.publish_results(current_user, session, public_url)
    except DomainError as error:
        show_error(None, error)
    else:
        commit()
        flash(
            ngettext(
                "The results are published. %(num)d person who sent a question will be told.",
                "The results are published. %(num)d people who sent questions will be told.",
                told,
            ),
            "success",
        )
    return redirect(url_for("dialogue_results.minutes", session_id=session.id))
