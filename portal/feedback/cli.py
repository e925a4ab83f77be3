"""`flask --app wsgi feedback close-answered`: close answered feedback whose reopening period
has passed without a response (run daily from cron or a systemd timer)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.feedback import verdicts
from portal.transactions import unit_of_work

feedback_cli = AppGroup("feedback", help="Feedback and petitions.")


@feedback_cli.command("close-answered")
def close_answered() -> None:
    """Close answered feedback the resident did not respond to within the reopening period."""
    with unit_of_work():
        closed = verdicts.close_unanswered_responses()
    click.echo(f"{closed} answered feedback item(s) closed.")
