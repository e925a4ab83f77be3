"""The rules of feedback and petitions: submission, deadlines in working days, the staff
workflow, the resident's verdict, and the queries behind the inbox and public pages.

Services add and flush; the view commits once. Every state change is recorded as an event
with who and when."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal.auth.models import Role, User
from portal.auth.phones import InvalidPhone, normalize_phone
from portal.codes import new_code, normalize_code
from portal.db import utcnow
from portal.domain import DomainError, PermissionDenied, Problems
from portal.extensions import db
from portal.feedback import messages
from portal.feedback.models import (
    DEFAULT_DEADLINE_DAYS,
    FINAL_STATUSES,
    OPEN_STATUSES,
    CannedResponse,
    Channel,
    EventKind,
    Feedback,
    FeedbackAttachment,
    FeedbackCategory,
    FeedbackEvent,
    FeedbackStatus,
)
from portal.feedback.uploads import Upload, check_all
from portal.timeutil import local_zone
from portal.wards.models import Ward
from portal.workdays import add_working_days, working_days_between

TITLE_MAX = 200
BODY_MAX = 5000
TEXT_MAX = 5000
DUE_SOON_DAYS = 2  # working days: highlighted in the inbox
PAGE_SIZE = 50
OFFICER_ROLES = (Role.STAFF, Role.CHAIRMAN)

# Complaints and denunciations follow their own laws; choosing one shows where to file it.
ROUTED_OUT = ("complaint", "denunciation")

DEFAULT_CATEGORIES = (
    (
        "procedures",
        "Thủ tục hành chính, quy định",
        "Administrative procedures and regulations",
        "Phản ánh, kiến nghị về quy định hành chính, thủ tục hành chính (Nghị định 20/2008).",
        "Feedback on administrative regulations and procedures (Decree 20/2008).",
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

# Which statuses each status may move to (the resident's reopening included).
TRANSITIONS: dict[FeedbackStatus, set[FeedbackStatus]] = {
    FeedbackStatus.RECEIVED: {
        FeedbackStatus.IN_PROGRESS,
        FeedbackStatus.WAITING,
        FeedbackStatus.ANSWERED,
        FeedbackStatus.TRANSFERRED,
        FeedbackStatus.REJECTED,
    },
    FeedbackStatus.IN_PROGRESS: {
        FeedbackStatus.WAITING,
        FeedbackStatus.ANSWERED,
        FeedbackStatus.TRANSFERRED,
        FeedbackStatus.REJECTED,
    },
    FeedbackStatus.WAITING: {
        FeedbackStatus.IN_PROGRESS,
        FeedbackStatus.ANSWERED,
        FeedbackStatus.TRANSFERRED,
        FeedbackStatus.REJECTED,
    },
    FeedbackStatus.ANSWERED: {FeedbackStatus.CLOSED, FeedbackStatus.IN_PROGRESS},
    FeedbackStatus.CLOSED: set(),
    FeedbackStatus.TRANSFERRED: set(),
    FeedbackStatus.REJECTED: set(),
}


# ---------------------------------------------------------------- dates


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(local_zone()).date()


def deadline_for(received_at: datetime, days: int) -> date:
    """The last day to answer: `days` working days after the day of receipt (Hà Nội date)."""
    return add_working_days(received_at.astimezone(local_zone()).date(), days)


def due_state(item, today: date | None = None, soon: date | None = None) -> str | None:
    """'overdue' or 'due_soon' (due within DUE_SOON_DAYS working days) for an item (or inbox
    row) still to be answered; None otherwise, and while the clock is paused. Lists pass
    `soon` (= soon_limit(today)) so that it is worked out once, not per row."""
    if item.status not in OPEN_STATUSES:
        return None
    today = today or local_today()
    if today > item.due_on:
        return "overdue"
    if item.due_on <= (soon or soon_limit(today)):
        return "due_soon"
    return None


def soon_limit(today: date) -> date:
    """The last day counted as "due soon" (deadlines always fall on working days)."""
    return add_working_days(today, DUE_SOON_DAYS)


# ---------------------------------------------------------------- categories


def ensure_categories(ward_id: int) -> None:
    """Give a ward the default categories when it has none (idempotent, race-safe)."""
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


def categories(ward_id: int, *, active_only: bool = True) -> list[FeedbackCategory]:
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
    if actor.role not in (Role.CHAIRMAN, Role.ADMIN) or (
        actor.role == Role.CHAIRMAN and actor.ward_id != ward_id
    ):
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


# ---------------------------------------------------------------- submitting


@dataclass
class FeedbackInput:
    """What a resident, an officer or an Open311 client sends."""

    category_id: int | None
    title: str
    body: str
    address: str = ""
    residential_group: str = ""
    latitude: float | None = None
    longitude: float | None = None
    publish_allowed: bool = False
    attachments: list[Upload] = field(default_factory=list)
    # For a caller, walk-in or Open311 reporter without an account:
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    channel: Channel = Channel.WEB
    media_url: str = ""
    device_id: str = ""


def _clean(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").replace("\x00", "")).strip()


def _check_position(problems: Problems, lat: float | None, lon: float | None) -> None:
    if lat is None and lon is None:
        return
    if (
        lat is None
        or lon is None
        or not isinstance(lat, int | float)
        or not isinstance(lon, int | float)
        or lat != lat  # NaN
        or lon != lon
        or not -90 <= lat <= 90
        or not -180 <= lon <= 180
    ):
        problems.add(
            "latitude",
            _l("Enter a map position as latitude (−90 to 90) and longitude (−180 to 180)."),
        )


def _validate(ward_id: int, data: FeedbackInput) -> tuple[FeedbackCategory | None, Problems]:
    problems = Problems()
    category = db.session.get(FeedbackCategory, data.category_id) if data.category_id else None
    if category is None or category.ward_id != ward_id or not category.active:
        problems.add("category_id", _l("Choose one of the listed categories."))
    data.title = _clean(data.title)
    data.body = _clean(data.body)
    if not data.title:
        problems.add("title", _l("Please enter a title."))
    elif len(data.title) > TITLE_MAX:
        problems.add("title", _l("At most %(max)d characters.", max=TITLE_MAX))
    if not data.body:
        problems.add("body", _l("Please describe the matter."))
    elif len(data.body) > BODY_MAX:
        problems.add("body", _l("At most %(max)d characters.", max=BODY_MAX))
    data.address = _clean(data.address)
    data.residential_group = _clean(data.residential_group)
    if len(data.address) > 300:
        problems.add("address", _l("At most %(max)d characters.", max=300))
    if len(data.residential_group) > 100:
        problems.add("residential_group", _l("At most %(max)d characters.", max=100))
    _check_position(problems, data.latitude, data.longitude)
    return category, problems


def _check_contact(problems: Problems, data: FeedbackInput, *, phone_required: bool) -> None:
    data.contact_name = _clean(data.contact_name)
    data.contact_email = _clean(data.contact_email)
    if not data.contact_name:
        problems.add("contact_name", _l("Enter the person's name."))
    elif len(data.contact_name) > 120:
        problems.add("contact_name", _l("At most %(max)d characters.", max=120))
    raw_phone = _clean(data.contact_phone)
    if raw_phone:
        try:
            data.contact_phone = normalize_phone(raw_phone)
        except InvalidPhone:
            problems.add(
                "contact_phone", _l("Enter a Vietnamese mobile number, e.g. 0912 345 678.")
            )
    elif phone_required:
        problems.add("contact_phone", _l("Enter a phone number so that we can answer."))
    if len(data.contact_email) > 254 or (data.contact_email and "@" not in data.contact_email):
        problems.add("contact_email", _l("Enter a valid e-mail address."))


def _new_tracking_code() -> str:
    while True:
        code = new_code()
        taken = db.session.execute(sa.select(Feedback.id).where(Feedback.code == code)).first()
        if not taken:
            return code


def _record(
    item: Feedback,
    kind: EventKind,
    actor: User | None,
    body: str = "",
    *,
    public: bool = True,
    old: FeedbackStatus | None = None,
    new: FeedbackStatus | None = None,
    now: datetime | None = None,
) -> FeedbackEvent:
    event = FeedbackEvent(
        feedback_id=item.id,
        kind=kind,
        public=public,
        actor_id=actor.id if actor else None,
        old_status=old,
        new_status=new,
        body=body,
        created_at=now or utcnow(),
    )
    db.session.add(event)
    db.session.flush()
    return event


def _attach(item: Feedback, event: FeedbackEvent, checked, actor: User | None) -> None:
    for upload in checked:
        db.session.add(
            FeedbackAttachment(
                feedback_id=item.id,
                event_id=event.id,
                filename=upload.filename,
                content_type=upload.content_type,
                size=upload.size,
                data=upload.data,
                uploaded_by_id=actor.id if actor else None,
            )
        )


def submit(
    ward: Ward,
    data: FeedbackInput,
    *,
    user: User | None = None,
    actor: User | None = None,
    api_key_id: int | None = None,
    now: datetime | None = None,
) -> Feedback:
    """File feedback in a served ward: by a resident (`user`), by an officer for a caller or
    walk-in (`actor`), or by an Open311 client (`api_key_id`). All problems are reported at
    once; nothing is saved unless everything is right. The submitter is told the tracking
    code and the deadline."""
    now = now or utcnow()
    if not ward.enabled:
        raise DomainError(_l("This ward does not use the portal yet."))
    if actor is not None and (actor.role not in OFFICER_ROLES or actor.ward_id != ward.id):
        raise PermissionDenied(_l("Only the ward's officers may enter feedback for others."))
    if user is not None and user.role != Role.RESIDENT:
        raise PermissionDenied(_l("Only residents send feedback from their account."))
    category, problems = _validate(ward.id, data)
    if user is None:
        _check_contact(problems, data, phone_required=actor is not None)
    checked = problems.check(check_all, data.attachments) or []
    problems.raise_if_any()
    item = Feedback(
        ward_id=ward.id,
        category_id=category.id,
        code=_new_tracking_code(),
        status=FeedbackStatus.RECEIVED,
        channel=data.channel,
        user_id=user.id if user else None,
        contact_name="" if user else data.contact_name,
        contact_phone="" if user else data.contact_phone,
        contact_email="" if user else data.contact_email,
        entered_by_id=actor.id if actor else None,
        title=data.title,
        body=data.body,
        address=data.address,
        residential_group=data.residential_group,
        latitude=data.latitude,
        longitude=data.longitude,
        media_url=_clean(data.media_url)[:500],
        device_id=_clean(data.device_id)[:100],
        publish_allowed=bool(data.publish_allowed),
        received_at=now,
        due_on=deadline_for(now, category.deadline_days),
        api_key_id=api_key_id,
    )
    item.category = category
    item.user = user
    db.session.add(item)
    db.session.flush()
    event = _record(item, EventKind.SUBMITTED, actor or user, now=now, new=item.status)
    _attach(item, event, checked, actor or user)
    db.session.flush()
    messages.notify(item, "feedback_received")
    return item


# ---------------------------------------------------------------- the staff workflow


def is_officer_of(actor: User, item: Feedback) -> bool:
    return actor.role in OFFICER_ROLES and actor.ward_id == item.ward_id


def _check_officer(actor: User, item: Feedback) -> None:
    if not is_officer_of(actor, item):
        raise PermissionDenied(_l("Only the ward's officers may handle this feedback."))


def _move(
    item: Feedback,
    new: FeedbackStatus,
    actor: User | None,
    kind: EventKind,
    body: str = "",
    *,
    public: bool = True,
    now: datetime | None = None,
) -> FeedbackEvent:
    """Change the status if the lifecycle allows it, and record the change."""
    now = now or utcnow()
    old = item.status
    if new not in TRANSITIONS[old]:
        raise DomainError(_l("This action is not possible in the feedback's current status."))
    if old == FeedbackStatus.WAITING:
        _resume_clock(item, now)
    item.status = new
    if new == FeedbackStatus.WAITING:
        item.paused_at = now
    if new == FeedbackStatus.ANSWERED:
        item.answered_at = now
    if new in FINAL_STATUSES:
        item.closed_at = now
    return _record(item, kind, actor, body, public=public, old=old, new=new, now=now)


def _resume_clock(item: Feedback, now: datetime) -> None:
    """Leaving "waiting for the resident": the deadline moves by the working days paused."""
    if item.paused_at is None:
        return
    paused = working_days_between(local_today(item.paused_at), local_today(now))
    if paused:
        item.due_on = add_working_days(item.due_on, paused)
    item.paused_at = None


def _text(text: str, field_name: str, message) -> str:
    text = _clean(text)
    if not text:
        raise DomainError(message, field_name)
    if len(text) > TEXT_MAX:
        raise DomainError(_l("At most %(max)d characters.", max=TEXT_MAX), field_name)
    return text


def officers(ward_id: int) -> list[User]:
    """Who feedback can be assigned to: the ward's active officers and chairman."""
    query = (
        sa.select(User)
        .where(
            User.ward_id == ward_id,
            User.role.in_(OFFICER_ROLES),
            User.is_active_account.is_(True),
        )
        .order_by(User.full_name, User.id)
    )
    return list(db.session.execute(query).scalars())


def assign(actor: User, item: Feedback, assignee_id: int | None, now=None) -> None:
    """Give the item to an officer of the ward (or to nobody); a new item is then in progress."""
    _check_officer(actor, item)
    if item.is_final:
        raise DomainError(_l("This action is not possible in the feedback's current status."))
    assignee = db.session.get(User, assignee_id) if assignee_id else None
    if assignee_id and (
        assignee is None
        or assignee.ward_id != item.ward_id
        or assignee.role not in OFFICER_ROLES
        or not assignee.is_active
    ):
        raise DomainError(_l("Choose an officer of this ward."), "assignee_id")
    item.assignee_id = assignee.id if assignee else None
    item.assignee = assignee
    body = assignee.full_name if assignee else ""
    _record(item, EventKind.ASSIGNED, actor, body, public=False, now=now)
    if item.status == FeedbackStatus.RECEIVED and assignee is not None:
        _move(item, FeedbackStatus.IN_PROGRESS, actor, EventKind.STATUS, now=now)


def add_note(actor: User, item: Feedback, text: str, now=None) -> FeedbackEvent:
    """An internal note: officers only, never shown to the resident or the public."""
    _check_officer(actor, item)
    text = _text(text, "note", _l("Write the note."))
    return _record(item, EventKind.NOTE, actor, text, public=False, now=now)


def reply(
    actor: User,
    item: Feedback,
    text: str,
    *,
    answer: bool,
    attachments: list[Upload] | None = None,
    now=None,
) -> FeedbackEvent:
    """A public reply, with optional files. `answer` makes it the answer (status answered,
    the resident is told); otherwise a new item moves to in progress."""
    _check_officer(actor, item)
    text = _text(text, "body", _l("Write the reply."))
    checked = check_all(attachments or [])
    if answer:
        event = _move(item, FeedbackStatus.ANSWERED, actor, EventKind.REPLY, text, now=now)
    else:
        if item.is_final or item.status == FeedbackStatus.ANSWERED:
            raise DomainError(_l("This action is not possible in the feedback's current status."))
        event = _record(item, EventKind.REPLY, actor, text, now=now)
        if item.status == FeedbackStatus.RECEIVED:
            _move(item, FeedbackStatus.IN_PROGRESS, actor, EventKind.STATUS, now=now)
    _attach(item, event, checked, actor)
    db.session.flush()
    messages.notify(item, "feedback_answered" if answer else "feedback_reply", text=text)
    return event


def request_info(actor: User, item: Feedback, text: str, now=None) -> None:
    """Ask the resident for more information; the deadline clock pauses until they reply."""
    _check_officer(actor, item)
    text = _text(text, "body", _l("Say what information is needed."))
    _move(item, FeedbackStatus.WAITING, actor, EventKind.INFO_REQUESTED, text, now=now)
    messages.notify(item, "feedback_info_requested", text=text)


def resume(actor: User, item: Feedback, now=None) -> None:
    """Take a waiting item back into work without the resident's reply."""
    _check_officer(actor, item)
    if item.status != FeedbackStatus.WAITING:
        raise DomainError(_l("This action is not possible in the feedback's current status."))
    _move(item, FeedbackStatus.IN_PROGRESS, actor, EventKind.STATUS, now=now)


def transfer(actor: User, item: Feedback, authority: str, note: str = "", now=None) -> None:
    """Send the matter to the competent authority, saying where; the resident is told."""
    _check_officer(actor, item)
    authority = _text(authority, "authority", _l("Say which authority it goes to."))[:300]
    note = _clean(note)[:TEXT_MAX]
    body = f"{authority}\n{note}".strip()
    _move(item, FeedbackStatus.TRANSFERRED, actor, EventKind.TRANSFERRED, body, now=now)
    item.transferred_to = authority
    messages.notify(item, "feedback_transferred", authority=authority, text=note)


def reject(actor: User, item: Feedback, reason: str, now=None) -> None:
    """Refuse the item, with a reason the resident sees."""
    _check_officer(actor, item)
    reason = _text(reason, "reason", _l("Give the reason."))[:1000]
    _move(item, FeedbackStatus.REJECTED, actor, EventKind.REJECTED, reason, now=now)
    item.reject_reason = reason
    messages.notify(item, "feedback_rejected", reason=reason)


def close(actor: User, item: Feedback, now=None) -> None:
    """Close an answered item (the resident's verdict closes it too)."""
    _check_officer(actor, item)
    if item.status != FeedbackStatus.ANSWERED:
        raise DomainError(_l("Only answered feedback can be closed."))
    _move(item, FeedbackStatus.CLOSED, actor, EventKind.CLOSED, now=now)


# ---------------------------------------------------------------- the resident's side


def _check_owner(user: User, item: Feedback) -> None:
    if item.user_id is None or item.user_id != user.id:
        raise PermissionDenied(_l("This is not your feedback."))


def add_information(user: User, item: Feedback, text: str, attachments=None, now=None) -> None:
    """The resident adds information; a waiting item goes back into work."""
    _check_owner(user, item)
    if item.is_final or item.status == FeedbackStatus.ANSWERED:
        raise DomainError(_l("This feedback is no longer open for new information."))
    text = _text(text, "body", _l("Write your message."))
    checked = check_all(attachments or [])
    if item.status == FeedbackStatus.WAITING:
        event = _move(
            item, FeedbackStatus.IN_PROGRESS, user, EventKind.RESIDENT_MESSAGE, text, now=now
        )
    else:
        event = _record(item, EventKind.RESIDENT_MESSAGE, user, text, now=now)
    _attach(item, event, checked, user)


def reopen_deadline(item: Feedback, now: datetime | None = None) -> datetime | None:
    """Until when the resident may say "not resolved" and reopen the item."""
    if item.answered_at is None:
        return None
    return item.answered_at + timedelta(days=current_app.config["FEEDBACK_REOPEN_DAYS"])


def can_respond(user: User, item: Feedback) -> bool:
    return item.user_id == user.id and item.status == FeedbackStatus.ANSWERED


def respond(
    user: User,
    item: Feedback,
    *,
    resolved: bool | None,
    rating: int | None,
    comment: str = "",
    now: datetime | None = None,
) -> bool:
    """The resident says whether the answer resolved the matter and rates it (1–5).
    "Not resolved" within the reopening period reopens it with a fresh deadline; otherwise
    the item closes. Returns True when it was reopened."""
    now = now or utcnow()
    _check_owner(user, item)
    if item.status != FeedbackStatus.ANSWERED:
        raise DomainError(_l("You can respond once the feedback has been answered."))
    problems = Problems()
    if resolved is None:
        problems.add("resolved", _l("Say whether the answer resolved the matter."))
    if rating is not None and not 1 <= rating <= 5:
        problems.add("rating", _l("Choose a rating from 1 to 5."))
    comment = _clean(comment)
    if len(comment) > 2000:
        problems.add("comment", _l("At most %(max)d characters.", max=2000))
    problems.raise_if_any()
    item.resolved = resolved
    item.answer_rating = rating
    item.responded_at = now
    if resolved:
        _move(item, FeedbackStatus.CLOSED, user, EventKind.RESOLVED, comment, now=now)
        return False
    if now <= reopen_deadline(item):
        _move(item, FeedbackStatus.IN_PROGRESS, user, EventKind.REOPENED, comment, now=now)
        item.reopened_count += 1
        item.due_on = deadline_for(now, item.category.deadline_days)
        return True
    _move(item, FeedbackStatus.CLOSED, user, EventKind.NOT_RESOLVED, comment, now=now)
    return False


def close_unanswered_responses(now: datetime | None = None) -> int:
    """Close answered items whose reopening period has passed without the resident's
    response (run daily by `flask feedback close-answered`). Returns how many closed."""
    now = now or utcnow()
    cutoff = now - timedelta(days=current_app.config["FEEDBACK_REOPEN_DAYS"])
    query = sa.select(Feedback).where(
        Feedback.status == FeedbackStatus.ANSWERED, Feedback.answered_at < cutoff
    )
    closed = 0
    for item in db.session.execute(query.with_for_update(skip_locked=True, of=Feedback)).scalars():
        _move(item, FeedbackStatus.CLOSED, None, EventKind.CLOSED, now=now)
        closed += 1
    return closed


# ---------------------------------------------------------------- queries


def by_code(code: str) -> Feedback | None:
    return db.session.execute(
        sa.select(Feedback).where(Feedback.code == normalize_code(code))
    ).scalar_one_or_none()


def timeline(item: Feedback, *, internal: bool) -> list[FeedbackEvent]:
    """The item's history, oldest first; internal notes only for officers."""
    query = (
        sa.select(FeedbackEvent)
        .options(joinedload(FeedbackEvent.actor), joinedload(FeedbackEvent.attachments))
        .where(FeedbackEvent.feedback_id == item.id)
        .order_by(FeedbackEvent.id)
    )
    if not internal:
        query = query.where(FeedbackEvent.public.is_(True))
    return list(db.session.execute(query).unique().scalars())


def attachments_of(item: Feedback) -> list[FeedbackAttachment]:
    return list(
        db.session.execute(
            sa.select(FeedbackAttachment)
            .where(FeedbackAttachment.feedback_id == item.id)
            .order_by(FeedbackAttachment.id)
        ).scalars()
    )


def attachment_visible(attachment: FeedbackAttachment, user: User) -> bool:
    """Files are for the sender and the ward's officials; an internal note's never leak."""
    item = db.session.get(Feedback, attachment.feedback_id)
    if user.role in (Role.STAFF, Role.CHAIRMAN, Role.SUPERVISOR) and user.ward_id == item.ward_id:
        return True
    if user.role == Role.ADMIN:
        return True
    event = attachment.event
    return item.user_id == user.id and (event is None or event.public)


def my_feedback(user: User) -> list[Feedback]:
    query = (
        sa.select(Feedback)
        .where(Feedback.user_id == user.id)
        .order_by(Feedback.received_at.desc(), Feedback.id.desc())
    )
    return list(db.session.execute(query).scalars())


@dataclass
class InboxFilter:
    status: str = ""  # "" = everything not final; "all"; or a FeedbackStatus value
    category_id: int | None = None
    assignee: str = ""  # "" any, "none", "me", or a user id
    due: str = ""  # "", "overdue", "due_soon"
    q: str = ""
    sort: str = "due"  # due, newest, oldest
    page: int = 1


SORTS = {
    "due": (Feedback.due_on.asc(), Feedback.id.asc()),
    "newest": (Feedback.received_at.desc(), Feedback.id.desc()),
    "oldest": (Feedback.received_at.asc(), Feedback.id.asc()),
}


# What a list row shows: one flat SELECT, no objects, no query per row.
ROW_COLUMNS = (
    Feedback.id,
    Feedback.code,
    Feedback.title,
    Feedback.status,
    Feedback.channel,
    Feedback.received_at,
    Feedback.due_on,
    Feedback.category_id,
    User.full_name.label("assignee_name"),
)


def _rows_query() -> sa.Select:
    return sa.select(*ROW_COLUMNS).outerjoin(User, User.id == Feedback.assignee_id)


@dataclass
class Page:
    rows: list
    total: int
    page: int
    pages: int


def inbox(ward_id: int, flt: InboxFilter, viewer: User, today: date | None = None) -> Page:
    """The ward's feedback for officers, filtered and sorted, PAGE_SIZE a page, in a fixed
    number of queries whatever the page size."""
    today = today or local_today()
    query = _rows_query().where(Feedback.ward_id == ward_id)
    if flt.status == "all":
        pass
    elif flt.status in {s.value for s in FeedbackStatus}:
        query = query.where(Feedback.status == FeedbackStatus(flt.status))
    else:
        query = query.where(Feedback.status.not_in(FINAL_STATUSES))
    if flt.category_id:
        query = query.where(Feedback.category_id == flt.category_id)
    if flt.assignee == "none":
        query = query.where(Feedback.assignee_id.is_(None))
    elif flt.assignee == "me":
        query = query.where(Feedback.assignee_id == viewer.id)
    elif flt.assignee.isdigit():
        query = query.where(Feedback.assignee_id == int(flt.assignee))
    if flt.due == "overdue":
        query = query.where(Feedback.status.in_(OPEN_STATUSES), Feedback.due_on < today)
    elif flt.due == "due_soon":
        soon = soon_limit(today)
        query = query.where(
            Feedback.status.in_(OPEN_STATUSES), Feedback.due_on.between(today, soon)
        )
    text = _clean(flt.q)[:100]
    if text:
        code = normalize_code(text)
        query = query.where(
            sa.or_(
                Feedback.code == code,
                Feedback.title.icontains(text, autoescape=True),
                Feedback.body.icontains(text, autoescape=True),
            )
        )
    total = db.session.execute(
        query.with_only_columns(sa.func.count(Feedback.id)).order_by(None)
    ).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(flt.page, 1), pages)
    rows = db.session.execute(
        query.order_by(*SORTS.get(flt.sort, SORTS["due"]))
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return Page(rows=rows, total=total, page=page, pages=pages)


def overdue(ward_id: int, today: date | None = None) -> list:
    """Rows of the items past their deadline and still unanswered, oldest deadline first
    (the chairman's list)."""
    today = today or local_today()
    query = (
        _rows_query()
        .where(
            Feedback.ward_id == ward_id,
            Feedback.status.in_(OPEN_STATUSES),
            Feedback.due_on < today,
        )
        .order_by(Feedback.due_on, Feedback.id)
    )
    return db.session.execute(query).all()


def canned_responses(ward_id: int) -> list[CannedResponse]:
    query = (
        sa.select(CannedResponse)
        .where(CannedResponse.ward_id == ward_id)
        .order_by(CannedResponse.title, CannedResponse.id)
    )
    return list(db.session.execute(query).scalars())


def save_canned(actor: User, title: str, body: str) -> CannedResponse:
    """A ward officer adds a ready-made reply for the ward."""
    if actor.role not in OFFICER_ROLES or actor.ward_id is None:
        raise PermissionDenied(_l("Only the ward's officers may handle this feedback."))
    problems = Problems()
    title, body = _clean(title), _clean(body)
    if not title or len(title) > 120:
        problems.add("title", _l("Enter a title of at most %(max)d characters.", max=120))
    if not body or len(body) > TEXT_MAX:
        problems.add("body", _l("Enter the text (at most %(max)d characters).", max=TEXT_MAX))
    problems.raise_if_any()
    canned = CannedResponse(ward_id=actor.ward_id, title=title, body=body, created_by_id=actor.id)
    db.session.add(canned)
    db.session.flush()
    return canned


def delete_canned(actor: User, canned: CannedResponse) -> None:
    if actor.role not in OFFICER_ROLES or actor.ward_id != canned.ward_id:
        raise PermissionDenied(_l("Only the ward's officers may handle this feedback."))
    db.session.delete(canned)
    db.session.flush()


# ---------------------------------------------------------------- public answers

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Phone numbers and ID numbers: 9 or more digits, possibly split by spaces, dots or dashes.
_NUMBER = re.compile(r"(?<![\d])\+?\d(?:[\s.\-]?\d){8,}(?![\d])")
REDACTED = "•••"


def redact(text: str) -> str:
    """Remove e-mail addresses and phone or ID numbers from text shown to the public."""
    return _NUMBER.sub(REDACTED, _EMAIL.sub(REDACTED, text or ""))


PUBLIC_PAGE_SIZE = 20


def public_answered(ward_id: int, page: int = 1) -> Page:
    """Answered feedback whose senders allowed publication, newest answer first."""
    query = sa.select(Feedback).where(
        Feedback.ward_id == ward_id,
        Feedback.publish_allowed.is_(True),
        Feedback.answered_at.is_not(None),
        Feedback.status.in_((FeedbackStatus.ANSWERED, FeedbackStatus.CLOSED)),
    )
    total = db.session.execute(
        query.with_only_columns(sa.func.count(Feedback.id)).order_by(None)
    ).scalar_one()
    pages = max(1, -(-total // PUBLIC_PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        query.order_by(Feedback.answered_at.desc(), Feedback.id.desc())
        .limit(PUBLIC_PAGE_SIZE)
        .offset((page - 1) * PUBLIC_PAGE_SIZE)
    ).scalars()
    return Page(rows=list(rows), total=total, page=page, pages=pages)


def public_answers(items: list[Feedback]) -> dict[int, list[FeedbackEvent]]:
    """The public replies of several items in one query: {feedback id: [replies]}."""
    if not items:
        return {}
    query = (
        sa.select(FeedbackEvent)
        .where(
            FeedbackEvent.feedback_id.in_([i.id for i in items]),
            FeedbackEvent.kind == EventKind.REPLY,
            FeedbackEvent.public.is_(True),
        )
        .order_by(FeedbackEvent.id)
    )
    answers: dict[int, list[FeedbackEvent]] = {i.id: [] for i in items}
    for event in db.session.execute(query).scalars():
        answers[event.feedback_id].append(event)
    return answers
