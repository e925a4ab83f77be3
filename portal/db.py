"""Database base class: constraint naming convention, UTC timestamps, small helpers."""

from __future__ import annotations

import math
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


MAX_ID = 2**31 - 1  # the largest id the database's INTEGER holds


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no zone, PostgreSQL keeps `timestamptz`; both come back as aware UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    """created_at / updated_at in UTC, set by the application."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )


def str_enum(enum_cls, length: int = 20) -> sa.Enum:
    """A portable enum column stored as its string values (no native ENUM type)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def upsert_insert(session, table):
    """An INSERT of the session's database that can say what to do when the row exists
    (`.on_conflict_do_nothing()`, `.on_conflict_do_update(...)`), on PostgreSQL and SQLite."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


# ---------------------------------------------------------------- timeouts


def timeout_options(
    url: str | sa.URL, options: dict, connect_timeout: float, statement_timeout: float
) -> dict:
    """The engine options `options` with the database's waits bounded: on PostgreSQL, at most
    `connect_timeout` seconds to connect (psycopg's default is 130 s, and a database that
    accepts connections and never answers held a worker that long) and at most
    `statement_timeout` seconds per statement, which the server enforces (0: no limit). SQLite
    gets its busy timeout in configure_sqlite."""
    url = sa.make_url(url)
    if url.get_backend_name() != "postgresql":
        return dict(options)
    connect_args = dict(options.get("connect_args", {}))
    if connect_timeout > 0:
        # psycopg counts whole seconds, at least 2.
        connect_args.setdefault("connect_timeout", max(2, math.ceil(connect_timeout)))
    if statement_timeout > 0:
        given = connect_args.get("options", url.query.get("options", ""))
        if "statement_timeout" not in given:
            limit = f"-c statement_timeout={int(statement_timeout * 1000)}"
            connect_args["options"] = f"{given} {limit}".strip()
    return {**options, "connect_args": connect_args}


# ---------------------------------------------------------------- SQLite: one writer at a time

_write_intent: ContextVar[bool] = ContextVar("write_intent", default=False)


@contextmanager
def write_intent():
    """Mark the transactions started inside as writers (BEGIN IMMEDIATE on SQLite)."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def _wants_write() -> bool:
    if _write_intent.get():
        return True
    from flask import has_request_context, request

    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")


def configure_sqlite(engine: sa.Engine, busy_timeout: float = 30) -> None:
    """Make SQLite safe under several threads and processes.

    Every transaction of a request that may write starts with BEGIN IMMEDIATE, so writers queue
    on the database lock (up to `busy_timeout` seconds) instead of failing with "database is
    locked" when they upgrade a read transaction; readers are not blocked (WAL).
    """
    memory = engine.url.database in (None, "", ":memory:")
    busy_ms = int(busy_timeout * 1000) if busy_timeout > 0 else 30000

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy's BEGIN below, not pysqlite's
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if not memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write() else "BEGIN")
