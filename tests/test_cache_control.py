"""What is for one person is never stored by a browser or a proxy: every answer to someone
logged in, and every answer of a route marked personal (a code typed to confirm a number, a
booking or feedback item looked up by its code, a rating link), carries Cache-Control:
no-store. Public pages seen by visitors who are not logged in stay cacheable, as before.
Walked over every route of the route table, as every kind of person."""

from __future__ import annotations

import pytest
import test_routes
from conftest import World, login_as
from test_routes import ROLES, ROUTES, form_data

from portal.extensions import db

# The route table's world and its app without CSRF checks (fixtures shared with it).
guard_app = test_routes.guard_app
guard_world = test_routes.guard_world
guard_client = test_routes.guard_client

# What anyone may read and nobody's data is in: cacheable for visitors not logged in.
PUBLIC_PAGES = {
    "main.home",
    "main.healthz",
    "wards.index",
    "wards.detail",
    "wards.info",
    "procedures.index",
    "procedures.detail",
    "transparency.ward_page",
    "transparency.city_page",
    "transparency.ward_data",
    "transparency.city_data",
    "dialogues.public_list",
    "dialogues.public_detail",
    "dialogues.ward_feed",
    "reception.public_page",
    "feedback.public_list",
    "feedback.complaints",
    "open311.discovery",
    "open311.service_list",
    "open311.service_definition",
    "open311.request_list",
}
# Routes a visitor not logged in may open that show personal data (or show back what they
# typed), and the booking and feedback pages looked up by their code.
PERSONAL = {
    "auth.register",
    "auth.confirm",
    "auth.resend",
    "auth.login",
    "recovery.code_login",
    "recovery.code_login_confirm",
    "recovery.forgot",
    "recovery.reset_code",
    "recovery.reset_link",
    "vneid.callback",
    "vneid.new_account",
    "satisfaction.rate",
    "satisfaction.enter_code",
    "satisfaction.lookup",
    "kiosk.enrol",
    "kiosk.screen",
    "kiosk.rate",
    "dialogues.booking_detail",
    "dialogues.booking_ics",
    "dialogues.booking_qr",
    "dialogues.cancel_booking",
    "dialogues.confirm_cancel_booking",
    "reception.move_booking",
    "feedback.mine_detail",
    "feedback.add_message",
    "feedback.respond",
    "feedback.publication_choice",
}


def answer(client, endpoint: str, world: World):
    method, url_for_world, data, _expected = ROUTES[endpoint]
    url = url_for_world(world)
    data = form_data(data, world)
    response = client.get(url) if method == "GET" else client.post(url, data=data)
    response.close()
    return response


def test_the_marked_routes_are_the_personal_ones(guard_app):
    marked = {
        endpoint
        for endpoint, view in guard_app.view_functions.items()
        if getattr(view, "personal", False)
    }
    assert marked == PERSONAL


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_nothing_is_stored_for_someone_logged_in(guard_client, guard_world: World, role):
    stored = {}
    for endpoint in sorted(ROUTES):
        if endpoint == "static":
            continue
        db.session.rollback()  # a fresh read for the login below (SQLite WAL)
        client = login_as(guard_client.application.test_client(), guard_world.by_name(role))
        response = answer(client, endpoint, guard_world)
        if response.headers.get("Cache-Control") != "no-store":
            stored[endpoint] = (response.status_code, response.headers.get("Cache-Control"))
    assert stored == {}


def test_anonymous_visitors_get_public_pages_cacheable_and_personal_ones_not(
    guard_client, guard_world: World
):
    client = guard_client.application.test_client()
    wrong = {}
    for endpoint in sorted(ROUTES):
        response = answer(client, endpoint, guard_world)
        cache = response.headers.get("Cache-Control")
        if endpoint in PERSONAL and cache != "no-store":
            wrong[endpoint] = (response.status_code, cache)
        if endpoint in PUBLIC_PAGES and cache is not None and "no-store" in cache:
            wrong[endpoint] = (response.status_code, cache)
    assert wrong == {}
    assert answer(client, "main.home", guard_world).headers.get("Cache-Control") is None


def test_static_files_stay_cacheable_when_logged_in(guard_client, guard_world: World):
    client = login_as(guard_client.application.test_client(), guard_world.resident)
    response = client.get("/static/css/app.css")
    response.close()
    assert "no-store" not in (response.headers.get("Cache-Control") or "")


def test_a_public_page_is_not_stored_once_logged_in(guard_client, guard_world: World):
    """The same ward page: cacheable for a visitor, never stored for the resident (it shows
    their name and their booking)."""
    path = f"/wards/{guard_world.ward.slug}/dialogues/{guard_world.conference.id}"
    visitor = guard_client.application.test_client().get(path)
    assert visitor.status_code == 200 and visitor.headers.get("Cache-Control") is None
    resident = login_as(guard_client.application.test_client(), guard_world.resident).get(path)
    assert resident.status_code == 200 and resident.headers["Cache-Control"] == "no-store"
