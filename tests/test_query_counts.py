"""Pages that list rows take as many SQL statements with many rows as with one (no lazy
load per row: relationships load lazily by default and each list query says what it shows),
and the number is written down here so that a regression shows (issue 17). Counted: every
statement of one request but BEGIN, COMMIT and ROLLBACK, the database session emptied and
the inbox's lists forgotten first, as in a worker's first request."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as, make_conference, make_feedback, make_user, text_of

from portal.auth.models import Role, User
from portal.dialogues import services as dialogue_services
from portal.dialogues.models import DialogueSession
from portal.extensions import db
from portal.feedback import categories, choices, workflow
from portal.feedback.models import Feedback
from portal.feedback.uploads import Upload
from portal.wards.models import Ward

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """Every statement sent to the database meanwhile but the transaction's BEGIN, COMMIT
    and ROLLBACK (which depend on the connection's state, not on the page)."""
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


def statements_of(client, path: str, *, cold: bool = True) -> list[str]:
    """The statements of one GET of `path` (which must answer 200), nothing loaded before
    (the world's objects are detached: tests read them again by id), and with `cold` the
    inbox's lists forgotten too."""
    db.session.remove()
    if cold:
        choices.clear()
    with count_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return list(statements)


def same_with_more(client, path: str, add: Callable[[int], None], more: int) -> int:
    """The page's statement count with one row, checked to be the same with `more` more."""
    add(1)
    few = len(statements_of(client, path))
    add(more)
    many = statements_of(client, path)
    assert len(many) == few, "\n".join(many)
    return few


def ward_of(world: World) -> Callable[[], Ward]:
    ward_id = world.ward.id
    return lambda: db.session.get(Ward, ward_id)


def residents(ward: Ward, n: int) -> list[User]:
    return [make_user(Role.RESIDENT, ward, name=f"Cư Dân {i}") for i in range(n)]


# The account with its ward and session, then the bookings with their sessions and wards.
MY_BOOKINGS = 2


def test_my_bookings_take_as_many_statements_for_50_bookings_as_for_one(client, world: World):
    ward, resident_id = ward_of(world), world.resident.id
    login_as(client, world.resident)
    made = []

    def add(n: int) -> None:
        resident = db.session.get(User, resident_id)
        for _ in range(n):
            made.append(1)
            conference = make_conference(
                ward(), title=f"Hội nghị {len(made)}", starts_in=timedelta(days=10 + len(made))
            )
            dialogue_services.book(conference, user=resident)
        db.session.commit()

    assert same_with_more(client, "/my/bookings", add, 49) == MY_BOOKINGS


# The account; the count and the page of rows; the category names; the officers; the
# deadline badges (the ward comes with the account).
INBOX = 6


def test_the_inbox_takes_as_many_statements_for_50_items_as_for_one(client, world: World):
    ward = ward_of(world)
    login_as(client, world.staff)

    def add(n: int) -> None:
        for person in residents(ward(), n):
            make_feedback(ward(), person)
        db.session.commit()

    assert same_with_more(client, "/staff/feedback/?status=all", add, 49) == INBOX


# The account; the item with its category and sender; the assignable officers; the events
# with their actors and files; the canned replies; the related and merged items, the likely
# duplicates, the messages about it; the category names.
ITEM_PAGE = 8


def test_an_items_page_takes_as_many_statements_for_20_replies_as_for_one(client, world: World):
    item_id = make_feedback(world.ward, world.resident).id
    staff_id = world.staff.id
    db.session.commit()
    login_as(client, world.staff)

    def add(n: int) -> None:
        item, staff = db.session.get(Feedback, item_id), db.session.get(User, staff_id)
        for i in range(n):  # each a reply with a file, and a message to the sender
            workflow.reply(
                staff, item, f"Trả lời {i}", answer=False, attachments=[Upload(f"anh{i}.png", PNG)]
            )
        db.session.commit()

    path = f"/staff/feedback/{item_id}"
    assert same_with_more(client, path, add, 19) == ITEM_PAGE
    assert text_of(client.get(path)).count("anh1") >= 1


# The session's page, the sign-in sheet, the attendee file, the check-in page: the account,
# the session (with its ward where shown), its bookings with their holders, the counts.
CHECK_IN = {"": 4, "/sign-in-sheet": 5, "/attendees.csv": 5, "/check-in": 4}


@pytest.mark.parametrize("page", CHECK_IN)
def test_the_check_in_lists_take_as_many_statements_for_50_bookings_as_for_one(
    client, world: World, page
):
    ward = ward_of(world)
    session_id = make_conference(world.ward, capacity=100).id
    db.session.commit()
    login_as(client, world.staff)

    def add(n: int) -> None:
        session = db.session.get(DialogueSession, session_id)
        for person in residents(ward(), n):
            dialogue_services.book(session, user=person)
        db.session.commit()

    path = f"/staff/dialogues/{session_id}{page}"
    assert same_with_more(client, path, add, 49) == CHECK_IN[page]


# ---------------------------------------------------------------- the inbox's lists


def test_a_second_inbox_request_reads_the_lists_from_memory(client, world: World):
    make_feedback(world.ward, world.resident)
    db.session.commit()
    login_as(client, world.staff)
    first = statements_of(client, "/staff/feedback/")
    second = statements_of(client, "/staff/feedback/", cold=False)
    assert len(second) == len(first) - 2 == INBOX - 2  # neither categories nor officers
    assert not any("feedback_categories" in s for s in second)


def test_a_new_category_shows_in_the_inbox_at_once(client, world: World, app):
    ward_id, chairman_id = world.ward.id, world.chairman.id
    categories.provide_defaults(ward_id)
    db.session.commit()
    login_as(client, world.staff)
    assert "Cây xanh đô thị" not in text_of(client.get("/staff/feedback/"))
    categories.save_category(
        db.session.get(User, chairman_id),
        ward_id,
        categories.CategoryInput(code="trees", name_vi="Cây xanh đô thị", name_en="Trees"),
    )
    db.session.commit()
    assert "Cây xanh đô thị" in text_of(client.get("/staff/feedback/"))


def test_a_renamed_or_new_officer_shows_in_the_inbox_at_once(client, world: World):
    ward = ward_of(world)
    login_as(client, world.staff)
    assert "Đỗ Văn Mới" not in text_of(client.get("/staff/feedback/"))
    make_user(Role.STAFF, ward(), name="Đỗ Văn Mới")
    db.session.commit()
    assert "Đỗ Văn Mới" in text_of(client.get("/staff/feedback/"))
    db.session.execute(  # a bulk change (as a script would make) too
        sa.update(User).where(User.full_name == "Đỗ Văn Mới").values(full_name="Đỗ Văn Cũ")
    )
    db.session.commit()
    html = text_of(client.get("/staff/feedback/"))
    assert "Đỗ Văn Cũ" in html and "Đỗ Văn Mới" not in html


def test_a_change_not_committed_yet_is_not_kept(app, world: World):
    """A list read while a change is being made (before its commit) is not kept after it."""
    ward_id, chairman_id = world.ward.id, world.chairman.id
    db.session.commit()
    with db.engine.connect() as other:  # another request's transaction, in this process
        other.execute(sa.update(User).where(User.id == chairman_id).values(full_name="Tên Sắp Đổi"))
        assert "Tên Sắp Đổi" not in {o.full_name for o in choices.officers(ward_id)}
        other.commit()
    db.session.rollback()  # the next request's transaction
    assert "Tên Sắp Đổi" in {o.full_name for o in choices.officers(ward_id)}


def test_the_inbox_links_and_dates_are_those_of_url_for_and_the_filters(client, world: World, app):
    from flask import url_for

    from portal import dates

    item = make_feedback(world.ward, world.resident)
    db.session.commit()
    login_as(client, world.staff)
    html = text_of(client.get("/staff/feedback/"))
    with app.test_request_context():
        assert f'href="{url_for("feedback_staff.detail", item_id=item.id)}"' in html
        assert dates.day(item.received_at, "short") in html


def test_a_ward_with_many_conferences_planned_lists_the_first_ones(client, world: World):
    """The ward's conference page, its calendar feed and its home page read the soonest
    UPCOMING_MAX conferences, however many are planned (a worker never loads them all)."""
    ward = ward_of(world)
    shown = dialogue_services.UPCOMING_MAX
    for i in range(shown + 3):
        make_conference(ward(), starts_in=timedelta(days=60 - i), title=f"Hội nghị số {i:02d}")
    db.session.commit()
    slug = ward().slug
    with count_statements() as statements:
        page = text_of(client.get(f"/wards/{slug}/dialogues"))
    assert [s for s in statements if "FROM dialogue_sessions" in s]
    assert all("LIMIT" in s for s in statements if "FROM dialogue_sessions" in s)
    assert page.count("Hội nghị số") == shown
    assert "Hội nghị số 52" in page and "Hội nghị số 03" in page  # the soonest 50
    assert "Hội nghị số 02" not in page and "Hội nghị số 00" not in page
    feed = client.get(f"/wards/{slug}/dialogues.ics").get_data(as_text=True)
    assert feed.count("BEGIN:VEVENT") == shown
    home = text_of(client.get(f"/wards/{slug}"))
    assert "Hội nghị số 52" in home


def test_the_officers_conference_list_is_paged(client, world: World):
    ward = ward_of(world)
    size = dialogue_services.SESSIONS_PAGE
    for i in range(size + 2):
        make_conference(ward(), starts_in=timedelta(days=i + 1), title=f"Hội nghị số {i:02d}")
    db.session.commit()
    login_as(client, world.staff)
    first = text_of(client.get("/staff/dialogues/"))
    assert first.count("Hội nghị số") == size
    assert "Hội nghị số 51" in first and "Hội nghị số 01" not in first  # latest first
    second = text_of(client.get("/staff/dialogues/?page=2"))
    assert second.count("Hội nghị số") == 2
    assert "Hội nghị số 00" in second and "Hội nghị số 01" in second
