"""Extensions, created unbound and bound to the app in create_app()."""

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from portal.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
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


@limiter.request_filter
def _not_rate_limited() -> bool:
    view = current_app.view_functions.get(request.endpoint)
    return not getattr(view, "rate_limited", False)
