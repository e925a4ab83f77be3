"""The public transparency pages: /wards/<slug>/minh-bach for a served ward and /minh-bach for
the whole city, for a month or a quarter (by default the last complete month), and the same
figures as open data (JSON and CSV) at /…/minh-bach/<period>.<json|csv>. Anyone may open
them; they hold aggregates only. A period that cannot be understood, a year, or one that
has not begun is a 404 that says why; so is a ward not served."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.dashboard import charts
from portal.dashboard.access import bad_period
from portal.dashboard.periods import (
    InvalidPeriod,
    Period,
    date_value,
    parse_period,
    period_containing,
    year_choices,
)
from portal.dashboard.tables import PageLinks
from portal.pagecache import cached_page, remember
from portal.security import public, served_ward_or_404
from portal.sheets.files import to_csv
from portal.timeutil import local_today
from portal.transparency import opendata, services, tables
from portal.wards.models import Ward

bp = Blueprint("transparency", __name__)

CONTENT_TYPES = {"json": "application/json", "csv": "text/csv; charset=utf-8"}


def _period(kind: str | None, value: str | None, today: date) -> Period:
    """The month or quarter asked for (without a date: the last complete one of the kind);
    InvalidPeriod for anything else, a year or a period that has not begun."""
    kind = (kind or "").strip().lower()
    if kind and kind not in services.KINDS:
        raise InvalidPeriod(_("Choose a month or a quarter."), "period")
    if not (value or "").strip():
        return period_containing(today, kind or "month").previous()
    period = parse_period(kind, value, today)
    if period.kind not in services.KINDS:
        raise InvalidPeriod(_("Choose a month or a quarter."), "period")
    if period.start > today:
        raise InvalidPeriod(_("This period has not begun yet."), "date")
    return period


def _asked(args: Mapping[str, str], today: date) -> Period:
    return _period(args.get("period"), date_value(args), today)


def _report(ward: Ward | None, period: Period) -> services.Report:
    minimum = current_app.config["PUBLIC_MIN_RATINGS"]
    if ward is None:
        return services.city_report(period, minimum)
    return services.ward_report(ward, period, minimum)


def _page(ward: Ward | None):
    today = local_today()
    try:
        period = _asked(request.args, today)
    except InvalidPeriod as error:
        return bad_period(error, 404)
    report = _report(ward, period)
    return render_template(
        "transparency/page.html",
        report=report,
        ward=ward,
        period=period,
        tables=tables.build(report),
        levels_chart=charts.levels(report.fields, str(get_locale()), name=tables.field_name),
        years=year_choices(today, period),
        kinds=services.KINDS,
        page_links=PageLinks(period),
        licence=current_app.config["OPEN_DATA_LICENCE"],
    )


def _data(ward: Ward | None, key: str, fmt: str):
    if fmt not in CONTENT_TYPES:
        abort(404)
    try:
        period = _period(None, key, local_today())
    except InvalidPeriod as error:
        return bad_period(error, 404)
    if period.key != key.strip():  # one address per period: 2026-11, not 2026-011 nor 2026-q4
        abort(404)

    def render() -> str:
        data = opendata.document(_report(ward, period), current_app.config["OPEN_DATA_LICENCE"])
        if fmt == "json":
            return json.dumps(data, ensure_ascii=False, indent=2)
        return to_csv(opendata.table(data)).decode("utf-8")

    scope = ward.id if ward is not None else None
    seconds = current_app.config["PAGE_CACHE_SECONDS"]
    body = remember(("open-data", scope, period.key, fmt), seconds, render)
    response = Response(body, content_type=CONTENT_TYPES[fmt])
    slug = ward.slug if ward is not None else "all-wards"
    filename = f"minh-bach-{slug}-{period.key}.{fmt}"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    # Open data: any site's scripts may read it (it holds nothing but public aggregates).
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/wards/<slug>/minh-bach")
@public
@cached_page
def ward_page(slug: str):
    """A served ward's transparency page for the period the selects name."""
    return _page(served_ward_or_404(slug))


@bp.get("/minh-bach")
@public
@cached_page
def city_page():
    """Every served ward's figures added up, with each ward's beside them."""
    return _page(None)


@bp.get("/wards/<slug>/minh-bach/<key>.<fmt>")
@public
def ward_data(slug: str, key: str, fmt: str):
    """A served ward's figures of a period as open data (JSON or CSV)."""
    return _data(served_ward_or_404(slug), key, fmt)


@bp.get("/minh-bach/<key>.<fmt>")
@public
def city_data(key: str, fmt: str):
    """The city's figures of a period as open data (JSON or CSV)."""
    return _data(None, key, fmt)
