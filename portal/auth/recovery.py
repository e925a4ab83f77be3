"""Getting into an account without its password: a one-time code by SMS to log in, and a
new password chosen with a code by SMS or with a link by e-mail (valid 30 minutes, used
once: it stops working as soon as the password changes). A new password ends every other
session of the account. Asking never tells whether a number or address has an account."""

from __future__ import annotations

import hashlib
import hmac

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeTimedSerializer

from portal.auth import otp, services
from portal.auth.models import CodePurpose, User
from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.notifications.services import Recipient, enqueue

LINK_SALT = "password-reset"
LINK_INVALID = _l("This link cannot be used any more. Ask for a new one.")


def send_code(phone_typed: str, purpose: CodePurpose, now=None) -> str:
    """A code to log in or to choose a new password, sent when the number has an active
    account (counted against the number's limits either way). Returns the number."""
    phone = services.clean_phone(phone_typed)
    user = services.holder_of(phone)
    user = user if user is not None and user.is_active else None
    otp.send_code(
        phone,
        purpose,
        user=user,
        ward_id=user.ward_id if user else None,
        locale=(user.locale if user else None) or "vi",
        now=now,
    )
    return phone


def sign_in_with_code(phone: str, code: str, now=None) -> User:
    """The account the code was sent for; its number is proven by the code too."""
    now = now or utcnow()
    user = db.session.get(User, otp.check_code(phone, CodePurpose.SIGN_IN, code, now))
    if user is None or not user.is_active or user.phone != phone:
        raise DomainError(otp.WRONG, "code")
    user.phone_verified_at = user.phone_verified_at or now
    user.last_login_at = now
    return user


def reset_with_code(phone: str, code: str, password: str, now=None) -> User:
    """Choose a new password with the code sent to the account's number."""
    services.check_password_strength(password)  # before the code: a weak one costs no try
    now = now or utcnow()
    user = db.session.get(User, otp.check_code(phone, CodePurpose.RESET_PASSWORD, code, now))
    if user is None or not user.is_active or user.phone != phone:
        raise DomainError(otp.WRONG, "code")
    user.phone_verified_at = user.phone_verified_at or now
    services.set_password(user, password)
    return user


# ---------------------------------------------------------------- by e-mail


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def _fingerprint(user: User) -> str:
    """Changes with the password: a link made before the change no longer fits."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, user.password_hash.encode(), hashlib.sha256).hexdigest()[:16]


def send_link(email_typed: str, url_for_token) -> None:
    """E-mail a link to choose a new password, when the address has an active account
    (nothing otherwise; the answer is the same). `url_for_token` makes the page's address."""
    email = services.clean_email(email_typed)
    user = None
    if email:
        user = db.session.execute(sa.select(User).where(User.email == email)).scalar_one_or_none()
    if user is None or not user.is_active:
        return
    token = _serializer().dumps({"u": user.id, "f": _fingerprint(user)})
    minutes = int(current_app.config["PASSWORD_LINK_MINUTES"])
    locale = user.locale or "vi"
    with force_locale(locale):
        subject = _("Choose a new password")
        body = _(
            "Dear %(name)s, to choose a new password for your account on the ward portal, "
            "open this link within %(minutes)d minutes: %(url)s\n"
            "If you did not ask for it, ignore this message: your password stays the same.",
            name=user.full_name,
            minutes=minutes,
            url=url_for_token(token),
        )
    enqueue(
        Recipient(name=user.full_name, locale=locale, email=user.email, user_id=user.id),
        kind="password_link",
        subject=subject,
        body=body,
        ward_id=user.ward_id,
        sensitive=True,
    )


def user_for_link(token: str) -> User:
    """The account a password link is for, while it may be used; DomainError otherwise."""
    minutes = int(current_app.config["PASSWORD_LINK_MINUTES"])
    try:
        data = _serializer().loads(token, max_age=minutes * 60)
    except BadSignature as exc:  # bad, altered or expired (SignatureExpired is one)
        raise DomainError(LINK_INVALID) from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    fits = user is not None and hmac.compare_digest(str(data.get("f")), _fingerprint(user))
    if not fits or not user.is_active:
        raise DomainError(LINK_INVALID)
    return user


def reset_with_link(token: str, password: str) -> User:
    """Choose a new password with an e-mailed link; the link is used up by it."""
    user = user_for_link(token)
    services.check_password_strength(password)
    services.set_password(user, password)
    return user
