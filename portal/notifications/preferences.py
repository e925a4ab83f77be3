"""How a resident wants to hear from the ward, per purpose of the messages: a consent each
(Decree 13/2023: given, recorded with its wording and version, withdrawable).

- UPDATES (their own bookings, feedback, ratings) always go; the resident picks the channel.
- REMINDERS (the day before a booked session) go unless the resident turned them off: a
  reminder of an appointment they made is part of the service they asked for.
- NEWS (the ward's announcements) go only to those who asked for them.

Without a recorded choice: e-mail when the account has an address, otherwise the phone (Zalo
when the ward sends Zalo messages, SMS otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.auth.models import Consent, ConsentPurpose, User
from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.notifications.models import Channel

PURPOSES = (ConsentPurpose.UPDATES, ConsentPurpose.REMINDERS, ConsentPurpose.NEWS)
OPTIONAL = {ConsentPurpose.REMINDERS, ConsentPurpose.NEWS}  # may be turned off
OFF_BY_DEFAULT = {ConsentPurpose.NEWS}


def zalo_enabled(config: Mapping[str, Any] | None = None) -> bool:
    config = config if config is not None else current_app.config
    return str(config.get("OUTBOX_ZALO_SENDER", "off")).strip().lower() not in ("", "off")


def phone_channel() -> Channel:
    """How a message to a phone number goes: Zalo when the ward sends Zalo messages."""
    return Channel.ZALO if zalo_enabled() else Channel.SMS


def channels_for(user: User) -> list[Channel]:
    """The channels this account can be reached by."""
    found = []
    if user.phone:
        if zalo_enabled():
            found.append(Channel.ZALO)
        found.append(Channel.SMS)
    if user.email:
        found.append(Channel.EMAIL)
    return found


def default_channel(user: User) -> Channel | None:
    if user.email:
        return Channel.EMAIL
    return phone_channel() if user.phone else None


def _current(user: User) -> dict[ConsentPurpose, Consent]:
    """The standing (not withdrawn) message consents of the account, by purpose."""
    if user.id is None:
        return {}
    rows = db.session.execute(
        sa.select(Consent)
        .where(
            Consent.user_id == user.id,
            Consent.purpose.in_(PURPOSES),
            Consent.withdrawn_at.is_(None),
        )
        .order_by(Consent.id)
    ).scalars()
    return {row.purpose: row for row in rows}


def _withdrawn(user: User) -> set[ConsentPurpose]:
    """Purposes whose last consent was withdrawn (and none given since)."""
    if user.id is None:
        return set()
    last = (
        sa.select(Consent.purpose, sa.func.max(Consent.id).label("id"))
        .where(Consent.user_id == user.id, Consent.purpose.in_(PURPOSES))
        .group_by(Consent.purpose)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Consent.purpose)
        .join(last, Consent.id == last.c.id)
        .where(Consent.withdrawn_at.is_not(None))
    ).scalars()
    return set(rows)


def choices(user: User) -> dict[ConsentPurpose, Channel | None]:
    """For each purpose, the channel its messages go by (None: not sent)."""
    current, withdrawn = _current(user), _withdrawn(user)
    reachable = channels_for(user)
    result: dict[ConsentPurpose, Channel | None] = {}
    for purpose in PURPOSES:
        consent = current.get(purpose)
        if consent is not None and consent.channel in reachable:
            result[purpose] = Channel(consent.channel)
        elif purpose in withdrawn or (consent is None and purpose in OFF_BY_DEFAULT):
            result[purpose] = None
        else:  # no choice yet, or the chosen address is gone: the default
            result[purpose] = default_channel(user)
    return result


def channel_for(user: User, purpose: ConsentPurpose) -> Channel | None:
    return choices(user)[purpose]


def _wording(purpose: ConsentPurpose, channel: Channel, ward_name: str) -> str:
    channels = {
        Channel.SMS: _("by SMS"),
        Channel.ZALO: _("by Zalo message (SMS when Zalo cannot deliver)"),
        Channel.EMAIL: _("by e-mail"),
    }
    texts = {
        ConsentPurpose.UPDATES: _(
            "I want %(ward)s to tell me about my bookings, feedback and ratings %(channel)s.",
            ward=ward_name,
            channel=channels[channel],
        ),
        ConsentPurpose.REMINDERS: _(
            "I agree that %(ward)s reminds me of the sessions I booked %(channel)s.",
            ward=ward_name,
            channel=channels[channel],
        ),
        ConsentPurpose.NEWS: _(
            "I agree that %(ward)s sends me its announcements %(channel)s.",
            ward=ward_name,
            channel=channels[channel],
        ),
    }
    return texts[purpose]


def choose(user: User, wanted: Mapping[ConsentPurpose, Channel | None], *, now=None) -> int:
    """Record the resident's choices: a changed channel is a new consent (the old one is
    withdrawn), "none" withdraws it. Returns how many purposes changed. Raises DomainError
    for a channel the account cannot be reached by, or for turning off updates."""
    now = now or utcnow()
    reachable = channels_for(user)
    before = choices(user)
    current = _current(user)
    changed = 0
    for purpose in PURPOSES:
        if purpose not in wanted:
            continue
        channel = wanted[purpose]
        if channel is None and purpose not in OPTIONAL:
            raise DomainError(_("Messages about your own requests cannot be turned off."))
        if channel is not None and channel not in reachable:
            raise DomainError(_("Your account has no address for that channel."))
        standing = current.get(purpose)
        if channel == before[purpose] and (channel is None or standing is not None):
            continue  # the same as now (a default shown and saved becomes a consent)
        if standing is not None:
            standing.withdrawn_at = now
        elif channel is None:  # turning off a default: recorded as a withdrawn consent
            db.session.add(_consent(user, purpose, before[purpose], now, withdrawn=True))
        if channel is not None:
            db.session.add(_consent(user, purpose, channel, now))
        changed += 1
    db.session.flush()
    return changed


def _consent(
    user: User, purpose: ConsentPurpose, channel: Channel | None, now, *, withdrawn=False
) -> Consent:
    locale = user.locale or "vi"
    with force_locale(locale):
        ward_name = user.ward.in_text if user.ward else _("the ward")
        text = _wording(purpose, channel or default_channel(user) or Channel.SMS, ward_name)
    return Consent(
        user_id=user.id,
        purpose=purpose,
        channel=str(channel) if channel else None,
        policy_version=current_app.config["PRIVACY_POLICY_VERSION"],
        locale=locale,
        text=text,
        given_at=now,
        withdrawn_at=now if withdrawn else None,
    )
