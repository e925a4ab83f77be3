"""The indicators of Circular 01/2018 one dossier supports: a dossier's agencies involved,
each rating's points of indicators 1, 2, 3, 4 and 7 with its score and maximum, and their
sums in the monthly rollups. Existing ratings are re-scored (their dossiers involved the
ward alone: indicator 2 = indicator 1, indicator 4 = 2 points, out of 10 instead of 6) and the
rollups' score counters recomputed from them.

Revision ID: e61f0a18c2d7
Revises: 71fb9919c5a9
Create Date: 2026-12-03 09:00:00

"""

from collections import defaultdict
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "e61f0a18c2d7"
down_revision = "71fb9919c5a9"
branch_labels = None
depends_on = None

POINTS = (
    "points_time",
    "points_agency_time",
    "points_contacts",
    "points_agencies",
    "points_attitude",
)
NEW_COUNTERS = (
    "score_max_sum",
    "points_time",
    "points_agency_time",
    "scored_agency_time",
    "points_contacts",
    "points_agencies",
    "points_attitude",
)
ROLLUP_TABLES = ("satisfaction_rollups", "satisfaction_ward_months")
RATINGS = "satisfaction_ratings"
NEW_CHECKS = {
    "score_range": "score IS NULL OR (score_max IS NOT NULL AND score >= 0 AND score <= "
    "score_max AND score_max <= 10)",
    "agencies_involved_positive": "agencies_involved >= 1",
    **{f"{name}_range": f"{name} IS NULL OR {name} BETWEEN 0 AND 2" for name in POINTS},
}
OLD_SCORE_RANGE = "score IS NULL OR score BETWEEN 0 AND 6"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # the month a rating counts in (rollups.month_of)


def _check(name: str) -> str:
    return op.f(f"ck_{RATINGS}_{name}")


def _recount_rollups() -> None:
    """The rollups' rating score counters again from every rating (the month of each in Hà
    Nội time, as portal.satisfaction.rollups does), then the ward months as their sums."""
    bind = op.get_bind()
    ratings = sa.table(
        RATINGS,
        sa.column("ward_id", sa.Integer),
        sa.column("procedure_id", sa.Integer),
        sa.column("officer_id", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("score", sa.Integer),
        sa.column("score_max", sa.Integer),
        *[sa.column(name, sa.Integer) for name in POINTS],
    )
    totals: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    query = sa.select(ratings).where(
        ratings.c.officer_id.is_not(None), ratings.c.score.is_not(None)
    )
    for row in bind.execute(query):
        moment = row.created_at
        if isinstance(moment, str):
            moment = sa.DateTime().result_processor(bind.dialect, None)(moment)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        month = moment.astimezone(ZONE).date().replace(day=1)
        counter = totals[(row.ward_id, row.procedure_id, row.officer_id, month)]
        counter["score_sum"] += row.score
        counter["score_max_sum"] += row.score_max
        for name in POINTS:
            counter[name] += getattr(row, name) or 0
        counter["scored_agency_time"] += row.points_agency_time is not None
    rollups = sa.table(
        "satisfaction_rollups",
        *[sa.column(name) for name in ("ward_id", "procedure_id", "officer_id", "month")],
        *[sa.column(name, sa.Integer) for name in ("score_sum", *NEW_COUNTERS)],
    )
    for (ward_id, procedure_id, officer_id, month), counter in totals.items():
        bind.execute(
            sa.update(rollups)
            .where(
                rollups.c.ward_id == ward_id,
                rollups.c.procedure_id == procedure_id,
                rollups.c.officer_id == officer_id,
                rollups.c.month == month,
            )
            .values(**counter)
        )
    sums = ", ".join(
        f"{name} = (SELECT COALESCE(SUM(r.{name}), 0) FROM satisfaction_rollups r "  # noqa: S608
        "WHERE r.ward_id = satisfaction_ward_months.ward_id "
        "AND r.month = satisfaction_ward_months.month)"
        for name in ("score_sum", *NEW_COUNTERS)
    )
    op.execute(f"UPDATE satisfaction_ward_months SET {sums}")  # noqa: S608


def upgrade():
    # Plain ADD COLUMN on dossiers: no table copy on SQLite (the ratings' foreign keys).
    op.add_column(
        "dossiers",
        sa.Column("agencies_involved", sa.Integer(), server_default="1", nullable=False),
    )
    op.add_column(
        RATINGS,
        sa.Column("agencies_involved", sa.Integer(), server_default="1", nullable=False),
    )
    for name in (*POINTS, "score_max"):
        op.add_column(RATINGS, sa.Column(name, sa.SmallInteger(), nullable=True))
    for table in ROLLUP_TABLES:
        for name in NEW_COUNTERS:
            op.add_column(table, sa.Column(name, sa.Integer(), server_default="0", nullable=False))
    # The old score range (0–6) would refuse the scores out of 10.
    with op.batch_alter_table(RATINGS, recreate="auto") as batch_op:
        batch_op.drop_constraint(_check("score_range"), type_="check")
    # Every existing dossier was settled by the ward alone (agencies_involved 1).
    time = "CASE timeliness WHEN 'early' THEN 2 WHEN 'on_time' THEN 1 ELSE 0 END"
    contacts = "CASE WHEN contacts_needed = 0 THEN 2 WHEN contacts_needed = 1 THEN 1 ELSE 0 END"
    attitude = "CASE attitude WHEN 'good' THEN 2 WHEN 'poor' THEN 0 ELSE 1 END"
    op.execute(
        f"UPDATE {RATINGS} SET points_time = {time}, points_agency_time = {time}, "  # noqa: S608
        f"points_contacts = {contacts}, points_agencies = 2, points_attitude = {attitude}, "
        "score_max = 10 WHERE timeliness IS NOT NULL"
    )
    op.execute(
        f"UPDATE {RATINGS} SET score = points_time + points_agency_time + points_contacts "  # noqa: S608
        "+ points_agencies + points_attitude WHERE timeliness IS NOT NULL"
    )
    op.execute(f"UPDATE {RATINGS} SET score = NULL WHERE timeliness IS NULL")  # noqa: S608
    with op.batch_alter_table(RATINGS, recreate="auto") as batch_op:
        for name, condition in NEW_CHECKS.items():
            batch_op.create_check_constraint(_check(name), condition)
    _recount_rollups()


def downgrade():
    # Back to the 0–6 score of indicators 1, 3 and 7; the rollups lose indicators 2 and 4.
    for table in ROLLUP_TABLES:
        op.execute(
            f"UPDATE {table} SET score_sum = score_sum - points_agency_time - points_agencies"  # noqa: S608
        )
        for name in NEW_COUNTERS:
            op.drop_column(table, name)  # native DROP COLUMN on SQLite >= 3.35: no copy
    with op.batch_alter_table(RATINGS, recreate="auto") as batch_op:
        for name in NEW_CHECKS:
            batch_op.drop_constraint(_check(name), type_="check")
    op.execute(
        f"UPDATE {RATINGS} SET score = points_time + points_contacts + points_attitude "  # noqa: S608
        "WHERE score IS NOT NULL"
    )
    with op.batch_alter_table(RATINGS, recreate="auto") as batch_op:
        for name in (*POINTS, "score_max", "agencies_involved"):
            batch_op.drop_column(name)
        batch_op.create_check_constraint(_check("score_range"), OLD_SCORE_RANGE)
    op.drop_column("dossiers", "agencies_involved")
