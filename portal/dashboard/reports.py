"""The ward's reports, downloaded beside the dashboard's tables and made of the same columns
(tables.py): the quarterly satisfaction report and the report per officer for the
evaluation of officials. Both are read from the ward's SatisfactionSummary (the rollups)."""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.dashboard import services
from portal.dashboard.periods import Period
from portal.dashboard.tables import (
    CONTACTS,
    LEVELS,
    OFFICER,
    PER_DOSSIER,
    PROCEDURE,
    RATINGS,
    RESPONSE_RATE,
    RETURNED,
    SATISFACTION_RATE,
    SCORE,
    TIMELINESS_SHARES,
    Line,
    name_in_locale,
    numbered,
)
from portal.sheets.columns import ChartSpec, Column, Format, Table, TableSpec

QUARTERLY_REPORT = "quarterly-report"
OFFICER_REPORT = "officer-report"

NUMBER = Column(_l("No."), attrgetter("number"), Format.INTEGER)
# The figures of an officer's work: dossiers returned and their timeliness, the times
# applicants had to come back, the ratings by level, the satisfaction rate and the mean score.
OFFICER_FIGURES = (
    RETURNED,
    *TIMELINESS_SHARES,
    CONTACTS,
    PER_DOSSIER,
    RATINGS,
    RESPONSE_RATE,
    *LEVELS,
    SATISFACTION_RATE,
    SCORE,
)

# The procedure of a line per officer and procedure.
OFFICERS_PROCEDURE = Column(PROCEDURE.label, lambda line: name_in_locale(line.item.procedure))


def _procedures(summary: services.SatisfactionSummary) -> list[Line]:
    """Per procedure, then the ward's total."""
    rows = numbered(summary.by_procedure, name_in_locale)
    return [*rows, Line(_("Total"), summary.totals)]


def _officers(summary: services.SatisfactionSummary) -> list[Line]:
    """Per receiving officer, then their total."""
    rows = numbered(summary.by_officer, attrgetter("full_name"))
    return [*rows, Line(_("Total"), sum((row.figures for row in rows), services.Figures()))]


def _officers_and_procedures(summary: services.SatisfactionSummary) -> list[Line]:
    return [
        Line(row.full_name, row.procedure.figures, item=row)
        for row in summary.by_officer_and_procedure
    ]


@dataclass(frozen=True)
class Report:
    """`kind`: the period the report covers when none is asked for; its tables, a sheet
    each."""

    kind: str
    tables: tuple[TableSpec, ...]


REPORTS = {
    # Per procedure, the number and the share of each level (Rất hài lòng, Hài lòng, Không
    # hài lòng) and the number of ratings, then the ward's total.
    QUARTERLY_REPORT: Report(
        "quarter",
        (
            TableSpec(
                QUARTERLY_REPORT,
                # Translators: the name of a sheet of an XLSX file: at most 31 characters.
                _l("Satisfaction report"),
                (NUMBER, PROCEDURE, *LEVELS, RATINGS),
                _procedures,
                chart=ChartSpec(_l("Ratings by level"), LEVELS, skip_last=True),
            ),
        ),
    ),
    # Per receiving officer (monthly or quarterly); then per officer and procedure; then the
    # ratings per officer who handed out the slip (the one-time link), whoever received the
    # dossier.
    OFFICER_REPORT: Report(
        "month",
        (
            TableSpec(
                OFFICER_REPORT,
                # Translators: the name of a sheet of an XLSX file (and a heading): at most
                # 31 characters.
                _l("By officer"),
                (NUMBER, OFFICER, *OFFICER_FIGURES),
                _officers,
                chart=ChartSpec(_l("Ratings by level"), LEVELS, skip_last=True),
            ),
            TableSpec(
                "officer-details",
                # Translators: the name of a sheet of an XLSX file: at most 31 characters.
                _l("By officer and procedure"),
                (OFFICER, OFFICERS_PROCEDURE, *OFFICER_FIGURES),
                _officers_and_procedures,
            ),
            TableSpec(
                "officer-slips",
                # Translators: the name of a sheet of an XLSX file: at most 31 characters.
                _l("By officer who gave the slip"),
                (NUMBER, OFFICER, RATINGS, *LEVELS, SATISFACTION_RATE, SCORE),
                lambda summary: numbered(summary.by_issuing_officer, attrgetter("full_name")),
            ),
        ),
    ),
}


def report_tables(name: str, summary: services.SatisfactionSummary) -> list[Table]:
    """The tables of one of the REPORTS built from a ward's summary: what the XLSX and CSV
    files and the official PDF document (pdf.py) are both written from."""
    return [spec.build(summary) for spec in REPORTS[name].tables]


def report(name: str, ward_id: int, period: Period) -> list[Table]:
    """The tables of one of the REPORTS for a ward and a period."""
    return report_tables(name, services.satisfaction_summary(ward_id, period))


@dataclass(frozen=True)
class OfficerSheet:
    """One officer's part of the officer report, as the printable page shows it: the line of
    the first table (None for an officer who only handed out slips), their lines per
    procedure and their line of the slips they handed out (None if none)."""

    name: str
    figures: Line | None
    procedures: list[Line]
    slips: Line | None


def officer_sheets(tables: list[Table]) -> list[OfficerSheet]:
    """The officer report's tables (report_tables(OFFICER_REPORT, ...)) regrouped per
    officer, in the order of the first table, then those who only handed out slips."""
    summary, details, slips = tables
    per_procedure: dict[int, list[Line]] = {}
    for line in details.items:
        per_procedure.setdefault(line.item.officer_id, []).append(line)
    slip_lines = {line.item.officer_id: line for line in slips.items}
    received = [line for line in summary.items if line.item is not None]  # not the total
    sheets = [
        OfficerSheet(
            line.name,
            line,
            per_procedure.get(line.item.officer_id, []),
            slip_lines.get(line.item.officer_id),
        )
        for line in received
    ]
    seen = {line.item.officer_id for line in received}
    sheets += [
        OfficerSheet(line.name, None, [], line)
        for officer_id, line in slip_lines.items()
        if officer_id not in seen
    ]
    return sheets


# The columns of an officer's lines per procedure on the printable page: narrow enough for
# a phone and a portrait A4 page (the XLSX file has them all).
PROCEDURE_LINE = (OFFICERS_PROCEDURE, RETURNED, RATINGS, SATISFACTION_RATE)
