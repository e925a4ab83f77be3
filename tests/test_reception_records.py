"""The reception record (sổ tiếp công dân): entries by the ward's officers, a follow-up that
opens a feedback case (not for complaints and denunciations), who may read, masked phones,
the printable pages and the register read back from CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as, make_conference, post_form, text_of
from openpyxl import load_workbook

from portal.audit.models import AuditEntry
from portal.db import utcnow
from portal.dialogues import reception, records, services
from portal.dialogues.models import MatterKind, ReceptionRecord, SessionKind
from portal.domain import DomainError, PermissionDenied
from portal.extensions import db
from portal.feedback import categories
from portal.feedback.models import Channel, Feedback, FeedbackStatus
from portal.workdays import add_working_days

EN = {"Accept-Language": "en"}
# Tuesday 1 December 2026, 09:00 in Hà Nội.
RECEIVED = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def entry(world: World, **overrides) -> records.RecordInput:
    values = {
        "received_at": RECEIVED,
        "visitor_name": "Ông Nguyễn Văn Đến",
        "visitor_phone": "0987 654 321",
        "visitor_address": "Số 5 ngõ 12, phường Bồ Đề",
        "kind": "petition",
        "matter": "Đề nghị lắp đèn chiếu sáng ngõ 12\nNgõ tối, nhiều người ngã.",
        "documents": "Đơn kiến nghị có chữ ký 20 hộ",
        "conclusion": "Giao cán bộ địa chính khảo sát, trả lời trong 5 ngày làm việc.",
        **overrides,
    }
    return records.RecordInput(**values)


def category_id(world: World) -> int:
    categories.provide_defaults(world.ward.id)
    return categories.category_by_code(world.ward.id, "environment").id


def test_a_follow_up_opens_a_feedback_case_due_in_working_days(world: World):
    record = records.record_reception(
        world.staff,
        entry(
            world,
            follow_up_officer_id=world.chairman.id,
            follow_up_days=5,
            category_id=category_id(world),
        ),
        now=RECEIVED + timedelta(hours=1),
    )
    db.session.commit()
    assert record.follow_up_due == add_working_days(date(2026, 12, 1), 5) == date(2026, 12, 8)
    item = db.session.get(Feedback, record.feedback_id)
    assert item.channel == Channel.WALK_IN and item.entered_by_id == world.staff.id
    assert item.contact_name == "Ông Nguyễn Văn Đến" and item.contact_phone == "+84987654321"
    assert item.title == "Đề nghị lắp đèn chiếu sáng ngõ 12"
    assert item.due_on == date(2026, 12, 8)  # the chairman's deadline, not the category's
    assert item.assignee_id == world.chairman.id and item.status == FeedbackStatus.IN_PROGRESS


@pytest.mark.parametrize("kind", ["complaint", "denunciation"])
def test_complaints_and_denunciations_are_recorded_never_turned_into_feedback(world, kind):
    record = records.record_reception(
        world.staff,
        entry(world, kind=kind, follow_up_officer_id=world.staff.id, follow_up_days=10),
        now=RECEIVED,
    )
    assert record.kind == MatterKind(kind) and record.kind.own_procedure
    assert record.feedback_id is None and record.follow_up_due is not None
    assert db.session.execute(sa.select(sa.func.count(Feedback.id))).scalar_one() == 0


def test_every_problem_at_once_and_nothing_saved(world: World):
    with pytest.raises(DomainError) as error:
        records.record_reception(
            world.staff,
            entry(
                world,
                visitor_name="",
                visitor_phone="12",
                kind="gossip",
                matter="",
                received_at=utcnow() + timedelta(days=1),
                follow_up_days=200,
            ),
        )
    assert set(error.value.errors) >= {
        "visitor_name",
        "visitor_phone",
        "kind",
        "matter",
        "received_at",
        "follow_up_days",
    }
    # A follow-up on feedback needs the feedback's category; the problem is on the record's
    # field, and no entry is left behind.
    with pytest.raises(DomainError) as error:
        records.record_reception(
            world.staff,
            entry(world, follow_up_officer_id=world.staff.id, follow_up_days=3),
            now=RECEIVED,
        )
    assert "category_id" in error.value.errors
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count(ReceptionRecord.id))).scalar_one() == 0
    # Another ward's officer cannot be given the follow-up.
    with pytest.raises(DomainError) as error:
        records.record_reception(
            world.staff,
            entry(world, follow_up_officer_id=world.staff_other.id, follow_up_days=3),
            now=RECEIVED,
        )
    assert "follow_up_officer_id" in error.value.errors


def test_who_may_record_and_read(world: World):
    for outsider in (world.supervisor, world.resident, world.admin):
        with pytest.raises(PermissionDenied):
            records.record_reception(outsider, entry(world), now=RECEIVED)
    records.record_reception(world.chairman, entry(world), now=RECEIVED)
    day = date(2026, 12, 1)
    assert len(records.records_between(world.supervisor, world.ward.id, day, day)) == 1
    with pytest.raises(PermissionDenied):
        records.records_between(world.staff_other, world.ward.id, day, day)
    with pytest.raises(PermissionDenied):
        records.records_between(world.resident, world.ward.id, day, day)


def test_a_booked_resident_is_recorded_from_their_booking(client, world: World):
    slot = make_conference(
        world.ward,
        kind=SessionKind.RECEPTION,
        capacity=1,
        starts_in=timedelta(days=2),
        title=reception.SLOT_TITLE,
    )
    booking = services.book(slot, user=world.resident, question="Cấp phép xây dựng nhà số 7")
    slot.starts_at = utcnow() - timedelta(hours=2)
    slot.ends_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    login_as(client, world.staff)
    page = client.get("/staff/reception/records/", headers=EN)
    assert "Hoàng Thị Dân" in text_of(page)  # still to record
    form = client.get(f"/staff/reception/records/new?booking={booking.id}", headers=EN)
    assert "Cấp phép xây dựng nhà số 7" in text_of(form)
    response = post_form(
        client,
        "/staff/reception/records/new",
        {
            "booking_id": str(booking.id),
            "received_at": (datetime.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "visitor_name": "Hoàng Thị Dân",
            "visitor_phone": "0912345678",
            "kind": "feedback",
            "matter": "Cấp phép xây dựng nhà số 7",
            "conclusion": "Hướng dẫn nộp hồ sơ tại Bộ phận Một cửa.",
            "follow_up_officer_id": "",
            "category_id": "",
        },
        headers=EN,
    )
    assert response.status_code == 302, text_of(response)
    record = db.session.execute(sa.select(ReceptionRecord)).scalar_one()
    assert (record.booking_id, record.user_id, record.slot_id) == (
        booking.id,
        world.resident.id,
        slot.id,
    )
    audit = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "reception_records.create")
    ).scalar_one()
    assert audit.target_id == record.id and audit.detail["kind"] == "feedback"
    page = client.get("/staff/reception/records/", headers=EN)
    assert "Booked residents still to record" not in text_of(page)


def test_the_printable_pages_mask_the_phone_for_the_supervisor(client, world: World):
    record = records.record_reception(
        world.staff, entry(world, kind="complaint"), now=RECEIVED + timedelta(hours=1)
    )
    db.session.commit()
    login_as(client, world.staff)
    page = text_of(client.get(f"/staff/reception/records/{record.id}", headers=EN))
    assert "0987 654 321" in page and "Law on Complaints 2011" in page
    assert "style=" not in page
    day = text_of(client.get("/staff/reception/records/day/2026-12-01", headers=EN))
    assert "Ông Nguyễn Văn Đến" in day
    login_as(client, world.supervisor)
    page = text_of(client.get(f"/staff/reception/records/{record.id}", headers=EN))
    assert "0987 654 321" not in page and "098••••321" in page
    assert client.get("/staff/reception/records/day/2026-13-01").status_code == 404
    opened = db.session.execute(
        sa.select(AuditEntry.action).where(AuditEntry.actor_id == world.supervisor.id)
    ).scalars()
    assert "reception_records.detail" in list(opened)


def _register(client, fmt: str):
    return client.get(
        f"/staff/reception/records/register.{fmt}?start=2026-12-01&end=2026-12-31", headers=EN
    )


def test_the_register_read_back_from_csv_and_xlsx(client, world: World):
    records.record_reception(
        world.staff,
        entry(
            world,
            matter="=HYPERLINK('x')",
            follow_up_officer_id=world.chairman.id,
            follow_up_days=5,
            category_id=category_id(world),
        ),
        now=RECEIVED + timedelta(hours=1),
    )
    records.record_reception(
        world.staff,
        entry(world, visitor_name="Bà Trần Thị Hai", kind="denunciation", visitor_phone=""),
        now=RECEIVED + timedelta(hours=1),
    )
    db.session.commit()
    login_as(client, world.staff)
    response = _register(client, "csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, first, second = rows
    assert header[:4] == ["No.", "Received at", "Full name", "Phone"]
    assert first[:4] == ["1", "2026-12-01 09:00", "Ông Nguyễn Văn Đến", "0987 654 321"]
    assert first[header.index("Matter raised")] == "'=HYPERLINK('x')"
    assert first[header.index("Deadline")] == "2026-12-08"
    assert first[header.index("Follow-up officer")] == "Nguyễn Văn Chủ"
    assert first[header.index("Feedback case")]
    assert second[header.index("Kind of matter")] == "Denunciation (tố cáo)"
    assert second[header.index("Feedback case")] == ""

    login_as(client, world.supervisor)
    response = _register(client, "xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["No.", "Received at", "Full name"]
    assert values[1][0] == 1 and values[1][1] == datetime(2026, 12, 1, 9, 0)
    assert values[1][3] == "098••••321"  # the supervisor reads, does not call back
    assert values[2][2] == "Bà Trần Thị Hai"
    assert len(values) == 3
    downloads = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "reception_records.register")
    ).scalars()
    assert [(e.actor_id, e.detail["format"]) for e in downloads] == [
        (world.staff.id, "csv"),
        (world.supervisor.id, "xlsx"),
    ]
    assert client.get("/staff/reception/records/register.pdf").status_code == 404
    assert _register(client, "csv").status_code == 200
    bad = client.get("/staff/reception/records/register.csv?start=2026-12-31&end=2026-12-01")
    assert bad.status_code == 400
