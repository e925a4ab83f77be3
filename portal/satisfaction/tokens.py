"""The one-time rating link printed on the slip: 256 random bits, stored only as a hash,
valid for SATISFACTION_TOKEN_DAYS, used up atomically by the first rating.

Beside it, for residents who cannot scan, the slip carries a short rating code: the receipt
number and 6 characters of an unambiguous alphabet (no 0/O, 1/I; 30 bits). It is the same
permission (issued, replaced, expired and used up with the link) and is kept only as an
HMAC keyed with the server's secret, so a copy of the database does not give the codes away
by trying all of them; it is checked in constant time, and the pages that take it are
throttled per address like every lookup."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from portal.auth.models import User
from portal.codes import CODE_ALPHABET
from portal.db import utcnow
from portal.domain import Refusal
from portal.extensions import db
from portal.satisfaction.models import Dossier
from portal.satisfaction.policy import token_usable
from portal.text import clean

TOKEN_BYTES = 32  # 256 bits
SHORT_CODE_LENGTH = 6  # 32 ** 6: about a billion codes per dossier


class InvalidToken(Refusal):
    """A guessed, used, expired or malformed link: always the same neutral page (404)."""

    status = 404
    template = "satisfaction/invalid.html"

    def __init__(self) -> None:
        super().__init__(_l("This rating link cannot be used. It may have been used already."))


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def _code_key() -> bytes:
    return hmac.digest(
        current_app.config["SECRET_KEY"].encode(), b"ward-portal rating short code", hashlib.sha256
    )


def hash_short_code(dossier_id: int, code: str) -> str:
    """The keyed hash of a dossier's short code (as normalize_short_code gives it)."""
    return hmac.new(_code_key(), f"{dossier_id}:{code}".encode(), hashlib.sha256).hexdigest()


def new_short_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def normalize_short_code(raw: str | None) -> str:
    """What a person typed -> the code's form: upper case, spaces and dashes dropped."""
    return "".join(ch for ch in (raw or "").upper() if ch.isascii() and ch.isalnum())[:20]


def format_short_code(code: str) -> str:
    """K7QM4X -> K7Q-M4X, easier to read and type."""
    return f"{code[:3]}-{code[3:]}" if len(code) == SHORT_CODE_LENGTH else code


@dataclass
class Issued:
    """What the slip prints: the link's raw token and the short code (neither is stored)."""

    token: str
    short_code: str


def issue(dossier: Dossier, actor: User | None, now: datetime) -> Issued:
    """A new link and short code for the dossier (replacing unused ones); returns them raw,
    to be printed, never stored. `actor` None: issued for the one-stop software."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    code = new_short_code()
    dossier.token_hash = hash_token(raw)
    dossier.short_code_hash = hash_short_code(dossier.id, code)
    dossier.token_issued_at = now
    dossier.token_issued_by_id = actor.id if actor is not None else None
    dossier.token_expires_at = now + timedelta(days=current_app.config["SATISFACTION_TOKEN_DAYS"])
    return Issued(raw, code)


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


def dossier_for_code(ward_id: int, receipt_number: str | None, raw_code: str | None, now=None):
    """The ward's dossier a short code is for, while it can still be used; otherwise the
    same neutral refusal whatever the reason (unknown receipt, wrong code, another ward's
    dossier, used, expired). The keyed hash is computed and compared in constant time even
    when no dossier has that receipt number."""
    now = now or utcnow()
    number = clean(receipt_number)
    code = normalize_short_code(raw_code)
    dossier = None
    if 0 < len(number) <= 40:
        dossier = db.session.execute(
            sa.select(Dossier).where(Dossier.ward_id == ward_id, Dossier.receipt_number == number)
        ).scalar_one_or_none()
    expected = (dossier.short_code_hash if dossier else None) or hash_short_code(0, "-")
    given = hash_short_code(dossier.id if dossier else 0, code)
    fits = hmac.compare_digest(expected, given) and len(code) == SHORT_CODE_LENGTH
    if not fits or not token_usable(dossier, now):
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
