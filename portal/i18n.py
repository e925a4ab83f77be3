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


def _template_translations():
    """The current language's catalogue, looked up once per request (and again whenever
    force_locale switches the language) instead of at every string of a template."""
    from flask import g
    from flask_babel import get_locale, get_translations

    state = g._flask_babel if "_flask_babel" in g else None
    locale = getattr(state, "babel_locale", None) if state is not None else None
    cached = getattr(state, "portal_template_translations", None)
    if locale is None or cached is None or cached[0] is not locale:
        translations = get_translations()
        locale = get_locale()
        g._flask_babel.portal_template_translations = (locale, translations)
        return translations
    return cached[1]


def install_template_gettext(app) -> None:
    """Templates translate through `_template_translations` (same results as Flask-Babel's
    callables, a fraction of the cost: a list page has hundreds of strings)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _template_translations().ugettext(s),
        ngettext=lambda s, p, n: _template_translations().ungettext(s, p, n),
        pgettext=lambda c, s: _template_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _template_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
