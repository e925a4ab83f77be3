"""`flask --app wsgi reception generate`: publish the coming weeks' citizen-reception slots
(run it daily from cron or a systemd timer; running it again creates nothing twice)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.db import write_intent
from portal.dialogues import reception
from portal.domain import DomainError
from portal.extensions import db
from portal.wards import services as ward_services

reception_cli = AppGroup("reception", help="Citizen reception slots.")


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
    with write_intent():  # SQLite: take the write lock up front, like a POST request
        if ward_slug:
            ward = ward_services.get_ward_by_slug(ward_slug)
            if ward is None:
                raise click.ClickException(f"Unknown or not served ward: {ward_slug}")
            wards = [ward]
        else:
            wards = ward_services.enabled_wards()
        created = 0
        try:
            for ward in wards:
                created += reception.generate_slots(ward.id, weeks=weeks)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(str(error.message)) from error
        db.session.commit()
    click.echo(f"Reception slots: {created} created in {len(wards)} ward(s).")
