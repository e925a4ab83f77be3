"""Open311 rate limits (per client address, per API key whatever the address, shared by
servers through Redis) and optional CORS (only the listed origins, none by default;
preflights answered; no credentials)."""

from __future__ import annotations

import pytest
from conftest import World, isolate_requests, make_config
from test_ratelimit import REDIS_URL, limited_app, two_servers

from portal import create_app
from portal.api import keys
from portal.extensions import db, limiter
from portal.feedback import categories

SLUG = "phuong-bo-de"
ORIGIN = "https://ihanoi.example.vn"


def filing(raw: str) -> dict:
    return {
        "api_key": raw,
        "jurisdiction_id": SLUG,
        "service_code": "environment",
        "address_string": "Ngõ 12 Bồ Đề",
        "description": "Rác thải chưa được thu gom.",
    }


@pytest.fixture
def two_keys(world: World) -> tuple[str, str]:
    categories.provide_defaults(world.ward.id)
    raws = tuple(keys.issue_key(world.admin, name, world.ward.id)[1] for name in ("iHanoi", "Zalo"))
    db.session.commit()
    return raws


@pytest.fixture
def raw_key(two_keys) -> str:
    return two_keys[0]


@pytest.fixture(params=["memory", "redis"])
def storage(request) -> str:
    if request.param == "redis":
        if not REDIS_URL:
            pytest.skip("Redis rate-limit test skipped: REDIS_URL is not set")
        return REDIS_URL
    return "memory://"


def _reset(app):
    with app.app_context():
        limiter.reset()


def test_calls_are_limited_per_client_address(database_url, world, storage):
    app = limited_app(database_url, storage, OPEN311_LIMIT_PER_IP="3 per minute")
    _reset(app)
    try:
        client = app.test_client()
        statuses = [
            client.get(
                f"/open311/v2/services.{fmt}",
                query_string={"jurisdiction_id": SLUG},
                environ_base={"REMOTE_ADDR": "10.3.0.1"},
            )
            for fmt in ("json", "xml", "json", "xml")
        ]
        assert [r.status_code for r in statuses] == [200, 200, 200, 429]
        refused = statuses[-1]
        assert refused.content_type.startswith("text/xml")
        assert b"<code>429</code>" in refused.data and int(refused.headers["Retry-After"]) > 0
        other = client.get("/open311/v2/discovery.json", environ_base={"REMOTE_ADDR": "10.3.0.2"})
        assert other.status_code == 200  # another address has its own count
    finally:
        _reset(app)
        with app.app_context():
            db.engine.dispose()


def test_a_key_is_limited_whatever_address_it_comes_from(database_url, world, two_keys):
    """Two servers sharing Redis; one key filing from four addresses, two to each server, is
    stopped after OPEN311_LIMIT_PER_KEY; another key is not."""
    raw_key, other_raw = two_keys
    with two_servers(database_url, OPEN311_LIMIT_PER_KEY="2 per minute") as servers:
        answers = []
        for n in range(4):
            client = servers[n % 2].test_client()
            response = client.post(
                "/open311/v2/requests.json",
                data=filing(raw_key),
                environ_base={"REMOTE_ADDR": f"10.4.0.{n}"},
            )
            answers.append(response.status_code)
        assert answers == [200, 200, 429, 429]
        response = (
            servers[1]
            .test_client()
            .post(
                "/open311/v2/requests.json",
                data=filing(other_raw),
                environ_base={"REMOTE_ADDR": "10.4.0.1"},
            )
        )
        assert response.status_code == 200
        # Reading without a key is not counted against any key.
        reads = servers[0].test_client().get("/open311/v2/discovery.json")
        assert reads.status_code == 200


def test_the_raw_key_is_never_a_counter_name(database_url, world, raw_key):
    if not REDIS_URL:
        pytest.skip("Redis rate-limit test skipped: REDIS_URL is not set")
    import redis

    with two_servers(database_url) as servers:
        servers[0].test_client().post("/open311/v2/requests.json", data=filing(raw_key))
        with redis.Redis.from_url(REDIS_URL) as store:
            names = [name.decode() for name in store.keys("*")]
        assert names and not any(raw_key in name for name in names)
        assert any(keys.presented_digest(raw_key) in name for name in names)


def cors_app(database_url, **settings):
    return isolate_requests(create_app(make_config(database_url, **settings)))


def test_no_origin_is_allowed_by_default(app, client, world):
    response = client.get("/open311/v2/discovery.json", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    preflight = client.options(
        "/open311/v2/requests.json",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_listed_origins_may_read_and_file(database_url, world, raw_key):
    app = cors_app(database_url, OPEN311_CORS_ORIGINS=(ORIGIN,))
    client = app.test_client()
    read = client.get(
        "/open311/v2/services.json",
        query_string={"jurisdiction_id": SLUG},
        headers={"Origin": ORIGIN},
    )
    assert read.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "origin" in {v.strip().lower() for v in read.headers["Vary"].split(",")}
    assert "Access-Control-Allow-Credentials" not in read.headers
    error = client.get("/open311/v2/requests/NOTHING.json", headers={"Origin": ORIGIN})
    assert error.status_code == 404 and error.headers["Access-Control-Allow-Origin"] == ORIGIN
    for method in ("GET", "POST"):
        preflight = client.options(
            "/open311/v2/requests.json",
            headers={"Origin": ORIGIN, "Access-Control-Request-Method": method},
        )
        assert preflight.status_code == 204
        assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert preflight.headers["Access-Control-Allow-Methods"] == "GET, POST"
    refused = client.options(
        "/open311/v2/requests.json",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"},
    )
    assert "Access-Control-Allow-Origin" not in refused.headers
    filed = client.post(
        "/open311/v2/requests.json", data=filing(raw_key), headers={"Origin": ORIGIN}
    )
    assert filed.status_code == 200 and filed.headers["Access-Control-Allow-Origin"] == ORIGIN
    for stranger in ("https://evil.example", ORIGIN + ".evil.example", "null"):
        response = client.get("/open311/v2/discovery.json", headers={"Origin": stranger})
        assert "Access-Control-Allow-Origin" not in response.headers
    with app.app_context():
        db.engine.dispose()


def test_the_pages_never_answer_cross_origin(database_url, world):
    app = cors_app(database_url, OPEN311_CORS_ORIGINS=(ORIGIN,))
    response = app.test_client().get("/", headers={"Origin": ORIGIN})
    assert "Access-Control-Allow-Origin" not in response.headers
    with app.app_context():
        db.engine.dispose()
