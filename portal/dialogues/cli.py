"""`flask --app wsgi reception generate`: publish the coming weeks' citizen-reception slots,
and `flask --app wsgi dialogues queue-reminders`: remind people booked for a session that
starts soon (run both daily or hourly from cron or a systemd timer; running them again
creates nothing twice)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.dialogues import reception, services
from portal.domain import DomainError
from portal.transactions import unit_of_work
from portal.wards import services as ward_services

reception_cli = AppGroup("reception", help="Citizen reception slots.")
dialogues_cli = AppGroup("dialogues", help="Dialogue conferences and reception bookings.")


@reception_cli.command("generate")
@click.option(
    "--weeks",
    default=reception.DEFAULT_WEEKS,
    show_default=True,
    type=click.IntRange(1, reception.WEEKS_MAX),
    help="How many weeks ahead.",
)
@click.option(
    "--ward", "ward_slug", default=None, help="One ward's slug; all served wards if not given."
)
def generate(weeks: int, ward_slug: str | None) -> None:
    """Publish reception slots from each ward's weekly schedule, skipping public holidays."""
    try:
        with unit_of_work():
            if ward_slug:
                ward = ward_services.get_ward_by_slug(ward_slug)
                if ward is None:
                    raise click.ClickException(f"Unknown or not served ward: {ward_slug}")
                wards = [ward]
            else:
                wards = ward_services.enabled_wards()
            created = sum(reception.generate_slots(ward.id, weeks=weeks) for ward in wards)
    except DomainError as error:
        raise click.ClickException(str(error.message)) from error
    click.echo(f"Reception slots: {created} created in {len(wards)} ward(s).")


@dialogues_cli.command("queue-reminders")
@click.option(
    "--hours",
    default=None,
    type=click.IntRange(min=1),
    help="Remind about every session starting within this many hours (default: each "
    "session's own reminder time, 1 day unless its page says otherwise).",
)
def queue_reminders(hours: int | None) -> None:
    """Queue a reminder for each confirmed booking of a session starting soon (idempotent)."""
    with unit_of_work():
        queued = services.queue_reminders(hours=hours)
    click.echo(f"Queued {queued} reminder{'' if queued == 1 else 's'}.")
