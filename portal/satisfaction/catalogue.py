"""Each ward's catalogue of administrative procedures, with national codes and legal time
limits: the defaults a ward gets when it is enabled, and the city administrator's changes
and CSV imports."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.domain import DomainError, PermissionDenied, Problems
from portal.extensions import db
from portal.satisfaction.csvimport import ImportReport, messages_of, rows, whole_number
from portal.satisfaction.models import Procedure
from portal.security import CITY_ADMINS
from portal.text import clean, fold

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


def _check_admin(actor: User) -> None:
    if actor.role not in CITY_ADMINS:
        raise PermissionDenied(_l("Only the city administrator may edit the procedure catalogue."))


def search_text_of(name_vi: str, name_en: str, code: str) -> str:
    """What the dossier search finds a procedure by: its names and code, folded."""
    return fold(name_vi, name_en, code)


def provide_defaults(ward_id: int) -> int:
    """Give a ward the catalogue of ward-level procedures when it has none (idempotent)."""
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
                search_text=search_text_of(vi, en, code),
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


def _procedure_problems(data: ProcedureInput) -> Problems:
    problems = Problems()
    data.code, data.name_vi, data.name_en = (
        clean(data.code),
        clean(data.name_vi),
        clean(data.name_en),
    )
    data.field_vi, data.field_en = clean(data.field_vi), clean(data.field_en)
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
            procedure.search_text = search_text_of(data.name_vi, data.name_en, data.code)
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise DomainError(
            _l("The catalogue already has a procedure with this name."), "name_vi"
        ) from exc
    return procedure


def import_procedures_csv(actor: User, ward_id: int, text: str) -> ImportReport:
    """Add or update procedures from CSV columns code, name_vi, name_en, field_vi, field_en,
    time_limit_days (by Vietnamese name). Good rows are kept, bad ones reported by line."""
    _check_admin(actor)
    report = ImportReport()
    existing = {p.name_vi: p for p in procedures(ward_id, active_only=False)}
    for line, row in rows(text, {"name_vi", "time_limit_days"}):
        data = ProcedureInput(
            code=row.get("code", ""),
            name_vi=row.get("name_vi", ""),
            name_en=row.get("name_en", ""),
            field_vi=row.get("field_vi", ""),
            field_en=row.get("field_en", ""),
            time_limit_days=whole_number(row.get("time_limit_days", "")),
        )
        try:
            current = existing.get(clean(data.name_vi))
            saved = save_procedure(actor, ward_id, data, current)
        except DomainError as error:
            report.errors.append((line, messages_of(error)))
            continue
        existing[saved.name_vi] = saved
        if current is None:
            report.created += 1
        else:
            report.updated += 1
    return report


def on_ward_enabled(ward) -> None:
    """A ward starts to be served: it gets the catalogue of ward-level procedures."""
    provide_defaults(ward.id)
