"""Helpers for thin views: one commit per request, domain errors onto forms.

Refusals (PermissionDenied, StateConflict) are not caught here: they are not a form's
problem, and the app-wide handler in errors.py answers them."""

from __future__ import annotations

from flask import flash, make_response, redirect, request, url_for
from flask_wtf import FlaskForm

from portal import pagecache
from portal.audit import services as audit
from portal.domain import DomainError
from portal.extensions import db
from portal.security import is_safe_next


def commit() -> None:
    """The one commit of a request; roll back and re-raise on failure. A change may show on
    a public page that this worker keeps (seats left, results, answers, wards served), so
    those copies are dropped: nobody is served a page older than the change they made.
    An official's change is recorded in the audit trail in the same transaction."""
    try:
        audit.for_request()
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    pagecache.clear()


def show_error(form: FlaskForm | None, error: DomainError) -> None:
    """Put a service's error on its form field, or flash it when no field fits. What the
    service did is undone, unless the error says it must be kept (a wrong code's try)."""
    if getattr(error, "keep", False):
        commit()
    else:
        db.session.rollback()
    for name, lazy_message in (error.errors or {error.field: error.message}).items():
        # A plain str, never a lazy string: Flask-Babel's lazy strings claim to be safe HTML
        # (__html__), so a message carrying user input would otherwise escape autoescaping.
        message = str(lazy_message)
        field = getattr(form, name, None) if form is not None and name else None
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            flash(message, "error")


def submit(form: FlaskForm | None, action, success, target):
    """The shape of a state-changing POST: run one service call, then commit, flash
    `success` and redirect to `target` (each a text, or a function of the call's result).
    A broken rule goes on the form (or in a flash) and the answer is None: the view shows
    its page again, with the errors."""
    try:
        result = action()
    except DomainError as error:
        show_error(form, error)
        return None
    db.session.flush()
    audit.created(result)
    # The message and the address are made before the commit, which expires every object:
    # made after, they would read the result again, on a connection of its own.
    message = success(result) if callable(success) else success
    location = target(result) if callable(target) else target
    commit()
    flash(message, "success")
    return redirect(location)


def perform(action, success, target: str, form: FlaskForm | None = None):
    """`submit` for a small form posted from another page: whatever happens, back to
    `target` (a broken rule is flashed there)."""
    return submit(form, action, success, target) or redirect(target)


def act(form: FlaskForm, action, success, target: str):
    """A small form posted from another page: its own problems flashed there, or `perform`."""
    if not form.validate_on_submit():
        flash_form_errors(form)
        return redirect(target)
    return perform(action, success, target)


def flash_form_errors(form: FlaskForm) -> None:
    """Flash a small form's validation errors (for forms posted from a list page)."""
    for errors in form.errors.values():
        for error in errors:
            flash(str(error), "error")


def next_target(default: str) -> str:
    """A safe `next` from the form or query string, else `default`."""
    target = request.form.get("next") or request.args.get("next")
    return target if is_safe_next(target) else default


def redirect_next(default_endpoint: str, **values):
    """Redirect to a safe `next` from the form or query string, else to a default page."""
    return redirect(next_target(url_for(default_endpoint, **values)))


def no_store(body, status: int = 200):
    """A page that no browser or cache may keep (personal data, a slip, the kiosk)."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response
