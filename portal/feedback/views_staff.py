"""Officers' side of feedback: the inbox, one item's page and its actions, the chairman's
overdue list, feedback entered for callers, canned replies and categories. The Fatherland
Front supervisor may look but not act; internal notes are for the committee only."""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal import dates
from portal.codes import format_code
from portal.db import utcnow
from portal.feedback import (
    canned,
    categories,
    choices,
    deadlines,
    duplicates,
    labels,
    maps,
    messages,
    policy,
    queries,
    related,
    submission,
    workflow,
)
from portal.feedback.forms import (
    AssignForm,
    CannedForm,
    CategoryForm,
    InfoRequestForm,
    MergeForm,
    NoteForm,
    OutcomeForm,
    RejectForm,
    ReplyForm,
    StaffFeedbackForm,
    TransferForm,
    UrgencyForm,
    category_options,
    feedback_input,
    uploads_of,
)
from portal.feedback.models import CannedResponse, Channel, Feedback, FeedbackCategory
from portal.forms import ActionForm, input_from, int_or_none, options, with_id_prefix
from portal.notifications import history
from portal.params import id_arg, page_arg, text_arg
from portal.security import (
    WARD_MANAGERS,
    WARD_OFFICERS,
    WARD_OFFICIALS,
    get_in_ward_or_404,
    role_required,
)
from portal.timeutil import local_today
from portal.web import act, perform, submit

bp = Blueprint("feedback_staff", __name__, url_prefix="/staff/feedback")


def item_or_404(item_id: int) -> Feedback:
    return get_in_ward_or_404(Feedback, item_id, options=queries.ITEM_PAGE)


def _filter_from_args() -> queries.InboxFilter:
    """The inbox's filters from the query string; one that cannot be understood (an unknown
    status, a number no row can have) is left out."""
    args = request.args
    assignee = args.get("assignee", "")
    if assignee not in ("none", "me"):
        assignee = str(id_arg("assignee") or "")
    return queries.InboxFilter(
        status=args.get("status", ""),
        category_id=id_arg("category"),
        assignee=assignee,
        due=args.get("due", ""),
        q=text_arg("q", queries.SEARCH_MAX),
        sort=args.get("sort", "due"),
        page=page_arg(),
    )


def _list_context(ward_id: int) -> SimpleNamespace:
    """What every row of a list needs, worked out once: dates, translated names, helpers,
    the language of its dates and the address its links start with (a row then asks
    neither the request nor the language again: the inbox has 50 rows)."""
    language = get_locale()
    locale = str(language)
    now = utcnow()
    today = local_today(now)
    return SimpleNamespace(
        now=now,
        today=today,
        soon=deadlines.soon_limit(today),
        statuses=labels.names(labels.STATUS),
        channels=labels.names(labels.CHANNEL),
        due_labels={key: str(label) for key, label in labels.DUE.items()},
        categories=choices.category_names(ward_id, locale),
        due_state=deadlines.state,
        format_code=format_code,
        day=partial(dates.day_in, language),
        moment=partial(dates.moment_in, language),
        # An item's page is this prefix and its id: one url_for for the list, not per row.
        item_path=url_for("feedback_staff.detail", item_id=1).removesuffix("1"),
    )


@bp.get("/")
@role_required(WARD_OFFICIALS)
def inbox():
    """The ward's feedback, filtered, searched and sorted, 50 to a page."""
    flt = _filter_from_args()
    ward_id = current_user.ward_id
    return render_template(
        "feedback/staff_inbox.html",
        flt=flt,
        page=queries.inbox(ward_id, flt, current_user),
        v=_list_context(ward_id),
        officers=choices.officers(ward_id),
        mine=queries.my_deadline_counts(current_user),
    )


@bp.get("/map")
@role_required(WARD_OFFICIALS)
def map_view():
    """The inbox's items (same filters) that have a position, on a map coloured by their
    deadline's state, with the same items listed beside it."""
    flt = _filter_from_args()
    ward_id = current_user.ward_id
    markers, more = maps.staff_markers(ward_id, flt, current_user)
    return render_template(
        "feedback/staff_map.html",
        flt=flt,
        markers=markers,
        more=more,
        map=maps.map_settings(ward_id),
        states=labels.MAP_STATE,
        v=_list_context(ward_id),
        officers=choices.officers(ward_id),
    )


@bp.get("/overdue")
@role_required(WARD_OFFICIALS)
def overdue():
    """The chairman's list: feedback past its deadline and still unanswered, oldest first."""
    return render_template(
        "feedback/overdue.html",
        items=queries.overdue(current_user.ward_id),
        v=_list_context(current_user.ward_id),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(WARD_OFFICERS)
def create():
    """An officer enters feedback for a caller or a walk-in."""
    ward = current_user.ward
    form = StaffFeedbackForm()
    form.category.choices = category_options(ward.id)
    if form.is_submitted() and form.category.data in categories.ROUTED_OUT:
        return redirect(url_for("feedback.complaints", kind=form.category.data))
    picker = maps.picker(ward.id, form.latitude.data, form.longitude.data)
    if form.validate_on_submit():
        data = feedback_input(
            form,
            contact_name=form.contact_name.data,
            contact_phone=form.contact_phone.data,
            contact_email=form.contact_email.data,
            channel=Channel(form.channel.data),
        )
        done = submit(
            form,
            lambda: submission.submit(ward, data, actor=current_user),
            lambda item: _(
                "Feedback recorded; tell the person its code: %(code)s",
                code=format_code(item.code),
            ),
            lambda item: url_for("feedback_staff.detail", item_id=item.id),
        )
        if done:
            if picker.outside:
                flash(str(picker.warning), "warning")
            return done
    return render_template("feedback/staff_new.html", form=form, picker=picker), (
        422 if form.errors else 200
    )


@bp.get("/<int:item_id>")
@role_required(WARD_OFFICIALS)
def detail(item_id: int):
    """One item for officials: the sender, the full history and what they may do now."""
    item = item_or_404(item_id)
    may = policy.allowed(current_user, item)
    reply_form = ReplyForm()
    canned_id = id_arg("canned")
    chosen = canned.canned_reply(item.ward_id, canned_id) if may.reply and canned_id else None
    if chosen is not None:
        reply_form.body.data = chosen.body
    assign_form = AssignForm(assignee_id=str(item.assignee_id or ""))
    assign_form.assignee_id.choices = options(
        [(u.id, u.full_name) for u in choices.officers(item.ward_id)], _("Nobody")
    )
    return render_template(
        "feedback/staff_detail.html",
        item=item,
        may=may,
        events=queries.timeline(item, internal=may.read_notes),
        due=deadlines.state(item),
        format_code=format_code,
        assign_form=with_id_prefix(assign_form, "assign"),
        note_form=with_id_prefix(NoteForm(), "note"),
        reply_form=with_id_prefix(reply_form, "reply"),
        outcome_form=with_id_prefix(OutcomeForm(), "outcome"),
        info_form=with_id_prefix(InfoRequestForm(), "info"),
        transfer_form=with_id_prefix(TransferForm(), "transfer"),
        reject_form=with_id_prefix(RejectForm(), "reject"),
        merge_form=with_id_prefix(MergeForm(), "merge"),
        action_form=with_id_prefix(ActionForm(), "action"),
        urgency_form=with_id_prefix(UrgencyForm(urgency=item.urgency.value), "urgency"),
        canned=canned.canned_responses(item.ward_id) if may.reply else [],
        related=related.links_for(item),
        merged_duplicates=workflow.merged_into(item),
        likely_duplicates=duplicates.similar(
            item.ward_id,
            item.category_id,
            item.title,
            item.body,
            item.address,
            item.latitude,
            item.longitude,
            exclude_id=item.id,
        ),
        messages=history.about(messages.about(item)),
    )


def _act(item: Feedback, form, action, success):
    """Validate a small action form, run one service call, commit, back to the item."""
    return act(form, action, success, url_for("feedback_staff.detail", item_id=item.id))


@bp.post("/<int:item_id>/assign")
@role_required(WARD_OFFICERS)
def assign(item_id: int):
    item = item_or_404(item_id)
    form = AssignForm()
    assignee_id = int_or_none(request.form.get("assignee_id", ""))
    return _act(
        item,
        form,
        lambda: workflow.assign(current_user, item, assignee_id),
        _("The assignment has been saved."),
    )


@bp.post("/<int:item_id>/urgency")
@role_required(WARD_OFFICERS)
def set_urgency(item_id: int):
    """The officer sets the item's urgency: urgent, complex or normal."""
    item = item_or_404(item_id)
    form = UrgencyForm()
    return _act(
        item,
        form,
        lambda: deadlines.set_urgency(current_user, item, form.urgency.data),
        _("The urgency has been saved."),
    )


@bp.post("/<int:item_id>/note")
@role_required(WARD_OFFICERS)
def note(item_id: int):
    item = item_or_404(item_id)
    form = NoteForm()
    return _act(
        item,
        form,
        lambda: workflow.add_note(current_user, item, form.note.data),
        _("The note has been added."),
    )


@bp.post("/<int:item_id>/reply")
@role_required(WARD_OFFICERS)
def reply(item_id: int):
    item = item_or_404(item_id)
    form = ReplyForm()
    return _act(
        item,
        form,
        lambda: workflow.reply(
            current_user,
            item,
            form.body.data,
            answer=form.answer.data,
            attachments=uploads_of(form.attachments),
        ),
        _("The reply has been sent to the resident."),
    )


@bp.post("/<int:item_id>/outcome")
@role_required(WARD_OFFICERS)
def record_outcome(item_id: int):
    """Record what was done about an item whose sender nobody can reach; it closes."""
    item = item_or_404(item_id)
    form = OutcomeForm()
    return _act(
        item,
        form,
        lambda: workflow.record_outcome(current_user, item, form.body.data),
        _("The outcome has been recorded and the feedback closed."),
    )


@bp.post("/<int:item_id>/request-info")
@role_required(WARD_OFFICERS)
def request_info(item_id: int):
    item = item_or_404(item_id)
    form = InfoRequestForm()
    return _act(
        item,
        form,
        lambda: workflow.request_info(current_user, item, form.body.data),
        _("The resident has been asked; the deadline is paused."),
    )


@bp.post("/<int:item_id>/resume")
@role_required(WARD_OFFICERS)
def resume(item_id: int):
    item = item_or_404(item_id)
    return _act(
        item,
        ActionForm(),
        lambda: workflow.resume(current_user, item),
        _("The feedback is back in progress."),
    )


@bp.post("/<int:item_id>/transfer")
@role_required(WARD_OFFICERS)
def transfer(item_id: int):
    item = item_or_404(item_id)
    form = TransferForm()
    return _act(
        item,
        form,
        lambda: workflow.transfer(current_user, item, form.authority.data, form.note.data),
        _("The feedback has been transferred."),
    )


@bp.post("/<int:item_id>/reject")
@role_required(WARD_OFFICERS)
def reject(item_id: int):
    item = item_or_404(item_id)
    form = RejectForm()
    return _act(
        item,
        form,
        lambda: workflow.reject(current_user, item, form.reason.data),
        _("The feedback has been rejected."),
    )


@bp.post("/<int:item_id>/close")
@role_required(WARD_OFFICERS)
def close(item_id: int):
    item = item_or_404(item_id)
    return _act(
        item,
        ActionForm(),
        lambda: workflow.close(current_user, item),
        _("The feedback is closed."),
    )


@bp.post("/<int:item_id>/merge")
@role_required(WARD_OFFICERS)
def merge(item_id: int):
    """Merge a duplicate into another item (chosen among its likely duplicates, or by the
    tracking code typed); that item's answer will reach this item's sender too."""
    item = item_or_404(item_id)
    form = MergeForm()
    return _act(
        item,
        form,
        lambda: workflow.merge_into_code(current_user, item, form.target.data),
        _("The feedback has been merged; its sender will receive the answer."),
    )


# ---------------------------------------------------------------- canned replies


@bp.route("/canned", methods=["GET", "POST"], endpoint="canned")
@role_required(WARD_OFFICERS)
def canned_list():
    """The ward's ready-made replies: list and add."""
    form = CannedForm()
    if form.validate_on_submit():
        done = submit(
            form,
            lambda: canned.save_canned(current_user, form.title.data, form.body.data),
            _("The canned reply has been saved."),
            url_for("feedback_staff.canned"),
        )
        if done:
            return done
    return render_template(
        "feedback/canned.html",
        form=form,
        items=canned.canned_responses(current_user.ward_id),
        action_form=ActionForm(),
    ), (422 if form.errors else 200)


@bp.post("/canned/<int:canned_id>/delete")
@role_required(WARD_OFFICERS)
def delete_canned(canned_id: int):
    canned_reply = get_in_ward_or_404(CannedResponse, canned_id)
    return perform(
        lambda: canned.delete_canned(current_user, canned_reply),
        _("The canned reply has been deleted."),
        url_for("feedback_staff.canned"),
    )


# ---------------------------------------------------------------- categories


@bp.get("/categories", endpoint="categories")
@role_required(WARD_MANAGERS)
def category_list():
    """The ward's categories and their deadlines (the chairman configures them)."""
    return render_template(
        "feedback/categories.html",
        items=categories.ward_categories(current_user.ward_id, active_only=False),
    )


@bp.route("/categories/new", methods=["GET", "POST"])
@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@role_required(WARD_MANAGERS)
def edit_category(category_id: int | None = None):
    """Add a category, or change one's names, deadline or availability."""
    category = get_in_ward_or_404(FeedbackCategory, category_id) if category_id else None
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        data = input_from(form, categories.CategoryInput)
        done = submit(
            form,
            lambda: categories.save_category(current_user, current_user.ward_id, data, category),
            _("The category has been saved."),
            url_for("feedback_staff.categories"),
        )
        if done:
            return done
    return render_template("feedback/category_form.html", form=form, category=category), (
        422 if form.errors else 200
    )
