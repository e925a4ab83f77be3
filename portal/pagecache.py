"""Short-lived in-process caches of rendered pages: public pages as anonymous visitors see
them (cached_page), a logged-in user's own page that may lag a little (cached_for_user: the
dashboard), and parts of pages that many officials read alike (remember: the dashboard's
figures).

The public pages (home, ward list, ward page) are the ones everybody opens. For a visitor who
is not logged in and has no message waiting, the page depends only on its path and language,
so it is rendered once and reused for a few seconds. The CSRF token differs per visitor: it
is cut out of the stored copy and a fresh one is put in on every hit. Logged-in users get a
freshly rendered page, except from views marked cached_for_user, which keep each user's own
page (the same way) for their setting's seconds. Each worker keeps its own copy; after a
change, other workers show the old page for at most PAGE_CACHE_SECONDS. With
PAGE_CACHE_REDIS_URL the copies are shared by every worker of every server, and one of them
renders a page for all (portal/pagecache_redis.py).

`remember(key, seconds, render)` keeps any rendered text for `seconds`: the caller chooses
a key that holds everything the text depends on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import NamedTuple

from flask import Flask, Response, current_app, has_app_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

TOKEN_SLOT = "\x00csrf\x00"  # noqa: S105 - a placeholder, not a secret
MAX_ENTRIES = 256
FLIGHT_WAIT_SECONDS = 30  # a waiter renders the page itself after this long


class TTLStore:
    """Texts kept until a deadline (time.monotonic), at most MAX_ENTRIES of them: when full,
    everything is forgotten at once (simple, and the entries are cheap to remake).

    Single flight: when an entry is missing or out of date, one thread renders it while the
    others asking for the same key get the previous text (if it went out of date less than
    its lifetime ago) or wait for the new one, instead of all rendering it at once (a
    dashboard's figures, when sixteen requests find them expired together)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple, tuple[float, float, str]] = {}  # until, lifetime, text
        self._flights: dict[tuple, threading.Event] = {}

    def get(self, key: tuple, now: float) -> str | None:
        hit = self._entries.get(key)
        return hit[2] if hit is not None and hit[0] > now else None

    def put(self, key: tuple, text: str, until: float, lifetime: float = 0) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (until, lifetime, text)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def fetch(self, key: tuple, seconds: float, render: Callable[[], object], store=None):
        """The fresh text of `key`, or what `render()` gives, kept for `seconds` when it is
        a text (`store(result)` gives the text to keep; by default the result itself). Only
        one thread renders a key at a time: the others get the previous text, or wait."""
        now = clock()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[2]
        with self._lock:
            flight = self._flights.get(key)
            leading = flight is None
            if leading:
                flight = self._flights[key] = threading.Event()
        if not leading:
            if hit is not None and now - hit[0] < hit[1]:
                return hit[2]  # out of date for less than its lifetime: while it is remade
            flight.wait(FLIGHT_WAIT_SECONDS)
            hit = self._entries.get(key)
            if hit is not None and clock() - hit[0] < hit[1]:
                return hit[2]  # the new text, or the previous one that the leader was given
            return render()
        try:
            return self._lead(key, seconds, render, store)
        finally:
            with self._lock:
                self._flights.pop(key, None)
            flight.set()

    def _lead(self, key: tuple, seconds: float, render: Callable[[], object], store=None):
        """What this worker's one thread that remakes `key` does: render and keep the text.
        (A store shared between servers asks Redis first: portal/pagecache_redis.py.)"""
        result = render()
        if isinstance(result, str):
            self.put(
                key, store(result) if store is not None else result, clock() + seconds, seconds
            )
        return result


clock = time.monotonic  # replaced by tests


class Stores(NamedTuple):
    """An app's two stores: whole pages, and parts of pages (remember)."""

    pages: TTLStore
    parts: TTLStore


def init_app(app: Flask) -> None:
    """Give the app its stores: kept in this worker only, or shared by every worker and
    server through Redis when PAGE_CACHE_REDIS_URL is set (portal/pagecache_redis.py)."""
    url = app.config.get("PAGE_CACHE_REDIS_URL", "")
    if not url:
        app.extensions["pagecache"] = Stores(TTLStore(), TTLStore())
        return
    from portal.pagecache_redis import SharedStore, connect

    client = connect(url)
    prefix = f"{app.config.get('PAGE_CACHE_KEY_PREFIX') or 'ward-portal'}:pagecache"
    lock = app.config.get("PAGE_CACHE_LOCK_SECONDS", 10)
    app.extensions["pagecache"] = Stores(
        SharedStore(client, prefix, "pages", lock), SharedStore(client, prefix, "parts", lock)
    )


def _stores() -> Stores:
    return current_app.extensions["pagecache"]


def clear() -> None:
    """Forget every page and part this worker keeps (called after a change that pages show);
    with Redis, this worker also stops using the copies other servers made before now."""
    if has_app_context():
        for store in _stores():
            store.clear()


def remember(key: tuple, seconds: int, render: Callable[[], str]) -> str:
    """The text rendered for `key` within the last `seconds`, or render it now (and keep
    it, unless `seconds` is 0); one thread at a time renders a key (TTLStore.fetch)."""
    if seconds <= 0:
        return render()
    return _stores().parts.fetch(key, seconds, render)


def _cacheable() -> bool:
    return (
        current_app.config.get("PAGE_CACHE_SECONDS", 0) > 0
        and request.method == "GET"
        and not current_user.is_authenticated
        and "_flashes" not in session
    )


def _serve(key: tuple, seconds: int, view: Callable, args, kwargs):
    """The stored page of `key` with this visitor's CSRF token put in, or the view's page,
    stored (with the token cut out) when it is a page and not a redirect or an error."""
    rendered: list = []

    def render():
        rendered.append(True)
        return view(*args, **kwargs)

    result = _stores().pages.fetch(
        key, seconds, render, store=lambda page: page.replace(generate_csrf(), TOKEN_SLOT)
    )
    if rendered or not isinstance(result, str):
        return result  # (this request's own page, its token in place; or not a page)
    return Response(result.replace(TOKEN_SLOT, generate_csrf()), mimetype="text/html")


def cached_page(view: Callable | None = None, *, vary: Callable[[], object] | None = None):
    """Serve a view's page from the cache for anonymous visitors. `vary`, when the page
    depends on more than its address and language (the home page on the ward a visitor
    chose), gives that too, already checked (a ward's id, never a raw cookie: one stored
    page per served ward, not one per value anyone sends). Use as @cached_page or
    @cached_page(vary=...)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not _cacheable():
                return view(*args, **kwargs)
            key = (request.endpoint, request.full_path, str(get_locale()))
            if vary is not None:
                key += (vary(),)
            return _serve(key, current_app.config["PAGE_CACHE_SECONDS"], view, args, kwargs)

        return wrapped

    return decorator(view) if view is not None else decorator


def cached_for_user(setting: str) -> Callable[[Callable], Callable]:
    """Serve a logged-in user's page from the cache for config[setting] seconds: for pages
    that a user reloads and that may lag that long (the dashboard). The page is the user's
    own (key: the login id, which changes with the password, the role and the ward); put it
    under the route's access check, which still runs on every request."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            seconds = current_app.config.get(setting, 0)
            if (
                seconds <= 0
                or request.method != "GET"
                or not current_user.is_authenticated
                or "_flashes" in session
            ):
                return view(*args, **kwargs)
            key = (
                current_user.get_id(),
                str(current_user.role),
                current_user.ward_id,
                request.endpoint,
                request.full_path,
                str(get_locale()),
            )
            return _serve(key, seconds, view, args, kwargs)

        return wrapped

    return decorator
