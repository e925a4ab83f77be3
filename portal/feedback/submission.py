"""Sending feedback: by a resident from their account, by an officer for a caller or a
walk-in, or by an Open311 client. Every problem is reported at once; nothing is saved unless
everything is right."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.auth.phones import InvalidPhone, normalize_phone
from portal.codes import new_code
from portal.db import utcnow
from portal.domain import DomainError, PermissionDenied, Problems, StateConflict
from portal.extensions import db
from portal.feedback import events, messages, publication
from portal.feedback.deadlines import deadline_for
from portal.feedback.models import Channel, EventKind, Feedback, FeedbackCategory, FeedbackStatus
from portal.feedback.uploads import Upload, check_all
from portal.security import UNCONFIRMED, is_officer_of, is_resident, needs_phone_confirmation
from portal.text import clean
from portal.wards.models import Ward

TITLE_MAX = 200
BODY_MAX = 5000


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
    data.title = clean(data.title)
    data.body = clean(data.body)
    if not data.title:
        problems.add("title", _l("Please enter a title."))
    elif len(data.title) > TITLE_MAX:
        problems.add("title", _l("At most %(max)d characters.", max=TITLE_MAX))
    if not data.body:
        problems.add("body", _l("Please describe the matter."))
    elif len(data.body) > BODY_MAX:
        problems.add("body", _l("At most %(max)d characters.", max=BODY_MAX))
    data.address = clean(data.address)
    data.residential_group = clean(data.residential_group)
    if len(data.address) > 300:
        problems.add("address", _l("At most %(max)d characters.", max=300))
    if len(data.residential_group) > 100:
        problems.add("residential_group", _l("At most %(max)d characters.", max=100))
    _check_position(problems, data.latitude, data.longitude)
    return category, problems


def _check_contact(problems: Problems, data: FeedbackInput, *, phone_required: bool) -> None:
    data.contact_name = clean(data.contact_name)
    data.contact_email = clean(data.contact_email)
    if not data.contact_name:
        problems.add("contact_name", _l("Enter the person's name."))
    elif len(data.contact_name) > 120:
        problems.add("contact_name", _l("At most %(max)d characters.", max=120))
    raw_phone = clean(data.contact_phone)
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
    if actor is not None and not is_officer_of(actor, ward.id):
        raise PermissionDenied(_l("Only the ward's officers may enter feedback for others."))
    if user is not None and not is_resident(user):
        raise PermissionDenied(_l("Only residents send feedback from their account."))
    if user is not None and needs_phone_confirmation(user):
        raise StateConflict(UNCONFIRMED)
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
        media_url=clean(data.media_url)[:500],
        device_id=clean(data.device_id)[:100],
        publish_allowed=bool(data.publish_allowed),
        received_at=now,
        due_on=deadline_for(now, category.deadline_days),
        api_key_id=api_key_id,
    )
    item.category = category
    item.user = user
    db.session.add(item)
    db.session.flush()
    event = events.record(item, EventKind.SUBMITTED, actor or user, now=now, new=item.status)
    events.attach(item, event, checked, actor or user)
    if user is not None and item.publish_allowed:
        publication.record_consent(user, item, now)
    db.session.flush()
    messages.notify(item, "feedback_received")
    return item
