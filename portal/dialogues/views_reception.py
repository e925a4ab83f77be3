"""Citizen reception: the public list of open slots (booked through `dialogues.book`) and the
officers' page for the weekly schedule, slot generation and blocking. The Fatherland Front
supervisor may look, not change."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from portal import dates
from portal.codes import format_code
from portal.db import MAX_ID, utcnow
from portal.dialogues import policy, queries, reception, services
from portal.dialogues.callers import book_caller
from portal.dialogues.forms import GuestBookForm
from portal.dialogues.loaders import booking_or_404, slot_or_404
from portal.dialogues.models import DialogueSession, ReceptionSchedule
from portal.dialogues.policy import BookingAction
from portal.dialogues.reception_forms import (
    BlockDayForm,
    BlockSlotForm,
    MoveBookingForm,
    ScheduleForm,
    weekday_label,
)
from portal.domain import DomainError
from portal.extensions import db, lookup_limited
from portal.forms import int_or_none, options, with_id_prefix
from portal.pagecache import cached_page
from portal.security import (
    ANY_USER,
    WARD_OFFICERS,
    WARD_OFFICIALS,
    get_in_ward_or_404,
    is_resident,
    may_open,
    personal,
    public,
    role_required,
    served_ward_or_404,
)
from portal.templating import local_datetime
from portal.timeutil import to_local
from portal.web import act, commit, perform, show_error, submit

bp = Blueprint("reception", __name__)


def _clock(value) -> str:
    """A schedule's wall-clock time (already Hà Nội time) for the current language."""
    return dates.clock(value)


# ---------------------------------------------------------------- public


@bp.get("/wards/<slug>/reception")
@public
@cached_page
def public_page(slug: str):
    """The chairman's reception hours and the open slots, by day; residents book one with
    their topic."""
    ward = served_ward_or_404(slug)
    now = utcnow()
    slots = [
        (slot, policy.session_allowed(current_user, slot, now))
        for slot in reception.open_slots(ward.id, now)
    ]
    days = [
        list(group)
        for _day, group in groupby(slots, key=lambda row: to_local(row[0].starts_at).date())
    ]
    mine = queries.open_reception_booking(current_user, now) if is_resident(current_user) else None
    return render_template(
        "dialogues/reception_public.html",
        ward=ward,
        days=days,
        mine=mine,
        resident=is_resident(current_user),
        schedules=reception.active_schedules(ward.id),
        weekday_label=weekday_label,
        clock=_clock,
    )


# ---------------------------------------------------------------- officers


def _staff_page(schedule_form=None, block_day_form=None, status: int = 200):
    ward_id = current_user.ward_id
    now = utcnow()
    rows = [
        (row, policy.session_allowed(current_user, row.slot, now))
        for row in reception.reception_overview(ward_id, now)
    ]
    return render_template(
        "dialogues/reception_staff.html",
        schedules=reception.ward_schedules(ward_id),
        rows=rows,
        schedule_form=schedule_form or ScheduleForm(formdata=None),
        block_day_form=block_day_form or BlockDayForm(formdata=None),
        may_move=lambda booking: (
            BookingAction.MOVE in policy.booking_actions(current_user, booking, now)
        ),
        guest_form=lambda slot: with_id_prefix(GuestBookForm(formdata=None), f"caller-{slot.id}"),
        can_edit=may_open("reception.add_schedule"),
        weekday_label=weekday_label,
        clock=_clock,
        weeks=reception.DEFAULT_WEEKS,
    ), status


def _done(action, success) -> object:
    """Run one service call, commit, flash, and go back to the officers' page."""
    return perform(action, success, url_for("reception.staff_index"))


@bp.get("/staff/reception")
@role_required(WARD_OFFICIALS)
def staff_index():
    """The ward's weekly reception times, upcoming slots and who booked them."""
    return _staff_page()


@bp.post("/staff/reception/schedules")
@role_required(WARD_OFFICERS)
def add_schedule():
    """Add a weekly reception time (e.g. Tuesdays 08:00–11:00, 20 minutes a person)."""
    form = ScheduleForm()
    if form.validate_on_submit():
        done = submit(
            form,
            lambda: reception.save_schedule(
                current_user,
                int_or_none(form.weekday.data),
                form.start_time.data,
                form.end_time.data,
                form.slot_minutes.data,
                form.venue.data,
            ),
            _("The reception time has been added. Generate its slots next."),
            url_for("reception.staff_index"),
        )
        if done:
            return done
    return _staff_page(schedule_form=form, status=422)


@bp.post("/staff/reception/schedules/<int:schedule_id>/deactivate")
@role_required(WARD_OFFICERS)
def deactivate_schedule(schedule_id: int):
    """Stop a weekly reception time; slots already published stay until blocked."""
    schedule = get_in_ward_or_404(ReceptionSchedule, schedule_id)
    return _done(
        lambda: reception.deactivate_schedule(current_user, schedule),
        _("The reception time is stopped. Slots already published stay until you block them."),
    )


@bp.post("/staff/reception/generate")
@role_required(WARD_OFFICERS)
def generate():
    """Publish the slots of the coming weeks from the active reception times."""
    return _done(
        lambda: reception.generate_slots(current_user.ward_id),
        lambda n: ngettext("%(num)d new slot published.", "%(num)d new slots published.", n),
    )


@bp.post("/staff/reception/slots/<int:slot_id>/block")
@role_required(WARD_OFFICERS)
def block_slot(slot_id: int):
    """Block one slot; the resident who booked it is told the reason."""
    slot = slot_or_404(slot_id)
    form = BlockSlotForm()
    return act(
        form,
        lambda: reception.block_slot(current_user, slot, form.reason.data),
        _("The slot is blocked; whoever booked it will be told."),
        url_for("reception.staff_index"),
    )


@bp.post("/staff/reception/block-day")
@role_required(WARD_OFFICERS)
def block_day():
    """Block every slot of one day (the chairman is away); booked residents are told."""
    form = BlockDayForm()
    if not form.validate_on_submit():
        return _staff_page(block_day_form=form, status=422)
    try:
        blocked = reception.block_day(
            current_user, current_user.ward_id, form.day.data, form.reason.data
        )
    except DomainError as error:
        show_error(form, error)
        return _staff_page(block_day_form=form, status=422)
    commit()
    if blocked:
        flash(
            ngettext(
                "%(num)d slot blocked; a resident who booked it will be told.",
                "%(num)d slots blocked; residents who booked will be told.",
                blocked,
            ),
            "success",
        )
    else:
        flash(_("There is no reception on that day: nothing to block."), "info")
    return redirect(url_for("reception.staff_index"))


@bp.post("/staff/reception/slots/<int:slot_id>/book")
@role_required(WARD_OFFICERS)
def book_for_caller(slot_id: int):
    """Book a slot for a caller or walk-in without an account (name, phone, topic)."""
    slot = slot_or_404(slot_id)
    return book_caller(slot, url_for("reception.staff_index"))


# ---------------------------------------------------------------- moving a booking


def _slot_choice(slot: DialogueSession) -> str:
    return f"{local_datetime(slot.starts_at, 'short')} · {slot.venue}"


@bp.route("/bookings/<code>/move", methods=["GET", "POST"])
@role_required(ANY_USER)
@personal
@lookup_limited
def move_booking(code: str):
    """Its holder (or the ward's officers) moves a reception booking to another free slot;
    a slot taken meanwhile is refused with the reason, and the booking keeps its slot."""
    booking = booking_or_404(code)
    now = utcnow()
    policy.require_booking(current_user, booking, BookingAction.MOVE, now)
    slots = [s for s in reception.open_slots(booking.ward_id, now) if s.id != booking.session_id]
    form = MoveBookingForm()
    form.slot_id.choices = options((s.id, _slot_choice(s)) for s in slots)
    status = 200
    if form.validate_on_submit():
        slot_id = int_or_none(form.slot_id.data)
        slot = db.session.get(DialogueSession, slot_id) if slot_id and slot_id <= MAX_ID else None
        if slot is None:
            form.slot_id.errors = [_("Choose one of the listed slots.")]
        else:
            try:
                services.move_booking(current_user, booking, slot, now)
            except DomainError as error:
                show_error(form, error)
            else:
                commit()
                flash(_("The booking is moved; a message confirms the new time."), "success")
                return redirect(url_for("dialogues.booking_detail", code=booking.code))
    if form.errors:
        status = 422
    return render_template(
        "dialogues/move_booking.html",
        booking=booking,
        form=form,
        slots=slots,
        code=format_code(booking.code),
    ), status
