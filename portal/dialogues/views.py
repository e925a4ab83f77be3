"""Residents' side of dialogues: public pages, booking, my bookings, confirmations."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal.codes import format_code
from portal.db import utcnow
from portal.dialogues import calendar, messages, policy, queries, services
from portal.dialogues.forms import BookForm, ReasonForm
from portal.dialogues.loaders import (
    bookable_session_or_404,
    booking_or_404,
    public_session_or_404,
)
from portal.dialogues.models import BookingStatus, SessionKind
from portal.domain import DomainError, StateConflict
from portal.extensions import lookup_limited, per_account, rate_limited
from portal.notifications import history
from portal.pagecache import cached_page
from portal.qrcode import qr_svg
from portal.security import (
    ANY_USER,
    RESIDENTS,
    is_officer_of,
    is_resident,
    personal,
    public,
    role_required,
    served_ward_or_404,
)
from portal.web import commit, flash_form_errors, show_error

bp = Blueprint("dialogues", __name__)


@bp.get("/wards/<slug>/dialogues")
@public
@cached_page
def public_list(slug: str):
    """Upcoming conferences with seats left, and past ones with their results."""
    ward = served_ward_or_404(slug)
    return render_template(
        "dialogues/public_list.html",
        ward=ward,
        upcoming=services.upcoming_conferences(ward.id),
        past=services.past_conferences(ward.id),
        now=utcnow(),
    )


@bp.get("/wards/<slug>/dialogues/<int:session_id>")
@public
@cached_page
def public_detail(slug: str, session_id: int):
    """A conference: what, when, where, seats left; the booking form for residents."""
    ward = served_ward_or_404(slug)
    session = public_session_or_404(ward, session_id)
    now = utcnow()
    mine = queries.active_booking_of(current_user, session) if is_resident(current_user) else None
    return render_template(
        "dialogues/public_detail.html",
        ward=ward,
        session=session,
        may=policy.session_allowed(current_user, session, now),
        now=now,
        form=BookForm(),
        mine=mine,
        questions=services.published_questions(session),
    )


@bp.get("/wards/<slug>/dialogues.ics")
@public
def ward_feed(slug: str):
    """The ward's upcoming conferences as an iCalendar feed."""
    ward = served_ward_or_404(slug)
    body = calendar.ward_feed(ward.name, services.upcoming_conferences(ward.id), request.host)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "max-age=300"})


@bp.post("/dialogues/<int:session_id>/book")
@role_required(RESIDENTS)
@rate_limited(lambda: current_app.config["BOOKING_LIMIT"], key_func=per_account)
def book(session_id: int):
    """A resident books a place (or joins the waiting list) with an optional question."""
    session = bookable_session_or_404(session_id)
    form = BookForm()
    if session.kind == SessionKind.RECEPTION:
        target = url_for("reception.public_page", slug=session.ward.slug)
    else:
        target = url_for("dialogues.public_detail", slug=session.ward.slug, session_id=session.id)
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(target)
    try:
        booking = services.book(session, user=current_user, question=form.question.data)
    except DomainError as error:
        show_error(None, error)
        return redirect(target)
    commit()
    if booking.status == BookingStatus.CONFIRMED:
        flash(_("Your place is booked. Keep your lookup code."), "success")
    else:
        flash(_("The conference is full: you are on the waiting list."), "info")
    return redirect(url_for("dialogues.booking_detail", code=booking.code))


@bp.get("/my/bookings")
@role_required(RESIDENTS)
def my_bookings():
    """Everything the resident has booked, newest first."""
    return render_template(
        "dialogues/my_bookings.html", bookings=services.bookings_of(current_user)
    )


@bp.get("/bookings/<code>")
@role_required(ANY_USER)
@personal
@lookup_limited
def booking_detail(code: str):
    """Confirmation page: code, QR code, calendar file, status and cancellation."""
    booking = booking_or_404(code)
    waiting = booking.status == BookingStatus.WAITING
    return render_template(
        "dialogues/booking.html",
        booking=booking,
        position=services.waiting_position(booking) if waiting else None,
        may=policy.booking_allowed(current_user, booking),
        for_holder=booking.user_id is not None and booking.user_id == current_user.id,
        code=format_code(booking.code),
        messages=history.for_viewer(current_user, booking.ward_id, messages.about(booking)),
    )


@bp.get("/bookings/<code>.ics")
@role_required(ANY_USER)
@personal
@lookup_limited
def booking_ics(code: str):
    """The booking as a calendar file."""
    booking = booking_or_404(code)
    description = _("Lookup code: %(code)s", code=format_code(booking.code))
    return Response(
        calendar.booking_ics(booking, request.host, description),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="booking-{booking.code}.ics"'},
    )


@bp.get("/bookings/<code>/qr.svg")
@role_required(ANY_USER)
@personal
@lookup_limited
def booking_qr(code: str):
    """The lookup code as a QR code for the door."""
    booking = booking_or_404(code)
    return Response(qr_svg(booking.code), mimetype="image/svg+xml")


@bp.get("/bookings/<code>/cancel")
@role_required(ANY_USER)
@personal
@lookup_limited
def confirm_cancel_booking(code: str):
    """The step before cancelling: the booking's facts and the form that cancels it (its
    holder, or one of the ward's officers with the reason the holder is told). A booking that
    can no longer be cancelled goes back to its page, saying why."""
    booking = booking_or_404(code)
    by_staff = is_officer_of(current_user, booking.ward_id)
    action = policy.BookingAction.CANCEL if by_staff else policy.BookingAction.WITHDRAW
    try:
        policy.require_booking(current_user, booking, action)
    except StateConflict as error:
        flash(str(error.message), "error")
        return redirect(url_for("dialogues.booking_detail", code=booking.code))
    return _cancel_page(booking, ReasonForm())


def _cancel_page(booking, form: ReasonForm) -> str:
    return render_template(
        "dialogues/booking_cancel.html",
        booking=booking,
        session=booking.session,
        by_staff=is_officer_of(current_user, booking.ward_id),
        reason_form=form,
        code=format_code(booking.code),
    )


@bp.post("/bookings/<code>/cancel")
@role_required(ANY_USER)
@personal
@lookup_limited
def cancel_booking(code: str):
    """Its holder cancels a booking until the start; the ward's officers too, with a reason."""
    booking = booking_or_404(code)
    form = ReasonForm()
    try:
        services.cancel_booking(current_user, booking, reason=form.reason.data or "")
    except DomainError as error:
        show_error(form, error)
        return _cancel_page(booking, form), 422
    commit()
    flash(_("The booking has been cancelled."), "info")
    if is_resident(current_user):
        return redirect(url_for("dialogues.my_bookings"))
    return redirect(url_for("dialogues_staff.detail", session_id=booking.session_id))
