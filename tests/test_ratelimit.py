"""Login throttling per account and per IP, in memory or shared through Redis."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from conftest import PASSWORD, World, csrf_token, isolate_requests, make_config

from portal import create_app
from portal.extensions import db, limiter

REDIS_URL = os.environ.get("REDIS_URL", "")


def limited_app(database_url, storage="memory://", **overrides):
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": storage,
        "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
        "LOGIN_LIMIT_PER_IP": "6 per minute",
        **overrides,
    }
    return isolate_requests(create_app(make_config(database_url, **settings)))


@contextmanager
def two_servers(database_url, **settings):
    """Two app servers counting in the same Redis (skipped without REDIS_URL), emptied of
    earlier counts, and of theirs at the end."""
    if not REDIS_URL:
        pytest.skip("Redis rate-limit test skipped: REDIS_URL is not set")
    servers = [limited_app(database_url, REDIS_URL, **settings) for _ in range(2)]
    with servers[0].app_context():
        limiter.reset()
    try:
        yield servers
    finally:
        for server in servers:
            with server.app_context():
                limiter.reset()
                db.engine.dispose()


@pytest.fixture(params=["memory", "redis"])
def app_limited(request, database_url, world: World):
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("Redis rate-limit test skipped: REDIS_URL is not set")
        app = limited_app(database_url, REDIS_URL)
    else:
        app = limited_app(database_url)
    with app.app_context():
        limiter.reset()  # counters left by an earlier test in a shared Redis
    yield app
    with app.app_context():
        limiter.reset()
        db.engine.dispose()


def attempt(client, login, password="wrong-password", ip="10.0.0.1"):
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"csrf_token": token, "login": login, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_failed_logins_are_throttled_per_account(app_limited, world: World):
    client = app_limited.test_client()
    # three failures for the account, typed three different ways, from three addresses
    for login, ip in (
        ("0912345678", "10.0.0.1"),
        ("+84912345678", "10.0.0.2"),
        ("0912 345 678", "10.0.0.3"),
    ):
        assert attempt(client, login, ip=ip).status_code == 401
    blocked = attempt(client, "0912345678", PASSWORD, ip="10.0.0.4")
    assert blocked.status_code == 429
    # another account is not affected
    other = attempt(client, "0999888777", ip="10.0.0.5")
    assert other.status_code == 401


def test_failed_logins_are_throttled_per_ip(app_limited, world: World):
    client = app_limited.test_client()
    for n in range(6):
        assert attempt(client, f"09770000{n:02d}", ip="10.9.9.9").status_code == 401
    assert attempt(client, "0977000099", ip="10.9.9.9").status_code == 429
    assert attempt(client, "0977000099", ip="10.9.9.8").status_code == 401


def test_successful_logins_are_not_counted(app_limited, world: World):
    for _ in range(5):
        client = app_limited.test_client()
        assert attempt(client, "0912345678", PASSWORD).status_code == 302


def test_429_page_is_translated(app_limited, world: World):
    client = app_limited.test_client()
    for _ in range(3):
        attempt(client, "0912345678")
    response = client.post(
        "/login",
        data={"csrf_token": csrf_token(client), "login": "0912345678", "password": "x"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)


def test_code_requests_from_one_address_are_counted_across_two_servers(database_url, world):
    """Two servers sharing Redis: a client sending code requests to both, each for another
    number, is stopped after CODE_LIMIT_PER_IP in all, whichever server it asks."""
    answers = []
    with two_servers(database_url, CODE_LIMIT_PER_IP="4 per hour") as servers:
        for n in range(6):
            client = servers[n % 2].test_client()
            token = csrf_token(client, "/login/code")
            response = client.post(
                "/login/code",
                data={"csrf_token": token, "phone": f"0977 123 {n:03d}"},
                environ_base={"REMOTE_ADDR": "10.0.0.9"},
            )
            answers.append((n % 2, response.status_code, response.headers.get("Retry-After")))
    assert [status for _, status, _ in answers] == [302, 302, 302, 302, 429, 429]
    assert {server for server, status, _ in answers if status == 429} == {0, 1}
    assert all(int(wait) > 0 for _, status, wait in answers if status == 429)


@pytest.mark.parametrize("shared", ["memory", "redis"])
def test_bookings_and_feedback_are_limited_per_account(database_url, world: World, shared):
    if shared == "redis" and not REDIS_URL:
        pytest.skip("Redis rate-limit test skipped: REDIS_URL is not set")
    from conftest import feedback_fields, login_as, make_conference, make_user

    from portal.auth.models import Role
    from portal.feedback import categories

    storage = REDIS_URL if shared == "redis" else "memory://"
    app = limited_app(
        database_url, storage, BOOKING_LIMIT="2 per hour", FEEDBACK_LIMIT="1 per hour"
    )
    with app.app_context():
        limiter.reset()
    try:
        sessions = [make_conference(world.ward, capacity=5) for _ in range(3)]
        categories.provide_defaults(world.ward.id)
        db.session.commit()
        client = login_as(app.test_client(), world.resident)
        answers = []
        for session, ip in zip(sessions, ("10.1.0.1", "10.1.0.2", "10.1.0.3"), strict=True):
            answers.append(
                client.post(
                    f"/dialogues/{session.id}/book",
                    data={
                        "csrf_token": csrf_token(client, f"/dialogues/{session.id}"),
                        "question": "",
                    },
                    environ_base={"REMOTE_ADDR": ip},
                )
            )
        assert [a.status_code for a in answers] == [302, 302, 429]  # whatever the address
        assert answers[-1].headers.get("Retry-After")
        feedback = feedback_fields(world)
        sent = [
            client.post(
                "/feedback/new",
                data={**feedback, "csrf_token": csrf_token(client, "/feedback/new")},
            )
            for _ in range(2)
        ]
        assert [a.status_code for a in sent] == [302, 429]
        db.session.rollback()  # this test's own read must not hold SQLite's lock
        neighbour = make_user(Role.RESIDENT, world.ward, name="Lê Thị Bên")
        db.session.commit()
        other = login_as(app.test_client(), neighbour)  # counted apart, from the same address
        path = f"/dialogues/{sessions[2].id}"
        answer = other.post(
            f"{path}/book",
            data={"csrf_token": csrf_token(other, path), "question": ""},
            environ_base={"REMOTE_ADDR": "10.1.0.3"},
        )
        assert answer.status_code == 302
    finally:
        with app.app_context():
            limiter.reset()
            db.engine.dispose()
