"""Flask-Migrate, loaded when a migration runs.

Importing Flask-Migrate imports Alembic: about 11 MB in each web worker, which never
migrates. So the app gets a stand-in: `app.extensions["migrate"]` and the `flask db` command
group load the real Flask-Migrate on first use (a migration command, a test's upgrade(),
migrations/env.py) and then behave exactly as it does."""

from __future__ import annotations

import click
from flask import Flask


def init_app(app: Flask, db, **options) -> None:
    app.extensions["migrate"] = _LazyConfig(app, db, options)
    app.cli.add_command(_LazyCommands(app))


def _load(app: Flask):
    """The real Flask-Migrate config of `app` (made on first call)."""
    current = app.extensions["migrate"]
    if isinstance(current, _LazyConfig):
        from flask_migrate import Migrate

        Migrate(app, current.db, **current.options)  # replaces both stand-ins
    return app.extensions["migrate"]


class _LazyConfig:
    def __init__(self, app: Flask, db, options: dict) -> None:
        self.app, self.db, self.options = app, db, options

    def __getattr__(self, name: str):  # anything but app, db and options
        return getattr(_load(self.app), name)


class _LazyCommands(click.Group):
    """`flask db …`: Flask-Migrate's own group (its options, its commands), loaded when the
    group is used; `flask --help` lists it without loading it."""

    def __init__(self, app: Flask) -> None:
        super().__init__(name="db", help="Perform database migrations (Flask-Migrate).")
        self.app = app

    def _group(self) -> click.Group:
        _load(self.app)
        from flask_migrate.cli import db as group

        return group

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        return self._group().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._group().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._group().get_command(ctx, name)
