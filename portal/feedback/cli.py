"""`flask --app wsgi feedback close-answered`: close answered feedback whose reopening period
has passed without a response (run daily from cron or a systemd timer)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.db import write_intent
from portal.extensions import db
from portal.feedback import services

feedback_cli = AppGroup("feedback", help="Feedback and petitions.")


@feedback_cli.command("close-answered")
def close_answered() -> None:
    """Close answered feedback the resident did not respond to within the reopening period."""
    with write_intent():  # SQLite: take the write lock up front, like a POST request
        closed = services.close_unanswered_responses()
        db.session.commit()
    click.echo(f"{closed} answered feedback item(s) closed.")
