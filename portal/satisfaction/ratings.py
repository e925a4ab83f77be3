"""The rating itself: three answers (a reason required for "Không hài lòng"), attitude,
visits and a comment, given through the one-time link or at the desk's tablet; the points of
indicators 1, 2, 3, 4 and 7 of Circular 01/2018 (indicators.py); a dissatisfied rating opens
a case in the feedback inbox."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.auth.phones import InvalidPhone, normalize_phone
from portal.db import utcnow
from portal.domain import Problems, StateConflict
from portal.extensions import db
from portal.satisfaction import cases, indicators, policy, rollups, tokens
from portal.satisfaction.models import (
    Attitude,
    Dossier,
    KioskDevice,
    Level,
    RatingChannel,
    SatisfactionRating,
    Timeliness,
)
from portal.satisfaction.policy import DossierAction
from portal.text import clean

REASON_MAX = 2000
COMMENT_MAX = 2000


@dataclass
class RatingInput:
    level: str | None
    reason: str = ""
    attitude: str | None = None
    visits_reported: int | None = None
    comment: str = ""
    # A dissatisfied resident's number to be called back on, with its own consent.
    callback_phone: str = ""
    callback_consent: bool = False


def callback_consent_text() -> str:
    """The exact wording next to the (unticked) call-back box, in the current language; it
    is stored with the rating as the proof of what was agreed."""
    return _(
        "I agree that the ward's officials handling my dissatisfaction use this mobile number "
        "only to contact me about it (a call or a text message). The number is erased after "
        "the case is closed (Decree 13/2023/ND-CP)."
    )


def _callback_phone(problems: Problems, data: RatingInput, level: Level | None) -> None:
    """The call-back number as E.164 when one is given with its consent, else ""; only a
    dissatisfied rating opens a case that someone could call back about."""
    raw = clean(data.callback_phone)
    data.callback_phone = ""
    if not raw or level != Level.DISSATISFIED:
        return
    try:
        phone = normalize_phone(raw)
    except InvalidPhone:
        problems.add("callback_phone", _l("Enter a Vietnamese mobile number, e.g. 0912 345 678."))
        return
    if not data.callback_consent:
        problems.add(
            "callback_consent",
            _l("Tick the box to agree to be called back, or leave the number empty."),
        )
        return
    data.callback_phone = phone


def _validated(data: RatingInput) -> tuple[Level, Attitude | None]:
    problems = Problems()
    level = Level(data.level) if data.level in {x.value for x in Level} else None
    attitude = Attitude(data.attitude) if data.attitude in {x.value for x in Attitude} else None
    data.reason, data.comment = clean(data.reason), clean(data.comment)
    if level is None:
        problems.add("level", _l("Choose one of the three answers."))
    if level == Level.DISSATISFIED and not data.reason:
        problems.add("reason", _l("Please tell us why you are dissatisfied."))
    if len(data.reason) > REASON_MAX:
        problems.add("reason", _l("At most %(max)d characters.", max=REASON_MAX))
    if len(data.comment) > COMMENT_MAX:
        problems.add("comment", _l("At most %(max)d characters.", max=COMMENT_MAX))
    if data.attitude and attitude is None:
        problems.add("attitude", _l("Choose one of the listed answers."))
    if data.visits_reported is not None and not 0 <= data.visits_reported <= 50:
        problems.add("visits_reported", _l("Enter a number of visits between 0 and 50."))
    _callback_phone(problems, data, level)
    problems.raise_if_any()
    return level, attitude


def score_of(
    timeliness: Timeliness | None, contacts: int, attitude: Attitude | None, agencies: int = 1
) -> int | None:
    """The points of the per-dossier indicators of Circular 01/2018 (1, 2, 3, 4 and 7: see
    portal.satisfaction.indicators), summed; None when the dossier has no return date."""
    return indicators.score_and_max(indicators.points_of(timeliness, contacts, agencies, attitude))[
        0
    ]


def _points(dossier: Dossier, attitude: Attitude | None) -> dict[str, int | None]:
    """The rating's indicator points, their sum and their maximum, from its dossier."""
    points = indicators.points_of(
        dossier.timeliness, dossier.extra_visits, dossier.agencies_involved, attitude
    )
    score, score_max = indicators.score_and_max(points)
    return {**points, "score": score, "score_max": score_max}


def _record_rating(dossier: Dossier, level, attitude, data: RatingInput, channel, now):
    rating = SatisfactionRating(
        ward_id=dossier.ward_id,
        dossier_id=dossier.id,
        procedure_id=dossier.procedure_id,
        officer_id=dossier.receiving_officer_id,
        level=level,
        reason=data.reason,
        attitude=attitude,
        visits_reported=data.visits_reported,
        comment=data.comment,
        channel=channel,
        issued_by_id=dossier.token_issued_by_id,
        timeliness=dossier.timeliness,
        contacts_needed=dossier.extra_visits,
        agencies_involved=dossier.agencies_involved,
        **_points(dossier, attitude),
        callback_consent_text=callback_consent_text() if data.callback_phone else "",
        callback_consent_at=now if data.callback_phone else None,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(rating)
            db.session.flush()
    except sa.exc.IntegrityError as exc:  # one rating per dossier, whatever the race
        raise tokens.InvalidToken() from exc
    rollups.rating_recorded(rating)
    if level == Level.DISSATISFIED:
        rating.feedback_id = cases.open_case(dossier, rating, now, data.callback_phone).id
        db.session.flush()
    return rating


def rate(raw_token: str, data: RatingInput, now=None) -> SatisfactionRating:
    """A resident rates a dossier through its one-time link (no login). Used, expired,
    guessed and malformed tokens all get the same answer; nothing is counted twice."""
    now = now or utcnow()
    level, attitude = _validated(data)
    dossier = tokens.dossier_for_token(raw_token, now)
    if not tokens.consume(dossier, dossier.token_hash, now):
        raise tokens.InvalidToken()
    return _record_rating(dossier, level, attitude, data, RatingChannel.LINK, now)


def rate_at_kiosk(actor: User, dossier: Dossier, data: RatingInput, now=None) -> SatisfactionRating:
    """A resident rates at the desk's tablet, signed in as the officer who returned the
    dossier; the dossier's token is used up so the slip's link no longer works."""
    now = now or utcnow()
    policy.require_dossier(actor, dossier, DossierAction.RATE_AT_KIOSK, now)
    level, attitude = _validated(data)
    if not tokens.consume(dossier, None, now):  # rated meanwhile, through its link
        raise StateConflict(_l("This dossier has already been rated."))
    return _record_rating(dossier, level, attitude, data, RatingChannel.KIOSK, now)


def rate_with_code(ward_id: int, receipt_number: str, code: str, data: RatingInput, now=None):
    """A resident rates a dossier with the slip's short code, typed at the ward's rating page
    or at a kiosk (no login): the same one-time permission as the link, the same neutral
    answer for every code that cannot be used."""
    now = now or utcnow()
    level, attitude = _validated(data)
    dossier = tokens.dossier_for_code(ward_id, receipt_number, code, now)
    if not tokens.consume(dossier, dossier.token_hash, now):
        raise tokens.InvalidToken()
    return _record_rating(dossier, level, attitude, data, RatingChannel.CODE, now)


def rate_at_device(device: KioskDevice, dossier: Dossier, data: RatingInput, now=None):
    """A resident rates at an enrolled kiosk the dossier just returned at its desk; the
    dossier's token is used up, so the slip's link and code no longer work."""
    now = now or utcnow()
    policy.require_kiosk_may_rate(device, dossier, now)
    level, attitude = _validated(data)
    if not tokens.consume(dossier, None, now):  # rated meanwhile, through its link
        raise StateConflict(_l("This dossier has already been rated."))
    return _record_rating(dossier, level, attitude, data, RatingChannel.KIOSK, now)
