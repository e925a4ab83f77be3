"""`flask --app wsgi feedback close-answered`: close answered feedback whose reopening period
has passed without a response; `flask --app wsgi deadlines run`: warn of deadlines (each run
daily from cron or a systemd timer)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.feedback import alerts, verdicts
from portal.transactions import unit_of_work

feedback_cli = AppGroup("feedback", help="Feedback and petitions.")


@feedback_cli.command("close-answered")
def close_answered() -> None:
    """Close answered feedback the resident did not respond to within the reopening period."""
    with unit_of_work():
        closed = verdicts.close_unanswered_responses()
    click.echo(f"{closed} answered feedback item(s) closed.")


deadlines_cli = AppGroup("deadlines", help="Warnings before feedback deadlines are missed.")


@deadlines_cli.command("run")
def run_deadlines() -> None:
    """Tell officers what falls due soon, chairmen what is overdue, and send the digests;
    safe to run more than once a day (nobody is told twice)."""
    with unit_of_work():
        report = alerts.run()
    click.echo(
        f"Warnings: {report.warnings}, overdue notices: {report.overdue}, "
        f"digests: {report.digests}."
    )
