"""The national service-quality index of Decision 766/QĐ-TTg (2022), in the portal's terms:
100 points in groups, of which the portal computes "Timeliness" and "Satisfaction" from its
own monthly totals (services.Figures, read from the rollups: the cost does not grow with the
number of ratings) and names the others with the reason it cannot compute them.

GROUPS is the one table of the groups and their weights. The weights and the credit of each
timeliness outcome come from secondary sources (check): change them here, and only here
(docs/satisfaction-index.md says how each figure is computed)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.satisfaction import indicators
from portal.satisfaction.models import Timeliness

TOTAL = 100  # the index's full scale


@dataclass(frozen=True)
class IndexGroup:
    """A group of the index: its key, its name, its weight (points out of 100), and for a
    group the portal cannot compute, why not (None: computed, see IndexPanel)."""

    key: str
    name: object  # a lazy string
    weight: int
    not_computed: object = None  # a lazy string


# Decision 766/QĐ-TTg (2022), groups and weights (check: the exact 2025 groups and weights).
GROUPS: tuple[IndexGroup, ...] = (
    IndexGroup(
        "publicity",
        _l("Publicity and transparency"),
        18,
        _l(
            "Measured on the National Public Service Portal (procedures published and updated "
            "on time, dossiers synchronised): the portal does not publish the procedures."
        ),
    ),
    IndexGroup("timeliness", _l("Timeliness of settling dossiers"), 20),
    IndexGroup(
        "online_services",
        _l("Online public services"),
        12,
        _l(
            "Counts dossiers submitted online through the public service portals: the ward's "
            "portal takes no online submissions."
        ),
    ),
    IndexGroup(
        "online_payment",
        _l("Online payment"),
        10,
        _l("Counts fees paid online: the portal handles no payments."),
    ),
    IndexGroup("satisfaction", _l("Satisfaction"), 18),
    IndexGroup(
        "digitisation",
        _l("Digitisation of dossiers and results"),
        22,
        _l(
            "Counts dossiers and results digitised in the one-stop software: the portal "
            "receives no scanned papers."
        ),
    ),
)
BY_KEY = {group.key: group for group in GROUPS}

# The share of the timeliness group a returned dossier earns, by outcome (check): early and
# on time count in full, late not at all.
TIMELINESS_CREDIT = {Timeliness.EARLY: 1.0, Timeliness.ON_TIME: 1.0, Timeliness.LATE: 0.0}


@dataclass(frozen=True)
class GroupResult:
    """A computed group: its points (None without data), its weight and how they were found."""

    group: IndexGroup
    points: float | None
    how: str

    @property
    def name(self) -> str:
        return str(self.group.name)

    @property
    def weight(self) -> int:
        return self.group.weight

    @property
    def share(self) -> float | None:
        return None if self.points is None else self.points / self.group.weight


def timeliness(figures) -> GroupResult:
    """Timeliness: the credited share of the dossiers returned in the period × its weight."""
    group = BY_KEY["timeliness"]
    counts = {t: getattr(figures, t.value) for t in Timeliness}
    credited = sum(TIMELINESS_CREDIT[t] * n for t, n in counts.items())
    points = group.weight * credited / figures.returned if figures.returned else None
    how = _(
        "Dossiers returned early or on time over all dossiers returned, × %(weight)d: "
        "%(early)d early, %(on_time)d on time and %(late)d late of %(returned)d returned.",
        weight=group.weight,
        early=counts[Timeliness.EARLY],
        on_time=counts[Timeliness.ON_TIME],
        late=counts[Timeliness.LATE],
        returned=figures.returned,
    )
    return GroupResult(group, points, how)


def satisfaction(figures) -> GroupResult:
    """Satisfaction: the points of the per-dossier indicators of Circular 01/2018 over the
    points they could give, scaled to the group's weight, as the 18-point scale of the
    Circular is scaled to the group's 18 points."""
    group = BY_KEY["satisfaction"]
    points = (
        group.weight * figures.score_sum / figures.score_max_sum if figures.score_max_sum else None
    )
    how = _(
        "Points of indicators 1, 2, 3, 4 and 7 of Circular 01/2018/TT-VPCP over the points they "
        "could give (%(points)d of %(max)d, %(ratings)d ratings), × %(weight)d. Indicators 5, 6, "
        "8 and 9 are assessed for the agency as a whole and are left out.",
        points=figures.score_sum,
        max=figures.score_max_sum,
        ratings=figures.scored,
        weight=group.weight,
    )
    return GroupResult(group, points, how)


@dataclass(frozen=True)
class IndicatorRow:
    """A per-dossier indicator of Circular 01/2018 over the period: its mean points (out
    of 2) over the ratings that scored it."""

    indicator: indicators.Indicator
    scored: int
    points: int

    @property
    def name(self) -> str:
        return _("%(number)d. %(name)s", number=self.indicator.number, name=self.indicator.name)

    @property
    def average(self) -> float | None:
        return self.points / self.scored if self.scored else None


def indicator_rows(figures) -> list[IndicatorRow]:
    """Each per-dossier indicator's mean points over the period (indicator 2 over the
    ratings that scored it, the others over every scored rating)."""
    rows = []
    for indicator in indicators.PER_DOSSIER:
        scored = (
            figures.scored_agency_time
            if indicator.column == "points_agency_time"
            else figures.scored
        )
        rows.append(IndicatorRow(indicator, scored, getattr(figures, indicator.column)))
    return rows


@dataclass(frozen=True)
class NotComputed:
    """An index group, or a Circular indicator, the portal cannot compute, and why."""

    name: str
    weight: int  # the points it carries...
    scale: str  # ...on this scale
    reason: str


def not_computed() -> list[NotComputed]:
    """The index groups the portal cannot compute, then the Circular's agency-level
    indicators left out of the satisfaction group, each with the reason."""
    index_scale = _("of the index's %(total)d points", total=TOTAL)
    groups = [
        NotComputed(str(g.name), g.weight, index_scale, str(g.not_computed))
        for g in GROUPS
        if g.not_computed
    ]
    circular_scale = _("of the Circular's %(total)d points", total=indicators.FULL_SCALE)
    agency = [
        NotComputed(
            _("Indicator %(number)d. %(name)s", number=i.number, name=i.name),
            indicators.POINTS_MAX,
            circular_scale,
            str(i.not_per_dossier),
        )
        for i in indicators.INDICATORS
        if i.not_per_dossier
    ]
    return groups + agency


@dataclass(frozen=True)
class IndexPanel:
    """The panel of a ward's period: the computed groups, the per-dossier indicators, and
    what cannot be computed, all from one Figures."""

    figures: object  # services.Figures

    @property
    def groups(self) -> list[GroupResult]:
        return [timeliness(self.figures), satisfaction(self.figures)]

    @property
    def indicators(self) -> list[IndicatorRow]:
        return indicator_rows(self.figures)

    @property
    def missing(self) -> list[NotComputed]:
        return not_computed()

    @property
    def computed_weight(self) -> int:
        return sum(result.weight for result in self.groups)
