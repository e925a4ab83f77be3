"""Ready-made replies a ward's officers start a reply from."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.domain import PermissionDenied, Problems
from portal.extensions import db
from portal.feedback.models import CannedResponse
from portal.security import is_officer_of
from portal.text import clean

TEXT_MAX = 5000


def canned_responses(ward_id: int) -> list[CannedResponse]:
    query = (
        sa.select(CannedResponse)
        .where(CannedResponse.ward_id == ward_id)
        .order_by(CannedResponse.title, CannedResponse.id)
    )
    return list(db.session.execute(query).scalars())


def canned_reply(ward_id: int, canned_id: int | None) -> CannedResponse | None:
    """One of the ward's ready-made replies (None for another ward's or a missing one)."""
    found = db.session.get(CannedResponse, canned_id) if canned_id else None
    return found if found is not None and found.ward_id == ward_id else None


def save_canned(actor: User, title: str, body: str) -> CannedResponse:
    """A ward officer adds a ready-made reply for the ward."""
    if not is_officer_of(actor, actor.ward_id):
        raise PermissionDenied(_l("Only the ward's officers may handle this feedback."))
    problems = Problems()
    title, body = clean(title), clean(body)
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
    if not is_officer_of(actor, canned.ward_id):
        raise PermissionDenied(_l("Only the ward's officers may handle this feedback."))
    db.session.delete(canned)
    db.session.flush()
