"""Exchange with the one-stop software (docs/dossier-exchange.md): dossiers arrive in the
portal's own columns or in the national names (MaHoSo, MaTTHC, SoBienNhan, NgayTiepNhan,
NgayHenTra, NgayTra, TrangThaiHoSo; dates also as yyyyMMddHHmmss), from a staff member's CSV
upload or the ward's API key; the ratings go back up in the same naming.

One record at a time (apply_record): a dossier is found by its MaHoSo (or, the first time,
by a hand-registered dossier's receipt number) and updated, otherwise created, so sending
it again never makes a second one. The record that returns a dossier issues its rating
link and code, once: the row is locked while it is updated, and a returned dossier is never
returned again by a later record. Services add and flush; the caller commits."""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.auth.phones import InvalidPhone, normalize_phone
from portal.db import utcnow
from portal.domain import DomainError, Problems
from portal.extensions import db
from portal.satisfaction import delegations, rollups, tokens
from portal.satisfaction.catalogue import procedures
from portal.satisfaction.csvimport import ImportReport, rows, whole_number
from portal.satisfaction.dossiers import (
    AGENCIES_PROBLEM,
    NO_OFFICER_FOR_RETURN,
    RECEIPT_TAKEN,
    DossierInput,
    _check_dates,
    _check_officer,
    _receipt_taken,
    applicant_phone_of,
    create_dossier,
    due_date,
    timeliness_of,
    valid_agencies,
)
from portal.satisfaction.models import (
    Attitude,
    Dossier,
    Level,
    Procedure,
    RatingChannel,
    SatisfactionRating,
    Timeliness,
)
from portal.security import WARD_OFFICERS
from portal.text import clean, fold
from portal.timeutil import FIRST_DAY, LAST_DAY, local_zone, office_date, plausible_day, to_utc

# ---------------------------------------------------------------- the columns


@dataclass(frozen=True)
class Column:
    name: str  # the portal's own name (today's CSV header)
    national: str | None  # the one-stop software's name, when it has one


COLUMNS = (
    Column("national_code", "MaHoSo"),
    Column("procedure", "MaTTHC"),  # the national TTHC code (or the procedure's Vietnamese name)
    Column("receipt_number", "SoBienNhan"),
    Column("received_at", "NgayTiepNhan"),
    Column("due_on", "NgayHenTra"),  # the return date it set; else from the legal limit
    Column("returned_at", "NgayTra"),
    Column("status", "TrangThaiHoSo"),
    Column("extra_visits", None),
    Column("agencies_involved", None),  # agencies involved, the ward included (default 1)
    Column("officer_phone", None),
    Column("applicant_phone", None),
    # Who signed the result (a returned dossier): the login (phone or e-mail) of the ward's
    # chairman, or of an officer with a delegation valid on the return date for the procedure.
    Column("signer", None),
)
# Every accepted name -> the portal's own.
NAMES = {c.name: c.name for c in COLUMNS} | {c.national: c.name for c in COLUMNS if c.national}
REQUIRED = {"receipt_number", "procedure", "received_at"}  # to create a dossier
# The form fields create_dossier reports problems on -> the column they come from.
FIELD_COLUMNS = {"procedure_id": "procedure", "receiving_officer_id": "officer_phone"}

NATIONAL_FORMAT = "%Y%m%d%H%M%S"
DATETIME_FORMATS = (
    NATIONAL_FORMAT,
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y",
)


class Stage(enum.StrEnum):
    """Where a dossier stands for the portal, which counts only receipt and return."""

    OPEN = "open"  # received, being handled: not returned yet
    RETURNED = "returned"  # the result handed back: rated from now on
    NOT_KEPT = "not_kept"  # refused, withdrawn or stopped: the portal keeps no such dossier


# TrangThaiHoSo: the national public service portal's numbers (check), and OpenCPS's words.
STATUSES = {
    "1": Stage.OPEN,  # Mới đăng ký
    "2": Stage.OPEN,  # Được tiếp nhận
    "3": Stage.NOT_KEPT,  # Không được tiếp nhận
    "4": Stage.OPEN,  # Đang xử lý
    "5": Stage.OPEN,  # Yêu cầu bổ sung giấy tờ
    "6": Stage.OPEN,  # Yêu cầu thực hiện nghĩa vụ tài chính
    "7": Stage.NOT_KEPT,  # Công dân yêu cầu rút hồ sơ
    "8": Stage.NOT_KEPT,  # Dừng xử lý
    "9": Stage.OPEN,  # Đã xử lý xong (chờ trả kết quả)
    "10": Stage.RETURNED,  # Đã trả kết quả
    "new": Stage.OPEN,
    "receiving": Stage.OPEN,
    "processing": Stage.OPEN,
    "waiting": Stage.OPEN,
    "paying": Stage.OPEN,
    "releasing": Stage.OPEN,
    "done": Stage.RETURNED,
    "cancelled": Stage.NOT_KEPT,
    "denied": Stage.NOT_KEPT,
}
STATUS_OF_STAGE = {Stage.OPEN: "4", Stage.RETURNED: "10"}  # what the portal writes back


def parse_local_datetime(value: str) -> datetime | None:
    """A Hà Nội date and time as the one-stop software writes it (naive, local), or None."""
    value = (value or "").strip()
    for fmt in DATETIME_FORMATS:
        if fmt == NATIONAL_FORMAT and not (
            len(value) == 14 and value.isascii() and value.isdigit()
        ):
            continue
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def national_datetime(moment: datetime | None) -> str:
    """An aware datetime as yyyyMMddHHmmss in Hà Nội time; "" for none."""
    return moment.astimezone(local_zone()).strftime(NATIONAL_FORMAT) if moment else ""


# ---------------------------------------------------------------- one record


@dataclass
class Record:
    """One dossier as sent: its values under the portal's column names, the name each was
    sent under (problems are reported under it), and the columns whose value was no text."""

    values: dict[str, str]
    sent: dict[str, str]
    bad: list[str] = field(default_factory=list)

    def sent_name(self, column: str) -> str:
        column = FIELD_COLUMNS.get(column, column)
        return self.sent.get(column, column)


def record_of(raw: Mapping[str, object]) -> Record:
    """A CSV row or a JSON object -> a Record; names the portal does not know are ignored."""
    record = Record({}, {})
    for name, value in raw.items():
        column = NAMES.get((name or "").strip())
        if column is None:
            continue
        if value is None:
            text = ""
        elif isinstance(value, str):
            text = clean(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            text = str(value)
        else:
            record.bad.append(column)
            text = ""
        record.sent[column] = name.strip()
        if text or column not in record.values:
            record.values[column] = text
    return record


@dataclass
class Outcome:
    """What a record did: created, updated or unchanged, and the rating slip when it
    returned the dossier (raw, to be printed; only hashes are stored)."""

    result: str
    dossier: Dossier
    issued: tokens.Issued | None = None


class Exchange:
    """One import's view of the ward: its catalogue and officers, read once; who imports
    (an officer, or None for the ward's one-stop software) and when."""

    def __init__(self, ward_id: int, actor: User | None, now: datetime | None = None):
        self.ward_id = ward_id
        self.actor = actor
        self.now = now or utcnow()
        catalogue = procedures(ward_id)
        self.by_code = {p.code: p for p in catalogue if p.code}
        self.by_name = {p.name_vi.casefold(): p for p in catalogue}
        self.officers = {
            u.phone: u
            for u in db.session.execute(
                sa.select(User).where(User.ward_id == ward_id, User.role.in_(WARD_OFFICERS))
            ).scalars()
        }

    def procedure(self, key: str) -> Procedure | None:
        return self.by_code.get(key) or self.by_name.get(key.casefold())

    def officer(self, phone: str) -> User | None:
        try:
            return self.officers.get(normalize_phone(phone))
        except InvalidPhone:
            return None

    def find(self, code: str, number: str) -> Dossier | None:
        """The dossier a record is about, locked until the commit: by its MaHoSo, else a
        hand-registered dossier (no MaHoSo yet) with the same receipt number."""
        if not code:
            return None
        base = (
            sa.select(Dossier)
            .where(Dossier.ward_id == self.ward_id)
            .with_for_update(of=Dossier.__table__)
        )
        found = db.session.execute(base.where(Dossier.national_code == code)).scalar_one_or_none()
        if found is None and number:
            found = db.session.execute(
                base.where(Dossier.receipt_number == number, Dossier.national_code.is_(None))
            ).scalar_one_or_none()
        return found

    def returned(self, dossier: Dossier) -> tokens.Issued:
        """Count the return and issue the slip's link and code, as the desk's return does."""
        rollups.dossier_returned(dossier)
        issued = tokens.issue(dossier, self.actor, self.now)
        db.session.flush()
        return issued


def _date(values: dict, column: str, problems: Problems, sent: str) -> datetime | None:
    """A column's date and time -> aware UTC; None when empty or with a problem noted (no
    date, or a day the portal does not take)."""
    value = values.get(column, "")
    if not value:
        return None
    local = parse_local_datetime(value)
    if local is None:
        problems.add(column, _l("bad date %(column)s: %(value)s", column=sent, value=value))
        return None
    if not plausible_day(local.date()):
        problems.add(
            column,
            _l(
                "%(column)s %(value)s: the date must be from %(first)s to %(last)s",
                column=sent,
                value=value,
                first=office_date(FIRST_DAY),
                last=office_date(LAST_DAY),
            ),
        )
        return None
    return to_utc(local)


def _stage(record: Record, problems: Problems) -> Stage | None:
    value = record.values.get("status", "")
    if not value:
        return None
    stage = STATUSES.get(value.casefold())
    sent = record.sent_name("status")
    if stage is None:
        problems.add("status", _l("unknown %(column)s %(value)s", column=sent, value=value))
    elif stage == Stage.NOT_KEPT:
        problems.add(
            "status",
            _l(
                "%(column)s %(value)s: a dossier refused, withdrawn or stopped is not kept",
                column=sent,
                value=value,
            ),
        )
    return stage


@dataclass
class _Parsed:
    code: str
    number: str
    procedure: Procedure | None
    received: datetime | None
    due: date | None
    returned: datetime | None
    visits: int | None
    agencies: int | None
    officer: User | None
    phone: str | None
    stage: Stage | None


def _parse(ward: Exchange, record: Record, problems: Problems) -> _Parsed:
    values, sent = record.values, record.sent_name
    for column in record.bad:
        problems.add(column, _l("%(column)s must be text or a number", column=sent(column)))
    code = values.get("national_code", "")
    if len(code) > 60:
        problems.add(
            "national_code", _l("%(column)s: at most 60 characters", column=sent("national_code"))
        )
    procedure = None
    if values.get("procedure"):
        procedure = ward.procedure(values["procedure"])
        if procedure is None:
            problems.add("procedure", _l("unknown procedure %(value)s", value=values["procedure"]))
    due_at = _date(values, "due_on", problems, sent("due_on"))
    visits = None
    if values.get("extra_visits"):
        visits = whole_number(values["extra_visits"])
        if visits is None:
            problems.add("extra_visits", _l("extra_visits must be a whole number"))
    agencies = None
    if values.get("agencies_involved"):
        agencies = whole_number(values["agencies_involved"])
        if not valid_agencies(agencies):
            problems.add("agencies_involved", AGENCIES_PROBLEM)
    officer = None
    if values.get("officer_phone"):
        officer = ward.officer(values["officer_phone"])
        if officer is None:
            problems.add(
                "officer_phone", _l("unknown officer %(value)s", value=values["officer_phone"])
            )
    phone = None
    if values.get("applicant_phone"):
        phone = applicant_phone_of(values["applicant_phone"])
        if phone is None:
            problems.add("applicant_phone", _l("applicant_phone is not a Vietnamese mobile number"))
    return _Parsed(
        code=code,
        number=values.get("receipt_number", ""),
        procedure=procedure,
        received=_date(values, "received_at", problems, sent("received_at")),
        due=due_at.astimezone(local_zone()).date() if due_at else None,
        returned=_date(values, "returned_at", problems, sent("returned_at")),
        visits=visits,
        agencies=agencies,
        officer=officer,
        phone=phone,
        stage=_stage(record, problems),
    )


def _check_stage(record: Record, p: _Parsed, existing: Dossier | None, problems: Problems):
    sent = record.sent_name
    if p.stage == Stage.OPEN and p.returned is not None:
        problems.add(
            "returned_at",
            _l(
                "%(column)s given, but %(status)s says the dossier is not returned yet",
                column=sent("returned_at"),
                status=sent("status"),
            ),
        )
    if existing is not None and existing.returned_at is not None and p.stage == Stage.OPEN:
        problems.add("status", _l("The dossier has already been returned."))
    already = existing is not None and existing.returned_at is not None
    if p.stage == Stage.RETURNED and p.returned is None and not already:
        problems.add(
            "returned_at",
            _l(
                "enter %(column)s: %(status)s says the dossier was returned",
                column=sent("returned_at"),
                status=sent("status"),
            ),
        )


# What a return has counted (timeliness, contacts, the officer's figures): fixed afterwards.
COUNTED = (
    "procedure_id",
    "received_at",
    "due_on",
    "returned_at",
    "extra_visits",
    "agencies_involved",
)


def _update(ward: Exchange, dossier: Dossier, p: _Parsed, problems: Problems) -> Outcome:
    changes: dict[str, object] = {}

    def change(attr: str, value) -> None:
        if value is not None and getattr(dossier, attr) != value:
            changes[attr] = value

    change("national_code", p.code or None)
    change("procedure_id", p.procedure.id if p.procedure else None)
    number = clean(p.number)
    if number and number != dossier.receipt_number:
        if len(number) > 40:
            problems.add("receipt_number", _l("Enter the receipt number (at most 40 characters)."))
        elif _receipt_taken(ward.ward_id, number, but=dossier.id):
            problems.add("receipt_number", RECEIPT_TAKEN)
        else:
            changes["receipt_number"] = number
    change("received_at", p.received)
    change("due_on", p.due)
    change("returned_at", p.returned)
    change("extra_visits", p.visits)
    change("agencies_involved", p.agencies)
    change("applicant_phone", p.phone)
    if p.officer is not None and dossier.returned_at is None:
        change("receiving_officer_id", p.officer.id)
    if dossier.returned_at is not None:
        for attr in COUNTED:
            if attr in changes:
                problems.add(
                    attr,
                    _l(
                        "The dossier has been returned: its procedure, dates and visits stay "
                        "as they were counted."
                    ),
                )
    if "received_at" in changes or "returned_at" in changes:
        _check_dates(
            problems,
            changes.get("received_at", dossier.received_at),
            changes.get("returned_at", dossier.returned_at),
            ward.now,
        )
    if "returned_at" in changes:
        officer_id = changes.get("receiving_officer_id", dossier.receiving_officer_id)
        if officer_id is None and ward.actor is not None:
            changes["receiving_officer_id"] = ward.actor.id  # the officer importing the file
        elif officer_id is None:
            problems.add("officer_phone", NO_OFFICER_FOR_RETURN)
    problems.raise_if_any()
    if not changes:
        return Outcome("unchanged", dossier)
    for attr, value in changes.items():
        setattr(dossier, attr, value)
    if "procedure_id" in changes:
        dossier.procedure = p.procedure
    if "receipt_number" in changes:
        dossier.search_text = fold(dossier.receipt_number)
    if "due_on" not in changes and {"received_at", "procedure_id"} & changes.keys():
        dossier.due_on = due_date(dossier.received_at, dossier.procedure.time_limit_days)
    dossier.timeliness = timeliness_of(dossier)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise DomainError(RECEIPT_TAKEN, "receipt_number") from exc
    issued = ward.returned(dossier) if "returned_at" in changes else None
    return Outcome("updated", dossier, issued)


def _signed(record: Record, outcome: Outcome) -> Outcome:
    """Record the signer the record names (its `signer` login), checked as the desk's
    return checks it: a DomainError on the column when it cannot sign this dossier."""
    login = record.values.get("signer", "")
    if not login:
        return outcome
    dossier = outcome.dossier
    column = record.sent_name("signer")
    if dossier.returned_at is None:
        raise DomainError(
            _l("%(column)s given, but the dossier is not returned yet", column=column), "signer"
        )
    signer = delegations.signer_by_login(dossier, login, dossier.returned_at)
    if isinstance(signer, str):
        raise DomainError(signer, "signer")
    before = (dossier.signed_by_id, dossier.delegation_id)
    delegations.sign(dossier, signer)
    db.session.flush()
    if outcome.result == "unchanged" and before != (dossier.signed_by_id, dossier.delegation_id):
        return Outcome("updated", dossier, outcome.issued)
    return outcome


def apply_record(ward: Exchange, record: Record) -> Outcome:
    """Create or update the dossier one record is about, and record who signed it when the
    record says. Raises DomainError with every problem of the record, keyed by column
    (Record.sent_name gives the name it was sent under); nothing of a bad record is saved."""
    return _signed(record, _apply(ward, record))


def _apply(ward: Exchange, record: Record) -> Outcome:
    problems = Problems()
    parsed = _parse(ward, record, problems)
    existing = ward.find(parsed.code, clean(parsed.number))
    _check_stage(record, parsed, existing, problems)
    if existing is not None:
        return _update(ward, existing, parsed, problems)
    for column in sorted(REQUIRED - {c for c, v in record.values.items() if v}):
        problems.add(column, _l("%(column)s is required", column=record.sent_name(column)))
    problems.raise_if_any()
    data = DossierInput(
        procedure_id=parsed.procedure.id,
        receipt_number=parsed.number,
        received_at=parsed.received,
        returned_at=parsed.returned,
        extra_visits=parsed.visits or 0,
        agencies_involved=parsed.agencies or 1,
        receiving_officer_id=parsed.officer.id if parsed.officer else None,
        applicant_phone=parsed.phone or "",
        national_code=parsed.code or None,
    )
    dossier = create_dossier(ward.ward_id, data, ward.actor, now=ward.now, due_on=parsed.due)
    issued = None
    if dossier.returned_at is not None:
        issued = tokens.issue(dossier, ward.actor, ward.now)
        db.session.flush()
    return Outcome("created", dossier, issued)


def problems_of(record: Record, error: DomainError) -> list[tuple[str, str]]:
    """(the column as it was sent, message) for each problem of a record."""
    errors = error.errors or {None: error.message}
    return [(record.sent_name(column or ""), str(message)) for column, message in errors.items()]


def apply_safely(ward: Exchange, record: Record) -> Outcome | list[tuple[str, str]]:
    """apply_record inside a savepoint: the outcome, or the record's problems with nothing
    of it saved."""
    try:
        with db.session.begin_nested():
            return apply_record(ward, record)
    except DomainError as error:
        return problems_of(record, error)


# ---------------------------------------------------------------- the CSV upload and the API


def import_dossiers_csv(actor: User, ward_id: int, text: str, now=None) -> ImportReport:
    """Register or update dossiers from a CSV export of the one-stop software, by its
    officers. Columns in the portal's names or the national ones (COLUMNS): receipt_number
    (SoBienNhan), procedure (MaTTHC: national code or Vietnamese name), received_at
    (NgayTiepNhan), and optionally national_code (MaHoSo: a row with a known one updates its
    dossier), due_on (NgayHenTra), returned_at (NgayTra), status (TrangThaiHoSo),
    extra_visits, officer_phone, applicant_phone (for the lookup; never shown in the
    report), signer (who signed the result: a login). Good rows are kept; each bad row is
    reported with its line number and nothing of it is saved."""
    _check_officer(actor, ward_id)
    ward = Exchange(ward_id, actor, now)
    report = ImportReport()
    for line, row in rows(text, REQUIRED, NAMES):
        record = record_of(row)
        outcome = apply_safely(ward, record)
        if isinstance(outcome, list):
            report.errors.append((line, "; ".join(dict.fromkeys(m for _, m in outcome))))
            continue
        setattr(report, outcome.result, getattr(report, outcome.result) + 1)
        if outcome.issued is not None:
            report.slips.append((outcome.dossier.receipt_number, outcome.issued))
    return report


MAX_RECORDS = 500  # per API call


class TooManyRecords(DomainError):
    pass


def import_dossiers_api(ward_id: int, items: list, now=None) -> list[tuple[int, object]]:
    """The records of one API call from the ward's one-stop software (its key checked by the
    caller): (index, Outcome or [(column, message)]) per record, the good ones kept."""
    if len(items) > MAX_RECORDS:
        raise TooManyRecords(_l("At most %(max)d dossiers per call.", max=MAX_RECORDS))
    ward = Exchange(ward_id, None, now)
    results = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            results.append((index, [("", str(_l("Each dossier must be a JSON object.")))]))
            continue
        results.append((index, apply_safely(ward, record_of(item))))
    return results


# ---------------------------------------------------------------- the ratings, sent upward

# The rating columns have no national naming we know of: these are the portal's, in the
# same style (documented in docs/dossier-exchange.md). Values are Vietnamese words that do
# not change with the reader's language.
EXPORT_COLUMNS = (
    "MaHoSo",
    "MaTTHC",
    "SoBienNhan",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayTra",
    "TinhTrangTraKetQua",
    "SoLanDiLai",
    "MucDoHaiLong",
    "LyDoKhongHaiLong",
    "ThaiDoCanBo",
    "DiemDanhGia",
    "KenhDanhGia",
    "NgayDanhGia",
)
LEVEL_WORDS = {
    Level.VERY_SATISFIED: "Rất hài lòng",
    Level.SATISFIED: "Hài lòng",
    Level.DISSATISFIED: "Không hài lòng",
}
TIMELINESS_WORDS = {
    Timeliness.EARLY: "Trước hạn",
    Timeliness.ON_TIME: "Đúng hạn",
    Timeliness.LATE: "Trễ hạn",
}
ATTITUDE_WORDS = {Attitude.GOOD: "Tốt", Attitude.ACCEPTABLE: "Bình thường", Attitude.POOR: "Kém"}
CHANNEL_WORDS = {
    RatingChannel.LINK: "Phiếu (mã QR)",
    RatingChannel.KIOSK: "Máy tính bảng tại quầy",
    RatingChannel.CODE: "Mã đánh giá",
}


def ratings_rows(ward_id: int, start: datetime, end: datetime) -> Iterable[list[str]]:
    """The ward's ratings given in [start, end) with their dossiers, one row per rating in
    EXPORT_COLUMNS order, oldest first. The resident's comment and any contact are left out."""
    query = (
        sa.select(SatisfactionRating, Dossier, Procedure.code)
        .join(Dossier, Dossier.id == SatisfactionRating.dossier_id)
        .join(Procedure, Procedure.id == SatisfactionRating.procedure_id)
        .where(
            SatisfactionRating.ward_id == ward_id,
            SatisfactionRating.created_at >= start,
            SatisfactionRating.created_at < end,
        )
        .order_by(SatisfactionRating.created_at, SatisfactionRating.id)
    )
    zone = local_zone()
    for rating, dossier, code in db.session.execute(query):
        yield [
            dossier.national_code or "",
            code,
            dossier.receipt_number,
            national_datetime(dossier.received_at),
            dossier.due_on.strftime("%Y%m%d") + "000000",
            national_datetime(dossier.returned_at),
            TIMELINESS_WORDS.get(rating.timeliness, ""),
            str(rating.contacts_needed),
            LEVEL_WORDS[rating.level],
            rating.reason if rating.level == Level.DISSATISFIED else "",
            ATTITUDE_WORDS.get(rating.attitude, ""),
            "" if rating.score is None else str(rating.score),
            CHANNEL_WORDS[rating.channel],
            rating.created_at.astimezone(zone).strftime(NATIONAL_FORMAT),
        ]


def ratings_csv(ward_id: int, start: datetime, end: datetime, safe=lambda text: text) -> bytes:
    """ratings_rows as UTF-8 CSV with a byte-order mark (Excel), text cells made safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in ratings_rows(ward_id, start, end):
        writer.writerow([safe(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
