"""Fatherland Front supervision: the supervisor's recommendations to the chairman (kiến nghị
giám sát), their subject and link, deadline in working days, state and answer.

Revision ID: 71fb9919c5a9
Revises: b7e3d91c4a52
Create Date: 2026-12-03 08:45:15.799180

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "71fb9919c5a9"
down_revision = "b7e3d91c4a52"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "supervision_recommendations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column(
            "subject_kind",
            sa.Enum(
                "feedback",
                "conference",
                "dossier",
                "procedure",
                "period",
                name="subjectkind",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=True),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("dossier_id", sa.Integer(), nullable=True),
        sa.Column("procedure_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "sent",
                "answered",
                "withdrawn",
                name="recommendationstate",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(state = 'answered') = (answered_at IS NOT NULL AND answered_by_id IS NOT NULL)",
            name=op.f("ck_supervision_recommendations_answered_has_answer"),
        ),
        sa.CheckConstraint(
            "CASE WHEN feedback_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN session_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN dossier_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN procedure_id IS NULL THEN 0 ELSE 1 END <= 1",
            name=op.f("ck_supervision_recommendations_one_link"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_supervision_recommendations_answered_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_supervision_recommendations_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_supervision_recommendations_dossier_id_dossiers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback.id"],
            name=op.f("fk_supervision_recommendations_feedback_id_feedback"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["procedure_id"],
            ["procedures.id"],
            name=op.f("fk_supervision_recommendations_procedure_id_procedures"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["dialogue_sessions.id"],
            name=op.f("fk_supervision_recommendations_session_id_dialogue_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["wards.id"], name=op.f("fk_supervision_recommendations_ward_id_wards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_recommendations")),
    )
    with op.batch_alter_table("supervision_recommendations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_recommendations_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_supervision_recommendations_dossier_id"), ["dossier_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_supervision_recommendations_feedback_id"), ["feedback_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_supervision_recommendations_procedure_id"),
            ["procedure_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_supervision_recommendations_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            "ix_supervision_recommendations_ward_state_due",
            ["ward_id", "state", "due_on"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("supervision_recommendations", schema=None) as batch_op:
        batch_op.drop_index("ix_supervision_recommendations_ward_state_due")
        batch_op.drop_index(batch_op.f("ix_supervision_recommendations_session_id"))
        batch_op.drop_index(batch_op.f("ix_supervision_recommendations_procedure_id"))
        batch_op.drop_index(batch_op.f("ix_supervision_recommendations_feedback_id"))
        batch_op.drop_index(batch_op.f("ix_supervision_recommendations_dossier_id"))
        batch_op.drop_index(batch_op.f("ix_supervision_recommendations_author_id"))

    op.drop_table("supervision_recommendations")
