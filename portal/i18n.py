"""Locale and time zone selection, and the startup check that catalogues exist."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel import Locale
from flask import current_app, g, has_request_context, request, session
from flask_babel import Domain, get_locale
from flask_login import current_user

from portal.extensions import babel


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


class RequestDomain(Domain):
    """Flask-Babel's default domain, whose catalogue is looked up once per request (and again
    whenever force_locale switches the language) instead of at every gettext: a dashboard
    translates some 400 strings in Python, a list page hundreds in its template."""

    def get_translations(self):
        return _request_translations(self)


def _request_translations(domain: Domain):
    if not g:  # no application context: Flask-Babel's own answer (no translation)
        return Domain.get_translations(domain)
    state = g.get("_flask_babel")
    cached = getattr(state, "portal_translations", None)
    if (
        cached is not None
        and cached[0] is domain
        and cached[1] is getattr(state, "babel_locale", None)
    ):
        return cached[2]
    translations = Domain.get_translations(domain)  # sets g._flask_babel.babel_locale
    g._flask_babel.portal_translations = (domain, get_locale(), translations)
    return translations


def _template_translations():
    return _request_translations(babel.domain_instance)


def install_template_gettext(app) -> None:
    """Python code and templates translate through RequestDomain (same results as
    Flask-Babel's own domain, a fraction of the cost)."""
    installed = babel.__dict__.get("domain_instance")  # (Babel's cached property)
    if not isinstance(installed, RequestDomain):  # once: the instance keeps the catalogues
        babel.domain_instance = RequestDomain(domain=app.extensions["babel"].default_domain)
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _template_translations().ugettext(s),
        ngettext=lambda s, p, n: _template_translations().ungettext(s, p, n),
        pgettext=lambda c, s: _template_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _template_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
