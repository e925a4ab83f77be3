"""Command-line tools: `flask --app wsgi wards|users|demo ...`."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from portal import backup
from portal.auth import services as auth_services
from portal.auth.models import Role, User
from portal.domain import DomainError
from portal.extensions import db
from portal.feedback import categories as feedback_categories
from portal.feedback import submission as feedback_submission
from portal.feedback import workflow as feedback_workflow
from portal.satisfaction import catalogue as satisfaction_catalogue
from portal.satisfaction import dossiers as satisfaction_dossiers
from portal.satisfaction import ratings as satisfaction_ratings
from portal.transactions import unit_of_work
from portal.wards import services as ward_services

wards_cli = AppGroup("wards", help="Import and enable wards.")
users_cli = AppGroup("users", help="Create official accounts.")
demo_cli = AppGroup("demo", help="Demo data for trying the portal.")


def _fail(error: DomainError) -> None:
    raise click.ClickException(str(error.message)) from error


@wards_cli.command("import")
@click.option("--province", required=True, help="Province codename or code, e.g. ha_noi or 1.")
def import_wards(province: str) -> None:
    """Import a province's wards and communes from the vietnam-provinces package."""
    try:
        with unit_of_work():
            result = ward_services.import_province(province)
    except DomainError as error:
        _fail(error)
    click.echo(
        f"Wards: {result.created} created, {result.updated} updated, {result.unchanged} unchanged."
    )


@wards_cli.command("enable")
@click.argument("slugs", nargs=-1, required=True)
@click.option("--disable", is_flag=True, help="Stop serving these wards instead.")
def enable_wards(slugs: tuple[str, ...], disable: bool) -> None:
    """Serve (or stop serving) wards by slug, e.g. phuong-bo-de. A ward enabled gets its
    default feedback categories and procedure catalogue."""
    with unit_of_work():
        for slug in slugs:
            ward = ward_services.get_ward_by_slug(slug, enabled_only=False)
            if ward is None:
                raise click.ClickException(f"Unknown ward: {slug}")
            ward_services.set_enabled(ward, not disable)
    click.echo(f"{'Disabled' if disable else 'Enabled'}: {', '.join(slugs)}")


@wards_cli.command("provide-defaults")
def provide_defaults() -> None:
    """Give every served ward the feedback categories and procedure catalogue it would get
    when enabled today, where they are missing (for wards served before; idempotent)."""
    with unit_of_work():
        count = ward_services.provide_defaults_for_served_wards()
    click.echo(f"Defaults checked for {count} served ward(s).")


@users_cli.command("create")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role if r != Role.RESIDENT])
)
@click.option("--ward", "ward_slug", help="Ward slug (not for admin), e.g. phuong-bo-de.")
@click.option("--phone", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--email", default=None)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(role, ward_slug, phone, full_name, email, password) -> None:
    """Create a staff, chairman, supervisor or admin account."""
    ward_id = None
    if ward_slug:
        ward = ward_services.get_ward_by_slug(ward_slug, enabled_only=False)
        if ward is None:
            raise click.ClickException(f"Unknown ward: {ward_slug}")
        ward_id = ward.id
    try:
        with unit_of_work():
            user = auth_services.create_official(
                None,
                role=role,
                full_name=full_name,
                phone=phone,
                email=email,
                password=password,
                ward_id=ward_id,
            )
    except DomainError as error:
        _fail(error)
    click.echo(f"Created {user.role.value} #{user.id} {user.full_name} ({user.phone}).")


DEMO_WARDS = ("phuong-long-bien", "phuong-bo-de", "phuong-viet-hung", "phuong-phuc-loi")
DEMO_PASSWORD = "ward-portal-demo"  # noqa: S105 - printed for people trying the demo
DEMO_USERS = (
    # role, ward slug, phone, name, email
    (Role.ADMIN, None, "0901000001", "Quản trị Thành phố", "admin@example.vn"),
    (Role.CHAIRMAN, "phuong-bo-de", "0901000002", "Nguyễn Văn Chủ", "chutich.bode@example.vn"),
    (Role.STAFF, "phuong-bo-de", "0901000003", "Trần Thị Công", "congchuc.bode@example.vn"),
    (Role.SUPERVISOR, "phuong-bo-de", "0901000004", "Lê Văn Giám", "mttq.bode@example.vn"),
    (Role.STAFF, "phuong-viet-hung", "0901000005", "Phạm Thị Hưng", "congchuc.viethung@example.vn"),
)
DEMO_RESIDENT = ("phuong-bo-de", "0912345678", "Hoàng Thị Dân", "dan@example.vn")


@demo_cli.command("load")
def load_demo() -> None:
    """Load demo wards and accounts (only the first time; running it again changes nothing)."""
    with unit_of_work():
        ward_services.import_province("ha_noi")
        wards = {}
        for slug in DEMO_WARDS:
            ward = ward_services.get_ward_by_slug(slug, enabled_only=False)
            ward_services.set_enabled(ward, True)
            wards[slug] = ward
        db.session.flush()
        created = 0
        for role, slug, phone, name, email in DEMO_USERS:
            if _exists(phone):
                continue
            auth_services.create_official(
                None,
                role=role,
                full_name=name,
                phone=phone,
                email=email,
                password=DEMO_PASSWORD,
                ward_id=wards[slug].id if slug else None,
            )
            created += 1
        slug, phone, name, email = DEMO_RESIDENT
        if not _exists(phone):
            _demo_resident(name, phone, email, wards[slug].id)
            created += 1
        _demo_dialogues(wards["phuong-bo-de"])
        _demo_feedback(wards["phuong-bo-de"])
        _demo_satisfaction(wards.values(), wards["phuong-bo-de"])
        _demo_supervision(wards["phuong-bo-de"])
        _demo_ward_info(wards)
    click.echo(f"Demo data ready ({created} accounts created).")


def _demo_resident(name: str, phone: str, email: str, ward_id: int) -> None:
    """The demo resident, registered as on the web page, the number taken as proven (the
    demo has no phone to send the code to)."""
    from portal.auth import registration
    from portal.auth.services import holder_of
    from portal.db import utcnow

    number = registration.register_resident(
        registration.Registration(
            full_name=name,
            phone=phone,
            email=email,
            password=DEMO_PASSWORD,
            ward_id=ward_id,
            consent=True,
            locale="vi",
            policy_version="demo",
        )
    )
    holder_of(number).phone_verified_at = utcnow()


def _demo_dialogues(ward) -> None:
    """A published conference three weeks ahead and Tuesday-morning reception hours in Bồ Đề,
    made once (by the demo chairman, through the same services as the web pages)."""
    from datetime import time, timedelta

    from portal.db import utcnow
    from portal.dialogues import reception
    from portal.dialogues import services as dialogue_services
    from portal.dialogues.models import DialogueSession, ReceptionSchedule
    from portal.wards.names import fatherland_front

    chairman = db.session.execute(
        sa.select(User).where(User.role == Role.CHAIRMAN, User.ward_id == ward.id)
    ).scalar_one_or_none()
    if chairman is None:
        return
    has_conference = db.session.execute(
        sa.select(DialogueSession.id).where(DialogueSession.ward_id == ward.id)
    ).first()
    if not has_conference:
        start = (utcnow() + timedelta(days=21)).replace(hour=1, minute=0, second=0, microsecond=0)
        conference = dialogue_services.create_conference(
            chairman,
            dialogue_services.SessionInput(
                title="Hội nghị đối thoại về cải cách thủ tục hành chính",
                agenda="Kết quả giải quyết thủ tục tại Bộ phận Một cửa; trật tự đô thị; "
                "ý kiến, kiến nghị của người dân.",
                mode="hybrid",
                venue="Hội trường UBND phường Bồ Đề",
                online_url="https://example.vn/doi-thoai",
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                capacity=120,
                walk_in_seats=20,
                co_organiser=fatherland_front(ward.name),
            ),
        )
        dialogue_services.publish(chairman, conference)
    has_schedule = db.session.execute(
        sa.select(ReceptionSchedule.id).where(ReceptionSchedule.ward_id == ward.id)
    ).first()
    if not has_schedule:
        reception.save_schedule(
            chairman, 1, time(8, 0), time(11, 0), 30, "Phòng tiếp công dân, UBND phường Bồ Đề"
        )
        reception.generate_slots(ward.id, weeks=4)


def _demo_feedback(ward) -> None:
    """Three pieces of feedback from the demo resident in Bồ Đề: one new, one in progress,
    one answered and published (made once, through the services)."""
    from datetime import timedelta

    from portal.db import utcnow
    from portal.feedback.models import Feedback

    if db.session.execute(sa.select(Feedback.id).where(Feedback.ward_id == ward.id)).first():
        return
    resident = db.session.execute(
        sa.select(User).where(User.phone == auth_services.clean_phone(DEMO_RESIDENT[1]))
    ).scalar_one_or_none()
    staff = db.session.execute(
        sa.select(User).where(User.role == Role.STAFF, User.ward_id == ward.id)
    ).scalar_one_or_none()
    if resident is None or staff is None:
        return

    def send(code: str, title: str, body: str, days_ago: int, **extra):
        category = feedback_categories.category_by_code(ward.id, code)
        data = feedback_submission.FeedbackInput(
            category_id=category.id, title=title, body=body, **extra
        )
        now = utcnow() - timedelta(days=days_ago)
        return feedback_submission.submit(ward, data, user=resident, now=now)

    send(
        "environment",
        "Rác thải tồn đọng đầu ngõ 12",
        "Rác sinh hoạt để ở đầu ngõ 12 phố Bồ Đề đã ba ngày chưa được thu gom.",
        1,
        residential_group="Tổ dân phố 5",
        latitude=21.0452,
        longitude=105.8781,
    )
    lighting = send(
        "urban_order",
        "Đèn chiếu sáng ngõ 5 bị hỏng",
        "Hai cột đèn trong ngõ 5 tắt đã một tuần, buổi tối đi lại nguy hiểm.",
        6,
    )
    feedback_workflow.assign(staff, lighting, staff.id)
    answered = send(
        "procedures",
        "Thời gian chứng thực bản sao",
        "Xin hỏi chứng thực bản sao giấy tờ tại Bộ phận Một cửa của phường mất bao lâu?",
        9,
        publish_allowed=True,
    )
    feedback_workflow.reply(
        staff,
        answered,
        "Chứng thực bản sao được trả ngay trong ngày làm việc; hồ sơ nhận sau 15 giờ được "
        "trả vào ngày làm việc tiếp theo.",
        answer=True,
    )


def _demo_supervision(ward) -> None:
    """Two supervision recommendations of the Bồ Đề Fatherland Front: one waiting for the
    chairman's answer, one answered (made once, through the services)."""
    from datetime import timedelta

    from portal.db import utcnow
    from portal.satisfaction import catalogue
    from portal.security import SUPERVISORS, WARD_MANAGERS
    from portal.supervision import services as supervision
    from portal.supervision.models import SupervisionRecommendation

    exists = sa.select(SupervisionRecommendation.id).where(
        SupervisionRecommendation.ward_id == ward.id
    )
    if db.session.execute(exists).first():
        return
    people = {
        user.role: user
        for user in db.session.execute(
            sa.select(User).where(
                User.ward_id == ward.id, User.role.in_(SUPERVISORS | WARD_MANAGERS)
            )
        ).scalars()
    }
    supervisor, chairman = people.get(Role.SUPERVISOR), people.get(Role.CHAIRMAN)
    procedure = next((p for p in catalogue.procedures(ward.id) if p.code), None)
    if supervisor is None or chairman is None or procedure is None:
        return
    last_month = (utcnow() - timedelta(days=31)).strftime("%Y-%m")
    supervision.send(
        supervisor,
        supervision.RecommendationInput(
            "period",
            last_month,
            "Hồ sơ trả kết quả trễ hạn",
            "Đề nghị UBND phường làm rõ nguyên nhân các hồ sơ trả kết quả trễ hạn trong tháng "
            "và biện pháp khắc phục.",
        ),
        now=utcnow() - timedelta(days=3),
    )
    answered = supervision.send(
        supervisor,
        supervision.RecommendationInput(
            "procedure",
            procedure.code,
            "Niêm yết công khai thủ tục",
            "Đề nghị niêm yết công khai thành phần hồ sơ và lệ phí tại Bộ phận Một cửa.",
        ),
        now=utcnow() - timedelta(days=10),
    )
    supervision.answer(
        chairman,
        answered,
        "UBND phường đã chỉ đạo niêm yết bổ sung thành phần hồ sơ và lệ phí tại Bộ phận Một cửa.",
    )


DEMO_DELEGATION = "15/QĐ-UBND"  # the chairman's decision delegating certified copies
DEMO_DELEGATED_CODES = ("2.000815", "2.000884")  # certified copies and signatures


def _demo_delegation(ward):
    """The chairman's delegation of the certification procedures (certified copies,
    certified signatures) to the ward's justice–civil status officer, as in the pilot: from a
    year ago to the end of next year (made once, by the demo chairman, through the service).
    The delegation, or None without a chairman or an officer."""
    from datetime import date, timedelta

    from portal.satisfaction import delegations as satisfaction_delegations
    from portal.satisfaction.models import Delegation
    from portal.timeutil import local_today

    existing = db.session.execute(
        sa.select(Delegation).where(
            Delegation.ward_id == ward.id, Delegation.decision_number == DEMO_DELEGATION
        )
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    chairman = satisfaction_delegations.ward_chairman(ward.id)
    officers = satisfaction_delegations.delegable_officers(ward.id)
    if chairman is None or not officers:
        return None
    by_code = {p.code: p for p in satisfaction_catalogue.procedures(ward.id) if p.code}
    today = local_today()
    start = today - timedelta(days=365)
    return satisfaction_delegations.create_delegation(
        chairman,
        satisfaction_delegations.DelegationInput(
            decision_number=DEMO_DELEGATION,
            decision_date=start,
            officer_id=officers[0].id,
            procedure_ids=[by_code[code].id for code in DEMO_DELEGATED_CODES if code in by_code],
            valid_from=start,
            valid_to=date(today.year + 1, 12, 31),
        ),
    )


def _demo_satisfaction(all_wards, ward) -> None:
    """The procedure catalogue of every demo ward, and three dossiers at the Bồ Đề one-stop
    desk: one being processed, one returned with its rating link, one rated "satisfied"
    (made once, through the services)."""
    from datetime import timedelta

    from portal.db import utcnow
    from portal.satisfaction.models import Dossier

    for each in all_wards:
        satisfaction_catalogue.provide_defaults(each.id)
    delegation = _demo_delegation(ward)
    if db.session.execute(sa.select(Dossier.id).where(Dossier.ward_id == ward.id)).first():
        return
    staff = db.session.execute(
        sa.select(User).where(User.role == Role.STAFF, User.ward_id == ward.id)
    ).scalar_one_or_none()
    if staff is None:
        return
    by_code = {p.code: p for p in satisfaction_catalogue.procedures(ward.id) if p.code}
    now = utcnow()

    def register(number: str, code: str, days_ago: int):
        data = satisfaction_dossiers.DossierInput(
            procedure_id=by_code[code].id,
            receipt_number=number,
            received_at=now - timedelta(days=days_ago),
        )
        return satisfaction_dossiers.register_dossier(staff, ward.id, data, now=now)

    register("BD-DEMO-0003", "1.001612", 1)  # household business: being processed
    returned = register("BD-DEMO-0002", "1.000894", 2)  # marriage: returned, not yet rated
    satisfaction_dossiers.return_dossier(staff, returned, now=now - timedelta(days=1))
    rated = register("BD-DEMO-0001", "2.000815", 3)  # certified copy: returned and rated
    token = satisfaction_dossiers.return_dossier(
        staff,
        rated,
        now=now - timedelta(days=3),
        # signed by the justice–civil status officer on the chairman's behalf
        delegation_id=delegation.id if delegation is not None else None,
    )
    satisfaction_ratings.rate(
        token,
        satisfaction_ratings.RatingInput(
            level="satisfied", attitude="good", comment="Cán bộ hướng dẫn tận tình."
        ),
        now=now,
    )


# The demo wards' information pages. Invented for the demo: the street addresses and the
# hotlines are NOT the wards' real ones, the map places only roughly in each ward. A ward's
# chairman writes the real ones on the information page.
DEMO_WARD_INFO = {
    "phuong-bo-de": (
        "Số 2 phố Vũ Đức Thận, phường Bồ Đề, thành phố Hà Nội",
        "Bộ phận Một cửa, tầng 1, trụ sở UBND phường Bồ Đề",
        "024 3872 2224",
        21.0412,
        105.8753,
    ),
    "phuong-long-bien": (
        "Số 1 phố Vạn Hạnh, phường Long Biên, thành phố Hà Nội",
        "",
        "024 3827 1234",
        21.0283,
        105.8963,
    ),
    "phuong-viet-hung": (
        "Số 1 phố Vạn Hạnh, phường Việt Hưng, thành phố Hà Nội",
        "",
        "024 3655 1234",
        21.0589,
        105.9005,
    ),
    "phuong-phuc-loi": (
        "Số 1 phố Phúc Lợi, phường Phúc Lợi, thành phố Hà Nội",
        "",
        "024 3875 1234",
        21.0425,
        105.9280,
    ),
}
DEMO_OPENING_HOURS = (
    "Thứ Hai – Thứ Sáu: 08:00–12:00, 13:30–17:00\n"
    "Sáng thứ Bảy: 08:00–12:00 (tiếp nhận một số thủ tục hộ tịch, chứng thực)\n"
    "Không làm việc ngày lễ, Tết"
)


def _demo_ward_info(wards) -> None:
    """The information page of each demo ward (written once, by the ward's chairman where
    the demo has one, otherwise straight into the table), and the residents' pages of the
    default procedures."""
    from portal.wards import info as ward_info
    from portal.wards.models import WardInfo

    for slug, ward in wards.items():
        satisfaction_catalogue.provide_default_pages(ward.id)
        if ward_info.info_of(ward.id) is not None or slug not in DEMO_WARD_INFO:
            continue
        committee, desk, hotline, lat, lon = DEMO_WARD_INFO[slug]
        data = ward_info.WardInfoInput(committee, desk, hotline, DEMO_OPENING_HOURS, lat, lon)
        chairman = db.session.execute(
            sa.select(User).where(User.role == Role.CHAIRMAN, User.ward_id == ward.id)
        ).scalar_one_or_none()
        if chairman is not None:
            ward_info.save_info(chairman, ward, data)
        else:
            db.session.add(WardInfo(ward_id=ward.id, **vars(data)))
    db.session.flush()


@demo_cli.command("logins")
def demo_logins() -> None:
    """Print the demo accounts and their password."""
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, slug, phone, name, _email in (*DEMO_USERS, (Role.RESIDENT, *DEMO_RESIDENT)):
        click.echo(f"  {role.value:<10} {phone}  {name}" + (f"  ({slug})" if slug else ""))


def _exists(phone: str) -> bool:
    e164 = auth_services.clean_phone(phone)
    return db.session.execute(sa.select(User.id).where(User.phone == e164)).first() is not None


@click.command("backup")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@with_appcontext
def backup_database(path: Path | None) -> None:
    """Copy the SQLite database while the portal runs: one consistent snapshot, writers go on.
    PATH is the new file, or a folder for a time-stamped one (default: backups/ beside the
    database). PostgreSQL: use pg_dump."""
    try:
        result = backup.backup_sqlite(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except backup.BackupRefused as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backed up {result.source} to {result.path}: {result.size / 1e6:.1f} MB, "
        f"{result.tables} tables, integrity ok, in {result.seconds:.1f} s."
    )


@click.command("unavailable-page")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def write_unavailable_page(path: Path) -> None:
    """Write the page nginx shows when no app server answers (error_page 502 503 504), in
    Vietnamese and English. Run it again after an upgrade."""
    from portal.errors import unavailable_page

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(unavailable_page(current_app), encoding="utf-8")
    click.echo(f"Wrote {path}.")


def register_cli(app: Flask) -> None:
    from portal.dialogues.cli import dialogues_cli, reception_cli
    from portal.feedback.cli import deadlines_cli, feedback_cli
    from portal.notifications.cli import outbox_cli
    from portal.privacy.cli import retention_cli
    from portal.satisfaction.cli import satisfaction_cli

    groups = (wards_cli, users_cli, demo_cli, outbox_cli, reception_cli, dialogues_cli)
    for group in (*groups, feedback_cli, deadlines_cli, satisfaction_cli, retention_cli):
        app.cli.add_command(group)
    app.cli.add_command(backup_database)
    app.cli.add_command(write_unavailable_page)
