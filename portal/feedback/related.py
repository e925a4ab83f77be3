"""Links that other features add to a feedback item's page for officials (the rated dossier
of a case opened by a dissatisfied rating), so that feedback needs to know none of them.
A feature registers a provider when the app is built; a provider returns a link or None."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app

from portal.feedback.models import Feedback

KEY = "feedback.related_links"


@dataclass(frozen=True)
class RelatedLink:
    label: str
    url: str


Provider = Callable[[Feedback], RelatedLink | None]


def register(app: Flask, provider: Provider) -> None:
    app.extensions.setdefault(KEY, []).append(provider)


def links_for(item: Feedback) -> list[RelatedLink]:
    found = (provider(item) for provider in current_app.extensions.get(KEY, ()))
    return [link for link in found if link is not None]
