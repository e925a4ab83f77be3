"""Duplicate feedback merged into one item: the item a duplicate was merged into

The status "merged" needs no change of schema: statuses are stored as plain strings
(portal.db.str_enum, no native enum and no CHECK constraint).

Revision ID: b7e3f1a9c2d4
Revises: 4a9e2c7b1f30
Create Date: 2026-12-02 18:35:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b7e3f1a9c2d4"
down_revision = "4a9e2c7b1f30"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_feedback_merged_into_id"), ["merged_into_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_feedback_merged_into_id_feedback"),
            "feedback",
            ["merged_into_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    # Merged items go back to "closed" and their events to kinds the older code knows (the
    # merge stays readable: the events' texts name the other item).
    op.execute("UPDATE feedback SET status = 'closed' WHERE status = 'merged'")
    op.execute("UPDATE feedback_events SET new_status = 'closed' WHERE new_status = 'merged'")
    op.execute("UPDATE feedback_events SET old_status = 'closed' WHERE old_status = 'merged'")
    op.execute("UPDATE feedback_events SET kind = 'closed' WHERE kind = 'merged'")
    op.execute("UPDATE feedback_events SET kind = 'note' WHERE kind = 'merged_in'")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_feedback_merged_into_id_feedback"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_feedback_merged_into_id"))
        batch_op.drop_column("merged_into_id")
