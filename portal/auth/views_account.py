"""The signed-in person's own account: details, consents, their data, the password, and
(residents) their name, e-mail and mobile number, a new number proven by a code first."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import dates
from portal.audit.labels import action_names
from portal.auth import account, flows, registration, services
from portal.auth.forms import (
    AccountForm,
    ChangePasswordForm,
    CodeForm,
    DeleteAccountForm,
    MessagesForm,
    PhoneForm,
)
from portal.auth.models import CodePurpose
from portal.auth.phones import mask_phone, national
from portal.auth.signin import code_page
from portal.domain import DomainError
from portal.extensions import rate_limited
from portal.forms import ActionForm, options
from portal.notifications import preferences
from portal.notifications.labels import CHANNELS, KINDS, NOT_AT_ALL, PURPOSES
from portal.notifications.models import Channel
from portal.privacy import deletion, trail
from portal.privacy import export as privacy
from portal.security import ANY_USER, RESIDENTS, role_required
from portal.web import commit, no_store, show_error, submit

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(password_form=None, status: int = 200):
    return render_template(
        "auth/account.html",
        phone=national(current_user.phone),
        password_form=password_form or ChangePasswordForm(formdata=None),
        message_choices=preferences.choices(current_user),
        channels=CHANNELS,
        purposes=PURPOSES,
        not_at_all=NOT_AT_ALL,
    ), status


@bp.get("")
@role_required(ANY_USER)
def index():
    """The signed-in person's own details, consents and settings."""
    return _page()


@bp.get("/export.json")
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


@bp.get("/data")
@role_required(ANY_USER)
def my_data():
    """Dữ liệu của tôi: everything the portal holds about oneself, to read (and download)."""
    return no_store(
        render_template(
            "auth/my_data.html",
            data=privacy.export(current_user),
            deletion_due=deletion.due_at(current_user),
            delete_form=DeleteAccountForm(),
            action_form=ActionForm(),
            kinds=KINDS,
            messages=privacy.messages_of(current_user),
            trail=trail.entries_about(current_user),
            action_names=action_names(),
        )
    )


@bp.post("/delete")
@role_required(RESIDENTS)
def request_deletion():
    """Ask for the account to be deleted, after the cooling-off period."""
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm that the account is to be deleted."), "error")
        return redirect(url_for("account.my_data") + "#delete-title")
    due = deletion.request_deletion(current_user)
    commit()
    flash(
        _(
            "Your account will be deleted on %(date)s. Until then you may cancel this.",
            date=dates.day(due),
        ),
        "info",
    )
    return redirect(url_for("account.my_data"))


@bp.post("/delete/cancel")
@role_required(RESIDENTS)
def cancel_deletion():
    """Keep the account after all."""
    if ActionForm().validate_on_submit():
        deletion.cancel_deletion(current_user)
        commit()
        flash(_("Your account will not be deleted."), "success")
    return redirect(url_for("account.my_data"))


@bp.post("/password")
@role_required(ANY_USER)
def change_password():
    """Change one's password; every other session of the account ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        done = submit(
            form,
            lambda: services.change_password(
                current_user, form.current_password.data, form.new_password.data
            ),
            _("Your password has been changed."),
            url_for("account.index"),
        )
        if done:
            return done
    return _page(form, 422)


@bp.route("/edit", methods=["GET", "POST"])
@role_required(RESIDENTS)
def edit():
    """A resident changes their name and e-mail address."""
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        done = submit(
            form,
            lambda: account.update(current_user, form.full_name.data, form.email.data),
            _("Your details have been saved."),
            url_for("account.index"),
        )
        if done:
            return done
    return render_template("auth/account_edit.html", form=form), (422 if form.errors else 200)


@bp.route("/phone", methods=["GET", "POST"])
@role_required(RESIDENTS)
@rate_limited(lambda: current_app.config["CODE_LIMIT_PER_IP"], methods=["POST"])
def phone():
    """Prove the account's number, or a new one: a code is sent to the number typed, and the
    account's number changes once the code is typed."""
    form = PhoneForm(phone=national(current_user.phone))
    if form.validate_on_submit():
        done = submit(
            form,
            lambda: account.send_phone_code(current_user, form.phone.data),
            _("If this number can receive a code, it has been sent. Type it below."),
            lambda number: code_page(CodePurpose.VERIFY_PHONE, number, "account.phone_confirm"),
        )
        if done:
            return done
    return render_template(
        "auth/phone.html",
        form=form,
        title=_("My mobile number"),
        intro=_(
            "To book, send feedback or ask a question, your mobile number must be confirmed: "
            "we send a code to it by SMS."
        ),
        action=url_for("account.phone"),
    ), (422 if form.errors else 200)


@bp.route("/phone/confirm", methods=["GET", "POST"])
@role_required(RESIDENTS)
@rate_limited(lambda: current_app.config["CODE_CHECK_LIMIT_PER_IP"], methods=["POST"])
def phone_confirm():
    """Type the code sent to the number: it is the account's number now, and proven."""
    number = flows.phone_for(CodePurpose.VERIFY_PHONE)
    form = CodeForm()
    if form.validate_on_submit():
        try:
            registration.confirm_phone(number, form.code.data, for_user=current_user)
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            flows.forget()
            flash(_("Your mobile number is confirmed."), "success")
            return redirect(url_for("account.index"))
    return render_template(
        "auth/code.html", form=form, phone=mask_phone(number), title=_("My mobile number")
    ), (422 if form.errors else 200)


@bp.route("/messages", methods=["GET", "POST"])
@role_required(RESIDENTS)
def messages():
    """Choose, per purpose, how the ward's messages reach one (or that they do not)."""
    now = preferences.choices(current_user)
    form = MessagesForm(data={p.value: (now[p] or "none") for p in preferences.PURPOSES})
    reachable = [(c.value, CHANNELS[c]) for c in preferences.channels_for(current_user)]
    for purpose in preferences.PURPOSES:
        extra = [("none", NOT_AT_ALL)] if purpose in preferences.OPTIONAL else []
        getattr(form, purpose.value).choices = options(reachable + extra)
    if form.validate_on_submit():
        wanted = {
            purpose: (None if value == "none" else Channel(value))
            for purpose in preferences.PURPOSES
            if (value := getattr(form, purpose.value).data)
        }
        done = submit(
            form,
            lambda: preferences.choose(current_user, wanted),
            _("Your choices are saved."),
            url_for("account.index"),
        )
        if done:
            return done
    return render_template("auth/account_messages.html", form=form), (422 if form.errors else 200)
