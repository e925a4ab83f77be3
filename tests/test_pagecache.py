"""Public pages are reused briefly for anonymous visitors, never for logged-in users."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import World, csrf_token, isolate_requests, login_as, make_config, text_of

from portal import create_app, pagecache
from portal.extensions import db


@pytest.fixture
def cached_app(database_url, world: World):
    pagecache.clear()
    app = isolate_requests(create_app(make_config(database_url, PAGE_CACHE_SECONDS=60)))
    yield app
    pagecache.clear()
    with app.app_context():
        db.engine.dispose()


def test_anonymous_page_is_reused_with_a_fresh_token_per_visitor(cached_app, world: World):
    first, second = cached_app.test_client(), cached_app.test_client()
    assert "Phường Việt Hưng" in text_of(first.get("/"))
    world.other_ward.enabled = False  # a change another worker made
    db.session.commit()
    page = text_of(second.get("/"))
    assert "Phường Việt Hưng" in page  # still the stored copy
    assert "\x00" not in page
    # each visitor gets its own working CSRF token
    token_a, token_b = csrf_token(first), csrf_token(second)
    assert token_a != token_b
    response = second.post("/language", data={"csrf_token": token_b, "lang": "en"})
    assert response.status_code == 302


def test_languages_are_stored_apart(cached_app, world: World):
    client = cached_app.test_client()
    assert '<html lang="vi">' in text_of(client.get("/"))
    assert '<html lang="en">' in text_of(client.get("/", headers={"Accept-Language": "en"}))


def test_logged_in_users_bypass_the_cache(cached_app, world: World):
    anonymous = cached_app.test_client()
    text_of(anonymous.get("/"))
    user = login_as(cached_app.test_client(), world.resident)
    assert world.resident.full_name in text_of(user.get("/"))
    world.other_ward.enabled = False
    db.session.commit()
    assert "Phường Việt Hưng" not in text_of(user.get("/"))


def test_enabling_a_ward_clears_the_cache_of_this_worker(cached_app, world: World):
    visitor = cached_app.test_client()
    assert "Phường Hoàn Kiếm" not in text_of(visitor.get("/wards/"))
    admin = login_as(cached_app.test_client(), world.admin)
    token = csrf_token(admin, "/manage/wards")
    admin.post(
        f"/manage/wards/{world.unserved_ward.id}/enabled", data={"csrf_token": token, "value": "1"}
    )
    assert "Phường Hoàn Kiếm" in text_of(visitor.get("/wards/"))


def test_a_change_is_seen_at_once_by_the_worker_that_made_it(cached_app, world: World):
    """A booking changes the seats left that the public page shows: the worker that took
    it drops its stored pages on commit, so nobody is shown the page from before it."""
    from conftest import make_conference

    conference = make_conference(world.ward, capacity=5)
    db.session.commit()
    page = f"/wards/{world.ward.slug}/dialogues/{conference.id}"
    visitor = cached_app.test_client()
    assert "Còn 5 chỗ" in text_of(visitor.get(page))
    resident = login_as(cached_app.test_client(), world.resident)
    response = resident.post(
        f"/dialogues/{conference.id}/book", data={"csrf_token": csrf_token(resident, page)}
    )
    assert response.status_code == 302
    assert "Còn 4 chỗ" in text_of(visitor.get(page))


# ---------------------------------------------------------------- single flight


def _slow_render(calls: list, started: threading.Event, release: threading.Event, text: str):
    def render():
        calls.append(text)
        started.set()
        release.wait(5)
        return text

    return render


def test_one_thread_renders_an_expired_part_while_the_others_wait():
    store = pagecache.TTLStore()
    calls: list = []
    started, release = threading.Event(), threading.Event()
    results: list = []
    render = _slow_render(calls, started, release, "mới")
    threads = [
        threading.Thread(target=lambda: results.append(store.fetch(("k",), 60, render)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    assert started.wait(5)
    time.sleep(0.1)  # the other seven are waiting now
    release.set()
    for thread in threads:
        thread.join(5)
    assert calls == ["mới"] and results == ["mới"] * 8


def test_the_previous_text_is_served_while_it_is_remade(monkeypatch):
    store = pagecache.TTLStore()
    now = [1000.0]
    monkeypatch.setattr(pagecache, "clock", lambda: now[0])
    assert store.fetch(("k",), 10, lambda: "cũ") == "cũ"
    now[0] += 12  # out of date by 2 s (less than its 10 s lifetime)
    calls: list = []
    started, release = threading.Event(), threading.Event()
    leader = threading.Thread(
        target=store.fetch, args=(("k",), 10, _slow_render(calls, started, release, "mới"))
    )
    leader.start()
    assert started.wait(5)
    assert store.fetch(("k",), 10, lambda: "không được gọi") == "cũ"
    release.set()
    leader.join(5)
    assert store.fetch(("k",), 10, lambda: "không được gọi") == "mới"
    now[0] += 100  # long out of date: nobody is served that; the next caller renders
    assert store.fetch(("k",), 10, lambda: "mới hơn") == "mới hơn"


def test_a_result_that_is_not_a_page_is_never_kept():
    store = pagecache.TTLStore()
    redirect = object()
    assert store.fetch(("k",), 60, lambda: redirect) is redirect
    assert store.fetch(("k",), 60, lambda: "trang") == "trang"
