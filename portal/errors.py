"""Translated, styled error pages that reveal nothing internal."""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import (
    Flask,
    current_app,
    g,
    jsonify,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.domain import Refusal
from portal.extensions import db, limiter, login_manager
from portal.security import is_safe_next

MESSAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please go back and try again."),
    ),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("The page you are looking for does not exist or has moved.")),
    405: (_l("Not allowed"), _l("This action is not allowed here.")),
    409: (_l("Not possible now"), _l("This can no longer be done, or not yet.")),
    413: (
        _l("File too large"),
        _l("What you sent is larger than the portal accepts. Please send a smaller file."),
    ),
    429: (
        _l("Too many attempts"),
        _l("You have tried too many times. Please wait a few minutes and try again."),
    ),
    503: (
        _l("Service temporarily unavailable"),
        _l(
            "The portal cannot reach its data at the moment, and nothing was saved. "
            "Please try again in a few minutes."
        ),
    ),
    500: (
        _l("Something went wrong"),
        _l("An error occurred on our side. It has been logged; please try again later."),
    ),
}
CSRF_MESSAGE = (
    _l("Your form has expired"),
    _l(
        "For your security the form expired or was sent from elsewhere. "
        "Reload the page and send it again."
    ),
)


def _render(code: int, title, message, back=None, template=None, back_label=None):
    if request.path.startswith("/healthz") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=code, message=str(message)), code
    page = template or "errors/error.html"
    context = {"code": code, "title": title, "message": message, "back": back}
    return render_template(page, back_label=back_label, **context), code


def _page_before() -> str | None:
    """The page of this site the refused form was sent from, to go back to."""
    referrer = request.referrer or ""
    prefix = request.host_url.rstrip("/")
    path = referrer[len(prefix) :] if referrer.startswith(prefix + "/") else None
    return path if path and is_safe_next(path) and path != request.path else None


def handle_http(error: HTTPException):
    code = error.code or 500
    title, message = MESSAGES.get(code, (error.name, MESSAGES[400][1]))
    if code == 429:
        return _too_many(title, message)
    return _render(code, title, message)


# Where a person who tried too often can still get in, by the page they were throttled on.
WAYS_ROUND = {"auth.login": ("recovery.code_login", _l("Log in with a code sent by SMS instead"))}


def seconds_to_wait() -> int | None:
    """Seconds until the limit this request broke lets it through again, if one did."""
    current = limiter.current_limit
    if current is None:
        return None
    return max(1, int(current.reset_at - time.time()) + 1)


def with_retry_after(response):
    """The response with Retry-After, when the request broke a rate limit."""
    wait = seconds_to_wait()
    if wait is not None:
        response.headers["Retry-After"] = str(wait)
    return response


def _too_many(title, message):
    """429, saying when to try again (Retry-After), and the way that is still open: wrong
    passwords typed by a stranger never lock the owner out of the code login; codes looked up
    in vain, how many minutes to wait."""
    way = WAYS_ROUND.get(request.endpoint)
    back = url_for(way[0]) if way else None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "code_lookup", False):
        message = _(
            "Too many codes that match nothing have been tried from this connection. Please "
            "check the code and try again in %(minutes)d minutes.",
            minutes=max(1, -(-((seconds_to_wait() or 60) - 1) // 60)),
        )
    response = make_response(
        _render(429, title, message, back=back, back_label=way[1] if way else None)
    )
    return with_retry_after(response)


def handle_csrf(error: CSRFError):
    return _render(400, *CSRF_MESSAGE)


def handle_refusal(error: Refusal):
    """Every refused action, from any view: nothing of it is kept; a 403 page, or a 409
    page when the item's state does not allow it now, saying why and leading back (a
    refusal may bring its own page: the rating link's neutral one)."""
    db.session.rollback()
    code = error.status
    title = MESSAGES[code][0]
    template = getattr(error, "template", None)
    response = make_response(
        _render(code, title, error.message, back=_page_before(), template=template)
    )
    retry_after = getattr(error, "retry_after", None)
    if retry_after:  # too soon for another code: when it may be asked again
        response.headers["Retry-After"] = str(retry_after)
    return response


def handle_database_unavailable(error: Exception):
    """The database did not answer (unreachable, too slow, locked): what the request did is
    undone, and the page says so with a 503 and when to come back, instead of a 500. The
    page is drawn for an anonymous visitor: loading the account would ask the database."""
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        db.session.close()
    g._login_user = login_manager.anonymous_user()
    current_app.logger.error(
        "database unavailable on %s %s: %s", request.method, request.path, type(error).__name__
    )
    response = make_response(_render(503, *MESSAGES[503]))
    response.headers["Retry-After"] = str(current_app.config.get("DATABASE_RETRY_AFTER", 30))
    return response


def handle_unexpected(error: Exception):
    db.session.rollback()
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return _render(500, *MESSAGES[500])


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(Refusal, handle_refusal)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(sa.exc.OperationalError, handle_database_unavailable)
    app.register_error_handler(sa.exc.TimeoutError, handle_database_unavailable)  # pool full
    app.register_error_handler(Exception, handle_unexpected)


def unavailable_page(app: Flask) -> str:
    """The page nginx shows when no app server answers (docs/deployment.md, section 6):
    Vietnamese, then English, each in its own words."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    texts = []
    with app.test_request_context("/"):
        for lang in ("vi", "en"):
            with force_locale(lang):
                texts.append(
                    {
                        "lang": lang,
                        "portal": _("Ward Portal"),
                        "title": _("The portal is briefly unavailable"),
                        "message": _(
                            "What you just sent may not have been done. Please wait a moment "
                            "and send it again."
                        ),
                        "booking": _(
                            "Booking a place again is safe: the portal never books anyone twice "
                            'for the same meeting, and "My bookings" shows what you already have.'
                        ),
                        "home": _("Back to the home page"),
                    }
                )
        return render_template("errors/unavailable.html", texts=texts)
