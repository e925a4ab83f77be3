"""The nine indicators of Circular 01/2018/TT-VPCP (Decree 61/2018/ND-CP), 0, 1 or 2 points
each, 18 in all (check), in one table; and the points of the five that one dossier's data
supports (1, 2, 3, 4 and 7), worked out in one function. The rules are written out in
docs/satisfaction-index.md.

The points are kept on the rating row (SatisfactionRating.points_*), their sum in `score`
and the points they could have reached in `score_max`, so that the monthly rollups add them
up and an average is always taken per available maximum."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.satisfaction.models import Attitude, Timeliness

POINTS_MAX = 2  # each indicator: 0, 1 or 2 points
FULL_SCALE = 18  # 9 indicators × 2 points


@dataclass(frozen=True)
class Indicator:
    """One indicator of Circular 01/2018: its number, its name (as the Circular words it),
    and either the rating column holding its points (one dossier's data supports it) or why
    the portal cannot score it for one dossier."""

    number: int
    name: object  # a lazy string
    column: str | None = None  # SatisfactionRating / rollup column of its points
    not_per_dossier: object = None  # a lazy string: why it is not scored per dossier


AGENCY_LEVEL = _l(
    "Assessed for the agency as a whole, not from one dossier: the portal holds no data on it."
)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        1,
        _l("Total time taken to settle the procedure against the prescribed time"),
        "points_time",
    ),
    Indicator(
        2,
        _l("Time taken by each agency or unit involved in settling the procedure"),
        "points_agency_time",
    ),
    Indicator(
        3,
        _l("Number of times the applicant had to contact the receiving desk to complete it"),
        "points_contacts",
    ),
    Indicator(
        4,
        _l("Number of agencies, units or organisations the applicant had to contact"),
        "points_agencies",
    ),
    Indicator(
        5, _l("Receiving, handling and returning results at the one-stop desk"), None, AGENCY_LEVEL
    ),
    Indicator(6, _l("Publicity of the administrative procedure"), None, AGENCY_LEVEL),
    Indicator(
        7,
        _l("Attitude of the officials who received and handled the dossier"),
        "points_attitude",
    ),
    Indicator(8, _l("Receiving and handling feedback and petitions on time"), None, AGENCY_LEVEL),
    Indicator(9, _l("Quality of the online public services"), None, AGENCY_LEVEL),
)
PER_DOSSIER = tuple(i for i in INDICATORS if i.column)
POINT_COLUMNS = tuple(i.column for i in PER_DOSSIER)

AGENCIES_MAX = 20  # agencies a dossier may involve (a typing error beyond)

TIME_POINTS = {Timeliness.EARLY: 2, Timeliness.ON_TIME: 1, Timeliness.LATE: 0}
ATTITUDE_POINTS = {Attitude.GOOD: 2, Attitude.ACCEPTABLE: 1, Attitude.POOR: 0, None: 1}


def contact_points(contacts: int) -> int:
    """Indicator 3: no extra contact 2, one 1, more 0."""
    return 2 if contacts == 0 else 1 if contacts == 1 else 0


def agency_points(agencies: int) -> int:
    """Indicator 4: one agency (the ward alone) 2, two 1, more 0."""
    return 2 if agencies <= 1 else 1 if agencies == 2 else 0


def agency_time_points(timeliness: Timeliness, agencies: int) -> int | None:
    """Indicator 2. With the ward alone, its time against its limit is the total time: the
    points of indicator 1. With other agencies involved the portal knows only the total: a
    late total means at least one agency overran its share of the limit (the shares add up
    to it), 0 points; an early or on-time total does not say how each agency did, so the
    indicator is not scored (None) and the dossier's maximum is 2 points lower."""
    if agencies <= 1:
        return TIME_POINTS[timeliness]
    return 0 if timeliness == Timeliness.LATE else None


def points_of(
    timeliness: Timeliness | None, contacts: int, agencies: int, attitude: Attitude | None
) -> dict[str, int | None]:
    """The points of each per-dossier indicator, by rating column (None: not scored); all
    None when the dossier has no return date. Attitude not given counts as acceptable."""
    if timeliness is None:
        return dict.fromkeys(POINT_COLUMNS)
    return {
        "points_time": TIME_POINTS[timeliness],
        "points_agency_time": agency_time_points(timeliness, agencies),
        "points_contacts": contact_points(contacts),
        "points_agencies": agency_points(agencies),
        "points_attitude": ATTITUDE_POINTS[attitude],
    }


def score_and_max(points: dict[str, int | None]) -> tuple[int | None, int | None]:
    """The points scored and the points the scored indicators could have given (None, None
    when none is scored)."""
    scored = [value for value in points.values() if value is not None]
    if not scored:
        return None, None
    return sum(scored), POINTS_MAX * len(scored)
