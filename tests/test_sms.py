"""Brandname SMS through eSMS.vn's API, exercised against a local server that answers as its
documentation says: what is sent (plain letters, the outbox id as RequestId, a signed
callback), a lost answer that is not sent twice, a 5xx, refusals that end a message or are
retried, delivery reports (and bad ones), and texts that stay in one or two segments.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import World, make_conference, make_user
from flask_babel import force_locale
from providers import EsmsServer

from portal.auth.models import Role
from portal.db import utcnow
from portal.dialogues import messages as dialogue_messages
from portal.dialogues import services
from portal.extensions import db
from portal.feedback import messages as feedback_messages
from portal.notifications import sms_text, worker
from portal.notifications.esms import EsmsSender, callback_signature
from portal.notifications.models import Channel, OutboxMessage, OutboxStatus
from portal.notifications.senders import senders_from_config


@pytest.fixture
def esms():
    server = EsmsServer().start()
    yield server
    server.stop()


def use_esms(app, server: EsmsServer, **changes) -> dict:
    app.config.update(
        OUTBOX_SMS_SENDER="esms",
        ESMS_API_URL=server.url + server.path,
        ESMS_API_KEY="api-key-1",
        ESMS_SECRET_KEY="secret-key-1",
        ESMS_BRANDNAME="UBND.BODE",
        SMS_CALLBACK_BASE_URL="https://congphuong.example.vn",
        **changes,
    )
    senders = senders_from_config(app.config)
    senders[Channel.SMS].timeout = 0.5  # the tests' "too late"
    return senders


def book_by_phone(world: World) -> OutboxMessage:
    """A resident without e-mail books a conference: the confirmation goes by SMS."""
    resident = make_user(Role.RESIDENT, world.ward, name="Trần Văn Bình", phone="0987 111 222")
    conference = make_conference(world.ward, title="Hội nghị đối thoại với Chủ tịch UBND phường")
    services.book(conference, user=resident)
    db.session.commit()
    (message,) = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.user_id == resident.id)
    ).scalars()
    return message


def fresh(message_id: int) -> OutboxMessage:
    db.session.rollback()
    return db.session.get(OutboxMessage, message_id)


def test_an_sms_goes_in_plain_letters_with_its_outbox_id_and_a_signed_callback(
    app, world: World, esms: EsmsServer
):
    message = book_by_phone(world)
    assert message.channel == Channel.SMS and message.about.startswith("booking:")

    stats = worker.run(once=True, senders=use_esms(app, esms))

    assert stats.sent == 1
    (request,) = esms.requests
    sent = request["json"]
    assert request["headers"]["content-type"] == "application/json"
    assert (sent["ApiKey"], sent["SecretKey"], sent["Brandname"]) == (
        "api-key-1",
        "secret-key-1",
        "UBND.BODE",
    )
    assert sent["Phone"] == "0987111222" and sent["SmsType"] == "2"
    assert sent["RequestId"] == f"outbox-{message.id}"
    assert sent["IsUnicode"] == "0" and sms_text.is_gsm(sent["Content"])
    assert '"Hoi nghi doi thoai voi Chu tich UBND..."' in sent["Content"]  # cut to fit
    assert sms_text.segments(sent["Content"]) <= 2
    signature = callback_signature(app.config["SECRET_KEY"], message.id)
    assert sent["CallbackUrl"] == (
        f"https://congphuong.example.vn/hooks/sms/esms/{message.id}/{signature}"
    )
    stored = fresh(message.id)
    assert stored.status == OutboxStatus.SENT
    assert stored.provider_message_id == esms.taken[sent["RequestId"]]["SMSID"]


def test_a_lost_answer_is_tried_again_and_the_sms_still_goes_once(
    app, world: World, esms: EsmsServer
):
    message = book_by_phone(world)
    esms.script = [("slow", 1.5)]  # taken, but the answer comes after the sender gave up
    now = utcnow()

    first = worker.run(once=True, senders=use_esms(app, esms), now=now)

    assert first.retried == 1 and fresh(message.id).status == OutboxStatus.PENDING
    assert "timed out" in fresh(message.id).last_error
    later = worker.run(once=True, senders=use_esms(app, esms), now=now + timedelta(minutes=5))
    assert later.sent == 1
    assert len(esms.requests) == 2 and len(esms.taken) == 1  # asked twice, one SMS
    assert fresh(message.id).status == OutboxStatus.SENT


def test_a_provider_error_is_retried(app, world: World, esms: EsmsServer):
    message = book_by_phone(world)
    esms.script = ["http500"]
    now = utcnow()

    assert worker.run(once=True, senders=use_esms(app, esms), now=now).retried == 1
    assert fresh(message.id).last_error == "ProviderRefused: eSMS HTTP 500"

    assert worker.run(once=True, senders=use_esms(app, esms), now=now + timedelta(hours=1)).sent
    assert fresh(message.id).status == OutboxStatus.SENT


def test_a_blocked_number_ends_the_message_at_once(app, world: World, esms: EsmsServer):
    message = book_by_phone(world)
    esms.script = ["99"]

    stats = worker.run(once=True, senders=use_esms(app, esms))

    assert stats.failed == 1
    stored = fresh(message.id)
    assert stored.status == OutboxStatus.FAILED and stored.attempts == 1
    assert "eSMS 99: The phone number is blocked" in stored.last_error


def test_wrong_keys_are_retried_and_never_stored(app, world: World, esms: EsmsServer):
    message = book_by_phone(world)
    esms.script = ["101"]

    stats = worker.run(once=True, senders=use_esms(app, esms))

    assert stats.retried == 1  # the ward may fix its keys; the message waits
    stored = fresh(message.id)
    assert stored.status == OutboxStatus.PENDING and "eSMS 101" in stored.last_error
    assert "secret-key-1" not in stored.last_error and "api-key-1" not in stored.last_error


def test_a_missing_setting_is_refused_when_the_worker_starts(app):
    app.config.update(OUTBOX_SMS_SENDER="esms", ESMS_API_KEY="")
    result = app.test_cli_runner().invoke(args=["outbox", "run", "--once"])
    assert result.exit_code != 0 and "ESMS_API_KEY" in result.output


# ---------------------------------------------------------------- delivery reports


def sent_message(app, world: World, esms: EsmsServer) -> OutboxMessage:
    message = book_by_phone(world)
    worker.run(once=True, senders=use_esms(app, esms))
    return fresh(message.id)


def report(client, message_id: int, signature: str, status: str, sms_id: str = "x"):
    query = (
        f"SMSID={sms_id}&SendFailed=0&SendStatus={status}&SendSuccess=1&TotalPrice=0&"
        f"TotalReceiver=1&TotalSent=1&RequestId=outbox-{message_id}&TypeId=2&telcoid=1&"
        "phonenumber=0987111222"
    )
    return client.get(f"/hooks/sms/esms/{message_id}/{signature}?{query}")


def test_a_delivery_report_marks_the_message_delivered(app, world: World, esms: EsmsServer):
    message = sent_message(app, world, esms)
    signature = callback_signature(app.config["SECRET_KEY"], message.id)
    client = app.test_client()

    in_transit = report(client, message.id, signature, "7")
    assert in_transit.status_code == 200 and in_transit.json == {"recorded": "in transit"}
    assert fresh(message.id).status == OutboxStatus.SENT

    delivered = report(client, message.id, signature, "5", message.provider_message_id)
    assert delivered.status_code == 200 and delivered.json == {"recorded": "delivered"}
    stored = fresh(message.id)
    assert stored.status == OutboxStatus.DELIVERED and stored.delivered_at is not None


def test_a_refusal_by_the_network_marks_it_failed(app, world: World, esms: EsmsServer):
    message = sent_message(app, world, esms)
    signature = callback_signature(app.config["SECRET_KEY"], message.id)

    answer = report(app.test_client(), message.id, signature, "4")

    assert answer.json == {"recorded": "failed"}
    stored = fresh(message.id)
    assert stored.status == OutboxStatus.FAILED and "refused by the network" in stored.last_error


def test_bad_delivery_reports_change_nothing(app, world: World, esms: EsmsServer):
    message = sent_message(app, world, esms)
    client = app.test_client()
    other = callback_signature(app.config["SECRET_KEY"], message.id + 1)

    assert report(client, message.id, "0" * 32, "5").status_code == 403
    assert report(client, message.id, other, "5").status_code == 403  # another message's
    unknown = message.id + 1000
    assert (
        report(client, unknown, callback_signature(app.config["SECRET_KEY"], unknown), "5")
    ).status_code == 404
    assert client.get("/hooks/sms/esms/99999999999999/abc").status_code == 404
    assert fresh(message.id).status == OutboxStatus.SENT


def test_a_report_before_the_worker_recorded_the_handover_is_ignored(app, world: World):
    message = book_by_phone(world)  # still pending
    signature = callback_signature(app.config["SECRET_KEY"], message.id)
    assert report(app.test_client(), message.id, signature, "5").status_code == 200
    assert fresh(message.id).status == OutboxStatus.PENDING


def test_access_logs_keep_no_phone_number(app):
    """gunicorn's access line (our format) shows the path, not the report's query."""
    import gunicorn.glogging
    from gunicorn.config import Config

    config = Config()
    config.set("accesslog", "-")
    namespace: dict = {}
    with open("gunicorn.conf.py") as settings:
        exec(settings.read(), namespace)  # noqa: S102 - our own settings file
    config.set("access_log_format", namespace["access_log_format"])
    logger = gunicorn.glogging.Logger(config)

    class Response:
        status = "200 OK"
        status_code = 200
        sent = 10
        headers = ()

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/hooks/sms/esms/1/abc?phonenumber=0987111222&SendStatus=5",
        "PATH_INFO": "/hooks/sms/esms/1/abc",
        "QUERY_STRING": "phonenumber=0987111222&SendStatus=5",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.5",
        "HTTP_REFERER": "https://congphuong.example.vn/search?q=0987111222",
    }

    class Request:
        headers = [("REFERER", environ["HTTP_REFERER"])]

    atoms = logger.atoms(Response(), Request(), environ, timedelta(milliseconds=12))
    line = namespace["access_log_format"] % atoms
    assert "/hooks/sms/esms/1/abc" in line and "0987111222" not in line


# ---------------------------------------------------------------- texts that fit


LONG_TITLE = "Hội nghị đối thoại giữa Chủ tịch UBND phường với Nhân dân về trật tự đô thị năm 2026"
LONG_PLACE = "Hội trường tầng 3, trụ sở UBND phường Bồ Đề, số 1 phố Bồ Đề, quận Long Biên"


def every_sms_text(world: World, locale: str) -> dict[str, str]:
    """Each kind's text message with the longest values the portal lets through."""
    resident = make_user(Role.RESIDENT, world.ward, name="Nguyễn Thị Hồng Nhung Phương", phone=None)
    conference = make_conference(world.ward, title=LONG_TITLE)
    conference.venue = LONG_PLACE
    booking = services.book(conference, user=resident)
    texts = {}
    with force_locale(locale):
        for kind in (
            "booking_confirmed",
            "booking_waitlisted",
            "booking_promoted",
            "booking_reminder",
            "booking_cancelled",
            "booking_moved",
            "results_published",
        ):
            extra = {
                "old_when": conference.starts_at,
                "position": 12,
                "reason": "Buổi đối thoại được dời sang tháng sau vì trùng lịch họp của Thành ủy",
                "url": "https://congphuong.example.vn/d/phuong-bo-de/123",
            }
            values = dialogue_messages._short_params(booking, extra)
            texts[kind] = dialogue_messages._sms(kind, values)
        values = {
            "ward": sms_text.short(world.ward.name, 30),
            "code": "PA-2026-000123",
            "due": "16/12/2026",
            "authority": sms_text.short("Ủy ban nhân dân quận Long Biên, thành phố Hà Nội", 50),
            "target": "PA-2026-000124",
        }
        for kind in (
            "feedback_received",
            "feedback_reply",
            "feedback_answered",
            "feedback_info_requested",
            "feedback_transferred",
            "feedback_rejected",
            "feedback_merged",
            "feedback_merged_answered",
        ):
            texts[kind] = feedback_messages._sms(kind, values)
    return texts


@pytest.mark.parametrize("locale", ["vi", "en"])
def test_every_text_message_fits_two_segments_in_plain_letters(app, world: World, locale):
    texts = every_sms_text(world, locale)
    for kind, text in texts.items():
        plain, unicode = sms_text.prepare(text, plain=True)
        assert not unicode and sms_text.segments(plain) <= 2, (kind, plain)
        if locale == "vi":  # with diacritics the same text takes more
            written, _ = sms_text.prepare(text, plain=False)
            assert sms_text.segments(written) > sms_text.segments(plain), kind


def test_plain_letters_and_their_limits():
    assert sms_text.without_diacritics("Cổng phường Bồ Đề — “đối thoại”…") == (
        'Cong phuong Bo De - "doi thoai"...'
    )
    assert sms_text.segments("a" * 160) == 1 and sms_text.segments("a" * 161) == 2
    assert sms_text.segments("ồ" * 70) == 1 and sms_text.segments("ồ" * 71) == 2
    assert sms_text.segments("€" * 80) == 1 and sms_text.segments("€" * 81) == 2  # escaped
    assert sms_text.prepare("Tên: 王小明", plain=True) == ("Tên: 王小明", True)  # kept as typed
    assert sms_text.short("x" * 50, 10) == "xxxxxxx..."


def test_a_text_with_letters_plain_sms_lacks_goes_as_unicode():
    sender = EsmsSender(api_url="http://x", api_key="k", secret_key="s", brandname="B")
    message = OutboxMessage(id=7, address="+84987111222", body="Kính gửi Ông 王小明")
    body = sender.request_body(message)
    assert body["IsUnicode"] == "1" and body["Content"] == "Kính gửi Ông 王小明"
    assert "CallbackUrl" not in body  # no public address set: no delivery reports
