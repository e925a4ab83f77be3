"""Each ward's catalogue of administrative procedures, with national codes and legal time
limits: the defaults a ward gets when it is enabled, and the city administrator's changes
and CSV imports."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.domain import DomainError, PermissionDenied, Problems
from portal.extensions import db
from portal.satisfaction.csvimport import ImportReport, messages_of, rows, whole_number
from portal.satisfaction.models import Procedure
from portal.security import CITY_ADMINS
from portal.text import clean

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


# What the public page of some of them tells residents, as the law gives it (check against
# the current decisions before relying on it; the ward edits it):
# fees of certification: Circular 226/2016/TT-BTC; exemptions of civil-status fees: Law on
# Civil Status 2014, Art. 11; time limits: Decree 23/2015/ND-CP Art. 21 (certification, the
# same day, the next working day when received after 15:00) and the Law on Civil Status
# 2014, Art. 16 and 18 (birth and marriage registration).
_AT_DESK = (
    "Nộp trực tiếp tại Bộ phận Một cửa UBND phường, hoặc nộp trực tuyến trên Cổng Dịch vụ "
    "công quốc gia (dichvucong.gov.vn)."
)
DEFAULT_PAGES = {
    "Chứng thực bản sao từ bản chính giấy tờ, văn bản": (
        "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao\n"
        "Bản sao cần chứng thực (nếu người yêu cầu tự chụp sẵn)",
        "2.000 đồng/trang; từ trang thứ ba trở lên 1.000 đồng/trang, tối đa 200.000 đồng/bản",
        "Nộp trực tiếp tại Bộ phận Một cửa UBND phường. Trả kết quả trong ngày; hồ sơ tiếp "
        "nhận sau 15:00 được trả trong ngày làm việc tiếp theo.",
    ),
    "Chứng thực chữ ký trong các giấy tờ, văn bản": (
        "Căn cước (hoặc hộ chiếu) còn giá trị sử dụng của người yêu cầu chứng thực\n"
        "Giấy tờ, văn bản cần chứng thực chữ ký (người yêu cầu ký trước mặt người thực hiện "
        "chứng thực)",
        "10.000 đồng/trường hợp",
        "Người yêu cầu trực tiếp đến Bộ phận Một cửa UBND phường và ký trước mặt công chức. "
        "Trả kết quả trong ngày; hồ sơ tiếp nhận sau 15:00 được trả trong ngày làm việc tiếp theo.",
    ),
    "Chứng thực chữ ký người dịch": (
        "Căn cước (hoặc hộ chiếu) còn giá trị sử dụng của người dịch\n"
        "Bản dịch đính kèm giấy tờ, văn bản cần dịch",
        "10.000 đồng/trường hợp",
        "Người dịch trực tiếp đến Bộ phận Một cửa UBND phường.",
    ),
    "Đăng ký khai sinh": (
        "Tờ khai đăng ký khai sinh (theo mẫu, có tại Bộ phận Một cửa)\n"
        "Giấy chứng sinh; nếu không có: văn bản xác nhận của người làm chứng hoặc giấy cam "
        "đoan về việc sinh\n"
        "Căn cước (hoặc hộ chiếu) của người đi đăng ký",
        "Miễn lệ phí khi đăng ký đúng hạn (trong 60 ngày kể từ ngày sinh)",
        _AT_DESK + " Giải quyết ngay trong ngày khi nhận đủ giấy tờ.",
    ),
    "Đăng ký kết hôn": (
        "Tờ khai đăng ký kết hôn (theo mẫu)\n"
        "Căn cước (hoặc hộ chiếu) của hai bên nam, nữ\n"
        "Giấy xác nhận tình trạng hôn nhân, nếu một bên không cư trú tại phường",
        "Miễn lệ phí (công dân Việt Nam cư trú trong nước)",
        "Hai bên nam, nữ cùng có mặt tại Bộ phận Một cửa UBND phường. Giải quyết ngay trong "
        "ngày; nếu cần xác minh, không quá 05 ngày làm việc.",
    ),
    "Đăng ký khai tử": (
        "Tờ khai đăng ký khai tử (theo mẫu)\n"
        "Giấy báo tử hoặc giấy tờ thay giấy báo tử\n"
        "Căn cước (hoặc hộ chiếu) của người đi đăng ký",
        "Miễn lệ phí khi đăng ký đúng hạn (trong 15 ngày kể từ ngày chết)",
        _AT_DESK,
    ),
    "Cấp Giấy xác nhận tình trạng hôn nhân": (
        "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân (theo mẫu)\n"
        "Căn cước (hoặc hộ chiếu) của người yêu cầu\n"
        "Nếu đã từng kết hôn: giấy tờ chứng minh việc ly hôn hoặc người kia đã chết",
        "Theo mức do Hội đồng nhân dân thành phố quy định (hỏi tại Bộ phận Một cửa)",
        _AT_DESK,
    ),
}


def _check_admin(actor: User) -> None:
    if actor.role not in CITY_ADMINS:
        raise PermissionDenied(_l("Only the city administrator may edit the procedure catalogue."))


def provide_defaults(ward_id: int) -> int:
    """Give a ward the catalogue of ward-level procedures when it has none (idempotent)."""
    exists = db.session.execute(
        sa.select(Procedure.id).where(Procedure.ward_id == ward_id).limit(1)
    ).first()
    if exists:
        return 0
    for code, vi, en, field_vi, field_en, days in DEFAULT_PROCEDURES:
        papers, fee, how_to_submit = DEFAULT_PAGES.get(vi, ("", "", ""))
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
                papers=papers,
                fee=fee,
                how_to_submit=how_to_submit,
            )
        )
    db.session.flush()
    return len(DEFAULT_PROCEDURES)


def provide_default_pages(ward_id: int) -> int:
    """Fill the resident's page of the default procedures where the ward has written
    nothing yet (for catalogues made before the pages existed; idempotent)."""
    filled = 0
    for procedure in procedures(ward_id, active_only=False):
        page = DEFAULT_PAGES.get(procedure.name_vi)
        if page is None or any((procedure.papers, procedure.fee, procedure.how_to_submit)):
            continue
        procedure.papers, procedure.fee, procedure.how_to_submit = page
        filled += 1
    db.session.flush()
    return filled


def procedures(ward_id: int, *, active_only: bool = True) -> list[Procedure]:
    query = sa.select(Procedure).where(Procedure.ward_id == ward_id)
    if active_only:
        query = query.where(Procedure.active.is_(True))
    return list(db.session.execute(query.order_by(Procedure.field_vi, Procedure.name_vi)).scalars())


def _folded(text: str) -> str:
    """Lower case without diacritics ("Chứng thực" -> "chung thuc"): residents often type
    without them on a phone."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def search(ward_id: int, q: str) -> list[Procedure]:
    """The ward's procedures offered to residents whose name, field or code contains every
    word of `q`, with or without diacritics (a ward's catalogue is a few dozen rows)."""
    words = _folded(q).split()
    found = []
    for procedure in procedures(ward_id):
        text = _folded(
            " ".join((procedure.name_vi, procedure.name_en, procedure.field_vi, procedure.code))
        )
        if all(word in text for word in words):
            found.append(procedure)
    return found


def public_procedure(ward_id: int, procedure_id: int) -> Procedure | None:
    """A procedure of this ward offered to residents, or None."""
    procedure = db.session.get(Procedure, procedure_id)
    if procedure is None or procedure.ward_id != ward_id or not procedure.active:
        return None
    return procedure


PAPERS_MAX = 4000
FEE_MAX = 300
HOW_TO_SUBMIT_MAX = 2000
# The columns of the resident's page, added later: a CSV without them still imports, and
# leaves what a procedure already says there unchanged.
PAGE_COLUMNS = ("papers", "fee", "how_to_submit")


@dataclass
class ProcedureInput:
    code: str
    name_vi: str
    name_en: str = ""
    field_vi: str = ""
    field_en: str = ""
    time_limit_days: int | None = 0
    active: bool = True
    # None = leave as it is (a CSV without the column)
    papers: str | None = ""
    fee: str | None = ""
    how_to_submit: str | None = ""


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
    for name, limit in (
        ("papers", PAPERS_MAX),
        ("fee", FEE_MAX),
        ("how_to_submit", HOW_TO_SUBMIT_MAX),
    ):
        value = getattr(data, name)
        if value is None:
            continue
        value = clean(value).replace("\r\n", "\n")
        setattr(data, name, value)
        if len(value) > limit:
            problems.add(name, _l("At most %(max)d characters.", max=limit))
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
            for name in PAGE_COLUMNS:
                if getattr(data, name) is not None:
                    setattr(procedure, name, getattr(data, name))
            procedure.active = data.active
            db.session.flush()
    except sa.exc.IntegrityError as exc:
        raise DomainError(
            _l("The catalogue already has a procedure with this name."), "name_vi"
        ) from exc
    return procedure


def import_procedures_csv(actor: User, ward_id: int, text: str) -> ImportReport:
    """Add or update procedures from CSV columns code, name_vi, name_en, field_vi, field_en,
    time_limit_days (by Vietnamese name), and optionally papers, fee, how_to_submit (a file
    without them leaves those as they are). Good rows are kept, bad ones reported by line."""
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
            **{name: row.get(name) for name in PAGE_COLUMNS},
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
