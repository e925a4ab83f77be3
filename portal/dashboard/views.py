"""The chairman's dashboard page. The chairman and the Fatherland Front supervisor see their
own ward (read-only: the page only reads); the city administrator picks a served ward with
?ward=<slug>, or sees all served wards side by side. The period comes from the query string;
one that cannot be understood gives the current period, with a message saying why.

/dashboard/officer-report is the report per officer as a page to print, for the same people
and wards as its XLSX and PDF files; there a period that cannot be understood is a 400."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from portal.dashboard import access, charts, pdf, reports, services, tables
from portal.dashboard import today as first_screen
from portal.dashboard.periods import (
    KINDS,
    InvalidPeriod,
    Period,
    date_value,
    parse_period,
    period_asked,
    period_containing,
    year_choices,
)
from portal.db import utcnow
from portal.dialogues.services import RESULTS_DAYS
from portal.pagecache import cached_for_user, remember
from portal.security import CITY_ADMINS, REPORT_READERS, may_open, role_required
from portal.timeutil import local_today
from portal.wards.models import Ward

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def _period_links(period: Period, ward: Ward | None, today) -> dict:
    """Query values of the previous and next periods (None outside the accepted years, or
    when the next period has not begun)."""

    def args(p: Period) -> dict:
        values = {"period": p.kind, "date": p.key}
        if ward is not None and current_user.role in CITY_ADMINS:
            values["ward"] = ward.slug
        return values

    previous, following = period.previous(), period.next()
    return {
        "previous": args(previous) if previous.in_range else None,
        "next": args(following) if following.in_range and following.start <= today else None,
    }


@bp.get("/")
@role_required(REPORT_READERS)
@cached_for_user("DASHBOARD_CACHE_SECONDS")
def index():
    """The dashboard for a period: one ward's satisfaction, feedback and dialogues, or
    (administrator, no ward chosen) the served wards side by side, ranked, in the order asked
    for by ?sort=<column>&dir=asc|desc (anything else: by name). The figures are the same
    for everybody of a role, so they are rendered once per ward, period, language, role and
    day, and kept for DASHBOARD_CACHE_SECONDS (the page says when they were computed); each
    viewer's whole page is kept as long."""
    ward = access.ward_to_show()  # who may see what comes before reading the period
    today = local_today()
    period, problem = period_asked(request.args, today)
    # the city's comparison of wards in the order asked for (a bad one: the default)
    sort = tables.city_sort(request.args.get("sort"), request.args.get("dir"))
    key = (
        "dashboard",
        ward.id if ward is not None else None,
        period.kind,
        period.key,
        str(get_locale()),
        str(current_user.role),
        today,
        sort if ward is None else None,
    )
    seconds = current_app.config["DASHBOARD_CACHE_SECONDS"]
    figures = remember(key, seconds, lambda: _render_figures(ward, period, today, sort))
    # The figures were rendered by Jinja with autoescaping: they are HTML already.
    html = Markup(figures)  # noqa: S704  # nosec B704
    return render_template("dashboard/index.html", figures=html, problem=problem)


def _render_figures(
    ward: Ward | None, period: Period, today: date, sort: tuple[str, str] | None = None
) -> str:
    """The dashboard's figures as HTML (dashboard/_figures.html): for a ward, its first screen
    (today.py: headline figures and what needs the chairman today), then the tables of
    tables.py, each part of the figures read once, and the charts drawn from the same parts.
    The city's comparison of wards is sorted as `sort` says (tables.city_sort)."""
    quarter = period_containing(period.start, "quarter")
    context = {
        "period": period,
        "quarter_key": quarter.key,
        "quarter_label": quarter.label,
        "month_label": period_containing(period.start, "month").label,
        "ward": ward,
        # the ward named in the address, kept by the period links and exports (the city
        # administrator chooses it; the ward's officials have only their own)
        "ward_param": ward.slug if ward is not None and current_user.role in CITY_ADMINS else None,
        "kinds": KINDS,
        "years": year_choices(today, period),
        "links": _period_links(period, ward, today),
        "page_links": tables.PageLinks(period, may_open("feedback_staff.detail")),
        "computed_at": datetime.now(UTC),
    }
    if ward is None:
        minimum = current_app.config["PUBLIC_MIN_RATINGS"]
        city = services.CityDashboard(period, minimum, today)
        return render_template(
            "dashboard/_figures.html",
            tables=tables.build(tables.CITY_TABLES.values(), city, sort or (None, None)),
            minimum=minimum,
            results_days=RESULTS_DAYS,
            charts={"wards": charts.wards(city.comparison), "trend": charts.trend(city.trend)},
            **context,
        )
    dashboard = services.WardDashboard(ward.id, period, today)
    satisfaction = dashboard.satisfaction
    return render_template(
        "dashboard/_figures.html",
        first_screen=first_screen.build(dashboard, utcnow(), may_open),
        tables=tables.build(tables.WARD_TABLES.values(), dashboard),
        satisfaction=satisfaction,
        charts={
            "trend": charts.trend(satisfaction.trend),
            "levels": charts.levels(satisfaction.by_procedure, str(get_locale())),
        },
        **context,
    )


REPORT_KINDS = ("month", "quarter")  # the officer report is monthly or quarterly


@bp.get("/officer-report")
@role_required(REPORT_READERS)
def officer_report():
    """The report per officer for the evaluation of officials as a page to print: the ward's
    heading in the layout of Nghị định 30/2020, a section per officer, the same figures as
    its XLSX and PDF files of the period (linked). For whoever may download those files: a
    ward's chairman and supervisor their own ward's, the administrator the ward named by
    ?ward=. A month unless a quarter is chosen; a period that cannot be understood is a 400
    saying why."""
    ward = access.ward_to_show()  # who may see what comes before anything else
    if ward is None:
        abort(404)
    today = local_today()
    try:
        if request.args.get("period", "month").strip().lower() not in REPORT_KINDS:
            raise InvalidPeriod(_l("The report per officer covers a month or a quarter."))
        period = parse_period(request.args.get("period"), date_value(request.args), today)
    except InvalidPeriod as error:
        return access.bad_period(error)
    context = pdf.document_context(reports.OFFICER_REPORT, ward, period, today)
    if str(get_locale()) != "vi":
        context["period_text"] = period.label
    ward_param = ward.slug if current_user.role in CITY_ADMINS else None
    query = {"period": period.kind, "date": period.key}
    if ward_param:
        query["ward"] = ward_param
    return render_template(
        "dashboard/officer_report.html",
        sheets=reports.officer_sheets(context["tables"]),
        procedure_columns=reports.PROCEDURE_LINE,
        kinds=REPORT_KINDS,
        years=year_choices(today, period),
        ward_param=ward_param,
        query=query,
        **context,
    )
