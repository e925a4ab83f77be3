"""Residents' side of satisfaction: the one-time rating link printed on the receipt slip
(no login). Every link that cannot be used gets the same neutral page, whatever the reason."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from portal.domain import DomainError
from portal.extensions import db, lookup_limited, rate_limited
from portal.satisfaction import ratings, tokens
from portal.satisfaction.forms import RatingForm, rating_input
from portal.security import personal, public
from portal.wards.models import Ward
from portal.web import commit, show_error

bp = Blueprint("satisfaction", __name__)


@bp.after_app_request
def _private_headers(response):
    """A rating page carries its secret in the address: never cached, never passed on as a
    referrer. This runs after security_headers (an app hook registered later runs earlier),
    so it replaces that hook's site-wide Referrer-Policy instead of adding a second one."""
    if request.blueprint == bp.name:
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/r/thanks")
@public
def thanks():
    return render_template("satisfaction/thanks.html")


@bp.route("/r/<anything:token>", methods=["GET", "POST"])
@public
@personal
@lookup_limited
@rate_limited(lambda: current_app.config["RATING_LIMIT_PER_IP"], methods=["POST"])
def rate(token: str):
    """The rating form of a returned dossier: three answers, a reason when dissatisfied.
    A link that cannot be used (guessed, used, expired, malformed) gets the one neutral
    page of tokens.InvalidToken, whatever the reason."""
    dossier = tokens.dossier_for_token(token)
    form = RatingForm()
    if form.validate_on_submit():
        try:
            ratings.rate(token, rating_input(form))
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            return redirect(url_for("satisfaction.thanks"))
    return render_template(
        "satisfaction/rate.html",
        form=form,
        dossier=dossier,
        ward=db.session.get(Ward, dossier.ward_id),
    ), (422 if form.errors else 200)
