"""The public pages of a ward's administrative procedures: the list, searched by name, and
each procedure's page with the papers to bring, the fee, the legal time limit and where and
how to submit. The catalogue itself is the city administrator's (portal.satisfaction)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from portal.pagecache import cached_page
from portal.params import text_arg
from portal.satisfaction import catalogue
from portal.security import public, served_ward_or_404

bp = Blueprint("procedures", __name__)

SEARCH_MAX = 80


@bp.get("/wards/<slug>/procedures")
@public
@cached_page
def index(slug: str):
    """The ward's procedures by field; ?q= searches names (diacritics optional)."""
    ward = served_ward_or_404(slug)
    q = text_arg("q", SEARCH_MAX)
    return render_template(
        "wards/procedures.html", ward=ward, q=q, items=catalogue.search(ward.id, q)
    )


@bp.get("/wards/<slug>/procedures/<int:procedure_id>")
@public
@cached_page
def detail(slug: str, procedure_id: int):
    """One procedure: papers, fee, legal time limit, where and how to submit."""
    ward = served_ward_or_404(slug)
    procedure = catalogue.public_procedure(ward.id, procedure_id)
    if procedure is None:
        abort(404)
    return render_template("wards/procedure.html", ward=ward, procedure=procedure)
