"""Getting in without the password: logging in with a one-time code, and choosing a new
password with a code by SMS or a link by e-mail. Every answer to "send me a code / a link"
is the same whether the number or address has an account or not."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth import flows, recovery
from portal.auth.forms import CodeForm, EmailForm, NewPasswordForm, PhoneForm, ResetByCodeForm
from portal.auth.models import CodePurpose
from portal.auth.phones import mask_phone
from portal.auth.signin import code_page, sign_in
from portal.domain import DomainError
from portal.extensions import rate_limited
from portal.security import personal, public
from portal.web import commit, show_error, submit

bp = Blueprint("recovery", __name__)

SENT = lambda: _("If this number has an account, a code has been sent to it.")  # noqa: E731


def _code_limit():
    return current_app.config["CODE_LIMIT_PER_IP"]


def _check_limit():
    return current_app.config["CODE_CHECK_LIMIT_PER_IP"]


def _send_code(form: PhoneForm, purpose: CodePurpose, endpoint: str):
    """Send a code of `purpose` to the typed number (if it has an account), then the page to
    type it on; None with the problem on the form."""
    return submit(
        form,
        lambda: recovery.send_code(form.phone.data, purpose),
        SENT(),
        lambda phone: code_page(purpose, phone, endpoint),
    )


@bp.route("/login/code", methods=["GET", "POST"])
@public
@personal
@rate_limited(_code_limit, methods=["POST"])
def code_login():
    """Log in with a code sent to the mobile number, instead of the password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = PhoneForm()
    if form.validate_on_submit():
        done = _send_code(form, CodePurpose.SIGN_IN, "recovery.code_login_confirm")
        if done:
            return done
    return render_template(
        "auth/phone.html",
        form=form,
        title=_("Log in with a code"),
        intro=_("We send a code by SMS to the mobile number of your account."),
        action=url_for("recovery.code_login"),
    ), (422 if form.errors else 200)


@bp.route("/login/code/confirm", methods=["GET", "POST"])
@public
@personal
@rate_limited(_check_limit, methods=["POST"])
def code_login_confirm():
    """Type the code: logged in."""
    phone = flows.phone_for(CodePurpose.SIGN_IN)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            user = recovery.sign_in_with_code(phone, form.code.data)
        except DomainError as error:
            show_error(form, error)
        else:
            return sign_in(user, "code", _("You are logged in."))
    return render_template(
        "auth/code.html", form=form, phone=mask_phone(phone), title=_("Log in with a code")
    ), (422 if form.errors else 200)


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@personal
@rate_limited(_code_limit, methods=["POST"])
def forgot():
    """Forgotten password: a code by SMS to the account's number, or a link by e-mail."""
    phone_form, email_form = PhoneForm(prefix="sms"), EmailForm(prefix="mail")
    by_sms = "sms-phone" in request.form  # which of the two forms was sent
    if by_sms and phone_form.validate_on_submit():
        done = _send_code(phone_form, CodePurpose.RESET_PASSWORD, "recovery.reset_code")
        if done:
            return done
    elif not by_sms and email_form.validate_on_submit():
        recovery.send_link(
            email_form.email.data,
            lambda token: url_for("recovery.reset_link", token=token, _external=True),
        )
        commit()
        flash(_("If this address belongs to an account, a link has been sent to it."), "info")
        return redirect(url_for("auth.login"))
    errors = phone_form.errors or email_form.errors
    return render_template("auth/forgot.html", phone_form=phone_form, email_form=email_form), (
        422 if errors else 200
    )


@bp.route("/password/reset", methods=["GET", "POST"])
@public
@personal
@rate_limited(_check_limit, methods=["POST"])
def reset_code():
    """Type the code and the new password; every other session of the account ends."""
    phone = flows.phone_for(CodePurpose.RESET_PASSWORD)
    form = ResetByCodeForm()
    if form.validate_on_submit():
        try:
            user = recovery.reset_with_code(phone, form.code.data, form.password.data)
        except DomainError as error:
            show_error(form, error)
        else:
            return sign_in(user, "code", _("Your new password is set. You are logged in."))
    return render_template("auth/reset_code.html", form=form, phone=mask_phone(phone)), (
        422 if form.errors else 200
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@personal
@rate_limited(_check_limit, methods=["POST"])
def reset_link(token: str):
    """The page of an e-mailed link: choose the new password (the link is then used up)."""
    form = NewPasswordForm()
    try:
        recovery.user_for_link(token)
    except DomainError as error:
        flash(str(error.message), "error")
        return redirect(url_for("recovery.forgot"))
    if form.validate_on_submit():
        try:
            user = recovery.reset_with_link(token, form.password.data)
        except DomainError as error:
            show_error(form, error)
        else:
            return sign_in(user, "code", _("Your new password is set. You are logged in."))
    return render_template("auth/reset_link.html", form=form), (422 if form.errors else 200)
