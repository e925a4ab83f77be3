"""Zalo: template values on outbox messages, providers' tokens; a channel on consents.

Revision ID: 83dfb692beb9
Revises: d164a9bb8d50
Create Date: 2026-12-01 23:54:49.558113

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "83dfb692beb9"
down_revision = "d164a9bb8d50"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "provider_tokens",
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_provider_tokens")),
    )
    op.add_column("consents", sa.Column("channel", sa.String(length=10), nullable=True))
    op.add_column("outbox_messages", sa.Column("data", sa.JSON(), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+), not a batch copy of tables others point at.
    op.drop_column("outbox_messages", "data")
    op.drop_column("consents", "channel")
    op.drop_table("provider_tokens")
