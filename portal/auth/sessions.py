"""Signed-in browsers, known to the server: logging out ends the session there (a copy of
the cookie no longer opens anything, from anywhere), and a new password ends every other
session of the account. The cookie carries a random secret; the database keeps its hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, g, session
from sqlalchemy.orm import joinedload

from portal.auth.models import AuthSession, Role, User
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


def limits(user: User) -> tuple[timedelta, timedelta]:
    """How long a session of this account may stay idle, and last in all: officials' short
    (a shared office computer), residents' long (their own phone). Settings."""
    config = current_app.config
    if user.role == Role.RESIDENT:
        return (
            timedelta(days=config.get("RESIDENT_IDLE_DAYS", 14)),
            timedelta(days=config.get("RESIDENT_SESSION_DAYS", 90)),
        )
    return (
        timedelta(minutes=config.get("OFFICIAL_IDLE_MINUTES", 30)),
        timedelta(hours=config.get("OFFICIAL_SESSION_HOURS", 12)),
    )


def current_user_for(user_id: int, account_token: str, now: datetime | None = None) -> User | None:
    """The active account whose session this cookie holds, in one query; None when the
    session was ended, has been idle or open too long, the account's token changed (a
    disabled account, a new role), or there is no session secret."""
    secret = session.get(KEY)
    if not secret:
        return None
    row = db.session.execute(
        sa.select(User, AuthSession)
        .join(AuthSession, AuthSession.user_id == User.id)
        .options(joinedload(User.ward))  # pages name the official's ward; in this one query
        .where(
            User.id == user_id,
            User.session_token == account_token,
            User.is_active_account.is_(True),
            AuthSession.token_hash == _hash(secret),
            AuthSession.ended_at.is_(None),
        )
    ).one_or_none()
    if row is None:
        return None
    user, auth_session = row
    now = now or utcnow()
    idle, longest = limits(user)
    seen = auth_session.last_seen_at or auth_session.created_at
    if now - seen > idle or now - auth_session.created_at > longest:
        g.auth_session_note = (auth_session.id, {"ended_at": now})
        g.session_expired = True
        return None
    if now - seen > SEEN_EVERY:
        g.auth_session_note = (auth_session.id, {"last_seen_at": now})
    return user


SEEN_EVERY = timedelta(minutes=1)  # a session's last use is written at most this often


def note_use(response):
    """After the request (its own work committed or dropped): write down that the session
    was used, or that it ended by itself, in a small transaction of its own, so that a page
    that only reads does not become a write, and nothing waits on the request's own locks."""
    noted = g.pop("auth_session_note", None)
    if noted is not None:
        session_id, values = noted
        db.session.rollback()
        with db.engine.begin() as connection:
            connection.execute(
                sa.update(AuthSession)
                .where(AuthSession.id == session_id, AuthSession.ended_at.is_(None))
                .values(**values)
            )
    return response


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
