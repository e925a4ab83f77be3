"""Logging in with VNeID (Đăng nhập bằng VNeID): off to the national login service, back
with a confirmed identity, and into the account found or linked, or a new one. Every page
answers 404 unless VNeID is configured. The rules are in auth/vneid.py."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth import vneid
from portal.auth.forms import VneidAccountForm
from portal.auth.signin import sign_in
from portal.domain import DomainError
from portal.extensions import db, rate_limited
from portal.forms import input_from, options
from portal.security import personal, public
from portal.wards.services import enabled_wards
from portal.web import show_error

bp = Blueprint("vneid", __name__, url_prefix="/login/vneid")

METHOD = "vneid"  # how the session was started (auth_sessions.method)


def _login_limit():
    return current_app.config["LOGIN_LIMIT_PER_IP"]


def _offered() -> None:
    if not vneid.enabled():
        abort(404)


def _redirect_uri() -> str:
    """The callback address, exactly as registered with the provider."""
    return current_app.config["VNEID_REDIRECT_URI"] or url_for("vneid.callback", _external=True)


def _back_to_login(error: DomainError):
    """Nothing of a failed sign-in is kept; the login page says why."""
    db.session.rollback()
    flash(str(error.message), "error")
    return redirect(url_for("auth.login"))


@bp.get("")
@public
@rate_limited(_login_limit)
def start():
    """The "Log in with VNeID" button: off to the national login service."""
    _offered()
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    try:
        return redirect(vneid.begin(_redirect_uri(), request.args.get("next")))
    except vneid.VneidError as error:
        return _back_to_login(error)


@bp.get("/callback")
@public
@personal
@rate_limited(_login_limit)
def callback():
    """Where VNeID sends the person back: logged in to their account (found, or linked by its
    proven number), or on to make one. It writes on a GET, as every OAuth callback must; the
    one-use state, the nonce and the one-time code make it unrepeatable."""
    _offered()
    try:
        identity, next_url = vneid.finish(request.args, _redirect_uri())
        user = vneid.account_for(identity)
    except vneid.VneidError as error:
        return _back_to_login(error)
    if user is None:
        vneid.remember_pending(identity, next_url)
        return redirect(url_for("vneid.new_account"))
    return sign_in(user, METHOD, _("You are logged in with VNeID."), next_url=next_url)


@bp.route("/new", methods=["GET", "POST"])
@public
@personal
@rate_limited(lambda: current_app.config["REGISTER_LIMIT_PER_IP"], methods=["POST"])
def new_account():
    """A person VNeID confirmed, new to the portal, chooses their ward (when several are
    served) and gives their consent (and a mobile number when VNeID proved none): the account
    is made and they are logged in. 404 without a confirmed person in this browser."""
    _offered()
    waiting = vneid.pending()
    if waiting is None:
        abort(404)
    identity, next_url = waiting
    form = VneidAccountForm()
    wards = enabled_wards()
    one_ward = wards[0] if len(wards) == 1 else None
    if one_ward:  # nothing to choose
        del form.ward_id
    else:
        form.ward_id.choices = options(((w.id, w.name) for w in wards), _("— Choose your ward —"))
    if identity.phone:  # VNeID proved it: the account takes it
        del form.phone
    if form.validate_on_submit():
        data = input_from(
            form,
            vneid.NewAccount,
            ward_id=one_ward.id if one_ward else form.ward_id.data,
            phone=form.phone.data if "phone" in form else None,
            locale=str(get_locale()),
            policy_version=current_app.config["PRIVACY_POLICY_VERSION"],
        )
        try:
            user = vneid.create_account(identity, data)
        except DomainError as error:
            show_error(form, error)
        else:
            vneid.forget_pending()
            message = _("Welcome, %(name)s! Your account is created.", name=user.full_name)
            return sign_in(user, METHOD, message, next_url=next_url)
    return render_template(
        "auth/vneid_new.html",
        form=form,
        identity=identity,
        one_ward=one_ward,
        consent_text=vneid.consent_text(one_ward.in_text if one_ward else None),
    ), (422 if form.errors else 200)
