"""After a conference: the questions for the chairman, his answers, the minutes (biên bản)
and the publication of the results, which the law asks for within 10 days.

Only the ward's officers and chairman change anything (the supervisor only looks).
Services flush, never commit; the view commits once.

The questions of a session form one ordered list: sent in advance with a booking or raised
from the floor. A repeated question is merged into the one it repeats; its answer lives on
that one, and merged chains stay one level deep. Questions not yet placed in the order
(position 0: sent in advance after the last reordering) come after the placed ones, in the
order they arrived. Every change to the list locks the session's row first, so that two
officers cannot, for example, merge A into B and B into A at the same time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.db import utcnow
from portal.dialogues import messages, policy
from portal.dialogues.models import Booking, DialogueSession, Question, SessionStatus
from portal.dialogues.policy import ConferenceAction
from portal.dialogues.services import QUESTION_MAX
from portal.domain import DomainError, Problems, StateConflict
from portal.extensions import db

ANSWER_MAX = 5000
SUMMARY_MAX = 20_000
SECRETARY_MAX = 120
ATTENDANCE_MAX = 100_000
DIRECTIONS = ("up", "down")


@dataclass(frozen=True)
class QuestionEntry:
    """A question in the list, with the duplicates merged into it."""

    question: Question
    duplicates: tuple[Question, ...] = ()

    @property
    def times_asked(self) -> int:
        return 1 + len(self.duplicates)

    @property
    def answered(self) -> bool:
        return bool(self.question.answer)


def _in_order() -> tuple:
    placed_first = sa.case((Question.position > 0, 0), else_=1)
    return (placed_first, Question.position, Question.id)


def question_list(session: DialogueSession) -> list[QuestionEntry]:
    """The session's questions in their order (merged duplicates attached, not listed)."""
    rows = list(
        db.session.execute(
            sa.select(Question).where(Question.session_id == session.id).order_by(*_in_order())
        ).scalars()
    )
    duplicates: dict[int, list[Question]] = {}
    for question in rows:
        if question.merged_into_id is not None:
            duplicates.setdefault(question.merged_into_id, []).append(question)
    return [
        QuestionEntry(question, tuple(duplicates.get(question.id, ())))
        for question in rows
        if question.merged_into_id is None
    ]


# ---------------------------------------------------------------- helpers


def _require_locked(actor: User, session: DialogueSession, action: ConferenceAction) -> None:
    """Lock the session's row for this transaction, read it again, then require the action
    of its current state (so that two officers' changes cannot cross).

    PostgreSQL takes a row lock; SQLite's write transaction (BEGIN IMMEDIATE) already
    serialises writers, and SQLAlchemy leaves FOR UPDATE out there."""
    db.session.execute(
        sa.select(DialogueSession.id).where(DialogueSession.id == session.id).with_for_update()
    )
    db.session.refresh(session)
    policy.require_session(actor, session, action)


def _open_for_questions(actor: User, session: DialogueSession) -> None:
    _require_locked(actor, session, ConferenceAction.HANDLE_QUESTIONS)


def _question_in(session: DialogueSession, question_id: int | None, field=None) -> Question:
    question = db.session.get(Question, question_id) if question_id is not None else None
    if question is None or question.session_id != session.id:
        raise DomainError(_l("This question is not one of this conference's."), field)
    return question


def _top_level(session: DialogueSession) -> list[Question]:
    return list(
        db.session.execute(
            sa.select(Question)
            .where(Question.session_id == session.id, Question.merged_into_id.is_(None))
            .order_by(*_in_order())
        ).scalars()
    )


def _renumber(session: DialogueSession) -> list[Question]:
    """Number the listed questions 1..n in their current order; returns them in order."""
    questions = _top_level(session)
    for number, question in enumerate(questions, start=1):
        if question.position != number:
            question.position = number
    db.session.flush()
    return questions


# ---------------------------------------------------------------- changing the list


def add_floor_question(actor: User, session: DialogueSession, text: str) -> Question:
    """Record a question raised from the floor; it goes to the end of the list."""
    _open_for_questions(actor, session)
    text = (text or "").strip()
    if not text:
        raise DomainError(_l("Please enter the question."), "text")
    if len(text) > QUESTION_MAX:
        raise DomainError(
            _l("The question is too long: at most %(max)d characters.", max=QUESTION_MAX), "text"
        )
    listed = _renumber(session)
    question = Question(
        ward_id=session.ward_id,
        session_id=session.id,
        text=text,
        from_floor=True,
        position=len(listed) + 1,
    )
    db.session.add(question)
    db.session.flush()
    return question


def merge_questions(
    actor: User, session: DialogueSession, duplicate_id: int, into_id: int | None
) -> Question:
    """Merge a repeated question into the one it repeats; returns that one.

    The duplicate leaves the list; an answer it had moves to the target if the target has
    none, and questions merged into the duplicate follow it to the target."""
    _open_for_questions(actor, session)
    if into_id is None:
        raise DomainError(_l("Choose the question it repeats."), "into_id")
    if into_id == duplicate_id:
        raise DomainError(_l("A question cannot be merged into itself."), "into_id")
    duplicate = _question_in(session, duplicate_id)
    target = _question_in(session, into_id, "into_id")
    if duplicate.merged_into_id is not None:
        raise DomainError(_l("This question has already been merged into another."))
    if target.merged_into_id is not None:
        raise DomainError(
            _l("That question has itself been merged; choose the question it was merged into."),
            "into_id",
        )
    db.session.execute(
        sa.update(Question)
        .where(Question.merged_into_id == duplicate.id)
        .values(merged_into_id=target.id)
        .execution_options(synchronize_session="fetch")
    )
    duplicate.merged_into_id = target.id
    if duplicate.answer and not target.answer:
        target.answer = duplicate.answer
        target.answered_at = duplicate.answered_at
        target.answered_by_id = duplicate.answered_by_id
    duplicate.answer = ""
    duplicate.answered_at = None
    duplicate.answered_by_id = None
    db.session.flush()
    _renumber(session)  # close the gap the duplicate left
    return target


def move_question(actor: User, session: DialogueSession, question_id: int, direction: str) -> None:
    """Move a question one place up or down; the list is numbered 1..n again."""
    _open_for_questions(actor, session)
    if direction not in DIRECTIONS:
        raise DomainError(_l("Choose whether to move the question up or down."))
    question = _question_in(session, question_id)
    if question.merged_into_id is not None:
        raise DomainError(_l("A merged question has no place of its own in the list."))
    listed = _renumber(session)
    here = listed.index(question)
    there = here - 1 if direction == "up" else here + 1
    if there < 0:
        raise DomainError(_l("This question is already the first."))
    if there >= len(listed):
        raise DomainError(_l("This question is already the last."))
    other = listed[there]
    question.position, other.position = other.position, question.position
    db.session.flush()


def answer_question(
    actor: User,
    session: DialogueSession,
    question_id: int,
    answer: str,
    now: datetime | None = None,
) -> Question:
    """Record (or correct) the chairman's answer to a question, until the results are out."""
    _open_for_questions(actor, session)
    answer = (answer or "").strip()
    if not answer:
        raise DomainError(_l("Please enter the answer."), "answer")
    if len(answer) > ANSWER_MAX:
        raise DomainError(
            _l("The answer is too long: at most %(max)d characters.", max=ANSWER_MAX), "answer"
        )
    question = _question_in(session, question_id)
    if question.merged_into_id is not None:
        raise DomainError(_l("This question was merged into another; answer that one instead."))
    question.answer = answer
    question.answered_at = now or utcnow()
    question.answered_by_id = actor.id
    db.session.flush()
    return question


# ---------------------------------------------------------------- minutes and results


def save_minutes(
    actor: User,
    session: DialogueSession,
    attendance_count: int | None,
    summary: str,
    secretary: str,
) -> None:
    """Record the minutes of a held conference: attendance, summary, the secretary's name."""
    _require_locked(actor, session, ConferenceAction.RECORD_MINUTES)
    problems = Problems()
    if attendance_count is None or not 0 <= attendance_count <= ATTENDANCE_MAX:
        problems.add(
            "attendance_count",
            _l(
                "Enter the number of people who attended, from 0 to %(max)d.",
                max=ATTENDANCE_MAX,
            ),
        )
    summary = (summary or "").strip()
    if not summary:
        problems.add("summary", _l("Please enter the summary of the minutes."))
    elif len(summary) > SUMMARY_MAX:
        problems.add(
            "summary",
            _l("The summary is too long: at most %(max)d characters.", max=SUMMARY_MAX),
        )
    secretary = " ".join((secretary or "").split())
    if not secretary:
        problems.add("secretary", _l("Enter the name of the secretary who took the minutes."))
    elif len(secretary) > SECRETARY_MAX:
        problems.add(
            "secretary",
            _l("The name is too long: at most %(max)d characters.", max=SECRETARY_MAX),
        )
    problems.raise_if_any()
    session.attendance_count = attendance_count
    session.minutes_summary = summary
    session.secretary = secretary
    db.session.flush()


def publish_results(
    actor: User, session: DialogueSession, url_for_public: str, now: datetime | None = None
) -> int:
    """Publish the results of a held conference: the minutes and every question with its
    answer appear on the public page (never the askers' names or phones), and everyone who
    sent a question is told once, in their language. Returns how many were told."""
    now = now or utcnow()
    _require_locked(actor, session, ConferenceAction.PUBLISH_RESULTS)
    _renumber(session)  # the public order is the order the officers set
    published = db.session.execute(
        sa.update(DialogueSession)
        .where(DialogueSession.id == session.id, DialogueSession.status == SessionStatus.HELD)
        .values(status=SessionStatus.RESULTS_PUBLISHED, results_published_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if published != 1:  # pragma: no cover - the row lock above already rules this out
        raise StateConflict(_l("The results have already been published."))
    db.session.refresh(session)
    return _tell_askers(session, url_for_public)


def _tell_askers(session: DialogueSession, url_for_public: str) -> int:
    """One message per person who asked (merged duplicates included), however many
    questions or bookings they had."""
    asked = sa.select(Question.booking_id).where(
        Question.session_id == session.id, Question.booking_id.is_not(None)
    )
    bookings = db.session.execute(
        sa.select(Booking).where(Booking.id.in_(asked)).order_by(Booking.id)
    ).scalars()
    seen: set[tuple[str, object]] = set()
    told = 0
    for booking in bookings:
        who = ("user", booking.user_id) if booking.user_id else ("phone", booking.guest_phone)
        if who in seen:
            continue
        seen.add(who)
        if messages.notify(
            booking, "results_published", url=url_for_public, dedupe_key=f"results:{booking.id}"
        ):
            told += 1
    return told
