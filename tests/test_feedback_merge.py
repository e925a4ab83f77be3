"""Duplicate feedback merged into one item: who may merge what into what (each refusal a
409 that says why, with nothing changed), the merge itself (status, link, both timelines,
the audit entry, the sender told), the one answer reaching every sender, the merged item's
page for its sender, and Open311's view of a merged request."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import login_as, make_feedback, post_form, text_of

from portal.audit.models import AuditEntry
from portal.codes import format_code
from portal.domain import PermissionDenied, StateConflict
from portal.extensions import db
from portal.feedback import messages, policy, workflow
from portal.feedback.models import EventKind, Feedback, FeedbackEvent, FeedbackStatus
from portal.feedback.policy import Action
from portal.notifications.models import OutboxMessage

EN = {"Accept-Language": "en"}


def outbox(item: Feedback, kind: str | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.about == messages.about(item))
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.execute(query.order_by(OutboxMessage.id)).scalars())


def kinds_of(item: Feedback) -> list[EventKind]:
    query = sa.select(FeedbackEvent.kind).where(FeedbackEvent.feedback_id == item.id)
    return list(db.session.execute(query.order_by(FeedbackEvent.id)).scalars())


def events(item: Feedback, kind: EventKind) -> list[FeedbackEvent]:
    query = sa.select(FeedbackEvent).where(
        FeedbackEvent.feedback_id == item.id, FeedbackEvent.kind == kind
    )
    return list(db.session.execute(query).scalars())


@pytest.fixture
def pair(world):
    """The resident's feedback and a caller's on the same matter, both just received."""
    original = make_feedback(world.ward)  # a caller, told by SMS
    duplicate = make_feedback(world.ward, world.resident)  # told by e-mail
    db.session.commit()
    return original, duplicate


def merge_url(item: Feedback) -> str:
    return f"/staff/feedback/{item.id}/merge"


# ---------------------------------------------------------------- the service


def test_merge_makes_the_duplicate_final_and_tells_its_sender(world, pair, english):
    original, duplicate = pair
    workflow.merge(world.staff, duplicate, original)
    db.session.commit()
    assert duplicate.status == FeedbackStatus.MERGED and duplicate.is_final
    assert duplicate.merged_into_id == original.id and duplicate.closed_at is not None
    assert original.status == FeedbackStatus.RECEIVED
    (merged,) = events(duplicate, EventKind.MERGED)
    assert merged.public and merged.new_status == FeedbackStatus.MERGED
    assert merged.body == format_code(original.code)
    (merged_in,) = events(original, EventKind.MERGED_IN)
    assert not merged_in.public and format_code(duplicate.code) in merged_in.body
    (told,) = outbox(duplicate, "feedback_merged")
    assert told.address == "dan@example.vn"
    assert format_code(original.code) in told.subject and format_code(original.code) in told.body
    assert outbox(original, "feedback_merged") == []  # the original's sender is not bothered
    assert Action.MERGE not in policy.actions(world.staff, duplicate)


def test_the_answer_reaches_every_sender(world, pair):
    original, duplicate = pair
    third = make_feedback(
        world.ward, contact_name="Bà Ba", contact_phone="", contact_email="ba@example.vn"
    )
    workflow.merge(world.staff, duplicate, original)
    workflow.merge(world.staff, third, original)
    workflow.reply(world.staff, original, "Đã thu gom rác; gọi 0912 345 678 nếu còn.", answer=True)
    db.session.commit()
    assert [m.kind for m in outbox(original, "feedback_answered")] == ["feedback_answered"]
    for item, address in ((duplicate, "dan@example.vn"), (third, "ba@example.vn")):
        (message,) = outbox(item, "feedback_merged_answered")
        assert message.address == address
        assert "Đã thu gom rác" in message.body and format_code(original.code) in message.body
        assert "0912 345 678" not in message.body  # written to another person: redacted
    assert len(outbox(duplicate)) == 3  # received, merged, answered


def test_a_reply_that_is_not_the_answer_goes_to_the_original_sender_only(world, pair):
    original, duplicate = pair
    workflow.merge(world.staff, duplicate, original)
    workflow.reply(world.staff, original, "Đang xử lý.", answer=False)
    db.session.commit()
    assert outbox(duplicate, "feedback_merged_answered") == []


def test_duplicates_already_merged_move_along(world, pair):
    original, duplicate = pair
    first = make_feedback(world.ward, contact_name="Ông Một", contact_phone="0911 111 111")
    workflow.merge(world.staff, first, duplicate)
    workflow.merge(world.staff, duplicate, original)
    db.session.commit()
    assert first.merged_into_id == original.id
    assert {i.id for i in workflow.merged_into(original)} == {first.id, duplicate.id}
    assert workflow.merged_into(duplicate) == []


def _other_category(world) -> Feedback:
    return make_feedback(world.ward, category="urban_order")


def _closed(world) -> Feedback:
    item = make_feedback(world.ward)
    workflow.reply(world.staff, item, "Đã xử lý.", answer=True)
    workflow.close(world.staff, item)
    return item


def _answered(world) -> Feedback:
    item = make_feedback(world.ward)
    workflow.reply(world.staff, item, "Đã xử lý.", answer=True)
    return item


def _merged(world) -> Feedback:
    item, into = make_feedback(world.ward), make_feedback(world.ward)
    workflow.merge(world.staff, item, into)
    return item


def _other_ward(world) -> Feedback:
    return make_feedback(world.other_ward)


REFUSALS = [
    ("itself", None, "Feedback cannot be merged into itself."),
    ("other ward", _other_ward, "Feedback can only be merged into feedback of the same ward."),
    (
        "other category",
        _other_category,
        "Feedback can only be merged into feedback of the same category.",
    ),
    ("merged", _merged, "That feedback has itself been merged into"),
    ("closed", _closed, "That feedback is closed"),
    ("answered", _answered, "That feedback has already been answered"),
]


@pytest.mark.parametrize(("case", "make_target", "reason"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_each_refusal_is_a_409_that_says_why_and_changes_nothing(
    client, world, pair, case, make_target, reason
):
    _original, duplicate = pair
    target = make_target(world) if make_target else duplicate
    db.session.commit()
    before_events, before_outbox = len(kinds_of(duplicate)), len(outbox(duplicate))
    login_as(client, world.staff)
    response = post_form(client, merge_url(duplicate), {"target": target.code}, headers=EN)
    assert response.status_code == 409
    assert reason in text_of(response)
    db.session.rollback()
    db.session.refresh(duplicate)
    assert duplicate.status == FeedbackStatus.RECEIVED and duplicate.merged_into_id is None
    assert len(kinds_of(duplicate)) == before_events and len(outbox(duplicate)) == before_outbox
    assert (
        db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action == "feedback_staff.merge")
        ).all()
        == []
    )


def test_a_final_item_cannot_be_merged(client, world, pair):
    original, _duplicate = pair
    done = _closed(world)
    db.session.commit()
    login_as(client, world.staff)
    response = post_form(client, merge_url(done), {"target": original.code}, headers=EN)
    assert response.status_code == 409
    assert "Only feedback still being handled can be merged into another." in text_of(response)
    db.session.refresh(done)
    assert done.status == FeedbackStatus.CLOSED and done.merged_into_id is None


def test_the_service_refuses_before_anything_changes(world, pair):
    original, duplicate = pair
    with pytest.raises(PermissionDenied):
        workflow.merge(world.resident, duplicate, original)
    with pytest.raises(PermissionDenied):
        workflow.merge(world.staff_other, duplicate, original)
    with pytest.raises(StateConflict):
        workflow.merge(world.staff, duplicate, duplicate)
    assert duplicate.status == FeedbackStatus.RECEIVED


# ---------------------------------------------------------------- the route


def test_merge_from_the_duplicates_list_with_audit_entry(client, world, pair):
    original, duplicate = pair
    login_as(client, world.staff)
    page = text_of(client.get(f"/staff/feedback/{duplicate.id}"))
    assert f'value="{original.code}"' in page  # a button per likely duplicate
    response = post_form(client, merge_url(duplicate), {"target": original.code})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/staff/feedback/{duplicate.id}")
    db.session.rollback()
    db.session.refresh(duplicate)
    assert duplicate.status == FeedbackStatus.MERGED and duplicate.merged_into_id == original.id
    (entry,) = db.session.execute(
        sa.select(AuditEntry).where(AuditEntry.action == "feedback_staff.merge")
    ).scalars()
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        world.staff.id,
        "feedback",
        duplicate.id,
    )
    assert entry.detail == {"merged_into": original.code, "moved": 0}
    page = text_of(client.get(f"/staff/feedback/{original.id}"))
    assert format_code(duplicate.code) in page  # listed among the merged duplicates


def test_merge_by_a_typed_code_and_an_unknown_one(client, world, pair):
    original, duplicate = pair
    login_as(client, world.chairman)
    response = post_form(client, merge_url(duplicate), {"target": "XXXX-XXXX"}, headers=EN)
    assert response.status_code == 302
    page = text_of(client.get(f"/staff/feedback/{duplicate.id}", headers=EN))
    assert "No feedback has this tracking code." in page
    typed = format_code(original.code).lower()
    assert post_form(client, merge_url(duplicate), {"target": typed}).status_code == 302
    db.session.rollback()
    db.session.refresh(duplicate)
    assert duplicate.merged_into_id == original.id


@pytest.mark.parametrize(
    ("who", "status"),
    [("resident", 403), ("supervisor", 403), ("staff_other", 403), ("admin", 403)],
)
def test_only_the_ward_s_officers_may_merge(client, world, pair, who, status):
    original, duplicate = pair
    login_as(client, getattr(world, who))
    response = post_form(client, merge_url(duplicate), {"target": original.code})
    assert response.status_code == status
    db.session.rollback()
    db.session.refresh(duplicate)
    assert duplicate.status == FeedbackStatus.RECEIVED


def test_merge_needs_the_csrf_token(app, world, pair):
    original, duplicate = pair
    client = login_as(app.test_client(), world.staff)
    response = client.post(merge_url(duplicate), data={"target": original.code})
    assert response.status_code == 400
    db.session.refresh(duplicate)
    assert duplicate.status == FeedbackStatus.RECEIVED


# ---------------------------------------------------------------- the sender's page


def test_the_sender_sees_the_merge_and_the_answer_when_they_may(client, world, pair):
    original, duplicate = pair
    workflow.merge(world.staff, duplicate, original)
    db.session.commit()
    login_as(client, world.resident)
    page = text_of(client.get(f"/my/feedback/{duplicate.code}", headers=EN))
    assert f"Merged into {format_code(original.code)}" in page
    workflow.reply(world.staff, original, "Đã thu gom, xin liên hệ 0912 345 678.", answer=True)
    db.session.commit()
    page = text_of(client.get(f"/my/feedback/{duplicate.code}", headers=EN))
    assert "Đã thu gom" not in page  # the caller's feedback is neither theirs nor published
    original.publish_allowed = True
    db.session.commit()
    page = text_of(client.get(f"/my/feedback/{duplicate.code}", headers=EN))
    assert "Đã thu gom, xin liên hệ •••." in page  # as the public page shows it
    assert "0912 345 678" not in page


def test_a_resident_s_own_original_is_shown_in_full_with_a_link(client, world):
    original = make_feedback(world.ward, world.resident)
    duplicate = make_feedback(world.ward, world.resident, title="Rác ở ngõ 12 lần nữa")
    workflow.merge(world.staff, duplicate, original)
    workflow.reply(world.staff, original, "Gọi 0912 345 678.", answer=True)
    db.session.commit()
    login_as(client, world.resident)
    page = text_of(client.get(f"/my/feedback/{duplicate.code}", headers=EN))
    assert "Gọi 0912 345 678." in page
    assert f'href="/my/feedback/{original.code}"' in page


def test_the_status_is_named_in_vietnamese(client, world, pair):
    original, duplicate = pair
    workflow.merge(world.staff, duplicate, original)
    db.session.commit()
    login_as(client, world.resident)
    assert "Đã gộp" in text_of(client.get("/my/feedback"))
    login_as(client, world.staff)
    assert "Đã gộp" in text_of(client.get(f"/staff/feedback/{duplicate.id}"))


# ---------------------------------------------------------------- Open311


def test_open311_shows_a_merged_request_closed_pointing_at_the_other(client, world, pair):
    original, duplicate = pair
    duplicate.publish_allowed = True
    workflow.merge(world.staff, duplicate, original)
    db.session.commit()
    response = client.get(f"/open311/v2/requests/{duplicate.code}.json")
    assert response.status_code == 200
    (record,) = response.get_json()
    assert record["status"] == "closed"
    assert original.code in record["status_notes"] and "merged" in record["status_notes"]


def test_merging_a_missing_item_is_404(client, world, pair):
    original, _duplicate = pair
    login_as(client, world.staff)
    response = post_form(client, "/staff/feedback/999999/merge", {"target": original.code})
    assert response.status_code == 404
