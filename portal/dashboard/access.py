"""Who sees which ward on the dashboard and its downloads, and the answer to a period that
cannot be understood: the page shows the current period, a download is a 400."""

from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from portal.dashboard.periods import InvalidPeriod
from portal.security import CITY_ADMINS
from portal.wards.models import Ward
from portal.wards.services import get_ward_by_slug


def ward_to_show() -> Ward | None:
    """The ward the viewer asked for and may see. Ward officials: their own ward, and a 403
    when ?ward= names another. The administrator: the served ward named by ?ward= (404 when
    there is none such), or None for the city-wide comparison."""
    slug = request.args.get("ward", "").strip()
    if current_user.role in CITY_ADMINS:
        if not slug:
            return None
        ward = get_ward_by_slug(slug)
        if ward is None:
            abort(404)
        return ward
    ward = current_user.ward
    if ward is None or (slug and slug != ward.slug):
        abort(403)
    return ward


def bad_period(error: InvalidPeriod, code: int = 400):
    """The answer (400 unless `code` says otherwise) to a period that cannot be understood,
    saying why: a dashboard download's (the page itself shows the current period instead),
    or the public transparency page's and its open data's (404)."""
    body = render_template(
        "errors/error.html", code=code, title=_("Unknown period"), message=str(error.message)
    )
    return body, code
