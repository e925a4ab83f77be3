"""`flask --app wsgi outbox run|status|list`: operate the outbox from the shell."""

from __future__ import annotations

import logging

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from portal.auth.phones import InvalidPhone, normalize_phone
from portal.db import utcnow
from portal.extensions import db
from portal.notifications import worker
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.notifications.senders import masked_address, senders_from_config
from portal.timeutil import to_local

outbox_cli = AppGroup("outbox", help="Send queued e-mail and SMS.")


def _log_to_stderr() -> None:
    """Show the worker's INFO lines (journald under systemd) unless logging is set up."""
    logger = logging.getLogger("portal.outbox")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    current_app.logger  # noqa: B018 - creates Flask's stderr handler on the "portal" logger


@outbox_cli.command("run")
@click.option("--once", is_flag=True, help="Stop when nothing is due instead of polling.")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--poll",
    "poll_seconds",
    default=5.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds to wait when nothing is due.",
)
@click.option(
    "--max", "max_messages", default=None, type=click.IntRange(min=1), help="Stop after N."
)
def run_outbox(once: bool, batch: int, poll_seconds: float, max_messages: int | None) -> None:
    """Deliver due messages (several workers may run at once). Stops on SIGTERM or Ctrl-C."""
    try:
        senders = senders_from_config(current_app.config)
    except (ValueError, TypeError, ImportError, AttributeError) as error:
        raise click.ClickException(f"Outbox senders: {error}") from error
    _log_to_stderr()
    names = ", ".join(f"{channel}: {type(s).__name__}" for channel, s in senders.items())
    click.echo(f"Outbox worker ({names}).", err=True)
    stats = worker.run(
        once=once,
        batch=batch,
        poll_seconds=poll_seconds,
        max_messages=max_messages,
        senders=senders,
    )
    click.echo(f"Sent: {stats.sent}, retried: {stats.retried}, failed: {stats.failed}.")


@outbox_cli.command("status")
def outbox_status() -> None:
    """Count messages per status, and how many are due now."""
    counts = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    for status in OutboxStatus:
        click.echo(f"{status.value:<8} {counts.get(status, 0)}")
    due = db.session.execute(
        sa.select(sa.func.count()).where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= utcnow(),
        )
    ).scalar_one()
    click.echo(f"due now  {due}")
    db.session.rollback()


def _address(text: str) -> str:
    """An e-mail address as given; a phone number in any usual writing as E.164."""
    if "@" in text:
        return text.strip().lower()
    try:
        return normalize_phone(text)
    except InvalidPhone as error:
        raise click.BadParameter(f"not an e-mail address or a mobile number: {text!r}") from error


@outbox_cli.command("list")
@click.option("--to", "to", default=None, help="Only messages to this phone or e-mail address.")
@click.option("--about", default=None, help='Only messages about one item, e.g. "booking:12".')
@click.option("--last", default=20, show_default=True, type=click.IntRange(min=1, max=1000))
def outbox_list(to: str | None, about: str | None, last: int) -> None:
    """Show the latest messages, newest last, with their state and text (a one-time code
    stays readable until a real sender handed it over: this is how a developer signs in
    with the `log` sender)."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(last)
    if to:
        address = _address(to)
        query = query.where(sa.func.lower(OutboxMessage.address) == address)
    if about:
        query = query.where(OutboxMessage.about == about)
    messages = list(db.session.execute(query).scalars())[::-1]
    if not messages:
        click.echo("No messages.")
    for message in messages:
        when = to_local(message.created_at).strftime("%d/%m/%Y %H:%M")
        click.echo(
            f"#{message.id} {when} {message.channel} {message.kind} "
            f"to {masked_address(message)}: {message.status}"
            + (f" ({message.last_error})" if message.last_error else "")
        )
        if message.subject:
            click.echo(f"  {message.subject}")
        for line in message.body.splitlines() or [""]:
            click.echo(f"  {line}")
    db.session.rollback()
