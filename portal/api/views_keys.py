"""The city administrator's page of API keys (Open311 and the dossier exchange): list,
issue (shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.api import keys
from portal.api.forms import ApiKeyForm
from portal.domain import DomainError
from portal.security import CITY_ADMINS, role_required
from portal.wards import services as ward_services
from portal.web import commit, perform, show_error

bp = Blueprint("api_keys", __name__, url_prefix="/manage/api-keys")


def _key_form(*, submitted: bool) -> ApiKeyForm:
    form = ApiKeyForm() if submitted else ApiKeyForm(formdata=None)
    form.set_wards(ward_services.enabled_wards())
    return form


def _list_page(form: ApiKeyForm, status: int = 200):
    return render_template("api/keys.html", keys=keys.list_keys(), form=form), status


@bp.get("/")
@role_required(CITY_ADMINS)
def index():
    """Every API key with its ward and when it was last used, and the form to issue one."""
    return _list_page(_key_form(submitted=False))


@bp.post("/")
@role_required(CITY_ADMINS)
def create():
    """Issue a key and show it this once: it is never stored, flashed or put in a URL."""
    form = _key_form(submitted=True)
    if form.validate_on_submit():
        try:
            key, raw = keys.issue_key(
                current_user, form.name.data, form.ward_id.data, form.scope.data
            )
        except DomainError as error:
            show_error(form, error)
        else:
            commit()
            response = make_response(render_template("api/key_created.html", key=key, raw=raw))
            response.headers["Cache-Control"] = "no-store"
            return response
    return _list_page(form, 422)


@bp.post("/<int:key_id>/revoke")
@role_required(CITY_ADMINS)
def revoke(key_id: int):
    """Revoke a key: requests carrying it are refused from now on."""
    key = keys.get_key(key_id)
    if key is None:
        abort(404)
    return perform(
        lambda: keys.revoke_key(current_user, key),
        lambda revoked: _("The key %(name)s has been revoked.", name=revoked.name),
        url_for("api_keys.index"),
    )
