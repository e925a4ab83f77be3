"""The outbox worker: only committed messages leave, each exactly once even with several workers,
failures are retried with backoff and then given up, stuck claims are taken over, and e-mail
has its sender chosen by settings (SMTP itself: test_mail.py). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import World, make_conference, make_user
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.auth.models import Role
from portal.db import utcnow
from portal.dialogues import services
from portal.extensions import db
from portal.notifications import worker
from portal.notifications.models import Channel, OutboxMessage, OutboxStatus
from portal.notifications.senders import (
    LoggingSender,
    SmtpSender,
    load_sender,
    senders_from_config,
)
from portal.notifications.services import Recipient, enqueue


class Recorder:
    """A fake sender that remembers what it was given (thread-safe), or fails as told."""

    def __init__(self, fail: BaseException | None = None, delay: float = 0.0) -> None:
        self.fail = fail
        self.delay = delay
        self.sent: list[OutboxMessage] = []
        self.lock = threading.Lock()

    def send(self, message: OutboxMessage) -> None:
        if self.delay:
            time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        with self.lock:
            self.sent.append(message)

    @property
    def ids(self) -> list[int]:
        return [m.id for m in self.sent]


def both(sender) -> dict:
    return {Channel.EMAIL: sender, Channel.SMS: sender}


def queue(n: int = 1, *, phone: bool = False) -> list[int]:
    """Queue n messages and commit them."""
    ids = []
    for i in range(n):
        recipient = (
            Recipient(name="Hoàng Thị Dân", locale="vi", phone="+84912345678")
            if phone
            else Recipient(name="Hoàng Thị Dân", locale="vi", email=f"dan{i}@example.vn")
        )
        message = enqueue(
            recipient, kind="test", subject=f"Thư số {i}", body="Nội dung thư", ward_id=None
        )
        ids.append(message.id)
    db.session.commit()
    return ids


def fresh(message_id: int) -> OutboxMessage:
    db.session.rollback()  # see other connections' commits (SQLite WAL snapshot)
    return db.session.get(OutboxMessage, message_id)


def statuses() -> Counter:
    db.session.rollback()
    return Counter(db.session.execute(sa.select(OutboxMessage.status)).scalars())


# ---------------------------------------------------------------- delivery and retries


def test_only_committed_messages_are_sent_and_only_once(app):
    enqueue(
        Recipient(name="Không Gửi", locale="vi", email="never@example.vn"),
        kind="test",
        subject="Rolled back",
        body="…",
        ward_id=None,
    )
    db.session.rollback()
    (kept,) = queue(1)
    recorder = Recorder()

    stats = worker.run(once=True, senders=both(recorder))

    assert recorder.ids == [kept]
    assert [m.address for m in recorder.sent] == ["dan0@example.vn"]
    assert (stats.sent, stats.retried, stats.failed) == (1, 0, 0)
    message = fresh(kept)
    assert message.status == OutboxStatus.SENT and message.sent_at is not None
    assert worker.run(once=True, senders=both(recorder)).processed == 0
    assert recorder.ids == [kept]


def test_failures_back_off_then_give_up(app):
    (message_id,) = queue(1)
    now = utcnow()
    failing = Recorder(fail=ConnectionRefusedError("gateway down"))

    stats = worker.run(once=True, senders=both(failing), now=now)

    assert stats.retried == 1
    message = fresh(message_id)
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert message.next_attempt_at == now + timedelta(seconds=60)
    assert message.last_error == "ConnectionRefusedError: gateway down"

    recorder = Recorder()
    early = worker.run(once=True, senders=both(recorder), now=now + timedelta(seconds=59))
    assert early.processed == 0 and recorder.sent == []
    assert fresh(message_id).attempts == 1

    retry_at = now + timedelta(seconds=60)
    assert worker.run(once=True, senders=both(failing), now=retry_at).retried == 1
    message = fresh(message_id)
    assert message.attempts == 2
    assert message.next_attempt_at == retry_at + timedelta(seconds=120)  # doubled

    for attempt in range(3, 7):
        outcome = worker.run(once=True, senders=both(failing), now=message.next_attempt_at)
        message = fresh(message_id)
        assert message.attempts == attempt
    assert outcome.failed == 1 and outcome.retried == 0
    assert message.status == OutboxStatus.FAILED
    assert worker.run(once=True, senders=both(recorder), now=now + timedelta(days=30)).sent == 0


def test_backoff_is_capped_at_six_hours(app):
    assert worker.backoff(1) == timedelta(seconds=60)
    assert worker.backoff(3) == timedelta(seconds=240)
    assert worker.backoff(9) == timedelta(seconds=60 * 2**8)
    assert worker.backoff(10) == timedelta(hours=6)
    assert worker.backoff(500) == timedelta(hours=6)


def test_a_failure_does_not_lose_the_other_messages_results(app):
    first, second, third = queue(3)

    class FailsOnSecond(Recorder):
        def send(self, message):
            if message.id == second:
                raise RuntimeError("boom")
            super().send(message)

    recorder = FailsOnSecond()
    stats = worker.run(once=True, senders=both(recorder))
    assert (stats.sent, stats.retried) == (2, 1)
    assert recorder.ids == [first, third]
    assert fresh(first).status == fresh(third).status == OutboxStatus.SENT
    assert fresh(second).status == OutboxStatus.PENDING


def test_max_messages_stops_the_run(app):
    ids = queue(5)
    recorder = Recorder()
    stats = worker.run(once=True, batch=50, max_messages=2, senders=both(recorder))
    assert stats.sent == 2 and recorder.ids == ids[:2]
    assert statuses() == {OutboxStatus.SENT: 2, OutboxStatus.PENDING: 3}


def test_a_stuck_claim_is_taken_over_after_the_timeout(app):
    stuck, recent = queue(2)
    now = utcnow()
    for message_id, age in ((stuck, 301), (recent, 100)):
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status=OutboxStatus.SENDING, claimed_at=now - timedelta(seconds=age))
        )
    db.session.commit()

    assert worker.claim_batch(10, now) == [stuck]
    assert fresh(stuck).claimed_at == now
    recorder = Recorder()
    assert worker.deliver(stuck, both(recorder), now) == worker.Outcome.SENT
    assert fresh(stuck).status == OutboxStatus.SENT
    assert fresh(recent).status == OutboxStatus.SENDING  # its worker may still be sending it
    # a message no longer claimed by anyone is skipped, not sent twice
    assert worker.deliver(stuck, both(recorder), now) == worker.Outcome.SKIPPED
    assert recorder.ids == [stuck]


def test_ctrl_c_gives_the_claimed_messages_back(app):
    ids = queue(3)
    stats = worker.run(once=True, senders=both(Recorder(fail=KeyboardInterrupt())))
    assert stats.processed == 0
    for message_id in ids:
        message = fresh(message_id)
        assert (message.status, message.attempts, message.claimed_at) == (
            OutboxStatus.PENDING,
            0,
            None,
        )


def test_sigterm_finishes_the_current_message_and_stops(app):
    first, *rest = queue(3)

    class TermOnFirst(Recorder):
        def send(self, message):
            os.kill(os.getpid(), signal.SIGTERM)
            super().send(message)

    before = signal.getsignal(signal.SIGTERM)
    recorder = TermOnFirst()
    stats = worker.run(once=False, poll_seconds=60, senders=both(recorder))
    assert signal.getsignal(signal.SIGTERM) == before
    assert stats.sent == 1 and recorder.ids == [first]
    assert [fresh(i).status for i in rest] == [OutboxStatus.PENDING] * 2


# ---------------------------------------------------------------- several workers at once


def test_four_workers_never_send_a_message_twice(app):
    ids = queue(40)
    recorder = Recorder(delay=0.002)
    barrier = threading.Barrier(4)
    results: list = []
    lock = threading.Lock()

    def work() -> None:
        with app.app_context():
            try:
                barrier.wait()
                outcome = worker.run(once=True, batch=5, senders=both(recorder))
            except Exception as error:  # noqa: BLE001 - reported below
                db.session.rollback()
                outcome = f"CRASH {type(error).__name__}: {error}"
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not [r for r in results if isinstance(r, str)], results
    assert len(results) == 4
    seen = Counter(recorder.ids)
    assert set(seen) == set(ids) and set(seen.values()) == {1}
    assert sum(r.sent for r in results) == 40
    assert statuses() == {OutboxStatus.SENT: 40}


# ---------------------------------------------------------------- language


def _book_two_residents(world: World) -> dict[str, OutboxMessage]:
    conference = make_conference(world.ward, title="Hội nghị đối thoại quý IV")
    world.resident.locale = "en"
    vietnamese = make_user(Role.RESIDENT, world.ward, email="vi@example.vn", locale="vi")
    services.book(conference, user=world.resident)
    services.book(conference, user=vietnamese)
    db.session.commit()
    recorder = Recorder()
    assert worker.run(once=True, senders=both(recorder)).sent == 2
    return {m.locale: m for m in recorder.sent}


def test_messages_are_sent_in_the_recipients_language(app, world: World):
    by_locale = _book_two_residents(world)
    assert set(by_locale) == {"en", "vi"}
    english, vietnamese = by_locale["en"], by_locale["vi"]
    assert english.address == "dan@example.vn" and vietnamese.address == "vi@example.vn"
    assert english.subject == "Booking confirmed: Hội nghị đối thoại quý IV"
    assert english.body.startswith("Dear Hoàng Thị Dân")
    assert english.body != vietnamese.body  # at least the date is written the Vietnamese way


def test_subjects_differ_by_language(app, world: World):
    with force_locale("vi"):
        translated = _("Booking confirmed: %(title)s", title="X") != "Booking confirmed: X"
    if not translated:
        pytest.skip("the Vietnamese catalogue has no 'Booking confirmed' subject yet")
    by_locale = _book_two_residents(world)
    assert "Booking confirmed" in by_locale["en"].subject
    assert by_locale["vi"].subject != by_locale["en"].subject


# ---------------------------------------------------------------- command line


def test_cli_queue_reminders_queues_once(app, world: World):
    tomorrow = make_conference(world.ward, starts_in=timedelta(hours=20))
    services.book(tomorrow, user=world.resident)
    db.session.commit()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["dialogues", "queue-reminders"])
    assert first.exit_code == 0, first.output
    assert "Queued 1 reminder." in first.output
    second = runner.invoke(args=["dialogues", "queue-reminders", "--hours", "24"])
    assert "Queued 0 reminders." in second.output
    db.session.rollback()
    reminders = db.session.execute(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "booking_reminder")
    ).scalars()
    assert [m.user_id for m in reminders] == [world.resident.id]


def test_cli_run_once_and_status(app, caplog):
    caplog.set_level(logging.INFO, logger="portal.outbox")
    email_id = queue(1)[0]
    sms_id = queue(1, phone=True)[0]
    runner = app.test_cli_runner()

    before = runner.invoke(args=["outbox", "status"])
    assert before.exit_code == 0, before.output
    assert "pending  2" in before.output and "due now  2" in before.output

    result = runner.invoke(args=["outbox", "run", "--once"])
    assert result.exit_code == 0, result.output
    assert "Sent: 2, retried: 0, failed: 0." in result.output
    assert fresh(email_id).status == fresh(sms_id).status == OutboxStatus.SENT
    logged = caplog.text
    assert "dan0@example.vn" in logged and "Thư số 0" in logged
    assert "091••••678" in logged and "+84912345678" not in logged  # phones masked

    after = runner.invoke(args=["outbox", "status"])
    assert "sent     2" in after.output and "pending  0" in after.output


def test_cli_run_refuses_an_unknown_sender(app):
    app.config["OUTBOX_SMS_SENDER"] = "carrier-pigeon"
    result = app.test_cli_runner().invoke(args=["outbox", "run", "--once"])
    assert result.exit_code != 0
    assert "carrier-pigeon" in result.output


# ---------------------------------------------------------------- senders


def test_senders_are_chosen_by_settings(app):
    chosen = senders_from_config(app.config)
    assert isinstance(chosen[Channel.EMAIL], LoggingSender)
    assert isinstance(chosen[Channel.SMS], LoggingSender)

    config = {
        "OUTBOX_EMAIL_SENDER": "smtp",
        "OUTBOX_SMS_SENDER": "portal.notifications.senders:LoggingSender",
        "SMTP_HOST": "mail.example.vn",
        "SMTP_PORT": 587,
    }
    chosen = senders_from_config(config)
    assert isinstance(chosen[Channel.EMAIL], SmtpSender)
    assert (chosen[Channel.EMAIL].host, chosen[Channel.EMAIL].port) == ("mail.example.vn", 587)
    assert isinstance(chosen[Channel.SMS], LoggingSender)

    with pytest.raises(ValueError, match="Unknown outbox sender"):
        senders_from_config({"OUTBOX_SMS_SENDER": "smtp"})  # no SMS over SMTP
    with pytest.raises(TypeError, match="no send"):
        load_sender("portal.notifications.worker:RunStats", {})
    with pytest.raises(ValueError, match="exclude each other"):
        SmtpSender(starttls=True, use_ssl=True)
