"""Fatherland Front supervision (portal/supervision): the lifecycle table (every state × every
kind of actor), sending with each kind of subject and its problems, the deadline in working
days across Tết, answering and withdrawing, the messages queued, the pages of the supervisor,
the chairman and the city administrator, another ward's and residents' refusals, CSRF, the
chairman's first-screen line, and hostile input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from conftest import (
    World,
    csrf_token,
    login_as,
    make_conference,
    make_feedback,
    make_user,
    post_form,
    text_of,
)
from test_dashboard import hanoi

from portal.auth.models import Role
from portal.codes import format_code
from portal.dashboard import services as dashboard
from portal.dashboard import today
from portal.dashboard.periods import period_containing
from portal.db import utcnow
from portal.dialogues.models import SessionKind
from portal.domain import DomainError, PermissionDenied, StateConflict
from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.satisfaction import catalogue as satisfaction_catalogue
from portal.satisfaction import dossiers as satisfaction_dossiers
from portal.supervision import policy, services
from portal.supervision.models import RecommendationState, SubjectKind, SupervisionRecommendation
from portal.supervision.policy import Action
from portal.timeutil import local_today

S = RecommendationState


def data(**overrides) -> services.RecommendationInput:
    values = {
        "subject_kind": "period",
        "reference": "2026-01",
        "title": "Tỷ lệ hồ sơ trễ hạn tháng 01",
        "text": "Đề nghị UBND phường làm rõ nguyên nhân hồ sơ trễ hạn và biện pháp khắc phục.",
    }
    values.update(overrides)
    return services.RecommendationInput(**values)


def send(world: World, now=None, author=None, **overrides) -> SupervisionRecommendation:
    item = services.send(author or world.supervisor, data(**overrides), now=now)
    db.session.commit()
    return item


def messages(kind: str) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.kind == kind)
    return list(db.session.execute(query.order_by(OutboxMessage.id)).scalars())


# ---------------------------------------------------------------- the lifecycle table


@pytest.fixture
def people(world: World) -> dict:
    return {
        "anonymous": None,
        "resident": world.resident,
        "staff": world.staff,
        "chairman": world.chairman,
        "author": world.supervisor,
        "other_supervisor": make_user(Role.SUPERVISOR, world.ward, name="Đỗ Thị Mặt Trận"),
        "chairman_other": make_user(Role.CHAIRMAN, world.other_ward, name="Vũ Văn Khác"),
        "supervisor_other": make_user(Role.SUPERVISOR, world.other_ward, name="Hà Văn Khác"),
        "admin": world.admin,
    }


V, A, W = Action.VIEW, Action.ANSWER, Action.WITHDRAW
LIFECYCLE = {
    # actor: {state: the actions allowed now}
    "anonymous": {S.SENT: set(), S.ANSWERED: set(), S.WITHDRAWN: set()},
    "resident": {S.SENT: set(), S.ANSWERED: set(), S.WITHDRAWN: set()},
    "staff": {S.SENT: set(), S.ANSWERED: set(), S.WITHDRAWN: set()},
    "chairman": {S.SENT: {V, A}, S.ANSWERED: {V}, S.WITHDRAWN: {V}},
    "author": {S.SENT: {V, W}, S.ANSWERED: {V}, S.WITHDRAWN: {V}},
    "other_supervisor": {S.SENT: {V}, S.ANSWERED: {V}, S.WITHDRAWN: {V}},
    "chairman_other": {S.SENT: set(), S.ANSWERED: set(), S.WITHDRAWN: set()},
    "supervisor_other": {S.SENT: set(), S.ANSWERED: set(), S.WITHDRAWN: set()},
    "admin": {S.SENT: {V}, S.ANSWERED: {V}, S.WITHDRAWN: {V}},
}


def in_state(world: World, state: RecommendationState) -> SupervisionRecommendation:
    item = send(world)
    if state == S.ANSWERED:
        services.answer(world.chairman, item, "Đã chỉ đạo khắc phục.")
    elif state == S.WITHDRAWN:
        services.withdraw(world.supervisor, item)
    db.session.commit()
    assert item.state == state
    return item


@pytest.mark.parametrize("state", list(S))
def test_the_lifecycle_table(world: World, people: dict, state):
    item = in_state(world, state)
    for name, actor in people.items():
        assert policy.actions(actor, item) == LIFECYCLE[name][state], (name, state)


@pytest.mark.parametrize("state", list(S))
def test_require_refuses_what_the_table_does_not_allow(world: World, people: dict, state):
    item = in_state(world, state)
    for name, actor in people.items():
        for action in Action:
            if action in LIFECYCLE[name][state]:
                policy.require(actor, item, action)
                continue
            permitted = action in LIFECYCLE[name][S.SENT] or (
                action == V and LIFECYCLE[name][state]
            )
            expected = StateConflict if permitted else PermissionDenied
            with pytest.raises(expected):
                policy.require(actor, item, action)


def test_only_a_ward_s_supervisor_may_send(world: World, people: dict):
    assert [n for n, p in people.items() if policy.may_send(p)] == [
        "author",
        "other_supervisor",
        "supervisor_other",
    ]
    for user in (world.chairman, world.staff, world.resident, world.admin):
        with pytest.raises(PermissionDenied):
            services.send(user, data())
    assert db.session.execute(sa.select(SupervisionRecommendation)).first() is None


# ---------------------------------------------------------------- sending


def test_a_recommendation_about_each_kind_of_subject_is_linked_to_the_ward_s_item(
    world: World,
):
    feedback = make_feedback(world.ward, world.resident)
    conference = make_conference(world.ward)
    satisfaction_catalogue.provide_defaults(world.ward.id)
    procedure = next(p for p in satisfaction_catalogue.procedures(world.ward.id) if p.code)
    dossier = satisfaction_dossiers.register_dossier(
        world.staff,
        world.ward.id,
        satisfaction_dossiers.DossierInput(
            procedure_id=procedure.id,
            receipt_number="BN-2026-0042",
            received_at=utcnow() - timedelta(days=1),
        ),
    )
    db.session.commit()
    cases = [
        ("feedback", feedback.code.lower(), format_code(feedback.code), "feedback_id", feedback),
        ("conference", f"#{conference.id}", str(conference.id), "session_id", conference),
        ("dossier", " BN-2026-0042 ", "BN-2026-0042", "dossier_id", dossier),
        ("procedure", procedure.code, procedure.code, "procedure_id", procedure),
        ("procedure", procedure.name_vi.upper(), procedure.code, "procedure_id", procedure),
    ]
    for kind, typed, stored, link, target in cases:
        item = send(world, subject_kind=kind, reference=typed)
        assert (item.subject_kind, item.reference) == (SubjectKind(kind), stored)
        assert getattr(item, link) == target.id and item.link_id == target.id
        assert item.state == S.SENT and item.author_id == world.supervisor.id
    period = send(world, subject_kind="period", reference="2026-q3")
    assert period.reference == "2026-Q3" and period.link_id is None


@pytest.mark.usefixtures("english")
def test_every_problem_is_reported_at_once(world: World):
    with pytest.raises(DomainError) as raised:
        services.send(world.supervisor, data(subject_kind="", reference="", title="  ", text=""))
    assert set(raised.value.errors) == {"subject_kind", "title", "text"}
    with pytest.raises(DomainError) as raised:
        services.send(world.supervisor, data(reference="", title="", text="\x00 "))
    assert set(raised.value.errors) == {"reference", "title", "text"}
    assert str(raised.value.errors["text"]) == "Write the recommendation."


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("kind", "reference", "message"),
    [
        ("feedback", "ZZZZ-9999", "No feedback of this ward has this tracking code."),
        ("conference", "999999", "No dialogue conference of this ward has this number."),
        ("conference", "hội nghị", "No dialogue conference of this ward has this number."),
        ("dossier", "BN-NONE", "No dossier of this ward has this receipt number."),
        ("procedure", "9.999999", "No procedure of this ward's catalogue has this code or name."),
        ("period", "tháng 11", "Write the period as 2026-11, 2026-Q4 or 2026."),
        ("period", "2026-13", "A month is numbered from 1 to 12."),
        ("period", "2099", "This period has not started yet."),
    ],
)
def test_an_unknown_reference_of_that_kind_is_refused(world: World, kind, reference, message):
    with pytest.raises(DomainError) as raised:
        services.send(world.supervisor, data(subject_kind=kind, reference=reference))
    assert str(raised.value.errors["reference"]) == message


@pytest.mark.usefixtures("english")
def test_another_ward_s_items_are_unknown_references(world: World):
    theirs = make_feedback(world.other_ward)
    conference = make_conference(world.other_ward)
    reception = make_conference(world.ward, kind=SessionKind.RECEPTION, title="Tiếp công dân")
    db.session.commit()
    for kind, reference in (
        ("feedback", theirs.code),
        ("conference", str(conference.id)),
        ("conference", str(reception.id)),  # a reception slot is not a conference
    ):
        with pytest.raises(DomainError) as raised:
            services.send(world.supervisor, data(subject_kind=kind, reference=reference))
        assert "reference" in raised.value.errors


@pytest.mark.usefixtures("english")
def test_too_long_texts_are_refused(world: World):
    with pytest.raises(DomainError) as raised:
        services.send(
            world.supervisor,
            data(
                title="T" * (services.TITLE_MAX + 1),
                text="x" * (services.TEXT_MAX + 1),
                reference="2" * (services.REFERENCE_MAX + 1),
            ),
        )
    errors = {k: str(v) for k, v in raised.value.errors.items()}
    assert errors == {
        "title": f"At most {services.TITLE_MAX} characters.",
        "text": f"At most {services.TEXT_MAX} characters.",
        "reference": f"At most {services.REFERENCE_MAX} characters.",
    }
    item = send(world)
    with pytest.raises(DomainError) as raised:
        services.answer(world.chairman, item, "y" * (services.ANSWER_MAX + 1))
    assert str(raised.value.errors["answer"]) == f"At most {services.ANSWER_MAX} characters."


# ---------------------------------------------------------------- the deadline


def test_the_deadline_is_counted_in_working_days_across_tet(world: World):
    """Sent on Friday 13 February 2026: Tết closes the office 16–20 February, so the 15
    working days run from 23 February to Friday 13 March (6 March without the holiday)."""
    item = send(world, now=hanoi(2026, 2, 13, 10))
    assert item.due_on == date(2026, 3, 13)


def test_the_deadline_follows_the_setting_and_the_hanoi_day(app, world: World):
    app.config["SUPERVISION_ANSWER_DAYS"] = 5
    # 23:30 on Monday 23 November in Hà Nội is still Monday there (16:30 UTC): five working
    # days on is Tuesday 1 December, Vietnam Cultural Day (24 November) not counted.
    assert send(world, now=hanoi(2026, 11, 23, 23, 30)).due_on == date(2026, 12, 1)


def test_overdue_is_only_a_waiting_recommendation_past_its_day(world: World):
    item = send(world, now=hanoi(2026, 11, 2))
    assert not services.is_overdue(item, item.due_on)
    assert services.is_overdue(item, item.due_on + timedelta(days=1))
    services.answer(world.chairman, item, "Đã trả lời.")
    assert not services.is_overdue(item, item.due_on + timedelta(days=1))


# ---------------------------------------------------------------- answering, withdrawing


def test_the_chairman_answers_and_the_author_is_told(world: World):
    item = send(world)
    now = utcnow()
    services.answer(world.chairman, item, "  Đã chỉ đạo bộ phận Một cửa khắc phục.  ", now=now)
    db.session.commit()
    item = db.session.get(SupervisionRecommendation, item.id)
    assert item.state == S.ANSWERED and item.answer == "Đã chỉ đạo bộ phận Một cửa khắc phục."
    assert item.answered_by_id == world.chairman.id and item.answered_at == now
    (told,) = messages("supervision_answered")
    assert told.user_id == world.supervisor.id and told.about == f"supervision:{item.id}"
    assert "kiến nghị giám sát" in told.subject.lower()
    with pytest.raises(StateConflict):
        services.answer(world.chairman, item, "Lần hai")
    with pytest.raises(StateConflict):
        services.withdraw(world.supervisor, item)


@pytest.mark.usefixtures("english")
def test_an_empty_answer_is_refused(world: World):
    item = send(world)
    with pytest.raises(DomainError) as raised:
        services.answer(world.chairman, item, " \n ")
    assert str(raised.value.errors["answer"]) == "Write the answer."
    assert item.state == S.SENT


def test_only_its_author_withdraws_and_then_it_cannot_be_answered(world: World, people: dict):
    item = send(world)
    with pytest.raises(PermissionDenied):
        services.withdraw(people["other_supervisor"], item)
    with pytest.raises(PermissionDenied):
        services.withdraw(world.chairman, item)
    services.withdraw(world.supervisor, item)
    db.session.commit()
    assert item.state == S.WITHDRAWN and item.withdrawn_at is not None
    with pytest.raises(StateConflict):
        services.answer(world.chairman, item, "Muộn")
    assert messages("supervision_answered") == []


def test_a_stale_copy_cannot_answer_what_was_withdrawn_meanwhile(world: World):
    """The state changes with a conditional update: an answer that read the recommendation
    before its withdrawal (another worker) does not overwrite it."""
    item = send(world)
    db.session.execute(
        sa.update(SupervisionRecommendation)
        .where(SupervisionRecommendation.id == item.id)
        .values(state=S.WITHDRAWN, withdrawn_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    assert item.state == S.SENT  # the copy in hand is stale
    with pytest.raises(StateConflict):
        services.answer(world.chairman, item, "Đã trả lời.")
    db.session.rollback()


# ---------------------------------------------------------------- messages


def test_every_active_chairman_of_the_ward_is_told_when_one_arrives(world: World):
    second = make_user(Role.CHAIRMAN, world.ward, name="Phó Chủ Tịch", email="pct@example.vn")
    gone = make_user(Role.CHAIRMAN, world.ward, name="Đã Nghỉ")
    gone.is_active_account = False
    make_user(Role.CHAIRMAN, world.other_ward, name="Phường Khác")
    item = send(world, now=hanoi(2026, 2, 13, 10))
    told = messages("supervision_sent")
    assert [m.user_id for m in told] == [world.chairman.id, second.id]
    sms, mail = told
    assert sms.channel == "sms" and mail.channel == "email" and mail.address == "pct@example.vn"
    assert "13/03/2026" in mail.body and "kiến nghị giám sát" in mail.body
    assert "Ủy ban Mặt trận Tổ quốc Việt Nam phường Bồ Đề" in mail.body
    assert "13/03/2026" in sms.body and all(m.ward_id == world.ward.id for m in told)
    assert all(m.about == f"supervision:{item.id}" for m in told)


def test_messages_go_in_the_recipient_s_language(world: World):
    world.chairman.locale = "en"
    send(world, now=hanoi(2026, 2, 13, 10))
    (told,) = messages("supervision_sent")
    assert told.locale == "en" and "Supervision recommendation no." in told.subject


# ---------------------------------------------------------------- the pages


def test_the_supervisor_writes_one_and_the_chairman_answers_it(client, world: World):
    login_as(client, world.supervisor)
    page = client.get("/supervision/new")
    assert page.status_code == 200 and 'name="reference"' in text_of(page)
    response = post_form(
        client,
        "/supervision/new",
        {
            "subject_kind": "period",
            "reference": "2026-11",
            "title": "Hồ sơ trễ hạn",
            "text": "Đề nghị làm rõ.",
        },
    )
    item = db.session.execute(sa.select(SupervisionRecommendation)).scalar_one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/supervision/{item.id}"
    detail = text_of(client.get(f"/supervision/{item.id}"))
    assert item.due_on.strftime("%d/%m/%Y") in detail
    assert "Rút kiến nghị này" in detail and "Gửi trả lời" not in detail
    phone = world.supervisor.phone  # +84912…: shown as 091••••…, never whole
    assert phone not in detail and "0" + phone[3:] not in detail
    assert f"091{'•' * 4}{phone[-3:]}" in detail

    chairman = login_as(client.application.test_client(), world.chairman)
    listing = text_of(chairman.get("/supervision/"))
    assert "Hồ sơ trễ hạn" in listing and "Chờ trả lời" in listing
    page = text_of(chairman.get(f"/supervision/{item.id}"))
    assert "Gửi trả lời" in page and "Rút kiến nghị này" not in page
    response = post_form(chairman, f"/supervision/{item.id}/answer", {"answer": "Đã khắc phục."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(SupervisionRecommendation, item.id).state == S.ANSWERED
    page = text_of(client.get(f"/supervision/{item.id}"))
    assert "Đã khắc phục." in page and "Rút kiến nghị này" not in page


def test_the_supervisor_withdraws_from_the_detail_page(client, world: World):
    item = send(world)
    login_as(client, world.supervisor)
    response = post_form(client, f"/supervision/{item.id}/withdraw")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(SupervisionRecommendation, item.id).state == S.WITHDRAWN
    response = post_form(client, f"/supervision/{item.id}/withdraw")
    assert response.status_code == 409


def test_problems_are_shown_on_the_form(client, world: World):
    login_as(client, world.supervisor)
    response = post_form(
        client,
        "/supervision/new",
        {"subject_kind": "feedback", "reference": "ZZZZ-9999", "title": "", "text": ""},
    )
    html = text_of(response)
    assert response.status_code == 422
    assert 'id="reference-error"' in html and 'id="title-error"' in html
    assert 'id="text-error"' in html
    chairman = login_as(client.application.test_client(), world.chairman)
    item = send(world)
    response = post_form(chairman, f"/supervision/{item.id}/answer", {"answer": ""})
    assert response.status_code == 422 and 'id="answer-error"' in text_of(response)


def test_overdue_is_shown_with_the_deadline(client, world: World):
    item = send(world, now=utcnow() - timedelta(days=40))
    login_as(client, world.chairman)
    listing = text_of(client.get("/supervision/"))
    assert item.due_on.strftime("%d/%m/%Y") in listing and "Quá hạn" in listing
    assert 'class="row-overdue"' in listing
    assert "Quá hạn" in text_of(client.get(f"/supervision/{item.id}"))


def test_another_ward_s_chairman_and_residents_are_refused(client, world: World):
    item = send(world)
    other = make_user(Role.CHAIRMAN, world.other_ward, name="Vũ Văn Khác")
    db.session.commit()
    login_as(client, other)
    assert client.get(f"/supervision/{item.id}").status_code == 403
    assert post_form(client, f"/supervision/{item.id}/answer", {"answer": "x"}).status_code == 403
    assert "Đề nghị" not in text_of(client.get("/supervision/"))
    assert client.get("/supervision/999999").status_code == 404
    resident = login_as(client.application.test_client(), world.resident)
    for path in ("/supervision/", "/supervision/new", f"/supervision/{item.id}"):
        assert resident.get(path).status_code == 403
    assert post_form(resident, f"/supervision/{item.id}/withdraw").status_code == 403
    db.session.expire_all()
    assert db.session.get(SupervisionRecommendation, item.id).state == S.SENT


def test_the_city_administrator_reads_every_ward_s(client, world: World):
    send(world, title="Kiến nghị Bồ Đề")
    theirs = make_user(Role.SUPERVISOR, world.other_ward, name="Hà Văn Khác")
    db.session.commit()
    send(world, author=theirs, title="Kiến nghị Việt Hưng")
    login_as(client, world.admin)
    both = text_of(client.get("/supervision/"))
    assert "Kiến nghị Bồ Đề" in both and "Kiến nghị Việt Hưng" in both
    one = text_of(client.get(f"/supervision/?ward={world.other_ward.id}"))
    assert "Kiến nghị Bồ Đề" not in one and "Kiến nghị Việt Hưng" in one
    assert client.get("/supervision/?ward=abc").status_code == 400
    chairman = login_as(client.application.test_client(), world.chairman)
    mine = text_of(chairman.get("/supervision/"))
    assert "Kiến nghị Bồ Đề" in mine and "Kiến nghị Việt Hưng" not in mine


def test_the_list_filters_by_state(client, world: World):
    send(world, title="Đang chờ")
    answered = send(world, title="Đã có trả lời")
    services.answer(world.chairman, answered, "Xong.")
    db.session.commit()
    login_as(client, world.chairman)
    waiting = text_of(client.get("/supervision/?state=sent"))
    assert "Đang chờ" in waiting and "Đã có trả lời" not in waiting


def test_posts_need_the_csrf_token(app, world: World):
    item = send(world)
    client = login_as(app.test_client(), world.chairman)
    csrf_token(client, f"/supervision/{item.id}")
    response = client.post(f"/supervision/{item.id}/answer", data={"answer": "Không có mã"})
    assert response.status_code == 400
    writer = login_as(app.test_client(), world.supervisor)
    response = writer.post("/supervision/new", data={"subject_kind": "period", "text": "x"})
    assert response.status_code == 400
    response = writer.post(f"/supervision/{item.id}/withdraw")
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(SupervisionRecommendation, item.id).state == S.SENT


def test_the_menu_shows_supervision_to_both_roles(client, world: World):
    for user, shown in (
        (world.supervisor, True),
        (world.chairman, True),
        (world.admin, True),
        (world.staff, False),
        (world.resident, False),
    ):
        page = text_of(login_as(client.application.test_client(), user).get("/"))
        assert ('href="/supervision/"' in page) is shown, user.role


# ---------------------------------------------------------------- hostile input


def test_html_in_the_texts_is_escaped(client, world: World):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    item = send(world, title=hostile, text=hostile)
    services.answer(world.chairman, item, hostile)
    db.session.commit()
    login_as(client, world.supervisor)
    for path in ("/supervision/", f"/supervision/{item.id}"):
        html = text_of(client.get(path))
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;" in html


def test_very_long_text_from_the_form_is_refused_on_its_field(client, world: World):
    login_as(client, world.supervisor)
    response = post_form(
        client,
        "/supervision/new",
        {
            "subject_kind": "period",
            "reference": "2026-11",
            "title": "Dài",
            "text": "Đ" * (services.TEXT_MAX * 5),
        },
    )
    assert response.status_code == 422 and 'id="text-error"' in text_of(response)
    assert db.session.execute(sa.select(SupervisionRecommendation)).first() is None


def test_a_strange_subject_or_reference_is_a_problem_not_an_error(client, world: World):
    login_as(client, world.supervisor)
    for kind, reference in (("nope", "1"), ("conference", "9" * 40), ("period", "\x00\x01")):
        response = post_form(
            client,
            "/supervision/new",
            {"subject_kind": kind, "reference": reference, "title": "T", "text": "Nội dung"},
        )
        assert response.status_code == 422, (kind, reference)


# ---------------------------------------------------------------- what needs you today


def screen(world: World, now) -> today.Agenda:
    period = period_containing(local_today(now))
    built = today.build(
        dashboard.WardDashboard(world.ward.id, period, local_today(now)),
        now,
        lambda endpoint: True,
    )
    return next(a for a in built.agenda if a.name == "supervision")


def test_the_chairman_s_first_screen_lists_the_overdue_and_the_nearly_due(app, world: World):
    now = hanoi(2026, 11, 30, 7)
    overdue = send(world, now=hanoi(2026, 10, 1), title="Quá hạn rồi")
    soon = send(world, now=hanoi(2026, 11, 9), title="Sắp đến hạn")
    send(world, now=hanoi(2026, 11, 27), title="Còn lâu")
    answered = send(world, now=hanoi(2026, 10, 2), title="Đã trả lời")
    services.answer(world.chairman, answered, "Xong.")
    theirs = make_user(Role.SUPERVISOR, world.other_ward, name="Hà Văn Khác")
    send(world, author=theirs, now=hanoi(2026, 10, 1), title="Phường khác")
    db.session.commit()
    assert soon.due_on <= local_today(now) + timedelta(days=3) and soon.due_on >= local_today(now)
    with app.test_request_context("/dashboard/", headers={"Accept-Language": "vi"}):
        listed = screen(world, now)
        assert listed.total == 2
        assert [e.text for e in listed.entries] == ["Quá hạn rồi", "Sắp đến hạn"]
        assert listed.entries[0].detail == f"quá hạn trả lời từ {overdue.due_on:%d/%m/%Y}"
        assert listed.entries[1].detail == f"hạn trả lời {soon.due_on:%d/%m/%Y}"
        assert listed.entries[0].href == f"/supervision/{overdue.id}"
        assert listed.more == "/supervision/?state=sent"


def test_the_first_screen_says_when_nothing_is_due(app, world: World):
    with app.test_request_context("/dashboard/", headers={"Accept-Language": "vi"}):
        listed = screen(world, hanoi(2026, 11, 30, 7))
        assert listed.total == 0 and listed.entries == []
        assert "kiến nghị giám sát" in listed.empty


def test_the_dashboard_page_shows_the_line(client, world: World):
    item = send(world, now=utcnow() - timedelta(days=40), title="Kiến nghị quá hạn")
    login_as(client, world.chairman)
    html = text_of(client.get("/dashboard/"))
    part = html.split('id="agenda-supervision"')[1].split("</div>")[0]
    assert "Kiến nghị quá hạn" in part and f'href="/supervision/{item.id}"' in part


def test_the_demo_data_has_a_waiting_and_an_answered_recommendation(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0  # second run changes nothing
    states = db.session.execute(
        sa.select(SupervisionRecommendation.state).order_by(SupervisionRecommendation.id)
    ).scalars()
    assert list(states) == [S.SENT, S.ANSWERED]
