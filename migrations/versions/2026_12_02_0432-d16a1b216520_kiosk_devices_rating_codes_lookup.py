"""Rating kiosks as enrolled devices; the slip's short rating code (keyed hash); the
applicant's phone of a dossier (for its lookup); the consent of a call-back number left
with a dissatisfied rating.

Revision ID: d16a1b216520
Revises: 8f7aa71fb410
Create Date: 2026-12-02 04:32:04.549066

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d16a1b216520"
down_revision = "8f7aa71fb410"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kiosk_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("desk_name", sa.String(length=60), nullable=False),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("enrolment_code_hash", sa.String(length=64), nullable=True),
        sa.Column("enrolment_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enrolled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("secret_hash", sa.String(length=64), nullable=True),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_kiosk_devices_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["users.id"], name=op.f("fk_kiosk_devices_officer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_kiosk_devices_revoked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["wards.id"], name=op.f("fk_kiosk_devices_ward_id_wards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk_devices")),
        sa.UniqueConstraint(
            "enrolment_code_hash", name=op.f("uq_kiosk_devices_enrolment_code_hash")
        ),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_kiosk_devices_secret_hash")),
    )
    op.create_index(op.f("ix_kiosk_devices_officer_id"), "kiosk_devices", ["officer_id"])
    op.create_index("ix_kiosk_devices_ward_created", "kiosk_devices", ["ward_id", "created_at"])

    # Plain ALTER TABLE (SQLite 3.35+ drops columns natively): no table is rebuilt, so
    # nothing referencing dossiers or ratings is disturbed.
    op.add_column("dossiers", sa.Column("short_code_hash", sa.String(length=64), nullable=True))
    op.add_column(
        "dossiers",
        sa.Column("applicant_phone", sa.String(length=20), server_default="", nullable=False),
    )
    op.add_column(
        "satisfaction_ratings",
        sa.Column("callback_consent_text", sa.Text(), server_default="", nullable=False),
    )
    op.add_column(
        "satisfaction_ratings",
        sa.Column("callback_consent_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade():
    op.drop_column("satisfaction_ratings", "callback_consent_at")
    op.drop_column("satisfaction_ratings", "callback_consent_text")
    op.drop_column("dossiers", "applicant_phone")
    op.drop_column("dossiers", "short_code_hash")
    op.drop_index("ix_kiosk_devices_ward_created", table_name="kiosk_devices")
    op.drop_index(op.f("ix_kiosk_devices_officer_id"), table_name="kiosk_devices")
    op.drop_table("kiosk_devices")
