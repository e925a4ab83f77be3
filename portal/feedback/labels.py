"""Translated names of the feedback lifecycle, for templates."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from portal.feedback.models import Channel, EventKind, FeedbackStatus, Urgency

# The consent a sender gives to publish an item (the form's box, and the consent's record).
PUBLISH_CONSENT = _l(
    "The ward may publish my feedback and its answer, without my name or contact details."
)

STATUS = {
    FeedbackStatus.RECEIVED: _l("Received"),
    FeedbackStatus.IN_PROGRESS: _l("In progress"),
    FeedbackStatus.WAITING: _l("Waiting for the resident"),
    FeedbackStatus.ANSWERED: _l("Answered"),
    FeedbackStatus.CLOSED: _l("Closed"),
    FeedbackStatus.TRANSFERRED: _l("Transferred"),
    FeedbackStatus.REJECTED: _l("Rejected"),
    FeedbackStatus.MERGED: _l("Merged"),
}
# What the sender sees of the status: their own words, not the inbox's.
STATUS_FOR_SENDER = {
    FeedbackStatus.RECEIVED: lazy_pgettext("feedback status, to its sender", "Received"),
    FeedbackStatus.IN_PROGRESS: lazy_pgettext("feedback status, to its sender", "Being handled"),
    FeedbackStatus.WAITING: lazy_pgettext(
        "feedback status, to its sender", "Waiting for your information"
    ),
    FeedbackStatus.ANSWERED: lazy_pgettext("feedback status, to its sender", "Answered"),
    FeedbackStatus.CLOSED: lazy_pgettext("feedback status, to its sender", "Finished"),
    FeedbackStatus.TRANSFERRED: lazy_pgettext(
        "feedback status, to its sender", "Sent to the competent authority"
    ),
    FeedbackStatus.REJECTED: lazy_pgettext("feedback status, to its sender", "Not accepted"),
    FeedbackStatus.MERGED: lazy_pgettext("feedback status, to its sender", "Merged"),
}
CHANNEL = {
    Channel.WEB: _l("Online"),
    Channel.PHONE: _l("By phone"),
    Channel.WALK_IN: _l("At the desk"),
    Channel.OPEN311: _l("Open311 application"),
    Channel.SATISFACTION: _l("Satisfaction rating"),
}
EVENT = {
    EventKind.SUBMITTED: _l("Received"),
    EventKind.ASSIGNED: _l("Assigned"),
    EventKind.STATUS: _l("Status changed"),
    EventKind.NOTE: _l("Internal note"),
    EventKind.REPLY: _l("Reply from the ward"),
    EventKind.OUTCOME: _l("Outcome recorded"),
    EventKind.INFO_REQUESTED: _l("More information requested"),
    EventKind.RESIDENT_MESSAGE: _l("Information from the resident"),
    EventKind.TRANSFERRED: _l("Transferred to the competent authority"),
    EventKind.REJECTED: _l("Rejected"),
    EventKind.RESOLVED: _l("The resident confirmed it is resolved"),
    EventKind.REOPENED: _l("Reopened: the resident says it is not resolved"),
    EventKind.NOT_RESOLVED: _l("The resident says it is not resolved"),
    EventKind.CLOSED: _l("Closed"),
    EventKind.URGENCY: _l("Urgency set"),
    EventKind.MERGED: _l("Merged into another feedback"),
    EventKind.MERGED_IN: _l("A duplicate was merged into this feedback"),
}
URGENCY = {
    Urgency.URGENT: lazy_pgettext("urgency", "Urgent"),
    Urgency.COMPLEX: lazy_pgettext("urgency", "Complex"),
    Urgency.NORMAL: lazy_pgettext("urgency", "Normal"),
}
# A deadline's state: open items (due soon, overdue), then answered ones (early, on time, late).
DUE = {
    "overdue": _l("Overdue"),
    "due_soon": _l("Due soon"),
    "early": _l("Answered early"),
    "on_time": _l("Answered on time"),
    "late": _l("Answered late"),
}
# The markers of the officers' map, a word beside each colour (never the colour alone).
MAP_STATE = {
    "overdue": _l("Overdue"),
    "due_soon": _l("Due soon"),
    "on_time": lazy_pgettext("deadline of an open item", "In time"),
}
# Its badge's look: late and overdue in red, due soon in amber, the others plain.
DUE_BADGE = {"overdue": "badge-full", "late": "badge-full", "due_soon": "badge-warn"}


def filters() -> dict:
    return {
        "feedback_status": lambda v: str(STATUS[FeedbackStatus(v)]),
        "feedback_status_for_sender": lambda v: str(STATUS_FOR_SENDER[FeedbackStatus(v)]),
        "feedback_channel": lambda v: str(CHANNEL[Channel(v)]),
        "feedback_event": lambda v: str(EVENT[EventKind(v)]),
        "due_label": lambda v: str(DUE[v]) if v else "",
        "due_badge": lambda v: DUE_BADGE.get(v, ""),
        "feedback_urgency": lambda v: str(URGENCY[Urgency(v)]),
    }


def names(mapping: dict) -> dict[str, str]:
    """A label table translated once, for a list that would otherwise translate per row."""
    return {key.value: str(label) for key, label in mapping.items()}
