"""The page cache shared through Redis (PAGE_CACHE_REDIS_URL): two stores, each with its own
connection, stand for two servers; a page or part is rendered once for both, the previous
copy is served while it is remade, a holder that dies frees its key after the lock's time, and
without Redis every worker keeps its own copies, with one warning. Against the real Redis of
REDIS_URL; skipped, with the reason, when it is not set."""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid

import pytest
from conftest import World, isolate_requests, login_as, make_config, text_of

from portal import create_app, pagecache
from portal.extensions import db
from portal.pagecache_redis import SharedStore, connect

REDIS_URL = os.environ.get("REDIS_URL", "")
CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens there: Redis is "down"

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="shared page cache tests skipped: REDIS_URL is not set"
)


@pytest.fixture
def prefix():
    """A key prefix of this test's own, and its keys deleted afterwards."""
    name = f"ward-portal-test-{uuid.uuid4().hex[:12]}:pagecache"
    yield name
    link = connect(REDIS_URL)
    for found in link.client.scan_iter(f"{name}:*"):
        link.client.delete(found)
    link.client.close()


def server(prefix: str, lock_seconds: float = 5, url: str = "") -> SharedStore:
    """One server's store of parts, with a connection of its own."""
    return SharedStore(connect(url or REDIS_URL), prefix, "parts", lock_seconds)


class Renders:
    """A render function that counts its calls (from every thread and store) and, while
    `hold` is clear, keeps its caller busy: the window in which the others arrive."""

    def __init__(self, text: str = "mới", hold: bool = False) -> None:
        self.text = text
        self.calls = 0
        self.started = threading.Event()
        self.go_on = threading.Event()
        if not hold:
            self.go_on.set()
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self.calls += 1
        self.started.set()
        assert self.go_on.wait(10)
        time.sleep(0.2)  # a slow page
        return self.text


def in_threads(count: int, target) -> tuple[list, list[threading.Thread]]:
    results: list = []
    threads = [threading.Thread(target=lambda: results.append(target())) for _ in range(count)]
    for thread in threads:
        thread.start()
    return results, threads


def joined(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(15)
        assert not thread.is_alive()


def age(store: SharedStore, key: tuple, left_ms: int) -> None:
    """Make the text of `key` in Redis out of date (left_ms of its keeping time left), and
    this server's own copy with it, as time passing would."""
    text_key, _ = store._keys(key)
    assert store._link.client.pexpire(text_key, left_ms)
    with store._lock:
        until, lifetime, text = store._entries[key]
        store._entries[key] = (pagecache.clock() - 1, lifetime, text)


# ---------------------------------------------------------------- two servers, N threads


def test_a_miss_is_rendered_once_by_all_servers_and_threads(prefix):
    a, b = server(prefix), server(prefix)
    render = Renders()
    start = threading.Barrier(8)

    def ask(store):
        start.wait(5)
        return store.fetch(("k",), 60, render)

    results_a, threads_a = in_threads(4, lambda: ask(a))
    results_b, threads_b = in_threads(4, lambda: ask(b))
    joined(threads_a + threads_b)
    assert render.calls == 1
    assert results_a + results_b == ["mới"] * 8
    # and both keep it: no more renders
    assert a.fetch(("k",), 60, render) == b.fetch(("k",), 60, render) == "mới"
    assert render.calls == 1


def test_the_previous_text_is_served_while_another_server_renders(prefix):
    a, b = server(prefix), server(prefix)
    assert a.fetch(("k",), 10, lambda: "cũ") == "cũ"
    assert b.fetch(("k",), 10, lambda: "không được gọi") == "cũ"  # from Redis
    age(a, ("k",), 5_000)  # out of date (fresh while more than 10 s are left)
    age(b, ("k",), 5_000)
    render = Renders(hold=True)
    leader = threading.Thread(target=a.fetch, args=(("k",), 10, render))
    leader.start()
    assert render.started.wait(5)
    # while A renders: B serves the previous text from Redis, A's other threads their own
    results, threads = in_threads(3, lambda: b.fetch(("k",), 10, Renders("sai")))
    results_a, threads_a = in_threads(2, lambda: a.fetch(("k",), 10, Renders("sai")))
    # a third server without a copy of its own: its threads all get Redis's previous text
    c, missing = server(prefix), Renders("sai")
    results_c, threads_c = in_threads(4, lambda: c.fetch(("k",), 10, missing))
    joined(threads + threads_a + threads_c)
    assert results == ["cũ"] * 3 and results_a == ["cũ"] * 2
    assert results_c == ["cũ"] * 4 and missing.calls == 0
    render.go_on.set()
    leader.join(5)
    age(b, ("k",), 20_000)  # B's own copy out of date; Redis's is fresh
    assert b.fetch(("k",), 10, Renders("sai")) == "mới"
    assert render.calls == 1


def test_a_holder_that_dies_lets_another_server_render(prefix):
    """A takes the lock and hangs (as a server that died would never free it); after the
    lock's time B renders the text itself. When A comes back, its older text does not
    replace B's."""
    a, b = server(prefix, lock_seconds=0.5), server(prefix, lock_seconds=0.5)
    hung = Renders("của A", hold=True)
    holder = threading.Thread(target=a.fetch, args=(("k",), 60, hung), daemon=True)
    holder.start()
    assert hung.started.wait(5)
    began = time.monotonic()
    render = Renders("của B")
    assert b.fetch(("k",), 60, render) == "của B"
    assert render.calls == 1
    assert 0.4 <= time.monotonic() - began < 5  # it waited for the lock to expire
    hung.go_on.set()
    holder.join(5)
    c = server(prefix)
    assert c.fetch(("k",), 60, Renders("sai")) == "của B"


def test_a_lock_left_in_redis_expires(prefix):
    """The lock of a server that died (set as it would have left it): the next server
    waits at most the lock's time, then renders."""
    a = server(prefix, lock_seconds=0.4)
    _, lock_key = a._keys(("k",))
    a._link.client.set(lock_key, "a-dead-server", px=400)
    render = Renders()
    assert a.fetch(("k",), 60, render) == "mới"
    assert render.calls == 1


def test_a_result_that_is_no_text_frees_the_lock_at_once(prefix):
    a, b = server(prefix), server(prefix)
    redirect = object()
    assert a.fetch(("k",), 60, lambda: redirect) is redirect
    began = time.monotonic()
    assert b.fetch(("k",), 60, lambda: "trang") == "trang"
    assert time.monotonic() - began < 1  # no waiting for a lock


def test_after_a_change_a_server_does_not_use_copies_made_before_it(prefix):
    a, b = server(prefix), server(prefix)
    assert a.fetch(("k",), 60, lambda: "cũ") == "cũ"
    assert b.fetch(("k",), 60, lambda: "sai") == "cũ"
    a.clear()  # A committed a change
    assert a.fetch(("k",), 60, lambda: "mới") == "mới"
    # B, which made no change, keeps its copy for its time; a third server gets the new one
    assert b.fetch(("k",), 60, lambda: "sai") == "cũ"
    assert server(prefix).fetch(("k",), 60, lambda: "sai") == "mới"


def test_redis_down_falls_back_to_each_worker_with_one_warning(prefix, caplog):
    store = server(prefix, url=CLOSED_PORT)
    render = Renders()
    with caplog.at_level(logging.WARNING, logger="portal.pagecache_redis"):
        results, threads = in_threads(4, lambda: store.fetch(("k",), 60, render))
        joined(threads)
        assert store.fetch(("k",), 60, Renders("sai")) == "mới"  # kept in the worker
        assert store.fetch(("k2",), 60, lambda: "khác") == "khác"
    assert results == ["mới"] * 4 and render.calls == 1  # in-process single flight
    warnings = [r for r in caplog.records if r.name == "portal.pagecache_redis"]
    assert len(warnings) == 1 and "Redis does not answer" in warnings[0].getMessage()


# ---------------------------------------------------------------- two apps, one Redis


def two_apps(database_url: str, prefix: str, **settings):
    return [
        isolate_requests(
            create_app(
                make_config(
                    database_url,
                    PAGE_CACHE_REDIS_URL=REDIS_URL,
                    PAGE_CACHE_KEY_PREFIX=prefix,
                    **settings,
                )
            )
        )
        for _ in range(2)
    ]


def close(apps) -> None:
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def test_two_apps_render_the_dashboards_figures_once(database_url, world: World, prefix):
    from portal.dashboard import views

    apps = two_apps(database_url, prefix, DASHBOARD_CACHE_SECONDS=60)
    clients = [login_as(app.test_client(), world.chairman) for app in apps for _ in range(3)]
    original, calls = views._render_figures, []

    def counted(*args):
        calls.append(True)
        time.sleep(0.3)  # others arrive meanwhile
        return original(*args)

    views._render_figures = counted
    try:
        start = threading.Barrier(len(clients))

        def ask(client):
            start.wait(5)
            return client.get("/dashboard/?date=2026-11", headers={"Accept-Language": "en"})

        responses: list = []
        threads = [threading.Thread(target=lambda c=c: responses.append(ask(c))) for c in clients]
        for thread in threads:
            thread.start()
        joined(threads)
    finally:
        views._render_figures = original
        close(apps)
    assert [r.status_code for r in responses] == [200] * len(clients)
    assert all("Figures as of" in text_of(r) for r in responses)
    assert len(calls) == 1


def test_two_apps_render_a_public_page_once(database_url, world: World, prefix, monkeypatch):
    from portal.dialogues import services

    apps = two_apps(database_url, prefix, PAGE_CACHE_SECONDS=60)
    original, calls = services.upcoming_conferences, []

    def counted(*args, **kwargs):
        calls.append(True)
        time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(services, "upcoming_conferences", counted)
    clients = [app.test_client() for app in apps for _ in range(3)]
    start = threading.Barrier(len(clients))
    page = f"/wards/{world.ward.slug}/dialogues"

    def ask(client):
        start.wait(5)
        return client.get(page)

    responses: list = []
    threads = [threading.Thread(target=lambda c=c: responses.append(ask(c))) for c in clients]
    for thread in threads:
        thread.start()
    try:
        joined(threads)
    finally:
        close(apps)
    assert [r.status_code for r in responses] == [200] * len(clients)
    pages = [text_of(r) for r in responses]
    assert all(world.ward.name in p and "\x00" not in p for p in pages)
    assert len(set(pages)) == len(clients)  # each visitor with a CSRF token of its own
    assert len(calls) == 1


def test_an_app_with_redis_down_serves_its_pages(database_url, world: World, prefix, caplog):
    app = isolate_requests(
        create_app(
            make_config(
                database_url,
                PAGE_CACHE_REDIS_URL=CLOSED_PORT,
                PAGE_CACHE_KEY_PREFIX=prefix,
                PAGE_CACHE_SECONDS=60,
            )
        )
    )
    try:
        client = app.test_client()
        with caplog.at_level(logging.WARNING, logger="portal.pagecache_redis"):
            for _ in range(3):
                response = client.get(f"/wards/{world.ward.slug}/dialogues")
                assert response.status_code == 200
    finally:
        close([app])
    assert len([r for r in caplog.records if r.name == "portal.pagecache_redis"]) == 1
