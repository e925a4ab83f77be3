"""A short-lived in-process cache of public pages as anonymous visitors see them.

The public pages (home, ward list, ward page) are the ones everybody opens. For a visitor who
is not logged in and has no message waiting, the page depends only on its path and language,
so it is rendered once and reused for a few seconds. The CSRF token differs per visitor: it
is cut out of the stored copy and a fresh one is put in on every hit. Logged-in users always
get a freshly rendered page. Each worker keeps its own copy; after a change, other workers
show the old page for at most PAGE_CACHE_SECONDS.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import wraps

from flask import Response, current_app, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

TOKEN_SLOT = "\x00csrf\x00"  # noqa: S105 - a placeholder, not a secret
MAX_ENTRIES = 256

_lock = threading.Lock()
_pages: dict[tuple, tuple[float, str]] = {}


def clear() -> None:
    """Forget every stored page (called after a change that public pages show)."""
    with _lock:
        _pages.clear()


def _cacheable() -> bool:
    return (
        current_app.config.get("PAGE_CACHE_SECONDS", 0) > 0
        and request.method == "GET"
        and not current_user.is_authenticated
        and "_flashes" not in session
    )


def cached_page(view: Callable) -> Callable:
    """Serve a view's page from the cache for anonymous visitors."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        key = (request.endpoint, request.full_path, str(get_locale()))
        now = time.monotonic()
        hit = _pages.get(key)
        if hit is not None and hit[0] > now:
            return Response(hit[1].replace(TOKEN_SLOT, generate_csrf()), mimetype="text/html")
        result = view(*args, **kwargs)
        if not isinstance(result, str):  # a redirect or an error: never stored
            return result
        token = generate_csrf()
        with _lock:
            if len(_pages) >= MAX_ENTRIES:
                _pages.clear()
            ttl = current_app.config["PAGE_CACHE_SECONDS"]
            _pages[key] = (now + ttl, result.replace(token, TOKEN_SLOT))
        return result

    return wrapped
