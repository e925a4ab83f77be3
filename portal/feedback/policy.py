"""Who may do what to a feedback item, now: its lifecycle (which status may follow which)
and the actions of the ward's officers and of the resident who sent it. The services
require their action from here first; the pages show a control exactly when its action is
in `actions(...)`."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal.auth.models import User
from portal.codes import format_code
from portal.domain import StateConflict
from portal.feedback.models import FINAL_STATUSES, Feedback, FeedbackStatus
from portal.policy import Lifecycle
from portal.security import is_officer_of, is_resident

S = FeedbackStatus

# Which statuses each status may move to (the resident's reopening included).
TRANSITIONS: dict[FeedbackStatus, frozenset[FeedbackStatus]] = {
    S.RECEIVED: frozenset(
        {S.IN_PROGRESS, S.WAITING, S.ANSWERED, S.TRANSFERRED, S.REJECTED, S.MERGED}
    ),
    S.IN_PROGRESS: frozenset({S.WAITING, S.ANSWERED, S.TRANSFERRED, S.REJECTED, S.MERGED}),
    S.WAITING: frozenset({S.IN_PROGRESS, S.ANSWERED, S.TRANSFERRED, S.REJECTED, S.MERGED}),
    S.ANSWERED: frozenset({S.CLOSED, S.IN_PROGRESS}),
    S.CLOSED: frozenset(),
    S.TRANSFERRED: frozenset(),
    S.REJECTED: frozenset(),
    S.MERGED: frozenset(),
}


def may_move(old: FeedbackStatus, new: FeedbackStatus) -> bool:
    return new in TRANSITIONS[old]


class Action(enum.StrEnum):
    # The ward's officers
    ASSIGN = "assign"
    NOTE = "note"  # an internal note
    READ_NOTES = "read_notes"  # internal notes and the sender's contact details
    REPLY = "reply"  # a public reply (or the answer) to a sender who can receive it
    RECORD_OUTCOME = "record_outcome"  # nobody can receive a reply: record what was done, close
    REQUEST_INFO = "request_info"  # ask the sender; the deadline pauses
    RESUME = "resume"  # back into work without the sender's reply
    TRANSFER = "transfer"
    REJECT = "reject"
    CLOSE = "close"
    SET_URGENCY = "set_urgency"  # khẩn / phức tạp / thông thường
    MERGE = "merge"  # a duplicate into another item of the ward (see merge_refusal)
    # The resident who sent it
    ADD_INFORMATION = "add_information"
    RESPOND = "respond"  # resolved or not, and a rating of the answer
    ALLOW_PUBLICATION = "allow_publication"  # consent to publish it without the name
    WITHDRAW_PUBLICATION = "withdraw_publication"  # take that consent back


OFFICER_ACTIONS = frozenset(
    {
        Action.ASSIGN,
        Action.NOTE,
        Action.READ_NOTES,
        Action.REPLY,
        Action.RECORD_OUTCOME,
        Action.REQUEST_INFO,
        Action.RESUME,
        Action.TRANSFER,
        Action.REJECT,
        Action.CLOSE,
        Action.SET_URGENCY,
        Action.MERGE,
    }
)
SENDER_ACTIONS = frozenset(
    {
        Action.ADD_INFORMATION,
        Action.RESPOND,
        Action.ALLOW_PUBLICATION,
        Action.WITHDRAW_PUBLICATION,
    }
)


def _leading_to(status: FeedbackStatus) -> frozenset[FeedbackStatus]:
    """The statuses from which the lifecycle allows a move to `status`."""
    return frozenset(old for old, new in TRANSITIONS.items() if status in new)


# Still in the ward's hands: received, in progress, or waiting for the sender.
IN_HAND = _leading_to(S.ANSWERED)

# The statuses each action starts from; an action that moves the item starts where the
# lifecycle allows that move.
STARTS_FROM: dict[Action, frozenset[FeedbackStatus]] = {
    Action.ASSIGN: frozenset(FeedbackStatus) - frozenset(FINAL_STATUSES),
    Action.NOTE: frozenset(FeedbackStatus),
    Action.READ_NOTES: frozenset(FeedbackStatus),
    Action.REPLY: IN_HAND,
    Action.RECORD_OUTCOME: IN_HAND,
    Action.REQUEST_INFO: _leading_to(S.WAITING),
    Action.RESUME: frozenset({S.WAITING}),
    Action.TRANSFER: _leading_to(S.TRANSFERRED),
    Action.REJECT: _leading_to(S.REJECTED),
    Action.CLOSE: _leading_to(S.CLOSED),
    Action.SET_URGENCY: IN_HAND,
    Action.MERGE: _leading_to(S.MERGED),
    Action.ADD_INFORMATION: IN_HAND,
    Action.RESPOND: frozenset({S.ANSWERED}),
    Action.ALLOW_PUBLICATION: frozenset(FeedbackStatus),
    Action.WITHDRAW_PUBLICATION: frozenset(FeedbackStatus),
}

NOT_NOW = _l("This action is not possible in the feedback's current status.")
WHY_NOT = {
    Action.CLOSE: _l("Only answered feedback can be closed."),
    Action.MERGE: _l("Only feedback still being handled can be merged into another."),
    Action.ADD_INFORMATION: _l("This feedback is no longer open for new information."),
    Action.RESPOND: _l("You can respond once the feedback has been answered."),
}


def reachable(item: Feedback) -> bool:
    """Whether a reply reaches the sender: an account, a phone number or an e-mail address
    to tell, or the Open311 application that filed it. A dissatisfied rating's case has
    none: the resident stays anonymous."""
    return bool(item.user_id or item.contact_phone or item.contact_email or item.api_key_id)


def _permitted(actor: User | None, item: Feedback) -> set[Action]:
    if is_officer_of(actor, item.ward_id):
        return set(OFFICER_ACTIONS)
    if is_resident(actor) and item.user_id is not None and item.user_id == actor.id:
        return set(SENDER_ACTIONS)
    return set()


def _blocked(actor, item: Feedback, now: datetime, wanted: set[Action]) -> dict[Action, object]:
    reasons = {
        action: WHY_NOT.get(action, NOT_NOW)
        for action in wanted
        if item.status not in STARTS_FROM[action]
    }
    if Action.REPLY in wanted and not reachable(item):
        reasons.setdefault(
            Action.REPLY,
            _l("Nobody can receive a reply to this feedback: record the outcome instead."),
        )
    if Action.REQUEST_INFO in wanted and not reachable(item):
        reasons.setdefault(
            Action.REQUEST_INFO, _l("Nobody can be asked: the sender left no way to reach them.")
        )
    if Action.ALLOW_PUBLICATION in wanted and item.publish_allowed:
        reasons.setdefault(Action.ALLOW_PUBLICATION, _l("Publication is already allowed."))
    if Action.WITHDRAW_PUBLICATION in wanted and not item.publish_allowed:
        reasons.setdefault(Action.WITHDRAW_PUBLICATION, _l("Publication is not allowed."))
    if Action.RECORD_OUTCOME in wanted and reachable(item):
        reasons.setdefault(
            Action.RECORD_OUTCOME, _l("The sender can be answered: reply to them instead.")
        )
    return reasons


def merge_refusal(item: Feedback, target: Feedback):
    """Why `item` may not be merged into `target` (None when it may): the target must be
    another item of the same ward and category, still in the ward's hands, so that its
    answer is the one the duplicate's sender waits for."""
    if target.id == item.id:
        return _l("Feedback cannot be merged into itself.")
    if target.ward_id != item.ward_id:
        return _l("Feedback can only be merged into feedback of the same ward.")
    if target.category_id != item.category_id:
        return _l("Feedback can only be merged into feedback of the same category.")
    if target.status == S.MERGED:
        return _l(
            "That feedback has itself been merged into %(code)s: merge into that one.",
            code=format_code(target.merged_into.code) if target.merged_into else "—",
        )
    if target.status in FINAL_STATUSES:
        return _l("That feedback is closed: feedback can only be merged into open feedback.")
    if target.status not in IN_HAND:
        return _l("That feedback has already been answered: reply to this feedback instead.")
    return None


FEEDBACK = Lifecycle(
    "feedback",
    Action,
    _permitted,
    _blocked,
    _l("Only the ward's officers may handle this feedback."),
)

# What `actor` may do to the item now; the same for a template; refuse (403 or 409) one.
actions = FEEDBACK.actions
allowed = FEEDBACK.allowed
require = FEEDBACK.require


def require_merge(actor: User, item: Feedback, target: Feedback, now=None) -> None:
    """Refuse, before anything changes, merging `item` into `target`: the action first (403
    or 409), then the pair (409 with the reason)."""
    require(actor, item, Action.MERGE, now)
    reason = merge_refusal(item, target)
    if reason is not None:
        raise StateConflict(reason)
