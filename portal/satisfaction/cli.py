"""`flask --app wsgi satisfaction rebuild-rollups [--ward SLUG]`: recompute the monthly
satisfaction totals from every dossier and rating (after a bulk import or a repair)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from portal.satisfaction import rollups
from portal.transactions import unit_of_work
from portal.wards.services import get_ward_by_slug

satisfaction_cli = AppGroup("satisfaction", help="Satisfaction with administrative procedures.")


@satisfaction_cli.command("rebuild-rollups")
@click.option("--ward", "ward_slug", help="Only this ward (slug, e.g. phuong-bo-de).")
def rebuild_rollups(ward_slug: str | None) -> None:
    """Recompute the dashboard's monthly totals from the dossiers and ratings."""
    ward_id = None
    if ward_slug:
        ward = get_ward_by_slug(ward_slug, enabled_only=False)
        if ward is None:
            raise click.ClickException(f"Unknown ward: {ward_slug}")
        ward_id = ward.id
    with unit_of_work():
        rows = rollups.rebuild(ward_id)
    click.echo(f"{rows} rollup row(s) written.")
