"""Vietnamese first, English second; the choice is remembered; catalogues are complete."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import World, login_as, post_form, text_of
from flask_babel import force_locale

from portal.extensions import db
from portal.templating import local_datetime

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def extracted_msgids() -> set[str]:
    method_map = [("portal/**.py", "python"), ("portal/templates/**.html", "jinja2")]
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def catalog(lang: str):
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=lang)


def test_vietnamese_catalogue_is_complete():
    ids = extracted_msgids()
    assert len(ids) > 100
    vi = catalog("vi")
    missing = sorted(i for i in ids if i not in vi)
    assert missing == [], "run `make translate`; these strings are not in the vi catalogue"
    untranslated = sorted(m.id for m in vi if m.id and not m.string)
    assert untranslated == []
    fuzzy = sorted(m.id for m in vi if m.id and m.fuzzy)
    assert fuzzy == []
    problems = [(m.id, [str(e) for e in errs]) for m, errs in vi.check()]
    assert problems == []  # placeholders match between msgid and msgstr


def test_vietnamese_addresses_residents_as_ong_ba():
    """The administration's register: residents are "Ông/Bà" (or no pronoun), never "bạn"
    (../shared/VIETNAMESE-REVIEW.md); no string is an exception today."""
    exceptions: set[str] = set()
    offending = []
    for message in catalog("vi"):
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        if any(re.search(r"\bbạn\b", text or "", re.IGNORECASE) for text in texts):
            key = message.id if isinstance(message.id, str) else message.id[0]
            if key not in exceptions:
                offending.append(key)
    assert offending == []


def test_english_catalogue_knows_every_string():
    ids = extracted_msgids()
    en = catalog("en")
    assert sorted(i for i in ids if i not in en) == []


def test_default_language_is_vietnamese(client, world: World):
    html = text_of(client.get("/"))
    assert '<html lang="vi">' in html
    assert "Trang chủ" in html


def test_accept_language_english(client, world: World):
    html = text_of(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert '<html lang="en">' in html
    assert "Home" in html


def test_switch_language_is_remembered_in_session(client, world: World):
    response = post_form(client, "/language", {"lang": "en", "next": "/wards/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/wards/"
    assert '<html lang="en">' in text_of(client.get("/"))
    post_form(client, "/language", {"lang": "vi"})
    assert '<html lang="vi">' in text_of(client.get("/", headers={"Accept-Language": "en"}))


def test_switch_language_is_saved_on_the_account(app, client, world: World):
    login_as(client, world.resident)
    post_form(client, "/language", {"lang": "en"})
    db.session.refresh(world.resident)
    assert world.resident.locale == "en"
    # a new browser (no session) still gets English once logged in
    other = login_as(app.test_client(), world.resident)
    assert '<html lang="en">' in text_of(other.get("/account"))


def test_unknown_language_is_refused(client, world: World):
    response = post_form(client, "/language", {"lang": "fr"})
    assert response.status_code == 302
    assert '<html lang="vi">' in text_of(client.get("/"))


def test_language_switch_does_not_follow_foreign_next(client, world: World):
    response = post_form(client, "/language", {"lang": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_times_are_shown_in_hanoi_time(app):
    moment = datetime(2026, 1, 31, 20, 30, tzinfo=UTC)  # 03:30 on 1 February in Hà Nội
    with app.test_request_context("/"):
        with force_locale("en"):
            shown = local_datetime(moment)
            assert shown.startswith("Feb 1, 2026, 3:30:00") and shown.endswith("AM")
        with force_locale("vi"):
            assert local_datetime(moment) == "03:30:00 1 thg 2, 2026"


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/wards/", "/nope"])
def test_pages_have_no_untranslated_english_in_vietnamese(client, world: World, path):
    """A few English words that must never appear on a Vietnamese page."""
    html = text_of(client.get(path))
    for word in ("Log in", "Register", "Password", "Home", "Page not found"):
        assert f">{word}<" not in html
