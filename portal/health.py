"""The health check's question to the database, answered within HEALTHZ_TIMEOUT seconds.

It asks on a connection of its own, made for the check (no pool), with that short connect
and statement timeout: a database that accepts connections and never answers is reported
within seconds, not after the app's own, longer, timeouts, and a pool full of connections
waiting on a stuck server does not hold the check up."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app

from portal.db import timeout_options

KEY = "portal_health_engine"


def _engine(app: Flask) -> sa.Engine:
    engine = app.extensions.get(KEY)
    if engine is None:
        seconds = app.config["HEALTHZ_TIMEOUT"]
        url = app.config["SQLALCHEMY_DATABASE_URI"]
        pooled = bool(app.config.get("DATABASE_POOLER"))
        # PgBouncer refuses a statement timeout as a startup option: it is set in the
        # check's own transaction instead (SET LOCAL, which transaction pooling allows).
        statement = 0 if pooled else seconds
        options = timeout_options(url, {"poolclass": sa.pool.NullPool}, seconds, statement)
        if pooled:
            options["connect_args"]["prepare_threshold"] = None
        if sa.make_url(url).get_backend_name() == "sqlite":
            options["connect_args"] = {"timeout": seconds}
        engine = app.extensions[KEY] = sa.create_engine(url, **options)
    return engine


def database_answers() -> bool:
    """Whether the database answers a trivial query now (within HEALTHZ_TIMEOUT)."""
    try:
        with _engine(current_app).begin() as connection:
            if current_app.config.get("DATABASE_POOLER"):
                milliseconds = int(current_app.config["HEALTHZ_TIMEOUT"] * 1000)
                connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        current_app.logger.exception("health check: database unreachable")
        return False
    return True
