"""Extensions, created unbound and bound to the app in create_app()."""

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.db import Base

db = SQLAlchemy(model_class=Base)
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def rate_limited(limit_value, **options):
    """`limiter.limit(...)`, marking the view as limited. There are no app-wide limits, so a
    request to any view not marked skips the limiter's bookkeeping entirely."""

    def decorator(view):
        limited = limiter.limit(limit_value, **options)(view)
        limited.rate_limited = True
        return limited

    return decorator


def per_account() -> str:
    """The signed-in account (so one person is counted whatever address they use), or the
    client address for a visitor."""
    from flask_login import current_user

    if current_user and current_user.is_authenticated:
        return f"account:{current_user.id}"
    return get_remote_address()


LOOKUP_SCOPE = "code-lookup"


def _found_nothing(response) -> bool:
    return response.status_code == 404


def lookup_limited(view):
    """A route that finds something by the code or token in its address (a booking, a
    feedback item, a rating link, an Open311 request): LOOKUP_LIMIT_PER_IP per client
    address, over all these routes together. Only lookups that find nothing (404) are
    counted: guessing codes soon stops, while a ward office or a mobile network sharing one
    address opens its own bookings and items freely. Once over the limit, every lookup from
    that address is refused (429) until the window has passed."""
    limited = limiter.shared_limit(
        lambda: current_app.config["LOOKUP_LIMIT_PER_IP"],
        scope=LOOKUP_SCOPE,
        deduct_when=_found_nothing,
    )(view)
    limited.rate_limited = True
    limited.code_lookup = True
    return limited


@limiter.request_filter
def _not_rate_limited() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    return not getattr(view, "rate_limited", False)
