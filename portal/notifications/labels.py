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
NOT_AT_ALL = _l("Do not send them")
PURPOSES = {
    ConsentPurpose.UPDATES: _l("About my bookings, feedback and ratings"),
    ConsentPurpose.REMINDERS: _l("Reminders the day before a session I booked"),
    ConsentPurpose.NEWS: _l("The ward's announcements"),
}
