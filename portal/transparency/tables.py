"""The tables of the public transparency page, from the dashboard's column definitions
(dashboard/tables.py): the same labels and formats, and the page's `data_table` macro. A
satisfaction rate withheld for too few ratings says so instead of a number."""

from __future__ import annotations

from operator import attrgetter

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.dashboard import tables as dashboard_tables
from portal.dashboard.tables import Line, figure, lines, name_in_locale, named
from portal.dialogues.services import RESULTS_DAYS
from portal.sheets.columns import Column, Format, TableSpec, shown
from portal.transparency.services import Report


def rate_shown(line: Line) -> str:
    """The satisfaction rate, or why there is none."""
    figures = line.figures
    if figures.withheld:
        return _("Not enough ratings to compute a rate")
    return shown(figures.satisfaction_rate, Format.PERCENT)


RATE = Column(_l("Satisfaction rate"), rate_shown)
SATISFACTION = (
    dashboard_tables.RETURNED,
    *dashboard_tables.TIMELINESS_SHARES,
    dashboard_tables.RATINGS,
    *dashboard_tables.LEVELS,
    RATE,
)
FEEDBACK = (
    figure(_l("Feedback received"), "received"),
    figure(_l("Answered"), "answered"),
    figure(_l("Answered on time"), "answered_on_time", share="on_time_share"),
)
DIALOGUES = (
    figure(_l("Conferences held"), "held"),
    figure(
        _l("Results published within %(days)d days", days=RESULTS_DAYS),
        "results_on_time",
        share="results_share",
    ),
)


def field_name(row) -> str:
    return name_in_locale(row) or _("No field")


def _ward_link(line: Line, links) -> str:
    period = links.period
    return url_for("transparency.ward_page", slug=line.item.slug, date=period.key)


def _single(report: Report, figures) -> list[Line]:
    return [Line(report.period.label, figures)]


TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "satisfaction",
            _l("Satisfaction totals"),
            (dashboard_tables.PERIOD, *SATISFACTION),
            lambda r: _single(r, r.satisfaction),
            lambda r: _("Dossiers and satisfaction, %(period)s", period=r.period.label),
            transposed=True,
        ),
        TableSpec(
            "by-field",
            _l("Satisfaction by field"),
            (named(_l("Field")), *SATISFACTION),
            lambda r: lines(r.fields, field_name),
            lambda r: _("Satisfaction by field of procedures, %(period)s", period=r.period.label),
            empty=dashboard_tables.NO_DATA,
        ),
        TableSpec(
            "by-ward",
            _l("Satisfaction by ward"),
            (named(_l("Ward"), link=_ward_link), *SATISFACTION),
            lambda r: lines(r.wards, attrgetter("name")),
            lambda r: _("Satisfaction of every served ward, %(period)s", period=r.period.label),
            empty=_l("No ward is served yet."),
        ),
        TableSpec(
            "feedback",
            _l("Feedback totals"),
            (dashboard_tables.PERIOD, *FEEDBACK),
            lambda r: _single(r, r.feedback),
            lambda r: _("Feedback and petitions, %(period)s", period=r.period.label),
            transposed=True,
        ),
        TableSpec(
            "dialogues",
            _l("Dialogues and reception"),
            (dashboard_tables.PERIOD, *DIALOGUES),
            lambda r: _single(r, r.dialogues),
            lambda r: _("Dialogue conferences, %(period)s", period=r.period.label),
            transposed=True,
        ),
    )
}


def build(report: Report) -> dict:
    """The page's tables of `report` (the city's page has the table by ward too)."""
    names = [name for name in TABLES if name != "by-ward" or report.ward is None]
    return {name: TABLES[name].build(report) for name in names}
