"""Keep the monthly totals in step with dossiers and ratings, inside the caller's
transaction: per (ward, procedure, officer, month) in SatisfactionRollup, and per (ward,
month) in SatisfactionWardMonth. Atomic upserts: concurrent requests add up instead of
overwriting each other (PostgreSQL ON CONFLICT; SQLite writers are serialised)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import sqlalchemy as sa

from portal.db import upsert_insert
from portal.extensions import db
from portal.satisfaction.indicators import POINT_COLUMNS
from portal.satisfaction.models import (
    COUNTERS,
    DOSSIER_COUNTERS,
    RATING_COUNTERS,
    Dossier,
    Level,
    SatisfactionRating,
    SatisfactionRollup,
    SatisfactionWardMonth,
    Timeliness,
)
from portal.timeutil import local_zone

GROUP = ("ward_id", "procedure_id", "officer_id", "month")


def month_of(moment: datetime) -> date:
    """The first day of the Hà Nội month of a UTC timestamp."""
    return moment.astimezone(local_zone()).date().replace(day=1)


WARD_GROUP = ("ward_id", "month")


def _upsert(table: sa.Table, group: dict, add: dict[str, int]) -> None:
    """Add to the counters of the row of `group`, creating it on first use."""
    values = {**group, **{name: add.get(name, 0) for name in COUNTERS}}
    insert = upsert_insert(db.session, table).values(**values)
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=list(group),
            set_={name: table.c[name] + insert.excluded[name] for name in add},
        )
    )


def bump(ward_id: int, procedure_id: int, officer_id: int, month: date, **add: int) -> None:
    """Add to a group's counters and to its ward's month, creating the rows on first use."""
    group = {"ward_id": ward_id, "procedure_id": procedure_id, "officer_id": officer_id}
    _upsert(SatisfactionRollup.__table__, {**group, "month": month}, add)
    _upsert(SatisfactionWardMonth.__table__, {"ward_id": ward_id, "month": month}, add)


def dossier_returned(dossier: Dossier) -> None:
    """Count a dossier the first time it is returned."""
    bump(
        dossier.ward_id,
        dossier.procedure_id,
        dossier.receiving_officer_id,
        month_of(dossier.returned_at),
        returned=1,
        contacts=dossier.extra_visits,
        **{dossier.timeliness.value: 1},
    )


def rating_points(rating: SatisfactionRating) -> dict[str, int]:
    """The score counters a rating adds: scored, its score and maximum, each indicator's
    points (and indicator 2's own count); nothing for a rating without a score."""
    if rating.score is None:
        return {}
    add = {"scored": 1, "score_sum": rating.score, "score_max_sum": rating.score_max}
    for column in POINT_COLUMNS:
        add[column] = getattr(rating, column) or 0
    add["scored_agency_time"] = int(rating.points_agency_time is not None)
    return add


def rating_recorded(rating: SatisfactionRating) -> None:
    """Count a rating in the month it was given."""
    add = {"ratings": 1, rating.level.value: 1, **rating_points(rating)}
    bump(rating.ward_id, rating.procedure_id, rating.officer_id, month_of(rating.created_at), **add)


def fresh_totals(ward_id: int | None = None) -> dict[tuple, Counter]:
    """The same totals computed again from every dossier and rating (the control for tests
    and benchmarks): {(ward, procedure, officer, month): Counter}."""
    totals: dict[tuple, Counter] = {}
    dossiers = sa.select(Dossier).where(Dossier.returned_at.is_not(None))
    ratings = sa.select(SatisfactionRating)
    if ward_id is not None:
        dossiers = dossiers.where(Dossier.ward_id == ward_id)
        ratings = ratings.where(SatisfactionRating.ward_id == ward_id)
    for d in db.session.execute(dossiers).scalars():
        key = (d.ward_id, d.procedure_id, d.receiving_officer_id, month_of(d.returned_at))
        counter = totals.setdefault(key, Counter())
        counter.update({"returned": 1, d.timeliness.value: 1})
        counter["contacts"] += d.extra_visits
    for r in db.session.execute(ratings).scalars():
        key = (r.ward_id, r.procedure_id, r.officer_id, month_of(r.created_at))
        counter = totals.setdefault(key, Counter())
        counter.update({"ratings": 1, r.level.value: 1})
        counter.update(rating_points(r))
    return {key: +counter for key, counter in totals.items()}


def stored_totals(ward_id: int | None = None) -> dict[tuple, Counter]:
    """The rollup rows, in the shape of fresh_totals (zero counters left out)."""
    query = sa.select(SatisfactionRollup)
    if ward_id is not None:
        query = query.where(SatisfactionRollup.ward_id == ward_id)
    result = {}
    for row in db.session.execute(query).scalars():
        counter = Counter({name: getattr(row, name) for name in COUNTERS})
        result[tuple(getattr(row, name) for name in GROUP)] = +counter
    return result


def _local_month(column, dialect: str):
    """SQL for the first day of the Hà Nội month of a UTC timestamp column."""
    zone = local_zone()
    if dialect == "postgresql":
        local = sa.func.timezone(zone.key, column)
        return sa.cast(sa.func.date_trunc("month", local), sa.Date)
    # SQLite stores naive UTC text. Asia/Ho_Chi_Minh has kept UTC+7 without daylight saving
    # since 1975, so a fixed offset is exact for every date the portal holds.
    hours = int(datetime(2000, 1, 1, tzinfo=zone).utcoffset().total_seconds() // 3600)
    return sa.func.date(column, f"{hours:+d} hours", "start of month")


def rebuild(ward_id: int | None = None) -> int:
    """Recompute the rollups and the ward months (of one ward, or all) from every dossier and
    rating with set-based statements, for a repair or after a bulk load that bypassed the
    per-event upserts. Runs in the caller's transaction; returns the number of rollup rows
    written."""
    dialect = db.session.get_bind().dialect.name
    table = SatisfactionRollup.__table__
    d, r = Dossier.__table__, SatisfactionRating.__table__
    zero = sa.literal(0)

    def flag(condition):
        return sa.case((condition, 1), else_=0)

    returned = sa.select(
        d.c.ward_id,
        d.c.procedure_id,
        d.c.receiving_officer_id.label("officer_id"),
        _local_month(d.c.returned_at, dialect).label("month"),
        sa.literal(1).label("returned"),
        *[flag(d.c.timeliness == t.value).label(t.value) for t in Timeliness],
        d.c.extra_visits.label("contacts"),
        *[zero.label(name) for name in RATING_COUNTERS],
    ).where(d.c.returned_at.is_not(None), d.c.receiving_officer_id.is_not(None))
    # The rating side of each counter, by name (a UNION matches columns by position).
    rating_side = {
        "ratings": sa.literal(1),
        **{level.value: flag(r.c.level == level.value) for level in Level},
        "scored": flag(r.c.score.is_not(None)),
        "score_sum": sa.func.coalesce(r.c.score, 0),
        "score_max_sum": sa.func.coalesce(r.c.score_max, 0),
        **{name: sa.func.coalesce(r.c[name], 0) for name in POINT_COLUMNS},
        "scored_agency_time": flag(r.c.points_agency_time.is_not(None)),
    }
    rated = sa.select(
        r.c.ward_id,
        r.c.procedure_id,
        r.c.officer_id,
        _local_month(r.c.created_at, dialect).label("month"),
        *[zero.label(name) for name in DOSSIER_COUNTERS],
        *[rating_side[name].label(name) for name in RATING_COUNTERS],
    ).where(r.c.officer_id.is_not(None))
    if ward_id is not None:
        returned = returned.where(d.c.ward_id == ward_id)
        rated = rated.where(r.c.ward_id == ward_id)
    events = sa.union_all(returned, rated).subquery()
    grouped = sa.select(
        *[events.c[name] for name in GROUP],
        *[sa.func.sum(events.c[name]) for name in COUNTERS],
    ).group_by(*[events.c[name] for name in GROUP])
    delete = sa.delete(table)
    if ward_id is not None:
        delete = delete.where(table.c.ward_id == ward_id)
    db.session.execute(delete)
    db.session.execute(table.insert().from_select([*GROUP, *COUNTERS], grouped))
    _rebuild_ward_months(ward_id)
    count = sa.select(sa.func.count()).select_from(table)
    if ward_id is not None:
        count = count.where(table.c.ward_id == ward_id)
    return db.session.execute(count).scalar_one()


def _rebuild_ward_months(ward_id: int | None) -> None:
    """The ward months again, as the sums of the rollups."""
    table, rollups = SatisfactionWardMonth.__table__, SatisfactionRollup.__table__
    sums = sa.select(
        *[rollups.c[name] for name in WARD_GROUP],
        *[sa.func.sum(rollups.c[name]) for name in COUNTERS],
    ).group_by(*[rollups.c[name] for name in WARD_GROUP])
    delete = sa.delete(table)
    if ward_id is not None:
        sums = sums.where(rollups.c.ward_id == ward_id)
        delete = delete.where(table.c.ward_id == ward_id)
    db.session.execute(delete)
    db.session.execute(table.insert().from_select([*WARD_GROUP, *COUNTERS], sums))


def ward_month_totals() -> tuple[dict[tuple, Counter], dict[tuple, Counter]]:
    """The ward months as stored, and the rollups added up per ward and month (the two must
    be equal): {(ward, month): Counter} each, zero counters left out."""
    stored = {
        (row.ward_id, row.month): +Counter({name: getattr(row, name) for name in COUNTERS})
        for row in db.session.execute(sa.select(SatisfactionWardMonth)).scalars()
    }
    added: dict[tuple, Counter] = {}
    for key, counter in stored_totals().items():
        added.setdefault((key[0], key[3]), Counter()).update(counter)
    return {k: v for k, v in stored.items() if v}, added
