"""What the channels and the purposes of messages are called on the pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from portal.auth.models import ConsentPurpose
from portal.notifications.models import Channel

CHANNELS = {
    Channel.SMS: _l("SMS"),
    Channel.ZALO: _l("Zalo message (SMS when Zalo cannot deliver)"),
    Channel.EMAIL: lazy_pgettext("channel", "E-mail"),
}
# The channel a message went by, as the staff pages' message lists name it.
CHANNELS_SHORT = {
    Channel.SMS: _l("SMS"),
    Channel.ZALO: lazy_pgettext("channel", "Zalo"),
    Channel.EMAIL: lazy_pgettext("channel", "E-mail"),
}
NOT_AT_ALL = _l("Do not send them")
PURPOSES = {
    ConsentPurpose.UPDATES: _l("About my bookings, feedback and ratings"),
    ConsentPurpose.REMINDERS: _l("Reminders the day before a session I booked"),
    ConsentPurpose.NEWS: _l("The ward's announcements"),
}

# What each kind of message about an item tells its recipient, as staff read it.
KINDS = {
    "booking_confirmed": lazy_pgettext("message kind", "Booking confirmed"),
    "booking_waitlisted": lazy_pgettext("message kind", "On the waiting list"),
    "booking_promoted": lazy_pgettext("message kind", "Moved up from the waiting list"),
    "booking_reminder": lazy_pgettext("message kind", "Reminder the day before"),
    "booking_cancelled": lazy_pgettext("message kind", "Booking cancelled"),
    "booking_moved": lazy_pgettext("message kind", "Booking moved to another slot"),
    "results_published": lazy_pgettext("message kind", "Results published"),
    "feedback_received": lazy_pgettext("message kind", "Feedback received"),
    "feedback_reply": lazy_pgettext("message kind", "Reply from the ward"),
    "feedback_answered": lazy_pgettext("message kind", "Feedback answered"),
    "feedback_info_requested": lazy_pgettext("message kind", "Information requested"),
    "feedback_transferred": lazy_pgettext("message kind", "Feedback transferred"),
    "feedback_rejected": lazy_pgettext("message kind", "Feedback not accepted"),
    "feedback_merged": lazy_pgettext("message kind", "Feedback merged into another"),
    "feedback_merged_answered": lazy_pgettext("message kind", "Merged feedback answered"),
    "rating_link": lazy_pgettext("message kind", "Rating link"),
    "deadline_warning": lazy_pgettext("message kind", "Deadline warning to the officer"),
    "deadline_overdue": lazy_pgettext("message kind", "Overdue notice to the chairman"),
    "deadline_digest": lazy_pgettext("message kind", "Officer's daily deadline digest"),
    "supervision_sent": lazy_pgettext("message kind", "Supervision recommendation received"),
    "supervision_answered": lazy_pgettext("message kind", "Supervision recommendation answered"),
}
