"""The "similar feedback already exists" step of the resident's form: open items like theirs
that they may see are shown first and nothing is filed until they send it anyway; with
nothing similar the feedback is filed at once. Officers filing for a caller never get the
step, and their form carries the same map picker as the resident's."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa
from conftest import feedback_fields, login_as, make_feedback, make_user, post_form, text_of
from test_feedback_maps import BO_DE, OUTSIDE, no_inline_code, with_area

from portal.auth.models import Role
from portal.codes import format_code
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.security import CSP

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HEADING = "Đã có phản ánh tương tự"
ANYWAY = "Vẫn gửi phản ánh"


def count() -> int:
    return db.session.execute(sa.select(sa.func.count(Feedback.id))).scalar_one()


def existing(world, user=None, **fields) -> Feedback:
    """An open item like the form's (same category, same words)."""
    item = make_feedback(world.ward, user or world.resident, **fields)
    db.session.commit()
    return item


def neighbour(world):
    user = make_user(Role.RESIDENT, world.ward, name="Lê Thị Bên")
    db.session.commit()
    return user


def test_similar_items_are_shown_and_nothing_is_filed(client, world):
    mine = existing(world)
    login_as(client, world.resident)
    response = post_form(client, "/feedback/new", feedback_fields(world))
    assert response.status_code == 200
    html = text_of(response)
    assert HEADING in html and ANYWAY in html
    assert count() == 1  # nothing filed yet
    assert format_code(mine.code) in html
    assert f'href="/my/feedback/{mine.code}"' in html  # follow the existing one instead
    assert re.search(r'name="seen_similar" type="hidden" value="1"', html)
    assert 'value="Rác ở ngõ 12"' in html and "Ngõ 12 Bồ Đề" in html  # what was typed, kept
    section = html[html.index('id="similar"') : html.index("</section>")]
    assert "Đã tiếp nhận" in section  # its status, in the sender's words


def test_sending_anyway_files_exactly_one_item(client, world):
    existing(world)
    login_as(client, world.resident)
    assert post_form(client, "/feedback/new", feedback_fields(world)).status_code == 200
    response = post_form(client, "/feedback/new", feedback_fields(world, seen_similar="1"))
    assert response.status_code == 302
    assert count() == 2
    new = db.session.execute(sa.select(Feedback).order_by(Feedback.id.desc())).scalars().first()
    assert response.headers["Location"] == f"/my/feedback/{new.code}"
    assert new.title == "Rác ở ngõ 12" and new.user_id == world.resident.id


def test_nothing_similar_is_filed_at_once(client, world):
    existing(world, title="Đèn tín hiệu hỏng", body="Ngã tư Bồ Đề tắt đèn từ tối qua.")
    existing(world, category="urban_order")  # the same words, another category
    login_as(client, world.resident)
    response = post_form(client, "/feedback/new", feedback_fields(world))
    assert response.status_code == 302
    assert count() == 3


def test_another_residents_unpublished_item_is_never_shown(client, world):
    hidden = existing(world, neighbour(world), body="Rác để ở đầu ngõ 12 ba ngày chưa thu gom.")
    login_as(client, world.resident)
    response = post_form(client, "/feedback/new", feedback_fields(world))
    assert response.status_code == 302  # nothing the resident may see: filed at once
    assert count() == 2
    assert format_code(hidden.code) not in text_of(client.get(response.headers["Location"]))


def test_a_published_item_is_shown_without_its_code_or_personal_data(client, world):
    shown = existing(
        world,
        neighbour(world),
        publish_allowed=True,
        body="Rác để ở đầu ngõ 12 ba ngày chưa thu gom, gọi 0912 345 678.",
    )
    login_as(client, world.resident)
    response = post_form(client, "/feedback/new", feedback_fields(world))
    assert response.status_code == 200
    html = text_of(response)
    assert HEADING in html and "Do người dân khác gửi" in html
    assert shown.code not in html and format_code(shown.code) not in html
    assert "0912 345 678" not in html and "•••" in html
    assert f'href="/wards/{world.ward.slug}/feedback"' in html


def test_the_step_speaks_vietnamese_to_the_resident(client, world):
    existing(world)
    login_as(client, world.resident)
    html = text_of(post_form(client, "/feedback/new", feedback_fields(world)))
    assert "Phản ánh của Ông/Bà chưa được gửi" in html
    assert "Không gửi, theo dõi phản ánh đã có" in html
    assert " bạn" not in html.lower()


def test_attached_files_are_named_and_asked_for_again(client, world):
    existing(world)
    login_as(client, world.resident)
    data = feedback_fields(world, attachments=[(io.BytesIO(PNG), "<b>ảnh</b> rác.png")])
    response = post_form(client, "/feedback/new", data, content_type="multipart/form-data")
    assert response.status_code == 200 and count() == 1
    html = text_of(response)
    assert "Tệp đính kèm của Ông/Bà chưa được gửi: &lt;b&gt;ảnh&lt;/b&gt; rác.png" in html
    assert "<b>ảnh</b>" not in html
    assert 'href="#attachments"' in html and 'id="attachments"' in html
    again = feedback_fields(world, seen_similar="1", attachments=[(io.BytesIO(PNG), "ảnh rác.png")])
    sent = post_form(client, "/feedback/new", again, content_type="multipart/form-data")
    assert sent.status_code == 302 and count() == 2
    assert "ảnh rác.png" in text_of(client.get(sent.headers["Location"]))


# ---------------------------------------------------------------- officers


def caller(world, **overrides) -> dict:
    person = {"channel": "phone", "contact_name": "Bà Lê Thị Gọi", "contact_phone": "0987654321"}
    return feedback_fields(world, **{**person, "publish_allowed": "", **overrides})


def test_officers_filing_for_a_caller_never_get_the_step(client, world):
    existing(world)
    login_as(client, world.staff)
    response = post_form(client, "/staff/feedback/new", caller(world))
    assert response.status_code == 302
    assert count() == 2


def test_the_caller_form_carries_the_map_picker(client, world):
    with_area(world, radius=1500)
    login_as(client, world.staff)
    response = client.get("/staff/feedback/new")
    html = text_of(response)
    assert response.headers["Content-Security-Policy"] == CSP
    no_inline_code(html)
    assert 'id="feedback-map"' in html and 'data-mode="pick"' in html
    assert f'data-area="{BO_DE[0]},{BO_DE[1]},1500"' in html
    assert 'src="/static/vendor/leaflet/leaflet.js"' in html
    assert 'src="/static/js/feedback-map.js"' in html
    assert 'id="map-warning" role="status" hidden' in html
    assert 'id="latitude"' in html and 'id="use-location"' not in html  # not the desk's place


def test_the_caller_form_warns_about_a_position_outside_the_ward(client, world):
    with_area(world)
    login_as(client, world.staff)
    shown = post_form(client, "/staff/feedback/new", caller(world, contact_name="", **OUTSIDE))
    assert shown.status_code == 422
    assert re.search(r'id="map-warning" role="status" >', text_of(shown))
    filed = post_form(client, "/staff/feedback/new", caller(world, **OUTSIDE))
    assert filed.status_code == 302
    item = db.session.execute(sa.select(Feedback)).scalar_one()
    assert (item.latitude, item.longitude) == (21.0285, 105.8542)  # kept
    assert "ngoài địa bàn phường" in text_of(client.get(filed.headers["Location"]))
