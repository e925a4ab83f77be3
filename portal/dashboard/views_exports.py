"""Downloads of the dashboard's tables: /dashboard/export/<table>.<csv|xlsx>, for the same
people, wards and periods as the dashboard page. `all` is every table of the page in one
XLSX workbook; `quarterly-report` is the ward's report in the layout of the quarterly
satisfaction report (a quarter unless another period is asked for), `officer-report` the
report per officer for the evaluation of officials (a month unless another is asked for;
in XLSX with a second sheet per officer and procedure)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_babel import get_locale

from portal.dashboard import exports
from portal.dashboard.periods import InvalidPeriod, parse_period
from portal.dashboard.views import bad_period, ward_to_show
from portal.security import REPORT_READERS, role_required
from portal.timeutil import local_today

bp = Blueprint("dashboard_exports", __name__, url_prefix="/dashboard/export")

ALL = "all"
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/<table>.<fmt>")
@role_required(REPORT_READERS)
def export(table: str, fmt: str):
    """One table as CSV or XLSX, or every table as XLSX. The ward tables need a ward (the
    viewer's own, or the one the administrator names with ?ward=); the ward comparison is
    the administrator's city-wide table. Anything else is a 404."""
    ward = ward_to_show()  # who may see what comes before anything else
    names = exports.CITY_TABLES if ward is None else exports.WARD_TABLES
    if ward is not None:
        names = (*names, *exports.REPORTS)
    if fmt not in FORMATS or (table not in names and table != ALL) or (table, fmt) == (ALL, "csv"):
        abort(404)
    today = local_today()
    kind = request.args.get("period")
    if table in exports.REPORTS and not kind and not request.args.get("date"):
        kind = exports.REPORTS[table]
    try:
        period = parse_period(kind, request.args.get("date"), today)
    except InvalidPeriod as error:
        return bad_period(error)
    locale = str(get_locale())
    if table in exports.REPORTS:
        tables = exports.report(table, ward.id, period, locale)
    elif ward is None:
        tables = list(exports.city_tables(period).values())
    else:
        tables = list(exports.ward_tables(ward.id, period, locale, today).values())
    if table not in (ALL, *exports.REPORTS):
        tables = [t for t in tables if t.name == table]
    body = exports.to_csv(tables[0]) if fmt == "csv" else exports.to_xlsx(tables)
    slug = ward.slug if ward is not None else "all-wards"
    filename = f"dashboard-{table}-{slug}-{period.key}.{fmt}"
    response = Response(body, content_type=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
