"""The data of the dashboard's charts, as plain JSON for static/js/dashboard-charts.js (which
draws them with the vendored Chart.js). Every chart has a table of the same figures beside
it on the page; the chart only adds a picture, so labels are translated here and numbers
are left raw (the script formats them in the page's language)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from portal.dashboard import services
from portal.satisfaction.labels import LEVEL
from portal.satisfaction.models import Level


def trend(rows: list[services.MonthRow]) -> dict:
    """Ratings per month (bars) and the satisfaction rate (a line, 0–1; null without
    ratings)."""
    return {
        "kind": "trend",
        "labels": [row.period.label for row in rows],
        "series": [
            {"label": _("Ratings"), "values": [row.figures.ratings for row in rows]},
            {
                "label": _("Satisfaction rate"),
                "values": [row.figures.satisfaction_rate for row in rows],
            },
        ],
    }


def levels(rows: list, locale: str, name: Callable[[Any], str] | None = None) -> dict:
    """The number of ratings of each level per procedure (or per field: `rows` of anything
    with figures, named by `name(row)` or else `row.name(locale)`) as stacked bars, rated
    ones only."""
    rated = [row for row in rows if row.figures.ratings]
    return {
        "kind": "levels",
        "labels": [name(row) if name else row.name(locale) for row in rated],
        "series": [
            {
                "label": str(LEVEL[level]),
                "level": level.value,
                "values": [getattr(row.figures, level.value) for row in rated],
            }
            for level in Level
        ],
    }


def wards(rows: list[services.WardRow]) -> dict:
    """The satisfaction rate of each ward (bars, 0–1; null without ratings)."""
    return {
        "kind": "wards",
        "labels": [row.name for row in rows],
        "series": [
            {
                "label": _("Satisfaction rate"),
                "values": [row.figures.satisfaction_rate for row in rows],
            }
        ],
    }
