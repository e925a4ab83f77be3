"""The one-time rating link printed on the slip: 256 random bits, stored only as a hash,
valid for SATISFACTION_TOKEN_DAYS, used up atomically by the first rating."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from portal.auth.models import User
from portal.db import utcnow
from portal.domain import Refusal
from portal.extensions import db
from portal.satisfaction.models import Dossier
from portal.satisfaction.policy import token_usable

TOKEN_BYTES = 32  # 256 bits


class InvalidToken(Refusal):
    """A guessed, used, expired or malformed link: always the same neutral page (404)."""

    status = 404
    template = "satisfaction/invalid.html"

    def __init__(self) -> None:
        super().__init__(_l("This rating link cannot be used. It may have been used already."))


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def issue(dossier: Dossier, actor: User, now: datetime) -> str:
    """A new link for the dossier (replacing an unused one); returns the raw token, which is
    printed and never stored."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    dossier.token_hash = hash_token(raw)
    dossier.token_issued_at = now
    dossier.token_issued_by_id = actor.id
    dossier.token_expires_at = now + timedelta(days=current_app.config["SATISFACTION_TOKEN_DAYS"])
    return raw


def dossier_for_token(raw: str, now=None) -> Dossier:
    """The dossier a rating link is for, while the link can still be used; otherwise the
    same neutral refusal whatever the reason."""
    now = now or utcnow()
    if not raw or len(raw) > 100:
        raise InvalidToken()
    dossier = db.session.execute(
        sa.select(Dossier).where(Dossier.token_hash == hash_token(raw))
    ).scalar_one_or_none()
    if not token_usable(dossier, now):
        raise InvalidToken()
    return dossier


def consume(dossier: Dossier, token_hash: str | None, now: datetime) -> bool:
    """Mark the token used, atomically: of simultaneous submissions only one wins."""
    conditions = [Dossier.id == dossier.id, Dossier.token_used_at.is_(None)]
    if token_hash is not None:
        conditions += [Dossier.token_hash == token_hash, Dossier.token_expires_at > now]
    result = db.session.execute(
        sa.update(Dossier).where(*conditions).values(token_used_at=now),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        return False
    set_committed_value(dossier, "token_used_at", now)  # what the UPDATE wrote
    return True
