"""Translated names of satisfaction ratings and dossiers, for templates and forms."""

from flask_babel import lazy_gettext as _l

from portal.satisfaction.models import Attitude, Level, RatingChannel, Timeliness

LEVEL = {
    Level.VERY_SATISFIED: _l("Very satisfied"),
    Level.SATISFIED: _l("Satisfied"),
    Level.DISSATISFIED: _l("Dissatisfied"),
}
TIMELINESS = {
    Timeliness.EARLY: _l("Early"),
    Timeliness.ON_TIME: _l("On time"),
    Timeliness.LATE: _l("Late"),
}
ATTITUDE = {
    Attitude.GOOD: _l("Good"),
    Attitude.ACCEPTABLE: _l("Acceptable"),
    Attitude.POOR: _l("Poor"),
}
CHANNEL = {
    RatingChannel.LINK: _l("Link or QR code on the receipt slip"),
    RatingChannel.KIOSK: _l("Tablet at the desk"),
    RatingChannel.CODE: _l("Rating code typed on the ward's page"),
}


def _label(mapping: dict, kind):
    return lambda value: str(mapping[kind(value)]) if value else ""


def filters() -> dict:
    return {
        "satisfaction_level": _label(LEVEL, Level),
        "timeliness": _label(TIMELINESS, Timeliness),
        "attitude": _label(ATTITUDE, Attitude),
        "rating_channel": _label(CHANNEL, RatingChannel),
    }
