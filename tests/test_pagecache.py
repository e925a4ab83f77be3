"""Public pages are reused briefly for anonymous visitors, never for logged-in users."""

from __future__ import annotations

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
