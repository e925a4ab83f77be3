"""The figures of the public transparency page (minh bạch) of a ward or of the whole city
over a month or a quarter, read through the dashboard's services (monthly rollups, so the
cost does not grow with the number of ratings): dossiers returned and their timeliness,
ratings and the satisfaction rate by field of procedures, feedback received and answered on
time, dialogue conferences held and their results published on time. Aggregates only: no
person, no officer is named. A satisfaction rate (and the shares of each level) is withheld
for a group with fewer than PUBLIC_MIN_RATINGS ratings: too few to mean anything, and a
small group's ratings could point at the people who gave them.

The same Report gives the page (tables.py) and the open data files (opendata.py)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.dashboard import services as dashboard
from portal.dashboard.periods import Period
from portal.wards.models import Ward
from portal.wards.services import enabled_wards

KINDS = ("month", "quarter")  # the periods the public page shows


@dataclass
class PublicFigures(dashboard.Figures):
    """Satisfaction Figures whose rate and level shares are None below `minimum` ratings."""

    minimum: int = 0

    @classmethod
    def of(cls, figures: dashboard.Figures, minimum: int) -> PublicFigures:
        return cls(**{name: getattr(figures, name) for name in dashboard.FIGURES}, minimum=minimum)

    @property
    def withheld(self) -> bool:
        """Too few ratings to give a rate."""
        return self.ratings < self.minimum

    @property
    def satisfaction_rate(self) -> float | None:
        return None if self.withheld else super().satisfaction_rate

    def level_share(self, level) -> float | None:
        return None if self.withheld else super().level_share(level)


@dataclass
class FieldFigures:
    """A field of procedures (lĩnh vực; "" for procedures without) and its figures."""

    field_vi: str
    field_en: str
    figures: PublicFigures

    def name(self, locale: str) -> str:
        return self.field_en if locale == "en" and self.field_en else self.field_vi


@dataclass
class WardFigures:
    """A ward's satisfaction totals, on the city's page."""

    name: str
    slug: str
    figures: PublicFigures


@dataclass
class Report:
    """What the transparency page shows for `period`: of one ward, or (ward None) of every
    served ward added up, `wards` listing the wards added up (with their own totals)."""

    ward: Ward | None
    period: Period
    minimum: int
    satisfaction: PublicFigures
    fields: list[FieldFigures]
    feedback: dashboard.FeedbackFigures
    dialogues: dashboard.DialogueFigures
    wards: list[WardFigures]


def _fields(rows: list[dashboard.ProcedureRow], minimum: int) -> list[FieldFigures]:
    return [
        FieldFigures(row.field_vi, row.field_en, PublicFigures.of(row.figures, minimum))
        for row in dashboard.by_field(rows)
    ]


def ward_report(ward: Ward, period: Period, minimum: int) -> Report:
    """A served ward's figures over `period` (seven queries whatever the number of ratings,
    feedback and conferences)."""
    totals = dashboard.satisfaction_totals(ward.id, period)
    procedures = dashboard.by_procedure(ward.id, period)
    return Report(
        ward=ward,
        period=period,
        minimum=minimum,
        satisfaction=PublicFigures.of(totals, minimum),
        fields=_fields(procedures, minimum),
        feedback=dashboard.feedback_summary(ward.id, period).totals,
        dialogues=dashboard.dialogue_summary(ward.id, period),
        wards=[WardFigures(ward.name, ward.slug, PublicFigures.of(totals, minimum))],
    )


def city_report(period: Period, minimum: int) -> Report:
    """Every served ward's figures over `period`, added up: feedback and conferences from
    the same per-ward queries as the administrator's comparison of wards (one GROUP BY by
    ward each), procedures a query per ward, none per rating. The city's dialogue figures
    are the conferences' own (held, results published on time: what the page shows)."""
    comparison = dashboard.ward_comparison(period)
    totals = sum((row.figures for row in comparison), dashboard.Figures())
    procedures: list[dashboard.ProcedureRow] = []
    for ward in enabled_wards():
        procedures += dashboard.by_procedure(ward.id, period)
    served = [row.ward_id for row in comparison]
    feedback = dashboard.feedback_by_ward(period)
    conferences = dashboard.conferences_by_ward(period)
    dialogues = dashboard.DialogueFigures(year=period.start.year)
    for ward_id in served:
        dialogues = dialogues + conferences.get(ward_id, dashboard.DialogueFigures(year=0))
    return Report(
        ward=None,
        period=period,
        minimum=minimum,
        satisfaction=PublicFigures.of(totals, minimum),
        fields=_fields(procedures, minimum),
        feedback=dashboard.feedback_total([feedback[w] for w in served if w in feedback]),
        dialogues=dialogues,
        wards=[
            WardFigures(row.name, row.slug, PublicFigures.of(row.figures, minimum))
            for row in comparison
        ],
    )
