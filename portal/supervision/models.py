"""Supervision recommendations (kiến nghị giám sát) from the ward's Fatherland Front
supervisor to the chairman."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.auth.models import User
from portal.db import TimestampMixin, UTCDateTime, str_enum
from portal.extensions import db
from portal.wards.models import Ward


class SubjectKind(enum.StrEnum):
    """What a recommendation is about; the reference names it (a code, a number, a period)."""

    FEEDBACK = "feedback"  # a feedback item, by its tracking code
    CONFERENCE = "conference"  # a dialogue conference, by its number
    DOSSIER = "dossier"  # a dossier, by its receipt number (or the one-stop software's code)
    PROCEDURE = "procedure"  # a procedure of the ward's catalogue, by its code or name
    PERIOD = "period"  # a period's figures: 2026-11, 2026-Q4 or 2026


class RecommendationState(enum.StrEnum):
    SENT = "sent"  # waiting for the chairman's answer
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"  # by its author, before an answer


class SupervisionRecommendation(TimestampMixin, db.Model):
    """One supervision recommendation: who sent it, about what, its text, when it is due
    (working days after it was sent) and the chairman's answer. Where the reference names an
    item of the same ward, the item is linked (one of the four links at most)."""

    __tablename__ = "supervision_recommendations"
    __table_args__ = (
        sa.CheckConstraint(
            "CASE WHEN feedback_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN session_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN dossier_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN procedure_id IS NULL THEN 0 ELSE 1 END <= 1",
            name="one_link",
        ),
        # An answered recommendation has its answer, who gave it and when; the others none.
        sa.CheckConstraint(
            "(state = 'answered') = (answered_at IS NOT NULL AND answered_by_id IS NOT NULL)",
            name="answered_has_answer",
        ),
        sa.Index("ix_supervision_recommendations_ward_state_due", "ward_id", "state", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(sa.ForeignKey("wards.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(str_enum(SubjectKind))
    reference: Mapped[str] = mapped_column(sa.String(120))  # as stored: ABCD-2345, 12, 2026-Q4
    feedback_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("feedback.id", ondelete="SET NULL"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("dialogue_sessions.id", ondelete="SET NULL"), index=True
    )
    dossier_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("dossiers.id", ondelete="SET NULL"), index=True
    )
    procedure_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("procedures.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    text: Mapped[str] = mapped_column(sa.Text)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_on: Mapped[date] = mapped_column(sa.Date)
    state: Mapped[RecommendationState] = mapped_column(
        str_enum(RecommendationState), default=RecommendationState.SENT
    )
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    ward: Mapped[Ward] = relationship(lazy="joined")
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="joined")
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    @property
    def link_id(self) -> int | None:
        """The id of the item the reference names, when it is one of the ward's."""
        return self.feedback_id or self.session_id or self.dossier_id or self.procedure_id


__all__ = ["RecommendationState", "SubjectKind", "SupervisionRecommendation"]
