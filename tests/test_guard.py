"""The guard test: for every state of every lifecycle, and every kind of person (the seven
of the route table), a control is shown exactly when its POST succeeds.

For each action, a fresh world holds one item in the state; the person opens the pages where
that item's controls live; then the action's POST is sent as they would send it. Shown: the
POST must succeed and change the database. Not shown: it must be refused (the login page,
403, 404 or 409) and change nothing at all.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from conftest import (
    World,
    build_world,
    empty_tables,
    isolate_requests,
    login_as,
    make_conference,
    make_config,
    make_feedback,
    make_user,
)

from portal import create_app
from portal.auth.models import Role
from portal.db import utcnow
from portal.dialogues import reception, results
from portal.dialogues import services as dialogues
from portal.dialogues.models import BookingStatus, SessionKind
from portal.extensions import db
from portal.feedback import workflow
from portal.feedback.models import Channel, Feedback
from portal.satisfaction import catalogue, dossiers, ratings
from portal.timeutil import to_local

ROLES = ("anonymous", "resident", "staff", "staff_other", "chairman", "supervisor", "admin")
REFUSED = (403, 404, 409)
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.I | re.S)
ACTION = re.compile(r'\b(?:action|formaction)="([^"]*)"')
HREF = re.compile(r'\bhref="([^"]*)"')


@dataclass
class Act:
    """One action's POST: its address and a valid form for it. `link`: its control is a link
    to a page with the form (editing a conference), not a form on the item's pages."""

    name: str
    url: Callable
    data: Callable = lambda w, item: {}
    link: bool = False


@dataclass
class Lifecycle:
    states: dict[str, Callable[[World], object]]
    pages: Callable[[World, object], list[str]]
    acts: list[Act]
    context: dict = field(default_factory=dict)


def controls(client, pages: list[str]) -> tuple[set[str], set[str]]:
    """What the pages offer: the addresses their POST forms send to (a form without `action`
    posts to its own page; a button may carry its own `formaction`), and their links."""
    posts: set[str] = set()
    links: set[str] = set()
    for page in pages:
        response = client.get(page)
        if response.status_code != 200:
            continue
        text = response.get_data(as_text=True)
        links.update(html.unescape(url) for url in HREF.findall(text))
        for attributes, body in FORM.findall(text):
            if 'method="post"' not in attributes.lower():
                continue
            targets = ACTION.findall(attributes) + ACTION.findall(body)
            posts.update(html.unescape(url) for url in targets or [page])
    return posts, links


def snapshot() -> dict:
    """Every row of every table, to tell whether a request changed anything."""
    db.session.rollback()  # a fresh read, after the request's own commit
    return {
        table.name: sorted(map(repr, db.session.execute(sa.select(table)).all()))
        for table in db.metadata.sorted_tables
    }


# ---------------------------------------------------------------- feedback


def _feedback(w: World, **extra):
    return make_feedback(w.ward, w.resident, **extra)


def _anonymous_case(w: World):
    """A dissatisfied rating's case: nobody can be answered."""
    return make_feedback(w.ward, contact_name="Người dân (ẩn danh)", channel=Channel.SATISFACTION)


def _then(build, *steps):
    def state(w: World):
        item = build(w)
        for step in steps:
            step(w, item)
        return item

    return state


def _assign(w, item):
    workflow.assign(w.staff, item, w.staff.id)


def _ask(w, item):
    workflow.request_info(w.staff, item, "Xin cho biết số nhà.")


def _answer(w, item):
    workflow.reply(w.staff, item, "Đã thu gom.", answer=True)


def _beside_an_open_item(state):
    """`state`, with another open item of the same ward and category filed first: what a
    merge needs as its target."""

    def build(w: World):
        make_feedback(w.ward, w.resident, title="Rác thải ở ngõ 14")
        return state(w)

    return build


def _merge_target(w: World, item) -> dict:
    target = db.session.execute(
        sa.select(Feedback.code).where(Feedback.id != item.id).order_by(Feedback.id)
    ).scalar()
    return {"target": target}


FEEDBACK_STATES = {
    "received": _feedback,
    "in_progress": _then(_feedback, _assign),
    "waiting": _then(_feedback, _ask),
    "answered": _then(_feedback, _answer),
    "closed": _then(_feedback, _answer, lambda w, i: workflow.close(w.staff, i)),
    "transferred": _then(_feedback, lambda w, i: workflow.transfer(w.staff, i, "Công an")),
    "rejected": _then(_feedback, lambda w, i: workflow.reject(w.staff, i, "Trùng lặp")),
    "caller_received": lambda w: make_feedback(w.ward),
    "anonymous_received": _anonymous_case,
    "anonymous_in_progress": _then(_anonymous_case, _assign),
}
FEEDBACK = Lifecycle(
    states={name: _beside_an_open_item(build) for name, build in FEEDBACK_STATES.items()},
    pages=lambda w, item: [f"/staff/feedback/{item.id}", f"/my/feedback/{item.code}"],
    acts=[
        Act("assign", lambda w, i: f"/staff/feedback/{i.id}/assign", lambda w, i: {
            "assignee_id": str(w.chairman.id)
        }),
        Act("note", lambda w, i: f"/staff/feedback/{i.id}/note", lambda w, i: {"note": "Ghi chú"}),
        Act("reply", lambda w, i: f"/staff/feedback/{i.id}/reply", lambda w, i: {
            "body": "Phường đã xử lý.", "answer": "y"
        }),
        Act("record_outcome", lambda w, i: f"/staff/feedback/{i.id}/outcome", lambda w, i: {
            "body": "Đã nhắc nhở công chức."
        }),
        Act("request_info", lambda w, i: f"/staff/feedback/{i.id}/request-info", lambda w, i: {
            "body": "Xin cho biết số nhà."
        }),
        Act("resume", lambda w, i: f"/staff/feedback/{i.id}/resume"),
        Act("transfer", lambda w, i: f"/staff/feedback/{i.id}/transfer", lambda w, i: {
            "authority": "Công an phường"
        }),
        Act("reject", lambda w, i: f"/staff/feedback/{i.id}/reject", lambda w, i: {
            "reason": "Trùng lặp"
        }),
        Act("close", lambda w, i: f"/staff/feedback/{i.id}/close"),
        Act("merge", lambda w, i: f"/staff/feedback/{i.id}/merge", _merge_target),
        Act("add_information", lambda w, i: f"/my/feedback/{i.code}/message", lambda w, i: {
            "body": "Số nhà 12."
        }),
        Act("respond", lambda w, i: f"/my/feedback/{i.code}/respond", lambda w, i: {
            "resolved": "yes", "rating": "5"
        }),
        Act("set_urgency", lambda w, i: f"/staff/feedback/{i.id}/urgency", lambda w, i: {
            "urgency": "complex"
        }),
        Act("allow_publication", lambda w, i: f"/my/feedback/{i.code}/publication/allow"),
        Act("withdraw_publication", lambda w, i: f"/my/feedback/{i.code}/publication/withdraw"),
    ],
)  # fmt: skip


# ---------------------------------------------------------------- conferences


def _started(w: World):
    return make_conference(w.ward, starts_in=timedelta(hours=-1))


def _held(w: World):
    conference = _started(w)
    dialogues.mark_held(w.staff, conference)
    return conference


def _minuted(w: World):
    conference = _held(w)
    results.save_minutes(w.staff, conference, 30, "Biên bản hội nghị.", "Thư Ký")
    return conference


def _results_out(w: World):
    conference = _minuted(w)
    results.publish_results(w.staff, conference, "https://cong.example.vn/")
    return conference


def _edit_form(w: World, session) -> dict:
    local = "%Y-%m-%dT%H:%M"
    return {
        "title": "Hội nghị đối thoại (sửa)",
        "agenda": session.agenda,
        "mode": session.mode.value,
        "venue": session.venue,
        "online_url": "",
        "starts_at": to_local(session.starts_at).strftime(local),
        "ends_at": to_local(session.ends_at).strftime(local),
        "capacity": str(session.capacity),
        "walk_in_seats": "0",
        "booking_opens_at": "",
        "booking_closes_at": "",
        "residential_groups": "",
        "co_organiser": "",
    }


def _staff_pages(w: World, session) -> list[str]:
    base = f"/staff/dialogues/{session.id}"
    public = f"/wards/{w.ward.slug}/dialogues/{session.id}"
    return [base, f"{base}/questions", f"{base}/minutes", f"{base}/check-in", public]


CONFERENCE = Lifecycle(
    states={
        "draft": lambda w: make_conference(w.ward, status="draft"),
        "published": lambda w: make_conference(w.ward),
        "published_full": lambda w: make_conference(w.ward, capacity=1, walk_in_seats=1),
        "started": _started,
        "held": _held,
        "minuted": _minuted,
        "results_published": _results_out,
        "cancelled": lambda w: make_conference(w.ward, status="cancelled"),
    },
    pages=_staff_pages,
    acts=[
        Act("edit", lambda w, s: f"/staff/dialogues/{s.id}/edit", _edit_form, link=True),
        Act("publish", lambda w, s: f"/staff/dialogues/{s.id}/publish", lambda w, s: {
            "confirm_late": "y"
        }),
        Act("cancel", lambda w, s: f"/staff/dialogues/{s.id}/cancel", lambda w, s: {
            "reason": "Trùng lịch họp"
        }),
        Act("mark_held", lambda w, s: f"/staff/dialogues/{s.id}/held"),
        Act("book_for_caller", lambda w, s: f"/staff/dialogues/{s.id}/book", lambda w, s: {
            "guest_name": "Bà Nguyễn Thị Gọi", "guest_phone": "0987111222", "question": ""
        }),
        Act("walk_in", lambda w, s: f"/staff/dialogues/{s.id}/walk-in"),
        Act("floor_question", lambda w, s: f"/staff/dialogues/{s.id}/questions/floor",
            lambda w, s: {"text": "Câu hỏi từ hội trường"}),
        Act("record_minutes", lambda w, s: f"/staff/dialogues/{s.id}/minutes", lambda w, s: {
            "attendance_count": "40", "secretary": "Thư Ký", "summary": "Biên bản."
        }),
        Act("publish_results", lambda w, s: f"/staff/dialogues/{s.id}/results/publish"),
        Act("book", lambda w, s: f"/dialogues/{s.id}/book", lambda w, s: {"question": "Hỏi"}),
    ],
)  # fmt: skip


# ---------------------------------------------------------------- reception slots


def _slot(w: World, starts_in: timedelta = timedelta(days=3)):
    schedules = reception.ward_schedules(w.ward.id)
    schedule = (
        schedules[0]
        if schedules
        else reception.save_schedule(w.staff, 1, time(8, 0), time(11, 0), 30, "Phòng tiếp")
    )
    return make_conference(
        w.ward,
        kind=SessionKind.RECEPTION,
        capacity=1,
        starts_in=starts_in,
        title=reception.SLOT_TITLE,
        schedule_id=schedule.id,
    )


def _taken_slot(w: World):
    slot = _slot(w)
    dialogues.book(slot, user=make_user(Role.RESIDENT, w.ward), question="Đất đai")
    return slot


def _slot_while_holding_another(w: World):
    dialogues.book(_slot(w, timedelta(days=5)), user=w.resident, question="Việc khác")
    return _slot(w)


def _blocked_slot(w: World):
    slot = _slot(w)
    reception.block_slot(w.staff, slot, "Chủ tịch đi công tác")
    return slot


SLOT = Lifecycle(
    states={
        "open": _slot,
        "taken": _taken_slot,
        "open_but_holding_another": _slot_while_holding_another,
        "blocked": _blocked_slot,
    },
    pages=lambda w, slot: [f"/wards/{w.ward.slug}/reception", "/staff/reception"],
    acts=[
        Act("block", lambda w, s: f"/staff/reception/slots/{s.id}/block", lambda w, s: {
            "reason": "Chủ tịch đi công tác"
        }),
        Act("book", lambda w, s: f"/dialogues/{s.id}/book", lambda w, s: {"question": "Đất đai"}),
        Act("book_for_caller", lambda w, s: f"/staff/reception/slots/{s.id}/book", lambda w, s: {
            "guest_name": "Bà Gọi Điện", "guest_phone": "0987 123 456", "question": "Đất đai"
        }),
    ],
)  # fmt: skip


# ---------------------------------------------------------------- bookings


def _booking(w: World, conference=None):
    conference = conference or make_conference(w.ward, capacity=5)
    return dialogues.book(conference, user=w.resident, question="Hỏi về đèn đường")


def _waiting(w: World):
    conference = make_conference(w.ward, capacity=1)
    dialogues.book(conference, user=make_user(Role.RESIDENT, w.ward))
    booking = _booking(w, conference)
    assert booking.status == BookingStatus.WAITING
    return booking


def _booking_started(w: World):
    booking = _booking(w)
    booking.session.starts_at = utcnow() - timedelta(minutes=5)
    return booking


def _attended(w: World):
    booking = _booking(w)
    dialogues.check_in(w.staff, booking.session, booking.code)
    return booking


def _withdrawn(w: World):
    booking = _booking(w)
    dialogues.cancel_booking(w.resident, booking)
    return booking


def _reception_booking(w: World):
    return dialogues.book(_slot(w), user=w.resident, question="Đất đai")


BOOKING = Lifecycle(
    states={
        "confirmed": _booking,
        "waiting": _waiting,
        "session_started": _booking_started,
        "attended": _attended,
        "cancelled": _withdrawn,
        "reception_confirmed": _reception_booking,
    },
    pages=lambda w, b: [f"/bookings/{b.code}", f"/staff/dialogues/{b.session_id}"],
    acts=[
        Act("cancel_on_its_page", lambda w, b: f"/bookings/{b.code}/cancel", lambda w, b: {
            "reason": "Trùng lịch"
        }, link=True),  # a link to the confirmation page, which has the form
        Act("move", lambda w, b: f"/bookings/{b.code}/move", lambda w, b: {
            "slot_id": str(_slot(w).id)
        }, link=True),
    ],
)  # fmt: skip


# ---------------------------------------------------------------- dossiers and rating links


def _dossier(w: World):
    procedure = catalogue.procedures(w.ward.id)[0]
    data = dossiers.DossierInput(
        procedure_id=procedure.id,
        receipt_number=f"BN-{utcnow().timestamp()}",
        received_at=utcnow() - timedelta(days=1),
    )
    return dossiers.register_dossier(w.staff, w.ward.id, data)


def _returned(w: World, ago: timedelta = timedelta(0)):
    item = _dossier(w)
    item.token = dossiers.return_dossier(w.staff, item, now=utcnow() - ago)
    return item


def _rated(w: World):
    item = _returned(w)
    ratings.rate(item.token, ratings.RatingInput(level="satisfied"))
    return item


DOSSIER = Lifecycle(
    states={
        "registered": _dossier,
        "returned": _returned,
        "returned_an_hour_ago": lambda w: _returned(w, timedelta(hours=1)),
        "rated": _rated,
    },
    pages=lambda w, d: [f"/staff/satisfaction/dossiers/{d.id}", "/staff/satisfaction/kiosk"],
    acts=[
        Act("return", lambda w, d: f"/staff/satisfaction/dossiers/{d.id}/return", lambda w, d: {
            "extra_visits": "0"
        }),
        Act("rate_at_kiosk", lambda w, d: f"/staff/satisfaction/kiosk/{d.id}", lambda w, d: {
            "level": "satisfied"
        }),
    ],
)  # fmt: skip


def _expired(w: World):
    item = _returned(w)
    item.token_expires_at = utcnow() - timedelta(minutes=1)
    return item


def _replaced(w: World):
    item = _returned(w)
    old = item.token
    dossiers.return_dossier(w.staff, item)  # a lost slip: a new link
    item.token = old
    return item


TOKEN = Lifecycle(
    states={"usable": _returned, "used": _rated, "expired": _expired, "replaced": _replaced},
    pages=lambda w, d: [f"/r/{d.token}"],
    acts=[Act("rate", lambda w, d: f"/r/{d.token}", lambda w, d: {"level": "satisfied"})],
)

LIFECYCLES = {
    "feedback": FEEDBACK,
    "conference": CONFERENCE,
    "reception_slot": SLOT,
    "booking": BOOKING,
    "dossier": DOSSIER,
    "rating_link": TOKEN,
}
CASES = [(name, state) for name, lc in LIFECYCLES.items() for state in lc.states]


@pytest.fixture(scope="module")
def guard_app(database_url):
    """An app without CSRF checks (one per backend): the test is about who may act now."""
    app = isolate_requests(create_app(make_config(database_url, WTF_CSRF_ENABLED=False)))
    with app.app_context():
        yield app
        db.session.rollback()
        empty_tables()
        db.session.remove()
        db.engine.dispose()


def _mismatches(app, lifecycle: Lifecycle, state: str) -> list[str]:
    """Every person tries every action on an item in `state`. A refused action changes
    nothing, so the same world and item serve the next try; after an action that succeeded,
    the next try starts again from a fresh world."""
    found = []
    world = item = None
    for role in ROLES:
        posts = links = None
        for act in lifecycle.acts:
            if world is None:
                empty_tables()
                world = build_world()
            if item is None:
                item = lifecycle.states[state](world)
                db.session.commit()
                posts = None
            if posts is None:  # this person opens the item's pages
                client = login_as(app.test_client(), world.by_name(role))
                posts, links = controls(client, lifecycle.pages(world, item))
            url = act.url(world, item)
            shown = url in (links if act.link else posts)
            before = snapshot()
            response = client.post(url, data=act.data(world, item))
            response.close()
            changed = snapshot() != before
            location = response.headers.get("Location", "")
            to_login = response.status_code == 302 and "/login" in location
            succeeded = response.status_code in (200, 302) and not to_login and changed
            refused = (to_login or response.status_code in REFUSED) and not changed
            if shown and not succeeded or not shown and not refused:
                found.append(
                    f"{act.name} {'shown to' if shown else 'hidden from'} {role}: "
                    f"POST gave {response.status_code}, changed={changed}"
                )
            if changed:
                world = item = None
    return found


@pytest.mark.parametrize(("lifecycle", "state"), CASES, ids=[f"{n}-{s}" for n, s in CASES])
def test_a_control_is_shown_exactly_when_its_post_succeeds(guard_app, lifecycle, state):
    assert _mismatches(guard_app, LIFECYCLES[lifecycle], state) == []


def test_every_action_of_every_lifecycle_is_guarded():
    """Each POST action of the policies has its row here (a new action must be added)."""
    from portal.dialogues.policy import BookingAction, ConferenceAction, SlotAction
    from portal.feedback.policy import Action as FeedbackAction
    from portal.satisfaction.policy import DossierAction, TokenAction

    reads = {"read_notes", "read_questions", "read_minutes"}  # pages, not POSTs
    pairs = (
        (FeedbackAction, FEEDBACK, {}),
        (
            ConferenceAction,
            CONFERENCE,
            {"check_in": "walk_in", "handle_questions": "floor_question"},
        ),
        (SlotAction, SLOT, {}),
        (
            BookingAction,
            BOOKING,
            {"withdraw": "cancel_on_its_page", "cancel": "cancel_on_its_page"},
        ),
        (DossierAction, DOSSIER, {}),
        (TokenAction, TOKEN, {}),
    )
    for actions, lifecycle, renamed in pairs:
        acted = {act.name for act in lifecycle.acts}
        for action in actions:
            if action.value not in reads:
                assert renamed.get(action.value, action.value) in acted, action


# What a template may show is its lifecycle's `may`, or a route's `may_open`: never a status
# or a role of its own.
LITERAL = re.compile(r"\b(?:status|role)(?:\.value)?\s*(?:==|!=|\bin\b|\bnot in\b)|\bRole\.")


def test_no_template_compares_a_status_or_a_role():
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "portal" / "templates"
    found = [
        f"{path.relative_to(templates)}:{number}: {line.strip()}"
        for path in sorted(templates.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if LITERAL.search(line)
    ]
    assert found == []
