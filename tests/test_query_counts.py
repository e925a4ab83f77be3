"""Pages that list rows take as many SQL statements with 50 rows as with one (no lazy load
per row), and the number is written down here so that a regression shows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conftest import World, login_as, make_conference, make_feedback, make_user
from portal.auth.models import Role, User
from portal.wards.models import Ward
from portal.dialogues import services as dialogue_services
from portal.extensions import db
from portal.feedback import events
from portal.dialogues.models import DialogueSession
from portal.feedback.models import EventKind, Feedback, FeedbackAttachment


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """Every statement sent to the database meanwhile, but the transaction's BEGIN, COMMIT
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


def statements_of(client, path: str) -> list[str]:
    """The statements of one GET of `path` (which must answer 200), the session emptied
    first so that nothing is already loaded, as in a new request of a worker."""
    db.session.expire_all()
    db.session.remove()
    with count_statements() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return list(statements)


def show(name, one, fifty):
    print(f"\n{name}: {len(one)} / {len(fifty)}")
    for s in fifty:
        print("   ", " ".join(s.split())[:200])


def residents(world: World, n: int):
    return [make_user(Role.RESIDENT, world.ward, name=f"Cư Dân {i}") for i in range(n)]


def test_my_bookings(client, world: World):
    ward_id, resident_id = world.ward.id, world.resident.id
    login_as(client, world.resident)

    def add(first: int, n: int) -> None:
        ward, resident = db.session.get(Ward, ward_id), db.session.get(User, resident_id)
        for i in range(first, first + n):
            conference = make_conference(
                ward, title=f"Hội nghị {i}", starts_in=timedelta(days=10 + i)
            )
            dialogue_services.book(conference, user=resident)
        db.session.commit()

    add(0, 1)
    one = statements_of(client, "/my/bookings")
    add(1, 49)
    fifty = statements_of(client, "/my/bookings")
    show("my bookings", one, fifty)


def test_staff_inbox(client, world: World):
    ward_id, staff_id = world.ward.id, world.staff.id
    login_as(client, world.staff)

    def add(n: int) -> None:
        ward = db.session.get(Ward, ward_id)
        for person in residents_of(ward, n):
            make_feedback(ward, person)
        db.session.commit()

    add(1)
    one = statements_of(client, "/staff/feedback/?status=all")
    add(49)
    fifty = statements_of(client, "/staff/feedback/?status=all")
    show("inbox", one, fifty)


def residents_of(ward, n):
    return [make_user(Role.RESIDENT, ward, name=f"Cư Dân {i}") for i in range(n)]


def test_feedback_item(client, world: World):
    ward_id, staff_id = world.ward.id, world.staff.id
    item_id = make_feedback(world.ward, world.resident).id
    db.session.commit()
    login_as(client, world.staff)

    def add(n: int) -> None:
        ward = db.session.get(Ward, ward_id)
        item = db.session.get(Feedback, item_id)
        for person in residents_of(ward, 0) or [db.session.get(User, staff_id)] * n:
            event = events.record(item, EventKind.NOTE, person, "Ghi chú", public=False)
            db.session.add(
                FeedbackAttachment(
                    feedback_id=item.id,
                    event_id=event.id,
                    filename="anh.jpg",
                    content_type="image/jpeg",
                    size=3,
                    data=b"abc",
                    uploaded_by_id=person.id,
                )
            )
        db.session.commit()

    add(1)
    one = statements_of(client, f"/staff/feedback/{item_id}")
    add(19)
    fifty = statements_of(client, f"/staff/feedback/{item_id}")
    show("item", one, fifty)


@pytest.mark.parametrize("page", ["", "/sign-in-sheet", "/attendees.csv", "/check-in"])
def test_check_in_list(client, world: World, page):
    ward_id = world.ward.id
    session_id = make_conference(world.ward, capacity=100).id
    db.session.commit()
    login_as(client, world.staff)

    def add(n: int) -> None:
        ward = db.session.get(Ward, ward_id)
        session = db.session.get(DialogueSession, session_id)
        for person in residents_of(ward, n):
            dialogue_services.book(session, user=person)
        db.session.commit()

    add(1)
    one = statements_of(client, f"/staff/dialogues/{session_id}{page}")
    add(49)
    fifty = statements_of(client, f"/staff/dialogues/{session_id}{page}")
    show("check-in " + page, one, fifty)
