"""The ward information page: public, with addresses, hotline, opening hours, reception
hours and plain directions links; edited by the ward's own chairman only (CSRF, every
problem at once, an audit entry)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import World, csrf_token, login_as, make_user, text_of

from portal.audit.models import AuditEntry
from portal.auth.models import Role
from portal.extensions import db
from portal.wards import info as ward_info

GOOD = {
    "committee_address": "Số 2 phố Vũ Đức Thận, phường Bồ Đề, thành phố Hà Nội",
    "desk_address": "",
    "hotline": "02438722224",
    "opening_hours": "Thứ Hai – Thứ Sáu: 08:00–12:00, 13:30–17:00",
    "latitude": "21.0412",
    "longitude": "105.8753",
}


def edit(client, slug: str, data: dict):
    path = f"/wards/{slug}/info/edit"
    return client.post(path, data={"csrf_token": csrf_token(client, path), **data})


def test_the_chairman_edits_the_page_and_it_is_audited(app, world: World):
    client = login_as(app.test_client(), world.chairman)
    response = edit(client, world.ward.slug, GOOD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/wards/phuong-bo-de/info"
    saved = ward_info.info_of(world.ward.id)
    assert saved.hotline == "024 3872 2224"  # written the usual way
    assert saved.updated_by_id == world.chairman.id
    entry = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "wards.edit_info")
    ).scalar_one()
    assert (entry.actor_id, entry.target_type, entry.target_id, entry.ward_id) == (
        world.chairman.id,
        "ward",
        world.ward.id,
        world.ward.id,
    )
    assert "hotline" in entry.detail["fields"]
    page = text_of(app.test_client().get("/wards/phuong-bo-de/info"))
    assert "Vũ Đức Thận" in page and 'href="tel:+842438722224"' in page
    assert 'href="geo:21.041200,105.875300' in page
    assert "https://www.openstreetmap.org/?mlat=21.041200&amp;mlon=105.875300" in page
    assert "<script" not in page.split("</header>")[1] and "<iframe" not in page


def test_every_problem_is_shown_at_once(app, world: World):
    client = login_as(app.test_client(), world.chairman)
    bad = {**GOOD, "committee_address": " ", "hotline": "12345", "latitude": "48.85"}
    bad["longitude"] = ""
    response = edit(client, world.ward.slug, bad)
    html = text_of(response)
    assert response.status_code == 422
    assert 'id="committee_address-error"' in html
    assert 'id="hotline-error"' in html
    assert 'id="longitude-error"' in html  # a latitude without a longitude
    assert ward_info.info_of(world.ward.id) is None
    outside = edit(client, world.ward.slug, {**GOOD, "latitude": "105.8753", "longitude": "21.04"})
    assert outside.status_code == 422
    assert 'id="latitude-error"' in text_of(outside) and 'id="longitude-error"' in text_of(outside)
    typo = edit(client, world.ward.slug, {**GOOD, "latitude": "21,04a"})
    assert typo.status_code == 422 and 'id="latitude-error"' in text_of(typo)


@pytest.mark.parametrize("who", ["staff", "supervisor", "admin", "resident", "other_chairman"])
def test_only_the_wards_own_chairman_may_edit(app, world: World, who):
    user = (
        make_user(Role.CHAIRMAN, world.other_ward, name="Chủ Tịch Khác")
        if who == "other_chairman"
        else getattr(world, who)
    )
    db.session.commit()
    client = login_as(app.test_client(), user)
    assert client.get("/wards/phuong-bo-de/info/edit").status_code == 403
    token = csrf_token(client)
    response = client.post("/wards/phuong-bo-de/info/edit", data={"csrf_token": token, **GOOD})
    assert response.status_code == 403
    assert ward_info.info_of(world.ward.id) is None
    assert "/info/edit" not in text_of(client.get("/wards/phuong-bo-de/info"))


def test_a_visitor_is_sent_to_log_in_and_the_chairman_sees_the_edit_link(app, world: World):
    response = app.test_client().get("/wards/phuong-bo-de/info/edit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    page = text_of(login_as(app.test_client(), world.chairman).get("/wards/phuong-bo-de/info"))
    assert "/wards/phuong-bo-de/info/edit" in page


def test_the_edit_needs_the_csrf_token(app, world: World):
    client = login_as(app.test_client(), world.chairman)
    response = client.post("/wards/phuong-bo-de/info/edit", data=GOOD)
    assert response.status_code == 400
    assert ward_info.info_of(world.ward.id) is None


def test_a_ward_not_served_has_no_page(client, world: World):
    assert client.get(f"/wards/{world.unserved_ward.slug}/info").status_code == 404
    assert client.get("/wards/no-such-ward/info").status_code == 404


def test_without_information_the_page_says_so(client, world: World):
    with client.session_transaction() as session:
        session["locale"] = "en"
    html = text_of(client.get("/wards/phuong-bo-de/info"))
    assert "has not published its addresses" in html
    assert "geo:" not in html


def test_no_web_map_when_the_setting_is_empty(app, world: World):
    app.config["DIRECTIONS_URL"] = ""
    client = login_as(app.test_client(), world.chairman)
    edit(client, world.ward.slug, GOOD)
    page = text_of(app.test_client().get("/wards/phuong-bo-de/info"))
    assert "geo:21.041200" in page and "openstreetmap" not in page
