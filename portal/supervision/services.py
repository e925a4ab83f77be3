"""Supervision recommendations: the ward's Fatherland Front supervisor sends one to the
chairman (about a feedback item, a dialogue conference, a dossier, a procedure or a period's
figures), the chairman answers it within SUPERVISION_ANSWER_DAYS working days, its author may
withdraw it until then. The chairman is told when one arrives, the author when it is
answered (through the outbox, in the same transaction). Services flush, never commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.audit import services as audit
from portal.auth.models import User
from portal.codes import format_code, normalize_code
from portal.dashboard.periods import InvalidPeriod, parse_period
from portal.db import utcnow
from portal.dialogues.models import DialogueSession, SessionKind
from portal.domain import Problems, StateConflict
from portal.extensions import db
from portal.feedback.models import Feedback
from portal.satisfaction.models import Dossier, Procedure
from portal.security import CITY_ADMINS
from portal.supervision import messages, policy
from portal.supervision.models import RecommendationState, SubjectKind, SupervisionRecommendation
from portal.supervision.policy import Action
from portal.text import clean, fold
from portal.timeutil import local_today
from portal.workdays import add_working_days

TITLE_MAX = 200
TEXT_MAX = 10_000
ANSWER_MAX = 10_000
REFERENCE_MAX = 120
SOON_DAYS = 3  # the chairman's first screen lists those due within this many days
DEFAULT_ANSWER_DAYS = 15

S = RecommendationState


@dataclass
class RecommendationInput:
    """What the supervisor writes."""

    subject_kind: str
    reference: str
    title: str
    text: str


@dataclass(frozen=True)
class Subject:
    """A reference understood: as it is stored, and the item of the ward it names (if any)."""

    reference: str
    feedback_id: int | None = None
    session_id: int | None = None
    dossier_id: int | None = None
    procedure_id: int | None = None


def answer_days() -> int:
    return int(current_app.config.get("SUPERVISION_ANSWER_DAYS", DEFAULT_ANSWER_DAYS))


def due_date(sent_at: datetime) -> date:
    """The answer's deadline: SUPERVISION_ANSWER_DAYS working days after the Hà Nội day it
    was sent (that day not counted; weekends and public holidays not counted)."""
    return add_working_days(local_today(sent_at), answer_days())


def _text(problems: Problems, name: str, value: str, limit: int, required) -> str:
    value = clean(value or "")
    if not value:
        problems.add(name, required)
    elif len(value) > limit:
        problems.add(name, _l("At most %(max)d characters.", max=limit))
    return value


# ---------------------------------------------------------------- references

NOT_FOUND = {
    SubjectKind.FEEDBACK: _l("No feedback of this ward has this tracking code."),
    SubjectKind.CONFERENCE: _l("No dialogue conference of this ward has this number."),
    SubjectKind.DOSSIER: _l("No dossier of this ward has this receipt number."),
    SubjectKind.PROCEDURE: _l("No procedure of this ward's catalogue has this code or name."),
}


def _feedback(ward_id: int, reference: str) -> Subject | None:
    code = normalize_code(reference)
    found = db.session.execute(
        sa.select(Feedback.id, Feedback.code).where(
            Feedback.ward_id == ward_id, Feedback.code == code
        )
    ).first()
    return Subject(format_code(found.code), feedback_id=found.id) if found else None


def _conference(ward_id: int, reference: str) -> Subject | None:
    number = reference.lstrip("#").strip()
    if not re.fullmatch(r"\d{1,9}", number, re.ASCII):
        return None
    found = db.session.execute(
        sa.select(DialogueSession.id).where(
            DialogueSession.id == int(number),
            DialogueSession.ward_id == ward_id,
            DialogueSession.kind == SessionKind.CONFERENCE,
        )
    ).scalar()
    return Subject(str(found), session_id=found) if found else None


def _dossier(ward_id: int, reference: str) -> Subject | None:
    found = db.session.execute(
        sa.select(Dossier.id, Dossier.receipt_number)
        .where(
            Dossier.ward_id == ward_id,
            sa.or_(Dossier.receipt_number == reference, Dossier.national_code == reference),
        )
        .order_by(Dossier.id)
        .limit(1)
    ).first()
    return Subject(found.receipt_number, dossier_id=found.id) if found else None


def _procedure(ward_id: int, reference: str) -> Subject | None:
    rows = db.session.execute(
        sa.select(Procedure.id, Procedure.code, Procedure.name_vi)
        .where(Procedure.ward_id == ward_id)
        .order_by(Procedure.id)
    ).all()
    wanted = fold(reference)
    for row in rows:  # a catalogue is some tens of procedures
        if (row.code and row.code == reference) or fold(row.name_vi) == wanted:
            return Subject(row.code or row.name_vi, procedure_id=row.id)
    return None


FINDERS = {
    SubjectKind.FEEDBACK: _feedback,
    SubjectKind.CONFERENCE: _conference,
    SubjectKind.DOSSIER: _dossier,
    SubjectKind.PROCEDURE: _procedure,
}


def resolve(problems: Problems, ward_id: int, kind: SubjectKind, reference: str, now: datetime):
    """The subject the reference names in the ward, or None with the problem added: an item
    must be the ward's own; a period must be one the figures can be read for."""
    if kind == SubjectKind.PERIOD:
        try:
            period = parse_period(None, reference, local_today(now))
        except InvalidPeriod as error:
            problems.add("reference", error.message)
            return None
        if period.start > local_today(now):
            problems.add("reference", _l("This period has not started yet."))
            return None
        return Subject(period.key)
    found = FINDERS[kind](ward_id, reference)
    if found is None:
        problems.add("reference", NOT_FOUND[kind])
    return found


# ---------------------------------------------------------------- changes


def send(actor: User, data: RecommendationInput, now: datetime | None = None):
    """The ward's supervisor sends the chairman a recommendation. All problems are reported at
    once; nothing is saved unless everything is right. The ward's chairmen are told."""
    now = now or utcnow()
    policy.require_send(actor)
    ward_id = actor.ward_id
    problems = Problems()
    try:
        kind = SubjectKind(data.subject_kind)
    except ValueError:
        kind = None
        problems.add("subject_kind", _l("Choose what the recommendation is about."))
    reference = clean(data.reference or "")
    if kind is not None:
        if not reference:
            problems.add("reference", _l("Enter the code, number or period it is about."))
        elif len(reference) > REFERENCE_MAX:
            problems.add("reference", _l("At most %(max)d characters.", max=REFERENCE_MAX))
    title = _text(problems, "title", data.title, TITLE_MAX, _l("Give the recommendation a title."))
    text = _text(problems, "text", data.text, TEXT_MAX, _l("Write the recommendation."))
    subject = None
    if kind is not None and "reference" not in problems.errors:
        subject = resolve(problems, ward_id, kind, reference, now)
    problems.raise_if_any()

    item = SupervisionRecommendation(
        ward_id=ward_id,
        author_id=actor.id,
        subject_kind=kind,
        reference=subject.reference,
        feedback_id=subject.feedback_id,
        session_id=subject.session_id,
        dossier_id=subject.dossier_id,
        procedure_id=subject.procedure_id,
        title=title,
        text=text,
        sent_at=now,
        due_on=due_date(now),
        state=S.SENT,
        answer="",
    )
    db.session.add(item)
    db.session.flush()
    audit.note(subject=kind.value, due_on=item.due_on.isoformat())
    messages.tell_chairmen(item)
    return item


def answer(actor: User, item: SupervisionRecommendation, text: str, now: datetime | None = None):
    """The ward's chairman answers a recommendation waiting for an answer; its author is
    told. The state changes only if it is still waiting (two answers at once: one wins)."""
    now = now or utcnow()
    policy.require(actor, item, Action.ANSWER, now)
    problems = Problems()
    text = _text(problems, "answer", text, ANSWER_MAX, _l("Write the answer."))
    problems.raise_if_any()
    _move(item, S.ANSWERED, answer=text, answered_by_id=actor.id, answered_at=now)
    audit.note(late=item.due_on < local_today(now))
    messages.tell_author(item)
    return item


def withdraw(actor: User, item: SupervisionRecommendation, now: datetime | None = None):
    """Its author withdraws a recommendation not answered yet."""
    now = now or utcnow()
    policy.require(actor, item, Action.WITHDRAW, now)
    _move(item, S.WITHDRAWN, withdrawn_at=now)
    return item


def _move(item: SupervisionRecommendation, new: RecommendationState, **values) -> None:
    """Change a waiting recommendation's state with a conditional update, so that an answer
    and a withdrawal at the same moment (two workers) cannot both succeed: the second finds
    it no longer waiting and is refused."""
    done = db.session.execute(
        sa.update(SupervisionRecommendation)
        .where(SupervisionRecommendation.id == item.id, SupervisionRecommendation.state == S.SENT)
        .values(state=new, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        action = Action.ANSWER if new == S.ANSWERED else Action.WITHDRAW
        raise StateConflict(policy.WHY_NOT[action])
    db.session.refresh(item)


# ---------------------------------------------------------------- reading


def recommendations(viewer: User, ward_id: int | None = None, state: str | None = None):
    """The recommendations `viewer` may read, newest first: their ward's; the city
    administrator's every ward's (or one ward's)."""
    query = sa.select(SupervisionRecommendation)
    if viewer.role in CITY_ADMINS:
        if ward_id is not None:
            query = query.where(SupervisionRecommendation.ward_id == ward_id)
    else:
        query = query.where(SupervisionRecommendation.ward_id == viewer.ward_id)
    if state in set(RecommendationState):
        query = query.where(SupervisionRecommendation.state == RecommendationState(state))
    query = query.order_by(
        SupervisionRecommendation.sent_at.desc(), SupervisionRecommendation.id.desc()
    )
    return list(db.session.execute(query).scalars())


def is_overdue(item: SupervisionRecommendation, today: date | None = None) -> bool:
    """Waiting for an answer past its deadline."""
    return item.state == S.SENT and item.due_on < (today or local_today())


def pressing(ward_id: int, now: datetime | None = None) -> list[SupervisionRecommendation]:
    """The ward's recommendations waiting for an answer that are overdue or due within
    SOON_DAYS days: what the chairman's first screen lists, soonest deadline first."""
    latest = local_today(now) + timedelta(days=SOON_DAYS)
    return list(
        db.session.execute(
            sa.select(SupervisionRecommendation)
            .where(
                SupervisionRecommendation.ward_id == ward_id,
                SupervisionRecommendation.state == S.SENT,
                SupervisionRecommendation.due_on <= latest,
            )
            .order_by(SupervisionRecommendation.due_on, SupervisionRecommendation.id)
        ).scalars()
    )
