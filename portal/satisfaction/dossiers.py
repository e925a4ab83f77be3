"""The one-stop desk's dossier register: due dates in working days (the 15:00 rule for
same-day procedures), registration by hand or from the one-stop software's CSV export, the
return that issues the rating slip, and the dossier waiting at the desk's tablet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.auth.phones import InvalidPhone, normalize_phone
from portal.db import utcnow
from portal.domain import DomainError, PermissionDenied, Problems
from portal.extensions import db
from portal.satisfaction import delegations, policy, rollups, tokens
from portal.satisfaction.indicators import AGENCIES_MAX
from portal.satisfaction.models import Dossier, Procedure, Timeliness
from portal.satisfaction.policy import DossierAction
from portal.security import is_officer_of
from portal.text import clean, fold
from portal.timeutil import FIRST_DAY, local_zone, office_date
from portal.workdays import add_working_days, is_working_day

SAME_DAY_CUTOFF = time(15, 0)  # received later: returned the next working day


def _check_officer(actor: User, ward_id: int) -> None:
    if not is_officer_of(actor, ward_id):
        raise PermissionDenied(_l("Only the ward's one-stop officers may register dossiers."))


def due_date(received_at: datetime, time_limit_days: int) -> date:
    """The legal return date: `n` working days after the day of receipt; for same-day
    procedures the day itself, or the next working day when received after 15:00 or on a
    day off."""
    local = received_at.astimezone(local_zone())
    day = local.date()
    if time_limit_days > 0:
        return add_working_days(day, time_limit_days)
    if is_working_day(day) and local.time() < SAME_DAY_CUTOFF:
        return day
    return add_working_days(day, 1)


def timeliness_of(dossier: Dossier) -> Timeliness | None:
    if dossier.returned_at is None:
        return None
    returned = dossier.returned_at.astimezone(local_zone()).date()
    if returned < dossier.due_on:
        return Timeliness.EARLY
    return Timeliness.ON_TIME if returned == dossier.due_on else Timeliness.LATE


@dataclass
class DossierInput:
    procedure_id: int | None
    receipt_number: str
    received_at: datetime | None
    returned_at: datetime | None = None
    extra_visits: int | None = 0
    receiving_officer_id: int | None = None
    # Agencies involved, the ward included (indicators 2 and 4): 1 when the ward settles it alone.
    agencies_involved: int | None = 1
    applicant_phone: str = ""  # optional: the last 4 digits look the dossier up
    national_code: str | None = None  # MaHoSo, when the one-stop software sent it


APPLICANT_PHONE_PROBLEM = _l("Enter a Vietnamese mobile number, e.g. 0912 345 678.")


def applicant_phone_of(raw: str | None) -> str | None:
    """The applicant's number as E.164, "" when none was given, None when it is no number."""
    text = clean(raw)
    if not text:
        return ""
    try:
        return normalize_phone(text)
    except InvalidPhone:
        return None


RECEIVED_TOO_EARLY = _l(
    "A dossier received before %(day)s cannot be registered.", day=office_date(FIRST_DAY)
)


def _check_dates(problems: Problems, received: datetime | None, returned, now: datetime) -> None:
    """A dossier's dates as they can be: received from FIRST_DAY (Hà Nội) up to now (a few
    minutes of clock difference allowed), returned after it was received and not later than
    now either."""
    soon = now + timedelta(minutes=5)
    if received is None or received > soon:
        problems.add("received_at", _l("Enter when it was received (not in the future)."))
    elif received.astimezone(local_zone()).date() < FIRST_DAY:
        problems.add("received_at", RECEIVED_TOO_EARLY)
    if returned is not None and (received is None or returned < received or returned > soon):
        problems.add(
            "returned_at", _l("The return must be after the receipt and not in the future.")
        )


def register_dossier(actor: User, ward_id: int, data: DossierInput, now=None) -> Dossier:
    """Record a dossier of the ward's one-stop desk (its officers)."""
    _check_officer(actor, ward_id)
    return create_dossier(ward_id, data, actor, now=now)


def _receipt_taken(ward_id: int, number: str, but: int | None = None) -> bool:
    query = sa.select(Dossier.id).where(
        Dossier.ward_id == ward_id, Dossier.receipt_number == number
    )
    if but is not None:
        query = query.where(Dossier.id != but)
    return db.session.execute(query).first() is not None


AGENCIES_PROBLEM = _l(
    "Enter the number of agencies involved, the ward included: from 1 to %(max)d.",
    max=AGENCIES_MAX,
)


def valid_agencies(value: int | None) -> bool:
    return value is not None and 1 <= value <= AGENCIES_MAX


RECEIPT_TAKEN = _l("A dossier with this receipt number already exists.")
NO_OFFICER_FOR_RETURN = _l(
    "A returned dossier needs its receiving officer (officer_phone): the rating counts for them."
)


def create_dossier(
    ward_id: int, data: DossierInput, actor: User | None, now=None, due_on: date | None = None
) -> Dossier:
    """Record a dossier, by an officer (`actor`, its receiving officer unless another is
    named) or from the one-stop software (`actor` None: the receiving officer only when
    named, and needed once it is returned). `due_on`: the return date the one-stop software
    set, instead of the one computed from the procedure's limit. Callers check who may."""
    now = now or utcnow()
    problems = Problems()
    procedure = db.session.get(Procedure, data.procedure_id) if data.procedure_id else None
    if procedure is None or procedure.ward_id != ward_id or not procedure.active:
        problems.add("procedure_id", _l("Choose a procedure of the catalogue."))
    number = clean(data.receipt_number)
    if not number or len(number) > 40:
        problems.add("receipt_number", _l("Enter the receipt number (at most 40 characters)."))
    elif _receipt_taken(ward_id, number):
        problems.add("receipt_number", RECEIPT_TAKEN)
    _check_dates(problems, data.received_at, data.returned_at, now)
    if data.extra_visits is None or not 0 <= data.extra_visits <= 50:
        problems.add("extra_visits", _l("Enter a number of visits between 0 and 50."))
    if not valid_agencies(data.agencies_involved):
        problems.add("agencies_involved", AGENCIES_PROBLEM)
    officer_id = data.receiving_officer_id or (actor.id if actor is not None else None)
    officer = db.session.get(User, officer_id) if officer_id else None
    if officer_id and (officer is None or not is_officer_of(officer, ward_id)):
        problems.add("receiving_officer_id", _l("Choose an officer of this ward."))
    elif officer is None and data.returned_at is not None:
        problems.add("receiving_officer_id", NO_OFFICER_FOR_RETURN)
    phone = applicant_phone_of(data.applicant_phone)
    if phone is None:
        problems.add("applicant_phone", APPLICANT_PHONE_PROBLEM)
    problems.raise_if_any()
    dossier = Dossier(
        ward_id=ward_id,
        procedure_id=procedure.id,
        receipt_number=number,
        national_code=data.national_code or None,
        received_at=data.received_at,
        due_on=due_on or due_date(data.received_at, procedure.time_limit_days),
        returned_at=data.returned_at,
        extra_visits=data.extra_visits,
        agencies_involved=data.agencies_involved,
        receiving_officer_id=officer.id if officer else None,
        applicant_phone=phone,
        created_by_id=actor.id if actor is not None else None,
        search_text=fold(number),
    )
    dossier.procedure = procedure
    dossier.timeliness = timeliness_of(dossier)
    try:
        with db.session.begin_nested():
            db.session.add(dossier)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        # The same receipt number or national code, sent at the same moment by another request.
        raise DomainError(RECEIPT_TAKEN, "receipt_number") from exc
    if dossier.returned_at is not None:
        rollups.dossier_returned(dossier)
    return dossier


UNCHANGED = object()  # return_for_slip's signer when the caller does not choose one


def return_for_slip(
    actor: User, dossier: Dossier, *, now=None, extra_visits=None, delegation_id=UNCHANGED
):
    """Hand the dossier back: record the return and its timeliness, who signed its result
    (`delegation_id`: None for the chairman, else the delegation its officer signed under,
    checked against the moment of the return; by default the chairman on a first return,
    what was recorded on a new slip), and issue the one-time rating link and short code
    printed on the slip. Returns both raw (tokens.Issued; only their hashes are stored).
    Issuing again (a lost slip) replaces unused ones."""
    now = now or utcnow()
    policy.require_dossier(actor, dossier, DossierAction.RETURN, now)
    if extra_visits is not None:
        if not 0 <= extra_visits <= 50:
            raise DomainError(_l("Enter a number of visits between 0 and 50."), "extra_visits")
        dossier.extra_visits = extra_visits
    first_return = dossier.returned_at is None
    moment = now if first_return else dossier.returned_at
    if delegation_id is not UNCHANGED or first_return or dossier.signed_by_id is None:
        chosen = None if delegation_id is UNCHANGED else delegation_id
        delegations.sign(dossier, delegations.signer_for(dossier, chosen, moment))
    if dossier.receiving_officer_id is None:  # sent by the one-stop software without one
        dossier.receiving_officer_id = actor.id
    if first_return:
        dossier.returned_at = now
    dossier.timeliness = timeliness_of(dossier)
    if first_return:
        rollups.dossier_returned(dossier)
    issued = tokens.issue(dossier, actor, now)
    db.session.flush()
    return issued


def return_dossier(
    actor: User, dossier: Dossier, *, now=None, extra_visits=None, delegation_id=UNCHANGED
) -> str:
    """return_for_slip, for callers that need only the link's raw token."""
    issued = return_for_slip(
        actor, dossier, now=now, extra_visits=extra_visits, delegation_id=delegation_id
    )
    return issued.token
