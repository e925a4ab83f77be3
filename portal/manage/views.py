"""Management of official accounts (admin, chairman) and of the wards served (admin)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.extensions import db
from portal.forms import options
from portal.manage.forms import OfficialForm, ToggleForm
from portal.params import id_arg
from portal.security import ACCOUNT_MANAGERS, CITY_ADMINS, OFFICIALS, role_required
from portal.templating import role_label
from portal.wards import services as ward_services
from portal.wards.models import Ward
from portal.web import commit, submit

bp = Blueprint("manage", __name__, url_prefix="/manage")


def _role_filter() -> Role | None:
    value = request.args.get("role", "")
    return Role(value) if value in {r.value for r in Role} else None


@bp.get("/users")
@role_required(ACCOUNT_MANAGERS)
def users():
    """Official accounts: all of them for the admin, the ward's own for a chairman."""
    ward_id = id_arg("ward")
    accounts = auth_services.users_visible_to(current_user, _role_filter(), ward_id)
    return render_template(
        "manage/users.html",
        accounts=accounts,
        wards=ward_services.enabled_wards() if current_user.role in CITY_ADMINS else [],
        roles=[role for role in Role if role in OFFICIALS],
        selected_role=request.args.get("role", ""),
        selected_ward=ward_id,
        can_manage=auth_services.can_manage,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(ACCOUNT_MANAGERS)
def create_user():
    """Create a staff account (chairman, own ward) or any official account (admin)."""
    form = OfficialForm()
    form.role.choices = options(
        ((r.value, role_label(r)) for r in auth_services.creatable_roles(current_user)),
        _("— Choose a role —"),
    )
    if current_user.role in CITY_ADMINS:
        wards = ward_services.enabled_wards()
        form.ward_id.choices = options(((w.id, w.name) for w in wards), _("— Choose a ward —"))
    else:
        form.ward_id.choices = options([(current_user.ward_id, current_user.ward.name)])
    if form.validate_on_submit():
        done = submit(
            form,
            lambda: auth_services.create_official(
                current_user,
                role=form.role.data,
                full_name=form.full_name.data,
                phone=form.phone.data,
                email=form.email.data,
                password=form.password.data,
                ward_id=form.ward_id.data,
            ),
            lambda user: _("The account for %(name)s has been created.", name=user.full_name),
            url_for("manage.users"),
        )
        if done:
            return done
    return render_template("manage/user_form.html", form=form), (422 if form.errors else 200)


@bp.post("/users/<int:user_id>/active")
@role_required(ACCOUNT_MANAGERS)
def set_user_active(user_id: int):
    """Deactivate or reactivate an official account."""
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    form = ToggleForm()
    if not form.validate_on_submit():
        abort(400)
    auth_services.set_active(current_user, user, form.value.data == "1")  # or refused: 403
    commit()
    if user.is_active_account:
        flash(_("%(name)s can log in again.", name=user.full_name), "success")
    else:
        flash(_("%(name)s has been deactivated.", name=user.full_name), "info")
    return redirect(url_for("manage.users"))


@bp.get("/wards")
@role_required(CITY_ADMINS)
def wards():
    """Every imported ward; the admin chooses which ones this deployment serves."""
    return render_template("manage/wards.html", wards=ward_services.all_wards())


@bp.post("/wards/<int:ward_id>/enabled")
@role_required(CITY_ADMINS)
def set_ward_enabled(ward_id: int):
    """Start or stop serving a ward on this portal."""
    ward = db.session.get(Ward, ward_id)
    if ward is None:
        abort(404)
    form = ToggleForm()
    if not form.validate_on_submit():
        abort(400)
    ward_services.set_enabled(ward, form.value.data == "1")
    commit()
    flash(
        _("%(ward)s is now served by the portal.", ward=ward.name)
        if ward.enabled
        else _("%(ward)s is no longer served by the portal.", ward=ward.name),
        "info",
    )
    return redirect(url_for("manage.wards"))
