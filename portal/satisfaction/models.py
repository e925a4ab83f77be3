"""Satisfaction with administrative procedures (Decree 61/2018, Circular 01/2018): the
ward's procedure catalogue, the dossiers of its one-stop desk, and residents' ratings."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import TimestampMixin, UTCDateTime, str_enum, trigram_index, utcnow
from portal.extensions import db


class Procedure(TimestampMixin, db.Model):
    """One administrative procedure (thủ tục hành chính) the ward's one-stop desk handles."""

    __tablename__ = "procedures"
    __table_args__ = (
        sa.UniqueConstraint("ward_id", "name_vi", name="uq_procedures_ward_name"),
        sa.CheckConstraint("time_limit_days BETWEEN 0 AND 365", name="time_limit_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(20), default="")  # national TTHC code
    name_vi: Mapped[str] = mapped_column(sa.String(300))
    name_en: Mapped[str] = mapped_column(sa.String(300), default="")
    field_vi: Mapped[str] = mapped_column(sa.String(120), default="")
    field_en: Mapped[str] = mapped_column(sa.String(120), default="")
    # Legal time limit in working days; 0 = returned the same working day.
    time_limit_days: Mapped[int] = mapped_column(sa.Integer, default=0)
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # What the public procedure page tells a resident (Vietnamese, as the ward publishes it):
    # the papers to bring (one a line), the fee, and where and how to submit.
    papers: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    fee: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    how_to_submit: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Names and code folded (portal.text.fold) for the dossier search (catalogue.search_text_of).
    search_text: Mapped[str] = mapped_column(sa.Text, default="")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi

    def field(self, locale: str) -> str:
        return self.field_en if locale == "en" and self.field_en else self.field_vi

    def paper_list(self) -> list[str]:
        """The papers to bring, one per non-empty line."""
        return [line.strip(" -•\t") for line in self.papers.splitlines() if line.strip(" -•\t")]


class Timeliness(enum.StrEnum):
    EARLY = "early"  # Trước hạn
    ON_TIME = "on_time"  # Đúng hạn
    LATE = "late"  # Trễ hạn


class Dossier(TimestampMixin, db.Model):
    """A dossier (hồ sơ) received and returned at the one-stop desk. When it is returned, a
    one-time rating token is issued; only the token's SHA-256 is kept."""

    __tablename__ = "dossiers"
    __table_args__ = (
        sa.UniqueConstraint("ward_id", "receipt_number", name="uq_dossiers_ward_receipt"),
        # The one-stop software's dossier code: re-sending a dossier updates it, never a second
        # (a unique index: NULLs, hand-registered dossiers, never collide).
        sa.Index("uq_dossiers_ward_national_code", "ward_id", "national_code", unique=True),
        sa.CheckConstraint("extra_visits >= 0", name="extra_visits_not_negative"),
        sa.Index("ix_dossiers_ward_received", "ward_id", "received_at"),
        trigram_index("ix_dossiers_search_text", "search_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"))
    procedure_id: Mapped[int] = mapped_column(sa.ForeignKey("procedures.id"), index=True)
    receipt_number: Mapped[str] = mapped_column(sa.String(40))  # số biên nhận
    # MaHoSo of the national one-stop software (portal.satisfaction.exchange); None for a
    # dossier registered by hand.
    national_code: Mapped[str | None] = mapped_column(sa.String(60))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_on: Mapped[date] = mapped_column(sa.Date)  # by the legal limit, in working days
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Times the applicant had to come back or supplement the dossier.
    extra_visits: Mapped[int] = mapped_column(sa.Integer, default=0)
    receiving_officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    timeliness: Mapped[Timeliness | None] = mapped_column(str_enum(Timeliness))
    # The one-time rating link: hash only, who issued it, until when it works.
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    token_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    token_issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    token_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The short rating code printed beside the QR code (typed at the ward's rating page or
    # the kiosk): the same one-time permission as the link, kept only as a keyed hash.
    short_code_hash: Mapped[str | None] = mapped_column(sa.String(64))
    # The phone the applicant gave at the desk (E.164, optional): its last 4 digits with the
    # receipt number look the dossier up. Masked everywhere, never logged.
    applicant_phone: Mapped[str] = mapped_column(sa.String(20), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The receipt number folded (portal.text.fold) for the dossier search.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")

    procedure: Mapped[Procedure] = relationship(lazy="joined")
    receiving_officer: Mapped[User | None] = relationship(foreign_keys=[receiving_officer_id])


class Level(enum.StrEnum):
    VERY_SATISFIED = "very_satisfied"  # Rất hài lòng
    SATISFIED = "satisfied"  # Hài lòng
    DISSATISFIED = "dissatisfied"  # Không hài lòng


class Attitude(enum.StrEnum):
    """The resident's view of the officer's attitude (indicator 7)."""

    GOOD = "good"
    ACCEPTABLE = "acceptable"
    POOR = "poor"


class RatingChannel(enum.StrEnum):
    LINK = "link"  # the QR code or link on the receipt slip, later, in private
    KIOSK = "kiosk"  # the tablet at the desk
    CODE = "code"  # the short code of the slip, typed at the ward's rating page


DISSATISFIED_SQL = "level = 'dissatisfied'"
WITHOUT_CASE_SQL = "level = 'dissatisfied' AND feedback_id IS NULL"


class SatisfactionRating(db.Model):
    """A resident's rating of one dossier: at most one per dossier, enforced by the database.
    The dossier's timeliness and contacts are copied in, so that scores can be reported
    without joining back."""

    __tablename__ = "satisfaction_ratings"
    __table_args__ = (
        sa.Index("ix_satisfaction_ratings_ward_created", "ward_id", "created_at"),
        # The dashboard's lists of dissatisfied ratings (the latest reasons of a period, the
        # ratings that opened no case) read these small partial indexes, a few entries per
        # request, instead of stepping through every rating of the ward.
        sa.Index(
            "ix_satisfaction_ratings_ward_dissatisfied",
            "ward_id",
            "created_at",
            sqlite_where=sa.text(DISSATISFIED_SQL),
            postgresql_where=sa.text(DISSATISFIED_SQL),
        ),
        sa.Index(
            "ix_satisfaction_ratings_ward_without_case",
            "ward_id",
            "created_at",
            sqlite_where=sa.text(WITHOUT_CASE_SQL),
            postgresql_where=sa.text(WITHOUT_CASE_SQL),
        ),
        sa.CheckConstraint("visits_reported IS NULL OR visits_reported >= 0", name="visits"),
        sa.CheckConstraint("score IS NULL OR score BETWEEN 0 AND 6", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"))
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id"), unique=True)
    procedure_id: Mapped[int] = mapped_column(sa.ForeignKey("procedures.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    level: Mapped[Level] = mapped_column(str_enum(Level))
    reason: Mapped[str] = mapped_column(sa.Text, default="")  # required when dissatisfied
    attitude: Mapped[Attitude | None] = mapped_column(str_enum(Attitude))
    visits_reported: Mapped[int | None] = mapped_column(sa.Integer)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    channel: Mapped[RatingChannel] = mapped_column(str_enum(RatingChannel))
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    timeliness: Mapped[Timeliness | None] = mapped_column(str_enum(Timeliness))
    contacts_needed: Mapped[int] = mapped_column(sa.Integer, default=0)
    # Indicators 1, 3 and 7 of the 18-point scale (0–2 each), where the data exists.
    score: Mapped[int | None] = mapped_column(sa.Integer)
    # The case a dissatisfied rating opened (indexed: a case's page finds its rating).
    feedback_id: Mapped[int | None] = mapped_column(sa.ForeignKey("feedback.id"), index=True)
    # A dissatisfied resident may leave a number to be called back on: the number itself is
    # the case's contact (feedback.contact_phone, masked but for those handling the case);
    # here the proof of the consent given for it: the exact wording and when.
    callback_consent_text: Mapped[str] = mapped_column(sa.Text, default="")
    callback_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    dossier: Mapped[Dossier] = relationship()


class KioskDevice(TimestampMixin, db.Model):
    """A tablet enrolled as the rating kiosk of one desk: the chairman issues a one-time
    enrolment code (hash only, expires unused), the tablet exchanges it for a long-lived
    signed cookie whose secret is kept only as a hash, and the chairman may revoke it. The
    device is bound to the officer who works at that desk: it shows the dossier that officer
    has just returned. The cookie opens the kiosk pages and nothing else."""

    __tablename__ = "kiosk_devices"
    __table_args__ = (sa.Index("ix_kiosk_devices_ward_created", "ward_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"))
    desk_name: Mapped[str] = mapped_column(sa.String(60))
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    enrolment_code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    enrolment_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    secret_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    officer: Mapped[User] = relationship(foreign_keys=[officer_id], lazy="joined")


__all__ = [
    "Attitude",
    "Dossier",
    "KioskDevice",
    "Level",
    "Procedure",
    "RatingChannel",
    "SatisfactionRating",
    "Timeliness",
]


class RollupCounters:
    """The running totals of a group of dossiers and ratings over one (Hà Nội) month."""

    month: Mapped[date] = mapped_column(sa.Date)  # the first day of the month
    # Dossiers returned in the month, by timeliness against the legal limit.
    returned: Mapped[int] = mapped_column(sa.Integer, default=0)
    early: Mapped[int] = mapped_column(sa.Integer, default=0)
    on_time: Mapped[int] = mapped_column(sa.Integer, default=0)
    late: Mapped[int] = mapped_column(sa.Integer, default=0)
    contacts: Mapped[int] = mapped_column(sa.Integer, default=0)  # extra visits, summed
    # Ratings given in the month, by level, and the per-dossier scores.
    ratings: Mapped[int] = mapped_column(sa.Integer, default=0)
    very_satisfied: Mapped[int] = mapped_column(sa.Integer, default=0)
    satisfied: Mapped[int] = mapped_column(sa.Integer, default=0)
    dissatisfied: Mapped[int] = mapped_column(sa.Integer, default=0)
    scored: Mapped[int] = mapped_column(sa.Integer, default=0)
    score_sum: Mapped[int] = mapped_column(sa.Integer, default=0)


class SatisfactionRollup(RollupCounters, db.Model):
    """Running totals per ward, procedure, receiving officer and (Hà Nội) month, kept in the
    same transaction as each return and each rating, so that reports read a few rows per
    group instead of every rating."""

    __tablename__ = "satisfaction_rollups"
    __table_args__ = (
        sa.UniqueConstraint(
            "ward_id", "procedure_id", "officer_id", "month", name="uq_satisfaction_rollups_group"
        ),
        sa.Index("ix_satisfaction_rollups_ward_month", "ward_id", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"))
    procedure_id: Mapped[int] = mapped_column(sa.ForeignKey("procedures.id"))
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))


class SatisfactionWardMonth(RollupCounters, db.Model):
    """The same totals per ward and month only (the sum of the ward's rollups of the month),
    kept in the same transaction: a ward's totals, its trend and the city-wide comparison
    read one row per ward and month, however many procedures and officers there are."""

    __tablename__ = "satisfaction_ward_months"
    __table_args__ = (
        sa.UniqueConstraint("ward_id", "month", name="uq_satisfaction_ward_months_group"),
        sa.Index("ix_satisfaction_ward_months_month", "month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"))


COUNTERS = (
    "returned",
    "early",
    "on_time",
    "late",
    "contacts",
    "ratings",
    "very_satisfied",
    "satisfied",
    "dissatisfied",
    "scored",
    "score_sum",
)
