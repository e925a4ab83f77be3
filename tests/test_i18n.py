"""Vietnamese first, English second; the choice is remembered; catalogues are complete."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from conftest import World, login_as, make_conference, post_form, text_of
from flask_babel import force_locale

from portal import dates
from portal.dialogues import messages as dialogue_messages
from portal.dialogues import reception, services
from portal.dialogues.models import SessionKind
from portal.extensions import db
from portal.templating import local_date, local_datetime

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
            assert shown.startswith("Feb 1, 2026, 3:30") and shown.endswith("AM")
        with force_locale("vi"):
            assert local_datetime(moment) == "03:30, 01/02/2026"


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/wards/", "/nope"])
def test_pages_have_no_untranslated_english_in_vietnamese(client, world: World, path):
    """A few English words that must never appear on a Vietnamese page."""
    html = text_of(client.get(path))
    for word in ("Log in", "Register", "Password", "Home", "Page not found"):
        assert f">{word}<" not in html


# ---------------------------------------------------------------- dates as offices write them

# 08:00 on Tuesday 22 December 2026 in Hà Nội; the pages use the same moment in 2037 (also a
# Tuesday), so that the conference stays in the future.
TUESDAY_8AM = datetime(2026, 12, 22, 1, 0, tzinfo=UTC)
FUTURE_TUESDAY_8AM = datetime(2037, 12, 22, 1, 0, tzinfo=UTC)
CLDR_SHORT_MONTH = re.compile(r"\bthg\b")  # "16 thg 12, 2026": never in Vietnamese
NO_BREAK = "\u202f"  # Babel's narrow no-break space before AM/PM


def english(text: str) -> str:
    return text.replace(NO_BREAK, " ")


def test_dates_as_vietnamese_offices_write_them(app):
    sunday = datetime(2026, 12, 27, 10, 30, tzinfo=UTC)  # 17:30 in Hà Nội
    with app.test_request_context("/"):
        with force_locale("vi"):
            assert dates.day(TUESDAY_8AM) == "22/12/2026"
            assert dates.day(date(2026, 1, 5), "short") == "05/01/2026"
            assert local_date(date(2026, 12, 16)) == "16/12/2026"
            assert dates.moment(TUESDAY_8AM) == "08:00, 22/12/2026"
            assert dates.appointment(TUESDAY_8AM) == "08:00, thứ Ba, 22/12/2026"
            assert dates.appointment(sunday) == "17:30, Chủ nhật, 27/12/2026"
            assert dates.weekday_day(TUESDAY_8AM) == "Thứ Ba, 22/12/2026"
            assert local_date(TUESDAY_8AM, "full") == "Thứ Ba, 22/12/2026"
            assert dates.clock(time(8, 0)) == "08:00"
            end = TUESDAY_8AM + timedelta(hours=3)
            assert dates.span(TUESDAY_8AM, end) == "08:00–11:00, thứ Ba, 22/12/2026"
            assert dates.span(TUESDAY_8AM, sunday) == (
                "08:00, thứ Ba, 22/12/2026 – 17:30, Chủ nhật, 27/12/2026"
            )
        with force_locale("en"):
            assert dates.day(TUESDAY_8AM) == "Dec 22, 2026"
            assert english(dates.moment(TUESDAY_8AM)) == "Dec 22, 2026, 8:00 AM"
            assert english(dates.appointment(TUESDAY_8AM)) == "Tuesday, Dec 22, 2026, 8:00 AM"
            assert dates.weekday_day(TUESDAY_8AM) == "Tuesday, December 22, 2026"


def test_no_vietnamese_string_uses_a_cldr_short_month():
    offending = []
    for message in catalog("vi"):
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        if any(CLDR_SHORT_MONTH.search(text or "") for text in texts):
            offending.append(message.id)
    assert offending == []


def future_conference(world: World):
    conference = make_conference(world.ward, title="Hội nghị đối thoại quý IV")
    conference.starts_at = FUTURE_TUESDAY_8AM
    conference.ends_at = FUTURE_TUESDAY_8AM + timedelta(hours=3)
    db.session.flush()
    return conference


def test_pages_show_conference_times_with_the_weekday(client, world: World):
    conference = future_conference(world)
    booking = services.book(conference, user=world.resident)
    db.session.commit()
    login_as(client, world.resident)
    pages = {
        "list": f"/wards/{world.ward.slug}/dialogues",
        "detail": f"/wards/{world.ward.slug}/dialogues/{conference.id}",
        "booking": f"/bookings/{booking.code}",
        "mine": "/my/bookings",
    }
    for name, path in pages.items():
        vi = text_of(client.get(path))
        assert "08:00, thứ Ba, 22/12/2037" in vi or "08:00–11:00, thứ Ba, 22/12/2037" in vi, name
        assert not CLDR_SHORT_MONTH.search(vi), name
        en = english(text_of(client.get(path, headers={"Accept-Language": "en"})))
        assert "Tuesday, Dec 22, 2037, 8:00 AM" in en, name


def test_sms_and_email_give_the_time_with_the_weekday(app, world: World):
    conference = future_conference(world)
    booking = services.book(conference, user=world.resident)
    for locale, when in (
        ("vi", "08:00, thứ Ba, 22/12/2037"),
        ("en", "Tuesday, Dec 22, 2037, 8:00 AM"),
    ):
        with force_locale(locale):
            sms = dialogue_messages._sms(
                "booking_reminder", dialogue_messages._short_params(booking, {})
            )
            subject, body = dialogue_messages._texts("booking_confirmed", booking, {})
        assert when in english(sms) and when in english(body), locale
        assert not CLDR_SHORT_MONTH.search(sms + body)


# ---------------------------------------------------------------- one language per label


def test_a_reception_slot_is_named_in_the_readers_language(client, world: World):
    reception.save_schedule(world.staff, 1, time(8, 0), time(9, 0), 30, "Phòng tiếp công dân")
    now = datetime(2037, 12, 1, 0, 0, tzinfo=UTC)
    assert reception.generate_slots(world.ward.id, weeks=4, now=now) == 8
    slot = reception.open_slots(world.ward.id, now)[0]
    assert slot.kind == SessionKind.RECEPTION and slot.title == ""
    booking = services.book(slot, user=world.resident, question="Hỏi về đất đai", now=now)
    db.session.commit()
    login_as(client, world.resident)
    for path in (f"/bookings/{booking.code}", "/my/bookings"):
        vi = text_of(client.get(path))
        assert "Tiếp công dân" in vi and "Citizen reception" not in vi, path
        en = text_of(client.get(path, headers={"Accept-Language": "en"}))
        assert "Citizen reception" in en and "Tiếp công dân" not in en, path
    with force_locale("vi"):
        sms = dialogue_messages._sms(
            "booking_confirmed", dialogue_messages._short_params(booking, {})
        )
    assert '"Tiếp công dân"' in sms and "Citizen" not in sms
    ics = client.get(f"/bookings/{booking.code}.ics").get_data(as_text=True)
    assert "SUMMARY:Tiếp công dân" in ics


# ---------------------------------------------------------------- one English word, two meanings


def test_the_booking_button_and_the_account_link_say_different_things(client, world: World):
    conference = future_conference(world)
    db.session.commit()
    path = f"/wards/{world.ward.slug}/dialogues/{conference.id}"
    anonymous = text_of(client.get(path))
    assert ">Đăng ký tài khoản<" in anonymous  # the account link in the header
    login_as(client, world.resident)
    page = text_of(client.get(path))
    button = re.search(r'<button type="submit" class="button">([^<]*)</button>', page)
    assert button and button.group(1) == "Đăng ký tham dự"
    assert "Đăng ký tài khoản" not in page  # logged in: no account link either
    english_page = text_of(client.get(path, headers={"Accept-Language": "en"}))
    assert '<button type="submit" class="button">Register</button>' in english_page


def test_words_with_two_meanings_have_a_context_each():
    """A msgid shared by two meanings is how the booking button came to read "Đăng ký tài
    khoản": each of these is translated in its context, and differently from the bare word."""
    vi = catalog("vi")
    expected = {
        ("book a place at a conference", "Register"): "Đăng ký tham dự",
        (None, "Register"): "Đăng ký tài khoản",
        ("of a person", "Name"): "Họ và tên",
        (None, "Name"): "Tên",
        ("how the feedback came in", "Received"): "Hình thức tiếp nhận",
        (None, "Received"): "Mới tiếp nhận",
        ("reception slot, not booked", "Open"): "Còn trống",
        ("close a feedback case", "Close"): "Kết thúc xử lý",
        ("satisfaction rating", "Answer"): "Mức độ hài lòng",
    }
    found = {key: vi.get(key[1], context=key[0]) for key in expected}
    assert {key: m.string if m else None for key, m in found.items()} == expected
    ids = extracted_msgids()
    for bare in ("Open", "Close", "Answer"):  # only ever used with a context now
        assert bare not in ids, bare


# ---------------------------------------------------------------- Nghị định 30/2020 names


def test_unit_words_are_lower_case_inside_a_sentence(app, world: World):
    from portal.wards import names

    assert names.lower_unit("Phường Bồ Đề") == "phường Bồ Đề"
    assert names.lower_unit("Thành phố Hà Nội") == "thành phố Hà Nội"
    assert names.lower_unit("Xã Sóc Sơn") == "xã Sóc Sơn"
    assert names.lower_unit("Đặc khu Phú Quốc") == "đặc khu Phú Quốc"
    assert names.lower_unit("Bồ Đề") == "Bồ Đề"
    assert names.fatherland_front("Phường Bồ Đề") == "Ủy ban Mặt trận Tổ quốc Việt Nam phường Bồ Đề"
    with app.test_request_context("/"):
        with force_locale("vi"):
            assert world.ward.in_text == "phường Bồ Đề"
            assert world.ward.name == "Phường Bồ Đề"  # titles and headings
        with force_locale("en"):
            assert world.ward.in_text == "Phường Bồ Đề"


def test_ward_names_in_running_text_on_pages_and_in_messages(client, world: World):
    world.ward.province_name = "Thành phố Hà Nội"
    conference = future_conference(world)
    booking = services.book(conference, user=world.resident)
    db.session.commit()
    ward_page = text_of(client.get(f"/wards/{world.ward.slug}"))
    assert "Ủy ban nhân dân phường Bồ Đề, thành phố Hà Nội" in ward_page
    assert ">Phường Bồ Đề</h1>" in ward_page  # the heading keeps the capital
    listing = text_of(client.get(f"/wards/{world.ward.slug}/dialogues"))
    assert "Chủ tịch UBND phường Bồ Đề" in listing
    with force_locale("vi"):
        sms = dialogue_messages._sms(
            "booking_confirmed", dialogue_messages._short_params(booking, {})
        )
        _subject, body = dialogue_messages._texts("booking_confirmed", booking, {})
    assert sms.startswith("UBND phường Bồ Đề: ")
    assert body.startswith("Kính gửi Ông/Bà Hoàng Thị Dân: ")
    assert body.endswith("UBND phường Bồ Đề") and "Phường Bồ Đề" not in body
    login_as(client, world.staff)
    form = text_of(client.get("/staff/dialogues/new"))
    assert 'value="Ủy ban Mặt trận Tổ quốc Việt Nam phường Bồ Đề"' in form


def test_python_strings_follow_the_request_language_and_force_locale(app):
    """The catalogue is looked up once per request (portal.i18n.RequestDomain) and again
    whenever the language changes inside it: forced for a message, then back."""
    from flask_babel import gettext, lazy_gettext, refresh

    label = lazy_gettext("Dashboard")
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert gettext("Dashboard") == str(label) == "Dashboard"
        with force_locale("vi"):
            assert gettext("Dashboard") == str(label) == "Trang tổng quan"
            with force_locale("en"):
                assert gettext("Dashboard") == "Dashboard"
            assert gettext("Dashboard") == "Trang tổng quan"
        assert gettext("Dashboard") == "Dashboard"
    with app.test_request_context("/"):  # no Accept-Language: Vietnamese
        assert gettext("Dashboard") == "Trang tổng quan"
        babel, chosen = app.extensions["babel"], app.extensions["babel"].locale_selector
        babel.locale_selector = lambda: "en"
        try:
            refresh()
            assert gettext("Dashboard") == "Dashboard"
        finally:
            babel.locale_selector = chosen
