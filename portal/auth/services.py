"""Accounts: registration with consent, login, passwords, languages and official accounts."""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.audit import services as audit
from portal.auth import sessions
from portal.auth.models import Role, User, new_session_token
from portal.auth.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    burn_time,
    hash_password,
    is_common,
    needs_rehash,
    verify_password,
)
from portal.auth.phones import InvalidPhone, normalize_phone
from portal.db import utcnow
from portal.domain import DomainError, PermissionDenied, Problems
from portal.extensions import db
from portal.security import OFFICIALS, WARD_MANAGERS, WARD_OFFICERS
from portal.wards.models import Ward

NAME_MAX = 120
# Letters of any script (Vietnamese diacritics included), single spaces, apostrophes, hyphens, dots.
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '\-.]{1,2}[^\W\d_]+)*\.?$")


def clean_name(raw: str) -> str:
    """Normalise a person's name (NFC, single spaces) or raise DomainError."""
    name = " ".join(unicodedata.normalize("NFC", raw or "").split())
    if len(name) < 2:
        raise DomainError(_l("Please enter a full name."), "full_name")
    if len(name) > NAME_MAX:
        raise DomainError(
            _l("The name is too long (at most %(n)d characters).", n=NAME_MAX), "full_name"
        )
    if not _NAME_RE.match(name):
        raise DomainError(
            _l("A name may contain only letters, spaces, hyphens and apostrophes."), "full_name"
        )
    return name


def clean_phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise DomainError(
            _l("Enter a valid Vietnamese mobile number, for example 0912 345 678."), "phone"
        ) from exc


def clean_email(raw: str | None) -> str | None:
    email = (raw or "").strip().lower()
    return email or None


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < MIN_LENGTH:
        raise DomainError(
            _l("The password must have at least %(n)d characters.", n=MIN_LENGTH), field
        )
    if len(password) > MAX_LENGTH:
        raise DomainError(
            _l("The password must have at most %(n)d characters.", n=MAX_LENGTH), field
        )
    if is_common(password):
        raise DomainError(
            _l("This password is too common and easy to guess. Please choose another."), field
        )


def _taken(column, value, exclude_id: int | None) -> bool:
    query = sa.select(User.id).where(column == value, User.id != (exclude_id or 0))
    return db.session.execute(query).first() is not None


def active_chairmen(ward_ids: set[int]) -> dict[int, list[User]]:
    """The active chairman accounts of each of the wards (oldest first), by ward id."""
    query = sa.select(User).where(
        User.ward_id.in_(ward_ids),
        User.role.in_(WARD_MANAGERS),
        User.is_active_account.is_(True),
    )
    found: dict[int, list[User]] = {}
    for user in db.session.execute(query.order_by(User.id)).scalars():
        found.setdefault(user.ward_id, []).append(user)
    return found


def holder_of(phone: str) -> User | None:
    """The account whose number this is (E.164), if any."""
    return db.session.execute(sa.select(User).where(User.phone == phone)).scalar_one_or_none()


def check_phone_free(phone: str, exclude_id: int | None = None) -> None:
    if _taken(User.phone, phone, exclude_id):
        raise DomainError(_l("An account with this phone number already exists."), "phone")


def check_email_free(email: str, exclude_id: int | None = None) -> None:
    if _taken(User.email, email, exclude_id):
        raise DomainError(_l("An account with this e-mail address already exists."), "email")


def _check_unique(phone: str, email: str | None, exclude_id: int | None = None) -> None:
    """Refuse a phone number or e-mail address that another account already uses."""
    problems = Problems()
    problems.check(check_phone_free, phone, exclude_id)
    if email:
        problems.check(check_email_free, email, exclude_id)
    problems.raise_if_any()


def flush_user(user: User) -> None:
    """Flush inside a savepoint so that a concurrent duplicate becomes a clear message."""
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise DomainError(
            _l("An account with this phone number or e-mail already exists."), "phone"
        ) from exc


def enabled_ward(ward_id: int | None) -> Ward:
    ward = db.session.get(Ward, ward_id) if ward_id else None
    if ward is None or not ward.enabled:
        raise DomainError(_l("Choose a ward that this portal serves."), "ward_id")
    return ward


def consent_text(ward_name: str | None = None) -> str:
    """The exact consent wording shown next to the unticked box (in the current language)."""
    return _(
        "I agree that the People's Committee of %(ward)s processes my full name, mobile number "
        "and e-mail address in order to run my account on this portal: registering me for "
        "dialogue conferences and citizen reception, receiving my feedback and ratings, and "
        "sending me answers and notifications. Only the ward's officials process this data; it "
        "is not shared with anyone else. I may see, export or ask to delete my data and "
        "withdraw this consent at any time (Decree 13/2023/ND-CP).",
        ward=ward_name or _("the ward I choose"),
    )


def find_by_login(login: str) -> User | None:
    """Find an account by e-mail or by phone number, whichever was typed."""
    login = (login or "").strip()
    if "@" in login:
        return db.session.execute(
            sa.select(User).where(User.email == login.lower())
        ).scalar_one_or_none()
    try:
        phone = normalize_phone(login)
    except InvalidPhone:
        return None
    return db.session.execute(sa.select(User).where(User.phone == phone)).scalar_one_or_none()


def login_key(login: str) -> str:
    """A stable key for per-account rate limiting, whatever way the login was typed."""
    login = (login or "").strip().lower()
    if "@" in login:
        return login
    try:
        return normalize_phone(login)
    except InvalidPhone:
        return login[:40]


def authenticate(login: str, password: str) -> User:
    """Return the active account for these credentials or raise DomainError (one vague message)."""
    user = find_by_login(login)
    if user is None:
        burn_time(password)
        raise DomainError(_l("The phone number, e-mail or password is not correct."))
    if not verify_password(user.password_hash, password):
        raise DomainError(_l("The phone number, e-mail or password is not correct."))
    if not user.is_active:
        raise DomainError(_l("This account has been deactivated. Please contact your ward."))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Change the password after checking the current one; other sessions are logged out."""
    if not verify_password(user.password_hash, current):
        raise DomainError(_l("The current password is not correct."), "current_password")
    check_password_strength(new, "new_password")
    if current == new:
        raise DomainError(_l("The new password must differ from the current one."), "new_password")
    set_password(user, new)


def set_password(user: User, new: str) -> None:
    """A new password: every other session of the account ends (this browser's goes on)."""
    user.password_hash = hash_password(new)
    sessions.end_others(user)


def set_locale(user: User | None, locale: str, languages) -> str:
    if locale not in languages:
        raise DomainError(_l("Unknown language."))
    if user is not None:
        user.locale = locale
    return locale


# Who may create which kind of account: the city administrator any official's, a chairman
# his ward's officers (the staff).
CREATABLE_BY = {Role.ADMIN: OFFICIALS, Role.CHAIRMAN: WARD_OFFICERS - WARD_MANAGERS}


def creatable_roles(actor: User) -> list[Role]:
    allowed = CREATABLE_BY.get(actor.role, set())
    return [role for role in Role if role in allowed]


def parse_role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError as exc:
        raise DomainError(_l("Choose a role."), "role") from exc


def create_official(
    actor: User | None,
    *,
    role: Role | str,
    full_name: str,
    phone: str,
    email: str | None,
    password: str,
    ward_id: int | None,
    locale: str = "vi",
) -> User:
    """Create a staff, chairman, supervisor or admin account.

    `actor` is None for the command line (trusted). An admin creates any official account;
    a chairman creates staff of his own ward only.
    """
    role = parse_role(role)
    problems = Problems()
    if actor is not None:
        if role not in CREATABLE_BY.get(actor.role, set()):
            raise PermissionDenied(_l("You may not create this kind of account."))
        if actor.role == Role.CHAIRMAN:
            ward_id = actor.ward_id
    if role == Role.RESIDENT:
        raise DomainError(_l("Residents register themselves."), "role")
    name = problems.check(clean_name, full_name)
    phone_e164 = problems.check(clean_phone, phone)
    email_clean = clean_email(email)
    ward = None
    if role != Role.ADMIN:
        ward = db.session.get(Ward, ward_id) if ward_id else None
        if ward is None:
            problems.add("ward_id", _l("Choose the ward this official works for."))
    problems.check(check_password_strength, password)
    if phone_e164:
        problems.check(_check_unique, phone_e164, email_clean)
    problems.raise_if_any()
    user = User(
        full_name=name,
        phone=phone_e164,
        email=email_clean,
        password_hash=hash_password(password),
        role=role,
        ward=ward,
        locale=locale,
        created_by_id=actor.id if actor else None,
        phone_verified_at=utcnow(),  # the person who made the account vouches for the number
    )
    flush_user(user)
    audit.note(target_id=user.id, ward_id=user.ward_id, role=role.value)
    return user


def can_manage(actor: User, user: User) -> bool:
    if actor.id == user.id:
        return False
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.CHAIRMAN and user.role == Role.STAFF and user.ward_id == actor.ward_id


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate or reactivate an account; deactivation ends its open sessions."""
    if not can_manage(actor, user):
        raise PermissionDenied(_l("You may not change this account."))
    user.is_active_account = active
    if not active:
        user.session_token = new_session_token()
    audit.note(ward_id=user.ward_id, **{"enabled" if active else "disabled": True})


def users_visible_to(actor: User, role: Role | None = None, ward_id: int | None = None):
    """Accounts an admin (all) or a chairman (his ward's officials) may list."""
    query = sa.select(User).order_by(User.role, User.full_name)
    if actor.role == Role.CHAIRMAN:
        query = query.where(User.ward_id == actor.ward_id, User.role != Role.RESIDENT)
    elif actor.role != Role.ADMIN:
        raise PermissionDenied(_l("You may not list accounts."))
    else:
        query = query.where(User.role != Role.RESIDENT)
        if ward_id:
            query = query.where(User.ward_id == ward_id)
    if role:
        query = query.where(User.role == role)
    return list(db.session.execute(query).scalars())
