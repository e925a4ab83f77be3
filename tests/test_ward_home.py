"""The ward home: a resident's own ward, a visitor's chosen ward (the `ward` cookie), the
five big actions, the next conference with seats, reception hours and the resident's own
open items; what the page cache may share and what it must not."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from conftest import (
    World,
    csrf_token,
    login_as,
    make_conference,
    make_config,
    make_feedback,
    make_user,
    text_of,
)
from flask import url_for

from portal import create_app, pagecache
from portal.auth.models import Role
from portal.dialogues import reception, services
from portal.extensions import db
from portal.wards import home as ward_home


def actions_of(html: str) -> dict[str, str]:
    """The big actions of a page: their key and address."""
    return dict(re.findall(r'data-action="([a-z]+)" href="([^"]+)"', html))


@pytest.fixture
def cached(app):
    """The public-page cache on, as in production, and empty."""
    app.config["PAGE_CACHE_SECONDS"] = 30
    pagecache.clear()
    yield app
    pagecache.clear()


# ---------------------------------------------------------------- the cookie


def test_a_visitor_without_a_ward_chooses_one_and_it_is_remembered(client, world: World):
    first = text_of(client.get("/"))
    assert 'name="ward" value="phuong-bo-de"' in first  # the chooser's button
    assert actions_of(first) == {}
    token = csrf_token(client)
    response = client.post("/ward", data={"csrf_token": token, "ward": "phuong-bo-de"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("ward=phuong-bo-de;")  # the slug only: nothing personal
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie
    assert "Max-Age=31536000" in cookie  # a year
    home = text_of(client.get("/"))
    assert "Phường Bồ Đề" in home and 'class="change-ward"' in home
    assert set(actions_of(home)) >= {"dialogue", "reception", "feedback"}


@pytest.mark.parametrize(
    "value",
    ["phuong-hoan-kiem", "no-such-ward", "x" * 500, "../../etc/passwd", "PHUONG-BO-DE", "%00"],
)
def test_a_bad_or_unknown_ward_in_the_cookie_is_ignored(client, world: World, value):
    client.set_cookie("ward", value)
    response = client.get("/")
    assert response.status_code == 200
    assert actions_of(text_of(response)) == {}  # the chooser, as without a cookie
    assert 'name="ward" value="phuong-bo-de"' in text_of(response)


def test_a_ward_no_longer_served_is_forgotten(client, world: World):
    client.set_cookie("ward", world.other_ward.slug)
    assert "Phường Việt Hưng" in text_of(client.get("/"))
    world.other_ward.enabled = False
    db.session.commit()
    assert actions_of(text_of(client.get("/"))) == {}


def test_choosing_an_unknown_ward_sets_no_cookie(client, world: World):
    token = csrf_token(client)
    for value in ("phuong-hoan-kiem", "nope", ""):
        response = client.post("/ward", data={"csrf_token": token, "ward": value})
        assert response.status_code == 302 and response.headers["Location"] == "/wards/"
        assert "Set-Cookie" not in response.headers or "ward=" not in response.headers["Set-Cookie"]


def test_choosing_a_ward_needs_the_csrf_token(client, world: World):
    response = client.post("/ward", data={"ward": "phuong-bo-de"})
    assert response.status_code == 400
    assert "ward=" not in response.headers.get("Set-Cookie", "")


def test_a_ward_page_offers_visitors_to_make_it_theirs(client, world: World):
    html = text_of(client.get(f"/wards/{world.ward.slug}"))
    assert 'class="ward-remember"' in html and 'value="phuong-bo-de"' in html
    assert set(actions_of(html)) >= {"dialogue", "reception", "feedback"}


# ---------------------------------------------------------------- what the home shows


def test_the_dialogue_action_leads_to_the_next_conference_with_seats(client, world: World):
    full = make_conference(world.ward, capacity=1, title="Đã kín chỗ")
    services.book(full, user=make_user(Role.RESIDENT, world.ward))
    later = make_conference(world.ward, capacity=50, title="Còn chỗ")
    db.session.commit()
    later.starts_at = full.starts_at + timedelta(days=365)
    later.ends_at = later.starts_at + timedelta(hours=2)
    db.session.commit()
    client.set_cookie("ward", world.ward.slug)
    html = text_of(client.get("/"))
    assert actions_of(html)["dialogue"] == f"/wards/phuong-bo-de/dialogues/{later.id}"
    assert "Còn chỗ" in html


def test_without_a_conference_the_dialogue_action_lists_them(client, world: World):
    client.set_cookie("ward", world.ward.slug)
    assert actions_of(text_of(client.get("/")))["dialogue"] == "/wards/phuong-bo-de/dialogues"


def test_the_home_shows_the_reception_hours(client, world: World):
    chairman = make_user(Role.CHAIRMAN, world.ward)
    reception.save_schedule(chairman, 1, time(8, 0), time(11, 0), 30, "Phòng tiếp công dân")
    db.session.commit()
    client.set_cookie("ward", world.ward.slug)
    html = text_of(client.get("/"))
    assert "Thứ Ba" in html and "08:00" in html and "Phòng tiếp công dân" in html


def test_a_resident_sees_their_own_ward_and_open_items_never_stored(app, cached, world):
    conference = make_conference(world.ward)
    booking = services.book(conference, user=world.resident)
    item = make_feedback(world.ward, world.resident, title="Đèn ngõ 5 hỏng")
    db.session.commit()
    client = login_as(app.test_client(), world.resident)
    client.set_cookie("ward", world.other_ward.slug)  # the account's ward wins
    response = client.get("/")
    html = text_of(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert "Phường Bồ Đề" in html
    assert f"/bookings/{booking.code}" in html and "Đèn ngõ 5 hỏng" in html
    assert f"/my/feedback/{item.code}" in html
    assert actions_of(html)["feedback"] == "/feedback/new"
    # Another resident of the same ward, and a visitor of that ward, never see them.
    neighbour = make_user(Role.RESIDENT, world.ward, name="Người Hàng Xóm")
    db.session.commit()
    other = text_of(login_as(app.test_client(), neighbour).get("/"))
    assert "Đèn ngõ 5 hỏng" not in other and booking.code not in other
    visitor = app.test_client()
    visitor.set_cookie("ward", world.ward.slug)
    for _ in range(2):  # the second answer comes from the cache
        seen = visitor.get("/")
        assert "Đèn ngõ 5 hỏng" not in text_of(seen) and booking.code not in text_of(seen)
        assert "Cookie" in seen.headers.get("Vary", "")


def test_visitors_of_two_wards_get_each_their_own_cached_home(app, cached, world):
    one, two, none = app.test_client(), app.test_client(), app.test_client()
    one.set_cookie("ward", world.ward.slug)
    two.set_cookie("ward", world.other_ward.slug)
    for _ in range(2):
        assert '<h1 id="ward-title">Phường Bồ Đề</h1>' in text_of(one.get("/"))
        assert '<h1 id="ward-title">Phường Việt Hưng</h1>' in text_of(two.get("/"))
        assert actions_of(text_of(none.get("/"))) == {}


def test_an_official_keeps_the_front_page_with_their_work(app, world: World):
    html = text_of(login_as(app.test_client(), world.staff).get("/"))
    assert actions_of(html) == {}
    assert "/staff/feedback/" in html  # their work, as big links
    # On their ward's page the feedback action reads the answers (officials send none).
    ward_page = text_of(login_as(app.test_client(), world.staff).get("/wards/phuong-bo-de"))
    assert actions_of(ward_page)["feedback"] == "/wards/phuong-bo-de/feedback"


def test_a_resident_on_another_wards_page_is_sent_to_its_answers_not_their_form(app, world):
    html = text_of(login_as(app.test_client(), world.resident).get("/wards/phuong-viet-hung"))
    assert actions_of(html)["feedback"] == "/wards/phuong-viet-hung/feedback"
    assert 'class="ward-home-mine' not in html  # their items belong to their own ward's home


# ---------------------------------------------------------------- actions of other features


def _actions_in(app, ward) -> dict[str, str]:
    try:
        with app.test_request_context():
            return {a.key: a.url for a in ward_home.actions(ward, None, None)}
    finally:
        with app.app_context():
            db.engine.dispose()


def test_lookup_and_rating_actions_show_only_when_their_pages_exist(database_url, world):
    """Other helpers' pages (the dossier lookup, the rating by code): hidden while this
    deployment has no such endpoint, shown (last, in the issue's order) once it has."""
    slug = world.ward.slug
    plain = create_app(make_config(database_url))
    missing = {
        key
        for key, endpoint in (
            ("lookup", ward_home.LOOKUP_ENDPOINT),
            ("rate", ward_home.RATE_ENDPOINT),
        )
        if endpoint not in plain.view_functions
    }
    assert not missing & set(_actions_in(plain, world.ward))
    wired = create_app(make_config(database_url))
    for endpoint, path in (
        (ward_home.LOOKUP_ENDPOINT, "/x-lookup"),
        (ward_home.RATE_ENDPOINT, "/x-rate"),
    ):
        if endpoint not in wired.view_functions:
            wired.add_url_rule(path, endpoint=endpoint, view_func=lambda: "")
    found = _actions_in(wired, world.ward)
    assert list(found) == ["dialogue", "reception", "feedback", "lookup", "rate"]
    # The ward goes along (a query argument where the page's address has no <slug>).
    with wired.test_request_context():
        for key, endpoint in (
            ("lookup", ward_home.LOOKUP_ENDPOINT),
            ("rate", ward_home.RATE_ENDPOINT),
        ):
            assert found[key] == url_for(endpoint, slug=slug)
            assert slug in found[key]
