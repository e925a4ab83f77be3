"""Forms of the ward pages: a visitor choosing their ward, the chairman editing the ward's
information. Rules live in portal.wards.info; these only parse."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Optional

from portal.feedback.forms import CoordinateField
from portal.forms import WholeNumberField, max_len
from portal.wards.info import ADDRESS_MAX, HOTLINE_MAX, HOURS_MAX


class WardChoiceForm(FlaskForm):
    """The chooser's buttons each post a ward's slug (one token for the whole list)."""

    ward = HiddenField(validators=[max_len(120)])


class WardInfoForm(FlaskForm):
    committee_address = StringField(
        _l("Address of the People's Committee"),
        description=_l("For example: số 1 phố Bồ Đề, phường Bồ Đề, thành phố Hà Nội."),
        validators=[max_len(ADDRESS_MAX)],
    )
    desk_address = StringField(
        _l("Address of the one-stop desk (optional)"),
        description=_l("Leave empty when it is at the People's Committee's address."),
        validators=[max_len(ADDRESS_MAX)],
    )
    hotline = StringField(
        _l("Hotline (optional)"),
        description=_l("A public number of the ward, never an official's own mobile."),
        validators=[max_len(HOTLINE_MAX)],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    opening_hours = TextAreaField(
        _l("Opening hours of the one-stop desk"),
        description=_l(
            "One line per group of days, e.g. Thứ Hai – Thứ Sáu: 08:00–12:00, 13:30–17:00."
        ),
        validators=[max_len(HOURS_MAX)],
        render_kw={"rows": 4},
    )
    latitude = CoordinateField(
        _l("Latitude (optional)"),
        description=_l("For the directions link, e.g. 21.0455. Leave both empty for no link."),
        validators=[Optional()],
        render_kw={"inputmode": "decimal"},
    )
    longitude = CoordinateField(
        _l("Longitude (optional)"),
        description=_l("For example 105.8772."),
        validators=[Optional()],
        render_kw={"inputmode": "decimal"},
    )
    area_radius_m = WholeNumberField(
        _l("Size of the ward, in metres from this place (optional)"),
        description=_l(
            "A feedback position farther away is pointed out to the sender (never refused), "
            "e.g. 2000."
        ),
        validators=[Optional()],
        render_kw={"inputmode": "numeric"},
    )
