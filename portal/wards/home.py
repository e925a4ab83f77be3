"""The ward home: the page a resident or a visitor lands on, built around one ward. Big
actions first (each one tap from its form, or from the login that leads to it), then the
next conference with seats left, the chairman's reception hours, and the resident's own
open bookings and feedback with their states.

Whose ward: a resident's is on their account (User.ward); a visitor chooses one and a
cookie remembers it (`ward`, its slug only: no personal data, SameSite=Lax, a year).
Officials keep the portal's front page (their menu leads to their work)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, request, url_for
from flask_babel import format_time
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from portal.auth.models import User
from portal.db import utcnow
from portal.dialogues import reception
from portal.dialogues import services as dialogue_services
from portal.dialogues.models import Booking, BookingStatus, DialogueSession, ReceptionSchedule
from portal.dialogues.policy import open_for_booking
from portal.extensions import db
from portal.feedback.models import FINAL_STATUSES, Feedback
from portal.security import is_resident
from portal.wards.info import info_of
from portal.wards.models import Ward, WardInfo
from portal.wards.services import get_ward_by_slug

COOKIE = "ward"
_SLUG = re.compile(r"[a-z0-9-]{1,120}")
MINE_MAX = 5  # the resident's items shown on the home; "see all" leads to the full lists


# ---------------------------------------------------------------- whose ward


def cookie_ward() -> Ward | None:
    """The served ward the visitor's cookie names; anything else in it (a ward no longer
    served, a made-up or overlong value) is ignored."""
    slug = request.cookies.get(COOKIE, "")
    if not _SLUG.fullmatch(slug):
        return None
    return get_ward_by_slug(slug)


def cookie_ward_id() -> int | None:
    """What a visitor's home page depends on besides its address (the page cache's key)."""
    ward = cookie_ward()
    return ward.id if ward is not None else None


def home_ward(user: User | None) -> Ward | None:
    """The ward whose home this person sees: a resident's own (if it is served), the
    visitor's chosen one; None for officials and for a visitor who has not chosen."""
    if user is not None and getattr(user, "is_authenticated", False):
        if is_resident(user) and user.ward is not None and user.ward.enabled:
            return user.ward
        return None
    return cookie_ward()


def remember(response, ward: Ward):
    """Remember the visitor's ward in the cookie (its slug only)."""
    response.set_cookie(
        COOKIE,
        ward.slug,
        max_age=int(timedelta(days=current_app.config["WARD_COOKIE_DAYS"]).total_seconds()),
        samesite="Lax",
        secure=request.is_secure,
        httponly=True,
    )
    return response


# ---------------------------------------------------------------- what the home shows


def optional_url(endpoint: str, **values) -> str | None:
    """The address of `endpoint`, or None when this deployment has no such page (a feature
    not installed yet): its action is then left out rather than shown broken."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


@dataclass(frozen=True)
class Action:
    key: str  # also the CSS modifier and the browser test's handle
    label: object
    url: str


# The five big actions, in the order of the issue; the lookup and the rating by code are
# other helpers' pages (satisfaction.lookup, satisfaction.enter_code), shown once they exist.
LABELS = {
    "dialogue": _l("Register for a dialogue"),
    "reception": _l("Book citizen reception"),
    "feedback": _l("Send feedback"),
    "lookup": _l("Look up a dossier"),
    "rate": _l("Rate your satisfaction"),
}
LOOKUP_ENDPOINT = "satisfaction.lookup"
RATE_ENDPOINT = "satisfaction.enter_code"


def next_conference(ward_id: int, now: datetime) -> DialogueSession | None:
    """The next published conference still taking bookings with seats left, else the next
    one taking bookings at all (its waiting list)."""
    taking = [
        s for s in dialogue_services.upcoming_conferences(ward_id, now) if open_for_booking(s, now)
    ]
    with_seats = [s for s in taking if s.seats_left > 0]
    return (with_seats or taking or [None])[0]


def actions(ward: Ward, user: User | None, conference: DialogueSession | None) -> list[Action]:
    """The big actions, each leading straight to its form (or to the login before it)."""
    if conference is not None:
        dialogue = url_for("dialogues.public_detail", slug=ward.slug, session_id=conference.id)
    else:
        dialogue = url_for("dialogues.public_list", slug=ward.slug)
    # Feedback goes to the sender's own ward: a visitor (who logs in first) or one of the
    # ward's residents gets the form; anyone else this ward's published answers.
    visitor = user is None or not user.is_authenticated
    sender = visitor or (is_resident(user) and user.ward_id == ward.id)
    feedback = (
        url_for("feedback.new") if sender else url_for("feedback.public_list", slug=ward.slug)
    )
    urls = {
        "dialogue": dialogue,
        "reception": url_for("reception.public_page", slug=ward.slug),
        "feedback": feedback,
        "lookup": optional_url(LOOKUP_ENDPOINT, slug=ward.slug),
        "rate": optional_url(RATE_ENDPOINT, slug=ward.slug),
    }
    return [Action(key, LABELS[key], url) for key, url in urls.items() if url]


def open_bookings(user: User, now: datetime) -> list[Booking]:
    """The resident's bookings still to come (confirmed or waiting), soonest first."""
    query = (
        sa.select(Booking)
        .join(Booking.session)
        .where(
            Booking.user_id == user.id,
            Booking.status.in_((BookingStatus.CONFIRMED, BookingStatus.WAITING)),
            DialogueSession.ends_at > now,
        )
        .order_by(DialogueSession.starts_at)
        .limit(MINE_MAX)
    )
    return list(db.session.execute(query).scalars())


def open_feedback(user: User) -> list[Feedback]:
    """The resident's feedback not finished yet (received, in progress, waiting, answered),
    newest first."""
    query = (
        sa.select(Feedback)
        .where(Feedback.user_id == user.id, Feedback.status.not_in(FINAL_STATUSES))
        .order_by(Feedback.received_at.desc(), Feedback.id.desc())
        .limit(MINE_MAX)
    )
    return list(db.session.execute(query).scalars())


@dataclass(frozen=True)
class ReceptionHours:
    day: str
    start: str
    end: str
    venue: str


def reception_hours(schedules: list[ReceptionSchedule]) -> list[ReceptionHours]:
    """The chairman's weekly reception hours as the pages show them (wall-clock times,
    already Hà Nội time)."""
    from portal.dialogues.reception_forms import weekday_label

    def clock(value) -> str:
        return format_time(value, "short", rebase=False)

    return [
        ReceptionHours(weekday_label(s.weekday), clock(s.start_time), clock(s.end_time), s.venue)
        for s in schedules
    ]


@dataclass
class WardHome:
    ward: Ward
    actions: list[Action]
    conference: DialogueSession | None
    hours: list[ReceptionHours]
    info: WardInfo | None
    # The resident's own items: only on their own ward's home (never for a visitor).
    personal: bool = False
    bookings: list[Booking] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)


def ward_home(ward: Ward, user: User | None, now: datetime | None = None) -> WardHome:
    """Everything the ward home shows for this person."""
    now = now or utcnow()
    conference = next_conference(ward.id, now)
    home = WardHome(
        ward=ward,
        actions=actions(ward, user, conference),
        conference=conference,
        hours=reception_hours(reception.active_schedules(ward.id)),
        info=info_of(ward.id),
    )
    if is_resident(user) and user.ward_id == ward.id:
        home.personal = True
        home.bookings = open_bookings(user, now)
        home.feedback = open_feedback(user)
    return home
