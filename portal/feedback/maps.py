"""What the feedback maps show: the officers' markers (the inbox's items, filtered as the
inbox is, coloured by the state of their deadline) and the public map's approximate
positions of published answers (about 100 m, so that no house is pointed at)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.db import utcnow
from portal.extensions import db
from portal.feedback import deadlines, queries
from portal.feedback.models import Feedback
from portal.timeutil import local_today
from portal.wards.info import info_of

MAP_MAX = 500  # markers on the officers' map; the list beside it says when there are more
EARTH_RADIUS_M = 6371000
PUBLIC_DECIMALS = 3  # 0.001° of latitude is about 111 m


@dataclass(frozen=True)
class Marker:
    id: int
    code: str
    title: str
    latitude: float
    longitude: float
    state: str  # "overdue", "due_soon" or "on_time" (a colour and a word on the map)


def marker_state(row, today, soon, now) -> str:
    """The marker's colour: the deadline's state as the inbox shows it (overdue, due soon),
    anything else still in time."""
    return deadlines.due_state(row, today, soon, now) or "on_time"


def staff_markers(
    ward_id: int, flt: queries.InboxFilter, viewer: User, now: datetime | None = None
) -> tuple[list[Marker], bool]:
    """The items the inbox's filters keep that have a position, soonest deadline first, at
    most MAP_MAX, and whether more were left out."""
    now = now or utcnow()
    today = local_today(now)
    soon = deadlines.soon_limit(today)
    query = (
        queries.inbox_query(ward_id, flt, viewer, today, now)
        .where(Feedback.latitude.is_not(None), Feedback.longitude.is_not(None))
        .order_by(*queries.SORTS["due"])
        .limit(MAP_MAX + 1)
    )
    rows = db.session.execute(query).all()
    markers = [
        Marker(
            id=row.id,
            code=row.code,
            title=row.title,
            latitude=row.latitude,
            longitude=row.longitude,
            state=marker_state(row, today, soon, now),
        )
        for row in rows[:MAP_MAX]
    ]
    return markers, len(rows) > MAP_MAX


def approximate(latitude: float | None, longitude: float | None) -> tuple[float, float] | None:
    """A position rounded to about 100 m for the public, or None without one."""
    if latitude is None or longitude is None:
        return None
    return round(latitude, PUBLIC_DECIMALS), round(longitude, PUBLIC_DECIMALS)


def public_positions(items: list[Feedback]) -> dict[int, tuple[float, float]]:
    """The approximate positions of published answers (items the public page lists)."""
    positions = {}
    for item in items:
        place = approximate(item.latitude, item.longitude)
        if place is not None:
            positions[item.id] = place
    return positions


def count_placed(ward_id: int) -> int:
    """How many of the ward's items have a position (for the map's empty state)."""
    return db.session.execute(
        sa.select(sa.func.count()).where(
            Feedback.ward_id == ward_id, Feedback.latitude.is_not(None)
        )
    ).scalar_one()


# Where a map opens when the ward has no position of its own: Hà Nội.
DEFAULT_CENTRE = (21.0285, 105.8542)


@dataclass(frozen=True)
class MapSettings:
    tiles: str  # the tile layer's address ({z}/{x}/{y}); empty: a plain background
    attribution: str
    centre: tuple[float, float]
    area: tuple[float, float, int] | None = None  # centre and radius in metres, to warn


def map_settings(ward_id: int) -> MapSettings:
    """The tile layer (a setting) and where the ward's map opens: the committee's place."""
    info = info_of(ward_id)
    centre = (info.latitude, info.longitude) if info and info.has_place else DEFAULT_CENTRE
    return MapSettings(
        tiles=current_app.config.get("MAP_TILE_URL", ""),
        attribution=current_app.config.get("MAP_TILE_ATTRIBUTION", ""),
        centre=centre,
        area=info.area if info else None,
    )


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The distance between two positions on the Earth (haversine), in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def outside_area(ward_id: int, latitude: float | None, longitude: float | None) -> bool:
    """Whether a position lies outside the ward's area (its chairman's circle around the
    committee): the sender is warned, the position is kept. False without a position or
    without an area to compare with."""
    if latitude is None or longitude is None:
        return False
    info = info_of(ward_id)
    area = info.area if info else None
    if area is None:
        return False
    return metres_between((area[0], area[1]), (latitude, longitude)) > area[2]


# A position farther from the committee than the ward's size (ward information): kept, and
# the sender (or the officer filing for a caller) asked to check it.
OUTSIDE_AREA = _l(
    "The map position seems to be outside the ward. It has been kept: please check it, "
    "or add it to your message if it is right."
)


@dataclass(frozen=True)
class Picker:
    """What a feedback form's tap-to-place map needs (the resident's and the officer's)."""

    settings: MapSettings
    outside: bool  # the position typed or placed lies outside the ward: warned, kept
    warning = OUTSIDE_AREA  # shown at once when `outside`, else by the map script on a tap


def picker(ward_id: int, latitude: float | None, longitude: float | None) -> Picker:
    """The map picker of a feedback form, with the warning shown when the position sent is
    outside the ward's area."""
    return Picker(map_settings(ward_id), outside_area(ward_id, latitude, longitude))
