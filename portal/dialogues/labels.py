"""Translated names of the dialogue lifecycles, for templates."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from portal.dialogues.forms import MODE_LABELS
from portal.dialogues.models import BookingStatus, MatterKind, SessionKind, SessionStatus

SESSION_STATUS = {
    SessionStatus.DRAFT: _l("Draft"),
    SessionStatus.PUBLISHED: _l("Published"),
    SessionStatus.HELD: _l("Held"),
    SessionStatus.RESULTS_PUBLISHED: _l("Results published"),
    SessionStatus.CANCELLED: _l("Cancelled"),
}
# What residents and the public see of a session's status.
SESSION_STATUS_PUBLIC = {
    SessionStatus.DRAFT: lazy_pgettext("session status, public", "In preparation"),
    SessionStatus.PUBLISHED: lazy_pgettext("session status, public", "Upcoming"),
    SessionStatus.HELD: lazy_pgettext("session status, public", "Held"),
    SessionStatus.RESULTS_PUBLISHED: lazy_pgettext("session status, public", "Results available"),
    SessionStatus.CANCELLED: lazy_pgettext("session status, public", "Cancelled"),
}
BOOKING_STATUS = {
    BookingStatus.CONFIRMED: _l("Confirmed"),
    BookingStatus.WAITING: _l("Waiting list"),
    BookingStatus.ATTENDED: _l("Arrived"),
    BookingStatus.NO_SHOW: _l("Did not come"),
    BookingStatus.CANCELLED: _l("Cancelled"),
}
# What the holder of a booking sees of its status.
BOOKING_STATUS_FOR_HOLDER = {
    BookingStatus.CONFIRMED: lazy_pgettext("booking status, to its holder", "Place confirmed"),
    BookingStatus.WAITING: lazy_pgettext("booking status, to its holder", "On the waiting list"),
    BookingStatus.ATTENDED: lazy_pgettext("booking status, to its holder", "Attended"),
    BookingStatus.NO_SHOW: lazy_pgettext("booking status, to its holder", "Did not attend"),
    BookingStatus.CANCELLED: lazy_pgettext("booking status, to its holder", "Cancelled"),
}
SESSION_KIND = {
    SessionKind.CONFERENCE: _l("Dialogue conference"),
    SessionKind.RECEPTION: _l("Citizen reception"),
}

# What a citizen raised at a reception, as the reception record names it.
MATTER_KIND = {
    MatterKind.FEEDBACK: lazy_pgettext("reception matter", "Feedback (phản ánh)"),
    MatterKind.PETITION: lazy_pgettext("reception matter", "Petition (kiến nghị)"),
    MatterKind.COMPLAINT: lazy_pgettext("reception matter", "Complaint (khiếu nại)"),
    MatterKind.DENUNCIATION: lazy_pgettext("reception matter", "Denunciation (tố cáo)"),
}


def session_title(session) -> str:
    """What a session is called: its own title, or (a reception slot, which stores none) its
    kind in the current language. Never a stored text in two languages."""
    return session.title or str(SESSION_KIND[SessionKind(session.kind)])


def filters() -> dict:
    return {
        "session_title": session_title,
        "session_status": lambda v: str(SESSION_STATUS[SessionStatus(v)]),
        "booking_status": lambda v: str(BOOKING_STATUS[BookingStatus(v)]),
        "session_status_public": lambda v: str(SESSION_STATUS_PUBLIC[SessionStatus(v)]),
        "booking_status_for_holder": lambda v: str(BOOKING_STATUS_FOR_HOLDER[BookingStatus(v)]),
        "session_kind": lambda v: str(SESSION_KIND[SessionKind(v)]),
        "session_mode": lambda v: str(MODE_LABELS[v]),
        "matter_kind": lambda v: str(MATTER_KIND[MatterKind(v)]),
    }
