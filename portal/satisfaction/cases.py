"""The case a "Không hài lòng" opens in the ward's feedback inbox, and the way back from
that case to the rated dossier (a link on the case's page for officials)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from portal.extensions import db
from portal.feedback import categories as feedback_categories
from portal.feedback import submission as feedback_submission
from portal.feedback.models import OPEN_STATUSES, Channel, Feedback
from portal.feedback.related import RelatedLink
from portal.satisfaction.models import Dossier, Level, Procedure, SatisfactionRating
from portal.wards.models import Ward


def open_case(dossier: Dossier, rating: SatisfactionRating, now: datetime, callback_phone=""):
    """A "Không hài lòng" opens a feedback case in the ward's inbox, with a deadline,
    linked to the dossier; the resident stays anonymous. With a call-back number (given
    with its consent) the case can be answered by phone; without one it is resolved
    internally (its outcome recorded: feedback.policy.reachable)."""
    ward = db.session.get(Ward, dossier.ward_id)
    feedback_categories.provide_defaults(ward.id)
    category = (
        feedback_categories.category_by_code(ward.id, "procedures")
        or feedback_categories.ward_categories(ward.id)[0]
    )
    body = "\n\n".join(
        part
        for part in (
            f"Hồ sơ số {dossier.receipt_number} — {dossier.procedure.name_vi}",
            f"Lý do không hài lòng: {rating.reason}",
            rating.comment,
        )
        if part
    )
    data = feedback_submission.FeedbackInput(
        category_id=category.id,
        title=f"Không hài lòng: {dossier.procedure.name_vi}"[:200],
        body=body,
        contact_name="Người dân đánh giá (ẩn danh)",
        contact_phone=callback_phone,
        channel=Channel.SATISFACTION,
    )
    return feedback_submission.submit(ward, data, now=now)


def rating_for_feedback(feedback_id: int) -> SatisfactionRating | None:
    return db.session.execute(
        sa.select(SatisfactionRating).where(SatisfactionRating.feedback_id == feedback_id)
    ).scalar_one_or_none()


def rated_dossier_link(item: Feedback) -> RelatedLink | None:
    """On a dissatisfied rating's case: the link to the dossier that was rated."""
    if item.channel != Channel.SATISFACTION:
        return None
    rating = rating_for_feedback(item.id)
    if rating is None:
        return None
    url = url_for("satisfaction_staff.dossier", dossier_id=rating.dossier_id)
    return RelatedLink(_("Open the rated dossier"), url)


def unhandled_dissatisfied(ward_id: int, limit: int) -> tuple[list, int]:
    """The ward's "Không hài lòng" ratings whose case is still open (received or in
    progress), or that opened none, oldest first: at most `limit` rows (the rating's id,
    date, reason and dossier, its procedure's names, its case's id and code), and how many
    there are in all. Two queries whatever their number, each reading only those ratings:
    the ratings of the ward's open cases (from the cases, by ix_feedback_ward_status_due and
    the rating's case index), and the ratings that opened no case (a partial index of them,
    empty in normal use: every dissatisfied rating opens one)."""
    rating = SatisfactionRating
    columns = (
        rating.id,
        rating.created_at,
        rating.reason,
        rating.dossier_id,
        rating.feedback_id,
    )
    names = (Procedure.name_vi, Procedure.name_en)
    of_open_cases = (
        Feedback.ward_id == ward_id,
        Feedback.status.in_(OPEN_STATUSES),
        rating.ward_id == ward_id,
        rating.level == Level.DISSATISFIED,
    )
    without_case = (
        rating.ward_id == ward_id,
        rating.level == Level.DISSATISFIED,
        rating.feedback_id.is_(None),
    )
    oldest = (rating.created_at, rating.id)
    with_case = (
        sa.select(*columns, Feedback.code.label("code"), *names)
        .join(rating, rating.feedback_id == Feedback.id)
        .join(Procedure, Procedure.id == rating.procedure_id)
        .where(*of_open_cases)
        .subquery()  # as many as the open cases: no order here, which would tempt the
        # planner to walk every dissatisfied rating in date order looking for them
    )
    no_case = (
        sa.select(*columns, sa.cast(sa.null(), Feedback.code.type).label("code"), *names)
        .join(Procedure, Procedure.id == rating.procedure_id)
        .where(*without_case)
        .order_by(*oldest)
        .limit(limit)
        .subquery()
    )
    both = sa.union_all(sa.select(with_case), sa.select(no_case)).subquery()
    rows = db.session.execute(
        sa.select(both).order_by(both.c.created_at, both.c.id).limit(limit)
    ).all()
    cases_open = (
        sa.select(sa.func.count(rating.id))
        .select_from(Feedback)
        .join(rating, rating.feedback_id == Feedback.id)
        .where(*of_open_cases)
    )
    caseless = sa.select(sa.func.count(rating.id)).where(*without_case)
    total = db.session.execute(
        sa.select(cases_open.scalar_subquery() + caseless.scalar_subquery())
    ).scalar_one()
    return rows, total
