"""The transparency page's figures as open data: a JSON document and a CSV file per ward (or
the city) and period, at stable addresses, language-independent (the keys and the CSV
header never change with the page's language). Their schema is docs/open-data.md: change
both together, and raise SCHEMA_VERSION when a field changes meaning or goes away."""

from __future__ import annotations

from datetime import timedelta

from portal.dialogues.services import RESULTS_DAYS
from portal.sheets.columns import Column, Format, Table, TableSpec
from portal.transparency.services import PublicFigures, Report

SCHEMA_VERSION = 1

SATISFACTION_KEYS = (
    "returned",
    "early",
    "on_time",
    "late",
    "early_share",
    "on_time_share",
    "late_share",
    "ratings",
    "very_satisfied",
    "satisfied",
    "dissatisfied",
    "satisfaction_rate",
    "rate_withheld",
)
FEEDBACK_KEYS = ("received", "answered", "answered_on_time", "on_time_share")
DIALOGUE_KEYS = ("held", "results_on_time", "results_share")
CSV_HEADER = ("period", "scope", "ward", "section", "field", "indicator", "value")


def _satisfaction(figures: PublicFigures) -> dict:
    values = {key: getattr(figures, key) for key in SATISFACTION_KEYS[:-1]}
    return {**values, "rate_withheld": figures.withheld}


def _pick(figures, keys: tuple[str, ...]) -> dict:
    return {key: getattr(figures, key) for key in keys}


def document(report: Report, licence: str) -> dict:
    """The report as the JSON document of docs/open-data.md."""
    period = report.period
    ward = report.ward
    return {
        "schema_version": SCHEMA_VERSION,
        "licence": licence,
        "scope": "ward" if ward is not None else "city",
        "ward": {"slug": ward.slug, "name": ward.name} if ward is not None else None,
        "wards": [{"slug": row.slug, "name": row.name} for row in report.wards],
        "period": {
            "kind": period.kind,
            "key": period.key,
            "first_day": period.start.isoformat(),
            "last_day": (period.end - timedelta(days=1)).isoformat(),
        },
        "min_ratings": report.minimum,
        "satisfaction": _satisfaction(report.satisfaction),
        "by_field": [
            {"field_vi": row.field_vi, "field_en": row.field_en, **_satisfaction(row.figures)}
            for row in report.fields
        ],
        "feedback": _pick(report.feedback, FEEDBACK_KEYS),
        "dialogues": {**_pick(report.dialogues, DIALOGUE_KEYS), "results_days": RESULTS_DAYS},
    }


def _rows(data: dict) -> list[tuple]:
    """The document's figures in long form: one row per section, field and indicator."""
    common = (data["period"]["key"], data["scope"], data["ward"]["slug"] if data["ward"] else "")
    rows = [
        (*common, "satisfaction", "", key, value) for key, value in data["satisfaction"].items()
    ]
    for row in data["by_field"]:
        rows += [(*common, "by_field", row["field_vi"], key, row[key]) for key in SATISFACTION_KEYS]
    for section in ("feedback", "dialogues"):
        rows += [(*common, section, "", key, value) for key, value in data[section].items()]
    return rows


def _column(index: int, header: str) -> Column:
    return Column(header, lambda row: row[index], Format.TEXT)


CSV_TABLE = TableSpec(
    "open-data",
    "open-data",
    tuple(_column(index, header) for index, header in enumerate(CSV_HEADER)),
    _rows,
)


def table(data: dict) -> Table:
    """The CSV file's table (sheets.files.to_csv writes it)."""
    return CSV_TABLE.build(data)
