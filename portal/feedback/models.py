"""Feedback and petitions (phản ánh, kiến nghị): categories, items, their timeline,
attachments and canned replies. (Open311 clients' API keys are portal.api's.)"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.auth.models import User
from portal.db import TimestampMixin, UTCDateTime, str_enum, trigram_index, utcnow
from portal.extensions import db
from portal.wards.models import Ward

DEFAULT_DEADLINE_DAYS = 10  # working days (Decree 20/2008, amended by 92/2017)


class FeedbackCategory(TimestampMixin, db.Model):
    """A kind of feedback a ward accepts, with its deadline; its `code` is the Open311
    service_code."""

    __tablename__ = "feedback_categories"
    __table_args__ = (
        sa.UniqueConstraint("ward_id", "code", name="uq_feedback_categories_ward_code"),
        sa.CheckConstraint("deadline_days BETWEEN 1 AND 90", name="deadline_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    name_vi: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    description_vi: Mapped[str] = mapped_column(sa.String(500), default="")
    description_en: Mapped[str] = mapped_column(sa.String(500), default="")
    deadline_days: Mapped[int] = mapped_column(sa.Integer, default=DEFAULT_DEADLINE_DAYS)
    position: Mapped[int] = mapped_column(sa.Integer, default=0)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi

    def description(self, locale: str) -> str:
        return self.description_en if locale == "en" else self.description_vi


class FeedbackStatus(enum.StrEnum):
    RECEIVED = "received"  # Mới tiếp nhận
    IN_PROGRESS = "in_progress"  # Đang xử lý
    WAITING = "waiting"  # waiting for the resident: the deadline clock pauses
    ANSWERED = "answered"  # Đã trả lời
    CLOSED = "closed"  # Đã đóng
    TRANSFERRED = "transferred"  # sent on to the competent authority
    REJECTED = "rejected"
    MERGED = "merged"  # a duplicate, merged into another item (merged_into): answered there


# Still the ward's to answer: these count against the deadline.
OPEN_STATUSES = (FeedbackStatus.RECEIVED, FeedbackStatus.IN_PROGRESS)
# Nothing more will happen (Open311 "closed").
FINAL_STATUSES = (
    FeedbackStatus.CLOSED,
    FeedbackStatus.TRANSFERRED,
    FeedbackStatus.REJECTED,
    FeedbackStatus.MERGED,
)


class Urgency(enum.StrEnum):
    """How pressing an item is, set by the officer (the levels of Hà Nội's iHanoi rules)."""

    URGENT = "urgent"  # khẩn: danger to life, safety or order; counted in working hours
    COMPLEX = "complex"  # phức tạp: several agencies, or a procedure the law prescribes
    NORMAL = "normal"  # thông thường


class Channel(enum.StrEnum):
    WEB = "web"  # a resident's own submission
    PHONE = "phone"  # entered by staff for a caller
    WALK_IN = "walk_in"  # entered by staff at the desk
    OPEN311 = "open311"  # filed by an Open311 client
    SATISFACTION = "satisfaction"  # opened by a dissatisfied rating


class Feedback(TimestampMixin, db.Model):
    """One piece of feedback or petition, from receipt to answer."""

    __tablename__ = "feedback"
    __table_args__ = (
        sa.CheckConstraint("latitude IS NULL OR latitude BETWEEN -90 AND 90", name="latitude"),
        sa.CheckConstraint("longitude IS NULL OR longitude BETWEEN -180 AND 180", name="longitude"),
        sa.CheckConstraint(
            "answer_rating IS NULL OR answer_rating BETWEEN 1 AND 5", name="answer_rating"
        ),
        sa.Index("ix_feedback_ward_status_due", "ward_id", "status", "due_on"),
        sa.Index("ix_feedback_ward_received", "ward_id", "received_at"),
        # The answers of a period (the dashboard's feedback figures), read along the index.
        sa.Index("ix_feedback_ward_answered", "ward_id", "answered_at"),
        trigram_index("ix_feedback_search_text", "search_text"),
        trigram_index("ix_feedback_public_search_text", "public_search_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_categories.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(12), unique=True)
    status: Mapped[FeedbackStatus] = mapped_column(
        str_enum(FeedbackStatus), default=FeedbackStatus.RECEIVED
    )
    channel: Mapped[Channel] = mapped_column(str_enum(Channel), default=Channel.WEB)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # A caller, walk-in or Open311 reporter without an account.
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    residential_group: Mapped[str] = mapped_column(sa.String(100), default="")
    latitude: Mapped[float | None] = mapped_column(sa.Float)
    longitude: Mapped[float | None] = mapped_column(sa.Float)
    media_url: Mapped[str] = mapped_column(sa.String(500), default="")
    publish_allowed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_on: Mapped[date] = mapped_column(sa.Date)  # last working day to answer, Hà Nội date
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # waiting since
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transferred_to: Mapped[str] = mapped_column(sa.String(300), default="")
    reject_reason: Mapped[str] = mapped_column(sa.String(1000), default="")
    # A duplicate merged into another item of the ward: its sender is told that item's answer.
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("feedback.id", ondelete="SET NULL"), index=True
    )
    # The resident's verdict on the answer.
    resolved: Mapped[bool | None] = mapped_column(sa.Boolean)
    answer_rating: Mapped[int | None] = mapped_column(sa.Integer)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopened_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Open311: the client that filed it, and the token it can look the request up by.
    api_key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_keys.id"))
    api_token: Mapped[str | None] = mapped_column(sa.String(40), unique=True)
    device_id: Mapped[str] = mapped_column(sa.String(100), default="")
    # Urgency (portal.feedback.deadlines): an urgent item's limits, in working hours.
    urgency: Mapped[Urgency] = mapped_column(
        str_enum(Urgency), default=Urgency.NORMAL, server_default=Urgency.NORMAL.value
    )
    ack_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # to acknowledge by
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # to answer by
    # Folded (portal.text.fold) for searching without diacritics, written by
    # portal.feedback.search whenever the texts change: what officers search (code, title,
    # text, address) and what the public page shows (title, residential group, the text
    # without phone numbers or e-mails).
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    public_search_text: Mapped[str] = mapped_column(sa.Text, default="")

    ward: Mapped[Ward] = relationship()
    category: Mapped[FeedbackCategory] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    merged_into: Mapped[Feedback | None] = relationship(remote_side=[id])

    @property
    def submitter_name(self) -> str:
        return self.user.full_name if self.user else self.contact_name

    @property
    def submitter_phone(self) -> str:
        return self.user.phone if self.user else self.contact_phone

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def awaits_sender(self) -> bool:
        """Waiting for the sender's information: the deadline clock is paused."""
        return self.status == FeedbackStatus.WAITING


class EventKind(enum.StrEnum):
    SUBMITTED = "submitted"
    ASSIGNED = "assigned"
    STATUS = "status"  # a change of status with no text of its own
    NOTE = "note"  # internal, never shown to the resident
    REPLY = "reply"  # public reply (an answer when it moves the item to "answered")
    OUTCOME = "outcome"  # what was done, for a sender nobody can reach (answers and closes)
    INFO_REQUESTED = "info_requested"
    RESIDENT_MESSAGE = "resident_message"  # the resident adds information
    TRANSFERRED = "transferred"
    REJECTED = "rejected"
    RESOLVED = "resolved"  # the resident says the answer resolved it (closes)
    REOPENED = "reopened"  # "not resolved" within the reopening period
    NOT_RESOLVED = "not_resolved"  # "not resolved" after that period (closes)
    CLOSED = "closed"
    URGENCY = "urgency"  # the officer set the urgency (internal)
    MERGED = "merged"  # this item was merged into another (its body: that item's code)
    MERGED_IN = "merged_in"  # a duplicate was merged into this item (internal)


class FeedbackEvent(db.Model):
    """One entry of an item's history: who did what, when. `public` entries form the
    timeline the resident (and, for published items, everyone) sees."""

    __tablename__ = "feedback_events"
    __table_args__ = (sa.Index("ix_feedback_events_feedback", "feedback_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback.id", ondelete="CASCADE"))
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind))
    public: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    old_status: Mapped[FeedbackStatus | None] = mapped_column(str_enum(FeedbackStatus))
    new_status: Mapped[FeedbackStatus | None] = mapped_column(str_enum(FeedbackStatus))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship()
    attachments: Mapped[list[FeedbackAttachment]] = relationship(
        back_populates="event", order_by="FeedbackAttachment.id"
    )

    @property
    def shows_new_status(self) -> bool:
        """A change of status with no text of its own: the timeline names the new status."""
        return self.kind == EventKind.STATUS and self.new_status is not None


class FeedbackAttachment(db.Model):
    """An image or PDF sent with the feedback or with a reply. The bytes live in the
    database (every node sees them, backups include them) and are loaded only on download."""

    __tablename__ = "feedback_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(
        sa.ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("feedback_events.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(50))
    size: Mapped[int] = mapped_column(sa.Integer)
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    event: Mapped[FeedbackEvent | None] = relationship(back_populates="attachments")


class DeadlineNotice(db.Model):
    """A warning sent about an item's deadline: to whom, at which threshold, for which
    deadline. The daily job tells nobody twice about the same item, threshold and deadline
    (a moved deadline warns again)."""

    __tablename__ = "feedback_deadline_notices"
    __table_args__ = (
        sa.UniqueConstraint(
            "feedback_id",
            "threshold",
            "user_id",
            "due_on",
            name="uq_feedback_deadline_notices_once",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    threshold: Mapped[str] = mapped_column(sa.String(20))  # due_soon, overdue
    due_on: Mapped[date] = mapped_column(sa.Date)  # the deadline it was about
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CannedResponse(TimestampMixin, db.Model):
    """A ward's ready-made reply text that officers can start a reply from."""

    __tablename__ = "canned_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    body: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


__all__ = [
    "OPEN_STATUSES",
    "FINAL_STATUSES",
    "CannedResponse",
    "Channel",
    "DeadlineNotice",
    "EventKind",
    "Feedback",
    "FeedbackAttachment",
    "FeedbackCategory",
    "FeedbackEvent",
    "FeedbackStatus",
    "Urgency",
]
