"""Indexes that keep the dashboard's reads bounded as ratings and feedback grow: the ward's
dissatisfied ratings (partial), those that opened no case (partial), a rating by its case,
and the ward's feedback by answer time

Revision ID: 3c8d5e2f1a67
Revises: 5d2c8e1f7a93
Create Date: 2026-12-03 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "3c8d5e2f1a67"
down_revision = "5d2c8e1f7a93"
branch_labels = None
depends_on = None

DISSATISFIED_SQL = "level = 'dissatisfied'"
WITHOUT_CASE_SQL = "level = 'dissatisfied' AND feedback_id IS NULL"
SIGNED_SQL = "signed_by_id IS NOT NULL"


def upgrade():
    with op.batch_alter_table("satisfaction_ratings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_satisfaction_ratings_ward_dissatisfied",
            ["ward_id", "created_at"],
            unique=False,
            sqlite_where=sa.text(DISSATISFIED_SQL),
            postgresql_where=sa.text(DISSATISFIED_SQL),
        )
        batch_op.create_index(
            "ix_satisfaction_ratings_ward_without_case",
            ["ward_id", "created_at"],
            unique=False,
            sqlite_where=sa.text(WITHOUT_CASE_SQL),
            postgresql_where=sa.text(WITHOUT_CASE_SQL),
        )
        batch_op.create_index(
            batch_op.f("ix_satisfaction_ratings_feedback_id"), ["feedback_id"], unique=False
        )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index("ix_feedback_ward_answered", ["ward_id", "answered_at"], unique=False)
    # Not in batch mode: on SQLite that could rebuild dossiers, which the ratings reference.
    op.create_index(
        "ix_dossiers_ward_signed_returned",
        "dossiers",
        ["ward_id", "returned_at"],
        unique=False,
        sqlite_where=sa.text(SIGNED_SQL),
        postgresql_where=sa.text(SIGNED_SQL),
    )


def downgrade():
    op.drop_index("ix_dossiers_ward_signed_returned", table_name="dossiers")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_ward_answered")
    with op.batch_alter_table("satisfaction_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_satisfaction_ratings_feedback_id"))
        batch_op.drop_index("ix_satisfaction_ratings_ward_without_case")
        batch_op.drop_index("ix_satisfaction_ratings_ward_dissatisfied")
