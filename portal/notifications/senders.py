"""How outbox messages leave the building: one sender per channel, chosen by settings.

A sender has one method, `send(message)`, which returns when the message was handed over and
raises (any exception) when it was not; the worker then retries later. Senders get a detached
`OutboxMessage` and must not touch the database.

Choosing senders (`config.py`, read by `senders_from_config`):

- `OUTBOX_EMAIL_SENDER`: `log` (default: write the message to the log, for development and
  tests), `smtp` (deliver through `SMTP_HOST`), or `module:Class`.
- `OUTBOX_SMS_SENDER`: `log` (default), `esms` (brandname SMS through eSMS.vn, see
  notifications/esms.py) or `module:Class`.
- `OUTBOX_ZALO_SENDER`: `off` (default: nothing goes by Zalo), `zns` (Zalo Notification
  Service, falling back on the SMS sender; see notifications/zalo.py), `log` or
  `module:Class`.

Extension point for a ward's SMS gateway (or any other e-mail service): write a class with a
`send(self, message)` method and name it as `package.module:ClassName`, e.g.
`OUTBOX_SMS_SENDER=ward_sms.gateway:ViettelSender`. It is built with `ClassName.from_config(config)`
when it has that class method (to read its own settings, e.g. `SMS_API_KEY` from the app config),
otherwise with `ClassName()`. `portal.notifications.senders:LoggingSender` is a valid value.
"""

from __future__ import annotations

import importlib
import logging
import smtplib
import ssl
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any, Protocol, runtime_checkable

from portal.auth.phones import mask_phone
from portal.notifications.esms import EsmsSender
from portal.notifications.handover import Receipt
from portal.notifications.models import Channel, OutboxMessage
from portal.notifications.zalo import ZnsSender

log = logging.getLogger("portal.outbox")

SMTP_TIMEOUT_SECONDS = 30


@runtime_checkable
class Sender(Protocol):
    """Delivers one message; raises on failure (the worker retries, unless the exception
    says `permanent`). May return the provider's id of the message (for its delivery
    report)."""

    def send(self, message: OutboxMessage) -> str | Receipt | None: ...


def masked_address(message: OutboxMessage) -> str:
    """The address as it may appear in logs: phone numbers masked, e-mail as is."""
    if message.channel in (Channel.SMS, Channel.ZALO):
        return mask_phone(message.address)
    return message.address


class LoggingSender:
    """Writes each message to the `portal.outbox` log at INFO instead of sending it.

    The default in development and tests. In production it means nobody receives anything:
    set OUTBOX_EMAIL_SENDER=smtp (and an SMS gateway) there. The text of a sensitive message
    (a one-time code) is never logged; it stays in the outbox, where `flask outbox list`
    shows it to a developer.
    """

    keeps_sensitive_text = True

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LoggingSender:
        return cls()

    def send(self, message: OutboxMessage) -> None:
        body = "(a one-time code: see `flask outbox list`)" if message.sensitive else message.body
        log.info(
            "outbox %s to %s: %s\n%s",
            message.channel,
            masked_address(message),
            message.subject,
            body,
        )


class SmtpSender:
    """Sends e-mail through an SMTP server (plain, STARTTLS or implicit TLS)."""

    def __init__(
        self,
        *,
        host: str = "localhost",
        port: int = 25,
        username: str = "",
        password: str = "",
        starttls: bool = False,
        use_ssl: bool = False,
        mail_from: str = "Cổng phường <no-reply@localhost>",
        timeout: float = SMTP_TIMEOUT_SECONDS,
        ca_file: str = "",
    ) -> None:
        if starttls and use_ssl:
            raise ValueError("SMTP_STARTTLS and SMTP_SSL exclude each other; set only one.")
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.starttls = starttls
        self.use_ssl = use_ssl
        self.mail_from = mail_from
        self.timeout = timeout
        self.ca_file = ca_file or None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSender:
        return cls(
            host=config.get("SMTP_HOST", "localhost"),
            port=int(config.get("SMTP_PORT", 25)),
            username=config.get("SMTP_USERNAME", ""),
            password=config.get("SMTP_PASSWORD", ""),
            starttls=bool(config.get("SMTP_STARTTLS", False)),
            use_ssl=bool(config.get("SMTP_SSL", False)),
            mail_from=config.get("MAIL_FROM", "Cổng phường <no-reply@localhost>"),
            ca_file=config.get("SMTP_CA_FILE", ""),
        )

    def tls_context(self) -> ssl.SSLContext:
        """Verifies the server's certificate and name (against SMTP_CA_FILE when set: a
        ward's own mail relay with its own authority)."""
        return ssl.create_default_context(cafile=self.ca_file)

    def build(self, message: OutboxMessage) -> EmailMessage:
        """The e-mail for an outbox message: UTF-8 headers and plain-text body."""
        email = EmailMessage()
        email["From"] = self.mail_from
        email["To"] = message.address
        email["Subject"] = message.subject
        email["Date"] = formatdate(usegmt=True)
        domain = parseaddr(self.mail_from)[1].rpartition("@")[2] or "localhost"
        email["Message-ID"] = make_msgid(idstring=f"outbox.{message.id}", domain=domain)
        email.set_content(message.body, charset="utf-8")
        return email

    def send(self, message: OutboxMessage) -> None:
        email = self.build(message)
        if self.use_ssl:
            client = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.tls_context()
            )
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client as smtp:
            if self.starttls:
                smtp.starttls(context=self.tls_context())
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(email)


def load_sender(path: str, config: Mapping[str, Any]) -> Sender:
    """Build the sender named `package.module:ClassName` (see the module docstring)."""
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise ValueError(f"Sender {path!r} must look like 'package.module:ClassName'.")
    factory = getattr(importlib.import_module(module_name), attr)
    from_config = getattr(factory, "from_config", None)
    sender = from_config(config) if callable(from_config) else factory()
    if not isinstance(sender, Sender):
        raise TypeError(f"Sender {path!r} has no send(message) method.")
    return sender


def senders_from_config(config: Mapping[str, Any]) -> dict[Channel, Sender]:
    """One sender per channel, as chosen by OUTBOX_EMAIL_SENDER, OUTBOX_SMS_SENDER and
    OUTBOX_ZALO_SENDER (`off` by default: no Zalo channel; `zns` falls back on the SMS
    sender)."""
    email_choice = str(config.get("OUTBOX_EMAIL_SENDER", "log")).strip()
    sms_choice = str(config.get("OUTBOX_SMS_SENDER", "log")).strip()
    zalo_choice = str(config.get("OUTBOX_ZALO_SENDER", "off")).strip()
    chosen = {
        Channel.EMAIL: _choose(email_choice, config, {"log": LoggingSender, "smtp": SmtpSender}),
        Channel.SMS: _choose(sms_choice, config, {"log": LoggingSender, "esms": EsmsSender}),
    }
    if zalo_choice.lower() not in ("", "off"):
        if zalo_choice.lower() == "zns":
            chosen[Channel.ZALO] = ZnsSender.from_config(config, fallback=chosen[Channel.SMS])
        else:
            chosen[Channel.ZALO] = _choose(zalo_choice, config, {"log": LoggingSender})
    return chosen


def _choose(choice: str, config: Mapping[str, Any], builtins: dict[str, type]) -> Sender:
    if choice.lower() in builtins:
        return builtins[choice.lower()].from_config(config)
    if ":" in choice:
        return load_sender(choice, config)
    names = " | ".join(f'"{name}"' for name in builtins)
    raise ValueError(f"Unknown outbox sender {choice!r}: use {names} or 'module:Class'.")
