"""The kinds of feedback a ward accepts and their deadlines: the defaults a ward gets when it
is enabled, and the chairman's changes."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.domain import DomainError, PermissionDenied, Problems
from portal.extensions import db
from portal.feedback.models import DEFAULT_DEADLINE_DAYS, FeedbackCategory
from portal.security import manages_ward

# Complaints and denunciations follow their own laws; choosing one shows where to file it.
ROUTED_OUT = ("complaint", "denunciation")

DEFAULT_CATEGORIES = (
    (
        "procedures",
        "Thủ tục hành chính, quy định",
        "Administrative procedures and regulations",
        "Phản ánh, kiến nghị về quy định hành chính, thủ tục hành chính (Nghị định 20/2008/NĐ-CP).",
        "Feedback on administrative regulations and procedures (Decree 20/2008/ND-CP).",
    ),
    (
        "chairman",
        "Câu hỏi gửi Chủ tịch UBND phường",
        "A question for the ward chairman",
        "Câu hỏi, đề xuất gửi trực tiếp Chủ tịch UBND phường.",
        "A question or proposal for the ward chairman.",
    ),
    (
        "urban_order",
        "Trật tự đô thị",
        "Urban order",
        "Lấn chiếm vỉa hè, xây dựng trái phép, chiếu sáng, giao thông trong phường.",
        "Pavement encroachment, unlicensed building, street lighting, traffic in the ward.",
    ),
    (
        "environment",
        "Môi trường",
        "Environment",
        "Rác thải, ô nhiễm, tiếng ồn, cây xanh, thoát nước.",
        "Rubbish, pollution, noise, trees, drainage.",
    ),
    ("other", "Khác", "Other", "", ""),
)


def provide_defaults(ward_id: int) -> None:
    """Give a ward the default categories when it has none (idempotent, race-safe): when the
    ward is enabled, and before a case is opened in a ward that has none."""
    has_any = db.session.execute(
        sa.select(FeedbackCategory.id).where(FeedbackCategory.ward_id == ward_id).limit(1)
    ).first()
    if has_any:
        return
    try:
        with db.session.begin_nested():
            for position, (code, vi, en, desc_vi, desc_en) in enumerate(DEFAULT_CATEGORIES):
                db.session.add(
                    FeedbackCategory(
                        ward_id=ward_id,
                        code=code,
                        name_vi=vi,
                        name_en=en,
                        description_vi=desc_vi,
                        description_en=desc_en,
                        deadline_days=DEFAULT_DEADLINE_DAYS,
                        position=position,
                        active=True,
                    )
                )
            db.session.flush()
    except sa.exc.IntegrityError:
        pass  # another request made them first


def ward_categories(ward_id: int, *, active_only: bool = True) -> list[FeedbackCategory]:
    query = sa.select(FeedbackCategory).where(FeedbackCategory.ward_id == ward_id)
    if active_only:
        query = query.where(FeedbackCategory.active.is_(True))
    query = query.order_by(FeedbackCategory.position, FeedbackCategory.id)
    return list(db.session.execute(query).scalars())


def category_by_code(ward_id: int, code: str) -> FeedbackCategory | None:
    return db.session.execute(
        sa.select(FeedbackCategory).where(
            FeedbackCategory.ward_id == ward_id, FeedbackCategory.code == code
        )
    ).scalar_one_or_none()


@dataclass
class CategoryInput:
    code: str
    name_vi: str
    name_en: str
    description_vi: str = ""
    description_en: str = ""
    deadline_days: int = DEFAULT_DEADLINE_DAYS
    active: bool = True


CATEGORY_CODE = re.compile(r"^[a-z0-9_]{2,40}$")


def save_category(
    actor: User, ward_id: int, data: CategoryInput, category: FeedbackCategory | None = None
) -> FeedbackCategory:
    """Create or edit a ward's category (the chairman or the city administrator)."""
    if not manages_ward(actor, ward_id):
        raise PermissionDenied(_l("Only the ward chairman may change feedback categories."))
    problems = Problems()
    code = (data.code or "").strip().lower()
    if not CATEGORY_CODE.match(code) or code in ROUTED_OUT:
        problems.add(
            "code", _l("Use 2–40 lower-case letters, digits or underscores (not a reserved word).")
        )
    if not data.name_vi.strip():
        problems.add("name_vi", _l("Enter the Vietnamese name."))
    if not 1 <= (data.deadline_days or 0) <= 90:
        problems.add("deadline_days", _l("Enter between 1 and 90 working days."))
    changed = category is None or category.code != code
    if code and changed and category_by_code(ward_id, code) is not None:
        problems.add("code", _l("This ward already has a category with this code."))
    problems.raise_if_any()
    if category is None:
        position = db.session.execute(
            sa.select(sa.func.count()).where(FeedbackCategory.ward_id == ward_id)
        ).scalar_one()
        category = FeedbackCategory(ward_id=ward_id, position=position)
        db.session.add(category)
    category.code = code
    category.name_vi = data.name_vi.strip()
    category.name_en = data.name_en.strip() or data.name_vi.strip()
    category.description_vi = data.description_vi.strip()
    category.description_en = data.description_en.strip()
    category.deadline_days = data.deadline_days
    category.active = data.active
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise DomainError(_l("This ward already has a category with this code."), "code") from exc
    return category


def on_ward_enabled(ward) -> None:
    """A ward starts to be served: it gets the default categories."""
    provide_defaults(ward.id)
