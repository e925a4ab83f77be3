"""API keys of the portal's machine clients: the city administrator issues and revokes them,
and every filed request or sent dossier authenticates with one. Each key serves one scope
(ApiScope): an Open311 key for every served ward or one, a dossier key for exactly one ward.
Only a key's SHA-256 is stored; the key is shown once.

Services add and flush; the view commits."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from portal.api.models import ApiKey, ApiScope
from portal.audit import services as audit
from portal.auth.models import User
from portal.db import utcnow
from portal.domain import PermissionDenied, Problems
from portal.extensions import db
from portal.security import CITY_ADMINS
from portal.wards.models import Ward

NAME_MAX = 120
PREFIX_LENGTH = 8
RAW_KEY_MAX = 200  # token_urlsafe(32) is 43 characters; anything far longer is not a key


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def presented_digest(raw: str | None) -> str | None:
    """The hash of the key a client presented (what a rate limit counts by: the key itself
    is never stored, not even in Redis), or None when it presented none usable."""
    raw = (raw or "").strip()
    return _digest(raw) if raw and len(raw) <= RAW_KEY_MAX else None


def _check_admin(actor: User) -> None:
    if actor.role not in CITY_ADMINS:
        raise PermissionDenied(_l("Only the city administrator may manage API keys."))


def issue_key(
    actor: User, name: str, ward_id: int | None, scope: ApiScope | str = ApiScope.OPEN311
) -> tuple[ApiKey, str]:
    """Issue a key for a client, for every served ward or one of them (a dossier key: one
    ward); returns the row and the key itself, which is never stored and cannot be shown
    again."""
    _check_admin(actor)
    problems = Problems()
    try:
        scope = ApiScope(scope or ApiScope.OPEN311)
    except ValueError:
        problems.add("scope", _l("Choose what the key is for."))
    if scope == ApiScope.DOSSIERS and ward_id is None:
        problems.add("ward_id", _l("A key for sending dossiers serves exactly one ward."))
    name = (name or "").strip()
    if not name:
        problems.add("name", _l("Enter a name for the key."))
    elif len(name) > NAME_MAX:
        problems.add("name", _l("At most %(max)d characters.", max=NAME_MAX))
    if ward_id is not None:
        ward = db.session.get(Ward, ward_id)
        if ward is None or not ward.enabled:
            problems.add("ward_id", _l("Choose a ward the portal serves."))
    problems.raise_if_any()
    raw = secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        prefix=raw[:PREFIX_LENGTH],
        key_hash=_digest(raw),
        ward_id=ward_id,
        scope=scope,
        created_by_id=actor.id,
    )
    db.session.add(key)
    db.session.flush()
    audit.note(target_id=key.id, ward_id=ward_id)
    return key, raw


def revoke_key(actor: User, key: ApiKey) -> ApiKey:
    """Stop accepting a key from now on; revoking it again changes nothing."""
    _check_admin(actor)
    audit.note(ward_id=key.ward_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        key.revoked_by_id = actor.id
        db.session.flush()
    return key


def authenticate(raw: str | None, scope: ApiScope = ApiScope.OPEN311) -> ApiKey | None:
    """The active key of `scope` a client presented, or None; notes when it was last used."""
    raw = (raw or "").strip()
    if not raw or len(raw) > RAW_KEY_MAX:
        return None
    digest = _digest(raw)
    key = db.session.execute(
        sa.select(ApiKey).where(ApiKey.key_hash == digest)
    ).scalar_one_or_none()
    if key is None or not hmac.compare_digest(key.key_hash, digest) or not key.active:
        return None
    if key.scope != scope:
        return None
    key.last_used_at = utcnow()
    db.session.flush()
    return key


def list_keys() -> list[ApiKey]:
    """Every key, active ones first, newest first."""
    query = (
        sa.select(ApiKey)
        .options(joinedload(ApiKey.ward))
        .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    return list(db.session.execute(query).scalars())


def get_key(key_id: int) -> ApiKey | None:
    return db.session.get(ApiKey, key_id)
