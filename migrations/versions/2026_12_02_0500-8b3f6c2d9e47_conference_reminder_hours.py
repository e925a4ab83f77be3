"""Each conference's reminder lead time (hours before the start; 0: no reminder)

Revision ID: 8b3f6c2d9e47
Revises: 5e1c0a7d2b91
Create Date: 2026-12-02 05:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "8b3f6c2d9e47"
down_revision = "5e1c0a7d2b91"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dialogue_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_hours", sa.Integer(), server_default="24", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("dialogue_sessions", schema=None) as batch_op:
        batch_op.drop_column("reminder_hours")
