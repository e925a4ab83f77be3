"""The tables of the chairman's dashboard, each defined once (columns.py): the page shows
them, and the same definitions give its CSV and XLSX downloads.

A table's rows are read from a WardDashboard or a CityDashboard (services.py), which reads
each part of the figures the first time a table asks for it: the page and the workbook of
every table read each part once, the download of one table only the parts it shows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from flask import url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.codes import format_code
from portal.dashboard import national_index, services, signing
from portal.dashboard.periods import Period
from portal.dialogues.services import NOTICE_DAYS, RESULTS_DAYS
from portal.satisfaction.labels import LEVEL, TIMELINESS
from portal.satisfaction.models import Level, Timeliness
from portal.sheets.columns import ChartSpec, Column, Format, Label, Table, TableSpec

ALL = "all"  # every table of the dashboard, one sheet each


def locale() -> str:
    return str(get_locale())


def name_in_locale(row: Any) -> str:
    """A procedure's, field's or category's name in the current language."""
    return row.name(locale())


@dataclass(frozen=True)
class Line:
    """A row of figures: what it is about in the current language (a period, a procedure,
    an officer…), its figures, its number in a report (None for a total), and the row of
    services.py it comes from (for links)."""

    name: str
    figures: Any
    number: int | None = None
    item: Any = None


def lines(rows: Iterable[Any], name: Callable[[Any], str]) -> list[Line]:
    return [Line(name(row), row.figures, item=row) for row in rows]


def numbered(rows: Iterable[Any], name: Callable[[Any], str]) -> list[Line]:
    """Lines numbered from 1, as a report lists them."""
    return [Line(name(row), row.figures, n, row) for n, row in enumerate(rows, start=1)]


def beside(period: Period, current: Any, previous: Any) -> list[Line]:
    """A period's figures and the previous period's, a line each."""
    return [Line(period.label, current), Line(period.previous().label, previous)]


def span(trend: list[services.MonthRow]) -> str:
    """The months of a trend, "12/2025–11/2026"."""
    return f"{trend[0].period.label}–{trend[-1].period.label}"


@dataclass(frozen=True)
class PageLinks:
    """What the page's links depend on: the period shown, and whether the viewer may open
    the ward's feedback cases."""

    period: Period
    can_open_cases: bool = False

    def sort_url(self, table: str, args: dict[str, str]) -> str:
        """The city dashboard's address with the table `table` sorted as `args` says
        (Table.sort_args), at the table."""
        period = self.period
        return url_for(
            "dashboard.index",
            period=period.kind,
            date=period.key,
            **args,
            _anchor=f"table-{table}-caption",
        )


def _ward_link(row: Line, links: PageLinks) -> str:
    period = links.period
    return url_for("dashboard.index", ward=row.item.slug, period=period.kind, date=period.key)


def _case_link(feedback_id: int | None, links: PageLinks) -> str | None:
    if feedback_id is None or not links.can_open_cases:
        return None
    return url_for("feedback_staff.detail", item_id=feedback_id)


# ---------------------------------------------------------------- columns


def named(label: Label, link: Callable[[Any, Any], str | None] | None = None) -> Column:
    """The column of what a line is about."""
    return Column(label, attrgetter("name"), link=link, key="name")


def _key(attribute: str) -> str:
    """A column's name in an address: "satisfaction-rate" for `satisfaction_rate`."""
    return attribute.rsplit(".", 1)[-1].replace("_", "-")


def figure(label: Label, attribute: str, fmt: Format = Format.INTEGER, share: str = "") -> Column:
    """A column of a line's figures: `attribute` of them, `share` the attribute of its share."""
    return Column(
        label,
        attrgetter(f"figures.{attribute}"),
        fmt,
        share=attrgetter(f"figures.{share}") if share else None,
        key=_key(attribute),
    )


def level(value: Level) -> Column:
    """The count of a level's ratings, with its share of the ratings."""
    return Column(
        LEVEL[value],
        attrgetter(f"figures.{value.value}"),
        Format.INTEGER,
        share=lambda line: line.figures.level_share(value),
        key=_key(value.value),
    )


PERIOD = named(_l("Period"))
PROCEDURE = named(_l("Procedure"))
OFFICER = named(_l("Officer"))

RETURNED = figure(_l("Dossiers returned"), "returned")
RATINGS = figure(_l("Ratings"), "ratings")
RESPONSE_RATE = figure(_l("Response rate"), "response_rate", Format.PERCENT)
SATISFACTION_RATE = figure(_l("Satisfaction rate"), "satisfaction_rate", Format.PERCENT)
LEVELS = tuple(level(value) for value in Level)
TIMELINESS_SHARES = tuple(
    figure(TIMELINESS[value], value.value, share=f"{value.value}_share") for value in Timeliness
)
CONTACTS = figure(_l("Times applicants came back"), "contacts")
PER_DOSSIER = figure(_l("Per dossier"), "contacts_per_dossier", Format.DECIMAL)
SCORE = figure(_l("Average score (out of 10)"), "average_score", Format.DECIMAL)
# A table of satisfaction Figures, after the column of what each line is about.
FIGURES = (
    RETURNED,
    RATINGS,
    RESPONSE_RATE,
    SATISFACTION_RATE,
    *LEVELS,
    *TIMELINESS_SHARES,
    SCORE,
)

FEEDBACK = (
    figure(_l("Feedback received"), "received"),
    figure(_l("Answered"), "answered"),
    figure(_l("Answered on time"), "answered_on_time", share="on_time_share"),
    figure(_l("Average working days to answer"), "average_working_days", Format.DECIMAL),
)

DIALOGUES = (
    figure(_l("Conferences held"), "held"),
    figure(_l("Conferences held in the calendar year"), "year_held"),
    figure(_l("At least one conference a year"), "yearly_minimum_met", Format.MET),
    figure(
        _l("Notice given at least %(days)d days ahead", days=NOTICE_DAYS),
        "notice_on_time",
        share="notice_share",
    ),
    figure(
        _l("Results published within %(days)d days", days=RESULTS_DAYS),
        "results_on_time",
        share="results_share",
    ),
    figure(_l("Attendance"), "attendance"),
    figure(_l("Capacity"), "capacity"),
    figure(_l("Attendance against capacity"), "attendance_share", Format.PERCENT),
    figure(_l("Questions asked"), "questions"),
    figure(_l("Questions answered"), "answered", share="answered_share"),
    figure(_l("Reception slots published"), "slots"),
    figure(_l("Reception slots booked"), "slots_booked", share="booked_share"),
    figure(_l("Reception slots used"), "slots_used", share="used_share"),
)

REASONS = (
    Column(_l("Rated on"), attrgetter("created_at"), Format.DATETIME),
    Column(_l("Procedure"), lambda reason: reason.procedure_name(locale())),
    Column(_l("Reason"), attrgetter("reason"), Format.LONG_TEXT),
    Column(
        _l("Case"),
        lambda reason: format_code(reason.feedback_code) if reason.feedback_code else None,
        link=lambda reason, links: _case_link(reason.feedback_id, links),
    ),
)


# The national index panel (national_index.py): its rows are read as they are.
INDEX_GROUPS = (
    Column(_l("Group of the index"), attrgetter("name")),
    Column(_l("Points"), attrgetter("points"), Format.DECIMAL),
    Column(_l("Out of"), attrgetter("weight"), Format.INTEGER),
    Column(_l("How it is computed"), attrgetter("how"), Format.LONG_TEXT),
)
INDEX_INDICATORS = (
    Column(_l("Indicator (Circular 01/2018/TT-VPCP)"), attrgetter("name")),
    Column(_l("Average points (out of 2)"), attrgetter("average"), Format.DECIMAL),
    Column(_l("Ratings scored"), attrgetter("scored"), Format.INTEGER),
)
INDEX_NOT_COMPUTED = (
    Column(_l("Item"), attrgetter("name")),
    Column(_l("Points it carries"), attrgetter("weight"), Format.INTEGER),
    Column(_l("Scale"), attrgetter("scale")),
    Column(_l("Why the portal cannot compute it"), attrgetter("reason"), Format.LONG_TEXT),
)


@dataclass(frozen=True)
class OverdueRow:
    item: Any  # a feedback inbox row (feedback services.ROW_COLUMNS)
    category: str | None  # its category's name in the current language


def overdue_rows(feedback: services.FeedbackSummary) -> list[OverdueRow]:
    names = {category_id: name_in_locale(row) for category_id, row in feedback.categories.items()}
    return [OverdueRow(item, names.get(item.category_id)) for item in feedback.overdue]


OVERDUE = (
    Column(
        _l("Code"),
        lambda row: format_code(row.item.code),
        link=lambda row, links: _case_link(row.item.id, links),
    ),
    Column(_l("Title"), attrgetter("item.title")),
    Column(_l("Category"), attrgetter("category")),
    Column(_l("Received on"), attrgetter("item.received_at"), Format.DATETIME),
    Column(_l("Answer due"), attrgetter("item.due_on"), Format.DATE),
    Column(_l("Assigned to"), attrgetter("item.assignee_name")),
)


def _field_name(row: services.FieldRow) -> str:
    return name_in_locale(row) or _("No field")


def _month(row: services.MonthRow) -> str:
    return row.period.label


# ---------------------------------------------------------------- a ward's tables
# Each `sheet` is the name of an XLSX sheet: at most 31 characters in every language, and
# different from the other sheets of the workbook (tests/test_dashboard_exports.py).

NO_DATA = _l("No data.")

# The charts the dashboard page draws (charts.py), drawn beside the same tables in their
# XLSX sheets: ratings per month with the satisfaction rate over them; the ratings of each
# level per procedure, stacked; the satisfaction rate of each ward.
TREND_CHART = ChartSpec(
    _l("Ratings and satisfaction rate by month"), (RATINGS,), lines=(SATISFACTION_RATE,)
)
LEVELS_CHART = ChartSpec(_l("Ratings of each level by procedure"), LEVELS, kind="stacked")
WARDS_CHART = ChartSpec(_l("Satisfaction rate by ward"), (SATISFACTION_RATE,))


def period_beside_previous(
    name: str,
    sheet: Label,
    columns: tuple[Column, ...],
    figures: Callable[[Any], tuple[Any, Any]],
    caption: Callable[[str, str], str],
) -> TableSpec:
    """A table of the period's `figures` beside the previous period's (a row each in files;
    a row per figure, a column per period on the page), captioned by `caption(period,
    previous)`."""
    return TableSpec(
        name,
        sheet,
        (PERIOD, *columns),
        lambda d: beside(d.period, *figures(d)),
        lambda d: caption(d.period.label, d.period.previous().label),
        transposed=True,
        caption_shown=True,
    )


WARD_TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        period_beside_previous(
            "satisfaction-summary",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Satisfaction totals"),
            FIGURES,
            lambda d: (d.satisfaction.totals, d.satisfaction.previous),
            lambda period, previous: _(
                "Satisfaction, %(period)s beside %(previous)s", period=period, previous=previous
            ),
        ),
        TableSpec(
            "monthly-trend",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Satisfaction by month"),
            (named(_l("Month")), *FIGURES),
            lambda d: lines(d.satisfaction.trend, _month),
            lambda d: _("Satisfaction by month, %(period)s", period=span(d.satisfaction.trend)),
            chart=TREND_CHART,
        ),
        TableSpec(
            "by-procedure",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Satisfaction by procedure"),
            (PROCEDURE, *FIGURES),
            lambda d: lines(d.satisfaction.by_procedure, name_in_locale),
            lambda d: _("Satisfaction by procedure, %(period)s", period=d.period.label),
            empty=NO_DATA,
            chart=LEVELS_CHART,
        ),
        TableSpec(
            "by-field",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Satisfaction by field"),
            (named(_l("Field")), *FIGURES),
            lambda d: lines(d.satisfaction.by_field, _field_name),
            lambda d: _("Satisfaction by field of procedures, %(period)s", period=d.period.label),
            empty=NO_DATA,
        ),
        TableSpec(
            "by-officer",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Satisfaction by officer"),
            (OFFICER, *FIGURES),
            lambda d: lines(d.satisfaction.by_officer, attrgetter("full_name")),
            lambda d: _("Satisfaction by receiving officer, %(period)s", period=d.period.label),
            empty=NO_DATA,
        ),
        TableSpec(
            "lowest-rated",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Procedures rated lowest"),
            (PROCEDURE, SATISFACTION_RATE, RATINGS),
            lambda d: lines(d.satisfaction.lowest, name_in_locale),
            lambda d: _("Lowest-rated procedures, %(period)s", period=d.period.label),
            empty=_l("No procedure was rated in this period."),
        ),
        TableSpec(
            "dissatisfied-reasons",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Reasons for dissatisfaction"),
            REASONS,
            lambda d: d.satisfaction.reasons,
            lambda d: _("Latest dissatisfied reasons, %(period)s", period=d.period.label),
            row_headers=False,
            empty=_l("No dissatisfied rating in this period."),
        ),
        TableSpec(
            "national-index",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Service index (Decision 766)"),
            INDEX_GROUPS,
            lambda d: d.satisfaction.national_index.groups,
            lambda d: _(
                "Groups of the national service-quality index the portal computes, %(period)s",
                period=d.period.label,
            ),
        ),
        TableSpec(
            "index-indicators",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Indicators per dossier"),
            INDEX_INDICATORS,
            lambda d: d.satisfaction.national_index.indicators,
            lambda d: _(
                "Indicators of Circular 01/2018/TT-VPCP scored per dossier, %(period)s",
                period=d.period.label,
            ),
        ),
        TableSpec(
            "index-not-computed",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Index items not computed"),
            INDEX_NOT_COMPUTED,
            lambda d: national_index.not_computed(),
            lambda d: _("Items of the index the portal cannot compute, and why"),
            row_headers=False,
        ),
        period_beside_previous(
            "feedback-summary",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Feedback totals"),
            FEEDBACK,
            lambda d: (d.feedback.totals, d.feedback.previous),
            lambda period, previous: _(
                "Feedback, %(period)s beside %(previous)s", period=period, previous=previous
            ),
        ),
        TableSpec(
            "feedback-by-category",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Feedback by category"),
            (named(_l("Category")), *FEEDBACK),
            lambda d: lines(d.feedback.by_category, name_in_locale),
            lambda d: _("Feedback by category, %(period)s", period=d.period.label),
            empty=NO_DATA,
        ),
        TableSpec(
            "overdue",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Feedback overdue"),
            OVERDUE,
            lambda d: overdue_rows(d.feedback),
            lambda d: _("Feedback overdue now, oldest deadline first"),
            row_headers=False,
            empty=_l("Nothing is overdue."),
            row_class="row-overdue",
        ),
        period_beside_previous(
            "dialogues",
            # Translators: the name of a sheet of an XLSX file: at most 31 characters.
            _l("Dialogues and reception"),
            DIALOGUES,
            lambda d: (d.dialogues, d.previous_dialogues),
            lambda period, previous: _(
                "Dialogues, %(period)s beside %(previous)s", period=period, previous=previous
            ),
        ),
    )
}

# ---------------------------------------------------------------- delegated signing


def signing_lines(summary: signing.SigningSummary) -> list[signing.SigningRow]:
    """A row per month, procedure and officer signing under delegation, then the period's
    totals: all signed under delegation, and all the chairman signed."""
    totals = [
        signing.SigningRow(
            None, None, "", "", None, _("All officers under delegation"), summary.delegated
        ),
        signing.SigningRow(None, None, "", "", None, _("The chairman"), summary.chairman),
    ]
    return [*summary.rows, *totals]


SIGNING = (
    Column(_l("Month"), lambda row: row.month.label if row.month else _("Whole period")),
    Column(_l("Procedure"), lambda row: row.name(locale()) if row.procedure_id else _("All")),
    Column(_l("Signed by"), attrgetter("officer_name")),
    Column(_l("Dossiers returned"), attrgetter("figures.dossiers"), Format.INTEGER),
    Column(
        _l("Average working days taken"),
        attrgetter("figures.average_working_days"),
        Format.DECIMAL,
    ),
    Column(
        _l("Median working days taken"),
        attrgetter("figures.median_working_days"),
        Format.DECIMAL,
    ),
)

SIGNING_TABLE = TableSpec(
    "delegated-signing",
    # Translators: the name of a sheet of an XLSX file: at most 31 characters.
    _l("Delegated signing"),
    SIGNING,
    lambda d: signing_lines(d.signing),
    lambda d: _(
        "Results signed on the chairman's behalf under delegation, by month, procedure and "
        "officer, beside those the chairman signed, %(period)s",
        period=d.period.label,
    ),
)
WARD_TABLES[SIGNING_TABLE.name] = SIGNING_TABLE

# ---------------------------------------------------------------- the city's tables


def of_ward(label: Label, attribute: str, key: str, share: str = "") -> Column:
    """A count of a ward's row in the comparison (services.WardRow): `attribute` of it,
    `share` the attribute of its share."""
    return Column(
        label,
        attrgetter(f"item.{attribute}"),
        Format.INTEGER,
        share=attrgetter(f"item.{share}") if share else None,
        key=key,
    )


def unranked(row: services.WardRow, ranking: str) -> str:
    """Why a ward has no rank on `ranking`."""
    rank = row.ranks[ranking]
    if rank.unranked is services.Unranked.FEW_RATINGS:
        return ngettext(
            "Unranked: %(num)d rating, at least %(needed)d needed",
            "Unranked: %(num)d ratings, at least %(needed)d needed",
            row.figures.ratings,
            needed=rank.needed,
        )
    if rank.unranked is services.Unranked.NOTHING_ANSWERED:
        return _("Unranked: no feedback answered")
    return _("Unranked: no conference held")


def ranked(label: Label, ranking: str) -> Column:
    """A ward's place among the served wards on `ranking` (services.RANKINGS), or why it
    has none."""
    return Column(
        label,
        lambda line: line.item.ranks[ranking].place,
        Format.INTEGER,
        missing=lambda line: unranked(line.item, ranking),
        key=f"rank-{ranking}",
    )


COMPARISON = (
    named(_l("Ward"), link=_ward_link),
    *FIGURES,
    ranked(_l("Rank on satisfaction"), "satisfaction"),
    of_ward(_l("Feedback received"), "feedback.received", "feedback-received"),
    of_ward(_l("Feedback answered"), "feedback.answered", "feedback-answered"),
    of_ward(
        _l("Feedback answered on time"),
        "feedback.answered_on_time",
        "feedback-on-time",
        share="feedback.on_time_share",
    ),
    of_ward(_l("Feedback overdue now"), "overdue", "feedback-overdue"),
    ranked(_l("Rank on feedback answered on time"), "feedback"),
    of_ward(_l("Conferences held"), "dialogues.held", "conferences-held"),
    of_ward(
        _l("Results published within %(days)d days", days=RESULTS_DAYS),
        "dialogues.results_on_time",
        "results-on-time",
        share="dialogues.results_share",
    ),
    ranked(_l("Rank on dialogues"), "dialogues"),
)

CITY_TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "ward-comparison",
            # Translators: the name of a sheet of an XLSX file (and a heading): at most 31
            # characters.
            _l("Wards compared"),
            COMPARISON,
            lambda c: lines(c.comparison, attrgetter("name")),
            lambda c: _(
                "Every served ward compared: satisfaction, feedback and dialogue conferences, "
                "%(period)s",
                period=c.period.label,
            ),
            caption_shown=True,
            empty=_l("No ward is served yet."),
            chart=WARDS_CHART,
            sortable=tuple(column.key for column in COMPARISON),
            default_sort=("name", "asc"),
        ),
        TableSpec(
            "monthly-trend",
            WARD_TABLES["monthly-trend"].sheet,
            WARD_TABLES["monthly-trend"].columns,
            lambda c: lines(c.trend, _month),
            lambda c: _(
                "Satisfaction of every served ward by month, %(period)s", period=span(c.trend)
            ),
            chart=TREND_CHART,
        ),
    )
}


def build(
    specs: Iterable[TableSpec], source: Any, sort: tuple[Any, Any] = (None, None)
) -> dict[str, Table]:
    """The tables of `specs` from `source` (a WardDashboard or a CityDashboard), by name,
    each sortable one sorted as `sort` (a column key and a direction, as asked: a bad one
    gives the default order)."""
    return {spec.name: spec.build(source).sorted_by(*sort) for spec in specs}


def city_sort(key: Any, direction: Any) -> tuple[str, str] | None:
    """The order of the city's comparison of wards asked for (?sort=&dir=), or its default."""
    return CITY_TABLES["ward-comparison"].sort_asked(key, direction)


def download(
    name: str, ward_id: int | None, period: Period, today: date, minimum: int = 0
) -> list[Table]:
    """The table `name` (or ALL of them) of a ward's dashboard, or of the city's (ward_id
    None: a ward needs `minimum` ratings for a satisfaction rank), reading only the figures
    they show."""
    if ward_id is None:
        specs, source = CITY_TABLES, services.CityDashboard(period, minimum, today)
    else:
        specs, source = WARD_TABLES, services.WardDashboard(ward_id, period, today)
    chosen = specs.values() if name == ALL else [specs[name]]
    return list(build(chosen, source).values())
