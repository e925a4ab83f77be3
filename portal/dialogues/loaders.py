"""The dialogue rows an address names, loaded for a view: 404 when missing (or not what the
address says), 403 when another ward's."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from portal.dialogues import services
from portal.dialogues.models import Booking, DialogueSession, Question, SessionKind, SessionStatus
from portal.extensions import db
from portal.security import MAX_ID, get_in_ward_or_404, is_official_of
from portal.wards.models import Ward

# What the public may see of a ward's sessions (never a draft).
PUBLIC_STATUSES = (
    SessionStatus.PUBLISHED,
    SessionStatus.HELD,
    SessionStatus.RESULTS_PUBLISHED,
    SessionStatus.CANCELLED,
)


def session_or_404(session_id: int) -> DialogueSession:
    """A conference or reception slot of the official's ward."""
    return get_in_ward_or_404(DialogueSession, session_id)


def conference_or_404(session_id: int) -> DialogueSession:
    """The ward's conference: 404 when missing or a reception slot, 403 for another ward."""
    session = session_or_404(session_id)
    if session.kind != SessionKind.CONFERENCE:
        abort(404)
    return session


def slot_or_404(slot_id: int) -> DialogueSession:
    """The ward's reception slot: 404 when missing or a conference, 403 for another ward."""
    slot = session_or_404(slot_id)
    if slot.kind != SessionKind.RECEPTION:
        abort(404)
    return slot


def conference_booking_or_404(booking_id: int) -> Booking:
    """A booking of one of the ward's conferences (reception bookings have their own page)."""
    booking = get_in_ward_or_404(Booking, booking_id)
    if booking.session_kind != SessionKind.CONFERENCE:
        abort(404)
    return booking


def question_or_404(session: DialogueSession, question_id: int) -> Question:
    """A question of this session; any other id (another session or ward) is a 404."""
    question = db.session.get(Question, question_id) if 0 < question_id <= MAX_ID else None
    if question is None or question.session_id != session.id:
        abort(404)
    return question


def public_session_or_404(ward: Ward, session_id: int) -> DialogueSession:
    """A session of the ward that the public may see."""
    session = db.session.get(DialogueSession, session_id) if 0 < session_id <= MAX_ID else None
    if session is None or session.ward_id != ward.id or session.status not in PUBLIC_STATUSES:
        abort(404)
    return session


def bookable_session_or_404(session_id: int) -> DialogueSession:
    """A session a resident may try to book (anything but a draft, which nobody sees)."""
    session = db.session.get(DialogueSession, session_id) if 0 < session_id <= MAX_ID else None
    if session is None or session.status == SessionStatus.DRAFT:
        abort(404)
    return session


def booking_or_404(code: str) -> Booking:
    """A booking its holder or the ward's officials may see; 404 for anyone else."""
    booking = services.booking_by_code(code)
    if booking is None:
        abort(404)
    own = booking.user_id is not None and booking.user_id == current_user.id
    if not (own or is_official_of(current_user, booking.ward_id)):
        abort(404)  # do not confirm that someone else's code exists
    return booking
