"""Dossier exchange with the one-stop software: a dossier's national code (MaHoSo), unique
per ward, and the scope of an API key

Revision ID: b7e3d91c4a52
Revises: b7e3f1a9c2d4
Create Date: 2026-12-02 18:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b7e3d91c4a52"
down_revision = "b7e3f1a9c2d4"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN and a unique index: no table copy on SQLite, whose copy of dossiers
    # would break the ratings' foreign keys.
    op.add_column("dossiers", sa.Column("national_code", sa.String(length=60), nullable=True))
    op.create_index(
        "uq_dossiers_ward_national_code", "dossiers", ["ward_id", "national_code"], unique=True
    )
    op.add_column(
        "api_keys",
        sa.Column("scope", sa.String(length=20), server_default="open311", nullable=False),
    )


def downgrade():
    op.drop_column("api_keys", "scope")  # native DROP COLUMN on SQLite >= 3.35: no copy
    op.drop_index("uq_dossiers_ward_national_code", table_name="dossiers")
    op.drop_column("dossiers", "national_code")
