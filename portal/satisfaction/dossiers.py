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
from portal.satisfaction import policy, rollups, tokens
from portal.satisfaction.catalogue import procedures
from portal.satisfaction.csvimport import ImportReport, messages_of, rows, whole_number
from portal.satisfaction.models import Dossier, Procedure, Timeliness
from portal.satisfaction.policy import DossierAction
from portal.security import WARD_OFFICERS, is_officer_of
from portal.text import clean
from portal.timeutil import FIRST_DAY, LAST_DAY, local_zone, office_date, plausible_day, to_utc
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
    applicant_phone: str = ""  # optional: the last 4 digits look the dossier up


APPLICANT_PHONE_PROBLEM = _l("Enter a Vietnamese mobile number, e.g. 0912 345 678.")


def _applicant_phone(raw: str | None) -> str | None:
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
    now = now or utcnow()
    problems = Problems()
    procedure = db.session.get(Procedure, data.procedure_id) if data.procedure_id else None
    if procedure is None or procedure.ward_id != ward_id or not procedure.active:
        problems.add("procedure_id", _l("Choose a procedure of the catalogue."))
    number = clean(data.receipt_number)
    if not number or len(number) > 40:
        problems.add("receipt_number", _l("Enter the receipt number (at most 40 characters)."))
    elif db.session.execute(
        sa.select(Dossier.id).where(Dossier.ward_id == ward_id, Dossier.receipt_number == number)
    ).first():
        problems.add("receipt_number", _l("A dossier with this receipt number already exists."))
    _check_dates(problems, data.received_at, data.returned_at, now)
    if data.extra_visits is None or not 0 <= data.extra_visits <= 50:
        problems.add("extra_visits", _l("Enter a number of visits between 0 and 50."))
    officer_id = data.receiving_officer_id or actor.id
    officer = db.session.get(User, officer_id)
    if officer is None or not is_officer_of(officer, ward_id):
        problems.add("receiving_officer_id", _l("Choose an officer of this ward."))
    phone = _applicant_phone(data.applicant_phone)
    if phone is None:
        problems.add("applicant_phone", APPLICANT_PHONE_PROBLEM)
    problems.raise_if_any()
    dossier = Dossier(
        ward_id=ward_id,
        procedure_id=procedure.id,
        receipt_number=number,
        received_at=data.received_at,
        due_on=due_date(data.received_at, procedure.time_limit_days),
        returned_at=data.returned_at,
        extra_visits=data.extra_visits,
        receiving_officer_id=officer.id,
        applicant_phone=phone,
        created_by_id=actor.id,
    )
    dossier.procedure = procedure
    dossier.timeliness = timeliness_of(dossier)
    try:
        with db.session.begin_nested():
            db.session.add(dossier)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise DomainError(
            _l("A dossier with this receipt number already exists."), "receipt_number"
        ) from exc
    if dossier.returned_at is not None:
        rollups.dossier_returned(dossier)
    return dossier


DOSSIER_COLUMNS = {"receipt_number", "procedure", "received_at"}
DATETIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d", "%d/%m/%Y")


def parse_local_datetime(value: str) -> datetime | None:
    """A Hà Nội date and time as the one-stop software writes it (naive, local), or None."""
    value = (value or "").strip()
    for fmt in DATETIME_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


_RANGE = {"first": office_date(FIRST_DAY), "last": office_date(LAST_DAY)}
# Per date column: (not a date, a day the portal does not take).
CSV_DATE_PROBLEMS = {
    "received_at": (
        lambda value: _l("bad date received_at: %(value)s", value=value),
        lambda value: _l(
            "received_at %(value)s: the date must be from %(first)s to %(last)s",
            value=value,
            **_RANGE,
        ),
    ),
    "returned_at": (
        lambda value: _l("bad date returned_at: %(value)s", value=value),
        lambda value: _l(
            "returned_at %(value)s: the date must be from %(first)s to %(last)s",
            value=value,
            **_RANGE,
        ),
    ),
}


def _csv_datetime(row: dict, column: str, problems: list[str]) -> datetime | None:
    """A CSV cell's date and time -> aware UTC; a problem noted when it is no date, or a day
    the portal does not take (0001-01-01)."""
    value = row.get(column) or ""
    local = parse_local_datetime(value)
    if local is None:
        problems.append(str(CSV_DATE_PROBLEMS[column][0](value or "—")))
        return None
    if not plausible_day(local.date()):
        problems.append(str(CSV_DATE_PROBLEMS[column][1](value)))
        return None
    return to_utc(local)


def import_dossiers_csv(actor: User, ward_id: int, text: str, now=None) -> ImportReport:
    """Register dossiers from a CSV export of the one-stop software. Columns: receipt_number,
    procedure (national code or Vietnamese name), received_at, returned_at (optional),
    extra_visits (optional), officer_phone (optional), applicant_phone (optional: the
    phone the applicant gave, for the lookup; never shown in the report). Good rows are
    kept; each bad row is reported with its line number and nothing of it is saved."""
    _check_officer(actor, ward_id)

    catalogue = procedures(ward_id)
    by_code = {p.code: p for p in catalogue if p.code}
    by_name = {p.name_vi.casefold(): p for p in catalogue}
    officers = {
        u.phone: u
        for u in db.session.execute(
            sa.select(User).where(User.ward_id == ward_id, User.role.in_(WARD_OFFICERS))
        ).scalars()
    }
    report = ImportReport()
    for line, row in rows(text, DOSSIER_COLUMNS):
        problems: list[str] = []
        key = row.get("procedure", "")
        procedure = by_code.get(key) or by_name.get(key.casefold())
        if procedure is None:
            problems.append(str(_l("unknown procedure %(value)s", value=key or "—")))
        received = _csv_datetime(row, "received_at", problems)
        returned = _csv_datetime(row, "returned_at", problems) if row.get("returned_at") else None
        visits = whole_number(row.get("extra_visits", ""), 0)
        if visits is None:
            problems.append(str(_l("extra_visits must be a whole number")))
        officer_id = None
        if row.get("officer_phone"):
            try:
                officer = officers.get(normalize_phone(row["officer_phone"]))
            except InvalidPhone:
                officer = None
            if officer is None:
                problems.append(str(_l("unknown officer %(value)s", value=row["officer_phone"])))
            else:
                officer_id = officer.id
        if _applicant_phone(row.get("applicant_phone")) is None:
            problems.append(str(_l("applicant_phone is not a Vietnamese mobile number")))
        if problems:
            report.errors.append((line, "; ".join(problems)))
            continue
        data = DossierInput(
            procedure_id=procedure.id,
            receipt_number=row.get("receipt_number", ""),
            received_at=received,
            returned_at=returned,
            extra_visits=visits,
            receiving_officer_id=officer_id,
            applicant_phone=row.get("applicant_phone", ""),
        )
        try:
            register_dossier(actor, ward_id, data, now=now)
        except DomainError as error:
            report.errors.append((line, messages_of(error)))
            continue
        report.created += 1
    return report


def return_for_slip(actor: User, dossier: Dossier, *, now=None, extra_visits=None):
    """Hand the dossier back: record the return and its timeliness, and issue the one-time
    rating link and short code printed on the slip. Returns both raw (tokens.Issued; only
    their hashes are stored). Issuing again (a lost slip) replaces unused ones."""
    now = now or utcnow()
    policy.require_dossier(actor, dossier, DossierAction.RETURN, now)
    if extra_visits is not None:
        if not 0 <= extra_visits <= 50:
            raise DomainError(_l("Enter a number of visits between 0 and 50."), "extra_visits")
        dossier.extra_visits = extra_visits
    first_return = dossier.returned_at is None
    if first_return:
        dossier.returned_at = now
    dossier.timeliness = timeliness_of(dossier)
    if first_return:
        rollups.dossier_returned(dossier)
    issued = tokens.issue(dossier, actor, now)
    db.session.flush()
    return issued


def return_dossier(actor: User, dossier: Dossier, *, now=None, extra_visits=None) -> str:
    """return_for_slip, for callers that need only the link's raw token."""
    return return_for_slip(actor, dossier, now=now, extra_visits=extra_visits).token
