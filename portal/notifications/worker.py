"""The outbox worker: claim due messages, send them, record the result, retry with backoff.

Several workers may run at once (on one node or many): claiming is one UPDATE over rows chosen
with `FOR UPDATE SKIP LOCKED` on PostgreSQL, and serialised by BEGIN IMMEDIATE on SQLite, so a
message is claimed by exactly one worker. A worker that dies mid-batch leaves its rows in
SENDING; after OUTBOX_CLAIM_TIMEOUT seconds another worker claims them again. Delivery is
therefore at-least-once in that rare case, and exactly-once otherwise.

The worker owns its database session: each step starts a fresh transaction (discarding
anything left uncommitted, which was never meant to be sent) and commits its own result, one
message at a time, so one failure never loses another message's result.
"""

from __future__ import annotations

import enum
import logging
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from portal.auth.models import ConsentPurpose, User
from portal.auth.phones import mask_phones
from portal.db import utcnow
from portal.extensions import db
from portal.notifications import preferences
from portal.notifications.handover import Receipt
from portal.notifications.models import Channel, OutboxMessage, OutboxStatus
from portal.notifications.senders import Sender, masked_address, senders_from_config
from portal.transactions import fresh_read, unit_of_work

log = logging.getLogger("portal.outbox")

MAX_BACKOFF = timedelta(hours=6)
SCRUBBED = "•••"  # what is kept of a sensitive message's text once it has been handed over
ERROR_MAX_CHARS = 500
# Settings whose values are blanked out of stored errors.
SECRETS = ("SMTP_PASSWORD", "SECRET_KEY", "ESMS_API_KEY", "ESMS_SECRET_KEY", "ZALO_APP_SECRET")


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # failed, back to PENDING until next_attempt_at
    FAILED = "failed"  # failed for the last time
    SKIPPED = "skipped"  # no longer ours (already handled by another worker)


@dataclass
class RunStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0

    @property
    def processed(self) -> int:
        return self.sent + self.retried + self.failed + self.skipped

    def add(self, outcome: Outcome) -> None:
        field = {Outcome.RETRY: "retried"}.get(outcome, outcome.value)
        setattr(self, field, getattr(self, field) + 1)


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def _due(now: datetime):
    stale = now - timedelta(seconds=_setting("OUTBOX_CLAIM_TIMEOUT", 300))
    return sa.or_(
        sa.and_(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
        ),
        sa.and_(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < stale,
        ),
    )


def claim_batch(limit: int, now: datetime | None = None) -> list[int]:
    """Claim up to `limit` due messages for this worker (status SENDING) and commit.

    PostgreSQL: the rows are locked with FOR UPDATE SKIP LOCKED, so concurrent claimers take
    different rows without waiting; SQLite: BEGIN IMMEDIATE lets one claimer in at a time.

    Due: PENDING whose next attempt time has come, or SENDING whose claim is older than
    OUTBOX_CLAIM_TIMEOUT (its worker died). Returns their ids, oldest first.
    """
    now = now or utcnow()
    if limit <= 0:
        return []
    with unit_of_work():
        chosen = list(
            db.session.execute(
                sa.select(OutboxMessage.id)
                .where(_due(now))
                .order_by(OutboxMessage.id)
                .limit(limit)
                .with_for_update(skip_locked=True)  # ignored by SQLite (BEGIN IMMEDIATE there)
            ).scalars()
        )
        if not chosen:
            return []
        # Two statements on purpose: PostgreSQL may rescan an `IN (SELECT … LIMIT n FOR UPDATE
        # SKIP LOCKED)` subquery inside an UPDATE and claim more than n rows. `_due` is repeated
        # only as a safeguard: the chosen rows are locked (or the database is ours) until commit.
        claimed = db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(chosen), _due(now))
            .values(status=OutboxStatus.SENDING, claimed_at=now)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        ).scalars()
        ids = sorted(claimed)
    return ids


def release(ids: list[int]) -> None:
    """Give claimed but unsent messages back (PENDING, due now) when the worker stops."""
    if not ids:
        return
    with unit_of_work():
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.PENDING, claimed_at=None)
            .execution_options(synchronize_session=False)
        )


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: OUTBOX_BACKOFF_SECONDS, doubling, at most 6 h."""
    base = _setting("OUTBOX_BACKOFF_SECONDS", 60)
    exponent = min(max(attempts - 1, 0), 30)  # 2**30 × anything is far past the cap
    return min(timedelta(seconds=base * 2**exponent), MAX_BACKOFF)


def describe_error(error: BaseException, config: Mapping | None = None) -> str:
    """A short, storable account of a failure, with configured secrets blanked out."""
    config = config if config is not None else current_app.config
    text = mask_phones(f"{type(error).__name__}: {error}".strip())
    for name in SECRETS:
        secret = config.get(name)
        if isinstance(secret, str) and len(secret) >= 4:
            text = text.replace(secret, "***")
    if len(text) > ERROR_MAX_CHARS:
        text = text[: ERROR_MAX_CHARS - 1] + "…"
    return text


def deliver(
    message_id: int, senders: Mapping[Channel, Sender], now: datetime | None = None
) -> Outcome:
    """Send one claimed message and commit its new state (SENT, PENDING for a retry, FAILED).

    The sender runs outside any database transaction, so a slow SMTP server holds no locks.
    """
    now = now or utcnow()
    fresh_read()
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.status != OutboxStatus.SENDING:
        db.session.rollback()
        return Outcome.SKIPPED
    if _consent_withdrawn(message):
        db.session.rollback()
        _give_up(message_id, WITHDRAWN)
        log.info("outbox #%s %s not sent: consent withdrawn", message_id, message.kind)
        return Outcome.SKIPPED
    message = _detached_copy(message)  # the sender works on a copy, outside any transaction
    db.session.rollback()

    try:
        sender = senders.get(message.channel)
        if sender is None:
            raise LookupError(f"no sender configured for channel {message.channel}")
        receipt = sender.send(message)
    except Exception as error:  # noqa: BLE001 - any failure of the sender is retried
        return _record_failure(message, error, now)

    if not isinstance(receipt, Receipt):
        receipt = Receipt(provider_id=receipt if isinstance(receipt, str) else None)
    done = {"status": OutboxStatus.SENT, "sent_at": now, "last_error": receipt.note}
    if receipt.provider_id:
        done["provider_message_id"] = receipt.provider_id[:100]
    if receipt.channel is not None:  # it went another way (a Zalo message as SMS)
        done["channel"] = receipt.channel
    if message.sensitive and not getattr(sender, "keeps_sensitive_text", False):
        done["body"] = SCRUBBED  # a one-time code stays readable only until it is handed over
        done["data"] = None
    with unit_of_work():
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.SENDING)
            .values(**done)
            .execution_options(synchronize_session=False)
        )
    log.info("outbox #%s %s sent to %s", message_id, message.kind, masked_address(message))
    return Outcome.SENT


WITHDRAWN = "Withdrawn: the person no longer agrees to messages of this purpose"


def _consent_withdrawn(message: OutboxMessage) -> bool:
    """The account holder withdrew the consent this message rests on (or the account is
    gone) after it was queued: it must not leave."""
    if message.user_id is None or not message.purpose:
        return False
    user = db.session.get(User, message.user_id)
    if user is None or user.deleted_at is not None:
        return True
    return preferences.channel_for(user, ConsentPurpose(message.purpose)) is None


def _give_up(message_id: int, reason: str) -> None:
    with unit_of_work():
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.SENDING)
            .values(status=OutboxStatus.FAILED, last_error=reason, body=SCRUBBED, data=None)
            .execution_options(synchronize_session=False)
        )


def _detached_copy(message: OutboxMessage) -> OutboxMessage:
    columns = sa.inspect(OutboxMessage).column_attrs
    return OutboxMessage(**{attr.key: getattr(message, attr.key) for attr in columns})


def _record_failure(message: OutboxMessage, error: Exception, now: datetime) -> Outcome:
    attempts = message.attempts + 1
    # A refusal no retry can mend (wrong keys, a number the provider cannot use) ends it now.
    final = attempts >= _setting("OUTBOX_MAX_ATTEMPTS", 6) or getattr(error, "permanent", False)
    values: dict = {
        "attempts": attempts,
        "last_error": describe_error(error),
        "status": OutboxStatus.FAILED if final else OutboxStatus.PENDING,
    }
    if not final:
        values["next_attempt_at"] = now + backoff(attempts)
    elif message.sensitive:
        values["body"] = SCRUBBED
    with unit_of_work():
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.status == OutboxStatus.SENDING)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    log.warning(
        "outbox #%s %s to %s failed (attempt %s%s): %s",
        message.id,
        message.kind,
        masked_address(message),
        attempts,
        ", giving up" if final else f", next at {values['next_attempt_at']:%Y-%m-%d %H:%M:%S}Z",
        values["last_error"],
    )
    return Outcome.FAILED if final else Outcome.RETRY


class _StopFlag:
    """Set by SIGTERM (in the main thread) to finish the current message and stop."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous = None
        self._installed = False

    def __enter__(self) -> _StopFlag:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc) -> None:
        if self._installed:
            signal.signal(signal.SIGTERM, self._previous)

    def _handle(self, signum, frame) -> None:
        log.info("outbox worker: SIGTERM received, stopping after the current message")
        self.event.set()

    @property
    def set(self) -> bool:
        return self.event.is_set()


def run(
    *,
    once: bool = False,
    batch: int = 50,
    poll_seconds: float = 5.0,
    max_messages: int | None = None,
    senders: Mapping[Channel, Sender] | None = None,
    now: datetime | None = None,
) -> RunStats:
    """Deliver due messages until stopped; returns what happened.

    Stops when `once` is set and nothing is due any more, after `max_messages` messages, on
    SIGTERM (after the current message) or Ctrl-C. Otherwise waits `poll_seconds` between
    polls that found nothing. `now` fixes the clock (tests); by default it is read each batch.
    Claimed messages not yet sent when it stops are given back at once.
    """
    senders = senders if senders is not None else senders_from_config(current_app.config)
    stats = RunStats()
    pending: list[int] = []
    with _StopFlag() as stop:
        try:
            while not stop.set:
                limit = batch
                if max_messages is not None:
                    limit = min(batch, max_messages - stats.processed)
                    if limit <= 0:
                        break
                pending = claim_batch(limit, now or utcnow())
                if not pending:
                    if once:
                        break
                    stop.event.wait(poll_seconds)
                    continue
                while pending and not stop.set:
                    stats.add(deliver(pending[0], senders, now or utcnow()))
                    pending.pop(0)
        except KeyboardInterrupt:
            log.info("outbox worker: interrupted, stopping")
        finally:
            if pending:
                try:
                    release(pending)
                except Exception:  # don't hide the error that stopped us; the claim times out
                    log.exception("outbox worker: could not give back %s messages", len(pending))
    return stats
