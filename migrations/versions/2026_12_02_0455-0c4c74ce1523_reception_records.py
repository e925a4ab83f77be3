"""The reception record (sổ tiếp công dân): each citizen received, the matter raised, the
chairman's conclusion and the follow-up (an officer, a deadline, the feedback case opened).

Revision ID: 0c4c74ce1523
Revises: d16a1b216520
Create Date: 2026-12-02 04:55:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0c4c74ce1523"
down_revision = "d16a1b216520"
branch_labels = None
depends_on = None

KINDS = ("feedback", "petition", "complaint", "denunciation")


def upgrade():
    op.create_table(
        "reception_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=True),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("visitor_name", sa.String(length=120), nullable=False),
        sa.Column("visitor_phone", sa.String(length=20), nullable=False),
        sa.Column("visitor_address", sa.String(length=300), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="matterkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("matter", sa.Text(), nullable=False),
        sa.Column("documents", sa.Text(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("follow_up_officer_id", sa.Integer(), nullable=True),
        sa.Column("follow_up_days", sa.Integer(), nullable=True),
        sa.Column("follow_up_due", sa.Date(), nullable=True),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "follow_up_days IS NULL OR follow_up_days BETWEEN 1 AND 90",
            name=op.f("ck_reception_records_follow_up_days_range"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_reception_records_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback.id"],
            name=op.f("fk_reception_records_feedback_id_feedback"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_officer_id"],
            ["users.id"],
            name=op.f("fk_reception_records_follow_up_officer_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_reception_records_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["dialogue_sessions.id"],
            name=op.f("fk_reception_records_slot_id_dialogue_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reception_records_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["wards.id"], name=op.f("fk_reception_records_ward_id_wards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_records")),
    )
    for column in ("booking_id", "feedback_id", "slot_id", "user_id"):
        op.create_index(f"ix_reception_records_{column}", "reception_records", [column])
    op.create_index(
        "ix_reception_records_ward_received", "reception_records", ["ward_id", "received_at"]
    )


def downgrade():
    op.drop_index("ix_reception_records_ward_received", table_name="reception_records")
    for column in ("user_id", "slot_id", "feedback_id", "booking_id"):
        op.drop_index(f"ix_reception_records_{column}", table_name="reception_records")
    op.drop_table("reception_records")
