"""The figures of the chairman's dashboard. Satisfaction is read from the monthly totals
(SatisfactionWardMonth per ward, SatisfactionRollup per procedure and officer), a few rows
per group, never from every rating; feedback from the
ward's feedback rows of the period. Every share is None when its denominator is 0, so that
the page says "no data" instead of dividing by zero.

Each section is its own function returning a plain dataclass (the period's figures and the
previous period's beside them), so later sections (dialogues, charts, exports) add a
function and a template block without touching these. The summaries of a ward (and the
WardDashboard and CityDashboard that gather them) read each part the first time it is asked
for and keep it: the page and the workbook of every table read each part once, and the
download of one table reads only what that table shows."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import date, datetime, timedelta
from fractions import Fraction
from functools import cache, cached_property

import sqlalchemy as sa

from portal.auth.models import User
from portal.dashboard import national_index, signing
from portal.dashboard.periods import Period, months_after, period_containing
from portal.dialogues import services as dialogue_services
from portal.dialogues.models import (
    Booking,
    BookingStatus,
    DialogueSession,
    Question,
    SessionKind,
    SessionStatus,
)
from portal.extensions import db
from portal.feedback import queries as feedback_queries
from portal.feedback.models import Feedback, FeedbackCategory
from portal.satisfaction.models import (
    COUNTERS,
    Level,
    Procedure,
    SatisfactionRating,
    SatisfactionRollup,
    SatisfactionWardMonth,
)
from portal.timeutil import local_today, local_zone
from portal.wards.models import Ward
from portal.workdays import working_days_between

LOWEST_COUNT = 5  # procedures listed as the lowest rated
REASONS_COUNT = 10  # latest dissatisfied reasons listed

TREND_MONTHS = 12  # months of the trend charts, ending with the period's last month

# The rollup counters the dashboard reads: all of them.
FIGURES = COUNTERS


SCORE_SCALE = 10  # the per-dossier indicators of Circular 01/2018 the portal scores, × 2


def share(part: int | float, whole: int | float) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


# ---------------------------------------------------------------- satisfaction


@dataclass
class Figures:
    """Satisfaction totals of a group (a ward, a procedure, an officer) over a period.

    returned: dossiers returned in the period; early/on_time/late: of those, by timeliness
    against the legal limit; contacts: the times their applicants had to come back or
    supplement them, summed. ratings: ratings given in the period, by level. scored and
    score_sum: the ratings that carry a per-dossier score and the sum of the scores;
    score_max_sum: the points those scores could have reached (averages are per available
    maximum); points_*: each per-dossier indicator of Circular 01/2018 summed
    (portal.satisfaction.indicators), indicator 2 over scored_agency_time ratings.
    A rating counts in the month it is given, a return in the month of the return."""

    returned: int = 0
    early: int = 0
    on_time: int = 0
    late: int = 0
    contacts: int = 0
    ratings: int = 0
    very_satisfied: int = 0
    satisfied: int = 0
    dissatisfied: int = 0
    scored: int = 0
    score_sum: int = 0
    score_max_sum: int = 0
    points_time: int = 0
    points_agency_time: int = 0
    scored_agency_time: int = 0
    points_contacts: int = 0
    points_agencies: int = 0
    points_attitude: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{name: getattr(self, name) + getattr(other, name) for name in FIGURES})

    @property
    def response_rate(self) -> float | None:
        """Ratings over dossiers returned (may exceed 1 when dossiers returned late in the
        previous period are rated in this one)."""
        return share(self.ratings, self.returned)

    @property
    def satisfaction_rate(self) -> float | None:
        """(Very satisfied + satisfied) over all ratings."""
        return share(self.very_satisfied + self.satisfied, self.ratings)

    def level_share(self, level: Level | str) -> float | None:
        """One level's share of the ratings."""
        return share(getattr(self, Level(level).value), self.ratings)

    @property
    def early_share(self) -> float | None:
        return share(self.early, self.returned)

    @property
    def on_time_share(self) -> float | None:
        return share(self.on_time, self.returned)

    @property
    def late_share(self) -> float | None:
        return share(self.late, self.returned)

    @property
    def score_share(self) -> float | None:
        """The per-dossier scores over the points they could have reached."""
        return share(self.score_sum, self.score_max_sum)

    @property
    def average_score(self) -> float | None:
        """The mean per-dossier score out of 10 (indicators 1, 2, 3, 4 and 7, 2 points
        each), taken per available maximum: a rating without indicator 2 counts out of 8."""
        ratio = self.score_share
        return None if ratio is None else SCORE_SCALE * ratio

    @property
    def contacts_per_dossier(self) -> float | None:
        """The mean number of times an applicant had to come back, over dossiers returned."""
        return share(self.contacts, self.returned)


@cache
def _sums(model: type = SatisfactionRollup) -> tuple:
    """The SUM of every counter (built once: SQL expressions are immutable, and building
    them is a good part of a statement's cost)."""
    return tuple(
        sa.func.coalesce(sa.func.sum(getattr(model, name)), 0).label(name) for name in FIGURES
    )


def _figures(row) -> Figures:
    return Figures(**{name: int(getattr(row, name)) for name in FIGURES})


def _in_period(period: Period, model: type = SatisfactionRollup) -> list:
    return [model.month >= period.start, model.month < period.end]


def satisfaction_totals(ward_id: int, period: Period) -> Figures:
    """A ward's satisfaction totals over a period (one aggregate over its rows per month)."""
    month = SatisfactionWardMonth
    row = db.session.execute(
        sa.select(*_sums(month)).where(month.ward_id == ward_id, *_in_period(period, month))
    ).one()
    return _figures(row)


def satisfaction_totals_beside(ward_id: int, period: Period) -> tuple[Figures, Figures]:
    """A ward's satisfaction totals over a period and over the period before it, in one
    aggregate (its rows per month, grouped by whether the month is in the period)."""
    month = SatisfactionWardMonth
    in_period = (month.month >= period.start).label("in_period")
    rows = db.session.execute(
        sa.select(in_period, *_sums(month))
        .where(
            month.ward_id == ward_id,
            month.month >= period.previous().start,
            month.month < period.end,
        )
        .group_by(in_period)
    )
    found = {bool(row.in_period): _figures(row) for row in rows}
    return found.get(True, Figures()), found.get(False, Figures())


@dataclass
class ProcedureRow:
    procedure_id: int
    name_vi: str
    name_en: str
    figures: Figures
    field_vi: str = ""
    field_en: str = ""

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi


@dataclass
class FieldRow:
    """A field of procedures (lĩnh vực: civil status, land...); "" for procedures without."""

    field_vi: str
    field_en: str
    figures: Figures

    def name(self, locale: str) -> str:
        return self.field_en if locale == "en" and self.field_en else self.field_vi


@dataclass
class MonthRow:
    """One month of a trend: its first day and its figures."""

    month: date
    figures: Figures

    @property
    def period(self) -> Period:
        return period_containing(self.month, "month")


@dataclass
class OfficerRow:
    officer_id: int
    full_name: str
    figures: Figures


@dataclass
class DissatisfiedReason:
    """A dissatisfied rating's reason and the feedback case it opened (if any)."""

    rating_id: int
    created_at: object  # aware UTC datetime
    reason: str
    procedure_name_vi: str
    procedure_name_en: str
    feedback_id: int | None
    feedback_code: str | None

    def procedure_name(self, locale: str) -> str:
        if locale == "en" and self.procedure_name_en:
            return self.procedure_name_en
        return self.procedure_name_vi


@dataclass
class SatisfactionSummary:
    """A ward's satisfaction over `period`, with the previous period's totals beside it, the
    figures per procedure, per field and per officer, the lowest-rated procedures, the
    latest dissatisfied reasons and the monthly trend (six queries for all of them, whatever
    the number of ratings), and for the officers' report the figures per officer and
    procedure and per officer who handed out the slip. Each part is read when first asked
    for, then kept."""

    ward_id: int
    period: Period

    @property
    def previous_period(self) -> Period:
        return self.period.previous()

    @cached_property
    def _beside(self) -> tuple[Figures, Figures]:
        return satisfaction_totals_beside(self.ward_id, self.period)

    @property
    def totals(self) -> Figures:
        return self._beside[0]

    @property
    def previous(self) -> Figures:
        return self._beside[1]

    @cached_property
    def by_procedure(self) -> list[ProcedureRow]:
        return by_procedure(self.ward_id, self.period)

    @cached_property
    def by_field(self) -> list[FieldRow]:
        return by_field(self.by_procedure)

    @cached_property
    def by_officer(self) -> list[OfficerRow]:
        return by_officer(self.ward_id, self.period)

    @cached_property
    def by_officer_and_procedure(self) -> list[OfficerProcedureRow]:
        return by_officer_and_procedure(self.ward_id, self.period)

    @cached_property
    def by_issuing_officer(self) -> list[OfficerRow]:
        return by_issuing_officer(self.ward_id, self.period)

    @cached_property
    def lowest(self) -> list[ProcedureRow]:
        return lowest_rated(self.by_procedure)

    @cached_property
    def reasons(self) -> list[DissatisfiedReason]:
        return latest_dissatisfied(self.ward_id, self.period)

    @cached_property
    def trend(self) -> list[MonthRow]:
        return monthly_trend(self.ward_id, self.period)

    @cached_property
    def national_index(self) -> national_index.IndexPanel:
        """The groups of the national index the portal computes, from the period's totals."""
        return national_index.IndexPanel(self.totals)

    @property
    def empty(self) -> bool:
        return not (self.totals.returned or self.totals.ratings)


def by_procedure(ward_id: int, period: Period) -> list[ProcedureRow]:
    """The period's figures per procedure (one GROUP BY over the rollups), by name."""
    names = (Procedure.id, Procedure.name_vi, Procedure.name_en, Procedure.field_vi)
    query = (
        sa.select(*names, Procedure.field_en, *_sums())
        .join(Procedure, Procedure.id == SatisfactionRollup.procedure_id)
        .where(SatisfactionRollup.ward_id == ward_id, *_in_period(period))
        .group_by(*names, Procedure.field_en)
        .order_by(Procedure.name_vi, Procedure.id)
    )
    return [
        ProcedureRow(row.id, row.name_vi, row.name_en, _figures(row), row.field_vi, row.field_en)
        for row in db.session.execute(query)
    ]


def by_field(rows: list[ProcedureRow]) -> list[FieldRow]:
    """The figures per field of procedures, added up from the rows per procedure, by name
    (procedures without a field last)."""
    fields: dict[str, FieldRow] = {}
    for row in rows:
        key = row.field_vi.strip()
        if key in fields:
            fields[key].figures = fields[key].figures + row.figures
        else:
            fields[key] = FieldRow(key, row.field_en.strip(), row.figures)
    return sorted(fields.values(), key=lambda f: (not f.field_vi, f.field_vi))


def monthly_trend(
    ward_id: int | None, period: Period, months: int = TREND_MONTHS
) -> list[MonthRow]:
    """The figures of each of the `months` months ending with the period's last month, of a
    ward (or of every ward: None), oldest first, months without data as zeros. One GROUP BY
    over the rows per ward and month."""
    start = months_after(period.end, -months)
    model = SatisfactionWardMonth
    query = sa.select(model.month, *_sums(model)).where(
        model.month >= start, model.month < period.end
    )
    if ward_id is not None:
        query = query.where(model.ward_id == ward_id)
    found = {row.month: _figures(row) for row in db.session.execute(query.group_by(model.month))}
    days = [months_after(start, n) for n in range(months)]
    return [MonthRow(day, found.get(day, Figures())) for day in days]


def by_officer(ward_id: int, period: Period) -> list[OfficerRow]:
    """The period's figures per receiving officer (one GROUP BY over the rollups), by name."""
    query = (
        sa.select(User.id, User.full_name, *_sums())
        .join(User, User.id == SatisfactionRollup.officer_id)
        .where(SatisfactionRollup.ward_id == ward_id, *_in_period(period))
        .group_by(User.id, User.full_name)
        .order_by(User.full_name, User.id)
    )
    return [OfficerRow(row.id, row.full_name, _figures(row)) for row in db.session.execute(query)]


def by_issuing_officer(ward_id: int, period: Period) -> list[OfficerRow]:
    """The ratings given in the period per officer who handed out the slip (issued the
    rating link), by name: one GROUP BY over the ward's ratings of the period, read along
    the (ward_id, created_at) index (for the officers' report, not the page)."""
    since, until = period.utc_bounds()
    rating = SatisfactionRating
    levels = [
        sa.func.coalesce(sa.func.sum(sa.case((rating.level == level, 1), else_=0)), 0)
        for level in Level
    ]
    query = (
        sa.select(
            User.id,
            User.full_name,
            sa.func.count(rating.id),
            *levels,
            sa.func.count(rating.score),
            sa.func.coalesce(sa.func.sum(rating.score), 0),
            sa.func.coalesce(sa.func.sum(rating.score_max), 0),
        )
        .join(User, User.id == rating.issued_by_id)
        .where(rating.ward_id == ward_id, rating.created_at >= since, rating.created_at < until)
        .group_by(User.id, User.full_name)
        .order_by(User.full_name, User.id)
    )
    rows = []
    for officer_id, name, ratings, *counts, scored, score_sum, score_max_sum in db.session.execute(
        query
    ):
        figures = Figures(
            ratings=ratings,
            scored=scored,
            score_sum=int(score_sum),
            score_max_sum=int(score_max_sum),
        )
        for level, count in zip(Level, counts, strict=True):
            setattr(figures, level.value, int(count))
        rows.append(OfficerRow(officer_id, name, figures))
    return rows


@dataclass
class OfficerProcedureRow:
    officer_id: int
    full_name: str
    procedure: ProcedureRow


def by_officer_and_procedure(ward_id: int, period: Period) -> list[OfficerProcedureRow]:
    """The period's figures per receiving officer and procedure (one GROUP BY over the
    rollups), by officer, then procedure: the detail of the officers' report."""
    names = (User.id, User.full_name, Procedure.id, Procedure.name_vi, Procedure.name_en)
    query = (
        sa.select(*names, *_sums())
        .join(User, User.id == SatisfactionRollup.officer_id)
        .join(Procedure, Procedure.id == SatisfactionRollup.procedure_id)
        .where(SatisfactionRollup.ward_id == ward_id, *_in_period(period))
        .group_by(*names)
        .order_by(User.full_name, User.id, Procedure.name_vi, Procedure.id)
    )
    return [
        OfficerProcedureRow(row[0], row[1], ProcedureRow(row[2], row[3], row[4], _figures(row)))
        for row in db.session.execute(query)
    ]


def lowest_rated(rows: list[ProcedureRow], count: int = LOWEST_COUNT) -> list[ProcedureRow]:
    """The `count` procedures with the lowest satisfaction rate among those rated at least
    once; ties go to the one with more ratings (more certain), then by name."""
    rated = [row for row in rows if row.figures.ratings]
    rated.sort(key=lambda r: (r.figures.satisfaction_rate, -r.figures.ratings, r.name_vi))
    return rated[:count]


def latest_dissatisfied(
    ward_id: int, period: Period, count: int = REASONS_COUNT
) -> list[DissatisfiedReason]:
    """The newest dissatisfied ratings given in the period, with their reason and the
    feedback case each opened. Bounded: reads the ward's ratings backwards along the
    (ward_id, created_at) index and stops after `count`."""
    since, until = period.utc_bounds()
    query = (
        sa.select(
            SatisfactionRating.id,
            SatisfactionRating.created_at,
            SatisfactionRating.reason,
            SatisfactionRating.feedback_id,
            Procedure.name_vi,
            Procedure.name_en,
            Feedback.code,
        )
        .join(Procedure, Procedure.id == SatisfactionRating.procedure_id)
        .outerjoin(Feedback, Feedback.id == SatisfactionRating.feedback_id)
        .where(
            SatisfactionRating.ward_id == ward_id,
            SatisfactionRating.level == Level.DISSATISFIED,
            SatisfactionRating.created_at >= since,
            SatisfactionRating.created_at < until,
        )
        .order_by(SatisfactionRating.created_at.desc(), SatisfactionRating.id.desc())
        .limit(count)
    )
    return [
        DissatisfiedReason(
            rating_id=row.id,
            created_at=row.created_at,
            reason=row.reason,
            procedure_name_vi=row.name_vi,
            procedure_name_en=row.name_en,
            feedback_id=row.feedback_id,
            feedback_code=row.code,
        )
        for row in db.session.execute(query)
    ]


def satisfaction_summary(ward_id: int, period: Period) -> SatisfactionSummary:
    """A ward's satisfaction over `period` (see SatisfactionSummary); nothing is read yet."""
    return SatisfactionSummary(ward_id, period)


# ---------------------------------------------------------------- feedback


@dataclass
class FeedbackFigures:
    """received: feedback received in the period. answered: feedback whose (latest) answer
    was given in the period, whenever it was received; answered_on_time: of those, answered
    on or before its deadline (the Hà Nội date of the answer <= due_on). working_days: the
    working days from receipt to answer, summed over the answered ones."""

    received: int = 0
    answered: int = 0
    answered_on_time: int = 0
    working_days: int = 0

    @property
    def on_time_share(self) -> float | None:
        return share(self.answered_on_time, self.answered)

    @property
    def average_working_days(self) -> float | None:
        """Mean working days from receipt to answer of the feedback answered in the period."""
        return share(self.working_days, self.answered)


@dataclass
class CategoryRow:
    category_id: int
    name_vi: str
    name_en: str
    figures: FeedbackFigures

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi


def _count_answer(figures: FeedbackFigures, received_at, answered_at, due_on, zone) -> None:
    answered_on = answered_at.astimezone(zone).date()
    figures.answered += 1
    figures.answered_on_time += answered_on <= due_on
    figures.working_days += working_days_between(received_at.astimezone(zone).date(), answered_on)


def feedback_figures(ward_id: int, period: Period) -> dict[int, FeedbackFigures]:
    """FeedbackFigures per category id of a ward over a period (see _feedback_figures)."""
    return _feedback_figures(period, Feedback.category_id, Feedback.ward_id == ward_id)


def feedback_by_ward(period: Period) -> dict[int, FeedbackFigures]:
    """FeedbackFigures per ward id over a period, every ward at once (the city's comparison
    and page): the same two queries as one ward's, grouped by ward."""
    return _feedback_figures(period, Feedback.ward_id)


def _feedback_figures(period: Period, key, *where) -> dict[int, FeedbackFigures]:
    """FeedbackFigures per value of the column `key` (a category id, a ward id) over a period,
    of the feedback matching `where`: received by one GROUP BY; the answers of the period read
    as (key, received_at, answered_at, due_on) to count working days, which depend on the
    holiday calendar."""
    since, until = period.utc_bounds()
    result: dict[int, FeedbackFigures] = {}
    received = db.session.execute(
        sa.select(key, sa.func.count(Feedback.id))
        .where(*where, Feedback.received_at >= since, Feedback.received_at < until)
        .group_by(key)
    )
    for group, count in received:
        result.setdefault(group, FeedbackFigures()).received = count
    answered = db.session.execute(
        sa.select(key, Feedback.received_at, Feedback.answered_at, Feedback.due_on).where(
            *where, Feedback.answered_at >= since, Feedback.answered_at < until
        )
    )
    zone = local_zone()
    for group, received_at, answered_at, due_on in answered:
        figures = result.setdefault(group, FeedbackFigures())
        _count_answer(figures, received_at, answered_at, due_on, zone)
    return result


def feedback_figures_beside(
    ward_id: int, period: Period
) -> tuple[dict[int, FeedbackFigures], dict[int, FeedbackFigures]]:
    """feedback_figures of a period and of the period before it, in the same two queries
    (over both periods, each row told apart by its time)."""
    since, until = period.utc_bounds()
    before = period.previous().utc_bounds()[0]
    current: dict[int, FeedbackFigures] = {}
    previous: dict[int, FeedbackFigures] = {}
    in_period = (Feedback.received_at >= since).label("in_period")
    received = db.session.execute(
        sa.select(Feedback.category_id, in_period, sa.func.count(Feedback.id))
        .where(
            Feedback.ward_id == ward_id,
            Feedback.received_at >= before,
            Feedback.received_at < until,
        )
        .group_by(Feedback.category_id, in_period)
    )
    for category_id, now, count in received:
        (current if now else previous).setdefault(category_id, FeedbackFigures()).received = count
    answered = db.session.execute(
        sa.select(
            Feedback.category_id, Feedback.received_at, Feedback.answered_at, Feedback.due_on
        ).where(
            Feedback.ward_id == ward_id,
            Feedback.answered_at >= before,
            Feedback.answered_at < until,
        )
    )
    zone = local_zone()
    for category_id, received_at, answered_at, due_on in answered:
        result = current if answered_at >= since else previous
        figures = result.setdefault(category_id, FeedbackFigures())
        _count_answer(figures, received_at, answered_at, due_on, zone)
    return current, previous


def feedback_total(figures: list[FeedbackFigures]) -> FeedbackFigures:
    """The sum of several FeedbackFigures (categories, or wards)."""
    total = FeedbackFigures()
    for item in figures:
        total.received += item.received
        total.answered += item.answered
        total.answered_on_time += item.answered_on_time
        total.working_days += item.working_days
    return total


def categories(ward_id: int) -> list[CategoryRow]:
    """The ward's feedback categories in their order, with zero figures."""
    query = (
        sa.select(FeedbackCategory.id, FeedbackCategory.name_vi, FeedbackCategory.name_en)
        .where(FeedbackCategory.ward_id == ward_id)
        .order_by(FeedbackCategory.position, FeedbackCategory.id)
    )
    rows = db.session.execute(query)
    return [CategoryRow(id_, vi, en, FeedbackFigures()) for id_, vi, en in rows]


@dataclass
class FeedbackSummary:
    """A ward's feedback over `period` with the previous period's totals beside it, per
    category (every category of the ward, zeros included), and the items overdue on `today`
    (Hà Nội date), oldest deadline first. Each part is read when first asked for, then
    kept."""

    ward_id: int
    period: Period
    today: date

    @property
    def previous_period(self) -> Period:
        return self.period.previous()

    @cached_property
    def _beside(self) -> tuple[dict[int, FeedbackFigures], dict[int, FeedbackFigures]]:
        return feedback_figures_beside(self.ward_id, self.period)

    @property
    def per_category(self) -> dict[int, FeedbackFigures]:
        return self._beside[0]

    @cached_property
    def totals(self) -> FeedbackFigures:
        return feedback_total(list(self.per_category.values()))

    @cached_property
    def previous(self) -> FeedbackFigures:
        return feedback_total(list(self._beside[1].values()))

    @cached_property
    def categories(self) -> dict[int, CategoryRow]:
        """The ward's categories by id, in their order (their names; zero figures)."""
        return {row.category_id: row for row in categories(self.ward_id)}

    @cached_property
    def by_category(self) -> list[CategoryRow]:
        return [
            replace(row, figures=self.per_category.get(category_id, FeedbackFigures()))
            for category_id, row in self.categories.items()
        ]

    @cached_property
    def overdue(self) -> list:
        """Flat inbox rows (feedback services.ROW_COLUMNS), oldest deadline first."""
        return feedback_queries.overdue(self.ward_id, self.today)


def feedback_summary(ward_id: int, period: Period, today: date | None = None) -> FeedbackSummary:
    """A ward's feedback over `period` (see FeedbackSummary); nothing is read yet."""
    return FeedbackSummary(ward_id, period, today or local_today())


# ---------------------------------------------------------------- the city


@dataclass
class WardRow:
    """A served ward in the city's comparison: its satisfaction totals, and (compare_wards)
    its feedback (`overdue`: items overdue now), its conferences held (conferences_by_ward:
    the conferences' own figures) and its rank on each of RANKINGS."""

    ward_id: int
    name: str
    slug: str
    figures: Figures
    feedback: FeedbackFigures = field(default_factory=FeedbackFigures)
    overdue: int = 0
    dialogues: DialogueFigures = field(default_factory=lambda: DialogueFigures(year=0))
    ranks: dict[str, Rank] = field(default_factory=dict)


def ward_comparison(period: Period) -> list[WardRow]:
    """Every served ward's satisfaction totals over a period, side by side (one GROUP BY
    over the rows per ward and month; wards without data are listed with zeros), by ward
    name."""
    model = SatisfactionWardMonth
    totals = {
        row.ward_id: _figures(row)
        for row in db.session.execute(
            sa.select(model.ward_id, *_sums(model))
            .where(*_in_period(period, model))
            .group_by(model.ward_id)
        )
    }
    wards = db.session.execute(
        sa.select(Ward.id, Ward.name, Ward.slug).where(Ward.enabled).order_by(Ward.name, Ward.id)
    )
    return [
        WardRow(ward_id, name, slug, totals.get(ward_id, Figures()))
        for ward_id, name, slug in wards
    ]


class Unranked(enum.Enum):
    """Why a ward has no rank on a figure."""

    FEW_RATINGS = "few_ratings"  # fewer ratings than the minimum: its rate means little
    NOTHING_ANSWERED = "nothing_answered"  # no feedback answered: no on-time share
    NO_CONFERENCE = "no_conference"  # no conference held: no share of results on time


@dataclass(frozen=True)
class Rank:
    """A ward's place among the served wards on one figure (1 is best; equal figures share
    a place, the next place skipped: 1, 2, 2, 4), or None and why."""

    place: int | None = None
    unranked: Unranked | None = None
    needed: int = 0  # the ratings a satisfaction rank needs


# What each rank is on: the figure (an exact fraction, higher is better) or, for a ward that
# cannot be ranked on it, why. The satisfaction rate needs `minimum` ratings (the setting
# PUBLIC_MIN_RATINGS, as on the public page: a small sample's rate means little).
RANKINGS = ("satisfaction", "feedback", "dialogues")


def _ranked_on(row: WardRow, ranking: str, minimum: int) -> Fraction | Unranked:
    if ranking == "satisfaction":
        figures = row.figures
        if figures.ratings < max(minimum, 1):
            return Unranked.FEW_RATINGS
        return Fraction(figures.very_satisfied + figures.satisfied, figures.ratings)
    if ranking == "feedback":
        feedback = row.feedback
        if not feedback.answered:
            return Unranked.NOTHING_ANSWERED
        return Fraction(feedback.answered_on_time, feedback.answered)
    dialogues = row.dialogues
    if not dialogues.held:
        return Unranked.NO_CONFERENCE
    return Fraction(dialogues.results_on_time, dialogues.held)


def competition_ranks(values: list[Fraction | None]) -> list[int | None]:
    """The competition ranking (1, 2, 2, 4) of `values`, highest first; None unranked."""
    ranked = sorted((v for v in values if v is not None), reverse=True)
    first_place: dict[Fraction, int] = {}
    for place, value in enumerate(ranked, start=1):
        first_place.setdefault(value, place)
    return [None if v is None else first_place[v] for v in values]


def rank_wards(rows: list[WardRow], minimum: int) -> list[WardRow]:
    """`rows` with their rank on each of RANKINGS among themselves (set in place)."""
    for ranking in RANKINGS:
        keys = [_ranked_on(row, ranking, minimum) for row in rows]
        places = competition_ranks([k if isinstance(k, Fraction) else None for k in keys])
        for row, key, place in zip(rows, keys, places, strict=True):
            row.ranks[ranking] = Rank(place) if place else Rank(None, key, max(minimum, 1))
    return rows


def compare_wards(
    period: Period, minimum: int, today: date | None = None, now: datetime | None = None
) -> list[WardRow]:
    """Every served ward over `period`, side by side (see WardRow), by name, each ranked
    among them: six queries whatever the number of wards (satisfaction and the wards, two
    for feedback, one for the items overdue on `today`, one for the conferences), each
    grouped by ward."""
    rows = ward_comparison(period)
    feedback = feedback_by_ward(period)
    overdue = feedback_queries.overdue_counts(today, now)
    conferences = conferences_by_ward(period)
    for row in rows:
        row.feedback = feedback.get(row.ward_id, FeedbackFigures())
        row.overdue = overdue.get(row.ward_id, 0)
        row.dialogues = conferences.get(row.ward_id, DialogueFigures(year=period.start.year))
    return rank_wards(rows, minimum)


# ---------------------------------------------------------------- dialogues


@dataclass
class DialogueFigures:
    """A ward's dialogue conferences and reception slots that started in a period (Hà Nội
    dates). A conference counts as held when its status is held or results published.

    held: conferences held. year_held: conferences held in the period's calendar year (the
    law asks for at least one a year). notice_on_time: held ones published at least 7 days
    before the start. results_on_time: held ones whose results were published within 10 days
    of the end. attendance: people present (the minutes' attendance count, or else bookings
    checked in plus walk-ins), summed; capacity: their seats, summed. questions: questions
    of the held conferences, duplicates merged into another left out; answered: of those,
    answered. slots: reception slots published (not draft nor cancelled); slots_booked: of
    those, with a confirmed or attended booking; slots_used: with an attended booking."""

    year: int
    held: int = 0
    year_held: int = 0
    notice_on_time: int = 0
    results_on_time: int = 0
    attendance: int = 0
    capacity: int = 0
    questions: int = 0
    answered: int = 0
    slots: int = 0
    slots_booked: int = 0
    slots_used: int = 0

    def __add__(self, other: DialogueFigures) -> DialogueFigures:
        """Two wards' figures of the same period, added up (the city's)."""
        counts = {name: getattr(self, name) + getattr(other, name) for name in DIALOGUE_COUNTS}
        return DialogueFigures(year=self.year, **counts)

    @property
    def yearly_minimum_met(self) -> bool:
        """At least one conference held in the calendar year."""
        return self.year_held >= YEARLY_MINIMUM

    @property
    def notice_share(self) -> float | None:
        return share(self.notice_on_time, self.held)

    @property
    def results_share(self) -> float | None:
        return share(self.results_on_time, self.held)

    @property
    def attendance_share(self) -> float | None:
        """People present over seats (may exceed 1 when more came than were planned)."""
        return share(self.attendance, self.capacity)

    @property
    def answered_share(self) -> float | None:
        return share(self.answered, self.questions)

    @property
    def booked_share(self) -> float | None:
        return share(self.slots_booked, self.slots)

    @property
    def used_share(self) -> float | None:
        return share(self.slots_used, self.slots)


YEARLY_MINIMUM = 1  # dialogue conferences a year (Law on Local Government)
DIALOGUE_COUNTS = tuple(f.name for f in dataclass_fields(DialogueFigures) if f.name != "year")


def _held_conferences(start, end) -> list:
    """The conditions of a conference held (or its results published) that started between
    `start` and `end` (UTC)."""
    session = DialogueSession
    return [
        session.kind == SessionKind.CONFERENCE,
        session.status.in_((SessionStatus.HELD, SessionStatus.RESULTS_PUBLISHED)),
        session.starts_at >= start,
        session.starts_at < end,
    ]


def conferences_by_ward(period: Period, ward_id: int | None = None) -> dict[int, DialogueFigures]:
    """The conferences held in `period` per ward id (of one ward, or of every ward: None),
    in one query whatever the number of wards and conferences: the held conferences with
    their checked-in bookings (counted per conference). Only the conferences' own figures are
    filled (held, notice_on_time, results_on_time, attendance, capacity); the year's count,
    the questions and the reception slots are dialogue_summary's. Wards without a conference
    held are absent."""
    session = DialogueSession
    since, until = period.utc_bounds()
    where = _held_conferences(since, until)
    if ward_id is not None:
        where.append(session.ward_id == ward_id)
    # Counted per conference of the period along ix_bookings_session_status (not a GROUP BY
    # over every booking the wards ever had).
    conferences = db.session.execute(sa.select(session.ward_id, *_held_columns()).where(*where))
    by_ward: dict[int, DialogueFigures] = {}
    for row in conferences:
        figures = by_ward.setdefault(row.ward_id, DialogueFigures(year=period.start.year))
        _count_held(figures, row)
    return by_ward


def _per_conference(*where):
    """A count of rows meeting `where` per conference of the enclosing query."""
    return sa.select(sa.func.count()).where(*where).correlate(DialogueSession).scalar_subquery()


def _held_columns() -> tuple:
    """What _count_held reads of a held conference: its times, seats and checked-in bookings."""
    session = DialogueSession
    attended = _per_conference(
        Booking.session_id == session.id, Booking.status == BookingStatus.ATTENDED
    )
    return (
        session.starts_at,
        session.ends_at,
        session.published_at,
        session.results_published_at,
        session.capacity,
        session.attendance_count,
        session.walk_ins,
        attended.label("attended"),
    )


def _count_held(figures: DialogueFigures, row) -> None:
    """Add one held conference (a row of conferences_by_ward's or dialogue_summaries' query:
    its times, seats and checked-in bookings) to `figures`."""
    notice = timedelta(days=dialogue_services.NOTICE_DAYS)
    results = timedelta(days=dialogue_services.RESULTS_DAYS)
    figures.held += 1
    figures.notice_on_time += bool(
        row.published_at is not None and row.published_at <= row.starts_at - notice
    )
    figures.results_on_time += bool(
        row.results_published_at is not None and row.results_published_at <= row.ends_at + results
    )
    figures.capacity += row.capacity
    figures.attendance += (
        row.attendance_count if row.attendance_count is not None else row.attended + row.walk_ins
    )


def dialogue_summary(ward_id: int, period: Period) -> DialogueFigures:
    """A ward's dialogue figures over `period` (see DialogueFigures and dialogue_summaries)."""
    return dialogue_summaries(ward_id, [period])[0]


def dialogue_summaries(ward_id: int, periods: Sequence[Period]) -> list[DialogueFigures]:
    """A ward's dialogue figures over each of `periods` (a dashboard's period and the one
    before it), in two queries whatever the number of periods and conferences: the
    conferences held in the periods' calendar years, each with its checked-in bookings and its
    questions (counted per conference), and the reception slots of the periods with whether
    each was booked and used."""
    session = DialogueSession
    bounds = [period.utc_bounds() for period in periods]
    years = [period_containing(period.start, "year").utc_bounds() for period in periods]

    conferences = db.session.execute(
        sa.select(
            *_held_columns(),
            _per_conference(
                Question.session_id == session.id, Question.merged_into_id.is_(None)
            ).label("questions"),
            _per_conference(
                Question.session_id == session.id,
                Question.merged_into_id.is_(None),
                Question.answered_at.is_not(None),
            ).label("answered"),
        ).where(
            session.ward_id == ward_id,
            *_held_conferences(min(y[0] for y in years), max(y[1] for y in years)),
        )
    ).all()
    summaries = []
    for period, (since, until), year in zip(periods, bounds, years, strict=True):
        year_since, year_until = year
        figures = DialogueFigures(year=period.start.year)
        for row in conferences:
            figures.year_held += year_since <= row.starts_at < year_until
            if not since <= row.starts_at < until:
                continue
            _count_held(figures, row)
            figures.questions += row.questions
            figures.answered += row.answered
        summaries.append(figures)

    def slot_has(*statuses: BookingStatus):
        return (
            sa.select(Booking.id)
            .where(Booking.session_id == session.id, Booking.status.in_(statuses))
            .exists()
        )

    def counted(*when):
        return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(*when), 1), else_=0)), 0)

    booked = slot_has(BookingStatus.CONFIRMED, BookingStatus.ATTENDED)
    used = slot_has(BookingStatus.ATTENDED)
    columns = []
    for since, until in bounds:
        within = (session.starts_at >= since, session.starts_at < until)
        columns += [counted(*within), counted(*within, booked), counted(*within, used)]
    slots = db.session.execute(
        sa.select(*columns).where(
            session.ward_id == ward_id,
            session.kind == SessionKind.RECEPTION,
            session.status.not_in((SessionStatus.DRAFT, SessionStatus.CANCELLED)),
            session.starts_at >= min(since for since, _until in bounds),
            session.starts_at < max(until for _since, until in bounds),
        )
    ).one()
    for i, figures in enumerate(summaries):
        figures.slots, figures.slots_booked, figures.slots_used = map(int, slots[3 * i : 3 * i + 3])
    return summaries


# ---------------------------------------------------------------- the dashboards


@dataclass
class WardDashboard:
    """Everything one ward's dashboard shows for a period: its satisfaction, its feedback
    (overdue on `today`) and its dialogues beside the previous period's. Nothing is read
    until a table asks for it (see the summaries)."""

    ward_id: int
    period: Period
    today: date

    @cached_property
    def satisfaction(self) -> SatisfactionSummary:
        return satisfaction_summary(self.ward_id, self.period)

    @cached_property
    def feedback(self) -> FeedbackSummary:
        return feedback_summary(self.ward_id, self.period, self.today)

    @cached_property
    def _dialogues(self) -> list[DialogueFigures]:
        return dialogue_summaries(self.ward_id, [self.period, self.period.previous()])

    @property
    def dialogues(self) -> DialogueFigures:
        return self._dialogues[0]

    @property
    def previous_dialogues(self) -> DialogueFigures:
        return self._dialogues[1]

    @cached_property
    def signing(self) -> signing.SigningSummary:
        return signing.signing_summary(self.ward_id, self.period)


@dataclass
class CityDashboard:
    """The administrator's dashboard for a period: every served ward side by side (with its
    feedback, conferences and ranks) and their monthly trend, each read when first asked
    for."""

    period: Period
    minimum: int = 0  # ratings a ward needs for a satisfaction rank (PUBLIC_MIN_RATINGS)
    today: date | None = None  # the Hà Nội date of "overdue now"; None: today

    @cached_property
    def comparison(self) -> list[WardRow]:
        return compare_wards(self.period, self.minimum, self.today)

    @cached_property
    def trend(self) -> list[MonthRow]:
        return monthly_trend(None, self.period)
