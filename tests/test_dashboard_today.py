"""The dashboard's first screen (portal/dashboard/today.py): each headline figure and its
direction against the previous period on the hand-computed example of test_dashboard.py;
each of the five lists of what needs the chairman today, with an item in and one out and
its link; a fixed number of statements as rows grow; who may open the page; the wording."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import World, make_conference, make_feedback, text_of
from test_dashboard import (  # noqa: F401 - the fixtures
    NOV,
    TODAY,
    _bookings,
    _dossier,
    _get,
    _procedure,
    _rate,
    _session,
    answered,
    hanoi,
    rated,
)

from portal.dashboard import services as dashboard
from portal.dashboard import today
from portal.dashboard.today import Change
from portal.db import utcnow
from portal.dialogues.models import Booking, MatterKind, ReceptionRecord, SessionKind
from portal.extensions import db
from portal.feedback import workflow as feedback_workflow
from portal.feedback.models import Feedback
from portal.timeutil import local_zone

NOW = hanoi(2026, 11, 30, 7)  # Monday 30 November 2026, 7 am in Hà Nội
EVERYTHING = lambda endpoint: True  # noqa: E731 - a viewer who may open every page


@pytest.fixture
def vi(app):
    """A request in Vietnamese (links and wording are made as the page makes them)."""
    with app.test_request_context("/dashboard/", headers={"Accept-Language": "vi"}):
        yield


def first_screen(ward_id: int, now: datetime = NOW, period=NOV) -> today.Today:
    return today.build(dashboard.WardDashboard(ward_id, period, now.date()), now, EVERYTHING)


def by_name(screen: today.Today) -> dict:
    return {h.name: h for h in screen.headlines}


def agenda(screen: today.Today, name: str) -> today.Agenda:
    return next(a for a in screen.agenda if a.name == name)


# ---------------------------------------------------------------- the change


@pytest.mark.parametrize(
    ("change", "direction", "arrow", "better", "text"),
    [
        (Change(0.75, 0.718, share=True), "up", "▲", True, "tăng 3,2 điểm"),
        (Change(0.5, 0.6, share=True), "down", "▼", False, "giảm 10,0 điểm"),
        (Change(0.3, 0.2, share=True, lower_is_better=True), "up", "▲", False, "tăng 10,0 điểm"),
        (Change(0.1, 0.2, share=True, lower_is_better=True), "down", "▼", True, "giảm 10,0 điểm"),
        (Change(0.50004, 0.5, share=True), "same", "=", None, "không đổi"),  # as shown
        (Change(1200, 1000), "up", "▲", True, "tăng 200"),
        (Change(3, None), None, "", None, "không có số liệu để so sánh"),
    ],
)
def test_a_change_is_told_in_words_and_as_better_or_worse(
    vi, change, direction, arrow, better, text
):
    assert (change.direction, change.arrow, change.better, change.text) == (
        direction,
        arrow,
        better,
        text,
    )
    assert change.verdict == {True: "tốt hơn", False: "kém hơn", None: ""}[better]


# ---------------------------------------------------------------- headline figures


@pytest.mark.usefixtures("rated", "answered")
def test_headlines_of_november_against_october(vi, world: World):
    """November: 4 returned (2 early, 1 on time, 1 late), 3 ratings, 2 of them satisfied;
    October: 1 returned early, 1 rating, satisfied. Feedback: 1 of 3 answered on time in
    November, none answered in October; 3 overdue on 30 November (F3, F5 and the case the
    dissatisfied rating opened on 7 November)."""
    h = by_name(first_screen(world.ward.id))
    expected = {
        # name: value, direction, better, words
        "satisfaction": ("66,7%", "down", False, "giảm 33,3 điểm"),
        "ratings": ("3", "up", True, "tăng 2"),
        "early": ("50,0%", "down", False, "giảm 50,0 điểm"),
        "on_time": ("25,0%", "up", True, "tăng 25,0 điểm"),
        "late": ("25,0%", "up", False, "tăng 25,0 điểm"),  # lower is better
        "answered_on_time": ("33,3%", None, None, "không có số liệu để so sánh"),
    }
    for name, (value, direction, better, words) in expected.items():
        figure = h[name]
        assert (figure.value, figure.change.direction, figure.change.better) == (
            value,
            direction,
            better,
        ), name
        assert figure.change.text == words, name
    assert h["satisfaction"].note == "Kỳ trước: 100,0%"
    assert h["answered_on_time"].note == "Kỳ trước: chưa có số liệu"
    assert (h["overdue"].value, h["overdue"].change) == ("3", None)
    assert h["overdue"].href == "/staff/feedback/overdue"
    assert h["conference"].value == "chưa có lịch"


def test_headline_of_the_next_conference_and_its_bookings(vi, world: World):
    now = utcnow()
    make_conference(world.ward, starts_in=timedelta(days=20), title="Hội nghị sau")
    soon = make_conference(world.ward, starts_in=timedelta(days=9), capacity=60)
    soon.seats_taken = 12
    make_conference(world.ward, starts_in=timedelta(days=2), status="draft")  # not published
    make_conference(world.other_ward, starts_in=timedelta(days=1))  # not ours
    db.session.commit()
    figure = by_name(first_screen(world.ward.id, now))["conference"]
    assert figure.href == f"/staff/dialogues/{soon.id}"
    assert figure.note == "Hội nghị đối thoại quý IV · đã đăng ký 12/60 chỗ"
    assert figure.value == soon.starts_at.astimezone(local_zone()).strftime("%d/%m/%Y")


# ---------------------------------------------------------------- the five lists


@pytest.mark.usefixtures("answered")
def test_overdue_feedback_list(vi, world: World):
    f1, f2, f3, f4, f5 = world.items
    not_yet = make_feedback(world.ward, now=hanoi(2026, 11, 27, 10))  # due in December
    db.session.commit()
    listed = agenda(first_screen(world.ward.id), "overdue-feedback")
    hrefs = [entry.href for entry in listed.entries]
    assert hrefs == [f"/staff/feedback/{f5.id}", f"/staff/feedback/{f3.id}"]  # oldest first
    assert f"/staff/feedback/{not_yet.id}" not in hrefs
    assert f"/staff/feedback/{f1.id}" not in hrefs  # answered
    assert listed.entries[0].detail == "hạn trả lời 19/10/2026"
    assert (listed.total, listed.cut, listed.more) == (2, False, "/staff/feedback/overdue")


def test_each_list_is_cut_at_five_with_a_link_to_all(vi, world: World):
    for day in range(1, 8):
        make_feedback(world.ward, now=hanoi(2026, 10, day, 10))
    db.session.commit()
    listed = agenda(first_screen(world.ward.id), "overdue-feedback")
    assert (len(listed.entries), listed.total, listed.cut) == (5, 7, True)
    assert listed.title == "Phản ánh quá hạn"


@pytest.mark.usefixtures("rated")
def test_dissatisfied_ratings_not_yet_handled(vi, world: World):
    rating = world.dissatisfied
    listed = agenda(first_screen(world.ward.id), "dissatisfied")
    assert [entry.href for entry in listed.entries] == [f"/staff/feedback/{rating.feedback_id}"]
    assert listed.entries[0].text == "Đăng ký khai sinh: Phải chờ lâu"
    assert listed.total == 1  # the other ward's is not ours
    case = db.session.get(Feedback, rating.feedback_id)
    feedback_workflow.record_outcome(world.staff, case, "Phường đã xin lỗi.", now=NOW)
    db.session.commit()
    listed = agenda(first_screen(world.ward.id), "dissatisfied")
    assert (listed.entries, listed.total) == ([], 0)
    assert listed.empty == "Các đánh giá không hài lòng đều đã được xử lý."


def test_conference_results_due_within_three_days_or_overdue(vi, world: World):
    def ended(days_ago: float, **extra):
        return _session(world.ward, NOW - timedelta(days=days_ago, hours=2), **extra)

    due_in_two = ended(8)  # results due in 2 days: in
    due_in_five = ended(5)  # due in 5 days: out
    overdue = ended(12)  # overdue by 2 days: in, first
    ended(13, status="results_published", results_days=9)  # published: out
    _session(world.other_ward, NOW - timedelta(days=12))  # not ours
    db.session.commit()
    listed = agenda(first_screen(world.ward.id), "results")
    hrefs = [entry.href for entry in listed.entries]
    assert hrefs == [
        f"/staff/dialogues/{overdue.id}/questions",
        f"/staff/dialogues/{due_in_two.id}/questions",
    ]
    assert f"/staff/dialogues/{due_in_five.id}/questions" not in hrefs
    assert listed.entries[0].detail.startswith("quá hạn công bố kết quả từ ")
    assert listed.entries[1].detail == "hạn công bố kết quả 02/12/2026"


def test_reception_this_week_without_a_record(vi, world: World):
    now = hanoi(2026, 12, 2, 10)  # Wednesday

    def slot(when: datetime, *statuses: str):
        session = _session(
            world.ward, when, status="published", kind=SessionKind.RECEPTION, capacity=1
        )
        _bookings(session, *statuses)
        return session

    monday = slot(hanoi(2026, 11, 30, 14), "attended")  # held this week, not recorded: in
    recorded = slot(hanoi(2026, 12, 1, 14), "attended")  # recorded: out
    slot(hanoi(2026, 11, 27, 14), "attended")  # last week: out
    slot(hanoi(2026, 12, 2, 15), "confirmed")  # later today: out
    slot(hanoi(2026, 12, 1, 15))  # nobody booked: nobody to record
    bookings = {b.session_id: b for b in db.session.execute(sa.select(Booking)).scalars()}
    db.session.add(
        ReceptionRecord(
            ward_id=world.ward.id,
            slot_id=recorded.id,
            booking_id=bookings[recorded.id].id,
            received_at=recorded.starts_at,
            visitor_name="Khách Đặt Chỗ",
            kind=MatterKind.FEEDBACK,
            matter="Hỏi về cấp nước.",
            recorded_by_id=world.staff.id,
        )
    )
    db.session.commit()
    listed = agenda(first_screen(world.ward.id, now), "reception")
    assert [entry.href for entry in listed.entries] == [
        f"/staff/reception/records/new?booking={bookings[monday.id].id}"
    ]
    assert "30/11/2026" in listed.entries[0].text
    assert listed.more == "/staff/reception/records/"


@pytest.mark.usefixtures("rated")
def test_officers_with_the_most_late_dossiers(vi, world: World):
    # A second late dossier, the staff member's: both officers are listed, most late first.
    a = world.procedures[0]
    for number in ("D6", "D7"):
        _dossier(world.staff, world.ward.id, a, number, hanoi(2026, 11, 2), hanoi(2026, 11, 20))
    db.session.commit()
    listed = agenda(first_screen(world.ward.id), "late-officers")
    assert [entry.text for entry in listed.entries] == ["Trần Thị Công", "Nguyễn Văn Chủ"]
    assert listed.entries[1].detail == "1 trễ hạn / 3 hồ sơ đã trả"
    assert {entry.href for entry in listed.entries} == {"#section-by-officer"}
    # October: nobody late.
    october = agenda(first_screen(world.ward.id, period=NOV.previous()), "late-officers")
    assert (october.entries, october.empty) == ([], "Không có hồ sơ trễ hạn trong kỳ.")


# ---------------------------------------------------------------- queries


def _seed_rows(world: World, n: int) -> None:
    """n more of each kind of row the first screen lists."""
    satisfaction = _procedure(world.ward.id, "Đăng ký khai sinh")
    for i in range(n):
        make_feedback(world.ward, now=hanoi(2026, 10, 1 + i, 10))  # overdue
        _, raw = _dossier(
            world.chairman,
            world.ward.id,
            satisfaction,
            f"N{n}-{i}",
            hanoi(2026, 11, 2),
            hanoi(2026, 11, 10),
        )
        _rate(raw, "dissatisfied", hanoi(2026, 11, 11), reason="Chậm")
        _session(world.ward, NOW - timedelta(days=9, hours=2 + i))  # results due tomorrow
        slot = _session(
            world.ward,
            hanoi(2026, 11, 30, 1 + i),
            status="published",
            kind=SessionKind.RECEPTION,
            capacity=1,
        )
        _bookings(slot, "attended")
    db.session.commit()


def _statements(ward_id: int) -> int:
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        first_screen(ward_id, hanoi(2026, 11, 30, 9))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.usefixtures("rated")
def test_the_first_screen_takes_as_many_statements_whatever_the_rows(vi, world: World):
    _seed_rows(world, 1)
    few = _statements(world.ward.id)
    _seed_rows(world, 6)
    assert _statements(world.ward.id) == few
    assert few <= 14


# ---------------------------------------------------------------- the page


@pytest.mark.parametrize("who", ["resident", "staff"])
def test_the_page_is_refused_to_others(client, world: World, who):
    assert _get(client, world.by_name(who)).status_code == 403


def test_the_page_opens_with_the_first_screen_in_vietnamese(client, world: World):
    item = make_feedback(world.ward, now=utcnow() - timedelta(days=40))  # overdue now
    db.session.commit()
    html = text_of(_get(client, world.chairman, lang="vi"))
    main = html.split('<main id="main"')[1]
    for words in (
        "Số liệu chính",
        "Việc cần Chủ tịch xử lý hôm nay",
        "Phản ánh quá hạn",
        "Đánh giá không hài lòng chưa xử lý",
        "Hội nghị đối thoại cần công bố kết quả",
        "Buổi tiếp công dân trong tuần chưa ghi sổ",
        "Công chức có nhiều hồ sơ trễ hạn nhất",
        "Tỷ lệ hài lòng",
        "Tổng hợp so với kỳ trước",
    ):
        assert words in main, words
    # The summary first, then the tables, each folded away under its heading.
    assert main.index('id="agenda-heading"') < main.index('<details class="fold"')
    assert main.count('<details class="fold"') == 15  # the index panel's three, delegated signing
    assert '<details class="fold" open' not in main
    assert 'id="section-by-officer"' in main
    agenda_html = main.split('id="agenda-overdue-feedback"')[1].split("</div>")[0]
    assert f'href="/staff/feedback/{item.id}"' in agenda_html
    assert " style=" not in main  # the CSP allows no inline style


def test_the_supervisor_sees_no_link_to_pages_he_may_not_open(client, world: World):
    html = text_of(_get(client, world.supervisor, lang="vi"))
    assert "Việc cần Chủ tịch xử lý hôm nay" in html
    assert "/staff/reception/records/new" not in html
