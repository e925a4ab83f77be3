"""Walk-ins at the door are capped by the room: once the people checked in and the walk-ins
counted reach the capacity, another walk-in is counted only when the officer confirms
("record anyway"), and that override is kept with who and when. Two officers at two doors
cannot both take the last seat."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import World, login_as, make_conference, make_user, post_form, text_of
from test_dialogues_concurrency import race

from portal.audit.models import AuditEntry
from portal.auth.models import Role
from portal.dialogues import services
from portal.dialogues.models import DialogueSession, WalkInOverride
from portal.extensions import db

EN = {"Accept-Language": "en"}


def overrides(session_id: int) -> list[WalkInOverride]:
    return list(
        db.session.execute(
            sa.select(WalkInOverride)
            .where(WalkInOverride.session_id == session_id)
            .order_by(WalkInOverride.id)
        ).scalars()
    )


def test_walk_ins_stop_at_the_capacity_unless_the_officer_confirms(app, world: World, english):
    conference = make_conference(world.ward, capacity=3, walk_in_seats=1)
    booking = services.book(conference, user=world.resident)
    services.check_in(world.staff, conference, booking.code)
    services.record_walk_in(world.staff, conference)
    services.record_walk_in(world.staff, conference)
    assert services.door_counts(conference).present == 3
    with pytest.raises(services.RoomFull) as full:
        services.record_walk_in(world.staff, conference)
    assert (full.value.present, full.value.capacity) == (3, 3)
    assert str(full.value.message) == "The room is full: 3 people are in for 3 seats."
    db.session.refresh(conference)
    assert conference.walk_ins == 2 and overrides(conference.id) == []
    override = services.record_walk_in(world.chairman, conference, anyway=True)
    db.session.commit()
    assert conference.walk_ins == 3
    (kept,) = overrides(conference.id)
    assert kept is override
    assert (kept.recorded_by_id, kept.present, kept.capacity) == (world.chairman.id, 3, 3)
    assert kept.recorded_at is not None and kept.ward_id == world.ward.id
    # Below the capacity, "anyway" changes nothing: no override recorded.
    roomy = make_conference(world.ward, capacity=10, title="Khác")
    assert services.record_walk_in(world.staff, roomy, anyway=True) is None


def test_the_door_page_warns_and_asks_for_a_confirmation(client, world: World):
    conference = make_conference(world.ward, capacity=3)
    db.session.commit()
    login_as(client, world.staff)
    path = f"/staff/dialogues/{conference.id}/walk-in"
    for _ in range(3):
        assert post_form(client, path).status_code == 302
    page = text_of(client.get(f"/staff/dialogues/{conference.id}/check-in", headers=EN))
    assert "The room is full: 3 people are in for 3 seats." in page
    assert "Record anyway" in page and 'name="anyway" value="y"' in page
    assert "Count a walk-in without booking" not in page
    vi = text_of(client.get(f"/staff/dialogues/{conference.id}/check-in"))
    assert "Hội trường đã đủ chỗ: đã có 3 người cho 3 chỗ ngồi." in vi
    assert "Vẫn ghi nhận" in vi

    # The fourth and fifth, sent without the confirmation (a page loaded earlier): refused.
    for _ in range(2):
        refused = post_form(client, path, headers=EN, follow_redirects=True)
        assert "The room is full: 3 people are in for 3 seats." in text_of(refused)
    db.session.refresh(conference)
    assert conference.walk_ins == 3 and overrides(conference.id) == []

    confirmed = post_form(client, path, {"anyway": "y"}, headers=EN, follow_redirects=True)
    html = text_of(confirmed)
    assert "Walk-in counted over the room&#39;s capacity; recorded in your name." in html
    assert "Walk-ins counted over the capacity" in html and world.staff.full_name in html
    db.session.refresh(conference)
    assert conference.walk_ins == 4
    assert [(o.recorded_by_id, o.present) for o in overrides(conference.id)] == [
        (world.staff.id, 3)
    ]
    # The audit trail's entry of that walk-in says it went past the capacity.
    entries = db.session.execute(
        sa.select(AuditEntry)
        .where(AuditEntry.action == "dialogues_staff.walk_in")
        .order_by(AuditEntry.id)
    ).scalars()
    details = [entry.detail or {} for entry in entries]
    assert len(details) == 4
    assert details[-1].get("over_capacity") is True and details[-1].get("present") == 3


def test_two_doors_cannot_both_take_the_last_seat(app, world: World):
    """Eight officers' tablets count a walk-in at the same moment, one seat left."""
    conference = make_conference(world.ward, capacity=5)
    conference.walk_ins = 4
    officers = [make_user(Role.STAFF, world.ward) for _ in range(8)]
    db.session.commit()
    session_id, officer_ids = conference.id, [o.id for o in officers]

    def walk_in(i: int) -> str:
        session = db.session.get(DialogueSession, session_id)
        actor = db.session.get(services.User, officer_ids[i])
        services.record_walk_in(actor, session)
        return "counted"

    outcomes = race(app, 8, walk_in)
    assert outcomes == {
        "counted": 1,
        "refused: The room is full: 5 people are in for 5 seats.": 7,
    }, outcomes
    db.session.rollback()
    assert db.session.get(DialogueSession, session_id).walk_ins == 5
