"""Residents' side of dialogues: public pages, booking, my bookings, confirmations."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.models import Role
from portal.codes import format_code
from portal.dialogues import calendar, services
from portal.dialogues.forms import BookForm, ReasonForm
from portal.dialogues.models import Booking, DialogueSession, SessionKind, SessionStatus
from portal.domain import DomainError, PermissionDenied
from portal.extensions import db
from portal.pagecache import cached_page
from portal.qrcode import qr_svg
from portal.security import ANY_USER, OFFICIALS, can_see_ward, public, role_required
from portal.wards.models import Ward
from portal.wards.services import get_ward_by_slug
from portal.web import commit, show_error

bp = Blueprint("dialogues", __name__)

PUBLIC_STATUSES = (
    SessionStatus.PUBLISHED,
    SessionStatus.HELD,
    SessionStatus.RESULTS_PUBLISHED,
    SessionStatus.CANCELLED,
)


def ward_or_404(slug: str) -> Ward:
    ward = get_ward_by_slug(slug)
    if ward is None:
        abort(404)
    return ward


def public_session_or_404(ward: Ward, session_id: int) -> DialogueSession:
    session = db.session.get(DialogueSession, session_id)
    if session is None or session.ward_id != ward.id or session.status not in PUBLIC_STATUSES:
        abort(404)
    return session


def booking_or_404(code: str) -> Booking:
    """A booking its holder or the ward's officials may see; 404 for anyone else."""
    booking = services.booking_by_code(code)
    if booking is None:
        abort(404)
    own = booking.user_id is not None and booking.user_id == current_user.id
    official = current_user.role in OFFICIALS and can_see_ward(current_user, booking.ward_id)
    if not (own or official):
        abort(404)  # do not confirm that someone else's code exists
    return booking


@bp.get("/wards/<slug>/dialogues")
@public
@cached_page
def public_list(slug: str):
    """Upcoming conferences with seats left, and past ones with their results."""
    ward = ward_or_404(slug)
    return render_template(
        "dialogues/public_list.html",
        ward=ward,
        upcoming=services.upcoming_conferences(ward.id),
        past=services.past_conferences(ward.id),
    )


@bp.get("/wards/<slug>/dialogues/<int:session_id>")
@public
@cached_page
def public_detail(slug: str, session_id: int):
    """A conference: what, when, where, seats left; the booking form for residents."""
    ward = ward_or_404(slug)
    session = public_session_or_404(ward, session_id)
    mine = None
    if current_user.is_authenticated and current_user.role == Role.RESIDENT:
        mine = next(
            (
                b
                for b in services.bookings_of(current_user)
                if b.session_id == session.id and b.status in ("confirmed", "waiting", "attended")
            ),
            None,
        )
    return render_template(
        "dialogues/public_detail.html",
        ward=ward,
        session=session,
        form=BookForm(),
        mine=mine,
        questions=services.published_questions(session),
    )


@bp.get("/wards/<slug>/dialogues.ics")
@public
def ward_feed(slug: str):
    """The ward's upcoming conferences as an iCalendar feed."""
    ward = ward_or_404(slug)
    body = calendar.ward_feed(ward.name, services.upcoming_conferences(ward.id), request.host)
    return Response(body, mimetype="text/calendar", headers={"Cache-Control": "max-age=300"})


@bp.post("/dialogues/<int:session_id>/book")
@role_required(Role.RESIDENT)
def book(session_id: int):
    """A resident books a place (or joins the waiting list) with an optional question."""
    session = db.session.get(DialogueSession, session_id)
    if session is None or session.status == SessionStatus.DRAFT:
        abort(404)
    form = BookForm()
    if session.kind == SessionKind.RECEPTION:
        target = url_for("reception.public_page", slug=session.ward.slug)
    else:
        target = url_for("dialogues.public_detail", slug=session.ward.slug, session_id=session.id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(target)
    try:
        booking = services.book(session, user=current_user, question=form.question.data)
    except DomainError as error:
        show_error(None, error)
        return redirect(target)
    commit()
    if booking.status == "confirmed":
        flash(_("Your place is booked. Keep your lookup code."), "success")
    else:
        flash(_("The conference is full: you are on the waiting list."), "info")
    return redirect(url_for("dialogues.booking_detail", code=booking.code))


@bp.get("/my/bookings")
@role_required(Role.RESIDENT)
def my_bookings():
    """Everything the resident has booked, newest first."""
    return render_template(
        "dialogues/my_bookings.html", bookings=services.bookings_of(current_user)
    )


@bp.get("/bookings/<code>")
@role_required(*ANY_USER)
def booking_detail(code: str):
    """Confirmation page: code, QR code, calendar file, status and cancellation."""
    booking = booking_or_404(code)
    return render_template(
        "dialogues/booking.html",
        booking=booking,
        position=services.waiting_position(booking) if booking.status == "waiting" else None,
        can_cancel=services.can_cancel(current_user, booking),
        reason_form=ReasonForm(),
        code=format_code(booking.code),
        SessionKind=SessionKind,
    )


@bp.get("/bookings/<code>.ics")
@role_required(*ANY_USER)
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
@role_required(*ANY_USER)
def booking_qr(code: str):
    """The lookup code as a QR code for the door."""
    booking = booking_or_404(code)
    return Response(qr_svg(booking.code), mimetype="image/svg+xml")


@bp.post("/bookings/<code>/cancel")
@role_required(*ANY_USER)
def cancel_booking(code: str):
    """The resident cancels their booking until the start (staff give a reason)."""
    booking = booking_or_404(code)
    form = ReasonForm()
    try:
        services.cancel_booking(current_user, booking, reason=form.reason.data or "")
    except PermissionDenied:
        db.session.rollback()
        abort(403)
    except DomainError as error:
        show_error(None, error)
        return redirect(url_for("dialogues.booking_detail", code=booking.code))
    commit()
    flash(_("The booking has been cancelled."), "info")
    if current_user.role == Role.RESIDENT:
        return redirect(url_for("dialogues.my_bookings"))
    return redirect(url_for("dialogues_staff.detail", session_id=booking.session_id))
