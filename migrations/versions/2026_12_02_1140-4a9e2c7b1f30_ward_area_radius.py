"""A ward's area for the feedback maps: metres around its committee's place

Revision ID: 4a9e2c7b1f30
Revises: 7d1e5a0c2b64
Create Date: 2026-12-02 11:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "4a9e2c7b1f30"
down_revision = "7d1e5a0c2b64"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("ward_info", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area_radius_m", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_ward_info_area_radius_m"),
            "area_radius_m IS NULL OR area_radius_m BETWEEN 100 AND 50000",
        )


def downgrade():
    with op.batch_alter_table("ward_info", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_ward_info_area_radius_m"), type_="check")
        batch_op.drop_column("area_radius_m")
