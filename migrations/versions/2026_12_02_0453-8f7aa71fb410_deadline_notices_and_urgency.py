"""Deadline warnings and urgency: who was told about which deadline (so the daily job tells
nobody twice), and a feedback item's urgency with its limits in working hours

Revision ID: 8f7aa71fb410
Revises: 9836887bdb4b
Create Date: 2026-12-02 04:53:22

"""

import sqlalchemy as sa
from alembic import op

revision = "8f7aa71fb410"
down_revision = "9836887bdb4b"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "feedback_deadline_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.String(length=20), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback.id"],
            name=op.f("fk_feedback_deadline_notices_feedback_id_feedback"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_feedback_deadline_notices_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_deadline_notices")),
        sa.UniqueConstraint(
            "feedback_id",
            "threshold",
            "user_id",
            "due_on",
            name="uq_feedback_deadline_notices_once",
        ),
    )
    op.create_index(
        op.f("ix_feedback_deadline_notices_user_id"),
        "feedback_deadline_notices",
        ["user_id"],
        unique=False,
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "urgency",
                sa.Enum(
                    "urgent", "complex", "normal", name="urgency", native_enum=False, length=20
                ),
                server_default="normal",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("ack_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_column("due_at")
        batch_op.drop_column("ack_due_at")
        batch_op.drop_column("urgency")
    op.drop_index(
        op.f("ix_feedback_deadline_notices_user_id"), table_name="feedback_deadline_notices"
    )
    op.drop_table("feedback_deadline_notices")
