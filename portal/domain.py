"""Errors that services raise and views turn into form messages or flashes."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. `message` is translatable text; `field` names the form field, if any."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


class PermissionDenied(DomainError):
    """The actor may not do this (views answer 403)."""
