"""Registration, login, logout and the resident's own account pages."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal import privacy
from portal.auth import services
from portal.auth.forms import ChangePasswordForm, LoginForm, RegisterForm
from portal.auth.phones import national
from portal.domain import DomainError
from portal.extensions import rate_limited
from portal.forms import options
from portal.security import ANY_USER, public, role_required
from portal.wards.services import enabled_wards
from portal.web import commit, redirect_next, show_error

bp = Blueprint("auth", __name__)


def _login_account_key() -> str:
    return "login:" + services.login_key(request.form.get("login", ""))


def _failed(response) -> bool:
    """Count a login attempt against the limits only when it did not succeed."""
    return response.status_code != 302


@bp.route("/register", methods=["GET", "POST"])
@public
def register():
    """A resident creates an account, giving explicit consent."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    wards = enabled_wards()
    form.ward_id.choices = options(((w.id, w.name) for w in wards), _("— Choose your ward —"))
    if form.validate_on_submit():
        try:
            user = services.register_resident(
                full_name=form.full_name.data,
                phone=form.phone.data,
                email=form.email.data,
                password=form.password.data,
                ward_id=form.ward_id.data,
                consent=form.consent.data,
                locale=str(get_locale()),
                policy_version=current_app.config["PRIVACY_POLICY_VERSION"],
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            login_user(user)
            flash(
                _("Welcome, %(name)s! Your account has been created.", name=user.full_name),
                "success",
            )
            return redirect(url_for("main.home"))
    return render_template(
        "auth/register.html", form=form, consent_text=services.consent_text(), wards=wards
    ), (422 if form.errors else 200)


@bp.route("/login", methods=["GET", "POST"])
@public
@rate_limited(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_failed
)
@rate_limited(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_failed,
)
def login():
    """Log in with a mobile number or an e-mail address."""
    form = LoginForm()
    status = 200
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.login.data, form.password.data)
        except DomainError as error:
            show_error(form, error)
            status = 401
        else:
            commit()
            login_user(user)
            flash(_("You are logged in."), "success")
            return redirect_next("main.home")
    return render_template("auth/login.html", form=form), (422 if form.errors else status)


@bp.post("/logout")
@role_required(ANY_USER)
def logout():
    """Log out (a POST with a CSRF token, so no link can log anyone out)."""
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.home"))


@bp.get("/account")
@role_required(ANY_USER)
def account():
    """The signed-in person's own details, consents and settings."""
    return render_template(
        "auth/account.html",
        phone=national(current_user.phone),
        password_form=ChangePasswordForm(),
    )


@bp.get("/account/export.json")
@role_required(ANY_USER)
def export_data():
    """Download everything the portal holds about oneself, as JSON."""
    body = json.dumps(privacy.export(current_user), ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/account/password")
@role_required(ANY_USER)
def change_password():
    """Change one's password; other sessions of the account are logged out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            login_user(current_user._get_current_object())  # keep this session with the new token
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html", phone=national(current_user.phone), password_form=form
    ), 422
