"""The main menu: kept per role, language and script root once worked out, it is still each
person's own (navigation.main_menu)."""

from __future__ import annotations

import re

from conftest import World, login_as

from portal.navigation import MAIN_MENU
from portal.security import may_open

MENU_RE = re.compile(r'<details class="menu">.*?</details>', re.S)
LINK_RE = re.compile(r'<li><a href="([^"]+)">([^<]+)</a></li>')


def _menu(client, language: str) -> list[tuple[str, str]]:
    html = client.get("/", headers={"Accept-Language": language}).get_data(as_text=True)
    return LINK_RE.findall(MENU_RE.search(html).group(0))


def _expected(app, user, language: str) -> list[str]:
    """The entries' endpoints worked out afresh, as the route declarations say."""
    with app.test_request_context("/", headers={"Accept-Language": language}):
        return [
            endpoint
            for endpoint, _label, unless in MAIN_MENU
            if may_open(endpoint, user) and not (unless and may_open(unless, user))
        ]


def test_each_role_gets_its_own_menu_in_its_language(app, client, world: World):
    from flask import url_for

    people = [world.resident, world.staff, world.chairman, world.supervisor, world.admin]
    seen = {}
    for _round in range(2):  # the second round is served from what the first kept
        for user in people:
            login_as(client, user)
            for language in ("vi", "en"):
                menu = _menu(client, language)
                with app.test_request_context("/"):
                    addresses = [url_for(e) for e in _expected(app, user, language)]
                assert [url for url, _label in menu][2:-1] == addresses, (user.role, language)
                seen.setdefault((user.role, language), menu)
                assert seen[(user.role, language)] == menu
    assert seen[(world.staff.role, "en")][2:-1] != seen[(world.staff.role, "vi")][2:-1]
    assert ("/staff/feedback/", "Feedback") in seen[(world.staff.role, "en")]
    assert not any(url.startswith("/staff/") for url, _ in seen[(world.resident.role, "en")])
    assert seen[(world.admin.role, "en")] != seen[(world.chairman.role, "en")]
