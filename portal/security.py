"""Who may do what: roles on routes, ward scoping, the login loader and response headers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, request
from flask_login import current_user

from portal.auth.models import Role, User
from portal.extensions import db, login_manager

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


def role_required(*roles: Role) -> Callable[[Callable], Callable]:
    """Declare which roles may use a route: anonymous users go to the login page, others get 403."""
    allowed = frozenset(roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.access = allowed  # type: ignore[attr-defined]
        return wrapped

    return decorator


ANY_USER = tuple(Role)
OFFICIALS = (Role.STAFF, Role.CHAIRMAN, Role.SUPERVISOR, Role.ADMIN)


def can_see_ward(user: User, ward_id: int | None) -> bool:
    """Admins see every ward; everyone else only the ward their account belongs to."""
    return user.role == Role.ADMIN or (ward_id is not None and user.ward_id == ward_id)


def get_in_ward_or_404(model, object_id: int, user: User | None = None):
    """Load a ward-owned row: 404 when it does not exist, 403 when it is another ward's."""
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    if not can_see_ward(user or current_user, obj.ward_id):
        abort(403)
    return obj


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
    user_id, _, token = session_id.partition(".")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_token != token:
        return None
    return user


STATIC_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"),
)


def security_headers(response):
    """Headers on every response; the CSP forbids inline script. No view sets these itself."""
    for name, value in STATIC_HEADERS:  # a view may have set its own (e.g. no-referrer)
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response


def roles_of(view: Callable) -> Iterable[Role] | str | None:
    """What a view declares about access (used by the route-guard test)."""
    return getattr(view, "access", None)
