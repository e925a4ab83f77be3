"""Every route declares who may use it, and this table says what each kind of person gets.

An endpoint missing from ROUTES fails the test: every new feature must extend the table.
"""

from __future__ import annotations

import pytest
from conftest import World, isolate_requests, login_as, make_config

from portal import create_app
from portal.extensions import db

ROLES = ("anonymous", "resident", "staff", "staff_other", "chairman", "supervisor", "admin")


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def only(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    """`allowed` roles get their status; anonymous is sent to log in; the rest get `others`."""
    return {role: allowed.get(role, 302 if role == "anonymous" else others) for role in ROLES}


LOGGED_IN_302 = {**everyone(302), "anonymous": 200}

# endpoint: (method, url built from the world, form data, expected status per role)
ROUTES = {
    "static": ("GET", lambda w: "/static/css/app.css", None, everyone(200)),
    "main.home": ("GET", lambda w: "/", None, everyone(200)),
    "main.healthz": ("GET", lambda w: "/healthz", None, everyone(200)),
    "main.set_language": ("POST", lambda w: "/language", {"lang": "en"}, everyone(302)),
    "wards.index": ("GET", lambda w: "/wards/", None, everyone(200)),
    "wards.detail": ("GET", lambda w: f"/wards/{w.ward.slug}", None, everyone(200)),
    "auth.register": ("GET", lambda w: "/register", None, LOGGED_IN_302),
    "auth.login": ("GET", lambda w: "/login", None, everyone(200)),
    "auth.logout": ("POST", lambda w: "/logout", {}, everyone(302)),
    "auth.account": ("GET", lambda w: "/account", None, only(dict.fromkeys(ROLES[1:], 200))),
    "auth.change_password": (
        "POST",
        lambda w: "/account/password",
        {},
        only(dict.fromkeys(ROLES[1:], 422)),
    ),
    "manage.users": ("GET", lambda w: "/manage/users", None, only({"chairman": 200, "admin": 200})),
    "manage.create_user": (
        "GET",
        lambda w: "/manage/users/new",
        None,
        only({"chairman": 200, "admin": 200}),
    ),
    "manage.set_user_active": (
        "POST",
        lambda w: f"/manage/users/{w.staff.id}/active",
        {"value": "0"},
        only({"chairman": 302, "admin": 302}),
    ),
    "manage.wards": ("GET", lambda w: "/manage/wards", None, only({"admin": 200})),
    "manage.set_ward_enabled": (
        "POST",
        lambda w: f"/manage/wards/{w.other_ward.id}/enabled",
        {"value": "0"},
        only({"admin": 302}),
    ),
}


def test_every_endpoint_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(ROUTES) == set(), "add these endpoints to tests/test_routes.py"
    assert set(ROUTES) - endpoints == set(), "these endpoints no longer exist"


def test_every_view_declares_its_access(app):
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "access")
    ]
    assert undeclared == []


@pytest.fixture
def guard_client(database_url, world: World):
    """A client of an app without CSRF checks, so the table tests access alone."""
    app = isolate_requests(create_app(make_config(database_url, WTF_CSRF_ENABLED=False)))
    yield app.test_client()
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_guard(guard_client, world: World, endpoint: str, role: str):
    method, url_for_world, data, expected = ROUTES[endpoint]
    client = login_as(guard_client, world.by_name(role))
    url = url_for_world(world)
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    response.close()
    assert response.status_code == expected[role], f"{method} {url} as {role}"
    view = guard_client.application.view_functions[endpoint]
    if role == "anonymous" and isinstance(getattr(view, "access", None), frozenset):
        assert response.headers["Location"].startswith("/login?next="), "anonymous must log in"
