"""Database base class: constraint naming convention, UTC timestamps, small helpers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portal.text import search_words

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


POOLERS = ("", "pgbouncer")


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS with what DATABASE_POOLER needs, as a new dict (the settings
    class's own is shared by every app made from it).

    Behind PgBouncer in transaction pooling each transaction may run on another server
    connection, so a statement psycopg prepared on one (it does after `prepare_threshold`
    runs, 5 by default) is missing on the next, or clashes with another client's of the same
    name: `prepare_threshold=None` never prepares. Refuses an unknown pooler, or a pooler in
    front of anything but PostgreSQL.
    """
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    pooler = (config.get("DATABASE_POOLER") or "").strip().lower()
    if pooler not in POOLERS:
        raise RuntimeError(f"DATABASE_POOLER must be empty or 'pgbouncer', not {pooler!r}.")
    if "options" in options.get("connect_args", {}) and pooler:
        raise RuntimeError(
            "PgBouncer does not accept the 'options' startup parameter: set it on the "
            "database role (ALTER ROLE … SET statement_timeout = …) instead."
        )
    # Behind PgBouncer the statement timeout is the database role's (ALTER ROLE … SET
    # statement_timeout), as PgBouncer refuses it as a startup parameter.
    options = timeout_options(
        config["SQLALCHEMY_DATABASE_URI"],
        options,
        config.get("DATABASE_CONNECT_TIMEOUT", 0),
        0 if pooler else config.get("DATABASE_STATEMENT_TIMEOUT", 0),
    )
    if not pooler:
        return options
    url = sa.make_url(config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql" or url.get_driver_name() != "psycopg":
        raise RuntimeError(
            "DATABASE_POOLER=pgbouncer needs a postgresql+psycopg:// DATABASE_URL "
            f"(not {url.drivername})."
        )
    connect_args = {**options.get("connect_args", {}), "prepare_threshold": None}
    if "options" in connect_args:
        # PgBouncer refuses the `options` startup parameter (-c statement_timeout=…) on every
        # connection: say so once, at start. Set such values on the role instead.
        raise RuntimeError(
            "PgBouncer does not accept the 'options' startup parameter: set it on the "
            "database role (ALTER ROLE … SET statement_timeout = …) instead."
        )
    options["connect_args"] = connect_args
    return options


def folded_search(columns: Sequence[Any], text: str) -> sa.ColumnElement[bool] | None:
    """A condition that finds `text` in folded columns (see portal.text.fold): each typed
    word, folded, in one of `columns`, in any order; `%` and `_` are plain characters (LIKE
    with autoescape). None when the text has no word. On PostgreSQL a pg_trgm GIN index on a
    folded column serves these LIKEs."""
    words = search_words(text)
    if not words:
        return None
    return sa.and_(
        *(sa.or_(*(column.contains(word, autoescape=True) for column in columns)) for word in words)
    )


def trigram_index(name: str, column: str) -> sa.Index:
    """A pg_trgm GIN index on a folded text column (for folded_search's LIKEs), created on
    PostgreSQL only: SQLite has no such index (its LIKE scans, which is fine at its scale)."""
    return sa.Index(
        name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"}
    ).ddl_if(dialect="postgresql")


def schema_objects_of(dialect: str):
    """Alembic's include_object for a database of `dialect`: leaves out the indexes that are
    created on another dialect only (trigram_index), so that comparing the models with a
    SQLite database does not ask for them."""

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        condition = getattr(obj, "_ddl_if", None) if type_ == "index" else None
        return condition is None or condition.dialect in (None, dialect)

    return include_object


# The trigram indexes need the extension; a database made from the models (tests, a first
# install without migrations) gets it first. The migration that adds them creates it too.
sa.event.listen(
    Base.metadata,
    "before_create",
    sa.DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
