"""When each signed-in session was last used (idle sessions end: 30 minutes for officials,
14 days for residents, by default).

Revision ID: bdffe7bb79b4
Revises: 2978159617f9
Create Date: 2026-12-02

"""

import sqlalchemy as sa
from alembic import op

revision = "bdffe7bb79b4"
down_revision = "2978159617f9"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("auth_sessions", sa.Column("last_seen_at", sa.DateTime(timezone=True)))


def downgrade():
    op.drop_column("auth_sessions", "last_seen_at")
