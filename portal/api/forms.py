"""The form the city administrator issues an Open311 API key with."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired

from portal.forms import int_or_none, max_len, options
from portal.wards.models import Ward


class ApiKeyForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[InputRequired(_l("Enter a name for the key.")), max_len(120)],
        description=_l("Who uses the key, e.g. the name of the app or system."),
    )
    ward_id = SelectField(
        _l("Ward"),
        coerce=int_or_none,
        validate_choice=False,
        description=_l("A key for one ward can only file feedback there."),
    )

    def set_wards(self, wards: list[Ward]) -> None:
        """Offer the served wards, or every one of them (the empty choice)."""
        self.ward_id.choices = options(((w.id, w.name) for w in wards), _l("All served wards"))
