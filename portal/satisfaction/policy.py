"""Who may do what to a dossier, now, and what a rating link allows.

A dossier is returned by the ward's officers (which issues the one-time rating link printed
on the slip; a lost slip gets a new link while the dossier is unrated) and may be rated at
the desk's tablet once its link has been issued. A rating link (token) allows one rating,
by whoever holds it, until it is used or expires; any link that cannot be used gets the same
neutral answer."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.domain import PermissionDenied, StateConflict
from portal.policy import Lifecycle
from portal.satisfaction import queries
from portal.satisfaction.models import Delegation, Dossier, KioskDevice
from portal.security import WARD_MANAGERS, WARD_OFFICIALS, is_officer_of
from portal.timeutil import local_zone


class DossierAction(enum.StrEnum):
    RETURN = "return"  # hand it back and print the slip (again, for a lost slip)
    RATE_AT_KIOSK = "rate_at_kiosk"  # the resident rates at the desk's tablet


def _dossier_permitted(actor: User | None, dossier: Dossier) -> set[DossierAction]:
    if not is_officer_of(actor, dossier.ward_id):
        return set()
    # The tablet is signed in as the officer at the desk: it rates what they handed back.
    if dossier.token_issued_by_id is None or dossier.token_issued_by_id == actor.id:
        return set(DossierAction)
    return {DossierAction.RETURN}


def _dossier_blocked(actor, dossier: Dossier, now: datetime, wanted) -> dict:
    if dossier.token_used_at is not None:
        return dict.fromkeys(wanted, _l("This dossier has already been rated."))
    reasons = {}
    if DossierAction.RATE_AT_KIOSK in wanted:
        if dossier.token_issued_at is None:
            reasons[DossierAction.RATE_AT_KIOSK] = _l(
                "Return the dossier first: it can be rated once it is handed back."
            )
        elif getattr(queries.kiosk_dossier(actor, now), "id", None) != dossier.id:
            reasons[DossierAction.RATE_AT_KIOSK] = _l(
                "This dossier is no longer waiting at the desk: the resident rates it with the "
                "link on the slip."
            )
    return reasons


DOSSIER = Lifecycle(
    "dossier",
    DossierAction,
    _dossier_permitted,
    _dossier_blocked,
    _l("Only the ward's one-stop officers may handle its dossiers."),
)

dossier_actions = DOSSIER.actions
dossier_allowed = DOSSIER.allowed
require_dossier = DOSSIER.require


# ---------------------------------------------------------------- the rating link


class TokenAction(enum.StrEnum):
    RATE = "rate"


def token_usable(dossier: Dossier | None, now: datetime) -> bool:
    """Issued, not used, not expired."""
    return (
        dossier is not None
        and dossier.token_hash is not None
        and dossier.token_used_at is None
        and dossier.token_expires_at is not None
        and dossier.token_expires_at > now
    )


def token_actions(dossier: Dossier | None, now: datetime) -> set[TokenAction]:
    """What the holder of a rating link may do: rate, while the link can still be used.
    Whoever holds it may (no login: the link is the permission)."""
    return {TokenAction.RATE} if token_usable(dossier, now) else set()


# ---------------------------------------------------------------- enrolled kiosks


class KioskDeviceAction(enum.StrEnum):
    REVOKE = "revoke"  # the tablet's cookie stops working at once


def _device_permitted(actor: User | None, device: KioskDevice) -> set[KioskDeviceAction]:
    # The chairman enrols the ward's tablets and revokes them.
    if actor is None or actor.role not in WARD_MANAGERS or actor.ward_id != device.ward_id:
        return set()
    return set(KioskDeviceAction)


def _device_blocked(actor, device: KioskDevice, now: datetime, wanted) -> dict:
    if device.revoked_at is not None:
        return dict.fromkeys(wanted, _l("This tablet has already been revoked."))
    return {}


KIOSK_DEVICE = Lifecycle(
    "kiosk_device",
    KioskDeviceAction,
    _device_permitted,
    _device_blocked,
    _l("Only the ward's chairman may enrol and revoke its rating tablets."),
)

device_allowed = KIOSK_DEVICE.allowed
require_device = KIOSK_DEVICE.require


def may_enrol_devices(actor: User | None, ward_id: int | None) -> bool:
    return actor is not None and actor.role in WARD_MANAGERS and actor.ward_id == ward_id


def device_works(device: KioskDevice | None) -> bool:
    """Enrolled, not revoked, and its officer still an active officer of the ward."""
    return (
        device is not None
        and device.enrolled_at is not None
        and device.revoked_at is None
        and device.officer.is_active
        and is_officer_of(device.officer, device.ward_id)
    )


def require_kiosk_may_rate(device: KioskDevice, dossier: Dossier, now: datetime) -> None:
    """An enrolled kiosk rates only the dossier its officer has just returned (the one it
    shows), once: another ward's dossier is refused (403), a rated one or one no longer
    waiting at the desk is a conflict (409)."""
    if not device_works(device) or dossier.ward_id != device.ward_id:
        raise PermissionDenied(_l("This tablet may not rate this dossier."))
    if dossier.token_used_at is not None:
        raise StateConflict(_l("This dossier has already been rated."))
    if getattr(queries.kiosk_dossier(device.officer, now), "id", None) != dossier.id:
        raise StateConflict(
            _l(
                "This dossier is no longer waiting at the desk: the resident rates it with the "
                "link on the slip."
            )
        )


# ---------------------------------------------------------------- delegated signing


class DelegationAction(enum.StrEnum):
    VIEW = "view"  # read it: the ward's officials
    REVOKE = "revoke"  # end it now (kept, never deleted): the ward's chairman


def _delegation_permitted(actor: User | None, item: Delegation) -> set[DelegationAction]:
    # The chairman keeps the ward's delegations; its officers and supervisor read them.
    if actor is None or actor.ward_id != item.ward_id:
        return set()
    if actor.role in WARD_MANAGERS:
        return set(DelegationAction)
    return {DelegationAction.VIEW} if actor.role in WARD_OFFICIALS else set()


def _delegation_blocked(actor, item: Delegation, now: datetime, wanted) -> dict:
    reasons = {}
    if DelegationAction.REVOKE in wanted:
        if item.revoked_at is not None:
            reasons[DelegationAction.REVOKE] = _l("This delegation has already been revoked.")
        elif item.valid_to < now.astimezone(local_zone()).date():
            reasons[DelegationAction.REVOKE] = _l("This delegation has already ended.")
    return reasons


DELEGATION = Lifecycle(
    "delegation",
    DelegationAction,
    _delegation_permitted,
    _delegation_blocked,
    _l("Only the ward's chairman may grant and revoke its signing delegations."),
)

delegation_actions = DELEGATION.actions
delegation_allowed = DELEGATION.allowed
require_delegation = DELEGATION.require


def may_delegate(actor: User | None, ward_id: int | None) -> bool:
    """The ward's chairman grants delegations of signing (a new one has no item yet)."""
    return actor is not None and actor.role in WARD_MANAGERS and actor.ward_id == ward_id
