"""Registration (with the code that proves the number), logging in and out."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from portal.auth import flows, registration, services, sessions
from portal.auth.forms import CodeForm, LoginForm, RegisterForm
from portal.auth.models import CodePurpose
from portal.auth.phones import mask_phone
from portal.auth.signin import code_page, sign_in
from portal.domain import DomainError
from portal.extensions import rate_limited
from portal.forms import ActionForm, input_from, options
from portal.security import ANY_USER, personal, public, role_required
from portal.wards.services import enabled_wards
from portal.web import commit, show_error, submit

bp = Blueprint("auth", __name__)


def _login_account_key() -> str:
    return "login:" + services.login_key(request.form.get("login", ""))


def _failed(response) -> bool:
    """Count a login attempt against the limits only when it did not succeed."""
    return response.status_code != 302


@bp.route("/register", methods=["GET", "POST"])
@public
@personal
@rate_limited(lambda: current_app.config["REGISTER_LIMIT_PER_IP"], methods=["POST"])
def register():
    """A resident creates an account, giving explicit consent; a code is then sent to the
    mobile number, and the account may book or send feedback once the code is typed."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    wards = enabled_wards()
    form.ward_id.choices = options(((w.id, w.name) for w in wards), _("— Choose your ward —"))
    if form.validate_on_submit():
        data = input_from(
            form,
            registration.Registration,
            locale=str(get_locale()),
            policy_version=current_app.config["PRIVACY_POLICY_VERSION"],
        )
        done = submit(
            form,
            lambda: registration.register_resident(data),
            _("If this number can receive a code, it has been sent. Type it below."),
            lambda phone: code_page(CodePurpose.VERIFY_PHONE, phone, "auth.confirm"),
        )
        if done:
            return done
    return render_template(
        "auth/register.html", form=form, consent_text=services.consent_text(), wards=wards
    ), (422 if form.errors else 200)


@bp.route("/register/confirm", methods=["GET", "POST"])
@public
@personal
@rate_limited(lambda: current_app.config["CODE_CHECK_LIMIT_PER_IP"], methods=["POST"])
def confirm():
    """Type the code sent to the new account's number: the account is then in use."""
    phone = flows.phone_for(CodePurpose.VERIFY_PHONE)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            user = registration.confirm_phone(phone, form.code.data)
        except DomainError as error:
            show_error(form, error)
        else:
            return sign_in(
                user,
                "code",
                _("Welcome, %(name)s! Your number is confirmed.", name=user.full_name),
            )
    return render_template(
        "auth/code.html",
        form=form,
        phone=mask_phone(phone),
        title=_("Confirm your mobile number"),
        resend=url_for("auth.resend"),
    ), (422 if form.errors else 200)


@bp.post("/register/resend")
@public
@personal
@rate_limited(lambda: current_app.config["CODE_LIMIT_PER_IP"])
def resend():
    """Another code for the registration this browser started."""
    phone = flows.phone_for(CodePurpose.VERIFY_PHONE)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    registration.resend_code(phone)
    commit()
    flash(_("If this number can receive a code, a new one has been sent."), "info")
    return redirect(url_for("auth.confirm"))


@bp.route("/login", methods=["GET", "POST"])
@public
@personal
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
    """Log in with a mobile number or an e-mail address and the password (or, from the
    same page, with a one-time code instead)."""
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
            return sign_in(user, "password", _("You are logged in."))
    return render_template("auth/login.html", form=form), (422 if form.errors else status)


@bp.post("/logout")
@role_required(ANY_USER)
def logout():
    """Log out (a POST with a CSRF token, so no link can log anyone out). The session ends
    on the server too: a copy of the cookie no longer opens anything."""
    sessions.end_current()
    commit()
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("main.home"))
