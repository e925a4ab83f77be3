"""The reception record (sổ tiếp công dân): each citizen received by the chairman, entered by
the ward's officers, read by the ward's officials (the Fatherland Front supervisor too).

An entry says who came (a booked resident or a walk-in: name, phone, address), when, what they
raised and of what kind (phản ánh, kiến nghị, khiếu nại, tố cáo), the documents received, what
the chairman concluded and the follow-up: an officer and a deadline in working days. For
feedback and petitions the follow-up opens a feedback case linked to the entry, filed through
the feedback inbox's own submission for staff-entered feedback (so its deadline, escalation and
answer flow are the inbox's); complaints and denunciations follow the Law on Complaints 2011 and
the Law on Denunciations 2018: they are recorded, never turned into feedback. Services flush,
never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, joinedload

from portal.audit import services as audit
from portal.auth.models import User
from portal.auth.phones import InvalidPhone, normalize_phone
from portal.db import utcnow
from portal.dialogues import policy
from portal.dialogues.models import (
    Booking,
    BookingStatus,
    DialogueSession,
    MatterKind,
    ReceptionRecord,
    SessionKind,
)
from portal.dialogues.policy import RecordAction
from portal.domain import DomainError, Problems
from portal.extensions import db
from portal.feedback import submission, workflow
from portal.feedback.models import Channel
from portal.text import clean
from portal.timeutil import local_today, local_zone
from portal.wards.models import Ward
from portal.workdays import add_working_days

NAME_MAX = 120
ADDRESS_MAX = 300
TEXT_MAX = 5000
FOLLOW_UP_DAYS_MAX = 90
DEFAULT_FOLLOW_UP_DAYS = 10  # as the feedback categories' default (check)
# The bookings an entry may name: the resident was booked, came, or was not marked.
RECEIVED_BOOKINGS = (BookingStatus.CONFIRMED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
# Feedback fields -> the record's, for a problem the feedback submission finds.
FEEDBACK_FIELDS = {
    "contact_name": "visitor_name",
    "contact_phone": "visitor_phone",
    "contact_email": "visitor_name",
    "title": "matter",
    "body": "matter",
    "address": "visitor_address",
    "category_id": "category_id",
}


@dataclass
class RecordInput:
    """What the officer enters for one citizen received."""

    received_at: datetime | None
    visitor_name: str
    visitor_phone: str
    visitor_address: str
    kind: str
    matter: str
    documents: str = ""
    conclusion: str = ""
    follow_up_officer_id: int | None = None
    follow_up_days: int | None = None
    category_id: int | None = None  # the feedback category of the case a follow-up opens
    booking_id: int | None = None


def officers_of(ward_id: int) -> list[User]:
    """Who may be given the follow-up: those feedback can be assigned to."""
    return workflow.officers(ward_id)


def booking_for_record(ward_id: int, booking_id: int | None) -> Booking | None:
    """The ward's reception booking an entry may name (booked, arrived or not marked)."""
    if not booking_id:
        return None
    booking = db.session.get(Booking, booking_id)
    if (
        booking is None
        or booking.ward_id != ward_id
        or booking.session_kind != SessionKind.RECEPTION
        or booking.status not in RECEIVED_BOOKINGS
    ):
        return None
    return booking


def _text(problems: Problems, name: str, value: str, limit: int, required=None) -> str:
    value = clean(value or "")
    if required is not None and not value:
        problems.add(name, required)
    elif len(value) > limit:
        problems.add(name, _l("At most %(max)d characters.", max=limit))
    return value


def _follow_up_officer(problems: Problems, ward_id: int, officer_id: int | None) -> User | None:
    if not officer_id:
        return None
    officer = next((u for u in officers_of(ward_id) if u.id == officer_id), None)
    if officer is None:
        problems.add("follow_up_officer_id", _l("Choose an officer of this ward."))
    return officer


def record_reception(actor: User, data: RecordInput, now: datetime | None = None):
    """An officer of the ward enters a citizen received. All problems are reported at once;
    nothing is saved unless everything is right. A follow-up (an officer and a deadline) on
    feedback or a petition opens a feedback case, given to that officer, due on the deadline."""
    now = now or utcnow()
    ward_id = actor.ward_id
    policy.require_record(actor, ward_id, RecordAction.RECORD)
    problems = Problems()
    booking = booking_for_record(ward_id, data.booking_id)
    if data.booking_id and booking is None:
        problems.add("booking_id", _l("This booking cannot be recorded here."))
    name = _text(
        problems, "visitor_name", data.visitor_name, NAME_MAX, _l("Enter the person's name.")
    )
    phone = clean(data.visitor_phone or "")
    if phone:
        try:
            phone = normalize_phone(phone)
        except InvalidPhone:
            problems.add(
                "visitor_phone", _l("Enter a Vietnamese mobile number, e.g. 0912 345 678.")
            )
    address = _text(problems, "visitor_address", data.visitor_address, ADDRESS_MAX)
    try:
        kind = MatterKind(data.kind)
    except ValueError:
        kind = None
        problems.add("kind", _l("Choose what kind of matter it is."))
    matter = _text(problems, "matter", data.matter, TEXT_MAX, _l("Describe the matter raised."))
    documents = _text(problems, "documents", data.documents, TEXT_MAX)
    conclusion = _text(problems, "conclusion", data.conclusion, TEXT_MAX)
    received_at = data.received_at
    if received_at is None:
        problems.add("received_at", _l("Enter when the person was received."))
    elif received_at > now + timedelta(minutes=5):
        problems.add("received_at", _l("A reception cannot be recorded before it is held."))
    officer = _follow_up_officer(problems, ward_id, data.follow_up_officer_id)
    days = data.follow_up_days
    if officer is not None and days is None:
        problems.add("follow_up_days", _l("Give the follow-up a deadline in working days."))
    if days is not None and not 1 <= days <= FOLLOW_UP_DAYS_MAX:
        problems.add(
            "follow_up_days",
            _l("Enter between %(min)d and %(max)d working days.", min=1, max=FOLLOW_UP_DAYS_MAX),
        )
    if days is not None and officer is None and not problems.errors.get("follow_up_officer_id"):
        problems.add("follow_up_officer_id", _l("Choose the officer who follows it up."))
    problems.raise_if_any()

    due = None
    if officer is not None:
        due = add_working_days(received_at.astimezone(local_zone()).date(), days)
    record = ReceptionRecord(
        ward_id=ward_id,
        slot_id=booking.session_id if booking else None,
        booking_id=booking.id if booking else None,
        user_id=booking.user_id if booking else None,
        received_at=received_at.astimezone(UTC),
        visitor_name=name,
        visitor_phone=phone,
        visitor_address=address,
        kind=kind,
        matter=matter,
        documents=documents,
        conclusion=conclusion,
        follow_up_officer_id=officer.id if officer else None,
        follow_up_days=days if officer else None,
        follow_up_due=due,
        recorded_by_id=actor.id,
    )
    if officer is not None and not kind.own_procedure:
        item = _open_feedback(actor, record, data.category_id, due, now)
        workflow.assign(actor, item, officer.id, now=now)
        record.feedback_id = item.id
    db.session.add(record)
    db.session.flush()
    audit.note(kind=kind.value, feedback_id=record.feedback_id)
    return record


def _open_feedback(
    actor: User, record: ReceptionRecord, category_id: int | None, due: date, now: datetime
):
    """File the entry's matter as feedback entered by the officer for the person received
    (channel: at the desk), through the inbox's own submission, due on the chairman's
    deadline rather than the category's."""
    ward = db.session.get(Ward, record.ward_id)
    first_line = record.matter.splitlines()[0] if record.matter else ""
    title = first_line
    if len(title) > submission.TITLE_MAX:  # cut after the last whole word that fits
        title = title[: submission.TITLE_MAX].rsplit(" ", 1)[0] or title[: submission.TITLE_MAX]
    data = submission.FeedbackInput(
        category_id=category_id,
        title=title,
        body=record.matter,
        address=record.visitor_address,
        contact_name=record.visitor_name,
        contact_phone=record.visitor_phone,
        channel=Channel.WALK_IN,
    )
    try:
        return submission.submit(ward, data, actor=actor, due_on=due, now=now)
    except DomainError as error:
        errors = {
            FEEDBACK_FIELDS.get(field or "", "category_id"): message
            for field, message in (error.errors or {error.field: error.message}).items()
        }
        field, message = next(iter(errors.items()))
        raise DomainError(message, field, errors=errors) from error


# ---------------------------------------------------------------- reading


def bookings_to_record(ward_id: int, now: datetime, days: int = 7) -> list[Booking]:
    """Reception bookings of the last `days` days (slots already started) that no entry names
    yet: what the officers still have to record, soonest first."""
    recorded = sa.select(ReceptionRecord.booking_id).where(
        ReceptionRecord.ward_id == ward_id, ReceptionRecord.booking_id.is_not(None)
    )
    return list(
        db.session.execute(
            sa.select(Booking)
            .join(Booking.session)
            .options(contains_eager(Booking.session), joinedload(Booking.user))
            .where(
                Booking.ward_id == ward_id,
                Booking.session_kind == SessionKind.RECEPTION,
                Booking.status.in_(RECEIVED_BOOKINGS),
                DialogueSession.starts_at <= now,
                DialogueSession.starts_at > now - timedelta(days=days),
                Booking.id.not_in(recorded),
            )
            .order_by(DialogueSession.starts_at)
        ).scalars()
    )


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=local_zone()).astimezone(UTC)


def records_between(viewer: User, ward_id: int, first: date, last: date) -> list[ReceptionRecord]:
    """The ward's entries received from `first` to `last` (Hà Nội days, both included), in
    the order received: the register of a period."""
    policy.require_record(viewer, ward_id, RecordAction.READ)
    return list(
        db.session.execute(
            sa.select(ReceptionRecord)
            .where(
                ReceptionRecord.ward_id == ward_id,
                ReceptionRecord.received_at >= _local_start(first),
                ReceptionRecord.received_at < _local_start(last + timedelta(days=1)),
            )
            .order_by(ReceptionRecord.received_at, ReceptionRecord.id)
        ).scalars()
    )


def default_period(today: date | None = None) -> tuple[date, date]:
    """This month so far."""
    today = today or local_today()
    return today.replace(day=1), today


def phone_shown(viewer: User, record: ReceptionRecord) -> bool:
    """Whether the viewer sees the whole number (the officers who call people back)."""
    return RecordAction.SEE_PHONE in policy.record_actions(viewer, record.ward_id)
