"""Feedback rules: submission, working-day deadlines (frozen clock), the workflow, the
resident's verdict, the inbox queries, redaction for the public page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import make_feedback, make_user

from portal.auth.models import Role
from portal.domain import DomainError, PermissionDenied, StateConflict
from portal.extensions import db
from portal.feedback import (
    categories,
    deadlines,
    queries,
    redaction,
    submission,
    verdicts,
    workflow,
)
from portal.feedback.models import (
    Channel,
    EventKind,
    Feedback,
    FeedbackAttachment,
    FeedbackEvent,
    FeedbackStatus,
)
from portal.feedback.uploads import Upload
from portal.notifications.models import OutboxMessage
from portal.wards import services as ward_services

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64


def hanoi(y, m, d, hour=10, minute=0) -> datetime:
    """A Hà Nội wall-clock time as aware UTC (UTC+7, no daylight saving)."""
    return datetime(y, m, d, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def category(world, code="environment"):
    categories.provide_defaults(world.ward.id)
    return categories.category_by_code(world.ward.id, code)


def data(world, **overrides) -> submission.FeedbackInput:
    fields = {
        "category_id": category(world).id,
        "title": "Đèn đường hỏng",
        "body": "Đèn đường ngõ 5 Bồ Đề tắt đã một tuần.",
    }
    fields.update(overrides)
    return submission.FeedbackInput(**fields)


def events_of(item) -> list[EventKind]:
    query = sa.select(FeedbackEvent.kind).where(FeedbackEvent.feedback_id == item.id)
    return list(db.session.execute(query.order_by(FeedbackEvent.id)).scalars())


# ---------------------------------------------------------------- categories


def test_default_categories_are_made_once_when_a_ward_is_enabled(world):
    assert categories.ward_categories(world.unserved_ward.id) == []
    ward_services.set_enabled(world.unserved_ward, True)
    ward_services.set_enabled(world.unserved_ward, True)  # enabling again adds nothing
    categories.provide_defaults(world.unserved_ward.id)
    codes = [c.code for c in categories.ward_categories(world.unserved_ward.id)]
    assert codes == ["procedures", "chairman", "urban_order", "environment", "other"]
    assert all(c.deadline_days == 10 for c in categories.ward_categories(world.unserved_ward.id))
    assert len(categories.ward_categories(world.ward.id)) == 5


def test_chairman_sets_a_category_deadline(world, english):
    cat = category(world, "urban_order")
    data_in = categories.CategoryInput(code="urban_order", name_vi="Trật tự", name_en="Order")
    data_in.deadline_days = 5
    categories.save_category(world.chairman, world.ward.id, data_in, cat)
    assert cat.deadline_days == 5
    with pytest.raises(PermissionDenied):
        categories.save_category(world.staff, world.ward.id, data_in, cat)
    with pytest.raises(PermissionDenied):
        categories.save_category(world.chairman, world.other_ward.id, data_in)
    bad = categories.CategoryInput(code="Bad Code!", name_vi="", name_en="", deadline_days=0)
    with pytest.raises(DomainError) as caught:
        categories.save_category(world.chairman, world.ward.id, bad)
    assert set(caught.value.errors) == {"code", "name_vi", "deadline_days"}
    dup = categories.CategoryInput(code="environment", name_vi="Môi trường 2", name_en="")
    with pytest.raises(DomainError, match="already has a category"):
        categories.save_category(world.chairman, world.ward.id, dup)
    complaint = categories.CategoryInput(code="complaint", name_vi="Khiếu nại", name_en="")
    with pytest.raises(DomainError):
        categories.save_category(world.chairman, world.ward.id, complaint)


# ---------------------------------------------------------------- submitting


def test_resident_submits_and_is_told_the_code_and_deadline(world):
    now = hanoi(2026, 12, 7)  # a Monday
    item = submission.submit(world.ward, data(world), user=world.resident, now=now)
    db.session.commit()
    assert len(item.code) == 8
    assert item.status == FeedbackStatus.RECEIVED
    assert item.channel == Channel.WEB
    assert item.due_on == date(2026, 12, 21)  # ten working days later
    assert events_of(item) == [EventKind.SUBMITTED]
    message = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    assert message.kind == "feedback_received"
    assert message.address == "dan@example.vn"
    assert item.code[:4] in message.body and "21" in message.body


def test_deadline_crossing_tet_with_a_frozen_clock(world):
    # Received on Monday 1 February 2027; Tết closes offices from 4 to 10 February.
    item = submission.submit(world.ward, data(world), user=world.resident, now=hanoi(2027, 2, 1))
    assert item.due_on == date(2027, 2, 22)
    assert deadlines.due_state(item, date(2027, 2, 12)) is None
    assert deadlines.due_state(item, date(2027, 2, 18)) == "due_soon"
    assert deadlines.due_state(item, date(2027, 2, 22)) == "due_soon"
    assert deadlines.due_state(item, date(2027, 2, 23)) == "overdue"


def test_receipt_date_is_the_hanoi_date(world):
    # 18:00 UTC on Sunday 31 January is 01:00 on Monday 1 February in Hà Nội.
    now = datetime(2027, 1, 31, 18, 0, tzinfo=UTC)
    item = submission.submit(world.ward, data(world), user=world.resident, now=now)
    assert item.due_on == date(2027, 2, 22)


def test_category_deadline_is_used(world):
    cat = category(world, "urban_order")
    cat.deadline_days = 3
    item = submission.submit(
        world.ward, data(world, category_id=cat.id), user=world.resident, now=hanoi(2026, 12, 7)
    )
    assert item.due_on == date(2026, 12, 10)


def test_every_problem_is_reported_at_once_and_nothing_is_saved(world, english):
    bad = data(
        world,
        category_id=category(world).id + 999,
        title="  ",
        body="x" * 5001,
        latitude=91.0,
        longitude=None,
        attachments=[Upload("anh.jpg", PDF)],
    )
    with pytest.raises(DomainError) as caught:
        submission.submit(world.ward, bad, user=world.resident)
    assert set(caught.value.errors) == {"category_id", "title", "body", "latitude", "attachments"}
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count(Feedback.id))).scalar_one() == 0
    assert db.session.execute(sa.select(sa.func.count(OutboxMessage.id))).scalar_one() == 0


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(91.0, 105.8), (21.0, 181.0), (float("nan"), 105.8), (float("inf"), 105.8), (21.0, None)],
)
def test_invalid_coordinates_are_refused(world, english, lat, lon):
    with pytest.raises(DomainError, match="latitude"):
        submission.submit(world.ward, data(world, latitude=lat, longitude=lon), user=world.resident)


def test_position_and_files_are_kept(world):
    item = submission.submit(
        world.ward,
        data(
            world,
            latitude=21.0452,
            longitude=105.8781,
            attachments=[Upload("ảnh đèn.png", PNG), Upload("../../biên bản.pdf", PDF)],
        ),
        user=world.resident,
    )
    files = queries.attachments_of(item)
    assert [(f.filename, f.content_type) for f in files] == [
        ("ảnh đèn.png", "image/png"),
        ("biên bản.pdf", "application/pdf"),
    ]
    assert (item.latitude, item.longitude) == (21.0452, 105.8781)


def test_another_wards_category_is_unknown(world, english):
    categories.provide_defaults(world.other_ward.id)
    foreign = categories.category_by_code(world.other_ward.id, "environment")
    with pytest.raises(DomainError, match="listed categories"):
        submission.submit(world.ward, data(world, category_id=foreign.id), user=world.resident)


def test_inactive_category_is_refused(world, english):
    cat = category(world)
    cat.active = False
    with pytest.raises(DomainError, match="listed categories"):
        submission.submit(world.ward, data(world), user=world.resident)


def test_unserved_ward_and_officials_cannot_submit_as_residents(world, english):
    with pytest.raises(DomainError, match="does not use the portal"):
        submission.submit(world.unserved_ward, data(world), user=world.resident)
    with pytest.raises(PermissionDenied):
        submission.submit(world.ward, data(world), user=world.staff)


def test_staff_enter_feedback_for_a_caller(world, english):
    entry = data(
        world,
        contact_name="Bà Lê Thị Gọi",
        contact_phone="0987 654 321",
        channel=Channel.PHONE,
    )
    item = submission.submit(world.ward, entry, actor=world.staff)
    assert item.user_id is None and item.entered_by_id == world.staff.id
    assert item.contact_phone == "+84987654321"
    assert item.channel == Channel.PHONE
    message = db.session.execute(sa.select(OutboxMessage)).scalar_one()
    assert message.channel.value == "sms" and message.address == "+84987654321"
    with pytest.raises(DomainError) as caught:
        submission.submit(world.ward, data(world, contact_phone="12"), actor=world.staff)
    assert set(caught.value.errors) == {"contact_name", "contact_phone"}
    with pytest.raises(PermissionDenied):
        submission.submit(world.ward, entry, actor=world.staff_other)


# ---------------------------------------------------------------- the workflow


def test_assign_moves_a_new_item_into_progress(world, english):
    item = make_feedback(world.ward, world.resident)
    workflow.assign(world.staff, item, world.chairman.id)
    assert item.assignee_id == world.chairman.id
    assert item.status == FeedbackStatus.IN_PROGRESS
    assert events_of(item)[-2:] == [EventKind.ASSIGNED, EventKind.STATUS]
    with pytest.raises(DomainError, match="officer of this ward"):
        workflow.assign(world.staff, item, world.staff_other.id)
    with pytest.raises(DomainError, match="officer of this ward"):
        workflow.assign(world.staff, item, world.resident.id)
    with pytest.raises(PermissionDenied):
        workflow.assign(world.staff_other, item, world.staff_other.id)
    with pytest.raises(PermissionDenied):
        workflow.assign(world.supervisor, item, None)


def test_internal_notes_never_reach_the_resident(world):
    item = make_feedback(world.ward, world.resident)
    workflow.add_note(world.staff, item, "Gọi tổ trưởng tổ 5 kiểm tra.")
    public = [e.kind for e in queries.timeline(item, internal=False)]
    internal = [e.kind for e in queries.timeline(item, internal=True)]
    assert EventKind.NOTE not in public and EventKind.NOTE in internal
    outbox = db.session.execute(sa.select(OutboxMessage.body)).scalars().all()
    assert not any("tổ trưởng" in body for body in outbox)


def test_answer_notifies_and_records_who_and_when(world):
    item = make_feedback(world.ward, world.resident)
    now = hanoi(2026, 12, 8)
    workflow.reply(
        world.staff,
        item,
        "Đã cử tổ môi trường thu gom.",
        answer=True,
        attachments=[Upload("anh.png", PNG)],
        now=now,
    )
    assert item.status == FeedbackStatus.ANSWERED and item.answered_at == now
    event = queries.timeline(item, internal=False)[-1]
    assert (event.kind, event.actor_id, event.created_at) == (EventKind.REPLY, world.staff.id, now)
    assert event.old_status == FeedbackStatus.RECEIVED and event.new_status == item.status
    assert [a.filename for a in event.attachments] == ["anh.png"]
    kinds = db.session.execute(sa.select(OutboxMessage.kind)).scalars().all()
    assert kinds == ["feedback_received", "feedback_answered"]


def test_a_plain_reply_keeps_the_item_open(world):
    item = make_feedback(world.ward, world.resident)
    workflow.reply(world.staff, item, "Đã tiếp nhận, sẽ kiểm tra.", answer=False)
    assert item.status == FeedbackStatus.IN_PROGRESS and item.answered_at is None


def test_waiting_pauses_the_deadline(world):
    item = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 7))
    assert item.due_on == date(2026, 12, 21)
    workflow.request_info(world.staff, item, "Xin cho biết số nhà.", now=hanoi(2026, 12, 9))
    assert item.status == FeedbackStatus.WAITING
    assert deadlines.due_state(item, date(2026, 12, 30)) is None  # the clock is paused
    verdicts.add_information(world.resident, item, "Số nhà 12.", now=hanoi(2026, 12, 15))
    assert item.status == FeedbackStatus.IN_PROGRESS
    assert item.due_on == date(2026, 12, 25)  # four working days paused
    assert item.paused_at is None


def test_staff_resume_also_moves_the_deadline(world, english):
    item = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 7))
    workflow.request_info(world.staff, item, "Cần ảnh chụp.", now=hanoi(2026, 12, 9))
    workflow.resume(world.staff, item, now=hanoi(2026, 12, 10))
    assert item.due_on == date(2026, 12, 22)
    with pytest.raises(StateConflict, match="current status"):
        workflow.resume(world.staff, item)


def test_transfer_and_reject_are_final_and_explained(world, english):
    first = make_feedback(world.ward, world.resident)
    workflow.transfer(world.staff, first, "Công an phường Bồ Đề", "Vụ việc an ninh trật tự.")
    assert first.status == FeedbackStatus.TRANSFERRED
    assert first.transferred_to == "Công an phường Bồ Đề" and first.closed_at is not None
    second = make_feedback(world.ward, world.resident)
    with pytest.raises(DomainError, match="Give the reason"):
        workflow.reject(world.staff, second, "  ")
    workflow.reject(world.staff, second, "Nội dung trùng phản ánh PA-1234.")
    assert second.status == FeedbackStatus.REJECTED
    with pytest.raises(StateConflict, match="current status"):
        workflow.reply(world.staff, second, "Trả lời", answer=True)
    with pytest.raises(StateConflict, match="current status"):
        workflow.assign(world.staff, second, world.staff.id)
    kinds = db.session.execute(sa.select(OutboxMessage.kind)).scalars().all()
    assert "feedback_transferred" in kinds and "feedback_rejected" in kinds


def test_only_answered_items_close(world, english):
    item = make_feedback(world.ward, world.resident)
    with pytest.raises(StateConflict, match="Only answered"):
        workflow.close(world.staff, item)
    workflow.reply(world.staff, item, "Đã xử lý.", answer=True)
    workflow.close(world.chairman, item)
    assert item.status == FeedbackStatus.CLOSED


# ---------------------------------------------------------------- the resident's verdict


def test_resolved_closes_with_a_rating(world):
    item = make_feedback(world.ward, world.resident)
    workflow.reply(world.staff, item, "Đã thu gom.", answer=True)
    reopened = verdicts.respond(world.resident, item, resolved=True, rating=5, comment="Cảm ơn")
    assert not reopened
    assert item.status == FeedbackStatus.CLOSED
    assert (item.resolved, item.answer_rating) == (True, 5)


def test_not_resolved_within_14_days_reopens_with_a_new_deadline(world):
    item = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 7))
    workflow.reply(world.staff, item, "Đã thu gom.", answer=True, now=hanoi(2026, 12, 8))
    reopened = verdicts.respond(
        world.resident,
        item,
        resolved=False,
        rating=2,
        comment="Rác vẫn còn.",
        now=hanoi(2026, 12, 22),
    )
    assert reopened
    assert item.status == FeedbackStatus.IN_PROGRESS and item.reopened_count == 1
    assert item.due_on == date(2027, 1, 6)  # ten working days from 22 December, 1 Jan off
    assert events_of(item)[-1] == EventKind.REOPENED


def test_not_resolved_after_14_days_closes(world):
    item = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 7))
    workflow.reply(world.staff, item, "Đã thu gom.", answer=True, now=hanoi(2026, 12, 8))
    reopened = verdicts.respond(
        world.resident, item, resolved=False, rating=None, now=hanoi(2026, 12, 23)
    )
    assert not reopened
    assert item.status == FeedbackStatus.CLOSED
    assert events_of(item)[-1] == EventKind.NOT_RESOLVED


def test_only_the_sender_responds_and_only_once_answered(world, english):
    item = make_feedback(world.ward, world.resident)
    with pytest.raises(StateConflict, match="once the feedback has been answered"):
        verdicts.respond(world.resident, item, resolved=True, rating=None)
    workflow.reply(world.staff, item, "Đã thu gom.", answer=True)
    other = make_user(Role.RESIDENT, world.ward, name="Người Khác")
    with pytest.raises(PermissionDenied):
        verdicts.respond(other, item, resolved=True, rating=None)
    with pytest.raises(DomainError) as caught:
        verdicts.respond(world.resident, item, resolved=None, rating=9)
    assert set(caught.value.errors) == {"resolved", "rating"}


def test_resident_cannot_add_to_someone_elses_or_a_closed_item(world, english):
    item = make_feedback(world.ward, world.resident)
    other = make_user(Role.RESIDENT, world.ward, name="Người Khác")
    with pytest.raises(PermissionDenied):
        verdicts.add_information(other, item, "Xin chào")
    workflow.reject(world.staff, item, "Trùng lặp.")
    with pytest.raises(StateConflict, match="no longer open"):
        verdicts.add_information(world.resident, item, "Bổ sung")


# ---------------------------------------------------------------- queries


def test_inbox_filters_sorts_and_searches(world):
    today = date(2026, 12, 21)
    old = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 1), title="Ngập nước")
    soon = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 8), title="Cây đổ")
    later = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 18), title="Tiếng ồn")
    done = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 2), title="Xong rồi")
    workflow.reject(world.staff, done, "Trùng.")
    workflow.assign(world.staff, later, world.staff.id)
    make_feedback(world.other_ward, None, title="Phường khác")

    def codes(**kw):
        page = queries.inbox(world.ward.id, queries.InboxFilter(**kw), world.staff, today)
        return [i.id for i in page.rows]

    assert codes() == [old.id, soon.id, later.id]  # by deadline, final ones hidden
    assert codes(status="all", sort="newest") == [later.id, soon.id, done.id, old.id]
    assert codes(status="rejected") == [done.id]
    assert codes(due="overdue") == [old.id]
    assert codes(due="due_soon") == [soon.id]
    assert codes(assignee="me") == [later.id]
    assert codes(assignee="none") == [old.id, soon.id]
    assert codes(q="cây") == [soon.id] or codes(q="Cây") == [soon.id]
    assert codes(q=soon.code.lower()) == [soon.id]
    assert codes(q="100%_") == []
    assert [row.id for row in queries.overdue(world.ward.id, today)] == [old.id]


def test_inbox_pages(world):
    for n in range(queries.PAGE_SIZE + 3):
        make_feedback(world.ward, world.resident, title=f"Phản ánh {n}")
    flt = queries.InboxFilter(page=2)
    page = queries.inbox(world.ward.id, flt, world.staff)
    assert (page.total, page.pages, page.page, len(page.rows)) == (53, 2, 2, 3)
    assert queries.inbox(world.ward.id, queries.InboxFilter(page=99), world.staff).page == 2


def test_public_page_lists_only_allowed_answered_items(world):
    shown = make_feedback(world.ward, world.resident, publish_allowed=True)
    workflow.reply(world.staff, shown, "Đã xử lý.", answer=True)
    private = make_feedback(world.ward, world.resident, publish_allowed=False)
    workflow.reply(world.staff, private, "Đã xử lý.", answer=True)
    make_feedback(world.ward, world.resident, publish_allowed=True)  # not answered yet
    page = queries.public_answered(world.ward.id)
    assert page.rows == [shown]
    assert [e.body for e in queries.public_answers(page.rows)[shown.id]] == ["Đã xử lý."]


def test_redaction_removes_contact_details():
    text = "Gọi 0912 345 678 hoặc +84 912.345.678, CCCD 001203004567, mail an@example.vn."
    redacted = redaction.redact(text)
    for secret in ("345", "001203004567", "an@example.vn"):
        assert secret not in redacted
    assert redaction.redact("Ngõ 12, tổ 5, năm 2026") == "Ngõ 12, tổ 5, năm 2026"


def test_attachment_visibility(world):
    item = make_feedback(world.ward, world.resident, attachments=[Upload("a.png", PNG)])
    attachment = db.session.execute(sa.select(FeedbackAttachment)).scalar_one()
    other = make_user(Role.RESIDENT, world.ward, name="Người Khác")
    assert queries.attachment_visible(attachment, world.resident)
    assert queries.attachment_visible(attachment, world.staff)
    assert queries.attachment_visible(attachment, world.supervisor)
    assert not queries.attachment_visible(attachment, other)
    assert not queries.attachment_visible(attachment, world.staff_other)
    assert item.id == attachment.feedback_id


def test_answered_items_close_after_the_reopening_period(world, app):
    stale = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 1))
    workflow.reply(world.staff, stale, "Đã xử lý.", answer=True, now=hanoi(2026, 12, 2))
    recent = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 10))
    workflow.reply(world.staff, recent, "Đã xử lý.", answer=True, now=hanoi(2026, 12, 14))
    db.session.commit()
    assert verdicts.close_unanswered_responses(now=hanoi(2026, 12, 20)) == 1
    db.session.commit()
    assert stale.status == FeedbackStatus.CLOSED and recent.status == FeedbackStatus.ANSWERED
    assert events_of(stale)[-1] == EventKind.CLOSED
    result = app.test_cli_runner().invoke(args=["feedback", "close-answered"])
    assert result.exit_code == 0 and "item(s) closed" in result.output
