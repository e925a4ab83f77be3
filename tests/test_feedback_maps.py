"""The feedback maps' rules: the officers' markers are the inbox's items (same filters) with
a position, coloured by their deadline's state; the public map rounds positions to about
100 m. Clocks frozen by passing `now=`."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import feedback_fields, login_as, make_feedback, post_form, text_of

from portal.db import utcnow
from portal.extensions import db
from portal.feedback import deadlines, maps, queries, workflow
from portal.feedback.models import Feedback
from portal.security import CSP
from portal.timeutil import local_today
from portal.wards.models import WardInfo
from portal.workdays import add_working_days

EN = {"Accept-Language": "en"}


def placed(world, title, lat=21.0455, lon=105.8722, **fields):
    return make_feedback(
        world.ward, world.resident, title=title, latitude=lat, longitude=lon, **fields
    )


def test_markers_are_coloured_by_the_deadline_state(world):
    now = utcnow()
    today = local_today(now)
    late = placed(world, "Quá hạn")
    late.due_on = today - timedelta(days=1)
    soon = placed(world, "Sắp đến hạn")
    soon.due_on = today
    calm = placed(world, "Còn hạn")
    calm.due_on = add_working_days(today, deadlines.warn_days() + 3)
    db.session.flush()
    markers, more = maps.staff_markers(world.ward.id, queries.InboxFilter(), world.staff, now)
    states = {m.title: m.state for m in markers}
    assert states == {"Quá hạn": "overdue", "Sắp đến hạn": "due_soon", "Còn hạn": "on_time"}
    assert [m.title for m in markers] == ["Quá hạn", "Sắp đến hạn", "Còn hạn"]  # soonest first
    assert more is False


def test_markers_follow_the_inbox_filters_and_need_a_position(world):
    mine = placed(world, "Của tôi")
    workflow.assign(world.chairman, mine, world.staff.id)
    placed(world, "Chưa giao")
    make_feedback(world.ward, world.resident, title="Không có vị trí")
    make_feedback(world.other_ward, None, title="Phường khác", latitude=21.05, longitude=105.88)
    db.session.flush()
    everyone, _ = maps.staff_markers(world.ward.id, queries.InboxFilter(), world.staff)
    assert sorted(m.title for m in everyone) == ["Chưa giao", "Của tôi"]
    only_mine, _ = maps.staff_markers(
        world.ward.id, queries.InboxFilter(assignee="me"), world.staff
    )
    assert [m.title for m in only_mine] == ["Của tôi"]
    searched, _ = maps.staff_markers(world.ward.id, queries.InboxFilter(q="chua giao"), world.staff)
    assert [m.title for m in searched] == ["Chưa giao"]


def test_finished_items_leave_the_officers_map(world):
    item = placed(world, "Bị từ chối")
    placed(world, "Còn mở")
    workflow.reject(world.staff, item, "Không thuộc thẩm quyền của phường.")
    db.session.flush()
    markers, _ = maps.staff_markers(world.ward.id, queries.InboxFilter(), world.staff)
    assert [m.title for m in markers] == ["Còn mở"]
    every, _ = maps.staff_markers(world.ward.id, queries.InboxFilter(status="all"), world.staff)
    assert sorted(m.title for m in every) == ["Bị từ chối", "Còn mở"]


def test_public_positions_are_rounded_to_about_100_m(world):
    item = placed(world, "Công khai", lat=21.045678, lon=105.872345)
    bare = make_feedback(world.ward, world.resident, title="Không vị trí")
    assert maps.approximate(21.045678, 105.872345) == (21.046, 105.872)
    assert maps.approximate(None, None) is None
    assert maps.public_positions([item, bare]) == {item.id: (21.046, 105.872)}


# ---------------------------------------------------------------- pages

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)


def no_inline_code(html: str) -> None:
    assert not INLINE_SCRIPT.search(html)
    assert "<style" not in html.lower()
    assert " style=" not in html.lower()


def test_staff_map_lists_the_inbox_items_with_their_state_in_words(app, client, world):
    now = utcnow()
    late = placed(world, "Đèn đường hỏng")
    late.due_on = local_today(now) - timedelta(days=1)
    workflow.assign(world.chairman, late, world.staff.id)
    placed(world, "Cây đổ")
    make_feedback(world.ward, world.resident, title="Không có vị trí")
    db.session.commit()
    login_as(client, world.staff)
    response = client.get("/staff/feedback/map", headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == CSP
    no_inline_code(html)
    assert 'src="/static/vendor/leaflet/leaflet.js"' in html
    assert 'data-tiles=""' in html  # none configured: a plain background
    items = re.findall(r'<li data-lat="([^"]+)" data-lon="([^"]+)" data-state="(\w+)"', html)
    assert sorted(state for *_, state in items) == ["on_time", "overdue"]
    assert "Không có vị trí" not in html
    assert "Overdue" in html and "In time" in html  # the legend, in words
    mine = client.get("/staff/feedback/map?assignee=me", headers=EN).get_data(as_text=True)
    assert "Đèn đường hỏng" in mine and "Cây đổ" not in mine


def test_staff_map_uses_the_configured_tiles(app, client, world):
    app.config["MAP_TILE_URL"] = "/tiles/{z}/{x}/{y}.png"
    app.config["MAP_TILE_ATTRIBUTION"] = "© Bản đồ Việt Nam"
    login_as(client, world.staff)
    html = client.get("/staff/feedback/map").get_data(as_text=True)
    assert 'data-tiles="/tiles/{z}/{x}/{y}.png"' in html
    assert 'data-attribution="© Bản đồ Việt Nam"' in html


# ---------------------------------------------------------------- the ward's area

BO_DE = (21.0455, 105.8722)  # the committee (ward information)


def with_area(world, radius=2000):
    info = WardInfo(
        ward_id=world.ward.id,
        committee_address="Số 1 phố Bồ Đề",
        latitude=BO_DE[0],
        longitude=BO_DE[1],
        area_radius_m=radius,
    )
    db.session.add(info)
    db.session.commit()
    return info


def test_outside_the_area_means_farther_than_the_radius(world):
    assert maps.outside_area(world.ward.id, 10.77, 106.70) is False  # no area: no warning
    with_area(world, radius=2000)
    assert maps.outside_area(world.ward.id, 21.0500, 105.8780) is False  # about 780 m
    assert maps.outside_area(world.ward.id, 21.0285, 105.8542) is True  # Hoàn Kiếm, ~2.6 km
    assert maps.outside_area(world.ward.id, None, None) is False
    assert maps.metres_between((21.0, 105.0), (21.001, 105.0)) == pytest.approx(111, abs=1)


# Hoàn Kiếm, about 2.6 km from the committee: outside the ward's area.
OUTSIDE = {"latitude": "21.0285", "longitude": "105.8542"}


def feedback_form(world, **overrides):
    return feedback_fields(world, **{**OUTSIDE, **overrides})


def test_a_position_outside_the_ward_is_kept_and_warned_about(client, world):
    with_area(world)
    login_as(client, world.resident)
    response = post_form(client, "/feedback/new", feedback_form(world), headers=EN)
    assert response.status_code == 302
    item = db.session.execute(sa.select(Feedback)).scalar_one()
    assert (item.latitude, item.longitude) == (21.0285, 105.8542)  # not refused
    page = text_of(client.get(response.headers["Location"], headers=EN))
    assert "seems to be outside the ward" in page


def test_a_form_shown_again_keeps_the_warning_and_the_typed_position(client, world):
    with_area(world)
    login_as(client, world.resident)
    response = post_form(client, "/feedback/new", feedback_form(world, title=""), headers=EN)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="map-warning" role="status" >', html)  # shown, not hidden
    assert 'value="21.0285"' in html
    inside = post_form(
        client, "/feedback/new", feedback_form(world, latitude="21.0460", longitude="105.8730")
    )
    assert inside.status_code == 302
    assert "outside the ward" not in text_of(client.get(inside.headers["Location"], headers=EN))


def test_the_feedback_form_carries_its_map_without_inline_code(client, world):
    with_area(world, radius=1500)
    login_as(client, world.resident)
    response = client.get("/feedback/new")
    html = response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == CSP
    no_inline_code(html)
    assert 'data-mode="pick"' in html
    assert f'data-area="{BO_DE[0]},{BO_DE[1]},1500"' in html
    assert 'id="latitude"' in html and 'id="use-location"' in html  # the fallbacks stay


def test_public_page_shows_published_answers_at_approximate_positions(client, world):
    shown = placed(world, "Công khai", lat=21.045678, lon=105.872345, publish_allowed=True)
    workflow.reply(world.staff, shown, "Đã thu gom.", answer=True)
    private = placed(world, "Không công khai", lat=21.041234, lon=105.861234)
    workflow.reply(world.staff, private, "Đã xử lý.", answer=True)
    placed(world, "Chưa trả lời", lat=21.049876, lon=105.869876, publish_allowed=True)
    db.session.commit()
    response = client.get(f"/wards/{world.ward.slug}/feedback")
    html = response.get_data(as_text=True)
    assert response.headers["Content-Security-Policy"] == CSP
    no_inline_code(html)
    assert re.findall(r'data-lat="([^"]+)" data-lon="([^"]+)"', html) == [("21.046", "105.872")]
    for exact in ("21.045678", "105.872345", "21.041", "21.0498", "21.05"):
        assert exact not in html
    assert 'data-mode="public"' in html


def test_public_page_without_positions_has_no_map(client, world):
    item = make_feedback(world.ward, world.resident, publish_allowed=True)
    workflow.reply(world.staff, item, "Đã thu gom.", answer=True)
    db.session.commit()
    html = client.get(f"/wards/{world.ward.slug}/feedback").get_data(as_text=True)
    assert "feedback-map" not in html and "leaflet" not in html
