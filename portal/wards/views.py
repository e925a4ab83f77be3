"""Public pages of the wards this deployment serves: the list (where a visitor chooses
their ward), each ward's home and its information page, which the ward's chairman edits."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.dialogues import reception
from portal.forms import input_from
from portal.pagecache import cached_page
from portal.security import WARD_MANAGERS, public, role_required, served_ward_or_404
from portal.wards import home as ward_home
from portal.wards import info as ward_info
from portal.wards.forms import WardChoiceForm, WardInfoForm
from portal.wards.services import enabled_wards
from portal.web import submit

bp = Blueprint("wards", __name__, url_prefix="/wards")


@bp.get("/")
@public
@cached_page
def index():
    """Every ward served by this portal; a visitor chooses theirs here."""
    return render_template("wards/index.html", wards=enabled_wards(), chooser=WardChoiceForm())


@bp.get("/<slug>")
@public
@cached_page
def detail(slug: str):
    """A ward's home: its big actions, next conference, reception hours (and, for its own
    residents, their open bookings and feedback)."""
    ward = served_ward_or_404(slug)
    return render_template(
        "wards/home.html",
        home=ward_home.ward_home(ward, current_user),
        chooser=WardChoiceForm(),
        at_home=False,
    )


@bp.get("/<slug>/info")
@public
@cached_page
def info(slug: str):
    """Where the People's Committee and the one-stop desk are, the hotline, the opening
    hours, the chairman's reception hours and a link to directions."""
    ward = served_ward_or_404(slug)
    details = ward_info.info_of(ward.id)
    return render_template(
        "wards/info.html",
        ward=ward,
        info=details,
        hours=ward_home.reception_hours(reception.active_schedules(ward.id)),
        directions=ward_info.directions_links(details, ward.name),
        tel=ward_info.tel_link(details.hotline) if details and details.hotline else "",
        editable=ward_info.may_edit(current_user, ward),
    )


@bp.route("/<slug>/info/edit", methods=["GET", "POST"])
@role_required(WARD_MANAGERS)
def edit_info(slug: str):
    """The ward's chairman edits its information page (another ward's chairman: 403)."""
    ward = served_ward_or_404(slug)
    if not ward_info.may_edit(current_user, ward):
        abort(403)
    form = WardInfoForm(obj=ward_info.info_of(ward.id))
    if form.validate_on_submit():
        data = input_from(form, ward_info.WardInfoInput)
        done = submit(
            form,
            lambda: ward_info.save_info(current_user, ward, data),
            _("The ward's information has been saved."),
            url_for("wards.info", slug=ward.slug),
        )
        if done:
            return done
    return render_template("wards/info_form.html", form=form, ward=ward), (
        422 if form.errors else 200
    )
