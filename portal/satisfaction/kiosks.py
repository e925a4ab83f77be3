"""Rating kiosks as enrolled devices, not an officer's login.

The chairman names a desk and the officer who works there and gets a one-time enrolment
code (shown once, kept as a keyed hash, unusable after KIOSK_ENROL_HOURS). The tablet at
that desk opens /kiosk/enrol and types it; it receives a long-lived cookie, signed, holding
the device's id and a 256-bit secret of which only the hash is kept. The cookie is sent only
to /kiosk/ (its path) and opens the kiosk's pages and nothing else: it is no user session.
The chairman sees the ward's tablets (desk, officer, who enrolled it, last seen) and revokes
one, which stops its cookie at once.

Why an officer and not only a desk: a dossier already knows who returned it (the officer who
issued its slip), so a tablet bound to that officer shows exactly the dossier just handed
back at that desk, without asking officers to pick a desk each morning. When an officer
changes desks, the chairman revokes the tablet and enrols it again."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer

from portal.audit import services as audit
from portal.auth.models import User
from portal.codes import format_code, new_code, normalize_code
from portal.db import MAX_ID, utcnow
from portal.domain import DomainError, PermissionDenied, Problems
from portal.extensions import db
from portal.satisfaction import policy
from portal.satisfaction.models import KioskDevice
from portal.satisfaction.policy import KioskDeviceAction
from portal.security import is_officer_of
from portal.text import clean

COOKIE = "ward_kiosk"
COOKIE_PATH = "/kiosk"
DESK_MAX = 60
SEEN_EVERY = timedelta(minutes=5)  # last_seen_at is written at most this often
SECRET_BYTES = 32


class InvalidEnrolment(DomainError):
    """A wrong, used, expired or revoked enrolment code: always the same answer."""

    def __init__(self) -> None:
        super().__init__(
            _l("This enrolment code cannot be used. Ask the chairman for a new one."), "code"
        )


def _key(purpose: bytes) -> bytes:
    return hmac.digest(current_app.config["SECRET_KEY"].encode(), purpose, hashlib.sha256)


def _code_hash(code: str) -> str:
    return hmac.new(_key(b"ward-portal kiosk enrolment"), code.encode(), "sha256").hexdigest()


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="ward-portal kiosk device")


@dataclass
class Enrolment:
    device: KioskDevice
    code: str  # shown once to the chairman, never stored


def ward_devices(ward_id: int) -> list[KioskDevice]:
    """The ward's tablets, newest first (revoked ones too: the list is their history)."""
    return list(
        db.session.execute(
            sa.select(KioskDevice)
            .where(KioskDevice.ward_id == ward_id)
            .order_by(KioskDevice.created_at.desc(), KioskDevice.id.desc())
        ).scalars()
    )


def issue_enrolment(actor: User, desk_name: str, officer_id: int | None, now=None) -> Enrolment:
    """The chairman names a desk and its officer: a new device waiting for its tablet, and
    the one-time code that tablet types (valid KIOSK_ENROL_HOURS)."""
    now = now or utcnow()
    if not policy.may_enrol_devices(actor, actor.ward_id):
        raise PermissionDenied(
            _l("Only the ward's chairman may enrol and revoke its rating tablets.")
        )
    problems = Problems()
    desk = clean(desk_name)
    if not desk or len(desk) > DESK_MAX:
        problems.add("desk_name", _l("Name the desk (at most %(max)d characters).", max=DESK_MAX))
    officer = db.session.get(User, officer_id) if officer_id and 0 < officer_id <= MAX_ID else None
    if officer is None or not officer.is_active or not is_officer_of(officer, actor.ward_id):
        problems.add("officer_id", _l("Choose an officer of this ward."))
    problems.raise_if_any()
    code = new_code()
    device = KioskDevice(
        ward_id=actor.ward_id,
        desk_name=desk,
        officer_id=officer.id,
        created_by_id=actor.id,
        enrolment_code_hash=_code_hash(code),
        enrolment_expires_at=now + timedelta(hours=current_app.config["KIOSK_ENROL_HOURS"]),
        created_at=now,
    )
    db.session.add(device)
    db.session.flush()
    audit.note(target_id=device.id)
    return Enrolment(device, format_code(code))


def enrol(raw_code: str | None, now=None) -> tuple[KioskDevice, str]:
    """The tablet types its code: the device and the cookie's value (signed id and secret).
    A code works once, within its hours, on a device not revoked; of two tablets typing the
    same code at once only one is enrolled (a conditional UPDATE decides)."""
    now = now or utcnow()
    code = normalize_code(raw_code)
    if not code:
        raise InvalidEnrolment()
    device = db.session.execute(
        sa.select(KioskDevice).where(KioskDevice.enrolment_code_hash == _code_hash(code))
    ).scalar_one_or_none()
    if device is None:
        raise InvalidEnrolment()
    secret = secrets.token_urlsafe(SECRET_BYTES)
    result = db.session.execute(
        sa.update(KioskDevice)
        .where(
            KioskDevice.id == device.id,
            KioskDevice.enrolled_at.is_(None),
            KioskDevice.revoked_at.is_(None),
            KioskDevice.enrolment_expires_at > now,
        )
        .values(
            enrolled_at=now, last_seen_at=now, secret_hash=_secret_hash(secret),
            enrolment_code_hash=None,
        ),
        execution_options={"synchronize_session": False},
    )  # fmt: skip
    if result.rowcount != 1:
        raise InvalidEnrolment()
    db.session.refresh(device)
    audit.record(
        "kiosk.enrolled",
        role="kiosk",
        ward_id=device.ward_id,
        target_type="kiosk_device",
        target_id=device.id,
    )
    return device, _serializer().dumps({"d": device.id, "s": secret})


def device_for_cookie(value: str | None, now=None) -> KioskDevice | None:
    """The working device whose cookie this is, or None (unsigned, revoked, unknown, its
    officer gone). Notes when it was last seen, at most every few minutes."""
    if not value or len(value) > 500:
        return None
    try:
        data = _serializer().loads(value)
    except BadSignature:
        return None
    device_id, secret = (data.get("d"), data.get("s")) if isinstance(data, dict) else (None, None)
    if not isinstance(device_id, int) or not 0 < device_id <= MAX_ID or not isinstance(secret, str):
        return None
    device = db.session.get(KioskDevice, device_id)
    if device is None or not hmac.compare_digest(device.secret_hash or "", _secret_hash(secret)):
        return None
    if not policy.device_works(device):
        return None
    now = now or utcnow()
    if device.last_seen_at is None or device.last_seen_at < now - SEEN_EVERY:
        device.last_seen_at = now
        db.session.flush()
    return device


def revoke(actor: User, device: KioskDevice, now=None) -> None:
    """The chairman revokes a tablet (or an unused code): its cookie stops working at once."""
    now = now or utcnow()
    policy.require_device(actor, device, KioskDeviceAction.REVOKE, now)
    device.revoked_at = now
    device.revoked_by_id = actor.id
    device.enrolment_code_hash = None
    db.session.flush()
