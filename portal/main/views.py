"""Home page, language switch and health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, session
from flask_login import current_user

from portal import health
from portal.auth import services as auth_services
from portal.auth.forms import LanguageForm
from portal.domain import DomainError
from portal.extensions import csrf
from portal.pagecache import cached_page
from portal.security import public
from portal.wards.services import enabled_wards
from portal.web import commit, redirect_next, show_error

bp = Blueprint("main", __name__)


@bp.get("/")
@public
@cached_page
def home():
    """The portal's front page: what it offers and the wards it serves."""
    return render_template("main/home.html", wards=enabled_wards())


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
