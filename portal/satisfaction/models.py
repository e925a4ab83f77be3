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


SIGNED_SQL = "signed_by_id IS NOT NULL"  # dossiers whose signer is recorded


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
        # The dashboard's delegated-signing table reads the period's signed returns only.
        sa.Index(
            "ix_dossiers_ward_signed_returned",
            "ward_id",
            "returned_at",
            sqlite_where=sa.text(SIGNED_SQL),
            postgresql_where=sa.text(SIGNED_SQL),
        ),
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
    # Agencies involved in settling it, the ward included (indicators 2 and 4 of Circular
    # 01/2018): 1 for a dossier the ward settles alone.
    agencies_involved: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
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

    # Who signed the result (issue 16): the chairman (delegation_id None), or an officer
    # under the chairman's delegation (ủy quyền ký), which names the decision. None on
    # dossiers returned before this was recorded, or not returned yet.
    signed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    delegation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("delegations.id"), index=True)

    procedure: Mapped[Procedure] = relationship()
    receiving_officer: Mapped[User | None] = relationship(foreign_keys=[receiving_officer_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    delegation: Mapped[Delegation | None] = relationship()


# The procedures a delegation covers.
delegation_procedures = sa.Table(
    "delegation_procedures",
    db.metadata,
    sa.Column(
        "delegation_id",
        sa.ForeignKey("delegations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("procedure_id", sa.ForeignKey("procedures.id"), primary_key=True, index=True),
)


class Delegation(TimestampMixin, db.Model):
    """The chairman's delegation of signing (ủy quyền ký) to one officer of the ward, for
    some procedures, from one date to another, by a numbered decision. Revoking keeps it
    (the dossiers signed under it name it): only `revoked_at` is set."""

    __tablename__ = "delegations"
    __table_args__ = (
        # One decision number per ward (Quyết định số ...).
        sa.UniqueConstraint("ward_id", "decision_number", name="uq_delegations_ward_decision"),
        sa.CheckConstraint("valid_to >= valid_from", name="valid_dates"),
        sa.Index("ix_delegations_ward_officer", "ward_id", "officer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"))
    decision_number: Mapped[str] = mapped_column(sa.String(60))
    decision_date: Mapped[date] = mapped_column(sa.Date)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # Both days included, Hà Nội dates.
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_to: Mapped[date] = mapped_column(sa.Date)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    officer: Mapped[User] = relationship(foreign_keys=[officer_id], lazy="joined")
    procedures: Mapped[list[Procedure]] = relationship(
        secondary=delegation_procedures, lazy="selectin", order_by=Procedure.name_vi
    )


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
        sa.CheckConstraint(
            "score IS NULL OR (score_max IS NOT NULL AND score >= 0 AND score <= score_max"
            " AND score_max <= 10)",
            name="score_range",
        ),
        sa.CheckConstraint("agencies_involved >= 1", name="agencies_involved_positive"),
        *[
            sa.CheckConstraint(f"{name} IS NULL OR {name} BETWEEN 0 AND 2", name=f"{name}_range")
            for name in (
                "points_time",
                "points_agency_time",
                "points_contacts",
                "points_agencies",
                "points_attitude",
            )
        ],
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
    agencies_involved: Mapped[int] = mapped_column(sa.Integer, default=1, server_default="1")
    # The points (0–2) of the indicators of Circular 01/2018 one dossier supports (see
    # portal.satisfaction.indicators): 1 time against the limit, 2 each agency's time (None
    # when other agencies were involved and the total was not late), 3 contacts, 4 agencies,
    # 7 attitude; all None without a return date.
    points_time: Mapped[int | None] = mapped_column(sa.SmallInteger)
    points_agency_time: Mapped[int | None] = mapped_column(sa.SmallInteger)
    points_contacts: Mapped[int | None] = mapped_column(sa.SmallInteger)
    points_agencies: Mapped[int | None] = mapped_column(sa.SmallInteger)
    points_attitude: Mapped[int | None] = mapped_column(sa.SmallInteger)
    # Their sum, and what the indicators scored could have given (2 each: 10, or 8 without
    # indicator 2): averages are taken per available maximum.
    score: Mapped[int | None] = mapped_column(sa.Integer)
    score_max: Mapped[int | None] = mapped_column(sa.SmallInteger)
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

    officer: Mapped[User] = relationship(foreign_keys=[officer_id])


__all__ = [
    "Attitude",
    "Delegation",
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
    # What the scored ratings could have given, and each per-dossier indicator's points
    # summed (indicator 2 with its own count: it is not scored for every dossier).
    score_max_sum: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    points_time: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    points_agency_time: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    scored_agency_time: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    points_contacts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    points_agencies: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    points_attitude: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")


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
    # the rating side goes on: COUNTERS[:5] are the dossiers', the rest the ratings'
    "score_max_sum",
    "points_time",
    "points_agency_time",
    "scored_agency_time",
    "points_contacts",
    "points_agencies",
    "points_attitude",
)
DOSSIER_COUNTERS = COUNTERS[:5]
RATING_COUNTERS = COUNTERS[5:]
