"""What an address or a form carries never reaches the database as an error: a number past
the database's INTEGER in a path is no page (404), in a filter no filter; a control
character (NUL above all, which PostgreSQL refuses in any text) in a path is no page, in a
query string or a form it is dropped. Walked over every route, as every kind of person, on
SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa
import test_routes
from conftest import World, login_as, make_conference, make_feedback, post_form, text_of
from test_routes import ROLES, ROUTES, form_data
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from portal.db import MAX_ID, utcnow
from portal.extensions import db
from portal.feedback import categories as feedback_categories
from portal.feedback.models import Feedback
from portal.satisfaction import catalogue as satisfaction_catalogue
from portal.satisfaction import dossiers as satisfaction_dossiers
from portal.satisfaction.models import Dossier

# The route table's world and its app without CSRF checks (fixtures shared with it).
guard_app = test_routes.guard_app
guard_world = test_routes.guard_world
guard_client = test_routes.guard_client

HUGE = ("2147483648", "99999999999999999999")
PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def url_with(rule, int_value: str, text_value: str, world: World) -> str:
    """The rule's address with every `<int:...>` set to `int_value`, the ward's slug for
    `<slug>` (unless `text_value` is to be tried there), `text_value` for the other words."""

    def value(match: re.Match) -> str:
        converter, name = match.groups()
        if converter == "int":
            return int_value
        if name == "slug" and text_value == "x":
            return world.ward.slug
        return text_value

    return PARAM.sub(value, rule.rule)


def client_as(app, world: World, role: str):
    """A client of `app` logged in as `role`. The test's own transaction is ended first: on
    SQLite a read begun before the app's last write could not become a write."""
    db.session.rollback()
    return login_as(app.test_client(), world.by_name(role))


def method_of(rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]


def send(client, method: str, url: str, data=None):
    response = client.get(url) if method == "GET" else client.post(url, data=data or {})
    response.close()
    return response


def int_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]


def word_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(not isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]


# ---------------------------------------------------------------- numbers past the INTEGER


@pytest.mark.parametrize("number", HUGE)
def test_every_route_with_an_id_is_404_past_the_integer_range(
    guard_client, guard_world: World, number
):
    rules = int_rules(guard_client.application)
    assert len(rules) >= 40  # every <int:...> route of the app
    answers = {}
    for role in ROLES:
        client = client_as(guard_client.application, guard_world, role)
        for rule in rules:
            url = url_with(rule, number, "x", guard_world)
            answers[(role, method_of(rule), url)] = send(client, method_of(rule), url).status_code
    assert {key: status for key, status in answers.items() if status != 404} == {}


def test_the_largest_id_still_reaches_the_view(guard_client, guard_world: World):
    """2147483647 is an id like any other (no such row: the loader's 404, after the
    access check); one more is no route at all."""
    adapter = guard_client.application.url_map.bind("localhost")
    assert adapter.match(f"/staff/feedback/{MAX_ID}")[1] == {"item_id": MAX_ID}
    with pytest.raises(NotFound):
        adapter.match(f"/staff/feedback/{MAX_ID + 1}")
    anonymous = guard_client.application.test_client()
    assert send(anonymous, "GET", f"/staff/feedback/{MAX_ID}").status_code == 302  # log in
    assert send(anonymous, "GET", f"/staff/feedback/{MAX_ID + 1}").status_code == 404
    staff = login_as(guard_client.application.test_client(), guard_world.staff)
    assert send(staff, "GET", f"/staff/feedback/{MAX_ID}").status_code == 404
    public = f"/wards/{guard_world.ward.slug}/dialogues/"
    assert send(anonymous, "GET", public + str(MAX_ID)).status_code == 404
    assert send(anonymous, "GET", public + str(guard_world.conference.id)).status_code == 200


FILTERS = {
    "staff": (
        "/staff/feedback/?category={n}",
        "/staff/feedback/?assignee={n}",
        "/staff/feedback/?page={n}",
        "/staff/feedback/?category={n}&assignee={n}&page={n}&status={n}&due={n}&sort={n}",
        "/staff/feedback/?category=-1&assignee=abc&page=-3",
        "/staff/feedback/?category=%C2%B2&assignee=%D9%A3",  # "²", Arabic-Indic three
        "/staff/feedback/{item}?canned={n}",
        "/staff/satisfaction/dossiers?page={n}",
        "/staff/dialogues/?page={n}",
        "/wards/phuong-bo-de/feedback?page={n}",
    ),
    "admin": ("/manage/users?ward={n}", "/manage/users?ward={n}&role={n}"),
    "chairman": ("/manage/users?ward={n}", "/dashboard/?period=month&date={n}"),
}


@pytest.mark.parametrize("number", HUGE)
def test_filters_past_the_integer_range_are_left_out(guard_client, guard_world: World, number):
    answers = {}
    for role, urls in FILTERS.items():
        client = client_as(guard_client.application, guard_world, role)
        for url in urls:
            url = url.format(n=number, item=guard_world.feedback.id)
            answers[(role, url)] = send(client, "GET", url).status_code
    # (the dashboard shows the current period instead, saying so)
    assert {key: status for key, status in answers.items() if status != 200} == {}


def test_an_unusable_filter_shows_the_list_unfiltered(client, world: World):
    make_feedback(world.ward, world.resident, title="Đèn đường hỏng")
    db.session.commit()
    login_as(client, world.staff)
    for query in ("category=2147483648", "assignee=99999999999999999999", "page=1e9"):
        html = text_of(client.get(f"/staff/feedback/?{query}"))
        assert "Đèn đường hỏng" in html, query


# ---------------------------------------------------------------- control characters


def test_every_route_with_a_word_in_its_path_is_404_with_a_nul(guard_client, guard_world):
    rules = word_rules(guard_client.application)
    answers = {}
    for role in ("anonymous", "resident", "staff", "admin"):
        client = client_as(guard_client.application, guard_world, role)
        for rule in rules:
            for bad in ("%00", "AB%00CD", "a%1Fb"):
                url = url_with(rule, "1", bad, guard_world)
                answers[(role, url)] = send(client, method_of(rule), url).status_code
    assert {key: status for key, status in answers.items() if status != 404} == {}


QUERY_NAMES = (
    "q",
    "page",
    "status",
    "category",
    "assignee",
    "due",
    "sort",
    "ward",
    "role",
    "period",
    "date",
    "kind",
    "canned",
    "next",
)


def with_nul_query(url: str) -> str:
    extra = "&".join(f"{name}=a%00b%01" for name in QUERY_NAMES)
    if "?" not in url:
        return f"{url}?{extra}"
    path, query = url.split("?", 1)
    # the route's own arguments, each with a NUL inside, then the others
    own = "&".join(f"{k}={quote(v[:1])}%00{quote(v[1:])}" for k, v in _pairs(query))
    return f"{path}?{own}&{extra}"


def _pairs(query: str):
    return [tuple(part.split("=", 1)) for part in query.split("&") if "=" in part]


def test_no_page_fails_on_control_characters_in_its_query(guard_client, guard_world: World):
    """Every GET route of the table, every search box and filter with NUL and another
    control character in it, as every kind of person: never a 500."""
    failures = {}
    for role in ROLES:
        client = client_as(guard_client.application, guard_world, role)
        for endpoint, (method, url_for_world, _data, _expected) in sorted(ROUTES.items()):
            if method != "GET":
                continue
            url = with_nul_query(url_for_world(guard_world))
            status = send(client, "GET", url).status_code
            if status >= 500:
                failures[(role, endpoint)] = status
    assert failures == {}


def test_no_form_fails_on_control_characters(guard_client, guard_world: World):
    """Every POST route of the table, each of its fields with a NUL inside: never a 500."""
    failures = {}
    for role in ROLES:
        client = client_as(guard_client.application, guard_world, role)
        for endpoint, (method, url_for_world, data, _expected) in sorted(ROUTES.items()):
            if method != "POST":
                continue
            fields = form_data(data, guard_world) or {}
            nul_data = {key: f"{value[:1]}\x00{value[1:]}\x07" for key, value in fields.items()}
            nul_data.setdefault("q", "\x00")
            status = send(client, "POST", url_for_world(guard_world), nul_data).status_code
            if status >= 500:
                failures[(role, endpoint)] = status
    assert failures == {}


def dossier(world: World, number: str) -> Dossier:
    satisfaction_catalogue.provide_defaults(world.ward.id)
    item = satisfaction_dossiers.register_dossier(
        world.staff,
        world.ward.id,
        satisfaction_dossiers.DossierInput(
            procedure_id=satisfaction_catalogue.procedures(world.ward.id)[0].id,
            receipt_number=number,
            received_at=utcnow() - timedelta(days=1),
        ),
    )
    db.session.commit()
    return item


@pytest.mark.parametrize("q", ["%00", "BN-77%00", "%00BN-77", "BN%01-77%7F"])
def test_the_dossier_search_ignores_control_characters(client, world: World, q):
    dossier(world, "BN-77")
    login_as(client, world.staff)
    response = client.get(f"/staff/satisfaction/dossiers?q={q}")
    assert response.status_code == 200
    assert "BN-77" in text_of(response)
    assert "\x00" not in text_of(response)


@pytest.mark.parametrize("q", ["%00", "%C4%90%C3%A8n%00", "%00%C4%90%C3%A8n", "%C4%90%C3%A8n%1B"])
def test_the_feedback_search_ignores_control_characters(client, world: World, q):
    make_feedback(world.ward, world.resident, title="Đèn đường hỏng")
    make_feedback(world.ward, world.resident, title="Rác ở ngõ 5")
    db.session.commit()
    login_as(client, world.staff)
    response = client.get(f"/staff/feedback/?q={q}")
    assert response.status_code == 200
    assert "Đèn đường hỏng" in text_of(response)
    if q != "%00":  # a search for "Đèn" alone
        assert "Rác ở ngõ 5" not in text_of(response)


def test_control_characters_are_dropped_from_forms_but_line_breaks_kept(client, world: World):
    feedback_categories.provide_defaults(world.ward.id)
    category = feedback_categories.category_by_code(world.ward.id, "environment")
    db.session.commit()
    login_as(client, world.staff)
    response = post_form(
        client,
        "/staff/feedback/new",
        {
            "category": str(category.id),
            "title": "Đèn\x00 đường\x1b hỏng",
            "body": "Dòng một\x00.\r\nDòng hai\x7f.",
            "channel": "phone",
            "contact_name": "Người\x00 Gọi",
            "contact_phone": "0987 654 321",
        },
    )
    assert response.status_code == 302
    item = db.session.execute(sa.select(Feedback)).scalar_one()
    assert item.title == "Đèn đường hỏng"
    assert item.body.replace("\r\n", "\n") == "Dòng một.\nDòng hai."
    assert item.contact_name == "Người Gọi"


def test_a_booking_code_with_a_nul_is_no_page(client, world: World):
    make_conference(world.ward)
    db.session.commit()
    login_as(client, world.resident)
    assert client.get("/bookings/AB%00CD").status_code == 404
    assert client.get("/my/feedback/AB%00CD").status_code == 404
    rating = client.get("/r/%00")  # the rating link's neutral page, as for any other
    assert rating.status_code == 404 and rating.headers["Referrer-Policy"] == "no-referrer"


def test_digits_of_other_scripts_are_not_numbers(app):
    """'³' and '٣' are digits to str.isdigit() but not to int(): a select's value, a CSV
    cell or a code typed with them is no number (it was a 500)."""
    from portal.forms import int_or_none

    for text in ("³", "٣", "1²", "１２"):
        assert int_or_none(text) is None
