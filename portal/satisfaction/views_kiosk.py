"""The rating kiosk as an enrolled device: the tablet at a desk types its one-time enrolment
code once, then shows the dossier its desk's officer has just returned and records the
resident's rating. No one is signed in: the device's cookie (sent only to /kiosk/) is the
permission, and it opens these pages and nothing else."""

from __future__ import annotations

from functools import wraps

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from portal.db import MAX_ID
from portal.domain import DomainError
from portal.extensions import db, lookup_limited
from portal.satisfaction import kiosks, ratings
from portal.satisfaction import queries as satisfaction_queries
from portal.satisfaction.forms import KioskEnrolForm, RatingForm, rating_input
from portal.satisfaction.models import Dossier
from portal.satisfaction.screens import kiosk_screen
from portal.security import personal, public
from portal.web import commit, no_store, show_error, submit

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")


def device_required(view):
    """The page of an enrolled, working kiosk: without its cookie (or once revoked) the
    tablet is sent to the enrolment page, a POST refused (403)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        device = kiosks.device_for_cookie(request.cookies.get(kiosks.COOKIE))
        if device is None:
            if request.method == "POST":
                return no_store(render_template("satisfaction/kiosk_gone.html"), 403)
            return redirect(url_for("kiosk.enrol"))
        return view(device, *args, **kwargs)

    return wrapped


@bp.route("/enrol", methods=["GET", "POST"])
@public
@personal
@lookup_limited
def enrol():
    """The tablet types the code the chairman was given; it then keeps a device cookie.
    Every code that cannot be used gets the same answer (404, counted by the throttle)."""
    form = KioskEnrolForm()
    status = 200
    if form.validate_on_submit():
        try:
            device, cookie = kiosks.enrol(form.code.data)
        except DomainError as error:
            show_error(form, error)
            status = 404
        else:
            commit()
            flash(_("This tablet is now the rating kiosk of %(desk)s.", desk=device.desk_name))
            response = redirect(url_for("kiosk.screen"))
            response.set_cookie(
                kiosks.COOKIE,
                cookie,
                max_age=current_app.config["KIOSK_DEVICE_DAYS"] * 86400,
                path=kiosks.COOKIE_PATH,
                secure=current_app.config["SESSION_COOKIE_SECURE"],
                httponly=True,
                samesite="Strict",
            )
            return response
    elif form.is_submitted():
        status = 422
    return no_store(render_template("satisfaction/kiosk_enrol.html", form=form), status)


def _screen(device, dossier: Dossier | None, form: RatingForm, status: int = 200):
    return kiosk_screen(device.ward_id, dossier, form, "kiosk.rate", device=device, status=status)


@bp.get("/")
@public
@personal
@device_required
def screen(device):
    """The kiosk: the rating form of the dossier its desk's officer has just returned, or a
    waiting screen that looks again every 10 seconds."""
    dossier = satisfaction_queries.kiosk_dossier(device.officer)
    commit()  # when it was last seen
    return _screen(device, dossier, RatingForm())


@bp.post("/dossiers/<int:dossier_id>/rate")
@public
@personal
@device_required
def rate(device, dossier_id: int):
    """A resident rates at the kiosk; the screen then resets for the next one."""
    dossier = db.session.get(Dossier, dossier_id) if 0 < dossier_id <= MAX_ID else None
    if dossier is None or dossier.ward_id != device.ward_id:
        return no_store(render_template("satisfaction/kiosk_gone.html"), 404)
    form = RatingForm()
    if form.validate_on_submit():
        done = submit(
            form,
            lambda: ratings.rate_at_device(device, dossier, rating_input(form)),
            _("Thank you! Your rating has been recorded."),
            url_for("kiosk.screen"),
        )
        if done:
            return done
    return _screen(device, dossier, form, 422)
