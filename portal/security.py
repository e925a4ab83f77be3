"""Who is who, and who may open which page: the role groups (named here and nowhere else),
`role_required` on every route, ward scoping of loaded rows, the login loader and the
response headers. What a person may do to one item now is each lifecycle's `policy.py`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, redirect, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_url

from portal.auth import sessions
from portal.auth.models import Role, User
from portal.db import MAX_ID
from portal.extensions import db, login_manager
from portal.wards.models import Ward
from portal.wards.services import get_ward_by_slug

PUBLIC = "public"  # marker for routes anyone may open

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'; frame-ancestors 'none'"
)


def public(view: Callable) -> Callable:
    """Declare a route open to everyone, logged in or not."""
    view.access = PUBLIC  # type: ignore[attr-defined]
    return view


def personal(view: Callable) -> Callable:
    """Declare that a route shows personal data even to someone not logged in (a code typed
    to confirm a number, a rating link, a form that shows back what was typed): its answers
    are never stored by a browser or a proxy (Cache-Control: no-store)."""
    view.personal = True  # type: ignore[attr-defined]
    return view


def role_required(*groups: Role | Iterable[Role]) -> Callable[[Callable], Callable]:
    """Declare which roles may use a route (one of the groups below, or several):
    anonymous users go to the login page, others get 403."""
    allowed = frozenset(
        role for group in groups for role in ((group,) if isinstance(group, Role) else group)
    )

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if g.pop("session_expired", False):
                    # Told once by the loader; to the login page without a second message.
                    return redirect(login_url(login_manager.login_view, request.url))
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = allowed  # type: ignore[attr-defined]
        return wrapped

    return decorator


# ---------------------------------------------------------------- the role groups
# Every route, service and template that asks "is this person one of ..." uses these names.

ANY_USER = frozenset(Role)
RESIDENTS = frozenset({Role.RESIDENT})
# The ward's officers, who act: handle feedback, run sessions, book for callers, register
# and return dossiers. The chairman is one of them.
WARD_OFFICERS = frozenset({Role.STAFF, Role.CHAIRMAN})
# The ward's officials, who read the ward's work: its officers and the Fatherland Front
# supervisor, who looks but never acts.
WARD_OFFICIALS = WARD_OFFICERS | {Role.SUPERVISOR}
# Those who manage a ward: its feedback categories and deadlines.
WARD_MANAGERS = frozenset({Role.CHAIRMAN})
# The city: every ward, the wards served, API keys, the procedure catalogue.
CITY_ADMINS = frozenset({Role.ADMIN})
# Everyone who is not a resident.
OFFICIALS = WARD_OFFICIALS | CITY_ADMINS
# Those who manage officials' accounts: the city administrator (any), a chairman (his ward's).
ACCOUNT_MANAGERS = WARD_MANAGERS | CITY_ADMINS
# Those who read the figures of the dashboard: the chairman and the supervisor of their
# ward, the city administrator of every ward.
REPORT_READERS = frozenset({Role.CHAIRMAN, Role.SUPERVISOR, Role.ADMIN})
# Those who read the audit trail: the chairman and the supervisor (their ward's), the city
# administrator (every ward's and the city's own).
AUDIT_READERS = REPORT_READERS
# The ward's Fatherland Front supervisor, who sends the chairman supervision recommendations.
SUPERVISORS = frozenset({Role.SUPERVISOR})
# Those who read supervision recommendations: the ward's chairman (who answers them) and its
# supervisor (their ward's), the city administrator (every ward's).
SUPERVISION_READERS = REPORT_READERS


def _signed_in(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_officer_of(user: User | None, ward_id: int | None) -> bool:
    """One of the ward's officers (who act for it)."""
    return _signed_in(user) and user.role in WARD_OFFICERS and user.ward_id == ward_id


def is_official_of(user: User | None, ward_id: int | None) -> bool:
    """One of the ward's officials (who read its work), or the city administrator."""
    if not _signed_in(user):
        return False
    return user.role in CITY_ADMINS or (user.role in WARD_OFFICIALS and user.ward_id == ward_id)


def manages_ward(user: User | None, ward_id: int | None) -> bool:
    """The ward's chairman, or the city administrator."""
    if not _signed_in(user):
        return False
    return user.role in CITY_ADMINS or (user.role in WARD_MANAGERS and user.ward_id == ward_id)


def is_resident(user: User | None) -> bool:
    return _signed_in(user) and user.role in RESIDENTS


def needs_phone_confirmation(user: User | None = None) -> bool:
    """A resident whose mobile number is not proven yet: they may look, not book or send."""
    user = user if user is not None else current_user
    return is_resident(user) and not user.phone_verified


# The reason given when such a resident tries (and on the pages, beside a link to confirm).
UNCONFIRMED = _l("Confirm your mobile number first: we send a code to it by SMS.")


def may_open(endpoint: str, user: User | None = None) -> bool:
    """Whether the route `endpoint` lets this person in, as its declaration says (menus
    show a link exactly when it would open)."""
    view = current_app.view_functions.get(endpoint)
    access = getattr(view, "access", None)
    if access == PUBLIC:
        return True
    user = user if user is not None else current_user
    return bool(access) and _signed_in(user) and user.role in access


def can_see_ward(user: User, ward_id: int | None) -> bool:
    """Admins see every ward; everyone else only the ward their account belongs to."""
    return user.role == Role.ADMIN or (ward_id is not None and user.ward_id == ward_id)


def get_in_ward_or_404(model, object_id: int, user: User | None = None, options=()):
    """Load a ward-owned row: 404 when it does not exist, 403 when it is another ward's.
    `options`: loader options for what the page shows of it (joinedload(...))."""
    obj = db.session.get(model, object_id, options=options) if 0 < object_id <= MAX_ID else None
    if obj is None:
        abort(404)
    if not can_see_ward(user or current_user, obj.ward_id):
        abort(403)
    return obj


def served_ward_or_404(slug: str) -> Ward:
    """A ward this deployment serves, by the slug in the address; 404 for any other."""
    ward = get_ward_by_slug(slug)
    if ward is None:
        abort(404)
    return ward


def is_safe_next(target: str | None) -> bool:
    """Only follow `next=` to a path on this site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The account of this browser's session, if the server still knows that session."""
    user_id, _dot, token = session_id.partition(".")
    if not (user_id.isascii() and user_id.isdigit()) or not token or int(user_id) > MAX_ID:
        return None
    user = sessions.current_user_for(int(user_id), token)
    if user is None and g.get("session_expired"):
        # The session ended by itself (idle, or open too long): say so once, and forget it,
        # so that the next pages are plainly a visitor's.
        session.pop("_user_id", None)
        session.pop(sessions.KEY, None)
        flash(_("Your session has expired. Please log in again."), "info")
    return user


STATIC_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"),
)


def is_private_response() -> bool:
    """Whether this request's answer is for one person only: someone is logged in (the page
    shows their name, their items), the route is behind a login (role_required) or marked
    personal. Static files never are. Decided without asking the database: the account
    already loaded, or the session's."""
    if request.endpoint == "static":
        return False
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "personal", False) or isinstance(getattr(view, "access", None), frozenset):
        return True
    if "_user_id" in session:
        return True
    user = g.get("_login_user")
    return user is not None and not isinstance(user, login_manager.anonymous_user)


def security_headers(response):
    """Headers on every response, the CSP forbidding inline script; a view may set one of
    them itself (the rating page's no-referrer), and that one is kept. What is for one
    person only is never stored (no-store), whatever the view said; public pages seen by
    visitors not logged in stay cacheable."""
    for name, value in STATIC_HEADERS:
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    if is_private_response():
        response.headers["Cache-Control"] = "no-store"
    return response
