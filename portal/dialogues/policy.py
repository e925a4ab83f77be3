"""Who may do what, now, to a dialogue conference, a citizen-reception slot and a booking.

A conference goes draft → published → held → results published, or is cancelled; a
reception slot is published (bookable, one person) until it starts, or blocked. A booking is
confirmed or on the waiting list, then attended, not attended, or cancelled. The services
require their action from here first; the pages show a control exactly when its action is
in `actions(...)`."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.dialogues import queries
from portal.dialogues.models import (
    Booking,
    BookingStatus,
    DialogueSession,
    SessionKind,
    SessionStatus,
)
from portal.domain import StateConflict
from portal.policy import Allowed, Lifecycle
from portal.security import (
    UNCONFIRMED,
    is_officer_of,
    is_official_of,
    is_resident,
    needs_phone_confirmation,
)

S = SessionStatus


# ---------------------------------------------------------------- booking opens and closes


def booking_closed_reason(session: DialogueSession, now: datetime):
    """Why the session takes no booking now, or None when it does."""
    if session.status == S.CANCELLED:
        return _l("This session has been cancelled.")
    if session.status != S.PUBLISHED:
        return _l("This session is not open for booking.")
    if session.starts_at <= now:
        return _l("This session has already started.")
    if session.booking_opens_at and now < session.booking_opens_at:
        return _l("Booking has not opened yet.")
    if session.booking_closes_at and now >= session.booking_closes_at:
        return _l("Booking for this session has closed.")
    return None


def open_for_booking(session: DialogueSession, now: datetime) -> bool:
    return booking_closed_reason(session, now) is None


# ---------------------------------------------------------------- conferences


class ConferenceAction(enum.StrEnum):
    # The ward's officers and chairman
    EDIT = "edit"
    PUBLISH = "publish"
    CANCEL = "cancel"
    MARK_HELD = "mark_held"
    BOOK_FOR_CALLER = "book_for_caller"
    CHECK_IN = "check_in"  # at the door: lookup codes and walk-ins
    HANDLE_QUESTIONS = "handle_questions"  # order, merge, answer, add from the floor
    RECORD_MINUTES = "record_minutes"
    PUBLISH_RESULTS = "publish_results"
    # The ward's officials (the supervisor too): pages to read
    READ_QUESTIONS = "read_questions"
    READ_MINUTES = "read_minutes"
    # A resident
    BOOK = "book"  # a place, or the waiting list when it is full


C = ConferenceAction
OFFICER_CONFERENCE_ACTIONS = frozenset(set(C) - {C.BOOK})
READER_CONFERENCE_ACTIONS = frozenset({C.READ_QUESTIONS, C.READ_MINUTES})

# The statuses each action of a conference starts from.
CONFERENCE_STARTS_FROM: dict[ConferenceAction, frozenset[SessionStatus]] = {
    C.EDIT: frozenset({S.DRAFT, S.PUBLISHED}),
    C.PUBLISH: frozenset({S.DRAFT}),
    C.CANCEL: frozenset({S.DRAFT, S.PUBLISHED}),
    C.MARK_HELD: frozenset({S.PUBLISHED}),
    C.BOOK_FOR_CALLER: frozenset({S.PUBLISHED}),
    C.CHECK_IN: frozenset({S.PUBLISHED, S.HELD}),
    C.HANDLE_QUESTIONS: frozenset({S.PUBLISHED, S.HELD}),
    C.RECORD_MINUTES: frozenset({S.HELD}),
    C.PUBLISH_RESULTS: frozenset({S.HELD}),
    C.READ_QUESTIONS: frozenset({S.PUBLISHED, S.HELD, S.RESULTS_PUBLISHED}),
    C.READ_MINUTES: frozenset({S.HELD, S.RESULTS_PUBLISHED}),
    C.BOOK: frozenset({S.PUBLISHED}),
}

CONFERENCE_WHY_NOT = {
    C.EDIT: _l("Only a draft or published conference can be edited."),
    C.PUBLISH: _l("Only a draft can be published."),
    C.CANCEL: _l("This session can no longer be cancelled."),
    C.MARK_HELD: _l("Only a published session can be marked as held."),
    C.CHECK_IN: _l("Check-in is only open for a published session."),
    C.HANDLE_QUESTIONS: _l("Questions can only be handled for a published or held conference."),
    C.RECORD_MINUTES: _l("The minutes can be recorded once the conference has been held."),
    C.PUBLISH_RESULTS: _l("The results can be published once the conference has been held."),
}
RESULTS_OUT = {
    C.HANDLE_QUESTIONS: _l("The results are published; the questions can no longer change."),
    C.RECORD_MINUTES: _l("The results are published; the minutes can no longer change."),
    C.PUBLISH_RESULTS: _l("The results have already been published."),
}
NOT_NOW = _l("This is not possible for this session now.")


def _conference_permitted(actor: User | None, session: DialogueSession) -> set[C]:
    if is_officer_of(actor, session.ward_id):
        return set(OFFICER_CONFERENCE_ACTIONS)
    if is_official_of(actor, session.ward_id):
        return set(READER_CONFERENCE_ACTIONS)
    if is_resident(actor):
        return {C.BOOK}
    return set()


def sees_contacts(actor: User | None, session: DialogueSession) -> bool:
    """Whether the attendee list shows full phone numbers: to those who run the conference
    (the ward's officers and chairman), not to readers such as the supervisor."""
    return is_officer_of(actor, session.ward_id)


def _conference_blocked(actor, session: DialogueSession, now: datetime, wanted: set[C]) -> dict:
    reasons = {}
    for action in wanted:
        if session.status == S.RESULTS_PUBLISHED and action in RESULTS_OUT:
            reasons[action] = RESULTS_OUT[action]
        elif session.status not in CONFERENCE_STARTS_FROM[action]:
            reasons[action] = (
                CONFERENCE_WHY_NOT.get(action) or booking_closed_reason(session, now) or NOT_NOW
            )
    if C.PUBLISH in wanted - reasons.keys() and session.starts_at <= now:
        reasons[C.PUBLISH] = _l("This conference has already started; it cannot be published.")
    if C.MARK_HELD in wanted - reasons.keys() and session.starts_at > now:
        reasons[C.MARK_HELD] = _l("The session has not started yet.")
    for action in {C.BOOK, C.BOOK_FOR_CALLER} & (wanted - reasons.keys()):
        reason = booking_closed_reason(session, now)
        if reason is not None:
            reasons[action] = reason
    if C.BOOK in wanted - reasons.keys() and needs_phone_confirmation(actor):
        reasons[C.BOOK] = UNCONFIRMED
    if C.BOOK in wanted - reasons.keys() and queries.active_booking_of(actor, session) is not None:
        reasons[C.BOOK] = _l("You have already booked this session.")
    if C.PUBLISH_RESULTS in wanted - reasons.keys():
        reason = _results_not_ready(session)
        if reason is not None:
            reasons[C.PUBLISH_RESULTS] = reason
    return reasons


def _results_not_ready(session: DialogueSession):
    """What still stops a held conference's results from being published, if anything."""
    if not (session.minutes_summary or "").strip():
        return _l("Record the minutes before publishing the results.")
    unanswered = queries.unanswered_count(session)
    if unanswered:
        return _l(
            "Questions without an answer: %(n)d. Answer every question before publishing "
            "the results.",
            n=unanswered,
        )
    return None


CONFERENCE = Lifecycle(
    "conference",
    ConferenceAction,
    _conference_permitted,
    _conference_blocked,
    _l("Only the ward's officers and chairman may do this."),
)


# ---------------------------------------------------------------- reception slots


class SlotAction(enum.StrEnum):
    BLOCK = "block"  # the ward's officers: the chairman is away; whoever booked is told
    BOOK = "book"  # a resident: one open reception booking at a time


def _slot_permitted(actor: User | None, slot: DialogueSession) -> set[SlotAction]:
    if is_officer_of(actor, slot.ward_id):
        return {SlotAction.BLOCK}
    if is_resident(actor):
        return {SlotAction.BOOK}
    return set()


def _slot_blocked(actor, slot: DialogueSession, now: datetime, wanted: set) -> dict:
    reasons = {}
    if SlotAction.BLOCK in wanted:
        if slot.status != S.PUBLISHED:
            reasons[SlotAction.BLOCK] = _l("This slot is already blocked.")
        elif slot.starts_at <= now:
            reasons[SlotAction.BLOCK] = _l("This slot has already started.")
    if SlotAction.BOOK in wanted:
        reason = booking_closed_reason(slot, now)
        if reason is None and slot.seats_left <= 0:
            reason = _l("This reception slot has just been taken.")
        if reason is None and needs_phone_confirmation(actor):
            reason = UNCONFIRMED
        if reason is None and queries.open_reception_booking(actor, now) is not None:
            reason = _l("You already have an open reception booking. Cancel it to book another.")
        if reason is not None:
            reasons[SlotAction.BOOK] = reason
    return reasons


RECEPTION_SLOT = Lifecycle(
    "reception slot",
    SlotAction,
    _slot_permitted,
    _slot_blocked,
    _l("Only the ward's officers and chairman may do this."),
)


def lifecycle_of(session: DialogueSession) -> Lifecycle:
    return RECEPTION_SLOT if session.kind == SessionKind.RECEPTION else CONFERENCE


def session_actions(actor: User | None, session: DialogueSession, now: datetime | None = None):
    """What `actor` may do to the conference or reception slot now."""
    return lifecycle_of(session).actions(actor, session, now)


def session_allowed(actor: User | None, session: DialogueSession, now=None) -> Allowed:
    return lifecycle_of(session).allowed(actor, session, now)


def why_not(actor: User | None, session: DialogueSession, action, now=None):
    """Why the actor may not take the session's action now (None when they may)."""
    return lifecycle_of(session).why_not(actor, session, action, now)


def require_session(actor: User | None, session: DialogueSession, action, now=None) -> None:
    """Refuse (403 or 409) an action the actor may not take on the session now."""
    if not isinstance(action, lifecycle_of(session).action):
        raise StateConflict(NOT_NOW)  # e.g. a conference's action on a reception slot
    lifecycle_of(session).require(actor, session, action, now)


# ---------------------------------------------------------------- bookings


class BookingAction(enum.StrEnum):
    WITHDRAW = "withdraw"  # its holder cancels it
    CANCEL = "cancel"  # the ward's officers cancel it, with a reason the holder is told


def _booking_permitted(actor: User | None, booking: Booking) -> set[BookingAction]:
    if is_officer_of(actor, booking.ward_id):
        return {BookingAction.CANCEL}
    if is_resident(actor) and booking.user_id is not None and booking.user_id == actor.id:
        return {BookingAction.WITHDRAW}
    return set()


def _booking_blocked(actor, booking: Booking, now: datetime, wanted: set) -> dict:
    if booking.status == BookingStatus.CANCELLED:
        reason = _l("This booking is already cancelled.")
    elif (
        booking.status not in (BookingStatus.CONFIRMED, BookingStatus.WAITING)
        or booking.session.starts_at <= now
    ):
        reason = _l("The session has started; the booking can no longer be cancelled.")
    else:
        return {}
    return dict.fromkeys(wanted, reason)


BOOKING = Lifecycle(
    "booking",
    BookingAction,
    _booking_permitted,
    _booking_blocked,
    _l("You may not cancel this booking."),
)

booking_actions = BOOKING.actions
booking_allowed = BOOKING.allowed
require_booking = BOOKING.require
