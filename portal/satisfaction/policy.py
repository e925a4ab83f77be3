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
from portal.policy import Lifecycle
from portal.satisfaction import queries
from portal.satisfaction.models import Dossier
from portal.security import is_officer_of


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
