"""E-mail through a real SMTP server (aiosmtpd on this machine) that asks for STARTTLS with a
certificate from its own authority and for a login: the portal's mail arrives as proper UTF-8,
a server it cannot trust gets nothing, a temporary refusal is retried, and a resident who
forgot the password gets a link that works. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import socket
import ssl
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
import sqlalchemy as sa
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import World, post_form

from portal.auth.passwords import verify_password
from portal.db import utcnow
from portal.extensions import db
from portal.notifications import worker
from portal.notifications.models import Channel, OutboxMessage, OutboxStatus
from portal.notifications.senders import senders_from_config
from portal.notifications.services import Recipient, enqueue

USER, PASSWORD = "portal", "s3cret-pass"
EN = {"Accept-Language": "en"}


class Mailbox:
    """aiosmtpd's handler: keeps what it accepted; answers `refuse` instead when set."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: str | None = None
        self.logins: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.refuse:
            return self.refuse
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.original_content, policy=policy.SMTP))
        return "250 2.0.0 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == USER
            and auth_data.password.decode() == PASSWORD
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def smtp_server(authority, tmp_path):
    """A mail server on 127.0.0.1 that requires STARTTLS before anything, then a login."""
    mailbox = Mailbox()
    certificate = authority.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    port = free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=mailbox.authenticate,
    )
    controller.start()
    ca_file = tmp_path / "ward-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    mailbox.port = port
    mailbox.ca_file = str(ca_file)
    yield mailbox
    controller.stop()


def use_server(app, mailbox: Mailbox, **changes) -> dict:
    settings = {
        "OUTBOX_EMAIL_SENDER": "smtp",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": mailbox.port,
        "SMTP_STARTTLS": True,
        "SMTP_USERNAME": USER,
        "SMTP_PASSWORD": PASSWORD,
        "SMTP_CA_FILE": mailbox.ca_file,
        "MAIL_FROM": "UBND phường Bồ Đề <no-reply@bode.example.vn>",
    }
    app.config.update({**settings, **changes})
    return senders_from_config(app.config)


def queue_mail(subject: str, body: str, address: str = "dan@example.vn") -> int:
    message = enqueue(
        Recipient(name="Hoàng Thị Dân", locale="vi", email=address),
        kind="booking_confirmed",
        subject=subject,
        body=body,
        ward_id=None,
    )
    db.session.commit()
    return message.id


def fresh(message_id: int) -> OutboxMessage:
    db.session.rollback()
    return db.session.get(OutboxMessage, message_id)


def test_mail_goes_over_starttls_with_a_login_as_utf8(app, smtp_server: Mailbox):
    subject = "Xác nhận đặt chỗ: Hội nghị đối thoại với Chủ tịch UBND phường"
    body = "Kính gửi Bà Hoàng Thị Dân,\nchỗ của Bà đã được xác nhận: 08:00 ngày 16/12/2026."
    message_id = queue_mail(subject, body)

    stats = worker.run(once=True, senders=use_server(app, smtp_server))

    assert stats.sent == 1 and fresh(message_id).status == OutboxStatus.SENT
    assert smtp_server.logins == [USER]
    ((mail_from, recipients),) = smtp_server.envelopes
    assert (mail_from, recipients) == ("no-reply@bode.example.vn", ["dan@example.vn"])
    (email,) = smtp_server.messages
    assert str(email["Subject"]) == subject
    assert str(email["From"]) == "UBND phường Bồ Đề <no-reply@bode.example.vn>"
    assert email.get_content_charset() == "utf-8"
    assert email.get_content().replace("\r\n", "\n").strip() == body
    assert email["Message-ID"].endswith("@bode.example.vn>")


def test_a_server_whose_certificate_is_not_trusted_gets_nothing(app, smtp_server: Mailbox):
    message_id = queue_mail("Thư thử", "Nội dung")

    stats = worker.run(once=True, senders=use_server(app, smtp_server, SMTP_CA_FILE=""))

    assert stats.retried == 1 and smtp_server.messages == [] and smtp_server.logins == []
    message = fresh(message_id)
    assert message.status == OutboxStatus.PENDING and "CERTIFICATE_VERIFY_FAILED" in (
        message.last_error
    )


def test_without_starttls_the_server_refuses_and_no_password_is_sent(app, smtp_server: Mailbox):
    message_id = queue_mail("Thư thử", "Nội dung")

    stats = worker.run(once=True, senders=use_server(app, smtp_server, SMTP_STARTTLS=False))

    assert stats.retried == 1 and smtp_server.messages == [] and smtp_server.logins == []
    assert PASSWORD not in fresh(message_id).last_error


def test_a_temporary_refusal_is_retried_and_then_delivered(app, smtp_server: Mailbox):
    message_id = queue_mail("Thư thử", "Nội dung")
    smtp_server.refuse = f"451 4.3.0 Try again later ({PASSWORD})"
    now = utcnow()

    first = worker.run(once=True, senders=use_server(app, smtp_server), now=now)

    assert first.retried == 1
    message = fresh(message_id)
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert "451" in message.last_error and PASSWORD not in message.last_error

    smtp_server.refuse = None
    later = worker.run(
        once=True, senders=use_server(app, smtp_server), now=now + timedelta(seconds=60)
    )
    assert later.sent == 1 and len(smtp_server.messages) == 1


def test_a_resident_resets_the_password_from_the_mail_received(
    app, world: World, smtp_server: Mailbox
):
    client = app.test_client()
    response = post_form(client, "/password/forgot", {"mail-email": "dan@example.vn"}, headers=EN)
    assert response.status_code == 302

    assert worker.run(once=True, senders=use_server(app, smtp_server)).sent == 1

    (email,) = smtp_server.messages
    assert email["To"] == "dan@example.vn"
    link = re.search(r"https?://[^/\s]+(/password/reset/\S+)", email.get_content()).group(1)
    assert post_form(client, link, {"password": "mat-khau-qua-thu-2026"}).status_code == 302
    db.session.rollback()
    db.session.refresh(world.resident)
    assert verify_password(world.resident.password_hash, "mat-khau-qua-thu-2026")
    (sent,) = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.channel == Channel.EMAIL)
    ).scalars()
    assert sent.status == OutboxStatus.SENT
