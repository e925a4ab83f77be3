"""Publication consents: a consent per feedback item that may be published

Revision ID: 5e1c0a7d2b91
Revises: 49cd468a4c35
Create Date: 2026-12-02 04:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5e1c0a7d2b91"
down_revision = "49cd468a4c35"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("feedback_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_consents_feedback_id"), ["feedback_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_consents_feedback_id_feedback"),
            "feedback",
            ["feedback_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade():
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_consents_feedback_id_feedback"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_consents_feedback_id"))
        batch_op.drop_column("feedback_id")
