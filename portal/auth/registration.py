"""A resident's account, from the form to a proven phone number.

Registering makes an account that may log in but not book or send anything until its
holder types the code sent to the number. The answer is the same whatever the number:
- a number nobody holds yet: the account is made and a code is sent;
- a number only an unproven account holds (perhaps someone typed another person's number):
  that account gives way, and whoever proves the number with the code gets it;
- a number a proven account holds: nothing is made; its holder is told by SMS that someone
  tried, and the code page that follows never succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.auth import messages, otp, services
from portal.auth.models import CodePurpose, Consent, ConsentPurpose, Role, User
from portal.auth.passwords import hash_password
from portal.db import utcnow
from portal.domain import Problems
from portal.extensions import db


@dataclass
class Registration:
    full_name: str
    phone: str
    email: str | None
    password: str
    ward_id: int | None
    consent: bool
    locale: str
    policy_version: str


def register_resident(data: Registration, now=None) -> str:
    """Check the form, then make (or renew) the unproven account and send the code to its
    number. Returns the number (E.164), to ask for the code; raises DomainError for what
    was typed, TooSoon when the number was sent a code a moment ago."""
    problems = Problems()
    name = problems.check(services.clean_name, data.full_name)
    phone = problems.check(services.clean_phone, data.phone)
    email = services.clean_email(data.email)
    ward = problems.check(services.enabled_ward, data.ward_id)
    problems.check(services.check_password_strength, data.password)
    if not data.consent:
        problems.add(
            "consent", _l("You must agree to the processing of your personal data to register.")
        )
    problems.raise_if_any()
    holder = services.holder_of(phone)
    if holder is not None and holder.phone_verified:
        otp.send_code(phone, CodePurpose.VERIFY_PHONE, user=None, now=now)  # counts, sends none
        messages.registration_attempt(holder, ward.id)
        return phone
    if email:
        services.check_email_free(email, exclude_id=holder.id if holder else None)
    user = holder or User(role=Role.RESIDENT, phone=phone)
    if holder is not None and holder.role != Role.RESIDENT:  # an official's number: never given
        otp.send_code(phone, CodePurpose.VERIFY_PHONE, user=None, now=now)
        return phone
    user.full_name, user.email, user.ward = name, email, ward
    user.password_hash = hash_password(data.password)
    user.locale = data.locale
    with force_locale(data.locale):  # store the wording exactly as the person read it
        wording = services.consent_text(ward.in_text)
    user.consents = [
        Consent(
            purpose=ConsentPurpose.ACCOUNT,
            policy_version=data.policy_version,
            locale=data.locale,
            text=wording,
        )
    ]
    services.flush_user(user)
    otp.send_code(
        phone, CodePurpose.VERIFY_PHONE, user=user, ward_id=ward.id, locale=data.locale, now=now
    )
    return phone


def confirm_phone(phone: str, code: str, *, for_user: User | None = None, now=None) -> User:
    """The code sent to the number proves it: the account it was sent for (`for_user`, when
    a signed-in resident changes their number) holds the number now. An unproven account
    that held it gives way. Raises otp.WrongCode (the try is kept) for a code that does not
    fit."""
    now = now or utcnow()
    user_id = otp.check_code(phone, CodePurpose.VERIFY_PHONE, code, now)
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or (for_user is not None and user.id != for_user.id):
        raise otp.WrongCode(otp.WRONG, "code")
    if user.phone != phone:  # a new number of an existing account
        other = services.holder_of(phone)
        if other is not None and other.phone_verified:  # proven meanwhile by its holder
            raise otp.WrongCode(otp.WRONG, "code")
        if other is not None:
            db.session.delete(other)
            db.session.flush()
        user.phone = phone
    user.phone_verified_at = now
    return user


def resend_code(phone: str, now=None) -> None:
    """Another code for a registration waiting for one (same answer whatever the number)."""
    holder = services.holder_of(phone)
    waiting = holder if holder is not None and not holder.phone_verified else None
    otp.send_code(
        phone,
        CodePurpose.VERIFY_PHONE,
        user=waiting,
        ward_id=waiting.ward_id if waiting else None,
        locale=waiting.locale if waiting else "vi",
        now=now,
    )
