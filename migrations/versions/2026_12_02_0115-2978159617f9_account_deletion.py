"""Account deletion after a cooling-off period, and the purpose of each queued message (a
withdrawn consent stops the messages of its purpose).

Revision ID: 2978159617f9
Revises: cf09d093d919
Create Date: 2026-12-02 01:15:25.635137

"""

import sqlalchemy as sa
from alembic import op

revision = "2978159617f9"
down_revision = "cf09d093d919"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("deletion_requested_at", sa.DateTime(timezone=True)))
    op.add_column("users", sa.Column("deleted_at", sa.DateTime(timezone=True)))
    op.add_column("outbox_messages", sa.Column("purpose", sa.String(length=20)))


def downgrade():
    op.drop_column("outbox_messages", "purpose")
    op.drop_column("users", "deleted_at")
    op.drop_column("users", "deletion_requested_at")
