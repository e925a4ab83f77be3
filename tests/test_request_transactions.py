"""A request's round trips to the database (portal/requestdb.py): a transaction that only read
ends with COMMIT (psycopg keeps its prepared statements, which a ROLLBACK throws away), one
that wrote and did not commit is rolled back, and a pooled connection is pinged only after
idling; a connection that died while idle is replaced before the page uses it."""

from __future__ import annotations

import time
from collections import Counter

import pytest
import sqlalchemy as sa
from conftest import empty_tables, isolate_requests, make_config, make_ward

from portal import create_app
from portal.extensions import db
from portal.wards.models import Ward


@pytest.fixture
def probe_app(database_url):
    """An app of its own (its pool, its settings) with three test routes."""
    app = isolate_requests(create_app(make_config(database_url, DATABASE_PING_IDLE_SECONDS=0.3)))

    def read():
        return str(len(db.session.execute(sa.select(Ward)).scalars().all()))

    def write_and_fail_to_commit():
        db.session.execute(sa.update(Ward).values(name="Đã sửa"))
        return "no commit"

    def change_without_flush():
        ward = db.session.execute(sa.select(Ward)).scalars().first()
        ward.name = "Chưa lưu"
        return "dirty"

    for view in (read, write_and_fail_to_commit, change_without_flush):
        app.add_url_rule(f"/_probe/{view.__name__}", view_func=view)
    with app.app_context():
        make_ward(1, "Phường Thử", "phuong-thu")
        db.session.commit()
        db.session.remove()
    ends: Counter = Counter()
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "commit", lambda _c: ends.update(["commit"]))
    sa.event.listen(engine, "rollback", lambda _c: ends.update(["rollback"]))
    app.ends = ends
    yield app
    with app.app_context():
        empty_tables()
        db.engine.dispose()


def _ward_name(app) -> str:
    with app.app_context():
        name = db.session.execute(sa.select(Ward.name)).scalar_one()
        db.session.remove()
        return name


def test_a_read_only_request_ends_with_commit(probe_app):
    client = probe_app.test_client()
    probe_app.ends.clear()
    assert client.get("/_probe/read").text == "1"
    assert probe_app.ends == Counter({"commit": 1})


def test_a_request_that_wrote_without_committing_is_rolled_back(probe_app):
    client = probe_app.test_client()
    probe_app.ends.clear()
    assert client.get("/_probe/write_and_fail_to_commit").status_code == 200
    assert probe_app.ends["commit"] == 0 and probe_app.ends["rollback"] >= 1
    assert _ward_name(probe_app) == "Phường Thử"


def test_an_unsaved_change_is_neither_flushed_nor_committed(probe_app):
    client = probe_app.test_client()
    assert client.get("/_probe/change_without_flush").text == "dirty"
    assert _ward_name(probe_app) == "Phường Thử"


def test_prepared_statements_outlive_the_request(probe_app, backend):
    """psycopg prepares a statement run five times on a connection; with reads rolled back
    it forgot them at the end of every request, so nothing was ever prepared for long."""
    if backend != "postgresql":
        pytest.skip("psycopg's prepared statements are PostgreSQL's")
    client = probe_app.test_client()
    for _ in range(7):
        assert client.get("/_probe/read").status_code == 200
    with probe_app.app_context():
        raw = db.engine.raw_connection()
        try:
            prepared = dict(raw.dbapi_connection._prepared._names)
        finally:
            raw.close()
    assert any(b"FROM wards" in key[0] for key in prepared), prepared


def _pings(app, monkeypatch) -> Counter:
    with app.app_context():
        dialect = db.engine.dialect
    pings: Counter = Counter()
    real = dialect.do_ping

    def counted(dbapi_connection):
        pings["ping"] += 1
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


def test_a_connection_in_steady_use_is_not_pinged(probe_app, monkeypatch):
    client = probe_app.test_client()
    client.get("/_probe/read")
    pings = _pings(probe_app, monkeypatch)
    for _ in range(3):
        client.get("/_probe/read")
    assert pings["ping"] == 0
    time.sleep(0.4)  # longer than DATABASE_PING_IDLE_SECONDS
    client.get("/_probe/read")
    assert pings["ping"] == 1


def test_a_connection_that_died_while_idle_is_replaced(probe_app, backend):
    if backend != "postgresql":
        pytest.skip("a server connection to end: PostgreSQL's")
    probe_app.add_url_rule(
        "/_probe/pid",
        view_func=lambda: str(db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()),
    )
    client = probe_app.test_client()
    pid = int(client.get("/_probe/pid").text)  # the pooled connection's server process
    other = sa.create_engine(
        probe_app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.pool.NullPool
    )
    with other.connect() as connection:
        assert connection.exec_driver_sql(f"SELECT pg_terminate_backend({pid})").scalar()
    other.dispose()
    time.sleep(0.4)  # idle for longer than DATABASE_PING_IDLE_SECONDS
    assert int(client.get("/_probe/pid").text) != pid
    assert client.get("/_probe/read").text == "1"
