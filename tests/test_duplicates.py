"""Likely duplicates: same ward and category, open, near or alike in text or address; a
resident only sees what they may see."""

from __future__ import annotations

from conftest import make_feedback, make_user

from portal.auth.models import Role
from portal.extensions import db
from portal.feedback import categories, duplicates, workflow


def _similar(world, user=None, **fields):
    categories.provide_defaults(world.ward.id)
    category = categories.category_by_code(world.ward.id, fields.pop("category", "environment"))
    return [
        s.item
        for s in duplicates.similar(
            world.ward.id,
            category.id,
            fields.pop("title", "Rác ở ngõ 12"),
            fields.pop("body", "Rac de o dau ngo 12 Bo De chua duoc thu gom."),
            visible_to=user,
            **fields,
        )
    ]


def test_similar_text_without_diacritics_is_found(world):
    item = make_feedback(world.ward, world.resident)
    unlike = make_feedback(world.ward, world.resident, title="Ồn ào", body="Karaoke đêm khuya.")
    found = _similar(world)
    assert item in found and unlike not in found


def test_near_position_is_found_whatever_the_text(world):
    near = make_feedback(
        world.ward,
        world.resident,
        title="Ồn ào",
        body="Karaoke.",
        latitude=21.0465,
        longitude=105.872,
    )
    far = make_feedback(
        world.ward,
        world.resident,
        title="Ồn ào",
        body="Karaoke.",
        latitude=21.06,
        longitude=105.872,
    )
    found = _similar(
        world, title="Khác", body="Hoàn toàn khác", latitude=21.0470, longitude=105.872
    )
    assert found == [near] and far not in found
    assert 40 < duplicates.metres_between(21.0465, 105.872, 21.0470, 105.872) < 70


def test_other_category_ward_and_finished_items_are_not_suggested(world):
    other_category = make_feedback(world.ward, world.resident, category="urban_order")
    other_ward = make_feedback(world.other_ward, make_user(Role.RESIDENT, world.other_ward))
    rejected = make_feedback(world.ward, world.resident)
    workflow.reject(world.staff, rejected, "Không thuộc thẩm quyền")
    db.session.flush()
    found = _similar(world)
    assert other_category not in found and other_ward not in found and rejected not in found


def test_a_resident_sees_only_their_own_or_published_items(world):
    neighbour = make_user(Role.RESIDENT, world.ward, name="Hàng Xóm", phone="0912000111")
    private = make_feedback(world.ward, neighbour)
    published = make_feedback(world.ward, neighbour, publish_allowed=True)
    own = make_feedback(world.ward, world.resident)
    seen = _similar(world, user=world.resident)
    assert published in seen and own in seen and private not in seen
    assert private in _similar(world)  # staff see every one


def test_the_staff_page_lists_likely_duplicates(client, world):
    from conftest import login_as

    first = make_feedback(world.ward, world.resident)
    second = make_feedback(world.ward, world.resident)
    unlike = make_feedback(world.ward, world.resident, title="Ồn ào", body="Karaoke đêm khuya.")
    db.session.commit()
    login_as(client, world.staff)
    html = client.get(f"/staff/feedback/{second.id}").get_data(as_text=True)
    assert f'/staff/feedback/{first.id}"' in html
    assert f'/staff/feedback/{unlike.id}"' not in html
