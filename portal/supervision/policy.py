"""Who may do what to a supervision recommendation, now. The ward's chairman answers it while
it waits for an answer; its author (the ward's Fatherland Front supervisor) may withdraw it
until then; the ward's chairman and supervisors, and the city administrator, read it. Sending
one is the ward's supervisor's (`may_send`). Services require their action from here first;
the pages show a control exactly when its action is in `actions(...)`."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.domain import PermissionDenied
from portal.policy import Lifecycle
from portal.security import CITY_ADMINS, SUPERVISORS, WARD_MANAGERS
from portal.supervision.models import RecommendationState, SupervisionRecommendation

S = RecommendationState


class Action(enum.StrEnum):
    VIEW = "view"  # the ward's chairman and supervisors, the city administrator
    ANSWER = "answer"  # the ward's chairman
    WITHDRAW = "withdraw"  # its author, before an answer


# The states each action starts from.
STARTS_FROM: dict[Action, frozenset[RecommendationState]] = {
    Action.VIEW: frozenset(RecommendationState),
    Action.ANSWER: frozenset({S.SENT}),
    Action.WITHDRAW: frozenset({S.SENT}),
}
WHY_NOT = {
    Action.ANSWER: _l("Only a recommendation waiting for an answer can be answered."),
    Action.WITHDRAW: _l("Only a recommendation not answered yet can be withdrawn."),
}


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_supervisor_of(actor: User | None, ward_id: int | None) -> bool:
    """The ward's Fatherland Front supervisor."""
    return _signed_in(actor) and actor.role in SUPERVISORS and actor.ward_id == ward_id


def is_chairman_of(actor: User | None, ward_id: int | None) -> bool:
    """The ward's chairman (who answers the recommendations)."""
    return _signed_in(actor) and actor.role in WARD_MANAGERS and actor.ward_id == ward_id


def may_send(actor: User | None) -> bool:
    """Whether `actor` may send a recommendation (to their own ward's chairman)."""
    return (
        _signed_in(actor) and actor.ward_id is not None and is_supervisor_of(actor, actor.ward_id)
    )


def require_send(actor: User | None) -> None:
    if not may_send(actor):
        raise PermissionDenied(
            _l("Only the ward's Fatherland Front supervisor may send a recommendation.")
        )


def _permitted(actor: User | None, item: SupervisionRecommendation) -> set[Action]:
    if actor is None:
        return set()
    if is_chairman_of(actor, item.ward_id):
        return {Action.VIEW, Action.ANSWER}
    if is_supervisor_of(actor, item.ward_id):
        return {Action.VIEW, Action.WITHDRAW} if item.author_id == actor.id else {Action.VIEW}
    if actor.role in CITY_ADMINS:
        return {Action.VIEW}
    return set()


def _blocked(
    actor, item: SupervisionRecommendation, now: datetime, wanted: set[Action]
) -> dict[Action, object]:
    return {action: WHY_NOT[action] for action in wanted if item.state not in STARTS_FROM[action]}


RECOMMENDATION = Lifecycle(
    "supervision_recommendation",
    Action,
    _permitted,
    _blocked,
    _l("Only the ward's chairman and Fatherland Front supervisor may do this."),
)

# What `actor` may do to the recommendation now; the same for a template; refuse one.
actions = RECOMMENDATION.actions
allowed = RECOMMENDATION.allowed
require = RECOMMENDATION.require
