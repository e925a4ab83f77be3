"""The database round trips of a request, kept to the ones that carry data.

- **A ping only after idling.** A connection from the pool is checked with a trivial query
  only when it has been idle for more than DATABASE_PING_IDLE_SECONDS (0: before every use,
  SQLAlchemy's `pool_pre_ping`). One in steady use is not pinged: should the database
  restart, the first statement on it fails, SQLAlchemy throws away every connection opened
  before, and the page says the database is unavailable (503) until the next one works.
- **A read ends with COMMIT.** A request's transaction that ran no statement but SELECTs, and
  holds no unsaved change, is committed instead of rolled back: the same for the data, but
  psycopg forgets its prepared statements on every ROLLBACK, so with rollbacks every
  statement was parsed and planned anew on every request. One that wrote and did not commit
  (a view that failed half-way) is rolled back, as always.
"""

from __future__ import annotations

import re
import time

import sqlalchemy as sa
from flask import Flask

from portal.extensions import db

WROTE = "portal_wrote"  # on a connection's info: a statement other than a SELECT ran
IDLE_SINCE = "portal_idle_since"  # on a pooled connection's record: when it was checked in
_READ = re.compile(r"\s*(SELECT|SHOW|BEGIN)\b", re.IGNORECASE)  # (SQLite's own BEGIN)


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    _note_writes(engine)
    idle = float(app.config.get("DATABASE_PING_IDLE_SECONDS", 0))
    _ping_after_idle(engine, idle)
    app.teardown_request(_end_reads_with_commit)


def _note_writes(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "before_cursor_execute")
    def _note(connection, _cursor, statement, _params, _context, _many):
        if not _READ.match(statement):
            connection.info[WROTE] = True

    @sa.event.listens_for(engine, "commit")
    @sa.event.listens_for(engine, "rollback")
    def _ended(connection):
        connection.info.pop(WROTE, None)


def _ping_after_idle(engine: sa.Engine, idle_seconds: float) -> None:
    @sa.event.listens_for(engine.pool, "checkin")
    def _checkin(_dbapi_connection, record):
        if record is not None:
            record.info[IDLE_SINCE] = time.monotonic()

    @sa.event.listens_for(engine.pool, "checkout")
    def _checkout(dbapi_connection, record, _proxy):
        since = record.info.get(IDLE_SINCE)
        if since is not None and time.monotonic() - since <= idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise sa.exc.DisconnectionError() from error  # the pool opens a new one
            raise
        if not alive:
            raise sa.exc.DisconnectionError()


def _end_reads_with_commit(error: BaseException | None) -> None:
    session = db.session()  # this request's own Session
    if error is not None or session.new or session.dirty or session.deleted:
        return
    transaction = session.get_transaction()
    connections = getattr(transaction, "_connections", None) if transaction else None
    if not connections:
        return
    if any(entry[0].info.get(WROTE) for entry in connections.values()):
        return  # Flask-SQLAlchemy's teardown rolls it back
    try:
        session.commit()
    except sa.exc.SQLAlchemyError:
        session.rollback()
