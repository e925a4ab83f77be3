"""Home page, language switch and health check."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from portal import health
from portal.auth import services as auth_services
from portal.auth.forms import LanguageForm
from portal.domain import DomainError
from portal.extensions import csrf
from portal.pagecache import cached_page
from portal.security import public
from portal.wards import home as ward_home
from portal.wards.forms import WardChoiceForm
from portal.wards.services import enabled_wards, get_ward_by_slug
from portal.web import commit, redirect_next, show_error

bp = Blueprint("main", __name__)


@bp.get("/")
@public
@cached_page(vary=ward_home.cookie_ward_id)
def home():
    """The home of the person's ward (a resident's own, the one a visitor chose); for an
    official or a visitor who has not chosen, what the portal offers and its wards."""
    ward = ward_home.home_ward(current_user)
    if ward is None:
        return render_template("main/home.html", wards=enabled_wards(), chooser=WardChoiceForm())
    return render_template(
        "wards/home.html",
        home=ward_home.ward_home(ward, current_user),
        chooser=WardChoiceForm(),
        at_home=True,
    )


@bp.after_request
def _home_varies_with_the_cookie(response):
    """The home page depends on the ward cookie: a shared cache must not hand one visitor's
    ward home to another (logged-in answers are no-store anyway: security_headers)."""
    if request.endpoint == "main.home":
        response.vary.add("Cookie")
    return response


@bp.post("/ward")
@public
def choose_ward():
    """A visitor chooses their ward: remembered in the `ward` cookie (the slug only), and
    their home becomes that ward's."""
    form = WardChoiceForm()
    ward = get_ward_by_slug(form.ward.data or "") if form.validate_on_submit() else None
    if ward is None:
        flash(_("Choose one of the wards this portal serves."), "error")
        return redirect(url_for("wards.index"))
    return ward_home.remember(redirect(url_for("main.home")), ward)


@bp.post("/language")
@public
def set_language():
    """Switch the interface language; remembered in the session and on the account."""
    form = LanguageForm()
    if form.validate_on_submit():
        user = current_user if current_user.is_authenticated else None
        try:
            session["locale"] = auth_services.set_locale(
                user, form.lang.data, current_app.config["LANGUAGES"]
            )
        except DomainError as error:
            show_error(None, error)
        else:
            commit()
    return redirect_next("main.home")


@bp.get("/healthz")
@public
@csrf.exempt
def healthz():
    """For load balancers: 200 when the database answers, 503 when it does not (within
    HEALTHZ_TIMEOUT seconds)."""
    if not health.database_answers():
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
