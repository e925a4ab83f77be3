"""Satisfaction totals per ward and month (the sum of the ward's rollups), filled from them.

Revision ID: 2cf52fb456f0
Revises: 8c8d42a8fb3f
Create Date: 2026-11-26 14:15:04.368362

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "2cf52fb456f0"
down_revision = "8c8d42a8fb3f"
branch_labels = None
depends_on = None

COUNTERS = (
    "returned",
    "early",
    "on_time",
    "late",
    "contacts",
    "ratings",
    "very_satisfied",
    "satisfied",
    "dissatisfied",
    "scored",
    "score_sum",
)


def upgrade():
    op.create_table(
        "satisfaction_ward_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS],
        sa.ForeignKeyConstraint(
            ["ward_id"], ["wards.id"], name=op.f("fk_satisfaction_ward_months_ward_id_wards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_ward_months")),
        sa.UniqueConstraint("ward_id", "month", name="uq_satisfaction_ward_months_group"),
    )
    with op.batch_alter_table("satisfaction_ward_months", schema=None) as batch_op:
        batch_op.create_index("ix_satisfaction_ward_months_month", ["month"], unique=False)
    # The totals so far: the rollups added up per ward and month.
    columns = ", ".join(COUNTERS)
    sums = ", ".join(f"SUM({name})" for name in COUNTERS)
    op.execute(
        f"INSERT INTO satisfaction_ward_months (ward_id, month, {columns}) "  # noqa: S608
        f"SELECT ward_id, month, {sums} FROM satisfaction_rollups GROUP BY ward_id, month"
    )


def downgrade():
    with op.batch_alter_table("satisfaction_ward_months", schema=None) as batch_op:
        batch_op.drop_index("ix_satisfaction_ward_months_month")
    op.drop_table("satisfaction_ward_months")
