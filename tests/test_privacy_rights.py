"""A resident's rights over their data (Decree 13/2023): "Dữ liệu của tôi" shows all of it;
deleting the account waits a cooling-off period, then erases every personal value (a dump
of the whole database finds none) while anonymous ratings, figures and the words of feedback
stay; withdrawing a consent stops queued messages of its purpose; the daily retention job
erases what is past its period, with a frozen clock. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from conftest import World, login_as, make_conference, make_feedback, make_user, post_form, text_of
from test_outbox import Recorder, both

from portal.audit.models import AuditEntry
from portal.auth.models import (
    CodePurpose,
    Consent,
    ConsentPurpose,
    ExternalIdentity,
    PhoneCode,
    Role,
    User,
)
from portal.auth.phones import national
from portal.db import utcnow
from portal.dialogues import messages as dialogue_messages
from portal.dialogues import services as dialogue_services
from portal.dialogues.models import Booking
from portal.extensions import db
from portal.feedback import workflow
from portal.feedback.models import Feedback, FeedbackAttachment
from portal.notifications import preferences, worker
from portal.notifications.models import Channel, OutboxMessage, OutboxStatus
from portal.privacy import retention

EN = {"Accept-Language": "en"}
NAME = "Phùng Thị Riêng Tư"
PHONE = "0977 246 813"
EMAIL = "rieng.tu@example.vn"
ADDRESS = "Số 7 ngõ 99 phố Kín Đáo"
QUESTION = "Câu hỏi riêng về thửa đất nhà Phùng Thị Riêng Tư"
MARKER = b"ANH-CHUP-NHA-RIENG-4711"
SUBJECT_HASH = "f" * 60 + "beef"


def dump() -> str:
    """Every value of every row of every table, as text (bytes too)."""
    parts = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)).all():
            for value in row:
                if isinstance(value, bytes):
                    value = value.decode("latin-1")
                parts.append(str(value))
    return "\n".join(parts)


def personal_world(world: World) -> User:
    """A resident with data in every table that can hold some."""
    user = make_user(Role.RESIDENT, world.ward, name=NAME, phone=PHONE, email=EMAIL)
    item = make_feedback(
        world.ward,
        user,
        title="Cống thoát nước bị tắc",
        address=ADDRESS,
        latitude=21.0478,
        longitude=105.8766,
    )
    db.session.add(
        FeedbackAttachment(
            feedback_id=item.id,
            filename="nha.jpg",
            content_type="image/jpeg",
            size=len(MARKER),
            data=MARKER,
            uploaded_by_id=user.id,
        )
    )
    conference = make_conference(world.ward, title="Hội nghị đối thoại quý IV", capacity=5)
    dialogue_services.book(conference, user=user, question=QUESTION)
    db.session.add(
        ExternalIdentity(
            user_id=user.id, provider="vneid", subject_hash=SUBJECT_HASH, id_last3="789"
        )
    )
    db.session.add(
        PhoneCode(
            phone=user.phone,
            purpose=CodePurpose.SIGN_IN,
            user_id=user.id,
            code_hash="c" * 64,
            expires_at=utcnow() + timedelta(minutes=5),
        )
    )
    db.session.commit()
    return user


def test_deletion_waits_its_cooling_off_then_leaves_nothing_personal(client, world: World):
    user = personal_world(world)
    personal = [NAME, user.phone, EMAIL, ADDRESS, QUESTION, SUBJECT_HASH, MARKER.decode()]
    held = dump()
    assert [value for value in personal if value not in held] == []
    personal.append(PHONE.replace(" ", ""))  # nor in its national writing
    feedback_before = db.session.execute(sa.select(sa.func.count(Feedback.id))).scalar_one()

    login_as(client, user)
    unconfirmed = post_form(client, "/account/delete", {}, headers=EN)
    assert unconfirmed.status_code == 302
    db.session.refresh(user)
    assert user.deletion_requested_at is None
    asked = post_form(client, "/account/delete", {"confirm": "y"}, headers=EN)
    assert asked.status_code == 302
    page = text_of(client.get("/account/data", headers=EN))
    assert "Your account will be deleted on" in page and "Keep my account" in page

    now = utcnow()
    assert retention.run(now + timedelta(days=6)).accounts == 0  # still cooling off
    db.session.commit()
    report = retention.run(now + timedelta(days=8))
    db.session.commit()
    assert report.accounts == 1

    remaining = dump()
    assert [value for value in personal if value in remaining] == []
    # the feedback's words stay (without a name); the count of feedback too
    assert db.session.execute(sa.select(sa.func.count(Feedback.id))).scalar_one() == feedback_before
    assert "Cống thoát nước bị tắc" in remaining
    # the cookie saved before no longer opens anything
    assert client.get("/account").status_code == 302
    # staff see the request and its completion (the resident not named)
    actions = [e.action for e in db.session.execute(sa.select(AuditEntry)).scalars()]
    assert actions == ["privacy.deletion_requested", "privacy.account_deleted"]
    chairman_view = text_of(login_as(client, world.chairman).get("/staff/audit/", headers=EN))
    assert "Asked for the account to be deleted" in chairman_view
    assert "Deleted an account's personal data" in chairman_view


def test_a_resident_may_change_their_mind(client, world: World):
    user = personal_world(world)
    login_as(client, user)
    post_form(client, "/account/delete", {"confirm": "y"})
    assert post_form(client, "/account/delete/cancel", {}).status_code == 302
    assert retention.run(utcnow() + timedelta(days=30)).accounts == 0
    db.session.commit()
    assert db.session.get(User, user.id).full_name == NAME


def test_officials_ask_those_who_manage_them(client, world: World):
    login_as(client, world.staff)
    assert post_form(client, "/account/delete", {"confirm": "y"}).status_code == 403


def test_my_data_shows_what_the_portal_holds(client, world: World):
    user = personal_world(world)
    page = text_of(login_as(client, user).get("/account/data", headers=EN))
    for value in (NAME, national(user.phone), EMAIL, ADDRESS, QUESTION, "Cống thoát nước bị tắc"):
        assert value in page, value
    assert "Booking confirmed" in page  # the message about the booking
    assert "•••••••••789" in page or "789" in page
    assert SUBJECT_HASH not in page


def test_a_withdrawn_consent_stops_messages_already_queued(app, client, world: World):
    user = make_user(Role.RESIDENT, world.ward, name="Lê Văn Nhắc", phone="0966 100 200")
    preferences.choose(user, {ConsentPurpose.REMINDERS: Channel.SMS})
    booking = dialogue_services.book(make_conference(world.ward, capacity=5), user=user)
    reminder = dialogue_messages.notify(booking, "booking_reminder")
    db.session.commit()
    assert reminder.purpose == "reminders"

    login_as(client, user)
    choice = post_form(
        client, "/account/messages", {"updates": "sms", "reminders": "none", "news": "none"}
    )
    assert choice.status_code == 302
    recorder = Recorder()
    worker.run(once=True, senders=both(recorder))

    db.session.rollback()
    sent_kinds = [m.kind for m in recorder.sent]
    assert "booking_reminder" not in sent_kinds and "booking_confirmed" in sent_kinds
    stopped = db.session.get(OutboxMessage, reminder.id)
    assert stopped.status == OutboxStatus.FAILED and stopped.last_error.startswith("Withdrawn")
    page = text_of(login_as(client, world.staff).get(f"/bookings/{booking.code}", headers=EN))
    assert "Not sent: the resident no longer agrees to these messages." in page


def test_the_retention_job_erases_what_is_past_its_period(app, world: World):
    now = utcnow()
    item = make_feedback(
        world.ward, None, contact_name="Người Gọi Cũ", contact_phone="0988 777 666", address=ADDRESS
    )
    workflow.reply(world.staff, item, "Đã xử lý.", answer=True)
    workflow.close(world.staff, item)
    guest = make_conference(world.ward, capacity=5)
    dialogue_services.book(
        guest,
        guest_name="Người Gọi Đặt Chỗ",
        guest_phone="0988 555 444",
        question=QUESTION,
        booked_by=world.staff,
    )
    db.session.commit()
    db.session.execute(
        sa.update(OutboxMessage)
        .values(status=OutboxStatus.SENT)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()

    assert retention.run(now + timedelta(days=30)).feedback == 0  # nothing is old yet
    db.session.commit()
    assert "Người Gọi Cũ" in dump()

    later = now + timedelta(days=6 * 365)
    report = retention.run(later)
    db.session.commit()
    assert (report.feedback, report.bookings) == (1, 1) and report.messages >= 1
    remaining = dump()
    for value in (
        "Người Gọi Cũ",
        "+84988777666",
        ADDRESS,
        "Người Gọi Đặt Chỗ",
        "+84988555444",
        QUESTION,
    ):
        assert value not in remaining, value
    assert "Đã xử lý." in remaining  # the ward's answer stays
    again = retention.run(later)
    assert (again.feedback, again.bookings, again.messages) == (0, 0, 0)


def test_the_retention_command(app, world: World):
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 0 and "Accounts deleted: 0" in result.output


def published_page(client, world: World) -> str:
    db.session.rollback()
    return text_of(client.get(f"/wards/{world.ward.slug}/feedback"))


def test_publishing_ones_feedback_is_a_consent_withdrawn_with_one_click(client, world: World):
    item = make_feedback(world.ward, world.resident, title="Đèn đường hỏng", publish_allowed=True)
    workflow.reply(world.staff, item, "Đã thay bóng đèn.", answer=True)
    db.session.commit()
    consent = db.session.execute(
        sa.select(Consent).where(Consent.purpose == ConsentPurpose.PUBLISH)
    ).scalar_one()
    assert (consent.user_id, consent.feedback_id, consent.withdrawn_at) == (
        world.resident.id,
        item.id,
        None,
    )
    assert "không kèm họ tên" in consent.text  # the wording agreed to, in Vietnamese
    assert "Đèn đường hỏng" in published_page(client, world)

    login_as(client, world.resident)
    data = text_of(client.get("/account/data"))
    assert "Rút lại sự đồng ý này" in data and item.code in data
    answer = post_form(
        client, f"/my/feedback/{item.code}/publication/withdraw", {"next": "/account/data"}
    )
    assert answer.status_code == 302 and answer.headers["Location"] == "/account/data"
    db.session.rollback()
    assert db.session.get(Feedback, item.id).publish_allowed is False
    assert db.session.get(Consent, consent.id).withdrawn_at is not None
    client.get("/logout")
    assert "Đèn đường hỏng" not in published_page(client, world)

    # Given again from the item's page: a new consent; the history keeps both.
    login_as(client, world.resident)
    page = f"/my/feedback/{item.code}"
    assert "Đồng ý công khai, không kèm họ tên" in text_of(client.get(page))
    post_form(client, f"{page}/publication/allow")
    db.session.rollback()
    rows = db.session.execute(
        sa.select(Consent.withdrawn_at).where(Consent.feedback_id == item.id).order_by(Consent.id)
    ).all()
    assert [r.withdrawn_at is None for r in rows] == [False, True]
    assert db.session.get(Feedback, item.id).publish_allowed is True
    exported = client.get("/account/export.json").get_json()
    published = [c for c in exported["account"]["consents"] if c["purpose"] == "publish"]
    assert [c["feedback"] for c in published] == [item.code, item.code]


def test_only_the_sender_chooses_and_twice_is_refused(client, world: World):
    item = make_feedback(world.ward, world.resident)
    other = make_user(Role.RESIDENT, world.ward, name="Người Khác")
    db.session.commit()
    login_as(client, other)
    page = f"/my/feedback/{item.code}"
    assert post_form(client, f"{page}/publication/allow").status_code == 404
    db.session.rollback()
    login_as(client, world.resident)
    refused = post_form(client, f"{page}/publication/withdraw")  # never allowed
    assert refused.status_code == 409 and "chưa được đồng ý công khai" in text_of(refused)
    assert post_form(client, f"{page}/publication/other").status_code == 404
    db.session.rollback()
    assert db.session.get(Feedback, item.id).publish_allowed is False
    assert (
        db.session.execute(
            sa.select(sa.func.count(Consent.id)).where(Consent.purpose == ConsentPurpose.PUBLISH)
        ).scalar_one()
        == 0
    )


def test_my_data_tells_what_officials_did_with_it(client, world: World):
    user = personal_world(world)
    item = db.session.execute(sa.select(Feedback).where(Feedback.user_id == user.id)).scalar_one()
    attachment = db.session.execute(sa.select(FeedbackAttachment)).scalar_one()
    booking = db.session.execute(sa.select(Booking).where(Booking.user_id == user.id)).scalar_one()
    others = make_feedback(world.ward, world.resident, title="Của người khác")
    db.session.commit()
    login_as(client, world.staff)
    base = f"/staff/feedback/{item.id}"
    assert post_form(client, f"{base}/note", {"note": "Đã gọi tổ trưởng."}).status_code == 302
    assert client.get(f"/feedback/files/{attachment.id}").status_code == 200
    post_form(client, f"/staff/feedback/{others.id}/note", {"note": "Không liên quan."})
    checked = post_form(
        client, f"/staff/dialogues/{booking.session_id}/check-in", {"code": booking.code}
    )
    assert checked.status_code == 200
    db.session.rollback()

    page = text_of(login_as(client, user).get("/account/data", headers=EN))
    trail = page.split("What the ward's officials did with your data")[1]
    for said in ("Added an internal note", "Opened a feedback attachment", "Checked a resident in"):
        assert said in trail, said
    assert trail.count("Added an internal note") == 1  # not the other resident's item
    assert "Ward officer" in trail and world.staff.full_name not in trail
    processing = client.get("/account/export.json").get_json()["processing"]
    assert {e["action"] for e in processing} == {
        "feedback_staff.note",
        "feedback.attachment",
        "dialogues_staff.check_in",
    }
    assert {e["by_role"] for e in processing} == {"staff"}
