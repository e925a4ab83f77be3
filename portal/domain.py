"""Errors that services raise: broken rules that views put on forms or flash, and the two
refusals (PermissionDenied, StateConflict) that one app-wide handler answers."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. `message` is translatable text; `field` names the form field, if any."""

    def __init__(self, message, field: str | None = None, errors: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        # Several problems at once, {field: message}, so a form shows them all in one go.
        self.errors = errors or ({field: message} if field else {})


class Refusal(Exception):
    """An action refused as a whole, whatever was typed: not a form's problem, so views do
    not catch it; one app-wide handler rolls back and answers with a page that says why."""

    status = 403
    template: str | None = None  # the page that answers it, when not the error page

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


class PermissionDenied(Refusal):
    """The actor may never do this to this item (answered with a 403 page)."""


class StateConflict(Refusal):
    """The actor could do this, but not in the item's state now: it was already done, it is
    too late or too early (answered with a 409 page that gives the reason)."""

    status = 409


class Problems:
    """Collect the problems of several checks, then raise them together."""

    def __init__(self) -> None:
        self.errors: dict[str, object] = {}

    def check(self, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DomainError as error:
            for field, message in error.errors.items() or [(error.field, error.message)]:
                self.errors.setdefault(field or "", message)
            return None

    def add(self, field: str, message) -> None:
        self.errors.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self.errors:
            field, message = next(iter(self.errors.items()))
            raise DomainError(message, field or None, errors=dict(self.errors))
