"""Errors that services raise and views turn into form messages or flashes."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. `message` is translatable text; `field` names the form field, if any."""

    def __init__(self, message, field: str | None = None, errors: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        # Several problems at once, {field: message}, so a form shows them all in one go.
        self.errors = errors or ({field: message} if field else {})


class PermissionDenied(DomainError):
    """The actor may not do this (views answer 403)."""


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
