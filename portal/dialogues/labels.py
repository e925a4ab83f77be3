"""Translated names of the dialogue lifecycles, for templates."""

from flask_babel import lazy_gettext as _l

from portal.dialogues.forms import MODE_LABELS
from portal.dialogues.models import BookingStatus, SessionKind, SessionStatus

SESSION_STATUS = {
    SessionStatus.DRAFT: _l("Draft"),
    SessionStatus.PUBLISHED: _l("Published"),
    SessionStatus.HELD: _l("Held"),
    SessionStatus.RESULTS_PUBLISHED: _l("Results published"),
    SessionStatus.CANCELLED: _l("Cancelled"),
}
BOOKING_STATUS = {
    BookingStatus.CONFIRMED: _l("Confirmed"),
    BookingStatus.WAITING: _l("Waiting list"),
    BookingStatus.ATTENDED: _l("Arrived"),
    BookingStatus.NO_SHOW: _l("Did not come"),
    BookingStatus.CANCELLED: _l("Cancelled"),
}
SESSION_KIND = {
    SessionKind.CONFERENCE: _l("Dialogue conference"),
    SessionKind.RECEPTION: _l("Citizen reception"),
}


def filters() -> dict:
    return {
        "session_status": lambda v: str(SESSION_STATUS[SessionStatus(v)]),
        "booking_status": lambda v: str(BOOKING_STATUS[BookingStatus(v)]),
        "session_kind": lambda v: str(SESSION_KIND[SessionKind(v)]),
        "session_mode": lambda v: str(MODE_LABELS[v]),
    }
