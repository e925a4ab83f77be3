"""Residents' accounts with proven numbers: one-time codes and their limits, registration
that gives nothing away, logging in with a code, a new password by SMS or e-mail, changing
one's details and number, and sessions that end on the server."""

from __future__ import annotations

import logging
import re
import threading
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa
from conftest import (
    PASSWORD,
    World,
    csrf_token,
    isolate_requests,
    login_as,
    make_conference,
    make_config,
    make_user,
    post_form,
    text_of,
)

from portal import create_app
from portal.auth import otp, recovery
from portal.auth.models import AuthSession, CodePurpose, PhoneCode, PhoneCodeQuota, Role, User
from portal.auth.passwords import verify_password
from portal.db import utcnow, write_intent
from portal.extensions import db, limiter
from portal.notifications import worker
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.timeutil import local_today, to_utc

EN = {"Accept-Language": "en"}
NEW = {
    "full_name": "Nguyễn Thị Hoa",
    "phone": "0987 654 321",
    "email": "hoa@example.vn",
    "password": "hoa-sen-2026",
    "consent": "y",
}
HOA = "+84987654321"


def sms_to(phone: str) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.address == phone)
    return list(db.session.execute(query.order_by(OutboxMessage.id)).scalars())


def code_sent_to(phone: str) -> str:
    """The code of the last SMS to `phone`, read as its holder would."""
    message = sms_to(phone)[-1]
    assert message.kind == "one_time_code" and message.sensitive
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def register(client, world: World, **changes):
    data = {**NEW, "ward_id": str(world.ward.id), **changes}
    return post_form(client, "/register", data, headers=EN)


def confirm(client, code: str, path: str = "/register/confirm"):
    return post_form(client, path, {"code": code}, headers=EN)


def a_minute_later() -> None:
    """As if the last code to every number had been sent a minute ago."""
    db.session.execute(
        sa.update(PhoneCodeQuota).values(last_sent_at=utcnow() - timedelta(minutes=2))
    )
    db.session.commit()


def later(minutes: float = 0, seconds: float = 0):
    return utcnow() + timedelta(minutes=minutes, seconds=seconds)


# ---------------------------------------------------------------- the codes themselves


def test_a_code_is_stored_only_as_a_keyed_hash_and_works_once(app, world: World):
    otp.send_code(HOA, CodePurpose.SIGN_IN, user=world.resident)
    code = code_sent_to(HOA)
    (row,) = db.session.execute(sa.select(PhoneCode)).scalars()
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.code_hash != otp.code_hash(CodePurpose.SIGN_IN, "+84900000000", code)
    assert otp.check_code(HOA, CodePurpose.SIGN_IN, code) == world.resident.id
    with pytest.raises(otp.WrongCode):
        otp.check_code(HOA, CodePurpose.SIGN_IN, code)  # used up
    with pytest.raises(otp.WrongCode):
        otp.check_code(HOA, CodePurpose.VERIFY_PHONE, code)  # another purpose


def test_a_code_expires_after_five_minutes(app, world: World):
    otp.send_code(HOA, CodePurpose.SIGN_IN, user=world.resident)
    code = code_sent_to(HOA)
    with pytest.raises(otp.WrongCode):
        otp.check_code(HOA, CodePurpose.SIGN_IN, code, now=later(minutes=5, seconds=1))
    assert otp.check_code(HOA, CodePurpose.SIGN_IN, code, now=later(minutes=4, seconds=59))


def test_five_wrong_tries_void_the_code(app, world: World):
    otp.send_code(HOA, CodePurpose.SIGN_IN, user=world.resident)
    code = code_sent_to(HOA)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        with pytest.raises(otp.WrongCode):
            otp.check_code(HOA, CodePurpose.SIGN_IN, wrong)
    with pytest.raises(otp.WrongCode):
        otp.check_code(HOA, CodePurpose.SIGN_IN, code)  # right, but too late


def test_a_new_code_replaces_the_old_one(app, world: World):
    otp.send_code(HOA, CodePurpose.SIGN_IN, user=world.resident)
    first = code_sent_to(HOA)
    otp.send_code(HOA, CodePurpose.SIGN_IN, user=world.resident, now=later(seconds=61))
    second = code_sent_to(HOA)
    if first != second:
        with pytest.raises(otp.WrongCode):
            otp.check_code(HOA, CodePurpose.SIGN_IN, first, now=later(seconds=62))
    assert otp.check_code(HOA, CodePurpose.SIGN_IN, second, now=later(seconds=62))


def hanoi(hour: int, minute: int = 0, days: int = 0):
    """Today at this Hà Nội wall-clock time (plus `days`), in UTC."""
    day = local_today() + timedelta(days=days)
    return to_utc(datetime.combine(day, time(hour, minute)))


def test_limits_per_number_whether_it_has_an_account_or_not(app, world: World, english):
    """One code a minute and five a day, counted the same for a number nobody holds."""
    start = hanoi(10)
    for phone, user in ((HOA, world.resident), ("+84977111222", None)):
        otp.send_code(phone, CodePurpose.SIGN_IN, user=user, now=start)
        with pytest.raises(otp.TooSoon) as caught:
            otp.send_code(phone, CodePurpose.SIGN_IN, user=user, now=start + timedelta(seconds=30))
        assert 1 <= caught.value.retry_after <= 31
        for n in range(1, 5):
            otp.send_code(
                phone, CodePurpose.SIGN_IN, user=user, now=start + timedelta(minutes=2 * n)
            )
        with pytest.raises(otp.TooSoon, match="as many codes as a day") as caught:
            otp.send_code(phone, CodePurpose.SIGN_IN, user=user, now=hanoi(10, 20))
        assert caught.value.retry_after == 13 * 3600 + 40 * 60 + 1  # until Hà Nội's midnight
    assert len([m for m in sms_to(HOA) if m.kind == "one_time_code"]) == 5
    assert sms_to("+84977111222") == []  # nobody to send to: nothing sent


def test_the_day_of_the_daily_limit_is_hanois(app, world: World, english):
    """Five codes by 23:50 in Hà Nội; the sixth waits for Hà Nội's midnight (17:00 UTC), not
    for UTC's."""
    for n in range(5):
        otp.send_code(HOA, CodePurpose.SIGN_IN, user=world.resident, now=hanoi(23, 40 + 2 * n))
    with pytest.raises(otp.TooSoon, match="as many codes as a day") as caught:
        otp.send_code(HOA, CodePurpose.SIGN_IN, user=world.resident, now=hanoi(23, 59))
    assert caught.value.retry_after == 60 + 1
    otp.send_code(HOA, CodePurpose.SIGN_IN, user=world.resident, now=hanoi(0, 1, days=1))
    assert len([m for m in sms_to(HOA) if m.kind == "one_time_code"]) == 6


def test_a_number_is_sent_one_code_however_many_servers_ask_at_once(app, world: World):
    """Twelve requests at the same moment (threads, each with its own connection, as two
    servers would be): the quota row lets one through."""
    n = 12
    user_id, phone = world.resident.id, world.resident.phone  # read here: not in the threads
    barrier = threading.Barrier(n)
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def ask() -> None:
        with app.app_context():
            barrier.wait()
            try:
                with write_intent():
                    user = db.session.get(User, user_id)
                    otp.send_code(phone, CodePurpose.SIGN_IN, user=user)
                    db.session.commit()
                outcome = "sent"
            except otp.TooSoon:
                db.session.rollback()
                outcome = "too soon"
            finally:
                db.session.remove()
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=ask) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == {"sent": 1, "too soon": n - 1}
    db.session.rollback()  # see what the threads committed
    assert len(sms_to(phone)) == 1


# ---------------------------------------------------------------- registering


def test_an_unconfirmed_account_may_look_but_not_book_or_send(client, world: World):
    register(client, world)
    hoa = db.session.execute(sa.select(User).where(User.phone == HOA)).scalar_one()
    login_as(client, hoa)  # e.g. logged in with the password, the code not typed yet
    conference = make_conference(world.ward)
    db.session.commit()
    page = text_of(client.get(f"/wards/{world.ward.slug}/dialogues/{conference.id}", headers=EN))
    assert "Confirm your mobile number first" in page and "/dialogues/" not in page.split(
        "Register to attend"
    )[1].split("</section>")[0].replace("/account/phone", "")
    refused = post_form(client, f"/dialogues/{conference.id}/book", {"question": ""}, headers=EN)
    assert refused.status_code == 409 and "Confirm your mobile number" in text_of(refused)
    assert "Confirm your mobile number first" in text_of(client.get("/feedback/new", headers=EN))
    # proving the number from the account page opens everything
    a_minute_later()
    response = post_form(client, "/account/phone", {"phone": "0987654321"}, headers=EN)
    assert response.headers["Location"] == "/account/phone/confirm"
    assert confirm(client, code_sent_to(HOA), "/account/phone/confirm").status_code == 302
    booked = post_form(client, f"/dialogues/{conference.id}/book", {"question": ""}, headers=EN)
    assert booked.status_code == 302 and "/bookings/" in booked.headers["Location"]


def test_whoever_proves_a_number_gets_it(app, world: World):
    """Someone registers another person's number; the real holder registers after them,
    proves the number, and the account is theirs (the first one never was)."""
    squatter, owner = app.test_client(), app.test_client()
    register(squatter, world, full_name="Kẻ Giả Mạo", password="gia-mao-2026")
    assert confirm(squatter, "000000").status_code == 422  # the squatter has no code
    a_minute_later()
    register(owner, world)
    assert confirm(owner, code_sent_to(HOA)).status_code == 302
    (hoa,) = db.session.execute(sa.select(User).where(User.phone == HOA)).scalars()
    assert hoa.full_name == "Nguyễn Thị Hoa" and hoa.phone_verified
    assert verify_password(hoa.password_hash, "hoa-sen-2026")
    assert owner.get("/account").status_code == 200


def test_the_code_page_needs_a_code_sent_from_this_browser(client, world: World):
    assert client.get("/register/confirm").status_code == 404
    assert post_form(client, "/register/confirm", {"code": "123456"}).status_code == 404


def test_a_new_code_at_most_every_minute_said_with_retry_after(client, world: World):
    register(client, world)
    response = post_form(client, "/register/resend", {}, headers=EN)
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert "seconds" in text_of(response)


# ---------------------------------------------------------------- logging in with a code


@pytest.mark.parametrize("number", ["0912 345 678", "0977 111 222"])  # has an account / none
def test_asking_for_a_code_says_the_same_whatever_the_number(client, world: World, number):
    response = post_form(client, "/login/code", {"phone": number}, headers=EN)
    assert response.status_code == 302 and response.headers["Location"] == "/login/code/confirm"
    page = text_of(client.get("/login/code/confirm", headers=EN))
    assert "If this number has an account, a code has been sent to it." in page


def test_logging_in_with_a_code(client, world: World):
    post_form(client, "/login/code", {"phone": "0912345678"}, headers=EN)
    assert confirm(client, "999999", "/login/code/confirm").status_code == 422
    response = confirm(client, code_sent_to(world.resident.phone), "/login/code/confirm")
    assert response.status_code == 302
    assert client.get("/my/bookings").status_code == 200


# ---------------------------------------------------------------- a new password


def test_a_new_password_with_a_code_ends_every_other_session(app, world: World):
    elsewhere = login_as(app.test_client(), world.resident)
    assert elsewhere.get("/my/bookings").status_code == 200
    client = app.test_client()
    post_form(client, "/password/forgot", {"sms-phone": "0912345678"}, headers=EN)
    code = code_sent_to(world.resident.phone)
    weak = post_form(client, "/password/reset", {"code": code, "password": "123"}, headers=EN)
    assert weak.status_code == 422  # a weak password costs no try: the code still works
    response = post_form(
        client, "/password/reset", {"code": code, "password": "mat-khau-moi-2026"}, headers=EN
    )
    assert response.status_code == 302
    db.session.refresh(world.resident)
    assert verify_password(world.resident.password_hash, "mat-khau-moi-2026")
    assert client.get("/my/bookings").status_code == 200  # this browser is logged in
    assert elsewhere.get("/my/bookings").status_code == 302  # the other one is not


def test_a_new_password_by_e_mail_link_once_and_for_thirty_minutes(app, world: World, monkeypatch):
    client = app.test_client()
    response = post_form(client, "/password/forgot", {"mail-email": "DAN@example.vn"}, headers=EN)
    assert response.status_code == 302
    db.session.rollback()
    (mail,) = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "password_link")
    ).scalars()
    assert mail.address == "dan@example.vn" and mail.channel == "email"
    path = re.search(r"http://localhost(/password/reset/\S+)", mail.body).group(1)
    page = post_form(client, path, {"password": "mat-khau-moi-2026"}, headers=EN)
    assert page.status_code == 302
    again = client.get(path, headers=EN)
    assert again.status_code == 302 and again.headers["Location"] == "/password/forgot"
    # a fresh link, opened 31 minutes later, no longer works
    with app.test_request_context():
        recovery.send_link("dan@example.vn", lambda token: token)
        db.session.commit()
    token = db.session.execute(
        sa.select(OutboxMessage.body).order_by(OutboxMessage.id.desc()).limit(1)
    ).scalar_one()
    token = re.search(r": (\S+)\n", token).group(1)
    import itsdangerous.timed

    real = itsdangerous.timed.TimestampSigner.get_timestamp
    monkeypatch.setattr(
        itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: real(self) + 31 * 60
    )
    assert client.get(f"/password/reset/{token}").status_code == 302


def test_an_unknown_address_is_answered_the_same(client, world: World):
    response = post_form(client, "/password/forgot", {"mail-email": "ai@example.vn"}, headers=EN)
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.execute(sa.select(OutboxMessage)).first() is None


# ---------------------------------------------------------------- the account


def test_a_resident_changes_name_email_and_number(client, world: World):
    login_as(client, world.resident)
    response = post_form(
        client, "/account/edit", {"full_name": "Hoàng Thị Dân Mới", "email": "moi@example.vn"}
    )
    assert response.status_code == 302
    db.session.refresh(world.resident)
    assert (world.resident.full_name, world.resident.email) == (
        "Hoàng Thị Dân Mới",
        "moi@example.vn",
    )
    post_form(client, "/account/phone", {"phone": "0987 654 321"})
    db.session.refresh(world.resident)
    assert world.resident.phone == "+84912345678"  # not before the code
    assert confirm(client, code_sent_to(HOA), "/account/phone/confirm").status_code == 302
    db.session.refresh(world.resident)
    assert world.resident.phone == HOA and world.resident.phone_verified


def test_a_number_another_account_holds_is_not_given_nor_revealed(client, world: World):
    other = make_user(Role.RESIDENT, world.ward, phone="0987654321")
    db.session.commit()
    login_as(client, world.resident)
    response = post_form(client, "/account/phone", {"phone": "0987 654 321"})
    assert response.headers["Location"] == "/account/phone/confirm"  # the same answer
    assert sms_to(other.phone) == []  # but nothing sent, nothing that could work
    assert confirm(client, "123456", "/account/phone/confirm").status_code == 422
    db.session.refresh(world.resident)
    assert world.resident.phone == "+84912345678"


# ---------------------------------------------------------------- sessions


def test_logging_out_ends_the_session_on_the_server(app, world: World):
    client = app.test_client()
    post_form(client, "/login", {"login": "0912345678", "password": PASSWORD})
    assert client.get("/my/bookings").status_code == 200
    saved = client.get_cookie("session").value
    post_form(client, "/logout")
    thief = app.test_client()
    thief.set_cookie("session", saved)
    response = thief.get("/my/bookings", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.rollback()
    ended = db.session.execute(sa.select(AuthSession.ended_at)).scalars().all()
    assert ended and all(ended)


# ---------------------------------------------------------------- codes are never logged


def test_no_code_is_written_to_a_log(app, client, world: World, caplog):
    caplog.set_level(logging.DEBUG)
    post_form(client, "/login/code", {"phone": "0912345678"})
    code = code_sent_to(world.resident.phone)
    stats = worker.run(once=True, senders=None)  # the log sender of development and tests
    assert stats.sent == 1
    assert code not in caplog.text and "(a one-time code" in caplog.text
    db.session.rollback()
    (message,) = db.session.execute(sa.select(OutboxMessage)).scalars()
    assert message.status == OutboxStatus.SENT and code in message.body  # `outbox list` reads it


def test_a_real_sender_leaves_no_code_behind(app, world: World):
    class Gateway:
        def send(self, message):
            self.text = message.body

    gateway = Gateway()
    otp.send_code(world.resident.phone, CodePurpose.SIGN_IN, user=world.resident)
    db.session.commit()
    code = code_sent_to(world.resident.phone)
    assert worker.run(once=True, senders={"sms": gateway, "email": gateway}).sent == 1
    assert code in gateway.text
    db.session.rollback()
    (message,) = db.session.execute(sa.select(OutboxMessage)).scalars()
    assert code not in message.body


# ---------------------------------------------------------------- limits per client address


@pytest.fixture
def limited(database_url, world: World):
    app = isolate_requests(
        create_app(
            make_config(
                database_url,
                RATELIMIT_ENABLED=True,
                RATELIMIT_STORAGE_URI="memory://",
                LOGIN_LIMIT_PER_ACCOUNT="3 per minute",
                REGISTER_LIMIT_PER_IP="5 per hour",
            )
        )
    )
    with app.app_context():
        limiter.reset()
    yield app
    with app.app_context():
        limiter.reset()
        db.engine.dispose()


def test_one_address_cannot_register_a_row_of_accounts(limited, world: World):
    client = limited.test_client()
    answers = []
    for n in range(7):
        data = {**NEW, "phone": f"0977 000 {n:03d}", "email": "", "ward_id": str(world.ward.id)}
        data["csrf_token"] = csrf_token(client)
        answers.append(client.post("/register", data=data).status_code)
    assert answers == [302] * 5 + [429, 429]


def test_wrong_passwords_do_not_lock_the_owner_out(limited, world: World):
    stranger, owner = limited.test_client(), limited.test_client()
    for _ in range(3):
        data = {"csrf_token": csrf_token(stranger), "login": "0912345678", "password": "x"}
        stranger.post("/login", data=data)
    data = {"csrf_token": csrf_token(owner), "login": "0912345678", "password": PASSWORD}
    blocked = owner.post("/login", data=data)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "/login/code" in text_of(blocked)  # the way in that is still open
    post_form(owner, "/login/code", {"phone": "0912345678"})
    assert (
        confirm(owner, code_sent_to(world.resident.phone), "/login/code/confirm").status_code == 302
    )
    assert owner.get("/my/bookings").status_code == 200
