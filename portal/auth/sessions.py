"""Signed-in browsers, known to the server: logging out ends the session there (a copy of
the cookie no longer opens anything, from anywhere), and a new password ends every other
session of the account. The cookie carries a random secret; the database keeps its hash."""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa
from flask import session

from portal.auth.models import AuthSession, User
from portal.db import utcnow
from portal.extensions import db

KEY = "sid"  # the secret's place in the signed session cookie


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(user: User, method: str) -> str:
    """A new session for the user (call, then `login_user`). Returns the secret, also put in
    this request's cookie."""
    secret = secrets.token_urlsafe(32)
    db.session.add(AuthSession(user_id=user.id, token_hash=_hash(secret), method=method))
    db.session.flush()
    session[KEY] = secret
    return secret


def current_user_for(user_id: int, account_token: str) -> User | None:
    """The active account whose session this cookie holds, in one query; None when the
    session was ended, the account's token changed, or there is no session secret."""
    secret = session.get(KEY)
    if not secret:
        return None
    return db.session.execute(
        sa.select(User)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(
            User.id == user_id,
            User.session_token == account_token,
            User.is_active_account.is_(True),
            AuthSession.token_hash == _hash(secret),
            AuthSession.ended_at.is_(None),
        )
    ).scalar_one_or_none()


def end_current() -> None:
    """End this browser's session (logging out)."""
    secret = session.pop(KEY, None)
    if secret:
        db.session.execute(
            sa.update(AuthSession)
            .where(AuthSession.token_hash == _hash(secret), AuthSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )


def end_others(user: User) -> int:
    """End every session of the account but this browser's (a new password). Returns how
    many were ended."""
    current = session.get(KEY)
    query = sa.update(AuthSession).where(
        AuthSession.user_id == user.id, AuthSession.ended_at.is_(None)
    )
    if current:
        query = query.where(AuthSession.token_hash != _hash(current))
    return db.session.execute(query.values(ended_at=utcnow())).rowcount
