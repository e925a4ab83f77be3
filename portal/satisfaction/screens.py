"""The kiosk's screen, shown by the enrolled tablet (views_kiosk) and by an officer's own
login at the desk (views_staff): one page, never kept by a browser or a cache."""

from __future__ import annotations

from flask import render_template

from portal.extensions import db
from portal.satisfaction.forms import RatingForm
from portal.satisfaction.models import Dossier
from portal.wards.models import Ward
from portal.web import no_store


def kiosk_screen(
    ward_id: int,
    dossier: Dossier | None,
    form: RatingForm,
    rate_endpoint: str,
    *,
    device=None,
    status: int = 200,
):
    """The rating form of `dossier` (or the waiting screen), posting to `rate_endpoint`."""
    body = render_template(
        "satisfaction/kiosk.html",
        dossier=dossier,
        form=form,
        ward=db.session.get(Ward, ward_id),
        device=device,
        rate_endpoint=rate_endpoint,
    )
    return no_store(body, status)
