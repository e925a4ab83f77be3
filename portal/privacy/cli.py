"""`flask --app wsgi retention run`: the daily job that erases personal data past its period
and the accounts whose deletion's cooling-off has ended (cron or a systemd timer)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.extensions import db
from portal.privacy import retention

retention_cli = AppGroup("retention", help="Erase personal data past its keeping period.")


@retention_cli.command("run")
def run_retention() -> None:
    """Erase what is past its period, and accounts whose deletion is due; then commit."""
    report = retention.run()
    db.session.commit()
    click.echo(
        f"Accounts deleted: {report.accounts}, feedback: {report.feedback}, "
        f"bookings: {report.bookings}, messages: {report.messages}, "
        f"call-back phones: {report.callbacks}, dossier phones: {report.dossier_phones}, "
        f"codes: {report.codes}."
    )
