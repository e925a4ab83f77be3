"""The reception record (sổ tiếp công dân): the ward's officers enter each citizen received;
the ward's officials (the Fatherland Front supervisor too) read the entries, print them (an
entry, a day's reception) and download the register of a period as CSV or XLSX."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.audit import services as audit
from portal.audit.services import audited_download
from portal.db import utcnow
from portal.dialogues import policy, records
from portal.dialogues.labels import MATTER_KIND
from portal.dialogues.models import MatterKind, ReceptionRecord
from portal.dialogues.policy import RecordAction
from portal.dialogues.records_forms import RecordForm
from portal.dialogues.records_register import register_table
from portal.feedback import categories
from portal.forms import int_or_none, options
from portal.security import WARD_OFFICERS, WARD_OFFICIALS, get_in_ward_or_404, role_required
from portal.sheets import files as sheet_files
from portal.timeutil import local_today, to_local, to_utc
from portal.web import submit

bp = Blueprint("reception_records", __name__, url_prefix="/staff/reception/records")

PERIOD_DAYS_MAX = 366 * 5


def _day(name: str) -> date | None:
    """A day from the query string (2026-12-01), None when absent; a 400 when malformed."""
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400)


def _period() -> tuple[date, date]:
    first, last = records.default_period(local_today())
    first, last = _day("start") or first, _day("end") or last
    if last < first or (last - first).days > PERIOD_DAYS_MAX:
        abort(400)
    return first, last


def _form(form: RecordForm) -> RecordForm:
    ward_id = current_user.ward_id
    form.kind.choices = options(MATTER_KIND.items(), placeholder=_("Choose the kind"))
    form.follow_up_officer_id.choices = options(
        ((u.id, u.full_name) for u in records.officers_of(ward_id)),
        placeholder=_("No follow-up"),
    )
    form.category_id.choices = options(
        ((c.id, c.name) for c in categories.ward_categories(ward_id)),
        placeholder=_("Choose a category"),
    )
    return form


@bp.get("/")
@role_required(WARD_OFFICIALS)
def index():
    """The register of a period (this month by default), with its downloads."""
    first, last = _period()
    entries = records.records_between(current_user, current_user.ward_id, first, last)
    may = policy.record_actions(current_user, current_user.ward_id)
    return render_template(
        "dialogues/records_index.html",
        table=register_table(current_user, current_user.ward_id, entries),
        entries=entries,
        first=first,
        last=last,
        may=may,
        RecordAction=RecordAction,
        to_record=records.bookings_to_record(current_user.ward_id, utcnow())
        if RecordAction.RECORD in may
        else [],
        local_day=lambda entry: to_local(entry.received_at).date().isoformat(),
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(WARD_OFFICERS)
def create():
    """Enter a citizen received: a booked resident (from the slot list) or a walk-in."""
    form = _form(RecordForm())
    booking = records.booking_for_record(
        current_user.ward_id, int_or_none(request.args.get("booking") or form.booking_id.data)
    )
    if not form.is_submitted():
        form.received_at.data = to_local(booking.session.starts_at if booking else utcnow())
        if booking is not None:
            form.booking_id.data = str(booking.id)
            form.visitor_name.data = booking.holder_name
            form.visitor_phone.data = booking.holder_phone
            form.matter.data = booking.question
    if form.validate_on_submit():
        done = submit(
            form,
            lambda: records.record_reception(
                current_user,
                records.RecordInput(
                    received_at=to_utc(form.received_at.data),
                    visitor_name=form.visitor_name.data,
                    visitor_phone=form.visitor_phone.data,
                    visitor_address=form.visitor_address.data,
                    kind=form.kind.data,
                    matter=form.matter.data,
                    documents=form.documents.data,
                    conclusion=form.conclusion.data,
                    follow_up_officer_id=int_or_none(form.follow_up_officer_id.data),
                    follow_up_days=form.follow_up_days.data,
                    category_id=int_or_none(form.category_id.data),
                    booking_id=int_or_none(form.booking_id.data),
                ),
            ),
            lambda entry: (
                _(
                    "Recorded. Feedback case %(code)s is opened for the follow-up.",
                    code=entry.feedback.code,
                )
                if entry.feedback
                else _("Recorded.")
            ),
            lambda entry: url_for("reception_records.detail", record_id=entry.id),
        )
        if done:
            return done
    return render_template(
        "dialogues/records_form.html",
        form=form,
        booking=booking,
        own_procedure=[k.value for k in MatterKind if k.own_procedure],
    ), (422 if form.errors else 200)


@bp.get("/<int:record_id>")
@role_required(WARD_OFFICIALS)
@audited_download
def detail(record_id: int):
    """One entry, print-friendly."""
    entry = get_in_ward_or_404(ReceptionRecord, record_id)
    policy.require_record(current_user, entry.ward_id, RecordAction.READ)
    return render_template(
        "dialogues/records_print.html",
        entries=[entry],
        day=None,
        see_phone=records.phone_shown(current_user, entry),
    )


@bp.get("/day/<day>")
@role_required(WARD_OFFICIALS)
@audited_download
def day(day: str):
    """Every entry of one day's reception, print-friendly (the record of that session)."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        abort(404)
    entries = records.records_between(current_user, current_user.ward_id, when, when)
    audit.note(start=when.isoformat())
    return render_template(
        "dialogues/records_print.html",
        entries=entries,
        day=when,
        see_phone=RecordAction.SEE_PHONE
        in policy.record_actions(current_user, current_user.ward_id),
    )


@bp.get("/register.<fmt>")
@role_required(WARD_OFFICIALS)
@audited_download
def register(fmt: str):
    """The register of a period as CSV or XLSX."""
    if fmt not in sheet_files.CONTENT_TYPES:
        abort(404)
    first, last = _period()
    entries = records.records_between(current_user, current_user.ward_id, first, last)
    audit.note(start=first.isoformat(), end=last.isoformat(), format=fmt)
    table = register_table(current_user, current_user.ward_id, entries)
    filename = f"so-tiep-cong-dan-{current_user.ward.slug}-{first}-{last}"
    return sheet_files.download([table], fmt, filename)
