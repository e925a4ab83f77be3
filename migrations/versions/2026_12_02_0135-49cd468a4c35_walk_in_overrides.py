"""Walk-ins counted at the door past the room's capacity: who let each one in, when, and
how full the room was.

Revision ID: 49cd468a4c35
Revises: bdffe7bb79b4
Create Date: 2026-12-02 01:35:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "49cd468a4c35"
down_revision = "bdffe7bb79b4"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "walk_in_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_walk_in_overrides_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["dialogue_sessions.id"],
            name=op.f("fk_walk_in_overrides_session_id_dialogue_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["wards.id"], name=op.f("fk_walk_in_overrides_ward_id_wards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_walk_in_overrides")),
    )
    op.create_index(op.f("ix_walk_in_overrides_session_id"), "walk_in_overrides", ["session_id"])
    op.create_index(op.f("ix_walk_in_overrides_ward_id"), "walk_in_overrides", ["ward_id"])


def downgrade():
    op.drop_index(op.f("ix_walk_in_overrides_ward_id"), table_name="walk_in_overrides")
    op.drop_index(op.f("ix_walk_in_overrides_session_id"), table_name="walk_in_overrides")
    op.drop_table("walk_in_overrides")
