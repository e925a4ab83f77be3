"""Locale and time zone selection, and the startup check that catalogues exist."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel import Locale
from flask import current_app, has_request_context, request, session
from flask_login import current_user


@cache
def _parsed(code: str) -> Locale:
    return Locale.parse(code)


def select_locale() -> Locale:
    """The user's saved choice, then the session, then Accept-Language, then Vietnamese."""
    return _parsed(_choose_locale())


def _choose_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # command line, workers: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    best = request.accept_languages.best_match(languages)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def check_catalogues(app) -> None:
    """Fail at startup when a configured language has no compiled catalogue."""
    base = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    missing = [
        lang
        for lang in app.config["LANGUAGES"]
        if not (base / lang / "LC_MESSAGES" / "messages.mo").is_file()
    ]
    if missing:
        raise RuntimeError(
            f"No compiled translations for {', '.join(missing)} in {base}: run `make translate`."
        )
