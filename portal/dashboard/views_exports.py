"""Downloads of the dashboard's tables: /dashboard/export/<table>.<csv|xlsx>, for the same
people, wards and periods as the dashboard page. `all` is every table of the page in one
XLSX workbook; `quarterly-report` is the ward's report in the layout of the quarterly
satisfaction report (a quarter unless another period is asked for), `officer-report` the
report per officer for the evaluation of officials (a month unless another is asked for;
in XLSX with sheets per officer and procedure and per officer who gave the slip too). A
one-table download reads only that table's figures. /dashboard/export/<report>.pdf is one
of these two reports as the ward's official document (pdf.py), for the same people, wards
and periods as its XLSX file."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, request

from portal.audit import services as audit
from portal.audit.services import audited_download
from portal.dashboard import access, pdf, reports, tables
from portal.dashboard.periods import InvalidPeriod, Period, parse_period
from portal.dashboard.tables import ALL
from portal.satisfaction import exchange
from portal.security import REPORT_READERS, role_required
from portal.sheets import files as exports
from portal.timeutil import local_today

bp = Blueprint("dashboard_exports", __name__, url_prefix="/dashboard/export")


def _period_asked(table: str, today: date) -> Period:
    """The period a download names; a report without one covers its own kind of period
    (a quarter, a month) containing today. Raises InvalidPeriod."""
    kind = request.args.get("period")
    if table in reports.REPORTS and not kind and not request.args.get("date"):
        kind = reports.REPORTS[table].kind
    return parse_period(kind, request.args.get("date"), today)


@bp.get("/ratings-exchange.csv")
@role_required(REPORT_READERS)
@audited_download
def ratings_exchange():
    """The ward's ratings of a period (a month unless another is asked for), one row per
    rating with its dossier, in the one-stop software's naming (MaHoSo, MaTTHC, SoBienNhan,
    NgayTra, ...; dates as yyyyMMddHHmmss, Hà Nội time), for the ward to send upward."""
    ward = access.ward_to_show()
    if ward is None:
        abort(404)
    try:
        period = parse_period(request.args.get("period"), request.args.get("date"), local_today())
    except InvalidPeriod as error:
        return access.bad_period(error)
    start, end = period.utc_bounds()
    audit.note(table="ratings-exchange", period=period.key, format="csv", ward_id=ward.id)
    body = exchange.ratings_csv(ward.id, start, end, safe=exports.safe_text)
    name = f"ratings-exchange-{ward.slug}-{period.key}.csv"
    return exports.attachment(body, "text/csv; charset=utf-8", name)


@bp.get("/<table>.<fmt>")
@role_required(REPORT_READERS)
@audited_download
def export(table: str, fmt: str):
    """One table as CSV or XLSX, or every table as XLSX. The ward tables need a ward (the
    viewer's own, or the one the administrator names with ?ward=); the ward comparison is
    the administrator's city-wide table. Anything else is a 404."""
    ward = access.ward_to_show()  # who may see what comes before anything else
    names = tables.CITY_TABLES if ward is None else {**tables.WARD_TABLES, **reports.REPORTS}
    if (
        fmt not in exports.CONTENT_TYPES
        or (table not in names and table != ALL)
        or (table, fmt) == (ALL, "csv")
    ):
        abort(404)
    today = local_today()
    try:
        period = _period_asked(table, today)
    except InvalidPeriod as error:
        return access.bad_period(error)
    if table in reports.REPORTS:
        result = reports.report(table, ward.id, period)
    else:
        minimum = current_app.config["PUBLIC_MIN_RATINGS"]
        result = tables.download(table, ward.id if ward else None, period, today, minimum)
    audit.note(
        table=table, period=period.key, format=fmt, ward_id=ward.id if ward is not None else None
    )
    slug = ward.slug if ward is not None else "all-wards"
    return exports.download(result, fmt, f"dashboard-{table}-{slug}-{period.key}")


@bp.get("/<report>.pdf")
@role_required(REPORT_READERS)
@audited_download
def report_pdf(report: str):
    """The quarterly report or the officer report of a ward as its official document (PDF),
    for whoever may download the report's XLSX file: a ward's chairman and supervisor their
    own ward's, the administrator the ward named by ?ward=."""
    ward = access.ward_to_show()  # who may see what comes before anything else
    if ward is None or report not in pdf.TEMPLATES:
        abort(404)
    today = local_today()
    try:
        period = _period_asked(report, today)
    except InvalidPeriod as error:
        return access.bad_period(error)
    body = pdf.official_report(report, ward, period, today)
    audit.note(table=report, period=period.key, format="pdf", ward_id=ward.id)
    filename = f"dashboard-{report}-{ward.slug}-{period.key}.pdf"
    return exports.attachment(body, pdf.CONTENT_TYPE, filename)
