"""Public pages of the wards this deployment serves."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from portal.pagecache import cached_page
from portal.security import public
from portal.wards.services import enabled_wards, get_ward_by_slug

bp = Blueprint("wards", __name__, url_prefix="/wards")


@bp.get("/")
@public
@cached_page
def index():
    """Every ward served by this portal."""
    return render_template("wards/index.html", wards=enabled_wards())


@bp.get("/<slug>")
@public
@cached_page
def detail(slug: str):
    """A ward's public page."""
    ward = get_ward_by_slug(slug)
    if ward is None:
        abort(404)
    return render_template("wards/detail.html", ward=ward)
