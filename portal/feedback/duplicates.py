"""Likely duplicates of a feedback item: open items of the same ward and category, near the
same position (within NEAR_METRES when both have coordinates), at a similar address, or with
a similar text (the share of folded words they have in common). The same rule on SQLite and
PostgreSQL: the candidates are read by one plain query, the score is worked out here."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import sqlalchemy as sa

from portal.auth.models import User
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.feedback.policy import IN_HAND
from portal.text import fold

if TYPE_CHECKING:
    from portal.feedback.submission import FeedbackInput

NEAR_METRES = 150
TEXT_SIMILAR = 0.4  # Jaccard share of the folded words of title and text
ADDRESS_SIMILAR = 0.6
CANDIDATES_MAX = 200  # the newest open items of the category that are compared
SHOWN_MAX = 5
MIN_WORD = 2  # shorter folded words ("a", "o") say nothing


@dataclass(frozen=True)
class Similar:
    item: Feedback
    score: float
    near: bool
    own: bool = False  # the item is the `visible_to` resident's own


def words(*parts: object) -> frozenset[str]:
    return _words(" ".join(str(p) for p in parts if p))


@lru_cache(maxsize=1024)  # an item's page compares the same candidates at every view
def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in fold(text).split() if len(w) >= MIN_WORD)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance (haversine), in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def similar(
    ward_id: int,
    category_id: int | None,
    title: str,
    body: str,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    *,
    exclude_id: int | None = None,
    visible_to: User | None = None,
    limit: int = SHOWN_MAX,
) -> list[Similar]:
    """Open items (still in the ward's hands) of the ward and category that look like this
    one, most similar first. With `visible_to` (a resident), only what they may see: their
    own items, or those published (the sender allowed it)."""
    if not category_id:
        return []
    query = sa.select(Feedback).where(
        Feedback.ward_id == ward_id,
        Feedback.category_id == category_id,
        Feedback.status.in_(tuple(IN_HAND)),
    )
    if exclude_id is not None:
        query = query.where(Feedback.id != exclude_id)
    if visible_to is not None:
        query = query.where(
            sa.or_(Feedback.user_id == visible_to.id, Feedback.publish_allowed.is_(True))
        )
    query = query.order_by(Feedback.received_at.desc(), Feedback.id.desc()).limit(CANDIDATES_MAX)
    text = words(title, body)
    place = words(address)
    found: list[Similar] = []
    for item in db.session.execute(query).scalars():
        near = (
            latitude is not None
            and longitude is not None
            and item.latitude is not None
            and item.longitude is not None
            and metres_between(latitude, longitude, item.latitude, item.longitude) <= NEAR_METRES
        )
        text_score = jaccard(text, words(item.title, item.body))
        place_score = jaccard(place, words(item.address))
        if near or text_score >= TEXT_SIMILAR or place_score >= ADDRESS_SIMILAR:
            score = text_score + (0.5 if near else 0.0) + 0.25 * place_score
            own = visible_to is not None and item.user_id == visible_to.id
            found.append(Similar(item, score, bool(near), own))
    found.sort(key=lambda s: (-s.score, -s.item.id))
    return found[:limit]


def before_sending(ward_id: int, data: FeedbackInput, resident: User) -> list[Similar]:
    """What a resident is shown before their feedback is filed: the open items like it that
    they may see (their own, or published ones). Empty: it is filed at once."""
    return similar(
        ward_id,
        data.category_id,
        data.title,
        data.body,
        data.address,
        data.latitude,
        data.longitude,
        visible_to=resident,
    )
