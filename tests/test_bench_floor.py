"""The floor app of the benches (bench/floor_app.py) answers as it should through the Flask test
client, on SQLite and PostgreSQL, and bench/pages_vs_floor.py imports, parses its options and
orders its runs as documented. No timings: benchmarks never run in the test suite."""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import PG_URL, XDIST_WORKER, fresh_database

from bench import floor_app

BENCH = Path(__file__).resolve().parent.parent / "bench"
CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture(params=["sqlite", "postgresql"])
def floor(request, tmp_path) -> Iterator:
    """The floor app on a database of its own, prepared (tables and the one user)."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL tests skipped: TEST_DATABASE_URL is not set")
        with fresh_database(PG_URL, f"test_bench_floor{XDIST_WORKER}") as url:
            app = floor_app.create_floor_app(url, "test-secret", {"pool_pre_ping": True})
            floor_app.prepare(app)
            yield app
            with app.app_context():
                floor_app.db.engine.dispose()
    else:
        url = f"sqlite:///{tmp_path / 'floor.db'}"
        app = floor_app.create_floor_app(url, "test-secret", {"pool_pre_ping": True})
        floor_app.prepare(app)
        yield app
        with app.app_context():
            floor_app.db.engine.dispose()


@pytest.fixture
def pages_vs_floor(monkeypatch):
    """The bench script, imported as `python bench/pages_vs_floor.py` runs it (bench/ first on
    sys.path, for `from common import ...`)."""
    monkeypatch.syspath_prepend(str(BENCH))
    module = importlib.import_module("pages_vs_floor")
    yield module
    for name in ("pages_vs_floor", "common", "feedback_vs_hello", "rating_vs_hello"):
        sys.modules.pop(name, None)
    sys.modules.pop("upcoming_vs_hello", None)  # the bench's modules: not the suite's


def csrf_of(response) -> str:
    found = CSRF_RE.search(response.get_data(as_text=True))
    assert found, "the page renders the form's CSRF token"
    return found[1]


def posts_in(app) -> int:
    with app.app_context():
        try:
            return floor_app.db.session.execute(
                sa.select(sa.func.count(floor_app.FloorPost.id))
            ).scalar_one()
        finally:
            floor_app.db.session.remove()


def test_anonymous_floor_renders_the_page_with_a_token_and_a_vietnamese_date(floor):
    response = floor.test_client().get("/anon")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'lang="vi"' in html and "16/12/2026" in html and "Đăng nhập" in html
    assert csrf_of(response)
    assert floor_app.SESSION_COOKIE in response.headers["Set-Cookie"]


def test_logged_in_floor_loads_the_user_through_the_session_cookie(floor):
    client = floor.test_client()
    assert client.get("/").status_code == 401  # no session: Flask-Login refuses
    response = client.get("/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    response = client.get("/")
    assert response.status_code == 200
    assert f"Ông/Bà {floor_app.USER_NAME}" in response.get_data(as_text=True)


def test_post_floor_checks_the_csrf_token_inserts_one_row_and_redirects(floor):
    client = floor.test_client()
    client.get("/login")
    token = csrf_of(client.get("/"))
    assert client.post("/post", data={"text": "không có mã"}).status_code == 400
    assert posts_in(floor) == 0
    response = client.post("/post", data={"csrf_token": token, "text": "Thử"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert posts_in(floor) == 1
    assert floor.test_client().post("/post", data={"csrf_token": token}).status_code in (400, 401)


def test_sql_counter_counts_statements_and_round_trips_of_the_floor(floor, pages_vs_floor):
    client = floor.test_client()
    client.get("/login")
    client.get("/")
    with floor.app_context():
        engine = floor_app.db.engine
    counter = pages_vs_floor.SqlCounter(engine)
    with counter.listening() as seen:
        assert client.get("/").status_code == 200
    assert seen["statements"] == 1  # the user, by its id
    assert seen["checkout"] == 1
    # + the pre-ping, and at least the transaction's end
    assert counter.round_trips(seen) >= seen["statements"] + 2
    with counter.listening() as seen:
        assert floor.test_client().get("/anon").status_code == 200
    assert counter.round_trips(seen) == 0  # the anonymous floor never touches the database


def test_bench_script_options_and_run_order(pages_vs_floor):
    args = pages_vs_floor.parse_args([])
    assert (args.rounds, args.rss_requests, args.concurrency) == (3, 10_000, 16)
    assert [p.name for p in args.pages] == [p.name for p in pages_vs_floor.PAGES]
    args = pages_vs_floor.parse_args(["--only", "inbox,rating_post", "--rounds", "1"])
    assert [p.name for p in args.pages] == ["inbox", "rating_post"]
    with pytest.raises(SystemExit):
        pages_vs_floor.parse_args(["--pgbouncer"])  # needs --database-url
    order = pages_vs_floor.sequence(list(pages_vs_floor.PAGES))
    for i, (route, page) in enumerate(order):
        if page is None:
            continue
        floor = next(p.floor for p in pages_vs_floor.PAGES if p.name == page)
        # each page between two hello runs and two runs of its own floor
        assert [order[j][0] for j in (i - 2, i - 1, i + 1, i + 2)] == ["hello", floor] * 2
        assert route == page
