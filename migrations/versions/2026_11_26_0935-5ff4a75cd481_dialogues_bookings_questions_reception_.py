"""Dialogues: conferences and reception slots, bookings, questions, schedules; the outbox.

Revision ID: 5ff4a75cd481
Revises: 538cf55579bd
Create Date: 2026-11-26 09:35:05.513090

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "5ff4a75cd481"
down_revision = "538cf55579bd"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column(
            "channel",
            sa.Enum("email", "sms", name="channel", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "sending",
                "sent",
                "failed",
                name="outboxstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_outbox_messages_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["wards.id"], name=op.f("fk_outbox_messages_ward_id_wards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_messages_dedupe_key")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_messages_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_messages_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_messages_ward_id"), ["ward_id"], unique=False)

    op.create_table(
        "reception_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.Time(), nullable=False),
        sa.Column("end_time", sa.Time(), nullable=False),
        sa.Column("slot_minutes", sa.Integer(), nullable=False),
        sa.Column("venue", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_reception_schedules_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["wards.id"], name=op.f("fk_reception_schedules_ward_id_wards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reception_schedules")),
    )
    with op.batch_alter_table("reception_schedules", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reception_schedules_ward_id"), ["ward_id"], unique=False
        )

    op.create_table(
        "dialogue_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("conference", "reception", name="sessionkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                "held",
                "results_published",
                "cancelled",
                name="sessionstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "in_person", "online", "hybrid", name="sessionmode", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("venue", sa.String(length=300), nullable=False),
        sa.Column("online_url", sa.String(length=500), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("walk_in_seats", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("walk_ins", sa.Integer(), nullable=False),
        sa.Column("booking_opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("booking_closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("residential_groups", sa.String(length=300), nullable=False),
        sa.Column("co_organiser", sa.String(length=200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("late_notice", sa.Boolean(), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("results_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=False),
        sa.Column("attendance_count", sa.Integer(), nullable=True),
        sa.Column("minutes_summary", sa.Text(), nullable=False),
        sa.Column("secretary", sa.String(length=120), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_at > starts_at", name=op.f("ck_dialogue_sessions_ends_after_start")
        ),
        sa.CheckConstraint(
            "seats_taken <= capacity - walk_in_seats",
            name=op.f("ck_dialogue_sessions_no_overbooking"),
        ),
        sa.CheckConstraint(
            "seats_taken >= 0", name=op.f("ck_dialogue_sessions_seats_not_negative")
        ),
        sa.CheckConstraint(
            "walk_in_seats >= 0 AND walk_in_seats <= capacity",
            name=op.f("ck_dialogue_sessions_walk_ins"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_dialogue_sessions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_dialogue_sessions_published_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["reception_schedules.id"],
            name=op.f("fk_dialogue_sessions_schedule_id_reception_schedules"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["wards.id"], name=op.f("fk_dialogue_sessions_ward_id_wards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogue_sessions")),
    )
    with op.batch_alter_table("dialogue_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dialogue_sessions_schedule_id"), ["schedule_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dialogue_sessions_status"), ["status"], unique=False)
        batch_op.create_index(
            "ix_dialogue_sessions_ward_start", ["ward_id", "kind", "starts_at"], unique=False
        )

    op.create_table(
        "bookings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column(
            "session_kind",
            sa.Enum("conference", "reception", name="sessionkind", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("guest_name", sa.String(length=120), nullable=False),
        sa.Column("guest_phone", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "confirmed",
                "waiting",
                "attended",
                "no_show",
                "cancelled",
                name="bookingstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("booked_by_id", sa.Integer(), nullable=True),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booked_by_id"], ["users.id"], name=op.f("fk_bookings_booked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"], ["users.id"], name=op.f("fk_bookings_cancelled_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["checked_in_by_id"], ["users.id"], name=op.f("fk_bookings_checked_in_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["dialogue_sessions.id"],
            name=op.f("fk_bookings_session_id_dialogue_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_bookings_user_id_users")),
        sa.ForeignKeyConstraint(["ward_id"], ["wards.id"], name=op.f("fk_bookings_ward_id_wards")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bookings")),
        sa.UniqueConstraint("code", name=op.f("uq_bookings_code")),
    )
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bookings_session_status", ["session_id", "status", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bookings_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bookings_ward_id"), ["ward_id"], unique=False)
        batch_op.create_index(
            "uq_bookings_one_active_per_user",
            ["session_id", "user_id"],
            unique=True,
            sqlite_where=sa.text(
                "status IN ('confirmed', 'waiting', 'attended') AND user_id IS NOT NULL"
            ),
            postgresql_where=sa.text(
                "status IN ('confirmed', 'waiting', 'attended') AND user_id IS NOT NULL"
            ),
        )
        batch_op.create_index(
            "uq_bookings_one_open_reception",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text(
                "session_kind = 'reception' AND status = 'confirmed' AND user_id IS NOT NULL"
            ),
            postgresql_where=sa.text(
                "session_kind = 'reception' AND status = 'confirmed' AND user_id IS NOT NULL"
            ),
        )

    op.create_table(
        "dialogue_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("from_floor", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["answered_by_id"],
            ["users.id"],
            name=op.f("fk_dialogue_questions_answered_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["bookings.id"],
            name=op.f("fk_dialogue_questions_booking_id_bookings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["dialogue_questions.id"],
            name=op.f("fk_dialogue_questions_merged_into_id_dialogue_questions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["dialogue_sessions.id"],
            name=op.f("fk_dialogue_questions_session_id_dialogue_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["ward_id"], ["wards.id"], name=op.f("fk_dialogue_questions_ward_id_wards")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialogue_questions")),
    )
    with op.batch_alter_table("dialogue_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dialogue_questions_booking_id"), ["booking_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dialogue_questions_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dialogue_questions_ward_id"), ["ward_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("dialogue_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dialogue_questions_ward_id"))
        batch_op.drop_index(batch_op.f("ix_dialogue_questions_session_id"))
        batch_op.drop_index(batch_op.f("ix_dialogue_questions_booking_id"))

    op.drop_table("dialogue_questions")
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_bookings_one_open_reception",
            sqlite_where=sa.text(
                "session_kind = 'reception' AND status = 'confirmed' AND user_id IS NOT NULL"
            ),
            postgresql_where=sa.text(
                "session_kind = 'reception' AND status = 'confirmed' AND user_id IS NOT NULL"
            ),
        )
        batch_op.drop_index(
            "uq_bookings_one_active_per_user",
            sqlite_where=sa.text(
                "status IN ('confirmed', 'waiting', 'attended') AND user_id IS NOT NULL"
            ),
            postgresql_where=sa.text(
                "status IN ('confirmed', 'waiting', 'attended') AND user_id IS NOT NULL"
            ),
        )
        batch_op.drop_index(batch_op.f("ix_bookings_ward_id"))
        batch_op.drop_index(batch_op.f("ix_bookings_user_id"))
        batch_op.drop_index("ix_bookings_session_status")

    op.drop_table("bookings")
    with op.batch_alter_table("dialogue_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_dialogue_sessions_ward_start")
        batch_op.drop_index(batch_op.f("ix_dialogue_sessions_status"))
        batch_op.drop_index(batch_op.f("ix_dialogue_sessions_schedule_id"))

    op.drop_table("dialogue_sessions")
    with op.batch_alter_table("reception_schedules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reception_schedules_ward_id"))

    op.drop_table("reception_schedules")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_ward_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_user_id"))
        batch_op.drop_index("ix_outbox_messages_due")

    op.drop_table("outbox_messages")
