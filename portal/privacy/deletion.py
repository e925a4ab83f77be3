"""A resident asks for their account to be deleted; after a cooling-off period (the setting
ACCOUNT_DELETION_DAYS, during which they may change their mind) the daily job erases its
personal data. Both steps are in the audit trail, under the resident's ward."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.audit import services as audit
from portal.auth.models import Role, User
from portal.db import utcnow
from portal.domain import PermissionDenied
from portal.extensions import db
from portal.privacy.erasure import erase_account

DEFAULT_DAYS = 7


def cooling_off() -> timedelta:
    return timedelta(days=int(current_app.config.get("ACCOUNT_DELETION_DAYS", DEFAULT_DAYS)))


def due_at(user: User) -> datetime | None:
    """When the account will be erased, or None when no deletion is asked."""
    if user.deletion_requested_at is None:
        return None
    return user.deletion_requested_at + cooling_off()


def request_deletion(user: User, now: datetime | None = None) -> datetime:
    """Ask for the resident's own account to be deleted; returns when it will be. Asking
    again keeps the first date. Officials' accounts are disabled by those who manage them."""
    if user.role != Role.RESIDENT:
        raise PermissionDenied(_l("An official's account is closed by the person who manages it."))
    if user.deletion_requested_at is None:
        user.deletion_requested_at = now or utcnow()
        _record("privacy.deletion_requested", user)
    db.session.flush()
    return due_at(user)


def cancel_deletion(user: User) -> None:
    """The resident keeps the account after all."""
    if user.deletion_requested_at is not None:
        user.deletion_requested_at = None
        _record("privacy.deletion_cancelled", user)
        db.session.flush()


def delete_due(now: datetime | None = None) -> int:
    """Erase every account whose cooling-off has ended (the daily job). Returns how many."""
    now = now or utcnow()
    limit = now - cooling_off()
    users = db.session.execute(
        sa.select(User).where(
            User.deletion_requested_at.is_not(None),
            User.deletion_requested_at <= limit,
            User.deleted_at.is_(None),
        )
    ).scalars()
    done = 0
    for user in users:
        ward_id = user.ward_id
        erase_account(user, now)
        audit.record(
            "privacy.account_deleted", ward_id=ward_id, target_type="user", target_id=user.id
        )
        done += 1
    db.session.flush()
    return done


def _record(action: str, user: User) -> None:
    # The resident is named by the account's number only: their name must go with the rest.
    audit.record(
        action,
        role=Role.RESIDENT.value,
        ward_id=user.ward_id,
        target_type="user",
        target_id=user.id,
    )
