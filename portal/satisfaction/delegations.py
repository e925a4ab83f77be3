"""Delegated signing (ủy quyền ký): the ward's chairman delegates the signing of some
procedures' results to an officer of the ward, by a numbered decision (Quyết định số ...),
for a span of dates; the officer then signs "KT. CHỦ TỊCH" (on the chairman's behalf). A
delegation is revoked, never deleted: the dossiers signed under it keep naming it.

When a dossier is returned, who signed its result is recorded: the chairman, or an officer
under a delegation that was valid at the moment of the return (from its first day to its
last, not yet revoked then) and covers the dossier's procedure. One function says whether a
delegation may be used (`why_not_usable`); the desk's return, the CSV import and the API all
go through `signer_for`. Services add and flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit import services as audit
from portal.auth.models import Role, User
from portal.auth.phones import InvalidPhone, normalize_phone
from portal.auth.services import active_chairmen
from portal.db import MAX_ID, utcnow
from portal.domain import DomainError, PermissionDenied, Problems
from portal.extensions import db
from portal.satisfaction import policy
from portal.satisfaction.models import Delegation, Dossier, Procedure
from portal.satisfaction.policy import DelegationAction
from portal.security import WARD_MANAGERS, is_officer_of
from portal.text import clean
from portal.timeutil import local_zone, plausible_day

DECISION_MAX = 60  # characters of a decision number, "125/QĐ-UBND"
CHAIRMAN = "chairman"  # the signer choice of the return form: the chairman signed himself

# Why a delegation cannot be used for a dossier (the problems of the return and the import).
NOT_THIS_WARD = _l("This delegation is not one of this ward's.")
REVOKED = _l("This delegation was revoked before the dossier was returned.")
NOT_YET = _l("This delegation was not valid yet on the return date.")
ENDED = _l("This delegation had ended by the return date.")
OTHER_PROCEDURE = _l("This delegation does not cover this dossier's procedure.")
OFFICER_GONE = _l("The delegated officer is no longer an active officer of the ward.")
DUPLICATE = _l("This ward already has a delegation with this decision number.")


@dataclass
class DelegationInput:
    decision_number: str
    decision_date: date | None
    officer_id: int | None
    procedure_ids: list[int] = field(default_factory=list)
    valid_from: date | None = None
    valid_to: date | None = None


def ward_delegations(ward_id: int) -> list[Delegation]:
    """The ward's delegations, the latest decision first (revoked ones too: their history)."""
    return list(
        db.session.execute(
            sa.select(Delegation)
            .where(Delegation.ward_id == ward_id)
            .order_by(Delegation.decision_date.desc(), Delegation.id.desc())
        ).scalars()
    )


def delegable_officers(ward_id: int) -> list[User]:
    """Who may be delegated: the ward's active one-stop staff (not the chairman himself)."""
    return list(
        db.session.execute(
            sa.select(User)
            .where(User.ward_id == ward_id, User.role == Role.STAFF, User.is_active_account)
            .order_by(User.full_name, User.id)
        ).scalars()
    )


def _decision_taken(ward_id: int, number: str) -> bool:
    query = sa.select(Delegation.id).where(
        Delegation.ward_id == ward_id, Delegation.decision_number == number
    )
    return db.session.execute(query).first() is not None


def create_delegation(actor: User, data: DelegationInput, now=None) -> Delegation:
    """The chairman records a delegation decision: every problem of the form at once."""
    now = now or utcnow()
    ward_id = actor.ward_id
    if not policy.may_delegate(actor, ward_id):
        raise PermissionDenied(
            _l("Only the ward's chairman may grant and revoke its signing delegations.")
        )
    problems = Problems()
    number = clean(data.decision_number)
    if not number or len(number) > DECISION_MAX:
        problems.add(
            "decision_number",
            _l("Enter the decision number (at most %(max)d characters).", max=DECISION_MAX),
        )
    elif _decision_taken(ward_id, number):
        problems.add("decision_number", DUPLICATE)
    if data.decision_date is None or not plausible_day(data.decision_date):
        problems.add("decision_date", _l("Enter the date of the decision."))
    officer_id = data.officer_id
    officer = db.session.get(User, officer_id) if officer_id and 0 < officer_id <= MAX_ID else None
    if (
        officer is None
        or not officer.is_active
        or officer.role != Role.STAFF
        or not is_officer_of(officer, ward_id)
    ):
        problems.add("officer_id", _l("Choose an officer of this ward."))
    ids = {i for i in data.procedure_ids if isinstance(i, int) and 0 < i <= MAX_ID}
    chosen = (
        list(
            db.session.execute(
                sa.select(Procedure).where(Procedure.id.in_(ids), Procedure.ward_id == ward_id)
            ).scalars()
        )
        if ids
        else []
    )
    if not chosen or len(chosen) != len(set(data.procedure_ids)):
        problems.add("procedure_ids", _l("Choose at least one procedure of the ward's catalogue."))
    start, end = data.valid_from, data.valid_to
    if start is None or not plausible_day(start):
        problems.add("valid_from", _l("Enter the first day of the delegation."))
    if end is None or not plausible_day(end):
        problems.add("valid_to", _l("Enter the last day of the delegation."))
    elif start is not None and end < start:
        problems.add("valid_to", _l("The last day must not be before the first day."))
    if start is not None and data.decision_date is not None and start < data.decision_date:
        problems.add(
            "valid_from", _l("The delegation cannot start before the date of its decision.")
        )
    problems.raise_if_any()
    delegation = Delegation(
        ward_id=ward_id,
        decision_number=number,
        decision_date=data.decision_date,
        officer_id=officer.id,
        valid_from=start,
        valid_to=end,
        created_by_id=actor.id,
        created_at=now,
    )
    delegation.officer = officer
    delegation.procedures = sorted(chosen, key=lambda p: (p.name_vi, p.id))
    try:
        with db.session.begin_nested():
            db.session.add(delegation)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        # The same decision number, recorded at the same moment by another request.
        raise DomainError(DUPLICATE, "decision_number") from exc
    audit.note(
        target_id=delegation.id,
        decision_number=number,
        officer_id=officer.id,
        valid_from=start.isoformat(),
        valid_to=end.isoformat(),
        procedures=",".join(p.code or str(p.id) for p in delegation.procedures),
    )
    return delegation


def revoke(actor: User, delegation: Delegation, now=None) -> None:
    """The chairman ends a delegation now; it stays on the list, and the dossiers already
    signed under it keep it."""
    now = now or utcnow()
    policy.require_delegation(actor, delegation, DelegationAction.REVOKE, now)
    delegation.revoked_at = now
    delegation.revoked_by_id = actor.id
    db.session.flush()
    audit.note(decision_number=delegation.decision_number, revoked_at=now.isoformat())


# ---------------------------------------------------------------- signing a dossier


def why_not_usable(delegation: Delegation, dossier: Dossier, moment: datetime):
    """Why `delegation` cannot sign `dossier` returned at `moment` (None when it can)."""
    day = moment.astimezone(local_zone()).date()
    if delegation.ward_id != dossier.ward_id:
        return NOT_THIS_WARD
    if delegation.revoked_at is not None and delegation.revoked_at <= moment:
        return REVOKED
    if day < delegation.valid_from:
        return NOT_YET
    if day > delegation.valid_to:
        return ENDED
    if dossier.procedure_id not in {p.id for p in delegation.procedures}:
        return OTHER_PROCEDURE
    if not delegation.officer.is_active or not is_officer_of(delegation.officer, dossier.ward_id):
        return OFFICER_GONE
    return None


def usable_delegations(dossier: Dossier, moment: datetime) -> list[Delegation]:
    """The ward's delegations that may sign this dossier returned at `moment`, by officer."""
    day = moment.astimezone(local_zone()).date()
    candidates = db.session.execute(
        sa.select(Delegation).where(
            Delegation.ward_id == dossier.ward_id,
            Delegation.valid_from <= day,
            Delegation.valid_to >= day,
        )
    ).scalars()
    usable = [d for d in candidates if why_not_usable(d, dossier, moment) is None]
    return sorted(usable, key=lambda d: (d.officer.full_name, d.id))


def ward_chairman(ward_id: int) -> User | None:
    """The ward's chairman (the first active account, should there be two)."""
    return next(iter(active_chairmen({ward_id}).get(ward_id, [])), None)


@dataclass(frozen=True)
class Signer:
    """Who signed a dossier's result: the chairman (`delegation` None) or an officer under
    a delegation."""

    user: User | None
    delegation: Delegation | None = None


def signer_for(
    dossier: Dossier, delegation_id: int | None, moment: datetime, field_name: str = "signer"
) -> Signer:
    """The signer chosen for a dossier returned at `moment`: the chairman when
    `delegation_id` is None, else that delegation's officer once it is checked."""
    if delegation_id is None:
        return Signer(ward_chairman(dossier.ward_id))
    delegation = db.session.get(Delegation, delegation_id) if 0 < delegation_id <= MAX_ID else None
    if delegation is None:
        raise DomainError(NOT_THIS_WARD, field_name)
    reason = why_not_usable(delegation, dossier, moment)
    if reason is not None:
        raise DomainError(reason, field_name)
    return Signer(delegation.officer, delegation)


def signer_by_login(dossier: Dossier, login: str, moment: datetime) -> Signer | str:
    """The signer the one-stop software names by login (phone or e-mail): the ward's
    chairman, or an officer with a delegation usable for this dossier at `moment` (the
    latest decision when several are). Else the problem, as text."""
    login = clean(login)
    user = None
    if "@" in login:
        user = db.session.execute(
            sa.select(User).where(User.email == login.lower())
        ).scalar_one_or_none()
    else:
        try:
            phone = normalize_phone(login)
        except InvalidPhone:
            phone = None
        if phone:
            user = db.session.execute(
                sa.select(User).where(User.phone == phone)
            ).scalar_one_or_none()
    if user is None or user.ward_id != dossier.ward_id or not user.is_active:
        return str(_l("unknown signer %(value)s", value=login))
    if user.role in WARD_MANAGERS:
        return Signer(user)
    theirs = [d for d in usable_delegations(dossier, moment) if d.officer_id == user.id]
    if not theirs:
        return str(
            _l(
                "signer %(value)s has no delegation covering this procedure on the return date",
                value=login,
            )
        )
    theirs.sort(key=lambda d: (d.decision_date, d.id), reverse=True)
    return Signer(user, theirs[0])


def sign(dossier: Dossier, signer: Signer) -> None:
    """Record who signed the dossier's result."""
    dossier.signed_by_id = signer.user.id if signer.user is not None else None
    dossier.delegation_id = signer.delegation.id if signer.delegation is not None else None
