"""Satisfaction pages: officers register, import, return dossiers and print the slip; residents
rate through the one-time link or at the desk's tablet; every unusable link gets the same
neutral answer; the city administrator keeps the procedure catalogue. Markup is inert and
other wards are shut out."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from conftest import (
    World,
    csrf_token,
    isolate_requests,
    login_as,
    make_config,
    post_form,
    text_of,
)
from test_open311 import count_queries

from portal import create_app
from portal.db import utcnow
from portal.extensions import db, limiter
from portal.feedback.models import Channel, Feedback
from portal.satisfaction import catalogue as satisfaction_catalogue
from portal.satisfaction import dossiers as satisfaction_dossiers
from portal.satisfaction import ratings as satisfaction_ratings
from portal.satisfaction import tokens as satisfaction_tokens
from portal.satisfaction.models import Dossier, Level, Procedure, RatingChannel
from portal.satisfaction.models import SatisfactionRating as Rating

EN = {"Accept-Language": "en"}
SCRIPT = '<script>alert("x")</script><b>đậm</b>'
LINK_RE = re.compile(r"http://localhost/r/([A-Za-z0-9_-]+)")
BUSINESS = "Đăng ký hộ kinh doanh"


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count(model.id))).scalar_one()


def procedure(world: World, name: str = BUSINESS) -> Procedure:
    satisfaction_catalogue.provide_defaults(world.ward.id)
    return db.session.execute(
        sa.select(Procedure).where(Procedure.ward_id == world.ward.id, Procedure.name_vi == name)
    ).scalar_one()


def make_dossier(world: World, number: str = "BN-001", *, days_ago: int = 3, **extra) -> Dossier:
    data = satisfaction_dossiers.DossierInput(
        procedure_id=procedure(world).id,
        receipt_number=number,
        received_at=utcnow() - timedelta(days=days_ago),
        **extra,
    )
    item = satisfaction_dossiers.register_dossier(world.staff, world.ward.id, data)
    db.session.commit()
    return item


def returned(world: World, number: str = "BN-001") -> tuple[Dossier, str]:
    """A dossier returned with its one-time rating token (the raw token, as on the slip)."""
    item = make_dossier(world, number)
    raw = satisfaction_dossiers.return_dossier(world.staff, item)
    db.session.commit()
    return item, raw


def dossier_form(world: World, **overrides) -> dict:
    fields = {
        "procedure_id": str(procedure(world).id),
        "receipt_number": "BN-2026-0100",
        "received_at": (utcnow() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "returned_at": "",
        "extra_visits": "0",
        "receiving_officer_id": str(world.staff.id),
    }
    db.session.commit()
    fields.update(overrides)
    return fields


def rate(client, raw: str, **fields):
    return post_form(client, f"/r/{raw}", fields, headers=EN)


# ---------------------------------------------------------------- registering dossiers


def test_officer_registers_a_dossier(client, world):
    login_as(client, world.staff)
    page = client.get("/staff/satisfaction/dossiers/new", headers=EN)
    assert page.status_code == 200
    html = text_of(page)
    assert "Đăng ký khai sinh" not in html or "Birth registration" in html  # seeded lazily
    assert "Birth registration" in html
    assert f'<option selected value="{world.staff.id}">' in html  # the officer by default
    response = post_form(client, "/staff/satisfaction/dossiers/new", dossier_form(world))
    assert response.status_code == 302
    item = db.session.execute(sa.select(Dossier)).scalar_one()
    assert response.headers["Location"] == f"/staff/satisfaction/dossiers/{item.id}"
    assert (item.receipt_number, item.receiving_officer_id) == ("BN-2026-0100", world.staff.id)
    assert item.created_by_id == world.staff.id and item.returned_at is None
    detail = text_of(client.get(response.headers["Location"], headers=EN))
    assert "BN-2026-0100" in detail and "Household business registration" in detail
    assert "Not returned yet" in detail and "Return the dossier" in detail


def test_register_refuses_bad_input_and_saves_nothing(client, world):
    make_dossier(world, "BN-OLD")
    login_as(client, world.staff)
    cases = (
        ({"received_at": "2026-13-45 09:00"}, "Enter a date and time, e.g. 2026-12-05 08:00."),
        ({"receipt_number": "BN-OLD"}, "A dossier with this receipt number already exists."),
        ({"procedure_id": "999999"}, "Choose a procedure of the catalogue."),
        ({"procedure_id": "abc"}, "Choose a procedure of the catalogue."),
        ({"receiving_officer_id": str(world.staff_other.id)}, "Choose an officer of this ward."),
        ({"extra_visits": "-1"}, "Enter a number of visits between 0 and 50."),
        (
            {"received_at": (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")},
            "Enter when it was received (not in the future).",
        ),
    )
    for overrides, message in cases:
        response = post_form(
            client, "/staff/satisfaction/dossiers/new", dossier_form(world, **overrides), headers=EN
        )
        assert response.status_code == 422, overrides
        assert message in text_of(response), overrides
    assert count(Dossier) == 1


def test_dossier_list_newest_first_searched_and_paged(client, world):
    make_dossier(world, "BN-OLDEST", days_ago=5)
    make_dossier(world, "BN-NEWEST", days_ago=1)
    item, raw = returned(world, "XY-777")
    satisfaction_ratings.rate(raw, satisfaction_ratings.RatingInput(level="satisfied"))
    db.session.commit()
    for user in (world.staff, world.supervisor):
        login_as(client, user)
        html = text_of(client.get("/staff/satisfaction/dossiers", headers=EN))
        assert html.index("BN-NEWEST") < html.index("XY-777") < html.index("BN-OLDEST")
        assert "Household business registration" in html and "3 dossiers" in html
    searched = text_of(client.get("/staff/satisfaction/dossiers?q=xy-7", headers=EN))
    assert "XY-777" in searched and "BN-NEWEST" not in searched
    wildcard = text_of(client.get("/staff/satisfaction/dossiers?q=%25", headers=EN))
    assert "0 dossiers" in wildcard  # % and _ are searched for, not wildcards
    login_as(client, world.staff_other)
    other = text_of(client.get("/staff/satisfaction/dossiers", headers=EN))
    assert "XY-777" not in other and "0 dossiers" in other


def test_dossier_list_runs_the_same_queries_whatever_the_page_size(client, world):
    login_as(client, world.staff)

    def queries() -> int:
        with count_queries() as statements:
            assert client.get("/staff/satisfaction/dossiers").status_code == 200
        return len(statements)

    make_dossier(world, "BN-000")
    few = queries()
    for n in range(1, 55):
        satisfaction_dossiers.register_dossier(
            world.staff,
            world.ward.id,
            satisfaction_dossiers.DossierInput(
                procedure_id=procedure(world, "Đăng ký khai sinh" if n % 2 else BUSINESS).id,
                receipt_number=f"BN-{n:03d}",
                received_at=utcnow() - timedelta(hours=n),
            ),
        )
    db.session.commit()
    assert queries() == few
    html = text_of(client.get("/staff/satisfaction/dossiers?page=2", headers=EN))
    assert "Page 2 of 2" in html
    assert len(re.findall(r'href="/staff/satisfaction/dossiers/\d+"', html)) == 5


# ---------------------------------------------------------------- CSV import


def upload(client, path: str, content: bytes, **kwargs):
    data = {"file": (io.BytesIO(content), "export.csv")}
    return post_form(client, path, data, content_type="multipart/form-data", headers=EN, **kwargs)


def test_dossier_csv_import_keeps_good_rows_and_reports_bad_ones(client, world):
    make_dossier(world, "BN-OLD")
    login_as(client, world.staff)
    page = text_of(client.get("/staff/satisfaction/dossiers/import", headers=EN))
    assert "receipt_number,procedure,received_at,returned_at,extra_visits,officer_phone" in page
    assert "01/12/2026 09:00" in page and "Hà Nội time" in page
    text = (
        "receipt_number,procedure,received_at,returned_at,extra_visits,officer_phone\n"
        "BN-100,1.001612,2026-11-02 09:00,2026-11-04 10:00,0,\n"
        "BN-101,Đăng ký khai sinh,03/11/2026 16:00,,1,\n"
        "BN-102,9.999999,2026-11-02 09:00,,,\n"
        "BN-103,1.001612,2026-13-45 09:00,,,\n"
        "BN-OLD,1.001612,2026-11-02 09:00,,,\n"
    )
    response = upload(client, "/staff/satisfaction/dossiers/import", ("\ufeff" + text).encode())
    assert response.status_code == 200
    html = text_of(response)
    assert "2 dossiers registered." in html and "3 rows were not imported:" in html
    assert re.search(r"<td[^>]*>4</td><td[^>]*>unknown procedure 9\.999999</td>", html)
    assert re.search(r"<td[^>]*>5</td><td[^>]*>bad date received_at: 2026-13-45 09:00</td>", html)
    assert re.search(
        r"<td[^>]*>6</td><td[^>]*>A dossier with this receipt number already exists.</td>", html
    )
    numbers = set(db.session.execute(sa.select(Dossier.receipt_number)).scalars())
    assert numbers == {"BN-OLD", "BN-100", "BN-101"}


def test_dossier_csv_import_refuses_other_encodings_and_missing_columns(client, world):
    login_as(client, world.staff)
    text = "receipt_number,procedure,received_at\nBN-1,Đăng ký khai sinh,2026-11-02 09:00\n"
    response = upload(client, "/staff/satisfaction/dossiers/import", text.encode("utf-16"))
    assert response.status_code == 422
    assert "The file is not UTF-8 text." in text_of(response)
    windows = "receipt_number,procedure,received_at\nBN-1,Café,2026-11-02 09:00\n"
    response = upload(client, "/staff/satisfaction/dossiers/import", windows.encode("cp1252"))
    assert response.status_code == 422 and "not UTF-8" in text_of(response)
    response = upload(client, "/staff/satisfaction/dossiers/import", b"number,name\n1,x\n")
    assert response.status_code == 422
    assert "The file lacks the columns: procedure, receipt_number, received_at." in text_of(
        response
    )
    response = post_form(client, "/staff/satisfaction/dossiers/import", {}, headers=EN)
    assert response.status_code == 422 and "Choose a CSV file." in text_of(response)
    assert count(Dossier) == 0


# ---------------------------------------------------------------- returning and the slip


def test_return_prints_the_slip_with_a_working_one_time_link(client, world):
    item = make_dossier(world, "BN-555")
    login_as(client, world.staff)
    response = post_form(
        client, f"/staff/satisfaction/dossiers/{item.id}/return", {"extra_visits": "1"}, headers=EN
    )
    assert response.status_code == 200 and "Location" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    html = text_of(response)
    raw = LINK_RE.search(html).group(1)
    assert len(raw) >= 43
    assert (
        '<svg xmlns="http://www.w3.org/2000/svg"' in html and "QR code of the rating link" in html
    )
    assert "BN-555" in html and "Household business registration" in html
    assert "Private and anonymous" in html
    assert "http://" not in html.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org/2000/svg", ""
    )  # the QR code is inline, nothing fetched from elsewhere
    # only the token's hash is kept, nowhere the token itself
    db.session.expire_all()
    row = db.session.execute(sa.select(Dossier.__table__).where(Dossier.id == item.id)).one()
    assert raw not in " ".join(str(value) for value in row)
    assert row.token_hash == satisfaction_tokens.hash_token(raw) and row.extra_visits == 1
    with client.session_transaction() as session:
        assert raw not in str(dict(session))  # not flashed either
    # the link works for anyone, once
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    page = client.get(f"/r/{raw}", headers=EN)
    assert page.status_code == 200 and "Household business registration" in text_of(page)
    assert "BN-555" not in text_of(page)  # nothing that identifies the applicant
    assert rate(client, raw, level="very_satisfied").status_code == 302
    assert client.get(f"/r/{raw}").status_code == 404


def test_detail_shows_the_link_and_the_rating(client, world):
    item, raw = returned(world)
    login_as(client, world.staff)
    html = text_of(client.get(f"/staff/satisfaction/dossiers/{item.id}", headers=EN))
    assert "Not used yet" in html and world.staff.full_name in html
    assert "Issue a new slip" in html and "The link on the previous slip stops working." in html
    satisfaction_ratings.rate(
        raw, satisfaction_ratings.RatingInput(level="satisfied", attitude="good", comment="Nhanh")
    )
    db.session.commit()
    html = text_of(client.get(f"/staff/satisfaction/dossiers/{item.id}", headers=EN))
    assert "Used on" in html and "Satisfied" in html and "Good" in html and "Nhanh" in html
    assert "Link or QR code on the receipt slip" in html and "Issue a new slip" not in html
    assert "Open the case" not in html  # a satisfied rating opens no case
    refused = post_form(client, f"/staff/satisfaction/dossiers/{item.id}/return", {}, headers=EN)
    assert refused.status_code == 409 and "already been rated" in text_of(refused)


def test_an_expired_link_shows_as_expired(client, world):
    item, _raw = returned(world)
    item.token_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    login_as(client, world.chairman)
    assert "Expired" in text_of(client.get(f"/staff/satisfaction/dossiers/{item.id}", headers=EN))


# ---------------------------------------------------------------- the resident's rating page


def test_the_rating_page_and_a_rating(client, world):
    item, raw = returned(world)
    page = client.get(f"/r/{raw}", headers=EN)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers.getlist("Referrer-Policy") == ["no-referrer"]
    html = text_of(page)
    for text in ("Household business registration", "Phường Bồ Đề", "Very satisfied",
                 "Satisfied", "Dissatisfied", "Required if you are dissatisfied"):  # fmt: skip
        assert text in html
    assert 'type="radio"' in html and 'value="dissatisfied"' in html
    assert world.staff.full_name not in html and "BN-001" not in html
    assert 'href="' not in html.split("<main", 1)[1]  # no link out of the page
    response = rate(client, raw, level="very_satisfied", attitude="good", visits_reported="1")
    assert response.status_code == 302 and response.headers["Location"] == "/r/thanks"
    assert response.headers.getlist("Referrer-Policy") == ["no-referrer"]
    thanks = client.get("/r/thanks", headers=EN)
    assert thanks.status_code == 200 and "Thank you for your rating" in text_of(thanks)
    assert thanks.headers["Cache-Control"] == "no-store"
    rating = db.session.execute(sa.select(Rating)).scalar_one()
    assert (rating.level, rating.channel, rating.visits_reported) == (
        Level.VERY_SATISFIED,
        RatingChannel.LINK,
        1,
    )
    assert rating.dossier_id == item.id and rating.feedback_id is None


def test_every_unusable_link_gets_the_same_answer(client, world):
    used_item, used = returned(world, "BN-1")
    satisfaction_ratings.rate(used, satisfaction_ratings.RatingInput(level="satisfied"))
    expired_item, expired = returned(world, "BN-2")
    expired_item.token_expires_at = utcnow() - timedelta(seconds=1)
    replaced_item, replaced = returned(world, "BN-3")
    satisfaction_dossiers.return_dossier(
        world.staff, replaced_item
    )  # a new slip: the first link is dead
    db.session.commit()
    tokens = {
        "used": used,
        "expired": expired,
        "replaced": replaced,
        "guessed": "A" * 43,
        "long": "x" * 500,
        "short": "x",
        "odd": quote("' OR 1=1 --<script>ëü\x00", safe=""),
    }
    answers = set()
    for name, token in tokens.items():
        for method in ("GET", "POST"):
            if method == "GET":
                response = client.get(f"/r/{token}", headers=EN)
            else:
                response = rate(client, token, level="dissatisfied", reason="x")
            assert response.status_code == 404, (name, method)
            assert response.headers.getlist("Referrer-Policy") == ["no-referrer"]
            assert response.headers["Cache-Control"] == "no-store"
            answers.add(text_of(response))
    assert len(answers) == 1
    assert "This rating link cannot be used." in answers.pop()
    assert count(Rating) == 1 and count(Feedback) == 0


def test_dissatisfied_needs_a_reason_then_opens_a_case(client, world):
    item, raw = returned(world, "BN-9")
    response = rate(client, raw, level="dissatisfied", comment="Chậm")
    assert response.status_code == 422
    html = text_of(response)
    assert "Please tell us why you are dissatisfied." in html
    assert re.search(r'<input checked[^>]*value="dissatisfied"', html)  # the answer is kept
    assert count(Rating) == 0
    assert client.get(f"/r/{raw}").status_code == 200  # the link still works
    response = rate(client, raw, level="", reason="")
    assert response.status_code == 422 and "Choose one of the three answers." in text_of(response)
    response = rate(client, raw, level="dissatisfied", reason="Phải đi lại ba lần", attitude="poor")
    assert response.status_code == 302
    case = db.session.execute(sa.select(Feedback)).scalar_one()
    assert case.channel == Channel.SATISFACTION
    login_as(client, world.staff)
    inbox = text_of(client.get("/staff/feedback/", headers=EN))
    assert f"/staff/feedback/{case.id}" in inbox and "Không hài lòng: " + BUSINESS in inbox
    detail = text_of(client.get(f"/staff/feedback/{case.id}", headers=EN))
    assert "Phải đi lại ba lần" in detail
    assert f'href="/staff/satisfaction/dossiers/{item.id}"' in detail
    dossier_page = text_of(client.get(f"/staff/satisfaction/dossiers/{item.id}", headers=EN))
    assert f'href="/staff/feedback/{case.id}"' in dossier_page and "Dissatisfied" in dossier_page


def test_other_feedback_has_no_dossier_link(client, world):
    from conftest import make_feedback

    item = make_feedback(world.ward, world.resident)
    db.session.commit()
    login_as(client, world.staff)
    assert "/staff/satisfaction/dossiers/" not in text_of(client.get(f"/staff/feedback/{item.id}"))


def test_rating_form_checks_lengths_and_numbers(client, world):
    _item, raw = returned(world)
    response = rate(client, raw, level="satisfied", comment="x" * 2001, visits_reported="abc")
    assert response.status_code == 422
    html = text_of(response)
    assert "At most 2000 characters." in html and "Enter a whole number." in html
    response = rate(client, raw, level="satisfied", attitude="rude")
    assert response.status_code == 422 and "Choose one of the listed answers." in text_of(response)
    assert count(Rating) == 0


def test_the_rating_form_needs_its_csrf_token(app, world):
    _item, raw = returned(world)
    client = app.test_client()
    client.get(f"/r/{raw}")
    assert client.post(f"/r/{raw}", data={"level": "satisfied"}).status_code == 400
    assert count(Rating) == 0


# ---------------------------------------------------------------- the desk's tablet


def test_kiosk_waits_shows_the_returned_dossier_and_resets(client, world):
    item = make_dossier(world, "BN-K1")
    login_as(client, world.staff)
    waiting = client.get("/staff/satisfaction/kiosk", headers=EN)
    assert waiting.status_code == 200 and waiting.headers["Cache-Control"] == "no-store"
    html = text_of(waiting)
    assert 'data-refresh-seconds="10"' in html and "<form" not in html
    assert "<nav" not in html and 'href="/' not in html.split("<main", 1)[1]  # no way out
    slip = post_form(client, f"/staff/satisfaction/dossiers/{item.id}/return", {})
    raw = LINK_RE.search(text_of(slip)).group(1)
    html = text_of(client.get("/staff/satisfaction/kiosk", headers=EN))
    assert "data-refresh-seconds" not in html
    assert f'action="/staff/satisfaction/kiosk/{item.id}"' in html
    assert "Household business registration" in html and "Very satisfied" in html
    assert "<nav" not in html
    login_as(client, world.chairman)  # another officer's tablet waits for their own dossiers
    assert "data-refresh-seconds" in text_of(client.get("/staff/satisfaction/kiosk"))
    login_as(client, world.staff)
    bad = post_form(client, f"/staff/satisfaction/kiosk/{item.id}", {"level": "dissatisfied"})
    assert bad.status_code == 422 and count(Rating) == 0
    response = post_form(
        client,
        f"/staff/satisfaction/kiosk/{item.id}",
        {"level": "satisfied", "comment": "Tốt"},
        headers=EN,
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/satisfaction/kiosk"
    html = text_of(client.get("/staff/satisfaction/kiosk", headers=EN))
    assert "Thank you! Your rating has been recorded." in html
    assert "data-refresh-seconds" in html
    rating = db.session.execute(sa.select(Rating)).scalar_one()
    assert rating.channel == RatingChannel.KIOSK and rating.comment == "Tốt"
    assert client.get(f"/r/{raw}").status_code == 404  # the slip's link is used up
    again = post_form(client, f"/staff/satisfaction/kiosk/{item.id}", {"level": "satisfied"})
    assert again.status_code == 409 and count(Rating) == 1  # rated already


# ---------------------------------------------------------------- rate limit


@pytest.fixture
def limited_client(database_url, world: World):
    app = isolate_requests(
        create_app(
            make_config(database_url, RATELIMIT_ENABLED=True, RATING_LIMIT_PER_IP="3 per minute")
        )
    )
    with app.app_context():
        limiter.reset()
    yield app.test_client()
    with app.app_context():
        limiter.reset()
        db.engine.dispose()


def test_rating_attempts_are_limited_per_ip(limited_client, world):
    _item, raw = returned(world)
    client = limited_client

    def attempt(token: str, ip: str):
        data = {"csrf_token": csrf_token(client), "level": "satisfied"}
        return client.post(f"/r/{token}", data=data, environ_base={"REMOTE_ADDR": ip}, headers=EN)

    for n in range(3):
        assert attempt(f"guess-{n}" * 6, "10.1.1.1").status_code == 404
    blocked = attempt(raw, "10.1.1.1")
    assert blocked.status_code == 429 and "Too many attempts" in text_of(blocked)
    assert blocked.headers.getlist("Referrer-Policy") == ["no-referrer"]
    assert client.get(f"/r/{raw}", environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 200
    assert attempt(raw, "10.1.1.2").status_code == 302  # another address is not affected
    assert count(Rating) == 1


# ---------------------------------------------------------------- safety and access


def test_markup_is_inert_on_staff_pages(client, world):
    item, raw = returned(world, "<b>BN</b>")
    satisfaction_ratings.rate(
        raw, satisfaction_ratings.RatingInput(level="dissatisfied", reason=SCRIPT, comment=SCRIPT)
    )
    db.session.commit()
    case = db.session.execute(sa.select(Feedback)).scalar_one()
    number, text = "&lt;b&gt;BN&lt;/b&gt;", "&lt;script&gt;alert"
    pages = [
        (world.staff, f"/staff/satisfaction/dossiers/{item.id}", (number, text)),
        (world.staff, "/staff/satisfaction/dossiers", (number,)),
        (world.chairman, f"/staff/satisfaction/dossiers/{item.id}", (number, text)),
        (world.supervisor, f"/staff/satisfaction/dossiers/{item.id}", (number, text)),
        (world.staff, f"/staff/feedback/{case.id}", (number, text)),
        (world.staff, "/staff/feedback/", ()),
    ]
    for user, path, escaped in pages:
        login_as(client, user)
        html = text_of(client.get(path))
        assert "<script>alert" not in html and "<b>đậm</b>" not in html, path
        assert "<b>BN</b>" not in html, path
        assert all(part in html for part in escaped), path


def test_markup_in_a_procedure_name_is_inert_for_residents(client, world):
    satisfaction_catalogue.save_procedure(
        world.admin,
        world.ward.id,
        satisfaction_catalogue.ProcedureInput(code="9.9", name_vi=SCRIPT),
    )
    db.session.commit()
    item = satisfaction_dossiers.register_dossier(
        world.staff,
        world.ward.id,
        satisfaction_dossiers.DossierInput(
            procedure_id=procedure(world, SCRIPT).id,
            receipt_number="BN-X",
            received_at=utcnow() - timedelta(days=1),
        ),
    )
    raw = satisfaction_dossiers.return_dossier(world.staff, item)
    db.session.commit()
    html = text_of(client.get(f"/r/{raw}"))
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_another_wards_dossier_is_forbidden(client, world):
    item, _raw = returned(world)
    login_as(client, world.staff_other)
    assert client.get(f"/staff/satisfaction/dossiers/{item.id}").status_code == 403
    assert post_form(client, f"/staff/satisfaction/dossiers/{item.id}/return").status_code == 403
    response = post_form(client, f"/staff/satisfaction/kiosk/{item.id}", {"level": "satisfied"})
    assert response.status_code == 403
    assert client.get("/staff/satisfaction/dossiers/999999").status_code == 404
    assert count(Rating) == 0


def test_supervisor_reads_but_does_not_act(client, world):
    item, _raw = returned(world)
    login_as(client, world.supervisor)
    html = text_of(client.get(f"/staff/satisfaction/dossiers/{item.id}", headers=EN))
    assert (
        "BN-001" in html
        and "Issue a new slip" not in html
        and '<form method="post" action="/staff/satisfaction' not in html
    )
    listing = text_of(client.get("/staff/satisfaction/dossiers", headers=EN))
    assert "Register a dossier" not in listing and "Rating tablet" not in listing
    assert post_form(client, f"/staff/satisfaction/dossiers/{item.id}/return").status_code == 403
    assert client.get("/staff/satisfaction/dossiers/new").status_code == 403


def test_navigation_links(client, world):
    login_as(client, world.staff)
    assert 'href="/staff/satisfaction/dossiers"' in text_of(client.get("/"))
    login_as(client, world.admin)
    assert 'href="/staff/satisfaction/catalogue"' in text_of(client.get("/"))
    login_as(client, world.resident)
    assert "/staff/satisfaction" not in text_of(client.get("/"))


# ---------------------------------------------------------------- the catalogue


def test_admin_chooses_a_ward_and_edits_its_catalogue(client, world):
    login_as(client, world.admin)
    chooser = text_of(client.get("/staff/satisfaction/catalogue", headers=EN))
    assert "?ward=phuong-bo-de" in chooser and "?ward=phuong-viet-hung" in chooser
    assert "phuong-hoan-kiem" not in chooser  # not served
    listing = text_of(client.get("/staff/satisfaction/catalogue?ward=phuong-bo-de", headers=EN))
    assert "Birth registration" in listing and "1.001193" in listing  # seeded lazily
    assert "/staff/satisfaction/catalogue/new?ward=phuong-bo-de" in listing
    data = {
        "code": "9.000001",
        "name_vi": "Thủ tục thử nghiệm",
        "name_en": "Trial procedure",
        "field_vi": "Khác",
        "field_en": "Other",
        "time_limit_days": "4",
        "active": "y",
    }
    response = post_form(client, "/staff/satisfaction/catalogue/new?ward=phuong-bo-de", data)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/satisfaction/catalogue?ward=phuong-bo-de"
    trial = db.session.execute(
        sa.select(Procedure).where(Procedure.name_vi == "Thủ tục thử nghiệm")
    ).scalar_one()
    assert (trial.ward_id, trial.time_limit_days, trial.active) == (world.ward.id, 4, True)
    duplicate = post_form(
        client, "/staff/satisfaction/catalogue/new?ward=phuong-bo-de", data, headers=EN
    )
    assert duplicate.status_code == 422
    assert "The catalogue already has a procedure with this name." in text_of(duplicate)
    bad = post_form(
        client,
        "/staff/satisfaction/catalogue/new?ward=phuong-bo-de",
        {**data, "name_vi": "Khác", "time_limit_days": "400"},
        headers=EN,
    )
    assert bad.status_code == 422 and "Enter between 0 and 365 working days." in text_of(bad)
    form_page = client.get(f"/staff/satisfaction/catalogue/{trial.id}", headers=EN)
    assert form_page.status_code == 200 and 'value="Trial procedure"' in text_of(form_page)
    edited = {**data, "time_limit_days": "7"}
    del edited["active"]
    response = post_form(client, f"/staff/satisfaction/catalogue/{trial.id}", edited)
    assert response.status_code == 302
    db.session.refresh(trial)
    assert (trial.time_limit_days, trial.active) == (7, False)
    # an inactive procedure is not offered for new dossiers
    login_as(client, world.staff)
    assert "Trial procedure" not in text_of(
        client.get("/staff/satisfaction/dossiers/new", headers=EN)
    )
    assert client.get("/staff/satisfaction/catalogue", headers=EN).status_code == 200


def test_catalogue_needs_a_served_ward(client, world):
    login_as(client, world.admin)
    assert client.get("/staff/satisfaction/catalogue/new").status_code == 404
    assert client.get("/staff/satisfaction/catalogue/new?ward=phuong-hoan-kiem").status_code == 404
    assert client.get("/staff/satisfaction/catalogue/import?ward=khong-co").status_code == 404
    assert client.get("/staff/satisfaction/catalogue?ward=khong-co").status_code == 200  # chooser


def test_officials_read_their_own_catalogue_only(client, world):
    satisfaction_catalogue.provide_defaults(world.other_ward.id)
    satisfaction_catalogue.save_procedure(
        world.admin,
        world.other_ward.id,
        satisfaction_catalogue.ProcedureInput(code="", name_vi="Thủ tục riêng Việt Hưng"),
    )
    db.session.commit()
    for user in (world.staff, world.chairman, world.supervisor):
        login_as(client, user)
        html = text_of(
            client.get("/staff/satisfaction/catalogue?ward=phuong-viet-hung", headers=EN)
        )
        assert "Birth registration" in html and "Phường Bồ Đề" in html
        assert "Thủ tục riêng Việt Hưng" not in html
        assert "New procedure" not in html and "/staff/satisfaction/catalogue/" not in html
    login_as(client, world.chairman)
    response = post_form(
        client, "/staff/satisfaction/catalogue/new?ward=phuong-bo-de", {"name_vi": "X"}
    )
    assert response.status_code == 403
    proc = procedure(world)
    db.session.commit()
    assert client.get(f"/staff/satisfaction/catalogue/{proc.id}").status_code == 403


def test_admin_imports_procedures(client, world):
    login_as(client, world.admin)
    page = text_of(client.get("/staff/satisfaction/catalogue/import?ward=phuong-bo-de", headers=EN))
    assert "code,name_vi,name_en,field_vi,field_en,time_limit_days" in page
    text = (
        "code,name_vi,name_en,field_vi,field_en,time_limit_days\n"
        "2.000815,Chứng thực bản sao,Certified copy,Chứng thực,Certification,0\n"
        ",,Nameless,,,2\n"
        "1.2,Thủ tục C,,Khác,,7\n"
        "1.3,Chứng thực bản sao,,Chứng thực,,1\n"
    )
    response = upload(
        client, "/staff/satisfaction/catalogue/import?ward=phuong-bo-de", text.encode()
    )
    assert response.status_code == 200
    html = text_of(response)
    assert "Added: 2. Updated: 1." in html and "1 row was not imported:" in html
    assert re.search(r"<td[^>]*>3</td><td[^>]*>Enter the Vietnamese name.</td>", html)
    copy = db.session.execute(
        sa.select(Procedure).where(Procedure.name_vi == "Chứng thực bản sao")
    ).scalar_one()
    assert (copy.ward_id, copy.time_limit_days) == (world.ward.id, 1)
    bad = upload(
        client, "/staff/satisfaction/catalogue/import?ward=phuong-bo-de", "é".encode("latin-1")
    )
    assert bad.status_code == 422 and "not UTF-8" in text_of(bad)


def test_demo_data_has_a_catalogue_and_three_dossiers(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0  # second run changes nothing
    wards = db.session.execute(sa.select(Procedure.ward_id).distinct()).scalars().all()
    assert len(wards) == 4
    numbers = db.session.execute(sa.select(Dossier.receipt_number)).scalars().all()
    assert sorted(numbers) == ["BD-DEMO-0001", "BD-DEMO-0002", "BD-DEMO-0003"]
    rating = db.session.execute(sa.select(Rating)).scalar_one()
    assert rating.level == Level.SATISFIED
    waiting = db.session.execute(
        sa.select(Dossier).where(Dossier.receipt_number == "BD-DEMO-0002")
    ).scalar_one()
    assert waiting.token_hash and waiting.token_used_at is None


def test_opening_the_register_writes_nothing(client, world):
    """The catalogue comes when a ward is enabled: no page makes it (a GET writes nothing)."""
    from portal.satisfaction.models import Procedure

    db.session.execute(sa.delete(Procedure).where(Procedure.ward_id == world.ward.id))
    db.session.commit()
    login_as(client, world.staff)
    for page in ("/staff/satisfaction/dossiers/new", "/staff/satisfaction/catalogue"):
        assert client.get(page).status_code == 200
    db.session.rollback()
    assert satisfaction_catalogue.procedures(world.ward.id, active_only=False) == []
