"""Deadlines that warn before they are missed: working hours, urgency (khẩn / phức tạp /
thông thường), the daily job (the officer warned two working days before, the chairman told
when an item is overdue, a digest per officer; run twice, nobody told twice), the inbox's
badges and the urgency control. Clocks are frozen by passing `now=`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from conftest import login_as, make_feedback, make_user, post_form, text_of
from flask_babel import force_locale

from portal.audit.models import AuditEntry
from portal.auth.models import Role
from portal.codes import format_code
from portal.db import utcnow
from portal.domain import PermissionDenied
from portal.extensions import db
from portal.feedback import alerts, deadlines, queries, workflow
from portal.feedback.models import (
    DeadlineNotice,
    EventKind,
    FeedbackEvent,
    FeedbackStatus,
    Urgency,
)
from portal.notifications.models import Channel, OutboxMessage
from portal.timeutil import local_today
from portal.workdays import add_working_days, add_working_hours, working_hours_between

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
EN = {"Accept-Language": "en"}
OPENS, CLOSES = time(8), time(17)


def hanoi(y, m, d, hour=10, minute=0) -> datetime:
    """A Hà Nội wall-clock time as aware UTC (UTC+7, no daylight saving)."""
    return datetime(y, m, d, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def hours_after(start: datetime, hours: float) -> datetime:
    return add_working_hours(start, hours, HANOI, OPENS, CLOSES)


def messages(kind: str) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == kind)
    return list(db.session.execute(query.order_by(OutboxMessage.id)).scalars())


def assigned(world, *, due_on: date, received: datetime, officer=None, **fields):
    """An item received at `received`, assigned to the officer, due on `due_on`."""
    item = make_feedback(world.ward, world.resident, now=received, **fields)
    workflow.assign(world.chairman, item, (officer or world.staff).id, now=received)
    item.due_on = due_on
    db.session.flush()
    return item


# ---------------------------------------------------------------- working hours


def test_working_hours_stop_at_17_and_skip_the_weekend():
    # Friday 4 December 2026, 15:00: two hours left that day, six more from Monday 08:00.
    assert hours_after(hanoi(2026, 12, 4, 15), 8) == hanoi(2026, 12, 7, 14)
    # Thursday 16:30: half an hour, then 7½ hours on Friday.
    assert hours_after(hanoi(2026, 12, 3, 16, 30), 8) == hanoi(2026, 12, 4, 15, 30)
    # Received after closing time (18:00) or before opening (06:00): counted from 08:00.
    assert hours_after(hanoi(2026, 12, 3, 18), 8) == hanoi(2026, 12, 4, 16)
    assert hours_after(hanoi(2026, 12, 3, 6), 8) == hanoi(2026, 12, 3, 16)
    # A full day ends exactly at 17:00, not at the next morning.
    assert hours_after(hanoi(2026, 12, 7, 9), 8) == hanoi(2026, 12, 7, 17)
    # On a Saturday: from Monday 08:00.
    assert hours_after(hanoi(2026, 12, 5, 11), 8) == hanoi(2026, 12, 7, 16)


def test_working_hours_skip_tet():
    # Wednesday 3 February 2027, 16:00: one hour, then Tết (4 to 10 February) and the
    # weekend inside it: the other seven hours on Thursday 11 February.
    assert hours_after(hanoi(2027, 2, 3, 16), 8) == hanoi(2027, 2, 11, 15)


def test_working_hours_need_an_aware_time():
    with pytest.raises(ValueError):
        hours_after(datetime(2026, 12, 4, 15), 8)


# ---------------------------------------------------------------- urgency


def test_urgent_acknowledgement_within_8_working_hours_across_the_weekend(world):
    # Received on Friday 4 December 2026 at 15:00 and marked urgent.
    item = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 4, 15))
    deadlines.set_urgency(world.staff, item, Urgency.URGENT, now=hanoi(2026, 12, 4, 15, 30))
    assert item.urgency == Urgency.URGENT
    assert item.ack_due_at == hanoi(2026, 12, 7, 14)  # Monday 14:00: 2 h Friday, 6 h Monday
    assert item.due_at == hanoi(2026, 12, 8, 9)  # 12 h: 2 Friday, 9 Monday, 1 Tuesday
    # Due soon (an urgent item always is) until the hour to acknowledge has passed...
    assert deadlines.due_state(item, now=hanoi(2026, 12, 7, 13, 59)) == "due_soon"
    # ...then overdue while nobody has acknowledged it,
    assert deadlines.due_state(item, now=hanoi(2026, 12, 7, 14, 1)) == "overdue"
    # but not once it is taken in hand: then only its hour to answer counts.
    workflow.assign(world.chairman, item, world.staff.id, now=hanoi(2026, 12, 7, 13))
    assert item.status == FeedbackStatus.IN_PROGRESS
    assert deadlines.due_state(item, now=hanoi(2026, 12, 7, 14, 1)) == "due_soon"
    assert deadlines.due_state(item, now=hanoi(2026, 12, 8, 9, 1)) == "overdue"
    # The SQL of the inbox's filters says the same.
    today = date(2026, 12, 8)
    late = sa.select(sa.func.count()).where(queries.overdue_clause(today, hanoi(2026, 12, 8, 9, 1)))
    assert db.session.execute(late).scalar_one() == 1
    soon = queries.due_soon_clause(today, deadlines.soon_limit(today), hanoi(2026, 12, 8, 8))
    assert db.session.execute(sa.select(sa.func.count()).where(soon)).scalar_one() == 1


def test_urgent_across_17_00(world):
    # Received on Tuesday 8 December at 16:00: one hour that day, seven on Wednesday.
    item = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 8, 16))
    deadlines.set_urgency(world.staff, item, Urgency.URGENT, now=hanoi(2026, 12, 8, 16, 5))
    assert item.ack_due_at == hanoi(2026, 12, 9, 15)
    assert item.due_at == hanoi(2026, 12, 10, 10)  # 1 + 9 on Wednesday + 2 on Thursday
    assert deadlines.due_state(item, now=hanoi(2026, 12, 8, 23)) == "due_soon"  # after hours


def test_working_hours_between():
    between = working_hours_between
    # Friday 15:00 to Monday 10:00: two hours on Friday, two on Monday.
    assert between(hanoi(2026, 12, 4, 15), hanoi(2026, 12, 7, 10), HANOI, OPENS, CLOSES) == 4
    assert between(hanoi(2026, 12, 7, 10), hanoi(2026, 12, 4, 15), HANOI, OPENS, CLOSES) == 0
    # Over Tết 2027 nothing is counted but the days around it.
    assert between(hanoi(2027, 2, 3, 16), hanoi(2027, 2, 11, 9), HANOI, OPENS, CLOSES) == 2


def test_an_urgent_items_hours_wait_with_the_resident(world):
    item = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 14, 8))
    deadlines.set_urgency(world.staff, item, Urgency.URGENT, now=hanoi(2026, 12, 14, 8, 5))
    assert item.due_at == hanoi(2026, 12, 15, 11)
    workflow.request_info(world.staff, item, "Xin cho biết số nhà.", now=hanoi(2026, 12, 14, 10))
    workflow.resume(world.staff, item, now=hanoi(2026, 12, 15, 10))
    # Nine working hours waited (Monday 10:00 to 17:00, Tuesday 08:00 to 10:00).
    assert item.due_at == hanoi(2026, 12, 16, 11)
    assert deadlines.due_state(item, now=hanoi(2026, 12, 15, 12)) == "due_soon"


def test_urgency_is_recorded_and_back_to_normal_drops_the_hours(world):
    item = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 8, 9))
    deadlines.set_urgency(world.staff, item, Urgency.URGENT, now=hanoi(2026, 12, 8, 9, 5))
    deadlines.set_urgency(world.staff, item, Urgency.COMPLEX, now=hanoi(2026, 12, 8, 9, 6))
    assert item.urgency == Urgency.COMPLEX and item.ack_due_at is None and item.due_at is None
    kinds = db.session.execute(
        sa.select(FeedbackEvent.body, FeedbackEvent.public).where(
            FeedbackEvent.feedback_id == item.id, FeedbackEvent.kind == EventKind.URGENCY
        )
    ).all()
    assert [tuple(row) for row in kinds] == [("urgent", False), ("complex", False)]
    # The day's deadline is the category's, whatever the urgency.
    assert item.due_on == add_working_days(date(2026, 12, 8), item.category.deadline_days)


def test_only_the_wards_officers_set_the_urgency(world):
    item = make_feedback(world.ward, world.resident)
    for who in (world.supervisor, world.resident, world.staff_other):
        with pytest.raises(PermissionDenied):
            deadlines.set_urgency(who, item, Urgency.URGENT)
    assert item.urgency == Urgency.NORMAL


def test_answered_early_on_time_or_late(world):
    item = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 8, 9))
    item.due_on = date(2026, 12, 15)
    item.status, item.answered_at = FeedbackStatus.ANSWERED, hanoi(2026, 12, 14, 16)
    assert deadlines.state(item) == "early"
    item.answered_at = hanoi(2026, 12, 15, 23, 30)  # still the 15th in Hà Nội
    assert deadlines.state(item) == "on_time"
    item.answered_at = hanoi(2026, 12, 16, 8)
    assert deadlines.state(item) == "late"
    # An urgent item is judged by its hours.
    item.ack_due_at, item.due_at = hanoi(2026, 12, 8, 17), hanoi(2026, 12, 9, 12)
    item.answered_at = hanoi(2026, 12, 8, 16)
    assert deadlines.state(item) == "early"
    item.answered_at = hanoi(2026, 12, 9, 11)
    assert deadlines.state(item) == "on_time"
    item.answered_at = hanoi(2026, 12, 9, 13)
    assert deadlines.state(item) == "late"


# ---------------------------------------------------------------- the daily job


def test_officer_warned_exactly_two_working_days_before_across_tet(world):
    # Due on Friday 12 February 2027. Two working days before is Wednesday 3 February:
    # Tết (4 to 10 February, a weekend inside) lies between.
    item = assigned(world, due_on=date(2027, 2, 12), received=hanoi(2027, 1, 25))
    assert add_working_days(date(2027, 2, 3), 2) == date(2027, 2, 12)
    # Tuesday 2 February: three working days to go, nothing yet.
    report = alerts.run(now=hanoi(2027, 2, 2, 7))
    assert (report.warnings, report.overdue, report.digests) == (0, 0, 0)
    assert messages("deadline_warning") == []
    # Wednesday 3 February: the officer is told, by SMS (the account has no e-mail address).
    report = alerts.run(now=hanoi(2027, 2, 3, 7))
    assert report.warnings == 1
    [warning] = messages("deadline_warning")
    assert warning.user_id == world.staff.id and warning.channel == Channel.SMS
    assert warning.address == world.staff.phone
    assert format_code(item.code) in warning.body and "12/02/2027" in warning.body
    assert warning.about == f"feedback:{item.id}"  # listed with the item's messages
    assert warning.purpose is None  # a work message: no resident's consent behind it
    # Not the chairman: nothing is overdue.
    assert messages("deadline_overdue") == []


def test_officer_with_an_email_address_is_told_by_email(world, english):
    officer = make_user(Role.STAFF, world.ward, name="Đỗ Văn Mail", email="mail@ubnd.vn")
    officer.locale = "en"
    item = assigned(world, due_on=date(2026, 12, 16), received=hanoi(2026, 12, 1), officer=officer)
    alerts.run(now=hanoi(2026, 12, 14, 7))
    [warning] = messages("deadline_warning")
    assert warning.channel == Channel.EMAIL and warning.address == "mail@ubnd.vn"
    assert warning.subject == f"Feedback {format_code(item.code)} is due by 16/12/2026"
    assert item.title in warning.body and "assigned to you" in warning.body


def test_chairman_told_when_overdue_once(world):
    item = assigned(world, due_on=date(2027, 2, 12), received=hanoi(2027, 1, 25))
    # On the deadline's day it is due, not overdue.
    alerts.run(now=hanoi(2027, 2, 12, 7))
    assert messages("deadline_overdue") == []
    # Monday 15 February: overdue; the chairman is told.
    report = alerts.run(now=hanoi(2027, 2, 15, 7))
    assert report.overdue == 1
    [notice] = messages("deadline_overdue")
    assert notice.user_id == world.chairman.id
    assert format_code(item.code) in notice.body and "12/02/2027" in notice.body
    assert world.staff.full_name in notice.body  # who has it
    # The next day, and again: not told twice.
    assert alerts.run(now=hanoi(2027, 2, 16, 7)).overdue == 0
    assert alerts.run(now=hanoi(2027, 2, 16, 14)).overdue == 0
    assert len(messages("deadline_overdue")) == 1


def test_unassigned_overdue_item_still_reaches_the_chairman(world):
    item = make_feedback(world.ward, world.resident, now=hanoi(2026, 12, 1))
    item.due_on = date(2026, 12, 10)
    report = alerts.run(now=hanoi(2026, 12, 11, 7))
    assert (report.warnings, report.overdue, report.digests) == (0, 1, 0)
    [notice] = messages("deadline_overdue")
    assert notice.user_id == world.chairman.id


def test_run_twice_a_day_tells_each_person_once(world):
    assigned(world, due_on=date(2026, 12, 16), received=hanoi(2026, 12, 1))  # due soon
    assigned(world, due_on=date(2026, 12, 11), received=hanoi(2026, 12, 1))  # overdue
    first = alerts.run(now=hanoi(2026, 12, 14, 7))
    second = alerts.run(now=hanoi(2026, 12, 14, 13))
    assert (first.warnings, first.overdue, first.digests) == (1, 1, 1)
    assert (second.warnings, second.overdue, second.digests) == (0, 0, 0)
    assert [len(messages(k)) for k in ("deadline_warning", "deadline_overdue")] == [1, 1]
    assert len(messages("deadline_digest")) == 1
    assert db.session.execute(sa.select(sa.func.count(DeadlineNotice.id))).scalar_one() == 2
    # The next day brings a new digest, but no repeated warning.
    third = alerts.run(now=hanoi(2026, 12, 15, 7))
    assert (third.warnings, third.overdue, third.digests) == (0, 0, 1)
    # Each run is in the audit trail with its figures.
    runs = db.session.execute(
        sa.select(AuditEntry.detail).where(AuditEntry.action == "deadlines.run")
    ).scalars()
    assert [d["warnings"] for d in runs] == [1, 0, 0]


def test_a_moved_deadline_warns_again(world):
    item = assigned(world, due_on=date(2026, 12, 16), received=hanoi(2026, 12, 1))
    alerts.run(now=hanoi(2026, 12, 14, 7))
    item.due_on = date(2026, 12, 22)  # e.g. the clock paused while waiting for the resident
    assert alerts.run(now=hanoi(2026, 12, 18, 7)).warnings == 1
    assert len(messages("deadline_warning")) == 2


def test_the_digest_lists_overdue_due_today_and_due_soon(world):
    world.staff.locale = "en"
    received = hanoi(2026, 12, 1)
    late = assigned(world, due_on=date(2026, 12, 11), received=received, title="Đèn hỏng")
    today = assigned(world, due_on=date(2026, 12, 14), received=received, title="Ổ gà")
    soon = assigned(world, due_on=date(2026, 12, 16), received=received, title="Cây đổ")
    later = assigned(world, due_on=date(2026, 12, 28), received=received, title="Vỉa hè")
    answered = assigned(world, due_on=date(2026, 12, 14), received=received, title="Đã xong")
    answered.status = FeedbackStatus.ANSWERED
    someone_else = make_user(Role.STAFF, world.ward, name="Lý Thị Khác")
    assigned(world, due_on=date(2026, 12, 14), received=received, officer=someone_else)
    alerts.run(now=hanoi(2026, 12, 14, 7))
    digests = {m.user_id: m for m in messages("deadline_digest")}
    assert set(digests) == {world.staff.id, someone_else.id}
    digest = digests[world.staff.id]
    assert digest.channel == Channel.SMS  # no e-mail address: the short text
    assert "14/12/2026: 1 overdue, 1 due today, 1 due soon" in digest.body
    # The e-mail text, as an officer with an address would read it.
    with_email = alerts.Digest(world.staff, overdue=[late], today=[today], soon=[soon])
    with force_locale("en"):
        subject, body, _sms = alerts.digest_text(with_email, date(2026, 12, 14))
    assert subject == "Your feedback deadlines on 14/12/2026"
    sections = body.split("\n\n")
    assert sections[1].startswith("Overdue (1):") and format_code(late.code) in sections[1]
    assert "Đèn hỏng" in sections[1] and "11/12/2026" in sections[1]
    assert sections[2].startswith("Due today (1):") and format_code(today.code) in sections[2]
    assert sections[3].startswith("Due within 2 working days (1):")
    assert format_code(soon.code) in sections[3]
    assert format_code(later.code) not in body and "Đã xong" not in body


def test_an_urgent_item_due_today_is_in_the_digest_with_its_hour(world):
    world.staff.locale = "en"
    item = assigned(world, due_on=date(2026, 12, 22), received=hanoi(2026, 12, 14, 8))
    deadlines.set_urgency(world.staff, item, Urgency.URGENT, now=hanoi(2026, 12, 14, 8, 5))
    report = alerts.run(now=hanoi(2026, 12, 14, 9))
    assert report.warnings == 1
    [warning] = messages("deadline_warning")
    assert "11:00 15/12/2026" in warning.body  # 12 working hours: 9 on Monday, 3 on Tuesday


def test_inactive_officer_is_not_told(world):
    assigned(world, due_on=date(2026, 12, 16), received=hanoi(2026, 12, 1))
    world.staff.is_active_account = False
    report = alerts.run(now=hanoi(2026, 12, 14, 7))
    assert (report.warnings, report.digests) == (0, 0)


def test_the_command_runs_the_job(app, world):
    result = app.test_cli_runner().invoke(args=["deadlines", "run"])
    assert result.exit_code == 0, result.output
    assert "Warnings: 0, overdue notices: 0, digests: 0." in result.output


# ---------------------------------------------------------------- pages


def test_inbox_badges_count_my_items_due_soon_and_overdue(client, world):
    now = utcnow()
    today = local_today(now)
    received = now - timedelta(days=30)
    assigned(world, due_on=add_working_days(today, 0), received=received)  # due soon
    assigned(world, due_on=today - timedelta(days=3), received=received)  # overdue
    assigned(world, due_on=today - timedelta(days=4), received=received)  # overdue
    assigned(world, due_on=today + timedelta(days=60), received=received)  # not pressing
    db.session.commit()
    counts = queries.my_deadline_counts(world.staff)
    assert (counts.due_soon, counts.overdue) == (1, 2)
    page = text_of(login_as(client, world.staff).get("/staff/feedback/", headers=EN))
    assert "Assigned to me:" in page
    assert "1 due soon" in page and "2 overdue" in page
    assert "assignee=me&amp;due=overdue" in page or "due=overdue&amp;assignee=me" in page
    # The chairman has nothing assigned: no badges.
    chairman = client.application.test_client()
    page = text_of(login_as(chairman, world.chairman).get("/staff/feedback/", headers=EN))
    assert "Assigned to me:" not in page


def test_officer_sets_urgency_on_the_item_page_audited(client, world):
    item = make_feedback(world.ward, world.resident)
    db.session.commit()
    login_as(client, world.staff)
    page = text_of(client.get(f"/staff/feedback/{item.id}", headers=EN))
    assert 'name="urgency"' in page and "Urgent" in page
    response = post_form(client, f"/staff/feedback/{item.id}/urgency", {"urgency": "urgent"})
    assert response.status_code == 302
    db.session.expire_all()
    assert item.urgency == Urgency.URGENT and item.due_at is not None
    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "feedback_staff.set_urgency")
    ).scalar_one()
    assert entry.target_id == item.id and entry.detail == {"urgency": "urgent", "was": "normal"}
    page = text_of(client.get(f"/staff/feedback/{item.id}", headers=EN))
    assert "To acknowledge by" in page and "Due soon" in page
    inbox = text_of(client.get("/staff/feedback/", headers=EN))
    assert "Urgent" in inbox
    # Something that is not a level changes nothing.
    post_form(client, f"/staff/feedback/{item.id}/urgency", {"urgency": "panic"})
    db.session.expire_all()
    assert item.urgency == Urgency.URGENT


def test_the_supervisor_sees_the_urgency_but_has_no_control(client, world):
    item = make_feedback(world.ward, world.resident)
    db.session.commit()
    page = text_of(login_as(client, world.supervisor).get(f"/staff/feedback/{item.id}", headers=EN))
    assert "Urgency" in page and 'name="urgency"' not in page
