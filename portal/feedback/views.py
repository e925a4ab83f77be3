"""Residents' side of feedback: sending, tracking, adding information, saying whether the
answer resolved it; the public page of published answers; complaints routed out."""

from __future__ import annotations

from io import BytesIO

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.audit import services as audit
from portal.audit.services import audited_download
from portal.codes import format_code
from portal.extensions import db, lookup_limited, per_account, rate_limited
from portal.feedback import (
    categories,
    deadlines,
    duplicates,
    maps,
    policy,
    publication,
    queries,
    redaction,
    submission,
    verdicts,
)
from portal.feedback.forms import (
    MessageForm,
    ResidentFeedbackForm,
    RespondForm,
    category_options,
    feedback_input,
    uploads_of,
)
from portal.feedback.models import Feedback, FeedbackAttachment
from portal.forms import ActionForm, int_or_none
from portal.pagecache import cached_page
from portal.params import page_arg, text_arg
from portal.security import ANY_USER, RESIDENTS, personal, public, role_required
from portal.wards.models import Ward
from portal.web import act, next_target, submit

bp = Blueprint("feedback", __name__)


def _served_ward_or_403() -> Ward:
    ward = current_user.ward
    if ward is None or not ward.enabled:
        abort(403)
    return ward


@bp.route("/feedback/new", methods=["GET", "POST"])
@role_required(RESIDENTS)
@rate_limited(lambda: current_app.config["FEEDBACK_LIMIT"], key_func=per_account, methods=["POST"])
def new():
    """A resident sends feedback to their ward. When open items like it exist that they may
    see, they are shown first and nothing is filed until the resident sends it anyway."""
    ward = _served_ward_or_403()
    form = ResidentFeedbackForm()
    form.category.choices = category_options(ward.id)
    if form.is_submitted() and form.category.data in categories.ROUTED_OUT:
        return redirect(url_for("feedback.complaints", kind=form.category.data))
    picker = maps.picker(ward.id, form.latitude.data, form.longitude.data)
    found, unsent = [], []
    if form.validate_on_submit():
        data = feedback_input(form)
        if not form.seen_similar.data:
            found = duplicates.before_sending(ward.id, data, current_user)
        if found:
            # A page shown again cannot keep the chosen files: the resident is told which.
            form.seen_similar.data = "1"
            unsent = [upload.filename for upload in data.attachments]
        else:
            done = submit(
                form,
                lambda: submission.submit(ward, data, user=current_user),
                lambda item: _(
                    "Thank you. Your feedback has been received; its tracking code is %(code)s.",
                    code=format_code(item.code),
                ),
                lambda item: url_for("feedback.mine_detail", code=item.code),
            )
            if done:
                if picker.outside:
                    flash(str(picker.warning), "warning")
                return done
    return render_template(
        "feedback/new.html",
        form=form,
        ward=ward,
        picker=picker,
        similar=found,
        unsent_files=unsent,
        format_code=format_code,
        redact=redaction.redact,
    ), (422 if form.errors else 200)


@bp.get("/feedback/complaints")
@public
def complaints():
    """Where and how to file a complaint or a denunciation: they are not feedback."""
    kind = request.args.get("kind", "")
    return render_template("feedback/complaints.html", kind=kind)


@bp.get("/my/feedback")
@role_required(RESIDENTS)
def mine():
    """The resident's feedback with status and deadline."""
    return render_template(
        "feedback/my_list.html",
        items=queries.my_feedback(current_user),
        due_state=deadlines.due_state,
        format_code=format_code,
    )


def own_or_404(code: str) -> Feedback:
    item = queries.by_code(code)
    if item is None or item.user_id != current_user.id:
        abort(404)
    return item


@bp.get("/my/feedback/<code>")
@role_required(RESIDENTS)
@personal
@lookup_limited
def mine_detail(code: str):
    """One of the resident's items: its public timeline, and what they can do next."""
    item = own_or_404(code)
    return render_template(
        "feedback/my_detail.html",
        item=item,
        may=policy.allowed(current_user, item),
        events=queries.timeline(item, internal=False),
        merged=queries.merged_into_for_sender(item, current_user),
        message_form=MessageForm(),
        respond_form=RespondForm(),
        action_form=ActionForm(),
        reopen_until=verdicts.reopen_deadline(item),
        format_code=format_code,
        due=deadlines.due_state(item),
    )


@bp.post("/my/feedback/<code>/message")
@role_required(RESIDENTS)
@personal
@lookup_limited
def add_message(code: str):
    """The resident adds information (a waiting item goes back into work)."""
    item = own_or_404(code)
    form = MessageForm()
    return act(
        form,
        lambda: verdicts.add_information(
            current_user, item, form.body.data, uploads_of(form.attachments)
        ),
        _("Your message has been added."),
        url_for("feedback.mine_detail", code=item.code),
    )


@bp.post("/my/feedback/<code>/respond")
@role_required(RESIDENTS)
@personal
@lookup_limited
def respond(code: str):
    """The resident says whether the answer resolved the matter and rates it."""
    item = own_or_404(code)
    form = RespondForm()
    return act(
        form,
        lambda: verdicts.respond(
            current_user,
            item,
            resolved=form.resolved.data == "yes",
            rating=int_or_none(form.rating.data),
            comment=form.comment.data,
        ),
        lambda reopened: (
            _("Your feedback has been reopened; the ward will answer again.")
            if reopened
            else _("Thank you for your response. The feedback is closed.")
        ),
        url_for("feedback.mine_detail", code=item.code),
    )


@bp.post("/my/feedback/<code>/publication/<choice>")
@role_required(RESIDENTS)
@personal
@lookup_limited
def publication_choice(code: str, choice: str):
    """The sender allows the item to be published without their name, or withdraws that
    consent (one click, from the item's page or from "Dữ liệu của tôi")."""
    item = own_or_404(code)
    if choice not in ("allow", "withdraw"):
        abort(404)
    target = next_target(url_for("feedback.mine_detail", code=item.code))
    if choice == "allow":
        return act(
            ActionForm(),
            lambda: publication.allow(current_user, item),
            _("The ward may now publish this feedback, without your name."),
            target,
        )
    return act(
        ActionForm(),
        lambda: publication.withdraw(current_user, item),
        _("Your consent is withdrawn: this feedback is no longer published."),
        target,
    )


@bp.get("/feedback/files/<int:attachment_id>")
@role_required(ANY_USER)
@audited_download
def attachment(attachment_id: int):
    """A file of a feedback item, for its sender and the ward's officials only."""
    item = db.session.get(FeedbackAttachment, attachment_id)
    if item is None or not queries.attachment_visible(item, current_user):
        abort(404)
    audit.note(ward_id=db.session.get(Feedback, item.feedback_id).ward_id)
    inline = item.content_type.startswith("image/") or item.content_type == "application/pdf"
    response = send_file(
        BytesIO(item.data),
        mimetype=item.content_type,
        as_attachment=not inline,
        download_name=item.filename,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/wards/<slug>/feedback")
@public
@cached_page
def public_list(slug: str):
    """A ward's answered feedback that the senders allowed to publish, without personal data."""
    ward = db.session.execute(db.select(Ward).where(Ward.slug == slug)).scalar_one_or_none()
    if ward is None or not ward.enabled:
        abort(404)
    q = text_arg("q", queries.SEARCH_MAX)
    page = queries.public_answered(ward.id, page_arg(), q)
    return render_template(
        "feedback/public_list.html",
        ward=ward,
        q=q,
        page=page,
        answers=queries.public_answers(page.rows),
        positions=maps.public_positions(page.rows),
        map=maps.map_settings(ward.id),
        redact=redaction.redact,
    )
