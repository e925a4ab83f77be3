"""Who may do what to an item, now: the shape every lifecycle's policy takes.

A lifecycle (a conference, a booking, a feedback item, a dossier...) answers one question
in one place: `actions(actor, item, now)`, the set of actions this person may take on this
item at this moment. It is built from two parts that each lifecycle writes once:

- `permitted(actor, item)`: what this person's role and relation to the item allow at all
  (an officer of the item's ward, the resident who owns it...);
- `blocked(actor, item, now, wanted)`: for the wanted actions that the item's state does not
  allow now, the reason, in words a user can read ("Only a draft can be published.").

Services start with `require(...)`, which refuses an action that is not permitted with
`PermissionDenied` (a 403 page) and one the state blocks with `StateConflict` (a 409 page
that gives the reason); templates show a control exactly when its action is in the set.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from portal.db import utcnow
from portal.domain import PermissionDenied, StateConflict

A = TypeVar("A", bound=enum.Enum)

__all__ = ["Allowed", "Lifecycle", "PermissionDenied", "StateConflict", "UnknownAction"]


class UnknownAction(Exception):  # noqa: N818 - not an AttributeError: Jinja must not hide it
    """A template asked for an action its lifecycle does not have (a typo, not a refusal)."""


@dataclass(frozen=True)
class Lifecycle(Generic[A]):
    """The policy of one kind of item. `permitted` and `blocked` are the lifecycle's own;
    `refusal` is the message of a PermissionDenied. `actor` is None for an anonymous visitor."""

    name: str
    action: type[A]
    permitted: Callable[[Any, Any], set[A]]
    blocked: Callable[[Any, Any, datetime, set[A]], dict[A, object]]
    refusal: object

    def actions(self, actor, item, now: datetime | None = None) -> set[A]:
        """Every action `actor` may take on `item` at `now`."""
        actor = _person(actor)
        allowed = self.permitted(actor, item)
        if not allowed:
            return set()
        return allowed - self.blocked(actor, item, now or utcnow(), set(allowed)).keys()

    def require(self, actor, item, action: A, now: datetime | None = None) -> None:
        """Refuse, before anything changes, an action the actor may not take now."""
        actor = _person(actor)
        if action not in self.permitted(actor, item):
            raise PermissionDenied(self.refusal)
        reason = self.blocked(actor, item, now or utcnow(), {action}).get(action)
        if reason is not None:
            raise StateConflict(reason)

    def why_not(self, actor, item, action: A, now: datetime | None = None):
        """The reason the actor may not take the action now (None when they may)."""
        actor = _person(actor)
        if action not in self.permitted(actor, item):
            return self.refusal
        return self.blocked(actor, item, now or utcnow(), {action}).get(action)

    def allowed(self, actor, item, now: datetime | None = None) -> Allowed:
        """The actions as a template reads them: `may.publish`."""
        return Allowed(self.action, self.actions(actor, item, now))


def _person(actor):
    """The logged-in user, or None for an anonymous visitor (Flask-Login's stand-in)."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


class Allowed:
    """A set of actions that templates test by name (`{% if may.reply %}`). Asking for a
    name the lifecycle does not have raises UnknownAction instead of hiding a control."""

    __slots__ = ("_enum", "_actions")

    def __init__(self, action_enum: type[enum.Enum], actions: Iterable[enum.Enum]) -> None:
        self._enum = action_enum
        self._actions = frozenset(actions)

    def __getattr__(self, name: str) -> bool:
        try:
            action = self._enum[name.upper()]
        except KeyError:
            raise UnknownAction(f"{self._enum.__name__} has no action {name!r}") from None
        return action in self._actions

    def __contains__(self, action: object) -> bool:
        return action in self._actions

    def __iter__(self):
        return iter(sorted(self._actions, key=lambda a: a.value))

    def __bool__(self) -> bool:
        return bool(self._actions)

    def __repr__(self) -> str:
        return f"Allowed({', '.join(a.value for a in self)})"
