"""Lookups by a code or token in the address are throttled per client address: after
LOOKUP_LIMIT_PER_IP lookups that found nothing (a booking, a feedback item, a rating link,
an Open311 request or token, all together), every lookup from that address gets a
translated 429 with Retry-After, on one server or several sharing Redis. Lookups that find
what they look for are not counted."""

from __future__ import annotations

import pytest
from conftest import World, login_as, make_conference, make_feedback, make_user, text_of
from test_ratelimit import REDIS_URL, limited_app, two_servers

from portal.auth.models import Role
from portal.dialogues import services
from portal.extensions import db, limiter

EN = {"Accept-Language": "en"}
ME = {"REMOTE_ADDR": "10.7.7.7"}
SOMEONE_ELSE = {"REMOTE_ADDR": "10.7.7.8"}


@pytest.fixture(params=["memory", "redis"])
def lookup_app(request, database_url, world: World):
    if request.param == "redis" and not REDIS_URL:
        pytest.skip("Redis rate-limit test skipped: REDIS_URL is not set")
    storage = REDIS_URL if request.param == "redis" else "memory://"
    app = limited_app(database_url, storage, LOOKUP_LIMIT_PER_IP="3 per hour")
    with app.app_context():
        limiter.reset()
    yield app
    with app.app_context():
        limiter.reset()
        db.engine.dispose()


def get(client, path, ip=ME, **kwargs):
    response = client.get(path, environ_base=ip, **kwargs)
    response.close()
    return response


def test_guessed_feedback_codes_are_throttled(lookup_app, world: World):
    item = make_feedback(world.ward, world.resident)
    db.session.commit()
    client = login_as(lookup_app.test_client(), world.resident)
    own = f"/my/feedback/{item.code}"
    for _ in range(5):  # what one finds is not counted
        assert get(client, own).status_code == 200
    for n in range(3):
        assert get(client, f"/my/feedback/NOPE{n:04d}").status_code == 404
    refused = get(client, "/my/feedback/NOPE0009", headers=EN)
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 3500 < wait <= 3601
    html = text_of(refused)
    assert "Too many attempts" in html
    assert "Too many codes that match nothing have been tried from this connection." in html
    assert "try again in 60 minutes" in html
    vi = get(client, "/my/feedback/NOPE0010")
    assert vi.status_code == 429
    assert "Quá nhiều lần thử" in text_of(vi) and "Ông/Bà" in text_of(vi)
    # Now even the resident's own item waits, from this address; not from another one.
    assert get(client, own).status_code == 429
    assert get(client, own, ip=SOMEONE_ELSE).status_code == 200


def test_every_lookup_route_counts_together(lookup_app, world: World):
    conference = make_conference(world.ward)
    booking = services.book(conference, user=world.resident)
    db.session.commit()
    client = login_as(lookup_app.test_client(), world.resident)
    misses = (
        "/bookings/ZZZZZZZZ",
        "/my/feedback/ZZZZZZZZ",
        "/open311/v2/requests/ZZZZZZZZ.json",
    )
    for path in misses:
        assert get(client, path).status_code == 404, path
    for path in (
        f"/bookings/{booking.code}",
        f"/bookings/{booking.code}.ics",
        f"/bookings/{booking.code}/qr.svg",
        "/r/" + "A" * 43,
        "/open311/v2/tokens/nope.json",
        "/my/feedback/ZZZZZZZZ",
    ):
        assert get(client, path).status_code == 429, path
    api = get(client, "/open311/v2/requests/ZZZZZZZZ.json")
    assert api.status_code == 429 and int(api.headers["Retry-After"]) > 0
    assert api.get_json() == [{"code": 429, "description": "too many requests"}]


def test_a_rating_link_guessed_again_and_again_is_throttled(lookup_app, world: World):
    client = lookup_app.test_client()
    for n in range(3):
        assert get(client, f"/r/{'B' * 42}{n}").status_code == 404
    refused = get(client, "/r/" + "C" * 43, headers=EN)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert get(client, "/r/" + "C" * 43, ip=SOMEONE_ELSE).status_code == 404


def test_lookups_are_counted_across_two_servers(database_url, world: World):
    """Two servers sharing Redis: misses sent to both alternately are stopped after
    LOOKUP_LIMIT_PER_IP in all, whichever server is asked."""
    answers = []
    with two_servers(database_url, LOOKUP_LIMIT_PER_IP="4 per hour") as servers:
        clients = [login_as(server.test_client(), world.resident) for server in servers]
        for n in range(7):
            response = get(clients[n % 2], f"/my/feedback/NOPE{n:04d}")
            answers.append((n % 2, response.status_code, response.headers.get("Retry-After")))
    assert [status for _, status, _ in answers] == [404, 404, 404, 404, 429, 429, 429]
    assert {server for server, status, _ in answers if status == 429} == {0, 1}
    assert all(int(wait) > 0 for _, status, wait in answers if status == 429)


def test_the_ward_office_opens_its_bookings_freely(lookup_app, world: World):
    """Officers behind one address open many bookings: found ones are never counted."""
    conference = make_conference(world.ward, capacity=50)
    codes = [
        services.book(conference, user=make_user(Role.RESIDENT, world.ward)).code for _ in range(10)
    ]
    db.session.commit()
    client = login_as(lookup_app.test_client(), world.staff)
    for code in codes:
        assert get(client, f"/bookings/{code}").status_code == 200
        assert get(client, f"/bookings/{code}/qr.svg").status_code == 200
