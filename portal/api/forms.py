"""The form the city administrator issues an API key with."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired

from portal.api.models import ApiScope
from portal.forms import int_or_none, max_len, options
from portal.wards.models import Ward


class ApiKeyForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[InputRequired(_l("Enter a name for the key.")), max_len(120)],
        description=_l("Who uses the key, e.g. the name of the app or system."),
    )
    scope = SelectField(
        _l("For"),
        choices=options(
            [
                (ApiScope.OPEN311.value, _l("Filing feedback (Open311)")),
                (ApiScope.DOSSIERS.value, _l("Sending the ward's dossiers (one-stop software)")),
            ]
        ),
        default=ApiScope.OPEN311.value,
        description=_l("A key for sending dossiers serves exactly one ward."),
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
