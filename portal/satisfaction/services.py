"""The rules of satisfaction ratings: the procedure catalogue, the dossier register and its
CSV import, one-time rating tokens, the rating itself, and the case a dissatisfied rating
opens. Services add and flush; views commit."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from portal.auth.models import Role, User
from portal.db import utcnow
from portal.domain import DomainError, PermissionDenied, Problems
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import Channel
from portal.satisfaction import rollups
from portal.satisfaction.models import (
    Attitude,
    Dossier,
    Level,
    Procedure,
    RatingChannel,
    SatisfactionRating,
    Timeliness,
)
from portal.timeutil import local_zone
from portal.wards.models import Ward
from portal.workdays import add_working_days, is_working_day

OFFICER_ROLES = (Role.STAFF, Role.CHAIRMAN)
SAME_DAY_CUTOFF = time(15, 0)  # received later: returned the next working day
TOKEN_BYTES = 32  # 256 bits
REASON_MAX = 2000
COMMENT_MAX = 2000

# The demo catalogue of ward-level procedures (national TTHC codes; DOMAIN.md).
DEFAULT_PROCEDURES = (
    ("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
     "Certified copy from an original document", "Chứng thực", "Certification", 0),
    ("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản",
     "Certification of a signature on a document", "Chứng thực", "Certification", 0),
    ("2.000992", "Chứng thực chữ ký người dịch",
     "Certification of a translator's signature", "Chứng thực", "Certification", 0),
    ("1.001193", "Đăng ký khai sinh", "Birth registration", "Hộ tịch", "Civil status", 0),
    ("1.004884", "Đăng ký lại khai sinh", "Re-registration of a birth", "Hộ tịch",
     "Civil status", 5),
    ("1.000894", "Đăng ký kết hôn", "Marriage registration", "Hộ tịch", "Civil status", 0),
    ("1.000656", "Đăng ký khai tử", "Death registration", "Hộ tịch", "Civil status", 0),
    ("1.001022", "Đăng ký nhận cha, mẹ, con", "Registration of parentage", "Hộ tịch",
     "Civil status", 3),
    ("1.004837", "Đăng ký giám hộ", "Guardianship registration", "Hộ tịch", "Civil status", 3),
    ("", "Cấp Giấy xác nhận tình trạng hôn nhân", "Certificate of marital status", "Hộ tịch",
     "Civil status", 0),
    ("", "Cấp bản sao trích lục hộ tịch", "Copy of a civil-status extract", "Hộ tịch",
     "Civil status", 0),
    ("1.001612", "Đăng ký hộ kinh doanh", "Household business registration", "Hộ kinh doanh",
     "Household business", 3),
    ("1.001699", "Xác định mức độ khuyết tật", "Assessment of a disability level",
     "Bảo trợ xã hội", "Social protection", 20),
    ("1.011607", "Công nhận hộ nghèo, cận nghèo", "Recognition of a poor or near-poor household",
     "Giảm nghèo", "Poverty reduction", 15),
    ("1.012812", "Hòa giải tranh chấp đất đai", "Mediation of a land dispute", "Đất đai",
     "Land", 30),
)  # fmt: skip


class InvalidToken(DomainError):
    """A guessed, used, expired or malformed token: always the same neutral answer."""

    def __init__(self) -> None:
        super().__init__(_l("This rating link cannot be used. It may have been used already."))


# ---------------------------------------------------------------- catalogue


def _check_admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied(_l("Only the city administrator may edit the procedure catalogue."))


def seed_catalogue(ward_id: int) -> int:
    """Give a ward the demo catalogue of ward-level procedures when it has none."""
    exists = db.session.execute(
        sa.select(Procedure.id).where(Procedure.ward_id == ward_id).limit(1)
    ).first()
    if exists:
        return 0
    for code, vi, en, field_vi, field_en, days in DEFAULT_PROCEDURES:
        db.session.add(
            Procedure(
                ward_id=ward_id,
                code=code,
                name_vi=vi,
                name_en=en,
                field_vi=field_vi,
                field_en=field_en,
                time_limit_days=days,
                active=True,
            )
        )
    db.session.flush()
    return len(DEFAULT_PROCEDURES)


def procedures(ward_id: int, *, active_only: bool = True) -> list[Procedure]:
    query = sa.select(Procedure).where(Procedure.ward_id == ward_id)
    if active_only:
        query = query.where(Procedure.active.is_(True))
    return list(db.session.execute(query.order_by(Procedure.field_vi, Procedure.name_vi)).scalars())


@dataclass
class ProcedureInput:
    code: str
    name_vi: str
    name_en: str = ""
    field_vi: str = ""
    field_en: str = ""
    time_limit_days: int | None = 0
    active: bool = True


def _clean(text) -> str:
    return unicodedata.normalize("NFC", str(text or "").replace("\x00", "")).strip()


def _procedure_problems(data: ProcedureInput) -> Problems:
    problems = Problems()
    data.code, data.name_vi, data.name_en = (
        _clean(data.code),
        _clean(data.name_vi),
        _clean(data.name_en),
    )
    data.field_vi, data.field_en = _clean(data.field_vi), _clean(data.field_en)
    if not data.name_vi:
        problems.add("name_vi", _l("Enter the Vietnamese name."))
    elif len(data.name_vi) > 300 or len(data.name_en) > 300:
        problems.add("name_vi", _l("At most %(max)d characters.", max=300))
    if len(data.code) > 20:
        problems.add("code", _l("At most %(max)d characters.", max=20))
    if len(data.field_vi) > 120 or len(data.field_en) > 120:
        problems.add("field_vi", _l("At most %(max)d characters.", max=120))
    if data.time_limit_days is None or not 0 <= data.time_limit_days <= 365:
        problems.add("time_limit_days", _l("Enter between 0 and 365 working days."))
    return problems


def save_procedure(
    actor: User, ward_id: int, data: ProcedureInput, procedure: Procedure | None = None
) -> Procedure:
    """Add or edit a procedure of a ward's catalogue (city administrator)."""
    _check_admin(actor)
    problems = _procedure_problems(data)
    problems.raise_if_any()
    try:
        # Everything in a savepoint: a duplicate name undoes this change alone.
        with db.session.begin_nested():
            if procedure is None:
                procedure = Procedure(ward_id=ward_id)
                db.session.add(procedure)
            for name in ("code", "name_vi", "name_en", "field_vi", "field_en", "time_limit_days"):
                setattr(procedure, name, getattr(data, name))
            procedure.active = data.active
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise DomainError(
            _l("The catalogue already has a procedure with this name."), "name_vi"
        ) from exc
    return procedure


@dataclass
class ImportReport:
    """What a CSV import did: rows saved, and the bad rows by line number with the reason."""

    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _csv_rows(text: str, required: set[str]):
    """(line number, row) pairs of a CSV with a header line; a missing column fails it all."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = {c.strip() for c in (reader.fieldnames or [])}
    missing = sorted(required - columns)
    if missing:
        raise DomainError(
            _l("The file lacks the columns: %(columns)s.", columns=", ".join(missing)), "file"
        )
    for row in reader:
        yield reader.line_num, {(k or "").strip(): _clean(v) for k, v in row.items()}


def _int(value: str, default: int | None = None) -> int | None:
    value = (value or "").strip()
    if not value:
        return default
    return int(value) if value.isdigit() and len(value) < 7 else None


def _messages(error: DomainError) -> str:
    return "; ".join(
        dict.fromkeys(str(m) for m in (error.errors or {None: error.message}).values())
    )


def import_procedures_csv(actor: User, ward_id: int, text: str) -> ImportReport:
    """Add or update procedures from CSV columns code, name_vi, name_en, field_vi, field_en,
    time_limit_days (by Vietnamese name). Good rows are kept, bad ones reported by line."""
    _check_admin(actor)
    report = ImportReport()
    existing = {p.name_vi: p for p in procedures(ward_id, active_only=False)}
    for line, row in _csv_rows(text, {"name_vi", "time_limit_days"}):
        data = ProcedureInput(
            code=row.get("code", ""),
            name_vi=row.get("name_vi", ""),
            name_en=row.get("name_en", ""),
            field_vi=row.get("field_vi", ""),
            field_en=row.get("field_en", ""),
            time_limit_days=_int(row.get("time_limit_days", "")),
        )
        try:
            current = existing.get(_clean(data.name_vi))
            saved = save_procedure(actor, ward_id, data, current)
        except DomainError as error:
            report.errors.append((line, _messages(error)))
            continue
        existing[saved.name_vi] = saved
        if current is None:
            report.created += 1
        else:
            report.updated += 1
    return report


# ---------------------------------------------------------------- dossiers


def _check_officer(actor: User, ward_id: int) -> None:
    if actor.role not in OFFICER_ROLES or actor.ward_id != ward_id:
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


def register_dossier(actor: User, ward_id: int, data: DossierInput, now=None) -> Dossier:
    """Record a dossier of the ward's one-stop desk (its officers)."""
    _check_officer(actor, ward_id)
    now = now or utcnow()
    problems = Problems()
    procedure = db.session.get(Procedure, data.procedure_id) if data.procedure_id else None
    if procedure is None or procedure.ward_id != ward_id or not procedure.active:
        problems.add("procedure_id", _l("Choose a procedure of the catalogue."))
    number = _clean(data.receipt_number)
    if not number or len(number) > 40:
        problems.add("receipt_number", _l("Enter the receipt number (at most 40 characters)."))
    elif db.session.execute(
        sa.select(Dossier.id).where(Dossier.ward_id == ward_id, Dossier.receipt_number == number)
    ).first():
        problems.add("receipt_number", _l("A dossier with this receipt number already exists."))
    if data.received_at is None or data.received_at > now + timedelta(minutes=5):
        problems.add("received_at", _l("Enter when it was received (not in the future)."))
    if data.returned_at is not None and (
        data.received_at is None
        or data.returned_at < data.received_at
        or data.returned_at > now + timedelta(minutes=5)
    ):
        problems.add(
            "returned_at", _l("The return must be after the receipt and not in the future.")
        )
    if data.extra_visits is None or not 0 <= data.extra_visits <= 50:
        problems.add("extra_visits", _l("Enter a number of visits between 0 and 50."))
    officer_id = data.receiving_officer_id or actor.id
    officer = db.session.get(User, officer_id)
    if officer is None or officer.ward_id != ward_id or officer.role not in OFFICER_ROLES:
        problems.add("receiving_officer_id", _l("Choose an officer of this ward."))
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
    """A Hà Nội date and time as the one-stop software writes it -> aware UTC, or None."""
    value = (value or "").strip()
    for fmt in DATETIME_FORMATS:
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=local_zone()).astimezone(UTC)
    return None


def import_dossiers_csv(actor: User, ward_id: int, text: str, now=None) -> ImportReport:
    """Register dossiers from a CSV export of the one-stop software. Columns: receipt_number,
    procedure (national code or Vietnamese name), received_at, returned_at (optional),
    extra_visits (optional), officer_phone (optional). Good rows are kept; each bad row is
    reported with its line number and nothing of it is saved."""
    _check_officer(actor, ward_id)
    from portal.auth.phones import InvalidPhone, normalize_phone

    catalogue = procedures(ward_id)
    by_code = {p.code: p for p in catalogue if p.code}
    by_name = {p.name_vi.casefold(): p for p in catalogue}
    officers = {
        u.phone: u
        for u in db.session.execute(
            sa.select(User).where(User.ward_id == ward_id, User.role.in_(OFFICER_ROLES))
        ).scalars()
    }
    report = ImportReport()
    for line, row in _csv_rows(text, DOSSIER_COLUMNS):
        problems: list[str] = []
        key = row.get("procedure", "")
        procedure = by_code.get(key) or by_name.get(key.casefold())
        if procedure is None:
            problems.append(str(_l("unknown procedure %(value)s", value=key or "—")))
        received = parse_local_datetime(row.get("received_at", ""))
        if received is None:
            problems.append(
                str(_l("bad date received_at: %(value)s", value=row.get("received_at") or "—"))
            )
        returned = None
        if row.get("returned_at"):
            returned = parse_local_datetime(row["returned_at"])
            if returned is None:
                problems.append(
                    str(_l("bad date returned_at: %(value)s", value=row["returned_at"]))
                )
        visits = _int(row.get("extra_visits", ""), 0)
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
        )
        try:
            register_dossier(actor, ward_id, data, now=now)
        except DomainError as error:
            report.errors.append((line, _messages(error)))
            continue
        report.created += 1
    return report


# ---------------------------------------------------------------- returning and tokens


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def return_dossier(actor: User, dossier: Dossier, *, now=None, extra_visits=None) -> str:
    """Hand the dossier back: record the return and its timeliness, and issue the one-time
    rating token printed on the slip. Returns the raw token (stored only as a hash).
    Issuing again (a lost slip) replaces an unused token."""
    _check_officer(actor, dossier.ward_id)
    now = now or utcnow()
    if dossier.token_used_at is not None:
        raise DomainError(_l("This dossier has already been rated."))
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
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    dossier.token_hash = hash_token(raw)
    dossier.token_issued_at = now
    dossier.token_issued_by_id = actor.id
    dossier.token_expires_at = now + timedelta(days=current_app.config["SATISFACTION_TOKEN_DAYS"])
    db.session.flush()
    return raw


def dossier_for_token(raw: str, now=None) -> Dossier:
    """The dossier a rating link is for, while the link can still be used; otherwise the
    same neutral refusal whatever the reason."""
    now = now or utcnow()
    if not raw or len(raw) > 100:
        raise InvalidToken()
    dossier = db.session.execute(
        sa.select(Dossier).where(Dossier.token_hash == hash_token(raw))
    ).scalar_one_or_none()
    if dossier is None or dossier.token_used_at is not None or dossier.token_expires_at <= now:
        raise InvalidToken()
    return dossier


# ---------------------------------------------------------------- rating


@dataclass
class RatingInput:
    level: str | None
    reason: str = ""
    attitude: str | None = None
    visits_reported: int | None = None
    comment: str = ""


def _validated(data: RatingInput) -> tuple[Level, Attitude | None]:
    problems = Problems()
    level = Level(data.level) if data.level in {x.value for x in Level} else None
    attitude = Attitude(data.attitude) if data.attitude in {x.value for x in Attitude} else None
    data.reason, data.comment = _clean(data.reason), _clean(data.comment)
    if level is None:
        problems.add("level", _l("Choose one of the three answers."))
    if level == Level.DISSATISFIED and not data.reason:
        problems.add("reason", _l("Please tell us why you are dissatisfied."))
    if len(data.reason) > REASON_MAX:
        problems.add("reason", _l("At most %(max)d characters.", max=REASON_MAX))
    if len(data.comment) > COMMENT_MAX:
        problems.add("comment", _l("At most %(max)d characters.", max=COMMENT_MAX))
    if data.attitude and attitude is None:
        problems.add("attitude", _l("Choose one of the listed answers."))
    if data.visits_reported is not None and not 0 <= data.visits_reported <= 50:
        problems.add("visits_reported", _l("Enter a number of visits between 0 and 50."))
    problems.raise_if_any()
    return level, attitude


def score_of(timeliness: Timeliness | None, contacts: int, attitude: Attitude | None) -> int | None:
    """Indicators 1 (time against the legal limit), 3 (contacts needed) and 7 (attitude) of
    the 18-point scale, 0–2 points each; None when the dossier has no return date."""
    if timeliness is None:
        return None
    points = {Timeliness.EARLY: 2, Timeliness.ON_TIME: 1, Timeliness.LATE: 0}[timeliness]
    points += 2 if contacts == 0 else 1 if contacts == 1 else 0
    points += {Attitude.GOOD: 2, Attitude.ACCEPTABLE: 1, Attitude.POOR: 0, None: 1}[attitude]
    return points


def _consume(dossier: Dossier, token_hash: str | None, now: datetime) -> bool:
    """Mark the token used, atomically: of simultaneous submissions only one wins."""
    conditions = [Dossier.id == dossier.id, Dossier.token_used_at.is_(None)]
    if token_hash is not None:
        conditions += [Dossier.token_hash == token_hash, Dossier.token_expires_at > now]
    result = db.session.execute(
        sa.update(Dossier).where(*conditions).values(token_used_at=now),
        execution_options={"synchronize_session": False},
    )
    if result.rowcount != 1:
        return False
    set_committed_value(dossier, "token_used_at", now)  # what the UPDATE wrote
    return True


def _record_rating(dossier: Dossier, level, attitude, data: RatingInput, channel, now):
    rating = SatisfactionRating(
        ward_id=dossier.ward_id,
        dossier_id=dossier.id,
        procedure_id=dossier.procedure_id,
        officer_id=dossier.receiving_officer_id,
        level=level,
        reason=data.reason,
        attitude=attitude,
        visits_reported=data.visits_reported,
        comment=data.comment,
        channel=channel,
        issued_by_id=dossier.token_issued_by_id,
        timeliness=dossier.timeliness,
        contacts_needed=dossier.extra_visits,
        score=score_of(dossier.timeliness, dossier.extra_visits, attitude),
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(rating)
            db.session.flush()
    except sa.exc.IntegrityError as exc:  # one rating per dossier, whatever the race
        raise InvalidToken() from exc
    rollups.rating_recorded(rating)
    if level == Level.DISSATISFIED:
        rating.feedback_id = open_case(dossier, rating, now).id
        db.session.flush()
    return rating


def rate(raw_token: str, data: RatingInput, now=None) -> SatisfactionRating:
    """A resident rates a dossier through its one-time link (no login). Used, expired,
    guessed and malformed tokens all get the same answer; nothing is counted twice."""
    now = now or utcnow()
    level, attitude = _validated(data)
    dossier = dossier_for_token(raw_token, now)
    if not _consume(dossier, dossier.token_hash, now):
        raise InvalidToken()
    return _record_rating(dossier, level, attitude, data, RatingChannel.LINK, now)


def kiosk_dossier(actor: User, now=None, minutes: int = 15) -> Dossier | None:
    """The dossier the officer at this desk returned last, still unrated, within `minutes`."""
    now = now or utcnow()
    return db.session.execute(
        sa.select(Dossier)
        .where(
            Dossier.ward_id == actor.ward_id,
            Dossier.token_issued_by_id == actor.id,
            Dossier.token_used_at.is_(None),
            Dossier.token_issued_at >= now - timedelta(minutes=minutes),
        )
        .order_by(Dossier.token_issued_at.desc(), Dossier.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def rate_at_kiosk(actor: User, dossier: Dossier, data: RatingInput, now=None) -> SatisfactionRating:
    """A resident rates at the desk's tablet, signed in as the officer who returned the
    dossier; the dossier's token is used up so the slip's link no longer works."""
    now = now or utcnow()
    if actor.role not in OFFICER_ROLES or dossier.ward_id != actor.ward_id:
        raise PermissionDenied(_l("Only the ward's one-stop officers may run the kiosk."))
    level, attitude = _validated(data)
    if dossier.token_issued_at is None or not _consume(dossier, None, now):
        raise InvalidToken()
    return _record_rating(dossier, level, attitude, data, RatingChannel.KIOSK, now)


# ---------------------------------------------------------------- a dissatisfied rating


def open_case(dossier: Dossier, rating: SatisfactionRating, now: datetime):
    """A "Không hài lòng" opens a feedback case in the ward's inbox, with a deadline,
    linked to the dossier; the resident stays anonymous."""
    ward = db.session.get(Ward, dossier.ward_id)
    feedback_services.ensure_categories(ward.id)
    category = (
        feedback_services.category_by_code(ward.id, "procedures")
        or (feedback_services.categories(ward.id)[0])
    )
    body = "\n\n".join(
        part
        for part in (
            f"Hồ sơ số {dossier.receipt_number} — {dossier.procedure.name_vi}",
            f"Lý do không hài lòng: {rating.reason}",
            rating.comment,
        )
        if part
    )
    data = feedback_services.FeedbackInput(
        category_id=category.id,
        title=f"Không hài lòng: {dossier.procedure.name_vi}"[:200],
        body=body,
        contact_name="Người dân đánh giá (ẩn danh)",
        channel=Channel.SATISFACTION,
    )
    return feedback_services.submit(ward, data, now=now)


def rating_for_feedback(feedback_id: int) -> SatisfactionRating | None:
    return db.session.execute(
        sa.select(SatisfactionRating).where(SatisfactionRating.feedback_id == feedback_id)
    ).scalar_one_or_none()
