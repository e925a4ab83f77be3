"""Ward information (addresses, hotline, opening hours, map place) and what the public
procedure pages tell residents (papers to bring, fee, where and how to submit).

Revision ID: 9836887bdb4b
Revises: 8b3f6c2d9e47
Create Date: 2026-12-02 04:27:57.679586

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "9836887bdb4b"
down_revision = "8b3f6c2d9e47"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "ward_info",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("committee_address", sa.String(length=300), nullable=False),
        sa.Column("desk_address", sa.String(length=300), nullable=False),
        sa.Column("hotline", sa.String(length=20), nullable=False),
        sa.Column("opening_hours", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "latitude IS NULL OR latitude BETWEEN -90 AND 90", name=op.f("ck_ward_info_latitude")
        ),
        sa.CheckConstraint(
            "longitude IS NULL OR longitude BETWEEN -180 AND 180",
            name=op.f("ck_ward_info_longitude"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_ward_info_updated_by_id_users")
        ),
        sa.ForeignKeyConstraint(["ward_id"], ["wards.id"], name=op.f("fk_ward_info_ward_id_wards")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ward_info")),
        sa.UniqueConstraint("ward_id", name=op.f("uq_ward_info_ward_id")),
    )
    # Plain ALTER TABLE (SQLite 3.35+ drops columns itself): a batch copy of `procedures`
    # would drop the table that dossiers and ratings point to.
    op.add_column("procedures", sa.Column("papers", sa.Text(), server_default="", nullable=False))
    op.add_column(
        "procedures", sa.Column("fee", sa.String(length=300), server_default="", nullable=False)
    )
    op.add_column(
        "procedures", sa.Column("how_to_submit", sa.Text(), server_default="", nullable=False)
    )


def downgrade():
    op.drop_column("procedures", "how_to_submit")
    op.drop_column("procedures", "fee")
    op.drop_column("procedures", "papers")
    op.drop_table("ward_info")
