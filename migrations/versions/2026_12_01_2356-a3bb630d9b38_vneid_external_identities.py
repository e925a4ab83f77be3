"""VNeID logins: an account's identity at the national login service, by a keyed hash of
the personal ID number (never the number) and its last 3 digits.

Revision ID: a3bb630d9b38
Revises: 83dfb692beb9
Create Date: 2026-12-01 23:56:31.619694

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a3bb630d9b38"
down_revision = "83dfb692beb9"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "external_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("subject_hash", sa.String(length=64), nullable=False),
        sa.Column("id_last3", sa.String(length=3), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_external_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_external_identities")),
        # One account per person, and one person per account, at each provider.
        sa.UniqueConstraint(
            "provider", "subject_hash", name=op.f("uq_external_identities_provider")
        ),
        sa.UniqueConstraint("user_id", "provider", name=op.f("uq_external_identities_user_id")),
    )


def downgrade():
    op.drop_table("external_identities")
