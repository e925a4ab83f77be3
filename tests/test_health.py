"""GET /healthz for load balancers, and the pages while the database does not answer: a
database that accepts connections and never answers (a hung server, a firewall that
swallows packets) is reported within seconds, and the pages answer a translated 503."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from conftest import isolate_requests, make_config, text_of

from portal import create_app
from portal.db import timeout_options
from portal.extensions import db


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@contextmanager
def silent_server():
    """A TCP server on loopback that accepts every connection and never says a word."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)  # kept open, never answered

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join(timeout=2)
        for conn in accepted:
            conn.close()
        listener.close()


@pytest.fixture
def hung_database():
    """An app whose PostgreSQL server accepts connections and never answers (the app's
    settings as deployed: connect 5 s, statements 15 s, health check 2 s)."""
    with silent_server() as (port, accepted):
        url = f"postgresql+psycopg://portal@127.0.0.1:{port}/ward_portal"
        app = isolate_requests(create_app(make_config(url, DATABASE_CONNECT_TIMEOUT=2)))
        yield app, accepted
        with app.app_context():
            db.engine.dispose()


def test_healthz_answers_503_within_seconds_when_the_database_hangs(hung_database):
    app, accepted = hung_database
    started = time.monotonic()
    response = app.test_client().get("/healthz")
    elapsed = time.monotonic() - started
    print(f"\n/healthz with a hung database: {response.status_code} in {elapsed:.2f} s")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}
    assert accepted, "the check did reach the server"
    assert elapsed < 4  # HEALTHZ_TIMEOUT is 2 s (psycopg's default would be 130 s)


def test_pages_answer_a_translated_503_when_the_database_hangs(hung_database):
    app, _ = hung_database
    client = app.test_client()
    started = time.monotonic()
    vi = client.get("/wards/")
    elapsed = time.monotonic() - started
    assert vi.status_code == 503
    assert elapsed < 8  # DATABASE_CONNECT_TIMEOUT, 2 s here
    assert vi.headers["Retry-After"] == "30"
    assert "Tạm thời chưa phục vụ được" in text_of(vi)
    assert '<link rel="stylesheet"' in text_of(vi)
    en = client.get("/wards/", headers={"Accept-Language": "en"})
    assert en.status_code == 503
    assert "Service temporarily unavailable" in text_of(en)
    assert "psycopg" not in text_of(en) and "OperationalError" not in text_of(en)


def test_a_logged_in_page_answers_503_too(hung_database):
    """The account's session is in the database too: the page is drawn without it."""
    app, _ = hung_database
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1.some-token"
        session["sid"] = "the-session-secret"
    response = client.get("/account", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert "Service temporarily unavailable" in text_of(response)


def test_a_locked_sqlite_database_answers_503_after_its_busy_timeout(tmp_path):
    """SQLite waits DATABASE_STATEMENT_TIMEOUT for another writer's lock, then a 503."""
    path = tmp_path / "locked.db"
    settings = {"DATABASE_STATEMENT_TIMEOUT": 1, "WTF_CSRF_ENABLED": False}
    app = isolate_requests(create_app(make_config(f"sqlite:///{path}", **settings)))
    with app.app_context():
        db.create_all()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing, for longer than we wait
    try:
        started = time.monotonic()
        response = app.test_client().post(
            "/login",
            data={"login": "0912345678", "password": "x"},
            headers={"Accept-Language": "en"},
        )
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        with app.app_context():
            db.engine.dispose()
    assert response.status_code == 503
    assert "Service temporarily unavailable" in text_of(response)
    assert 0.9 < elapsed < 5


def test_postgresql_connections_get_the_timeouts():
    url = "postgresql+psycopg://portal@db.example:5432/ward_portal?options=-c%20search_path%3Dx"
    options = timeout_options(url, {"pool_pre_ping": True}, 5, 15)
    assert options == {
        "pool_pre_ping": True,
        "connect_args": {
            "connect_timeout": 5,
            "options": "-c search_path=x -c statement_timeout=15000",
        },
    }
    assert timeout_options(url, {}, 0, 0) == {"connect_args": {}}
    assert timeout_options("sqlite:///x.db", {"pool_pre_ping": True}, 5, 15) == {
        "pool_pre_ping": True
    }


def test_postgresql_statements_are_cut_at_the_statement_timeout(database_url):
    """The server itself stops a statement that runs longer than DATABASE_STATEMENT_TIMEOUT."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's statement_timeout")
    app = create_app(make_config(database_url, DATABASE_STATEMENT_TIMEOUT=0.5))
    with app.app_context():
        try:
            started = time.monotonic()
            with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
                db.session.execute(sa.text("SELECT pg_sleep(5)"))
            assert time.monotonic() - started < 3
        finally:
            db.session.rollback()
            db.engine.dispose()
