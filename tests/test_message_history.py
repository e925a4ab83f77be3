"""Staff see, on each booking, feedback item and dossier, the messages sent about it and what
became of them (queued, sent, delivered, failed, with the reason in their language), sent by
the real eSMS sender to a local server answering as eSMS documents and marked delivered by a
signed delivery report; addresses masked, texts never shown; residents do not see the log.
A dossier's rating link can go by SMS. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as, make_conference, make_feedback, make_user, post_form, text_of
from providers import EsmsServer
from test_satisfaction_views import make_dossier
from test_sms import report, use_esms

from portal.auth.models import Role
from portal.db import utcnow
from portal.dialogues import services
from portal.extensions import db
from portal.feedback import messages as feedback_messages
from portal.notifications import history, worker
from portal.notifications.esms import callback_signature
from portal.notifications.models import Channel, OutboxMessage, OutboxStatus
from portal.satisfaction.models import Dossier

EN = {"Accept-Language": "en"}


@pytest.fixture
def esms():
    server = EsmsServer().start()
    yield server
    server.stop()


def outbox(**where) -> list[OutboxMessage]:
    db.session.rollback()
    query = sa.select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)
    return list(db.session.execute(query).scalars())


def phone_booking(world: World):
    resident = make_user(Role.RESIDENT, world.ward, name="Trần Văn Bình", phone="0987 111 222")
    conference = make_conference(world.ward, title="Hội nghị đối thoại quý IV", capacity=5)
    booking = services.book(conference, user=resident)
    db.session.commit()
    return resident, booking


def test_the_booking_page_shows_staff_each_message_and_its_delivery(
    app, client, world: World, esms: EsmsServer
):
    resident, booking = phone_booking(world)
    page = login_as(client, world.staff).get(f"/bookings/{booking.code}")
    text = text_of(page)
    assert "Tin nhắn đã gửi" in text and "Đã xác nhận đăng ký" in text
    assert "Chờ gửi" in text and "098••••222" in text
    assert "0987111222" not in page.get_data(as_text=True)

    worker.run(once=True, senders=use_esms(app, esms))
    (message,) = outbox(about=f"booking:{booking.id}")
    assert message.status == OutboxStatus.SENT
    assert "Đã gửi" in text_of(client.get(f"/bookings/{booking.code}"))

    signature = callback_signature(app.config["SECRET_KEY"], message.id)
    assert report(app.test_client(), message.id, signature, "5").status_code == 200
    shown = text_of(client.get(f"/bookings/{booking.code}"))
    assert "Đã đến máy người nhận" in shown
    # the text of the message is the resident's, not part of the log
    assert message.body not in shown

    holder_view = text_of(login_as(client, resident).get(f"/bookings/{booking.code}"))
    assert "Tin nhắn đã gửi" not in holder_view


def test_a_refused_sms_shows_why_in_the_reader_s_language(
    app, client, world: World, esms: EsmsServer
):
    _resident, booking = phone_booking(world)
    esms.script = ["99"]  # the number is blocked: no retry can mend it
    worker.run(once=True, senders=use_esms(app, esms))
    (message,) = outbox(about=f"booking:{booking.id}")
    assert message.status == OutboxStatus.FAILED

    page = text_of(login_as(client, world.staff).get(f"/bookings/{booking.code}", headers=EN))
    assert "Failed" in page and "The provider refused it." in page
    assert "The phone number is blocked in the system" in page  # the provider's own words


def test_a_message_being_retried_says_when_it_goes_next(
    app, client, world: World, esms: EsmsServer
):
    _resident, booking = phone_booking(world)
    esms.script = ["http500"]
    worker.run(once=True, senders=use_esms(app, esms))
    (message,) = outbox(about=f"booking:{booking.id}")
    assert message.status == OutboxStatus.PENDING and message.attempts == 1

    page = text_of(login_as(client, world.chairman).get(f"/bookings/{booking.code}", headers=EN))
    assert "Queued" in page and "The provider could not be reached." in page
    assert "Attempt 1 failed; next attempt at" in page


def test_the_conference_page_links_each_booking_to_its_messages(client, world: World):
    _resident, booking = phone_booking(world)
    page = login_as(client, world.staff).get(f"/staff/dialogues/{booking.session_id}")
    assert f'href="/bookings/{booking.code}"' in page.get_data(as_text=True)


def test_officials_of_another_ward_do_not_see_the_messages(client, world: World):
    _resident, booking = phone_booking(world)
    messages = history.for_viewer(world.staff_other, world.ward.id, f"booking:{booking.id}")
    assert messages is None
    assert len(history.for_viewer(world.admin, world.ward.id, f"booking:{booking.id}")) == 1
    assert len(history.for_viewer(world.supervisor, world.ward.id, f"booking:{booking.id}")) == 1


def test_the_feedback_page_lists_the_messages_to_its_sender(client, world: World):
    item = make_feedback(world.ward, world.resident, title="Đèn đường hỏng")
    feedback_messages.notify(item, "feedback_received")
    db.session.commit()

    page = text_of(login_as(client, world.staff).get(f"/staff/feedback/{item.id}"))
    assert "Tin nhắn đã gửi" in page and "Đã tiếp nhận phản ánh" in page
    assert "d•••@example.vn" in page and "dan@example.vn" not in page.split("Tin nhắn đã gửi")[1]
    resident_page = text_of(login_as(client, world.resident).get(f"/my/feedback/{item.id}"))
    assert "Tin nhắn đã gửi" not in resident_page


# ---------------------------------------------------------------- the dossier's rating link


def return_with_sms(client, dossier: Dossier, phone: str, **headers):
    return post_form(
        client,
        f"/staff/satisfaction/dossiers/{dossier.id}/return",
        {"extra_visits": "", "sms_phone": phone},
        headers=headers or None,
    )


def test_the_rating_link_goes_by_sms_and_the_dossier_page_shows_it(
    app, client, world: World, esms: EsmsServer
):
    dossier = make_dossier(world, "BN-2026-0420")
    login_as(client, world.staff)
    slip = return_with_sms(client, dossier, "0912 000 111")

    assert slip.status_code == 200
    assert "Đường dẫn đánh giá đang được gửi bằng SMS tới số 091••••111" in text_of(slip)
    (message,) = outbox(about=f"dossier:{dossier.id}")
    assert (message.kind, message.channel, message.address) == (
        "rating_link",
        Channel.SMS,
        "+84912000111",
    )
    assert message.sensitive and "BN-2026-0420" in message.body and "/r/" in message.body
    # the link in the SMS is the slip's: it opens the rating page
    link = message.body[message.body.index("http") :].split()[0]
    assert link in slip.get_data(as_text=True)

    worker.run(once=True, senders=use_esms(app, esms))
    (request,) = esms.requests
    assert "/r/" in request["json"]["Content"] and request["json"]["Phone"] == "0912000111"
    (sent,) = outbox(about=f"dossier:{dossier.id}")
    assert sent.status == OutboxStatus.SENT and "/r/" not in sent.body  # the key is wiped

    page = text_of(client.get(f"/staff/satisfaction/dossiers/{dossier.id}"))
    assert "Đường dẫn đánh giá" in page and "Đã gửi" in page and "091••••111" in page
    assert client.get(link.replace("http://localhost", "")).status_code == 200


def test_a_bad_number_returns_nothing_and_queues_nothing(client, world: World):
    dossier = make_dossier(world, "BN-2026-0421")
    login_as(client, world.staff)
    answer = return_with_sms(client, dossier, "12345", **EN)

    assert answer.status_code == 302
    page = text_of(client.get(answer.headers["Location"], headers=EN))
    assert "Enter a valid Vietnamese mobile number" in page
    db.session.rollback()
    assert db.session.get(Dossier, dossier.id).returned_at is None
    assert outbox(about=f"dossier:{dossier.id}") == []


def test_no_number_no_message(client, world: World):
    dossier = make_dossier(world, "BN-2026-0422")
    slip = return_with_sms(login_as(client, world.staff), dossier, "")
    assert slip.status_code == 200 and "gửi bằng SMS" not in text_of(slip)
    assert outbox(about=f"dossier:{dossier.id}") == []


# ---------------------------------------------------------------- reasons and masking


@pytest.mark.parametrize(
    ("stored", "reason"),
    [
        ("ProviderRefused: eSMS 99: The phone number is blocked", "The provider refused it."),
        ("eSMS: refused by the network", "The mobile network did not deliver it."),
        ("TimeoutError: timed out", "The provider could not be reached."),
        ("ProviderRefused: Zalo HTTP 502", "The provider could not be reached."),
        (
            "URLError: <urlopen error [Errno 111] Connection refused>",
            "The provider could not be reached.",
        ),
        (
            "LookupError: no sender configured for channel sms",
            "No sender is set up for this channel.",
        ),
        ("SMTPRecipientsRefused: {'x@y.vn': (550, b'no')}", "The mail server refused the address."),
        (
            "Zalo -118: Zalo account not existed; sent by SMS",
            "Zalo could not deliver it; it was sent by SMS instead.",
        ),
        ("ValueError: something else", "It could not be sent."),
    ],
)
def test_each_stored_failure_reads_as_a_reason(app, english, stored, reason):
    message = OutboxMessage(channel=Channel.SMS, address="+84912345678", last_error=stored)
    assert str(history.reason_for(message)) == reason


def test_addresses_are_masked(app):
    sms = OutboxMessage(channel=Channel.ZALO, address="+84912345678")
    mail = OutboxMessage(channel=Channel.EMAIL, address="lan.nguyen@example.vn")
    assert history.mask_address(sms) == "091••••678"
    assert history.mask_address(mail) == "l•••@example.vn"


def test_one_query_for_all_the_bookings_of_a_page(app, world: World):
    _resident, first = phone_booking(world)
    other = make_user(Role.RESIDENT, world.ward, name="Lê Thị Hoa", phone="0977 000 333")
    second = services.book(first.session, user=other)
    db.session.commit()
    grouped = history.about_each([f"booking:{first.id}", f"booking:{second.id}", "booking:0"])
    assert len(grouped[f"booking:{first.id}"]) == 1 and len(grouped[f"booking:{second.id}"]) == 1
    assert "booking:0" not in grouped and len(grouped[None]) == 2
    assert utcnow() - grouped[None][0].created_at < timedelta(minutes=1)
