"""Officers' and the chairman's side of dialogues: drafting, publishing, the booking list,
booking for callers, cancelling, check-in. The Fatherland Front supervisor may look."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    jsonify,
    make_response,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.audit.services import audited_download
from portal.codes import format_code
from portal.db import utcnow
from portal.dialogues import attendees, policy, services
from portal.dialogues.callers import book_caller
from portal.dialogues.forms import (
    CheckInForm,
    ConferenceForm,
    GuestBookForm,
    PublishForm,
    ReasonForm,
    WalkInForm,
)
from portal.dialogues.loaders import conference_or_404
from portal.dialogues.models import DialogueSession
from portal.dialogues.policy import ConferenceAction
from portal.domain import DomainError
from portal.forms import int_or_none
from portal.params import page_arg
from portal.security import WARD_OFFICERS, WARD_OFFICIALS, role_required
from portal.sheets import files as sheet_files
from portal.timeutil import to_local, to_utc
from portal.wards.names import fatherland_front
from portal.web import commit, perform, show_error, submit

bp = Blueprint("dialogues_staff", __name__, url_prefix="/staff/dialogues")


def _input(form: ConferenceForm) -> services.SessionInput:
    return services.SessionInput(
        title=form.title.data,
        agenda=form.agenda.data,
        mode=form.mode.data,
        venue=form.venue.data,
        online_url=form.online_url.data,
        starts_at=to_utc(form.starts_at.data),
        ends_at=to_utc(form.ends_at.data),
        capacity=form.capacity.data,
        walk_in_seats=form.walk_in_seats.data or 0,
        reminder_hours=int_or_none(form.reminder_hours.data),
        booking_opens_at=to_utc(form.booking_opens_at.data),
        booking_closes_at=to_utc(form.booking_closes_at.data),
        residential_groups=form.residential_groups.data,
        co_organiser=form.co_organiser.data,
    )


def _act(session: DialogueSession, action, success: str, form=None):
    """Run one state change, commit, and go back to the session's page."""
    return perform(action, success, url_for("dialogues_staff.detail", session_id=session.id), form)


@bp.get("/")
@role_required(WARD_OFFICIALS)
def index():
    """The ward's conferences, newest first, with overdue results flagged."""
    return render_template(
        "dialogues/staff_index.html",
        page=services.ward_sessions(current_user.ward_id, page_arg()),
        overdue=services.results_overdue,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(WARD_OFFICERS)
def create():
    """Draft a new conference (organised with the ward's Fatherland Front committee)."""
    ward = current_user.ward
    form = ConferenceForm(co_organiser=fatherland_front(ward.name) if ward else "")
    if form.validate_on_submit():
        done = submit(
            form,
            lambda: services.create_conference(current_user, _input(form)),
            _("The conference has been saved as a draft."),
            lambda session: url_for("dialogues_staff.detail", session_id=session.id),
        )
        if done:
            return done
    return render_template("dialogues/staff_form.html", form=form, session=None), (
        422 if form.errors else 200
    )


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@role_required(WARD_OFFICERS)
def edit(session_id: int):
    """Edit a draft or published conference."""
    session = conference_or_404(session_id)
    form = ConferenceForm(obj=session)
    if not form.is_submitted():
        for name in ("starts_at", "ends_at", "booking_opens_at", "booking_closes_at"):
            getattr(form, name).data = to_local(getattr(session, name))
        form.mode.data = session.mode.value
    if form.validate_on_submit():
        done = submit(
            form,
            lambda: services.update_conference(current_user, session, _input(form)),
            _("The conference has been updated."),
            url_for("dialogues_staff.detail", session_id=session.id),
        )
        if done:
            return done
    return render_template("dialogues/staff_form.html", form=form, session=session), (
        422 if form.errors else 200
    )


@bp.get("/<int:session_id>")
@role_required(WARD_OFFICIALS)
def detail(session_id: int):
    """A conference's page for officials: actions, bookings, waiting list."""
    session = conference_or_404(session_id)
    now = utcnow()
    bookings = [
        (b, policy.booking_allowed(current_user, b, now))
        for b in services.session_bookings(session)
    ]
    return render_template(
        "dialogues/staff_detail.html",
        session=session,
        may=policy.session_allowed(current_user, session, now),
        bookings=bookings,
        cancellable=any(may for _booking, may in bookings),
        counts=services.door_counts(session),
        publish_form=PublishForm(),
        reason_form=ReasonForm(),
        guest_form=GuestBookForm(),
        late=services.notice_is_short(session, now),
        overdue=services.results_overdue(session, now),
        format_code=format_code,
    )


@bp.post("/<int:session_id>/publish")
@role_required(WARD_OFFICERS)
def publish(session_id: int):
    """Publish a draft (late notice needs the confirmation box)."""
    session = conference_or_404(session_id)
    form = PublishForm()
    return _act(
        session,
        lambda: services.publish(current_user, session, confirm_late=form.confirm_late.data),
        _("The conference is published."),
    )


@bp.post("/<int:session_id>/cancel")
@role_required(WARD_OFFICERS)
def cancel(session_id: int):
    """Cancel the conference; everyone booked is told why."""
    session = conference_or_404(session_id)
    form = ReasonForm()
    return _act(
        session,
        lambda: services.cancel_session(current_user, session, form.reason.data or ""),
        _("The conference is cancelled; everyone booked will be told."),
    )


@bp.post("/<int:session_id>/held")
@role_required(WARD_OFFICERS)
def held(session_id: int):
    """Mark the session as held; unarrived bookings become no-shows."""
    session = conference_or_404(session_id)
    return _act(
        session,
        lambda: services.mark_held(current_user, session),
        _("The session is marked as held."),
    )


@bp.post("/<int:session_id>/book")
@role_required(WARD_OFFICERS)
def book_for_caller(session_id: int):
    """Book a place for a caller or walk-in who has no account (name and phone)."""
    session = conference_or_404(session_id)
    return book_caller(session, url_for("dialogues_staff.detail", session_id=session.id))


@bp.route("/<int:session_id>/check-in", methods=["GET", "POST"])
@role_required(WARD_OFFICERS)
def check_in(session_id: int):
    """At the door: enter or scan a lookup code; live counts (while check-in is open)."""
    session = conference_or_404(session_id)
    policy.require_session(current_user, session, ConferenceAction.CHECK_IN)
    form = CheckInForm()
    arrived = None
    status = 200
    if form.validate_on_submit():
        try:
            arrived = services.check_in(current_user, session, form.code.data)
        except DomainError as error:
            show_error(form, error)
            status = 422
        else:
            commit()
            form = CheckInForm(formdata=None)
    elif form.errors:
        status = 422
    return render_template(
        "dialogues/checkin.html",
        session=session,
        form=form,
        arrived=arrived,
        counts=services.door_counts(session),
        overrides=services.walk_in_overrides(session),
    ), status


@bp.get("/<int:session_id>/door-counts.json")
@role_required(WARD_OFFICERS)
def door_counts(session_id: int):
    """The check-in page's counts, which its script refreshes every few seconds."""
    session = conference_or_404(session_id)
    counts = services.door_counts(session)
    response = jsonify(
        booked=counts.booked,
        arrived=counts.arrived,
        walk_ins=counts.walk_ins,
        present=counts.present,
        capacity=counts.capacity,
        waiting=counts.waiting,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/<int:session_id>/walk-in")
@role_required(WARD_OFFICERS)
def walk_in(session_id: int):
    """Count someone who came without booking; past the room's capacity only with the
    officer's confirmation, which is recorded."""
    session = conference_or_404(session_id)
    form = WalkInForm()
    return perform(
        lambda: services.record_walk_in(current_user, session, anyway=form.anyway.data),
        lambda override: (
            _("Walk-in counted over the room's capacity; recorded in your name.")
            if override
            else _("Walk-in counted.")
        ),
        url_for("dialogues_staff.check_in", session_id=session.id),
    )


@bp.get("/<int:session_id>/attendees.<fmt>")
@role_required(WARD_OFFICIALS)
@audited_download
def attendees_file(session_id: int, fmt: str):
    """The attendee list as CSV (those with a place, then the waiting list) or as an XLSX
    workbook (attendees, waiting list, the counts at the door)."""
    session = conference_or_404(session_id)
    if fmt not in sheet_files.CONTENT_TYPES:
        abort(404)
    tables = attendees.tables(current_user, session)
    if fmt == "csv":
        booked, waiting = tables[0], tables[1]
        tables = [booked.spec.build(booked.items + waiting.items)]
    return sheet_files.download(tables, fmt, f"attendees-{session.id}")


@bp.get("/<int:session_id>/sign-in-sheet")
@role_required(WARD_OFFICIALS)
@audited_download
def sign_in_sheet(session_id: int):
    """A sheet to print for the door: each booked resident's name, phone and code, and a
    column to sign in."""
    session = conference_or_404(session_id)
    booked, waiting = attendees.attendees(current_user, session)
    response = make_response(
        render_template(
            "dialogues/sign_in_sheet.html",
            session=session,
            booked=booked,
            waiting=waiting,
            counts=services.door_counts(session),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response
