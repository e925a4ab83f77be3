"""Supervision recommendations (kiến nghị giám sát): the ward's Fatherland Front supervisor
writes them and may withdraw one not answered yet; the ward's chairman reads and answers them;
the city administrator reads every ward's."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.db import MAX_ID, utcnow
from portal.forms import input_from
from portal.security import (
    CITY_ADMINS,
    SUPERVISION_READERS,
    SUPERVISORS,
    WARD_MANAGERS,
    get_in_ward_or_404,
    role_required,
)
from portal.supervision import policy, services
from portal.supervision.forms import AnswerForm, RecommendationForm, WithdrawForm
from portal.supervision.models import RecommendationState, SupervisionRecommendation
from portal.supervision.policy import Action
from portal.timeutil import local_today
from portal.wards.services import enabled_wards
from portal.web import perform, submit

bp = Blueprint("supervision", __name__, url_prefix="/supervision")


def item_or_404(item_id: int) -> SupervisionRecommendation:
    """The recommendation: 404 when there is none, 403 when it is another ward's."""
    item = get_in_ward_or_404(SupervisionRecommendation, item_id)
    policy.require(current_user, item, Action.VIEW)
    return item


def _ward_filter() -> int | None:
    """The ward the city administrator chose to look at (None: every ward)."""
    value = request.args.get("ward", "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_ID:
        abort(400)
    return int(value)


@bp.get("/")
@role_required(SUPERVISION_READERS)
def index():
    """The recommendations of the viewer's ward (the city administrator's: every ward's),
    newest first, with their state and deadline."""
    ward_id = _ward_filter() if current_user.role in CITY_ADMINS else None
    state = request.args.get("state", "")
    items = services.recommendations(current_user, ward_id, state)
    wards = enabled_wards() if current_user.role in CITY_ADMINS else []
    return render_template(
        "supervision/index.html",
        items=items,
        state=state if state in set(RecommendationState) else "",
        ward_id=ward_id,
        wards=wards,
        every_ward=current_user.role in CITY_ADMINS,
        may_send=policy.may_send(current_user),
        today=local_today(),
        overdue=services.is_overdue,
        States=RecommendationState,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(SUPERVISORS)
def create():
    """Write a recommendation to the ward's chairman."""
    policy.require_send(current_user)
    form = RecommendationForm()
    if form.is_submitted():
        done = submit(
            form,
            lambda: services.send(current_user, input_from(form, services.RecommendationInput)),
            _("The recommendation has been sent to the chairman."),
            lambda item: url_for("supervision.detail", item_id=item.id),
        )
        if done:
            return done
    return render_template("supervision/new.html", form=form, answer_days=services.answer_days()), (
        422 if form.errors else 200
    )


def _detail(item: SupervisionRecommendation, answer_form: AnswerForm | None = None, status=200):
    now = utcnow()
    return render_template(
        "supervision/detail.html",
        item=item,
        may=policy.allowed(current_user, item, now),
        answer_form=answer_form or AnswerForm(formdata=None),
        withdraw_form=WithdrawForm(formdata=None),
        overdue=services.is_overdue(item, local_today(now)),
    ), (422 if answer_form is not None and answer_form.errors else status)


@bp.get("/<int:item_id>")
@role_required(SUPERVISION_READERS)
def detail(item_id: int):
    """One recommendation, its deadline and its answer; the chairman's answer form."""
    return _detail(item_or_404(item_id))


@bp.post("/<int:item_id>/answer")
@role_required(WARD_MANAGERS)
def answer(item_id: int):
    """The chairman answers the recommendation; its author is told."""
    item = item_or_404(item_id)
    form = AnswerForm()
    if form.validate_on_submit():
        done = submit(
            form,
            lambda: services.answer(current_user, item, form.answer.data),
            _("The answer has been sent to the Fatherland Front."),
            url_for("supervision.detail", item_id=item_id),
        )
        if done:
            return done
    return _detail(item_or_404(item_id), form)


@bp.post("/<int:item_id>/withdraw")
@role_required(SUPERVISORS)
def withdraw(item_id: int):
    """Its author withdraws a recommendation not answered yet."""
    item = item_or_404(item_id)
    return perform(
        lambda: services.withdraw(current_user, item),
        _("The recommendation has been withdrawn."),
        url_for("supervision.detail", item_id=item_id),
    )
