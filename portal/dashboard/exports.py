"""The dashboard's tables as files: each table becomes a Table (a title, a header row and rows
of raw values), written as CSV (one table) or as an XLSX workbook (one sheet per table).

Counts stay integers and shares stay fractions from 0 to 1: the XLSX cells carry a percentage
number format, the CSV cells a decimal with a dot. Text typed by people (reasons, titles)
cannot start a formula in a spreadsheet: a cell beginning with = + - @ is prefixed with '."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.codes import format_code
from portal.dashboard import services
from portal.dashboard.periods import Period
from portal.dialogues import services as dialogue_services
from portal.satisfaction.labels import LEVEL
from portal.satisfaction.models import Level
from portal.timeutil import local_today, local_zone

PERCENT_FORMAT = "0.0%"
DECIMAL_FORMAT = "0.0"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
COLUMN_WIDTH_MIN, COLUMN_WIDTH_MAX = 8, 60

# URL names of the tables of one ward's dashboard, in the page's order.
WARD_TABLES = (
    "satisfaction-summary",
    "monthly-trend",
    "by-procedure",
    "by-field",
    "by-officer",
    "lowest-rated",
    "dissatisfied-reasons",
    "feedback-summary",
    "feedback-by-category",
    "overdue",
    "dialogues",
)
CITY_TABLES = ("ward-comparison", "monthly-trend")
QUARTERLY_REPORT = "quarterly-report"
OFFICER_REPORT = "officer-report"
# Reports of a ward, with the kind of period each covers when none is asked for.
REPORTS = {QUARTERLY_REPORT: "quarter", OFFICER_REPORT: "month"}


@dataclass
class Table:
    """One table of the dashboard: `sheet` is its short name (an XLSX sheet), `title` its
    caption; `percent` and `decimal` hold the indexes of the columns of shares and means."""

    name: str
    sheet: str
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    percent: frozenset[int] = frozenset()
    decimal: frozenset[int] = frozenset()


def share_of(label: str) -> str:
    """The header of a column of shares beside the column of counts `label`."""
    return _("%(figure)s (share)", figure=label)


def level_header() -> list[str]:
    """A count and a share column for each level, in the levels' order."""
    header: list[str] = []
    for level in Level:
        label = str(LEVEL[level])
        header += [label, share_of(label)]
    return header


def level_cells(f: services.Figures) -> list:
    """The count and the share of each level (see level_header)."""
    cells: list = []
    for level in Level:
        cells += [getattr(f, level.value), f.level_share(level)]
    return cells


def _local(moment: datetime | None) -> datetime | None:
    """An aware UTC datetime as a naive Hà Nội wall-clock time (spreadsheets know no zones)."""
    if moment is None:
        return None
    return moment.astimezone(local_zone()).replace(tzinfo=None, microsecond=0)


# ---------------------------------------------------------------- satisfaction


def _figure_header(first: str) -> tuple[list[str], frozenset[int], frozenset[int]]:
    """The header of a table of Figures (as the page's), with a count and a share column for
    each level and each timeliness, and the columns holding shares and means."""
    header = [first, _("Dossiers returned"), _("Ratings"), _("Response rate")]
    header.append(_("Satisfaction rate"))
    for label in [str(LEVEL[level]) for level in Level] + [_("Early"), _("On time"), _("Late")]:
        header += [label, share_of(label)]
    header.append(_("Average score (out of 6)"))
    percent = frozenset({3, 4, *range(6, 6 + 2 * (len(Level) + 3), 2)})
    return header, percent, frozenset({len(header) - 1})


def _figure_cells(f: services.Figures) -> list:
    cells = [f.returned, f.ratings, f.response_rate, f.satisfaction_rate, *level_cells(f)]
    cells += [f.early, f.early_share, f.on_time, f.on_time_share, f.late, f.late_share]
    cells.append(f.average_score)
    return cells


def satisfaction_summary_table(summary: services.SatisfactionSummary) -> Table:
    """The period's totals and the previous period's, a row each."""
    header, percent, decimal = _figure_header(_("Period"))
    return Table(
        "satisfaction-summary",
        _("Satisfaction"),
        _(
            "Satisfaction, %(period)s beside %(previous)s",
            period=summary.period.label,
            previous=summary.previous_period.label,
        ),
        header,
        [
            [summary.period.label, *_figure_cells(summary.totals)],
            [summary.previous_period.label, *_figure_cells(summary.previous)],
        ],
        percent,
        decimal,
    )


def by_procedure_table(summary: services.SatisfactionSummary, locale: str) -> Table:
    header, percent, decimal = _figure_header(_("Procedure"))
    return Table(
        "by-procedure",
        _("By procedure"),
        _("Satisfaction by procedure, %(period)s", period=summary.period.label),
        header,
        [[row.name(locale), *_figure_cells(row.figures)] for row in summary.by_procedure],
        percent,
        decimal,
    )


def by_field_table(summary: services.SatisfactionSummary, locale: str) -> Table:
    header, percent, decimal = _figure_header(_("Field"))
    return Table(
        "by-field",
        _("By field"),
        _("Satisfaction by field of procedures, %(period)s", period=summary.period.label),
        header,
        [
            [row.name(locale) or _("No field"), *_figure_cells(row.figures)]
            for row in summary.by_field
        ],
        percent,
        decimal,
    )


def trend_table(rows: list[services.MonthRow], title: str) -> Table:
    header, percent, decimal = _figure_header(_("Month"))
    return Table(
        "monthly-trend",
        _("By month"),
        title,
        header,
        [[row.period.label, *_figure_cells(row.figures)] for row in rows],
        percent,
        decimal,
    )


def by_officer_table(summary: services.SatisfactionSummary) -> Table:
    header, percent, decimal = _figure_header(_("Officer"))
    return Table(
        "by-officer",
        _("By officer"),
        _("Satisfaction by receiving officer, %(period)s", period=summary.period.label),
        header,
        [[row.full_name, *_figure_cells(row.figures)] for row in summary.by_officer],
        percent,
        decimal,
    )


def lowest_rated_table(summary: services.SatisfactionSummary, locale: str) -> Table:
    return Table(
        "lowest-rated",
        _("Lowest-rated procedures"),
        _("Lowest-rated procedures, %(period)s", period=summary.period.label),
        [_("Procedure"), _("Satisfaction rate"), _("Ratings")],
        [
            [row.name(locale), row.figures.satisfaction_rate, row.figures.ratings]
            for row in summary.lowest
        ],
        frozenset({1}),
    )


def reasons_table(summary: services.SatisfactionSummary, locale: str) -> Table:
    return Table(
        "dissatisfied-reasons",
        _("Latest dissatisfied reasons"),
        _("Latest dissatisfied reasons, %(period)s", period=summary.period.label),
        [_("Rated on"), _("Procedure"), _("Reason"), _("Case")],
        [
            [
                _local(r.created_at),
                r.procedure_name(locale),
                r.reason,
                format_code(r.feedback_code) if r.feedback_code else None,
            ]
            for r in summary.reasons
        ],
    )


# ---------------------------------------------------------------- feedback


def feedback_by_category_table(summary: services.FeedbackSummary, locale: str) -> Table:
    return Table(
        "feedback-by-category",
        _("By category"),
        _("Feedback by category, %(period)s", period=summary.period.label),
        [
            _("Category"),
            _("Feedback received"),
            _("Answered"),
            _("Answered on time"),
            share_of(_("Answered on time")),
            _("Average working days to answer"),
        ],
        [
            [
                row.name(locale),
                row.figures.received,
                row.figures.answered,
                row.figures.answered_on_time,
                row.figures.on_time_share,
                row.figures.average_working_days,
            ]
            for row in summary.by_category
        ],
        frozenset({4}),
        frozenset({5}),
    )


def feedback_summary_table(summary: services.FeedbackSummary) -> Table:
    """The period's feedback totals and the previous period's, a row each."""
    header = [
        _("Period"),
        _("Feedback received"),
        _("Answered"),
        _("Answered on time"),
        share_of(_("Answered on time")),
        _("Average working days to answer"),
    ]

    def cells(label: str, f: services.FeedbackFigures) -> list:
        return [label, f.received, f.answered, f.answered_on_time, f.on_time_share]

    return Table(
        "feedback-summary",
        _("Feedback"),
        _(
            "Feedback, %(period)s beside %(previous)s",
            period=summary.period.label,
            previous=summary.previous_period.label,
        ),
        header,
        [
            [*cells(summary.period.label, summary.totals), summary.totals.average_working_days],
            [
                *cells(summary.previous_period.label, summary.previous),
                summary.previous.average_working_days,
            ],
        ],
        frozenset({4}),
        frozenset({5}),
    )


def overdue_table(summary: services.FeedbackSummary, locale: str) -> Table:
    names = {row.category_id: row.name(locale) for row in summary.by_category}
    return Table(
        "overdue",
        _("Overdue now"),
        _("Feedback overdue now, oldest deadline first"),
        [
            _("Code"),
            _("Title"),
            _("Category"),
            _("Received on"),
            _("Answer due"),
            _("Assigned to"),
        ],
        [
            [
                format_code(item.code),
                item.title,
                names.get(item.category_id),
                _local(item.received_at),
                item.due_on,
                item.assignee_name,
            ]
            for item in summary.overdue
        ],
    )


# ---------------------------------------------------------------- dialogues


def dialogues_table(
    period: Period, current: services.DialogueFigures, previous: services.DialogueFigures
) -> Table:
    """The dialogue figures of the period and of the previous one, a row each."""
    notice = _("Notice given at least %(days)d days ahead", days=dialogue_services.NOTICE_DAYS)
    results = _("Results published within %(days)d days", days=dialogue_services.RESULTS_DAYS)
    header = [
        _("Period"),
        _("Conferences held"),
        _("Conferences held in the calendar year"),
        _("At least one conference a year"),
        notice,
        share_of(notice),
        results,
        share_of(results),
        _("Attendance"),
        _("Capacity"),
        _("Attendance against capacity"),
        _("Questions asked"),
        _("Questions answered"),
        share_of(_("Questions answered")),
        _("Reception slots published"),
        _("Reception slots booked"),
        share_of(_("Reception slots booked")),
        _("Reception slots used"),
        share_of(_("Reception slots used")),
    ]

    def cells(label: str, d: services.DialogueFigures) -> list:
        return [
            label,
            d.held,
            d.year_held,
            _("Met") if d.yearly_minimum_met else _("Not met"),
            d.notice_on_time,
            d.notice_share,
            d.results_on_time,
            d.results_share,
            d.attendance,
            d.capacity,
            d.attendance_share,
            d.questions,
            d.answered,
            d.answered_share,
            d.slots,
            d.slots_booked,
            d.booked_share,
            d.slots_used,
            d.used_share,
        ]

    return Table(
        "dialogues",
        _("Dialogues"),
        _(
            "Dialogues, %(period)s beside %(previous)s",
            period=period.label,
            previous=period.previous().label,
        ),
        header,
        [cells(period.label, current), cells(period.previous().label, previous)],
        frozenset({5, 7, 10, 13, 16, 18}),
    )


# ---------------------------------------------------------------- the city


def ward_comparison_table(rows: list[services.WardRow], period: Period) -> Table:
    header, percent, decimal = _figure_header(_("Ward"))
    return Table(
        "ward-comparison",
        _("Satisfaction by ward"),
        _("Satisfaction of every served ward, %(period)s", period=period.label),
        header,
        [[row.name, *_figure_cells(row.figures)] for row in rows],
        percent,
        decimal,
    )


# ---------------------------------------------------------------- building the tables


def ward_tables(
    ward_id: int, period: Period, locale: str, today: date | None = None
) -> dict[str, Table]:
    """Every table of a ward's dashboard for a period, by URL name."""
    satisfaction = services.satisfaction_summary(ward_id, period)
    feedback = services.feedback_summary(ward_id, period, today or local_today())
    trend = satisfaction.trend
    dialogues = dialogues_table(
        period,
        services.dialogue_summary(ward_id, period),
        services.dialogue_summary(ward_id, period.previous()),
    )
    tables = (
        satisfaction_summary_table(satisfaction),
        trend_table(trend, _("Satisfaction by month, %(period)s", period=_span(trend))),
        by_procedure_table(satisfaction, locale),
        by_field_table(satisfaction, locale),
        by_officer_table(satisfaction),
        lowest_rated_table(satisfaction, locale),
        reasons_table(satisfaction, locale),
        feedback_summary_table(feedback),
        feedback_by_category_table(feedback, locale),
        overdue_table(feedback, locale),
        dialogues,
    )
    return {table.name: table for table in tables}


def _span(trend: list[services.MonthRow]) -> str:
    """The months of a trend, "12/2025–11/2026"."""
    return f"{trend[0].period.label}–{trend[-1].period.label}"


def city_tables(period: Period) -> dict[str, Table]:
    """The administrator's city-wide tables, by URL name."""
    trend = services.monthly_trend(None, period)
    tables = (
        ward_comparison_table(services.ward_comparison(period), period),
        trend_table(
            trend, _("Satisfaction of every served ward by month, %(period)s", period=_span(trend))
        ),
    )
    return {table.name: table for table in tables}


def quarterly_ward_report(ward_id: int, period: Period, locale: str = "vi") -> list[Table]:
    """A ward's satisfaction in the layout of the quarterly satisfaction report: per
    procedure, the number and the share of each level (Rất hài lòng, Hài lòng, Không hài
    lòng) and the number of ratings, then the ward's total (read from the rollups)."""
    header = [_("No."), _("Procedure"), *level_header(), _("Ratings")]
    percent = frozenset(range(3, 3 + 2 * len(Level), 2))

    def cells(f: services.Figures) -> list:
        return [*level_cells(f), f.ratings]

    rows = [
        [number, row.name(locale), *cells(row.figures)]
        for number, row in enumerate(services.by_procedure(ward_id, period), start=1)
    ]
    rows.append([None, _("Total"), *cells(services.satisfaction_totals(ward_id, period))])
    title = _("Satisfaction with administrative procedures, %(period)s", period=period.label)
    return [Table(QUARTERLY_REPORT, _("Satisfaction report"), title, header, rows, percent)]


def report(name: str, ward_id: int, period: Period, locale: str) -> list[Table]:
    """The tables of one of the REPORTS."""
    build = {QUARTERLY_REPORT: quarterly_ward_report, OFFICER_REPORT: officer_report}[name]
    return build(ward_id, period, locale)


def officer_report(ward_id: int, period: Period, locale: str = "vi") -> list[Table]:
    """The report per receiving officer for the evaluation of officials (monthly or
    quarterly): for each officer, the dossiers returned and their timeliness, the times
    applicants had to come back, the ratings by level, the satisfaction rate and the mean
    score; then the same per officer and procedure (read from the rollups); then the ratings
    per officer who handed out the slip."""
    header = [_("No."), _("Officer"), _("Dossiers returned")]
    for label in (_("Early"), _("On time"), _("Late")):
        header += [label, share_of(label)]
    header += [_("Times applicants came back"), _("Per dossier"), _("Ratings"), _("Response rate")]
    header += [*level_header(), _("Satisfaction rate"), _("Average score (out of 6)")]
    # Shares: 4, 6, 8 (timeliness), 12 (response), 14, 16, 18 (levels), 19 (satisfaction).
    percent = frozenset({4, 6, 8, 12, 14, 16, 18, 19})
    decimal = frozenset({10, 20})

    def cells(f: services.Figures) -> list:
        values = [f.returned, f.early, f.early_share, f.on_time, f.on_time_share]
        values += [f.late, f.late_share, f.contacts, f.contacts_per_dossier]
        values += [f.ratings, f.response_rate, *level_cells(f)]
        return [*values, f.satisfaction_rate, f.average_score]

    officers = services.by_officer(ward_id, period)
    summary = Table(
        OFFICER_REPORT,
        _("By officer"),
        _("Report per officer, %(period)s", period=period.label),
        header,
        [[n, row.full_name, *cells(row.figures)] for n, row in enumerate(officers, start=1)],
        percent,
        decimal,
    )
    total = sum((row.figures for row in officers), services.Figures())
    summary.rows.append([None, _("Total"), *cells(total)])
    details = Table(
        "officer-details",
        _("By officer and procedure"),
        _("Report per officer and procedure, %(period)s", period=period.label),
        [header[1], _("Procedure"), *header[2:]],
        [
            [row.full_name, row.procedure.name(locale), *cells(row.procedure.figures)]
            for row in services.by_officer_and_procedure(ward_id, period)
        ],
        percent,  # Officer and Procedure take the places of No. and Officer
        decimal,
    )
    return [summary, details, issuing_officer_table(ward_id, period)]


def issuing_officer_table(ward_id: int, period: Period) -> Table:
    """The ratings per officer who handed out the slip (the one-time link), whoever
    received the dossier."""
    header = [_("No."), _("Officer"), _("Ratings"), *level_header()]
    header += [_("Satisfaction rate"), _("Average score (out of 6)")]
    rows = []
    for number, row in enumerate(services.by_issuing_officer(ward_id, period), start=1):
        f = row.figures
        cells = [number, row.full_name, f.ratings, *level_cells(f)]
        rows.append([*cells, f.satisfaction_rate, f.average_score])
    return Table(
        "officer-slips",
        _("By officer who gave the slip"),
        _("Ratings per officer who gave the slip, %(period)s", period=period.label),
        header,
        rows,
        frozenset({4, 6, 8, 9}),
        frozenset({10}),
    )


# ---------------------------------------------------------------- writing the files


def safe_text(value: str) -> str:
    """Text that a spreadsheet will not read as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return safe_text(str(value))


def to_csv(table: Table) -> bytes:
    """One table as CSV: UTF-8 with a byte order mark (so that Excel reads Vietnamese), the
    header row first, shares as decimals with a dot."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_text(str(cell)) for cell in table.header])
    for row in table.rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sheet_name(name: str, taken: Iterable[str] = ()) -> str:
    """A valid sheet name: no []:*?/\\, no leading or trailing apostrophe, at most 31
    characters, and different (ignoring case) from the names in `taken`."""
    base = SHEET_NAME_FORBIDDEN.sub(" ", name).strip().strip("'").strip() or "Sheet"
    taken = {t.lower() for t in taken}
    candidate, number = base[:SHEET_NAME_MAX], 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
    return candidate


def _display_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, float):
        return 8
    if isinstance(value, datetime):
        return 16
    return max((len(line) for line in str(value).splitlines()), default=0)


def to_xlsx(tables: Iterable[Table]) -> bytes:
    """Tables as an XLSX workbook, one sheet each: a bold header row (frozen), shares with a
    percentage format, means with one decimal, dates as dates, and fitted column widths."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(sheet_name(table.sheet, workbook.sheetnames))
        sheet.append([safe_text(str(cell)) for cell in table.header])
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            sheet.append([safe_text(v) if isinstance(v, str) else v for v in row])
        widths = [_display_width(cell) for cell in table.header]
        for row_cells in sheet.iter_rows(min_row=2):
            for cell in row_cells:
                column = cell.column - 1
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
                if column in table.percent:
                    cell.number_format = PERCENT_FORMAT
                elif column in table.decimal:
                    cell.number_format = DECIMAL_FORMAT
                elif isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
                widths[column] = max(widths[column], _display_width(cell.value))
        for index, width in enumerate(widths, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = min(
                max(width + 2, COLUMN_WIDTH_MIN), COLUMN_WIDTH_MAX
            )
        sheet.freeze_panes = "A2"
    if not workbook.sheetnames:
        workbook.create_sheet(_("No data"))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
