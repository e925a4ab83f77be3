"""What a sender says about a message it was given: taken (a Receipt), or refused."""

from __future__ import annotations

from dataclasses import dataclass

from portal.notifications.models import Channel


class ProviderRefused(Exception):
    """The provider answered but did not take the message. `permanent`: do not retry."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Receipt:
    """A message was taken: the provider's id of it, and, when it went another way than
    asked (a Zalo message sent as SMS), that channel and why."""

    provider_id: str | None = None
    channel: Channel | None = None
    note: str | None = None
