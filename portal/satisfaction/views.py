"""Residents' side of satisfaction (no login): the one-time rating link printed on the
receipt slip, the ward's rating page where the slip's short code is typed, and the dossier
lookup (tra cứu hồ sơ) by receipt number and the last 4 digits of the phone. Every code or
lookup that finds nothing gets the same neutral answer, whatever the reason, with a 404 so
that the lookup throttle counts it; the digits and codes travel in POST bodies only."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal.domain import DomainError
from portal.extensions import db, lookup_limited, rate_limited
from portal.satisfaction import lookup as dossier_lookup
from portal.satisfaction import ratings, tokens
from portal.satisfaction.forms import CodeRatingForm, LookupForm, RatingForm, rating_input
from portal.security import personal, public, served_ward_or_404
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


CODE_MISS = _l(
    "This receipt number and rating code cannot be used. Check both on the slip; a code works "
    "only once. If it still does not work, ask at the one-stop desk."
)


@bp.route("/wards/<slug>/rate", methods=["GET", "POST"])
@public
@personal
@lookup_limited
@rate_limited(lambda: current_app.config["RATING_LIMIT_PER_IP"], methods=["POST"])
def enter_code(slug: str):
    """Nhập mã đánh giá: the ward's rating page for residents who cannot scan the QR code.
    They type the receipt number and the slip's short code, then rate; the code is the
    link's one-time permission. A code that cannot be used gets one neutral message (404)."""
    ward = served_ward_or_404(slug)
    form = CodeRatingForm()
    if not form.is_submitted():
        return _code_page(form, ward)
    valid = form.validate_on_submit()
    if form.receipt_number.errors or form.code.errors or "csrf_token" in form.errors:
        return _code_page(form, ward, status=422)
    try:
        dossier = tokens.dossier_for_code(ward.id, form.receipt_number.data, form.code.data)
    except tokens.InvalidToken:
        return _code_miss(form, ward)
    if not valid:  # the rating's own fields
        return _code_page(form, ward, dossier, 422)
    if form.step.data != "rate":  # the code is right: now the rating
        return _code_page(form, ward, dossier)
    try:
        ratings.rate_with_code(
            ward.id, form.receipt_number.data, form.code.data, rating_input(form)
        )
    except tokens.InvalidToken:  # used meanwhile, through the link or the kiosk
        db.session.rollback()
        return _code_miss(form, ward)
    except DomainError as error:
        show_error(form, error)
        return _code_page(form, ward, dossier, 422)
    commit()
    return redirect(url_for("satisfaction.thanks"))


def _code_page(form: CodeRatingForm, ward: Ward, dossier=None, status: int = 200):
    """The code step (no dossier yet) or, once the code is right, the rating step."""
    page = render_template("satisfaction/enter_code.html", form=form, dossier=dossier, ward=ward)
    return page, status


def _code_miss(form: CodeRatingForm, ward: Ward):
    """The one answer for every code that cannot be used: a 404, counted by the throttle."""
    form.code.errors = [str(CODE_MISS)]
    return _code_page(form, ward, status=404)


@bp.route("/wards/<slug>/dossier-lookup", methods=["GET", "POST"])
@public
@personal
@lookup_limited
def lookup(slug: str):
    """Tra cứu hồ sơ: a dossier's state, dates and timeliness, found by its receipt number
    and the last 4 digits of the phone given at the desk. Every miss looks alike (404)."""
    ward = served_ward_or_404(slug)
    form = LookupForm()
    found = None
    status = 200
    if form.validate_on_submit():
        try:
            found = dossier_lookup.find(ward.id, form.receipt_number.data, form.digits.data)
        except DomainError as error:
            form.digits.errors = [str(error.message)]
            status = 404
    elif form.is_submitted():
        status = 422
    form.digits.data = ""  # never shown back
    return render_template("satisfaction/lookup.html", form=form, found=found, ward=ward), status
