"""Keep the monthly totals (SatisfactionRollup) in step with dossiers and ratings, inside
the caller's transaction. One atomic upsert per event: concurrent requests add up instead
of overwriting each other (PostgreSQL ON CONFLICT; SQLite writers are serialised)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.satisfaction.models import (
    COUNTERS,
    Dossier,
    SatisfactionRating,
    SatisfactionRollup,
)
from portal.timeutil import local_zone

GROUP = ("ward_id", "procedure_id", "officer_id", "month")


def month_of(moment: datetime) -> date:
    """The first day of the Hà Nội month of a UTC timestamp."""
    return moment.astimezone(local_zone()).date().replace(day=1)


def bump(ward_id: int, procedure_id: int, officer_id: int, month: date, **add: int) -> None:
    """Add to a group's counters, creating the row on first use."""
    table = SatisfactionRollup.__table__
    values = {"ward_id": ward_id, "procedure_id": procedure_id, "officer_id": officer_id}
    values["month"] = month
    values.update({name: add.get(name, 0) for name in COUNTERS})
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table).values(**values)
    db.session.execute(
        insert.on_conflict_do_update(
            index_elements=list(GROUP),
            set_={name: table.c[name] + insert.excluded[name] for name in add},
        )
    )


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


def rating_recorded(rating: SatisfactionRating) -> None:
    """Count a rating in the month it was given."""
    add = {"ratings": 1, rating.level.value: 1}
    if rating.score is not None:
        add.update(scored=1, score_sum=rating.score)
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
        if r.score is not None:
            counter.update({"scored": 1})
            counter["score_sum"] += r.score
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
