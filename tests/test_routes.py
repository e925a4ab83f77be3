"""Every route declares who may use it, and this table says what each kind of person gets.

An endpoint missing from ROUTES fails the test: every new feature must extend the table.
"""

from __future__ import annotations

import pytest
from conftest import World, isolate_requests, login_as, make_conference, make_config

from portal import create_app
from portal.dialogues import services
from portal.extensions import db

ROLES = ("anonymous", "resident", "staff", "staff_other", "chairman", "supervisor", "admin")


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


def only(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    """`allowed` roles get their status; anonymous is sent to log in; the rest get `others`."""
    return {role: allowed.get(role, 302 if role == "anonymous" else others) for role in ROLES}


LOGGED_IN_302 = {**everyone(302), "anonymous": 200}
# A resident's booking: the holder and the ward's officials see it; others get a 404.
BOOKING_VIEW = {
    **only({"resident": 200, "staff": 200, "chairman": 200, "supervisor": 200, "admin": 200}),
    "staff_other": 404,
}

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
    "auth.export_data": (
        "GET",
        lambda w: "/account/export.json",
        None,
        only(dict.fromkeys(ROLES[1:], 200)),
    ),
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
    # ---- dialogues: public and residents
    "dialogues.public_list": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/dialogues",
        None,
        everyone(200),
    ),
    "dialogues.public_detail": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/dialogues/{w.conference.id}",
        None,
        everyone(200),
    ),
    "dialogues.ward_feed": (
        "GET",
        lambda w: f"/wards/{w.ward.slug}/dialogues.ics",
        None,
        everyone(200),
    ),
    "dialogues.book": (
        "POST",
        lambda w: f"/dialogues/{w.conference.id}/book",
        {"question": ""},
        only({"resident": 302}),
    ),
    "dialogues.my_bookings": ("GET", lambda w: "/my/bookings", None, only({"resident": 200})),
    "dialogues.booking_detail": (
        "GET",
        lambda w: f"/bookings/{w.booking.code}",
        None,
        BOOKING_VIEW,
    ),
    "dialogues.booking_ics": (
        "GET",
        lambda w: f"/bookings/{w.booking.code}.ics",
        None,
        BOOKING_VIEW,
    ),
    "dialogues.booking_qr": (
        "GET",
        lambda w: f"/bookings/{w.booking.code}/qr.svg",
        None,
        BOOKING_VIEW,
    ),
    "dialogues.cancel_booking": (
        "POST",
        lambda w: f"/bookings/{w.booking.code}/cancel",
        {},
        {
            **BOOKING_VIEW,
            "resident": 302,
            "staff": 302,
            "chairman": 302,
            "supervisor": 403,
            "admin": 403,
        },
    ),
    # ---- dialogues: the ward's officials (supervisor may look, not change)
    "dialogues_staff.index": (
        "GET",
        lambda w: "/staff/dialogues/",
        None,
        only({"staff": 200, "staff_other": 200, "chairman": 200, "supervisor": 200}),
    ),
    "dialogues_staff.create": (
        "GET",
        lambda w: "/staff/dialogues/new",
        None,
        only({"staff": 200, "staff_other": 200, "chairman": 200}),
    ),
    "dialogues_staff.edit": (
        "GET",
        lambda w: f"/staff/dialogues/{w.conference.id}/edit",
        None,
        only({"staff": 200, "chairman": 200}),
    ),
    "dialogues_staff.detail": (
        "GET",
        lambda w: f"/staff/dialogues/{w.conference.id}",
        None,
        only({"staff": 200, "chairman": 200, "supervisor": 200}),
    ),
    "dialogues_staff.publish": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/publish",
        {},
        only({"staff": 302, "chairman": 302}),
    ),
    "dialogues_staff.cancel": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/cancel",
        {"reason": ""},
        only({"staff": 302, "chairman": 302}),
    ),
    "dialogues_staff.held": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/held",
        {},
        only({"staff": 302, "chairman": 302}),
    ),
    "dialogues_staff.book_for_caller": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/book",
        {},
        only({"staff": 302, "chairman": 302}),
    ),
    "dialogues_staff.cancel_booking": (
        "POST",
        lambda w: f"/staff/dialogues/bookings/{w.booking.id}/cancel",
        {"reason": ""},
        only({"staff": 302, "chairman": 302}),
    ),
    "dialogues_staff.check_in": (
        "GET",
        lambda w: f"/staff/dialogues/{w.conference.id}/check-in",
        None,
        only({"staff": 200, "chairman": 200}),
    ),
    "dialogues_staff.walk_in": (
        "POST",
        lambda w: f"/staff/dialogues/{w.conference.id}/walk-in",
        {},
        only({"staff": 302, "chairman": 302}),
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
def guard_world(world: World) -> World:
    """The world plus a published conference of the ward and the resident's booking in it."""
    world.conference = make_conference(world.ward, capacity=5)
    world.booking = services.book(world.conference, user=world.resident, question="Hỏi")
    db.session.commit()
    return world


@pytest.fixture
def guard_client(database_url, guard_world: World):
    """A client of an app without CSRF checks, so the table tests access alone."""
    app = isolate_requests(create_app(make_config(database_url, WTF_CSRF_ENABLED=False)))
    yield app.test_client()
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_route_guard(guard_client, guard_world: World, endpoint: str, role: str):
    method, url_for_world, data, expected = ROUTES[endpoint]
    client = login_as(guard_client, guard_world.by_name(role))
    url = url_for_world(guard_world)
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    response.close()
    assert response.status_code == expected[role], f"{method} {url} as {role}"
    view = guard_client.application.view_functions[endpoint]
    if role == "anonymous" and isinstance(getattr(view, "access", None), frozenset):
        assert response.headers["Location"].startswith("/login?next="), "anonymous must log in"
