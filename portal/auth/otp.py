"""One-time codes sent to a mobile number: proving a new account's number, logging in
without a password, choosing a new password.

- A code is 6 random digits, valid PHONE_CODE_MINUTES (5), void after PHONE_CODE_TRIES (5)
  wrong tries, used once. Only a keyed hash is stored (HMAC with the app's secret key, the
  purpose and the number: a stolen database does not give the codes away).
- A number gets a new code at most every PHONE_CODE_RESEND_SECONDS (60) and at most
  PHONE_CODE_PER_DAY (5) a day, counted in one row per number that a single conditional
  UPDATE changes: two servers cannot both send. (A limit per client address sits on the
  routes, in Redis when configured.)
- Asking never tells whether the number has an account: a number without one is counted
  against the same limits, and "sent" is answered the same way; no code exists to match.
- No code is ever written to a log: the message that carries it is marked sensitive, and
  the outbox scrubs its text once it has been handed over.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.auth import messages
from portal.auth.models import CodePurpose, PhoneCode, PhoneCodeQuota, User
from portal.db import upsert_insert, utcnow
from portal.domain import DomainError, Refusal
from portal.extensions import db
from portal.timeutil import local_today, to_utc

DIGITS = 6


class WrongCode(DomainError):
    """A wrong, expired, used or voided code. The try it counted is kept (`keep`): the view
    commits it before showing the message, or the tries would never run out."""

    keep = True


class TooSoon(Refusal):
    """A new code was asked for too soon, or too many today (answered 429, Retry-After)."""

    status = 429

    def __init__(self, message, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def _setting(name: str) -> int:
    return int(current_app.config[name])


def code_hash(purpose: CodePurpose, phone: str, code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{phone}:{code}".encode(), "sha256").hexdigest()


def _take_quota(phone: str, now: datetime) -> None:
    """Count one code against the number's limits, or raise TooSoon. One conditional UPDATE
    (after making sure the row exists) decides, whatever the number of servers."""
    today = local_today(now)
    resend = timedelta(seconds=_setting("PHONE_CODE_RESEND_SECONDS"))
    per_day = _setting("PHONE_CODE_PER_DAY")
    db.session.execute(
        upsert_insert(db.session, PhoneCodeQuota.__table__)
        .values(phone=phone, last_sent_at=now - resend, day=today, sent_on_day=0)
        .on_conflict_do_nothing()
    )
    quota = PhoneCodeQuota
    new_day = quota.day != today
    taken = db.session.execute(
        sa.update(quota)
        .where(
            quota.phone == phone,
            quota.last_sent_at <= now - resend,
            sa.or_(new_day, quota.sent_on_day < per_day),
        )
        .values(
            last_sent_at=now,
            sent_on_day=sa.case((new_day, 1), else_=quota.sent_on_day + 1),
            day=today,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken == 1:
        return
    row = db.session.execute(sa.select(quota).where(quota.phone == phone)).scalar_one()
    db.session.refresh(row)
    if row.day == today and row.sent_on_day >= per_day:
        midnight = to_utc(datetime.combine(today + timedelta(days=1), datetime.min.time()))
        wait = int((midnight - now).total_seconds()) + 1  # until the next Hà Nội day
        raise TooSoon(
            _l("This number has been sent as many codes as a day allows. Try again tomorrow."),
            max(wait, 60),
        )
    wait = int((row.last_sent_at + resend - now).total_seconds()) + 1
    raise TooSoon(
        _l("A code was sent a moment ago. You can ask for a new one in %(n)d seconds.", n=wait),
        max(wait, 1),
    )


def send_code(
    phone: str,
    purpose: CodePurpose,
    *,
    user: User | None,
    ward_id: int | None = None,
    locale: str = "vi",
    now: datetime | None = None,
) -> None:
    """Count a code against the number's limits and, when there is someone to send it to
    (`user`: the account it is for), make it and queue the message. Without `user` nothing
    is sent, but the limits count the same: the answer never tells the two apart."""
    now = now or utcnow()
    _take_quota(phone, now)
    if user is None:
        return
    db.session.execute(
        sa.update(PhoneCode)
        .where(PhoneCode.phone == phone, PhoneCode.purpose == purpose, PhoneCode.used_at.is_(None))
        .values(used_at=now)  # an older code stops working when a new one is sent
        .execution_options(synchronize_session=False)
    )
    code = f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"
    minutes = _setting("PHONE_CODE_MINUTES")
    db.session.add(
        PhoneCode(
            phone=phone,
            purpose=purpose,
            user_id=user.id,
            code_hash=code_hash(purpose, phone, code),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    db.session.flush()
    messages.send_code(user, phone, code, minutes=minutes, ward_id=ward_id, locale=locale)


WRONG = _l("This code is not right, or it is no longer valid. Ask for a new code.")


def _wrong() -> WrongCode:
    return WrongCode(WRONG, "code")


def check_code(phone: str, purpose: CodePurpose, code: str, now: datetime | None = None) -> int:
    """The account id the code proves, using the code up; otherwise DomainError (one
    message for a wrong, expired, used or voided code). Each try counts: after the last
    allowed wrong one the code is void."""
    now = now or utcnow()
    code = "".join(ch for ch in (code or "") if ch in "0123456789")
    live = db.session.execute(
        sa.select(PhoneCode)
        .where(
            PhoneCode.phone == phone,
            PhoneCode.purpose == purpose,
            PhoneCode.used_at.is_(None),
            PhoneCode.expires_at > now,
        )
        .order_by(PhoneCode.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if live is None:
        raise _wrong()
    tries = _setting("PHONE_CODE_TRIES")
    counted = db.session.execute(
        sa.update(PhoneCode)
        .where(PhoneCode.id == live.id, PhoneCode.attempts < tries, PhoneCode.used_at.is_(None))
        .values(attempts=PhoneCode.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    right = len(code) == DIGITS and hmac.compare_digest(
        live.code_hash, code_hash(purpose, phone, code)
    )
    if counted != 1 or not right:
        raise _wrong()
    used = db.session.execute(
        sa.update(PhoneCode)
        .where(PhoneCode.id == live.id, PhoneCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:  # the same code, sent twice at once: one of them wins
        raise _wrong()
    return live.user_id
