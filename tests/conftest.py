"""Shared fixtures: the app on SQLite (always) and PostgreSQL (when TEST_DATABASE_URL is set),
a client, ready-made wards and accounts, and helpers to log in and to send forms with CSRF."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from flask_babel import force_locale

from config import TestingConfig
from portal import create_app
from portal.auth.models import Role, User
from portal.auth.passwords import hash_password
from portal.auth.phones import normalize_phone
from portal.db import utcnow
from portal.extensions import db, limiter
from portal.wards.models import Ward

PASSWORD = "correct-horse-42"
PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"]

# Under pytest-xdist each worker process is named gw0, gw1, ...; empty when not under xdist.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# Rate-limit counters in Redis live under a prefix of this process only, so that two workers
# (or two runs sharing a Redis database) never count, or reset, each other's keys.
RATELIMIT_KEY_PREFIX = f"ward-portal-test-{XDIST_WORKER or 'main'}-{uuid.uuid4().hex[:12]}"


def make_config(database_url: str, **overrides) -> type[TestingConfig]:
    attrs = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": RATELIMIT_KEY_PREFIX},
        **overrides,
    }
    return type("TestConfig", (TestingConfig,), attrs)


def worker_database_name(base_name: str, worker: str) -> str:
    """The database of one xdist worker: the base database's name and the worker's
    (test_gw0, test_gw1, ...), so that different base databases never share one. Names past
    PostgreSQL's 63 bytes are shortened with a hash of the whole base name."""
    name = f"{base_name}_{worker}"
    if len(name.encode()) > 63:
        digest = hashlib.sha256(base_name.encode()).hexdigest()[:10]
        name = f"{base_name.encode()[:40].decode(errors='ignore')}_{digest}_{worker}"
    return name


@contextmanager
def worker_postgres_database(base_url: str, worker: str) -> Iterator[str]:
    """The base PostgreSQL database when not under xdist; under xdist a database of this
    worker's own, created from scratch (a stale one dropped first) through a maintenance
    connection to the base database, and dropped at the end."""
    if not worker:
        yield base_url
        return
    name = worker_database_name(sa.make_url(base_url).database or "postgres", worker)
    with fresh_database(base_url, name) as url:
        yield url


@contextmanager
def fresh_database(server_url: str, name: str) -> Iterator[str]:
    """A new, empty database `name` on the server of `server_url` (an old one dropped
    first), dropped at the end; yields its URL."""
    base = sa.make_url(server_url)
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    quoted = admin.dialect.identifier_preparer.quote_identifier(name)
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {quoted}"))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
        admin.dispose()


@contextmanager
def models_schema(url: str) -> Iterator[str]:
    """The models' tables created in the database at `url` (any old ones dropped first),
    dropped again on exit."""
    app = create_app(make_config(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    try:
        yield url
    finally:
        with app.app_context():
            db.drop_all()
            db.engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory) -> Iterator[str]:
    """A database with the models' schema, once per backend for the whole session (of each
    xdist worker: a PostgreSQL database of its own, a SQLite file in its own temp folder)."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL tests skipped: TEST_DATABASE_URL is not set")
        with worker_postgres_database(PG_URL, XDIST_WORKER) as url, models_schema(url):
            yield url
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        with models_schema(url):
            yield url


# Every sequence of the schema back to its start, as TRUNCATE ... RESTART IDENTITY does.
RESTART_SEQUENCES = sa.text(
    "SELECT setval(CAST(quote_ident(schemaname) || '.' || quote_ident(sequencename) AS regclass),"
    " start_value, false) FROM pg_sequences WHERE schemaname = current_schema()"
)


def empty_tables() -> None:
    """Empty every table, children first, and restart the ids (after each test; a test may
    need several worlds): what TRUNCATE ... RESTART IDENTITY CASCADE did on PostgreSQL, but
    DELETE on the few rows a test leaves takes milliseconds where TRUNCATE (new files for
    every table and index) took up to a second. SQLite hands out ids from 1 again by itself
    once a table is empty. The audit trail is append-only (the ORM refuses, and on PostgreSQL
    its trigger): emptying it goes around both, as only a superuser restoring a backup may."""
    connection = db.session.connection()
    if db.engine.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
    for table in reversed(db.metadata.sorted_tables):
        connection.execute(table.delete())
    if db.engine.dialect.name == "postgresql":
        connection.execute(RESTART_SEQUENCES)
    db.session.commit()


def isolate_requests(app: Flask) -> Flask:
    """Tests keep one app context open, so `g` would outlive a request; empty it
    after each request (Flask-Login's user, Flask-Babel's locale), as production would."""

    @app.teardown_request
    def _fresh_globals(exc=None):
        for name in list(g):
            g.pop(name, None)

    return app


@pytest.fixture(scope="session")
def shared_app(database_url: str) -> Iterator[Flask]:
    """The app of every test's `app`, one per backend (and xdist worker): create_app compiles
    some hundred URL rules (~60 ms), which was a third of a short test's time."""
    app = isolate_requests(create_app(make_config(database_url)))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(shared_app: Flask) -> Iterator[Flask]:
    """The backend's app as create_app made it: the settings a test changes are put back
    afterwards, and the rate limiter's process-wide switch (which every create_app sets, and
    a test's own rate-limited app turns on) is set from this app's settings again, as its
    create_app did. The tables are emptied after the test. Its connections go back to the
    pool (rolled back) for the next test, which saves opening new ones (a new PostgreSQL
    backend each time); should the test leave one checked out, the pool is thrown away."""
    app = shared_app
    settings = dict(app.config)
    limiter.init_app(app)  # RATELIMIT_ENABLED is off here: this only sets limiter.enabled
    try:
        with app.app_context():
            yield app
            db.session.rollback()
            empty_tables()
            db.session.remove()
            pool = db.engine.pool
            if not hasattr(pool, "checkedout") or pool.checkedout():
                db.engine.dispose()
    finally:
        app.config.clear()
        app.config.update(settings)


@pytest.fixture
def english(app: Flask) -> Iterator[None]:
    """Service messages in English for the test's assertions (Vietnamese is the default)."""
    with force_locale("en"):
        yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def backend(app: Flask) -> str:
    return db.engine.dialect.name


# ---------------------------------------------------------------- factories


def make_ward(code: int, name: str, slug: str, enabled: bool = True) -> Ward:
    """A ward of Hà Nội; an enabled one is enabled as the administrator would (it gets its
    default feedback categories and procedure catalogue)."""
    from portal.wards.services import set_enabled

    ward = Ward(
        code=code,
        name=name,
        slug=slug,
        division_type="phường",
        province_code=1,
        province_name="Thành phố Hà Nội",
        enabled=False,
    )
    db.session.add(ward)
    db.session.flush()
    if enabled:
        set_enabled(ward, True)
    return ward


_phone_counter = itertools.count(1000)  # 0912001000, 0912001001, … (a million numbers)


def make_user(
    role: Role = Role.RESIDENT,
    ward: Ward | None = None,
    *,
    name: str = "Nguyễn Văn Thử",
    phone: str | None = None,
    email: str | None = None,
    locale: str | None = None,
    verified: bool = True,
) -> User:
    """An account; its number is proven unless `verified=False` (a resident who has not
    typed the code yet)."""
    user = User(
        full_name=name,
        phone=normalize_phone(phone or f"0912{next(_phone_counter):06d}"),
        email=email,
        password_hash=PASSWORD_HASH,
        role=role,
        ward=ward,
        locale=locale,
        phone_verified_at=utcnow() if verified else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


@dataclass
class World:
    """Two served wards, one not served, and one account of every kind."""

    ward: Ward
    other_ward: Ward
    unserved_ward: Ward
    resident: User
    staff: User
    staff_other: User
    chairman: User
    supervisor: User
    admin: User

    def by_name(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


def build_world() -> World:
    """Two served wards, one not served, and one account of every kind (committed)."""
    ward = make_ward(130, "Phường Bồ Đề", "phuong-bo-de")
    other = make_ward(127, "Phường Việt Hưng", "phuong-viet-hung")
    unserved = make_ward(70, "Phường Hoàn Kiếm", "phuong-hoan-kiem", enabled=False)
    w = World(
        ward=ward,
        other_ward=other,
        unserved_ward=unserved,
        resident=make_user(
            Role.RESIDENT, ward, name="Hoàng Thị Dân", phone="0912345678", email="dan@example.vn"
        ),
        staff=make_user(Role.STAFF, ward, name="Trần Thị Công"),
        staff_other=make_user(Role.STAFF, other, name="Phạm Thị Hưng"),
        chairman=make_user(Role.CHAIRMAN, ward, name="Nguyễn Văn Chủ"),
        supervisor=make_user(Role.SUPERVISOR, ward, name="Lê Văn Giám"),
        admin=make_user(Role.ADMIN, None, name="Quản Trị Viên"),
    )
    db.session.commit()
    return w


@pytest.fixture
def world(app: Flask) -> World:
    return build_world()


# ---------------------------------------------------------------- helpers

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/") -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: FlaskClient, path: str, data: dict | None = None, **kwargs):
    """POST a form with a valid CSRF token."""
    payload = {"csrf_token": csrf_token(client), **(data or {})}
    return client.post(path, data=payload, **kwargs)


def login_as(client: FlaskClient, user: User | None) -> FlaskClient:
    """Log a test client in as `user` (or leave it anonymous for None), with a session the
    server knows, as logging in on the page would make."""
    from portal.auth.models import AuthSession
    from portal.auth.sessions import KEY, _hash

    if user is not None:
        secret = f"test-{user.id}-{next(_session_counter)}"
        db.session.add(AuthSession(user_id=user.id, token_hash=_hash(secret), method="test"))
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session[KEY] = secret
    return client


_session_counter = itertools.count(1)


def text_of(response) -> str:
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- dialogues


def make_conference(
    ward: Ward,
    *,
    capacity: int = 10,
    walk_in_seats: int = 0,
    starts_in: timedelta = timedelta(days=14),
    status: str = "published",
    title: str = "Hội nghị đối thoại quý IV",
    **extra,
):
    from portal.dialogues.models import DialogueSession, SessionKind, SessionMode, SessionStatus

    starts = utcnow() + starts_in
    session = DialogueSession(
        ward_id=ward.id,
        kind=extra.pop("kind", SessionKind.CONFERENCE),
        status=SessionStatus(status),
        title=title,
        agenda="Cải cách thủ tục hành chính; trật tự đô thị.",
        mode=SessionMode.IN_PERSON,
        venue="Hội trường UBND phường, số 1 Bồ Đề",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=capacity,
        walk_in_seats=walk_in_seats,
        seats_taken=0,
        walk_ins=0,
        **extra,
    )
    db.session.add(session)
    db.session.flush()
    return session


# ---------------------------------------------------------------- feedback


def make_feedback(ward: Ward, user: User | None = None, *, now=None, **fields):
    """Feedback filed through the service (default categories made if needed)."""
    from portal.feedback import categories, submission

    categories.provide_defaults(ward.id)
    category = categories.category_by_code(ward.id, fields.pop("category", "environment"))
    data = submission.FeedbackInput(
        category_id=category.id,
        title=fields.pop("title", "Rác thải ở ngõ 12"),
        body=fields.pop("body", "Rác để ở đầu ngõ 12 Bồ Đề ba ngày chưa được thu gom."),
        **fields,
    )
    if user is None and not data.contact_name:  # someone who phoned, and can be called back
        data.contact_name = "Người Gọi Điện"
        data.contact_phone = data.contact_phone or "0987 654 321"
    return submission.submit(ward, data, user=user, now=now)


def feedback_fields(world: World, **overrides) -> dict:
    """The fields of a valid feedback form (the resident's; an officer's adds the caller),
    in the ward's "environment" category (made if needed)."""
    from portal.feedback import categories

    categories.provide_defaults(world.ward.id)
    db.session.commit()
    fields = {
        "category": str(categories.category_by_code(world.ward.id, "environment").id),
        "title": "Rác ở ngõ 12",
        "body": "Rác để ở đầu ngõ 12 ba ngày chưa thu gom.",
        "address": "Ngõ 12 Bồ Đề",
        "residential_group": "Tổ 5",
        "latitude": "21.0452",
        "longitude": "105.8781",
        "publish_allowed": "y",
    }
    fields.update(overrides)
    return fields
