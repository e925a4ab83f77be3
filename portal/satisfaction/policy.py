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
from portal.policy import Allowed, Lifecycle
from portal.satisfaction.models import Dossier
from portal.security import is_officer_of


class DossierAction(enum.StrEnum):
    RETURN = "return"  # hand it back and print the slip (again, for a lost slip)
    RATE_AT_KIOSK = "rate_at_kiosk"  # the resident rates at the desk's tablet


def _dossier_permitted(actor: User | None, dossier: Dossier) -> set[DossierAction]:
    return set(DossierAction) if is_officer_of(actor, dossier.ward_id) else set()


def _dossier_blocked(actor, dossier: Dossier, now: datetime, wanted) -> dict:
    rated = _l("This dossier has already been rated.")
    reasons = {}
    if dossier.token_used_at is not None:
        reasons = dict.fromkeys(wanted, rated)
    elif DossierAction.RATE_AT_KIOSK in wanted and dossier.token_issued_at is None:
        reasons[DossierAction.RATE_AT_KIOSK] = _l(
            "Return the dossier first: it can be rated once it is handed back."
        )
    return reasons


DOSSIER = Lifecycle(
    name="dossier",
    action=DossierAction,
    permitted=_dossier_permitted,
    blocked=_dossier_blocked,
    refusal=_l("Only the ward's one-stop officers may handle its dossiers."),
)


def dossier_actions(actor: User | None, dossier: Dossier, now=None) -> set[DossierAction]:
    return DOSSIER.actions(actor, dossier, now)


def dossier_allowed(actor: User | None, dossier: Dossier, now=None) -> Allowed:
    return DOSSIER.allowed(actor, dossier, now)


def require_dossier(actor: User | None, dossier: Dossier, action: DossierAction, now=None):
    DOSSIER.require(actor, dossier, action, now)


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
