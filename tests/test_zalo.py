"""Zalo Notification Service messages, exercised against a local server that answers as Zalo's
ZNS and OAuth documentation says: the approved template and its values go to the number's
Zalo account; the Official Account's token is renewed before it expires, once however many
workers need it, and again when Zalo says it is invalid; a person Zalo cannot reach gets an
SMS instead; Zalo not answering is retried later. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import World, make_conference, make_user, post_form
from providers import EsmsServer, ZaloServer

from portal.auth.models import Role
from portal.db import utcnow
from portal.dialogues import services
from portal.extensions import db
from portal.notifications import worker, zalo
from portal.notifications.models import Channel, OutboxMessage, OutboxStatus, ProviderToken
from portal.notifications.senders import senders_from_config

PHONE = "+84987111222"


@pytest.fixture
def servers():
    zalo_server, esms_server = ZaloServer().start(), EsmsServer().start()
    yield zalo_server, esms_server
    zalo_server.stop()
    esms_server.stop()


def use_zalo(app, zalo_server: ZaloServer, esms_server: EsmsServer) -> dict:
    app.config.update(
        OUTBOX_ZALO_SENDER="zns",
        ZALO_APP_ID="app-1",
        ZALO_APP_SECRET="app-secret",
        ZALO_REFRESH_TOKEN="first-refresh-token",
        ZALO_TEMPLATES="booking_confirmed=248411, one_time_code=248400",
        ZALO_ZNS_URL=zalo_server.url + "/message/template",
        ZALO_OAUTH_URL=zalo_server.url + "/v4/oa/access_token",
        OUTBOX_SMS_SENDER="esms",
        ESMS_API_URL=esms_server.url + esms_server.path,
        ESMS_API_KEY="api-key-1",
        ESMS_SECRET_KEY="secret-key-1",
        ESMS_BRANDNAME="UBND.BODE",
    )
    senders = senders_from_config(app.config)
    senders[Channel.ZALO].timeout = 0.5
    return senders


def book(world: World, phone: str = "0987 111 222") -> OutboxMessage:
    resident = make_user(Role.RESIDENT, world.ward, name="Trần Văn Bình", phone=phone)
    services.book(make_conference(world.ward), user=resident)
    db.session.commit()
    (message,) = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.user_id == resident.id)
    ).scalars()
    return message


def fresh(message_id: int) -> OutboxMessage:
    db.session.rollback()
    return db.session.get(OutboxMessage, message_id)


def test_a_confirmation_goes_by_zalo_in_its_approved_template(app, world: World, servers):
    zalo_server, esms_server = servers
    senders = use_zalo(app, zalo_server, esms_server)
    message = book(world)
    assert message.channel == Channel.ZALO and message.data["code"]

    stats = worker.run(once=True, senders=senders)

    assert stats.sent == 1 and esms_server.requests == []
    (sent,) = zalo_server.sent
    assert sent["phone"] == "84987111222" and sent["template_id"] == "248411"
    assert sent["tracking_id"] == f"outbox-{message.id}"
    assert sent["template_data"]["code"] == message.data["code"]
    assert sent["template_data"]["title"] == "Hội nghị đối thoại quý IV"  # with its diacritics
    token_request, send_request = zalo_server.requests
    assert token_request["form"]["refresh_token"] == "first-refresh-token"
    assert send_request["headers"]["access_token"] == "access-1"
    stored = fresh(message.id)
    assert stored.status == OutboxStatus.SENT and stored.channel == Channel.ZALO
    assert stored.provider_message_id


def test_the_token_is_renewed_before_it_expires_and_kept(app, world: World, servers):
    zalo_server, esms_server = servers
    senders = use_zalo(app, zalo_server, esms_server)
    first, second = book(world), book(world, "0987 111 333")
    worker.run(once=True, senders=senders, max_messages=1)
    assert zalo_server.renewals == 1
    token = db.session.get(ProviderToken, zalo.PROVIDER)
    assert token.refresh_token == "refresh-1" and token.access_token == "access-1"
    token.expires_at = utcnow() + timedelta(minutes=5)  # within the margin
    db.session.commit()

    worker.run(once=True, senders=senders)

    assert zalo_server.renewals == 2 and zalo_server.refresh_tokens == {"refresh-2"}
    db.session.rollback()
    token = db.session.get(ProviderToken, zalo.PROVIDER)
    assert token.access_token == "access-2" and token.expires_at > utcnow() + timedelta(hours=24)
    assert {fresh(first.id).status, fresh(second.id).status} == {OutboxStatus.SENT}


def test_a_revoked_token_is_renewed_and_the_message_sent(app, world: World, servers):
    zalo_server, esms_server = servers
    senders = use_zalo(app, zalo_server, esms_server)
    message = book(world)
    db.session.add(
        ProviderToken(
            provider=zalo.PROVIDER,
            access_token="revoked",
            refresh_token="first-refresh-token",
            expires_at=utcnow() + timedelta(hours=20),
        )
    )
    db.session.commit()

    assert worker.run(once=True, senders=senders).sent == 1

    paths = [r["path"] for r in zalo_server.requests]
    assert paths == ["/message/template", "/v4/oa/access_token", "/message/template"]
    assert fresh(message.id).channel == Channel.ZALO and len(zalo_server.sent) == 1


def test_two_workers_renew_the_token_once(app, servers):
    zalo_server, esms_server = servers
    use_zalo(app, zalo_server, esms_server)
    tokens = zalo.TokenStore(
        oauth_url=zalo_server.url + "/v4/oa/access_token",
        app_id="app-1",
        app_secret="app-secret",
        first_refresh_token="first-refresh-token",
    )
    got, errors = [], []
    barrier = threading.Barrier(4)

    def renew():
        with app.app_context():
            barrier.wait()
            try:
                got.append(tokens.access_token())
            except Exception as error:  # noqa: BLE001 - counted below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=renew) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert zalo_server.renewals == 1  # the refresh token, good once, was spent once
    assert errors == [] and got == ["access-1"] * 4


def test_a_person_without_zalo_gets_an_sms(app, world: World, servers):
    zalo_server, esms_server = servers
    senders = use_zalo(app, zalo_server, esms_server)
    zalo_server.refuse["84987111222"] = (-118, "Zalo account not existed")
    message = book(world)

    assert worker.run(once=True, senders=senders).sent == 1

    (sms,) = esms_server.requests
    assert sms["json"]["RequestId"] == f"outbox-{message.id}"
    assert sms["json"]["Content"].startswith("UBND phuong Bo De")  # the short SMS text, plain
    stored = fresh(message.id)
    assert stored.status == OutboxStatus.SENT and stored.channel == Channel.SMS
    assert stored.last_error == "Zalo -118: Zalo account not existed; sent by SMS"


def test_zalo_not_answering_is_retried_without_an_sms(app, world: World, servers):
    zalo_server, esms_server = servers
    senders = use_zalo(app, zalo_server, esms_server)
    message = book(world)
    zalo_server.slow = 1.5

    stats = worker.run(once=True, senders=senders)

    assert stats.retried == 1 and esms_server.requests == []
    stored = fresh(message.id)
    assert stored.status == OutboxStatus.PENDING and "timed out" in stored.last_error


def test_a_kind_without_an_approved_template_goes_by_sms(app, world: World, servers):
    zalo_server, esms_server = servers
    use_zalo(app, zalo_server, esms_server)
    app.config["ZALO_TEMPLATES"] = "one_time_code=248400"
    message = book(world)
    assert message.channel == Channel.SMS and message.data is None


def test_a_registration_code_goes_by_zalo_and_is_scrubbed_once_sent(app, world: World, servers):
    zalo_server, esms_server = servers
    senders = use_zalo(app, zalo_server, esms_server)
    client = app.test_client()
    form = {
        "full_name": "Nguyễn Thị Hoa",
        "phone": "0987 654 321",
        "email": "",
        "password": "hoa-sen-2026",
        "consent": "y",
        "ward_id": str(world.ward.id),
    }
    assert post_form(client, "/register", form).status_code == 302
    db.session.rollback()
    (code_message,) = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "one_time_code")
    ).scalars()
    assert code_message.channel == Channel.ZALO and code_message.sensitive
    code = code_message.data["otp"]

    assert worker.run(once=True, senders=senders).sent == 1

    assert zalo_server.sent[0]["template_data"]["otp"] == code
    stored = fresh(code_message.id)
    assert stored.data is None and code not in stored.body  # nothing left to read
