"""Dialogue conferences, citizen-reception slots, their bookings and questions."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import TimestampMixin, UTCDateTime, str_enum, utcnow
from portal.extensions import db
from portal.wards.models import Ward

# How long before a conference those booked may be reminded (hours; 0: not at all).
REMINDER_HOURS = (0, 2, 6, 12, 24, 48, 72)
DEFAULT_REMINDER_HOURS = 24


class SessionKind(enum.StrEnum):
    CONFERENCE = "conference"  # hội nghị đối thoại
    RECEPTION = "reception"  # one slot of tiếp công dân


class SessionMode(enum.StrEnum):
    IN_PERSON = "in_person"
    ONLINE = "online"
    HYBRID = "hybrid"


class SessionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    HELD = "held"
    RESULTS_PUBLISHED = "results_published"
    CANCELLED = "cancelled"


class DialogueSession(TimestampMixin, db.Model):
    """One conference or one reception slot: the thing residents book a place in."""

    __tablename__ = "dialogue_sessions"
    __table_args__ = (
        sa.CheckConstraint("seats_taken >= 0", name="seats_not_negative"),
        sa.CheckConstraint("seats_taken <= capacity - walk_in_seats", name="no_overbooking"),
        sa.CheckConstraint("walk_in_seats >= 0 AND walk_in_seats <= capacity", name="walk_ins"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_dialogue_sessions_ward_start", "ward_id", "kind", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"))
    kind: Mapped[SessionKind] = mapped_column(str_enum(SessionKind))
    status: Mapped[SessionStatus] = mapped_column(
        str_enum(SessionStatus), default=SessionStatus.DRAFT, index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    mode: Mapped[SessionMode] = mapped_column(str_enum(SessionMode), default=SessionMode.IN_PERSON)
    venue: Mapped[str] = mapped_column(sa.String(300), default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(sa.Integer)
    walk_in_seats: Mapped[int] = mapped_column(sa.Integer, default=0)
    # How long before the start those booked are reminded (0: no reminder message).
    reminder_hours: Mapped[int] = mapped_column(
        sa.Integer, default=DEFAULT_REMINDER_HOURS, server_default=str(DEFAULT_REMINDER_HOURS)
    )
    # Confirmed bookings; kept by conditional UPDATEs so that no two workers take one seat.
    seats_taken: Mapped[int] = mapped_column(sa.Integer, default=0)
    walk_ins: Mapped[int] = mapped_column(sa.Integer, default=0)  # arrived without booking
    booking_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    booking_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    residential_groups: Mapped[str] = mapped_column(sa.String(300), default="")
    co_organiser: Mapped[str] = mapped_column(sa.String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Published later than the legal notice (7 days): who confirmed it, recorded.
    late_notice: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    # Minutes (biên bản)
    attendance_count: Mapped[int | None] = mapped_column(sa.Integer)
    minutes_summary: Mapped[str] = mapped_column(sa.Text, default="")
    secretary: Mapped[str] = mapped_column(sa.String(120), default="")
    # Reception slots come from a weekly schedule and can be blocked (chairman away, holiday).
    schedule_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("reception_schedules.id", ondelete="SET NULL"), index=True
    )

    ward: Mapped[Ward] = relationship()

    @property
    def bookable_seats(self) -> int:
        return self.capacity - self.walk_in_seats

    @property
    def seats_left(self) -> int:
        return max(self.bookable_seats - self.seats_taken, 0)

    @property
    def is_published(self) -> bool:
        """Announced and not yet held (its online link is given out)."""
        return self.status == SessionStatus.PUBLISHED

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def has_results(self) -> bool:
        """Its minutes and answers are public."""
        return self.status == SessionStatus.RESULTS_PUBLISHED


class BookingStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    WAITING = "waiting"  # on the waiting list, in order of id
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


ACTIVE_BOOKING = (BookingStatus.CONFIRMED, BookingStatus.WAITING, BookingStatus.ATTENDED)
_ACTIVE_SQL = "status IN ('confirmed', 'waiting', 'attended')"


class Booking(TimestampMixin, db.Model):
    """A resident's (or a walk-in caller's) place in a session, or on its waiting list."""

    __tablename__ = "bookings"
    __table_args__ = (
        # One active booking per resident per session, whatever the number of workers.
        sa.Index(
            "uq_bookings_one_active_per_user",
            "session_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text(_ACTIVE_SQL + " AND user_id IS NOT NULL"),
            postgresql_where=sa.text(_ACTIVE_SQL + " AND user_id IS NOT NULL"),
        ),
        # One open reception booking per resident at a time.
        sa.Index(
            "uq_bookings_one_open_reception",
            "user_id",
            unique=True,
            sqlite_where=sa.text(
                "session_kind = 'reception' AND status = 'confirmed' AND user_id IS NOT NULL"
            ),
            postgresql_where=sa.text(
                "session_kind = 'reception' AND status = 'confirmed' AND user_id IS NOT NULL"
            ),
        ),
        sa.Index("ix_bookings_session_status", "session_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"), index=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dialogue_sessions.id", ondelete="CASCADE")
    )
    session_kind: Mapped[SessionKind] = mapped_column(str_enum(SessionKind))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # A caller or walk-in without an account, booked by staff.
    guest_name: Mapped[str] = mapped_column(sa.String(120), default="")
    guest_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus))
    question: Mapped[str] = mapped_column(sa.Text, default="")
    booked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    cancel_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    session: Mapped[DialogueSession] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    @property
    def for_conference(self) -> bool:
        """A place at a conference (with a question), not a reception slot (with a topic)."""
        return self.session_kind == SessionKind.CONFERENCE

    @property
    def holder_name(self) -> str:
        return self.user.full_name if self.user else self.guest_name

    @property
    def holder_phone(self) -> str:
        return self.user.phone if self.user else self.guest_phone

    @property
    def holds_place(self) -> bool:
        """A place is kept for the holder (confirmed, or already arrived)."""
        return self.status in (BookingStatus.CONFIRMED, BookingStatus.ATTENDED)


class Question(TimestampMixin, db.Model):
    """A question for the chairman: sent in advance with a booking, or raised from the floor."""

    __tablename__ = "dialogue_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"), index=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dialogue_sessions.id", ondelete="CASCADE"), index=True
    )
    booking_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("bookings.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    from_floor: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Duplicates point at the question they were merged into.
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("dialogue_questions.id", ondelete="SET NULL")
    )
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class WalkInOverride(db.Model):
    """A walk-in counted at the door although the room was full: who let them in, when, and
    how many were in the room then (of how many seats). Kept for the record; the walk-in
    itself is counted in DialogueSession.walk_ins like any other."""

    __tablename__ = "walk_in_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"), index=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("dialogue_sessions.id", ondelete="CASCADE"), index=True
    )
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    present: Mapped[int] = mapped_column(sa.Integer)  # in the room before this person
    capacity: Mapped[int] = mapped_column(sa.Integer)

    recorded_by: Mapped[User] = relationship()


class ReceptionSchedule(TimestampMixin, db.Model):
    """The chairman's weekly reception hours, from which bookable slots are made."""

    __tablename__ = "reception_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"), index=True)
    weekday: Mapped[int] = mapped_column(sa.Integer)  # 0 = Monday
    start_time: Mapped[time] = mapped_column(sa.Time)  # local Hà Nội time
    end_time: Mapped[time] = mapped_column(sa.Time)
    slot_minutes: Mapped[int] = mapped_column(sa.Integer, default=20)
    venue: Mapped[str] = mapped_column(sa.String(300), default="")
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class MatterKind(enum.StrEnum):
    """What a citizen raised at a reception (Law on Citizen Reception 2013)."""

    FEEDBACK = "feedback"  # phản ánh
    PETITION = "petition"  # kiến nghị
    COMPLAINT = "complaint"  # khiếu nại: Law on Complaints 2011, not feedback
    DENUNCIATION = "denunciation"  # tố cáo: Law on Denunciations 2018, not feedback

    @property
    def own_procedure(self) -> bool:
        """Handled under its own law, never as a feedback case."""
        return self in (MatterKind.COMPLAINT, MatterKind.DENUNCIATION)


class ReceptionRecord(TimestampMixin, db.Model):
    """One entry of the reception record (sổ tiếp công dân): who was received, when, what they
    raised and brought, what the chairman concluded, and the follow-up (an officer and a
    deadline; for feedback and petitions, the feedback case it opened)."""

    __tablename__ = "reception_records"
    __table_args__ = (
        sa.CheckConstraint(
            "follow_up_days IS NULL OR follow_up_days BETWEEN 1 AND 90",
            name="follow_up_days_range",
        ),
        sa.Index("ix_reception_records_ward_received", "ward_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"))
    slot_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("dialogue_sessions.id", ondelete="SET NULL"), index=True
    )
    booking_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("bookings.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    visitor_name: Mapped[str] = mapped_column(sa.String(120))
    visitor_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    visitor_address: Mapped[str] = mapped_column(sa.String(300), default="")
    kind: Mapped[MatterKind] = mapped_column(str_enum(MatterKind))
    matter: Mapped[str] = mapped_column(sa.Text)
    documents: Mapped[str] = mapped_column(sa.Text, default="")
    conclusion: Mapped[str] = mapped_column(sa.Text, default="")
    follow_up_officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    follow_up_days: Mapped[int | None] = mapped_column(sa.Integer)
    follow_up_due: Mapped[date | None] = mapped_column(sa.Date)
    feedback_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("feedback.id", ondelete="SET NULL"), index=True
    )
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    follow_up_officer: Mapped[User | None] = relationship(foreign_keys=[follow_up_officer_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    feedback = relationship("Feedback")


__all__ = [
    "ACTIVE_BOOKING",
    "Booking",
    "BookingStatus",
    "DialogueSession",
    "Question",
    "MatterKind",
    "ReceptionRecord",
    "ReceptionSchedule",
    "SessionKind",
    "SessionMode",
    "SessionStatus",
    "WalkInOverride",
]
