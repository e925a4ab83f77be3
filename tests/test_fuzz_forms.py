"""Hostile input to every form: Hypothesis posts generated fields (every field name any form
of the portal has, and names no form has: role, status, ward_id, assignee_id...) with
generated values (any text, NUL and control characters, huge and negative numbers, absurd
dates, markup, a 5,000-character line) to every route that takes a POST, as someone allowed
to use it, 300 examples each on SQLite and PostgreSQL: never a 500. And a resident posting
fields that are not theirs to set changes nothing. (The Open311 endpoint is fuzzed from its
OpenAPI description in test_openapi.py.)"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from conftest import World, login_as
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_routes import (  # noqa: F401 - the fixtures
    ROLES,
    ROUTES,
    guard_app,
    guard_client,
    guard_world,
)
from wtforms.fields.core import UnboundField

from portal.auth.models import Role, User
from portal.extensions import db
from portal.feedback.models import Feedback

# Examples per route: on PostgreSQL (production's database) FUZZ_EXAMPLES, 300 in CI (.ci/run);
# on SQLite, and by default, fewer, to keep the suite quick.
EXAMPLES = {
    "postgresql": int(os.environ.get("FUZZ_EXAMPLES", "60")),
    "sqlite": int(os.environ.get("FUZZ_EXAMPLES_SQLITE", "60")),
}
MASS_ASSIGNMENT = [
    "role",
    "status",
    "ward_id",
    "assignee_id",
    "user_id",
    "is_active_account",
    "phone_verified_at",
    "id",
    "created_by_id",
    "publish_allowed",
]
AWKWARD = [
    "",
    "0",
    "-1",
    "2147483648",
    "99999999999999999999",
    "1e308",
    "NaN",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2026-02-30",
    "\x00",
    "³",
    "٣٤",
    "a\x00b",
    "\u202e",
    "y",
    "on",
    "admin",
    "closed",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "x" * 5000,
]


def _form_fields() -> list[str]:
    """Every field name of every form of the portal (its views, and so its forms, imported
    by _post_routes' app)."""
    names: set[str] = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        if not form.__module__.startswith("portal."):
            continue
        for klass in form.__mro__:
            names.update(k for k, v in vars(klass).items() if isinstance(v, UnboundField))
    return sorted(names)


def _post_routes() -> list[str]:
    from conftest import make_config

    from portal import create_app

    app = create_app(make_config("sqlite://"))
    return sorted(
        {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
        - {"open311.create_request", "open311.unknown"}
    )


def _user_who_may(endpoint: str) -> str:
    """A role the table says may use the route (not refused with a 403 or 404); the forms of
    signing in and of the rating link, as a visitor who is not signed in."""
    expected = ROUTES[endpoint][3]
    visitor_first = endpoint.split(".")[0] in {"auth", "recovery", "vneid", "satisfaction"}
    order = ("resident", "staff", "chairman", "admin", "supervisor")
    order = ("anonymous", *order) if visitor_first else (*order, "anonymous")
    return next((role for role in order if expected[role] not in (403, 404)), "anonymous")


POST_ROUTES = _post_routes()
FIELDS = _form_fields()
assert len(FIELDS) > 50, FIELDS  # the forms were found
VALUES = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(max_size=200),
    st.integers().map(str),
)
FORMS = st.dictionaries(st.sampled_from(FIELDS + MASS_ASSIGNMENT), VALUES, max_size=10)


@pytest.mark.parametrize("endpoint", POST_ROUTES)
def test_no_input_gives_a_500(guard_client, guard_world: World, backend, endpoint: str):  # noqa: F811
    _method, url_for_world, _data, _expected = ROUTES[endpoint]
    url = url_for_world(guard_world)
    role = _user_who_may(endpoint)
    user = guard_world.by_name(role)
    errors: list = []
    signed_in = {}

    @given(form=FORMS)
    @settings(
        max_examples=EXAMPLES[backend],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def post(form):
        client = signed_in.get("client")
        if client is None:  # (again, when a post ended the session: a new password...)
            db.session.rollback()  # the test's own read must not hold SQLite's lock
            client = signed_in["client"] = login_as(guard_client.application.test_client(), user)
        response = client.post(url, data=form)
        response.close()
        if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
            signed_in.clear()
        if response.status_code >= 500:
            errors.append((response.status_code, form))

    post()
    assert errors == [], f"POST {url} as {role}: {errors[:3]}"
    assert ROLES  # the table's roles are the ones walked above


def test_a_resident_cannot_set_what_is_not_theirs(guard_client, guard_world: World):  # noqa: F811
    world = guard_world
    client = login_as(guard_client, world.resident)
    foreign = {
        "role": Role.ADMIN.value,
        "ward_id": str(world.other_ward.id),
        "status": "closed",
        "assignee_id": str(world.staff.id),
        "user_id": str(world.staff.id),
        "is_active_account": "0",
        "publish_allowed": "y",
    }
    before = db.session.get(Feedback, world.feedback.id)
    status, assignee = before.status, before.assignee_id
    existing = set(db.session.execute(sa.select(Feedback.id)).scalars())
    posts = [
        ("/account/edit", {"full_name": "Hoàng Thị Dân", "email": "dan@example.vn"}),
        ("/account/messages", {"updates": "email"}),
        (f"/my/feedback/{world.feedback.code}/message", {"body": "Xin bổ sung."}),
        (f"/dialogues/{world.conference.id}/book", {"question": "Hỏi thêm"}),
        ("/feedback/new", {"title": "Đèn hỏng", "body": "Đèn ngõ 5 hỏng."}),
    ]
    for path, fields in posts:
        assert client.post(path, data={**fields, **foreign}).status_code < 500, path
    db.session.rollback()
    user = db.session.get(User, world.resident.id)
    assert (user.role, user.ward_id, user.is_active_account) == (
        Role.RESIDENT,
        world.ward.id,
        True,
    )
    item = db.session.get(Feedback, world.feedback.id)
    assert (item.status, item.assignee_id) == (status, assignee)
    new_items = db.session.execute(
        sa.select(Feedback).where(Feedback.id.not_in(existing))
    ).scalars()
    for new in new_items:
        assert new.ward_id == world.ward.id and new.assignee_id is None
        assert new.user_id == world.resident.id
