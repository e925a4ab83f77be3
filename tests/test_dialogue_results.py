"""After a conference: questions (floor, merge, order, answers), minutes, publishing the
results, and what residents then see and are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as, make_conference, make_user, post_form, text_of
from flask_babel import force_locale

from portal.auth.models import Role
from portal.db import utcnow
from portal.dialogues import queries, results, services
from portal.dialogues.models import Question, SessionKind, SessionStatus
from portal.domain import DomainError, PermissionDenied, StateConflict
from portal.extensions import db
from portal.notifications.models import OutboxMessage

EN = {"Accept-Language": "en"}
URL = "https://portal.example/wards/phuong-bo-de/dialogues/1"


def outbox(kind: str) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    return list(db.session.execute(query).scalars())


def english(error: pytest.ExceptionInfo) -> str:
    with force_locale("en"):
        return str(error.value.message)


def asking(world: World, *texts: str, conference=None):
    """A published conference with one resident per question text (the first is world's)."""
    conference = conference or make_conference(world.ward, capacity=20)
    people = [world.resident] + [
        make_user(Role.RESIDENT, world.ward, name=f"Cư Dân {i}") for i in range(1, len(texts))
    ]
    bookings = [
        services.book(conference, user=person, question=text)
        for person, text in zip(people, texts, strict=True)
    ]
    db.session.commit()
    return conference, bookings


def listed(conference) -> list[str]:
    return [entry.question.text for entry in results.question_list(conference)]


def question(conference, text: str) -> Question:
    return db.session.execute(
        sa.select(Question).where(Question.session_id == conference.id, Question.text == text)
    ).scalar_one()


def hold(world: World, conference) -> None:
    """The conference took place (it started three hours ago) and is marked as held."""
    conference.starts_at = utcnow() - timedelta(hours=3)
    conference.ends_at = utcnow() - timedelta(hours=1)
    services.mark_held(world.staff, conference)
    db.session.commit()


def answer_all(world: World, conference) -> None:
    for entry in results.question_list(conference):
        results.answer_question(world.chairman, conference, entry.question.id, "Đã trả lời.")


def ready_to_publish(world: World, *texts: str):
    conference, bookings = asking(world, *texts)
    hold(world, conference)
    answer_all(world, conference)
    results.save_minutes(world.staff, conference, 35, "Hội nghị diễn ra đúng kế hoạch.", "Thư Ký")
    db.session.commit()
    return conference, bookings


# ---------------------------------------------------------------- the question list


def test_floor_questions_go_to_the_end_and_are_checked(app, world: World):
    conference, _ = asking(world, "Đèn đường ngõ 12", "Rác thải chợ")
    added = results.add_floor_question(world.staff, conference, "  Nước ngập phố Bồ Đề  ")
    db.session.commit()
    assert added.from_floor and added.booking_id is None and added.text == "Nước ngập phố Bồ Đề"
    assert listed(conference) == ["Đèn đường ngõ 12", "Rác thải chợ", "Nước ngập phố Bồ Đề"]
    assert [e.question.position for e in results.question_list(conference)] == [1, 2, 3]

    with pytest.raises(DomainError) as error:
        results.add_floor_question(world.staff, conference, "   ")
    assert error.value.field == "text" and english(error) == "Please enter the question."
    with pytest.raises(DomainError) as error:
        results.add_floor_question(world.staff, conference, "x" * 2001)
    assert english(error) == "The question is too long: at most 2000 characters."
    results.add_floor_question(world.staff, conference, "x" * 2000)  # the limit itself is fine


def test_merging_attaches_duplicates_and_keeps_one_answer(app, world: World):
    conference, _ = asking(world, "Khi nào sửa đường?", "Đường bao giờ sửa?", "Rác", "Sửa đường?")
    first, second, rubbish, third = (
        question(conference, t)
        for t in ("Khi nào sửa đường?", "Đường bao giờ sửa?", "Rác", "Sửa đường?")
    )
    results.answer_question(world.chairman, conference, second.id, "Tháng 3 sẽ sửa.")
    results.merge_questions(world.staff, conference, third.id, second.id)
    # Merging a question that already has duplicates: they follow it (chains stay flat),
    # and its answer moves to the target, which had none.
    target = results.merge_questions(world.staff, conference, second.id, first.id)
    db.session.commit()
    assert target.id == first.id
    entries = results.question_list(conference)
    assert [e.question.text for e in entries] == ["Khi nào sửa đường?", "Rác"]
    assert entries[0].times_asked == 3
    assert {d.id for d in entries[0].duplicates} == {second.id, third.id}
    assert second.merged_into_id == first.id and third.merged_into_id == first.id
    assert first.answer == "Tháng 3 sẽ sửa." and second.answer == "" and first.answered_at
    assert [e.question.position for e in entries] == [1, 2]
    assert queries.unanswered_count(conference) == 1

    with pytest.raises(DomainError) as error:
        results.merge_questions(world.staff, conference, rubbish.id, rubbish.id)
    assert english(error) == "A question cannot be merged into itself."
    with pytest.raises(DomainError) as error:
        results.merge_questions(world.staff, conference, rubbish.id, second.id)
    assert "has itself been merged" in english(error)
    with pytest.raises(DomainError) as error:
        results.merge_questions(world.staff, conference, second.id, rubbish.id)
    assert english(error) == "This question has already been merged into another."
    with pytest.raises(DomainError) as error:
        results.merge_questions(world.staff, conference, rubbish.id, None)
    assert english(error) == "Choose the question it repeats."
    with pytest.raises(DomainError) as error:
        results.answer_question(world.chairman, conference, second.id, "Trả lời")
    assert "merged into another" in english(error)

    elsewhere, _ = asking(world, "Câu của hội nghị khác", conference=make_conference(world.ward))
    foreign = question(elsewhere, "Câu của hội nghị khác")
    with pytest.raises(DomainError) as error:
        results.merge_questions(world.staff, conference, rubbish.id, foreign.id)
    assert english(error) == "This question is not one of this conference's."
    db.session.rollback()
    assert rubbish.merged_into_id is None and foreign.merged_into_id is None


def test_moving_renumbers_the_list_and_new_questions_come_last(app, world: World):
    conference, _ = asking(world, "A", "B", "C")
    a, b, c = (question(conference, t) for t in "ABC")
    results.move_question(world.staff, conference, c.id, "up")
    results.move_question(world.staff, conference, a.id, "down")
    db.session.commit()
    assert listed(conference) == ["C", "A", "B"]
    assert (c.position, a.position, b.position) == (1, 2, 3)
    with pytest.raises(DomainError) as error:
        results.move_question(world.staff, conference, c.id, "up")
    assert english(error) == "This question is already the first."
    with pytest.raises(DomainError) as error:
        results.move_question(world.staff, conference, b.id, "down")
    assert english(error) == "This question is already the last."
    with pytest.raises(DomainError) as error:
        results.move_question(world.staff, conference, a.id, "sideways")
    assert english(error) == "Choose whether to move the question up or down."
    results.merge_questions(world.staff, conference, b.id, c.id)
    db.session.commit()
    with pytest.raises(DomainError) as error:
        results.move_question(world.staff, conference, b.id, "up")
    assert "no place of its own" in english(error)
    db.session.rollback()

    # A question sent in advance after the reordering joins at the end, not the top.
    services.book(conference, user=make_user(Role.RESIDENT, world.ward), question="D")
    db.session.commit()
    assert listed(conference) == ["C", "A", "D"]
    results.move_question(world.staff, conference, question(conference, "D").id, "up")
    assert listed(conference) == ["C", "D", "A"]


def test_answers_are_recorded_until_the_results_are_out(app, world: World):
    conference, _ = asking(world, "Hỏi về học phí")
    asked = question(conference, "Hỏi về học phí")
    results.answer_question(world.chairman, conference, asked.id, "  Miễn học phí từ tháng 9.  ")
    db.session.commit()
    assert asked.answer == "Miễn học phí từ tháng 9."
    assert asked.answered_by_id == world.chairman.id and asked.answered_at is not None

    with pytest.raises(DomainError) as error:
        results.answer_question(world.chairman, conference, asked.id, "y" * 5001)
    assert error.value.field == "answer"
    assert english(error) == "The answer is too long: at most 5000 characters."
    with pytest.raises(DomainError) as error:
        results.answer_question(world.chairman, conference, asked.id, "  ")
    assert english(error) == "Please enter the answer."

    hold(world, conference)
    results.answer_question(world.staff, conference, asked.id, "y" * 5000)  # held: still open
    conference.status = SessionStatus.RESULTS_PUBLISHED
    db.session.commit()
    with pytest.raises(StateConflict) as error:
        results.answer_question(world.chairman, conference, asked.id, "Sửa lại")
    assert "can no longer change" in english(error)
    draft = make_conference(world.ward, status="draft")
    with pytest.raises(StateConflict):
        results.add_floor_question(world.staff, draft, "Câu hỏi")


@pytest.mark.parametrize("who", ["supervisor", "staff_other", "resident", "admin"])
def test_only_the_wards_officers_and_chairman_change_anything(app, world: World, who):
    conference, _ = asking(world, "Hỏi")
    asked = question(conference, "Hỏi")
    actor = getattr(world, who)
    calls = [
        lambda: results.add_floor_question(actor, conference, "Câu hỏi"),
        lambda: results.answer_question(actor, conference, asked.id, "Trả lời"),
        lambda: results.move_question(actor, conference, asked.id, "up"),
        lambda: results.merge_questions(actor, conference, asked.id, asked.id),
        lambda: results.save_minutes(actor, conference, 1, "Tóm tắt", "Thư ký"),
        lambda: results.publish_results(actor, conference, URL),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    db.session.rollback()
    assert asked.answer == "" and listed(conference) == ["Hỏi"]


# ---------------------------------------------------------------- minutes


def test_minutes_only_for_a_held_conference_and_checked(app, world: World):
    conference, _ = asking(world, "Hỏi")
    with pytest.raises(StateConflict) as error:
        results.save_minutes(world.staff, conference, 10, "Tóm tắt", "Thư Ký")
    assert english(error) == "The minutes can be recorded once the conference has been held."
    hold(world, conference)
    with pytest.raises(DomainError) as error:
        results.save_minutes(world.staff, conference, -1, "", " ")
    assert set(error.value.errors) == {"attendance_count", "summary", "secretary"}
    with pytest.raises(DomainError) as error:
        results.save_minutes(world.staff, conference, 100_001, "s" * 20_001, "t" * 121)
    with force_locale("en"):
        problems = {field: str(message) for field, message in error.value.errors.items()}
    assert problems == {
        "attendance_count": "Enter the number of people who attended, from 0 to 100000.",
        "summary": "The summary is too long: at most 20000 characters.",
        "secretary": "The name is too long: at most 120 characters.",
    }
    results.save_minutes(world.staff, conference, 0, " Tóm tắt ", "  Nguyễn   Thị Thư ")
    db.session.commit()
    assert conference.attendance_count == 0
    assert conference.minutes_summary == "Tóm tắt" and conference.secretary == "Nguyễn Thị Thư"


# ---------------------------------------------------------------- publishing


def test_publishing_is_refused_until_held_minuted_and_answered(app, world: World):
    conference, _ = asking(world, "Một", "Hai", "Ba")
    with pytest.raises(StateConflict) as error:
        results.publish_results(world.staff, conference, URL)
    assert english(error) == "The results can be published once the conference has been held."
    hold(world, conference)
    with pytest.raises(StateConflict) as error:
        results.publish_results(world.staff, conference, URL)
    assert english(error) == "Record the minutes before publishing the results."
    results.save_minutes(world.staff, conference, 30, "Tóm tắt", "Thư Ký")
    results.answer_question(world.chairman, conference, question(conference, "Một").id, "Có")
    db.session.commit()
    with pytest.raises(StateConflict) as error:
        results.publish_results(world.staff, conference, URL)
    assert english(error) == (
        "Questions without an answer: 2. Answer every question before publishing the results."
    )
    # A merged duplicate needs no answer of its own.
    results.merge_questions(
        world.staff, conference, question(conference, "Hai").id, question(conference, "Một").id
    )
    db.session.commit()
    with pytest.raises(StateConflict) as error:
        results.publish_results(world.staff, conference, URL)
    assert english(error).startswith("Questions without an answer: 1.")
    db.session.rollback()
    assert conference.status == SessionStatus.HELD and outbox("results_published") == []


def test_publishing_tells_each_asker_once_in_their_language(app, world: World):
    conference = make_conference(world.ward, capacity=20)
    world.resident.locale = "en"
    vietnamese = make_user(Role.RESIDENT, world.ward, name="Trần Văn Hỏi")
    services.book(conference, user=world.resident, question="Khi nào sửa đường?")
    twice = services.book(conference, user=vietnamese, question="Rác thải")
    # The same person cancels and books again with another question: still one message.
    services.cancel_booking(vietnamese, twice)
    services.book(conference, user=vietnamese, question="Rác thải chợ Bồ Đề")
    caller = services.book(
        conference,
        guest_name="Lê Thị Gọi",
        guest_phone="0987 654 321",
        question="Đường sửa?",
        booked_by=world.staff,
    )
    services.book(conference, user=make_user(Role.RESIDENT, world.ward), question="")  # no question
    db.session.commit()
    results.merge_questions(
        world.staff,
        conference,
        question(conference, "Đường sửa?").id,
        question(conference, "Khi nào sửa đường?").id,
    )
    results.add_floor_question(world.staff, conference, "Câu hỏi tại hội trường")
    hold(world, conference)
    answer_all(world, conference)
    results.save_minutes(world.staff, conference, 40, "Tóm tắt", "Thư Ký")
    db.session.commit()

    told = results.publish_results(world.chairman, conference, URL)
    db.session.commit()
    assert told == 3
    assert conference.status == SessionStatus.RESULTS_PUBLISHED
    assert conference.results_published_at is not None
    messages = outbox("results_published")
    assert sorted((m.user_id, m.locale) for m in messages if m.user_id) == sorted(
        [(world.resident.id, "en"), (vietnamese.id, "vi")]
    )
    (sms,) = [m for m in messages if m.user_id is None]
    assert sms.channel == "sms" and sms.address == caller.guest_phone and sms.locale == "vi"
    english_one = next(m for m in messages if m.user_id == world.resident.id)
    assert "Results published" in english_one.subject and URL in english_one.body
    assert all(URL in m.body for m in messages)

    with pytest.raises(StateConflict) as error:
        results.publish_results(world.chairman, conference, URL)
    assert english(error) == "The results have already been published."
    db.session.rollback()
    assert len(outbox("results_published")) == 3
    with pytest.raises(StateConflict):
        results.save_minutes(world.staff, conference, 1, "Sửa", "Thư Ký")


# ---------------------------------------------------------------- pages


def test_staff_work_through_the_pages_and_residents_see_answers_without_names(
    app, client, world: World
):
    conference, _ = asking(world, "Khi nào sửa đường?", "Đường bao giờ sửa?")
    base = f"/staff/dialogues/{conference.id}"
    first = question(conference, "Khi nào sửa đường?")
    repeat = question(conference, "Đường bao giờ sửa?")
    login_as(client, world.staff)
    detail = text_of(client.get(base, headers=EN))
    assert f"{base}/questions" in detail and f"{base}/minutes" not in detail

    page = text_of(client.get(f"{base}/questions", headers=EN))
    assert "Khi nào sửa đường?" in page and 'name="answer"' in page and 'name="into_id"' in page
    assert world.resident.full_name not in page

    response = post_form(client, f"{base}/questions/floor", {"text": "Đèn đường ngõ 5"})
    assert response.status_code == 302
    floor = question(conference, "Đèn đường ngõ 5")
    assert floor.from_floor
    response = post_form(client, f"{base}/questions/{repeat.id}/merge", {"into_id": str(first.id)})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#q-{first.id}")
    post_form(client, f"{base}/questions/{floor.id}/move", {"direction": "up"})
    assert listed(conference) == ["Đèn đường ngõ 5", "Khi nào sửa đường?"]
    for q, text in ((first, "Quý I năm sau sẽ sửa xong."), (floor, "Tháng sau lắp đèn.")):
        response = post_form(client, f"{base}/questions/{q.id}/answer", {"answer": text})
        assert response.status_code == 302
    db.session.refresh(first)
    assert first.answer == "Quý I năm sau sẽ sửa xong." and first.answered_by_id == world.staff.id

    hold(world, conference)
    detail = text_of(client.get(base, headers=EN))
    assert f"{base}/minutes" in detail
    page = text_of(client.get(f"{base}/minutes", headers=EN))
    assert 'name="summary"' in page and "Publish the results" in page
    response = post_form(
        client,
        f"{base}/minutes",
        {"attendance_count": "57", "secretary": "Nguyễn Thị Thư", "summary": "Đã đối thoại."},
    )
    assert response.status_code == 302
    response = post_form(client, f"{base}/results/publish", headers=EN)
    assert response.status_code == 302
    flashed = text_of(client.get(response.headers["Location"], headers=EN))
    assert "The results are published. 2 people who sent questions will be told." in flashed
    db.session.refresh(conference)
    assert conference.status == SessionStatus.RESULTS_PUBLISHED
    assert all(
        f"/wards/{world.ward.slug}/dialogues/{conference.id}" in m.body
        for m in outbox("results_published")
    )

    anonymous = app.test_client()
    public = text_of(anonymous.get(f"/wards/{world.ward.slug}/dialogues/{conference.id}"))
    assert "Khi nào sửa đường?" in public and "Quý I năm sau sẽ sửa xong." in public
    assert "Đèn đường ngõ 5" in public and "Tháng sau lắp đèn." in public
    assert "Đã đối thoại." in public and "57" in public
    assert public.index("Đèn đường ngõ 5") < public.index("Khi nào sửa đường?")
    assert "Đường bao giờ sửa?" not in public  # a merged repeat is not listed twice
    for private in (
        world.resident.full_name,
        "Cư Dân 1",
        world.resident.phone,
        "0912345678",
        "345 678",
        world.resident.email,
    ):
        assert private not in public

    page = text_of(client.get(f"{base}/questions", headers=EN))
    assert 'name="answer"' not in page and "no longer change" in page


def test_over_long_texts_are_refused_with_a_clear_message(client, world: World):
    conference, _ = asking(world, "Hỏi")
    asked = question(conference, "Hỏi")
    base = f"/staff/dialogues/{conference.id}"
    login_as(client, world.chairman)
    response = post_form(
        client, f"{base}/questions/{asked.id}/answer", {"answer": "y" * 5001}, headers=EN
    )
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"], headers=EN))
    assert "The chairman&#39;s answer: At most 5000 characters." in page
    db.session.refresh(asked)
    assert asked.answer == ""

    response = post_form(client, f"{base}/questions/floor", {"text": "z" * 2001}, headers=EN)
    assert response.status_code == 422
    page = text_of(response)
    assert "At most 2000 characters." in page and "z" * 2001 in page  # the text is kept
    assert listed(conference) == ["Hỏi"]

    hold(world, conference)
    response = post_form(
        client,
        f"{base}/minutes",
        {"attendance_count": "-3", "secretary": "", "summary": "s" * 20_001},
        headers=EN,
    )
    assert response.status_code == 422
    page = text_of(response)
    assert "Enter the number of people who attended, from 0 to 100000." in page
    assert "Enter the name of the secretary who took the minutes." in page
    assert "At most 20000 characters." in page
    db.session.refresh(conference)
    assert conference.minutes_summary == ""


def test_publishing_with_unanswered_questions_is_refused_on_the_page(client, world: World):
    conference, _ = asking(world, "Một", "Hai")
    hold(world, conference)
    results.save_minutes(world.staff, conference, 10, "Tóm tắt", "Thư Ký")
    db.session.commit()
    login_as(client, world.staff)
    page = text_of(client.get(f"/staff/dialogues/{conference.id}/minutes", headers=EN))
    assert "Questions without an answer: 2." in page  # said on the page, with no button
    assert f"/staff/dialogues/{conference.id}/results/publish" not in page
    response = post_form(client, f"/staff/dialogues/{conference.id}/results/publish", headers=EN)
    assert response.status_code == 409
    assert "Questions without an answer: 2." in text_of(response)
    db.session.refresh(conference)
    assert conference.status == SessionStatus.HELD and outbox("results_published") == []


def test_forged_ids_change_nothing(client, world: World):
    conference, _ = asking(world, "Của hội nghị này")
    mine = question(conference, "Của hội nghị này")
    other_session, _ = asking(
        world, "Của hội nghị khác", conference=make_conference(world.ward, capacity=5)
    )
    theirs = question(other_session, "Của hội nghị khác")
    other_ward = make_conference(world.other_ward, capacity=5)
    services.book(other_ward, user=make_user(Role.RESIDENT, world.other_ward), question="Xa")
    db.session.commit()
    far = question(other_ward, "Xa")
    login_as(client, world.staff)
    base = f"/staff/dialogues/{conference.id}"

    # Another session's question under this session: 404, for every action.
    for action, data in (
        ("answer", {"answer": "Giả mạo"}),
        ("move", {"direction": "up"}),
        ("merge", {"into_id": str(mine.id)}),
    ):
        assert post_form(client, f"{base}/questions/{theirs.id}/{action}", data).status_code == 404
        assert post_form(client, f"{base}/questions/{far.id}/{action}", data).status_code == 404
    # Another ward's session: 403.
    far_base = f"/staff/dialogues/{other_ward.id}"
    assert client.get(f"{far_base}/questions").status_code == 403
    assert (
        post_form(client, f"{far_base}/questions/{far.id}/answer", {"answer": "X"}).status_code
        == 403
    )
    assert post_form(client, f"{far_base}/questions/floor", {"text": "X"}).status_code == 403
    assert post_form(client, f"{far_base}/results/publish").status_code == 403
    # A target from another session in the merge form: refused with a message.
    response = post_form(
        client, f"{base}/questions/{mine.id}/merge", {"into_id": str(theirs.id)}, headers=EN
    )
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"], headers=EN))
    assert "This question is not one of this conference" in page
    assert client.get("/staff/dialogues/999999/questions").status_code == 404

    for q in (mine, theirs, far):
        db.session.refresh(q)
        assert q.answer == "" and q.merged_into_id is None
    assert listed(other_ward) == ["Xa"] and listed(conference) == ["Của hội nghị này"]


def test_supervisor_may_look_but_not_change(client, world: World):
    conference, _ = asking(world, "Hỏi")
    asked = question(conference, "Hỏi")
    results.answer_question(world.chairman, conference, asked.id, "Câu trả lời")
    db.session.commit()
    login_as(client, world.supervisor)
    base = f"/staff/dialogues/{conference.id}"
    page = text_of(client.get(f"{base}/questions", headers=EN))
    assert "Câu trả lời" in page and "<form" not in page.split("<main", 1)[1].split("</main>")[0]
    assert client.get(f"{base}/minutes").status_code == 200
    for path, data in (
        (f"{base}/questions/{asked.id}/answer", {"answer": "Khác"}),
        (f"{base}/questions/{asked.id}/move", {"direction": "up"}),
        (f"{base}/questions/floor", {"text": "Khác"}),
        (f"{base}/minutes", {"attendance_count": "1", "secretary": "A", "summary": "B"}),
        (f"{base}/results/publish", {}),
    ):
        assert post_form(client, path, data).status_code == 403
    db.session.refresh(asked)
    assert asked.answer == "Câu trả lời" and listed(conference) == ["Hỏi"]


def test_reception_slots_have_no_question_pages(client, world: World):
    slot = make_conference(world.ward, kind=SessionKind.RECEPTION, capacity=1)
    db.session.commit()
    login_as(client, world.staff)
    assert client.get(f"/staff/dialogues/{slot.id}/questions").status_code == 404
    assert client.get(f"/staff/dialogues/{slot.id}/minutes").status_code == 404
