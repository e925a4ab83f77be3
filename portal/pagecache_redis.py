"""The page cache shared by every worker of every server through Redis: one of them renders
a page (or a part of one) for all; the others serve the previous copy meanwhile, or wait for
the new one. Chosen by PAGE_CACHE_REDIS_URL (portal/pagecache.py, init_app).

For each key, Redis holds:
- its text, kept for twice its lifetime: fresh while more than one lifetime is left of it
  (PTTL), then the previous copy, which may be served while somebody makes the next one;
- while somebody makes it, a lock: SET NX PX with a random token, deleted by a script that
  compares the token first, so that only its holder frees it, and a holder that dies frees it
  after PAGE_CACHE_LOCK_SECONDS all the same.

Looking a key up and taking its lock when the text is not fresh is one script (FETCH): two
servers cannot both find it missing and both take the lock. A worker that misses the lock
serves the previous copy when there is one, or polls (for at most the lock's seconds) until
the new text is there, or the lock is free again without one (its holder died, or rendered a
redirect rather than a page): then it takes the lock and renders the text itself.

Within a worker, TTLStore's single flight still holds (one thread per key asks Redis), and a
text from Redis is kept in the worker too, for as long as it is fresh in Redis.

After a change, a worker forgets its own copies (clear) and must not be served a copy that
another server rendered before the change either: every lock taken gets the next number of a
sequence, the text carries it, and a worker that cleared raises its floor to the sequence's
next number on its next look-up; texts numbered below its floor count as missing for it.

Redis down or slow: a warning is logged once, and each worker keeps its own copies (TTLStore)
until Redis answers again (tried again after RETRY_SECONDS); no page fails because of it.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable

import redis

from portal import pagecache
from portal.pagecache import TTLStore

log = logging.getLogger(__name__)

RETRY_SECONDS = 5.0  # after Redis failed, each worker keeps its own copies this long
POLL_FIRST, POLL_MAX = 0.02, 0.2  # seconds between two looks while another server renders

# KEYS: text, lock, sequence. ARGV: lifetime (ms), floor, "1" to raise the floor first, token,
# lock (ms). Answers {text or nil, its PTTL, the floor, the lock's number (0: not taken)}.
FETCH = """
local floor = tonumber(ARGV[2])
if ARGV[3] == '1' then floor = redis.call('INCR', KEYS[3]) end
local text = redis.call('GET', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if text then
  local number = tonumber(string.match(text, '^(%d+):'))
  if number == nil or number <= floor then text = false end
end
if text and ttl > tonumber(ARGV[1]) then return {text, ttl, floor, 0} end
local number = 0
if redis.call('SET', KEYS[2], ARGV[4], 'NX', 'PX', ARGV[5]) then
  number = redis.call('INCR', KEYS[3])
end
return {text, ttl, floor, number}
"""

# KEYS: text, lock. ARGV: the numbered text, its keeping time (ms), the token, its number.
# Keeps the text unless a newer one is there already (a server that took the lock after this
# one's expired), then frees the lock if it is still this token's.
KEEP = """
local old = redis.call('GET', KEYS[1])
local number = old and tonumber(string.match(old, '^(%d+):')) or 0
if number < tonumber(ARGV[4]) then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1
"""

# KEYS: lock. ARGV: token. Compare and delete: frees the lock only for its holder.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Link:
    """One Redis connection pool for an app's stores, and whether Redis answers: after a
    failure it is not asked again for RETRY_SECONDS; the first failure is logged as a
    warning, and Redis answering again as information."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client
        self.scripts = {
            name: client.register_script(text)
            for name, text in (("fetch", FETCH), ("keep", KEEP), ("release", RELEASE))
        }
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._warned = False

    def run(self, script: str, keys: list[str], args: list) -> list | int | None:
        """The script's answer, or None when Redis does not answer (or was just found down)."""
        if time.monotonic() < self._down_until:
            return None
        try:
            answer = self.scripts[script](keys=keys, args=args)
        except redis.RedisError as error:
            with self._lock:
                self._down_until = time.monotonic() + RETRY_SECONDS
                warn, self._warned = not self._warned, True
            if warn:
                log.warning(
                    "page cache: Redis does not answer (%s: %s); each worker keeps its own "
                    "copies until it does",
                    type(error).__name__,
                    error,
                )
            return None
        if self._warned:
            with self._lock:
                back, self._warned = self._warned, False
            if back:
                log.info("page cache: Redis answers again; copies are shared")
        return answer


def connect(url: str) -> Link:
    """A link to the Redis at `url` that gives up quickly: a page waits at most about a
    second for a Redis that does not answer, then is rendered without it."""
    return Link(
        redis.Redis.from_url(
            url, socket_connect_timeout=1, socket_timeout=1, health_check_interval=30
        )
    )


class SharedStore(TTLStore):
    """A TTLStore whose texts are rendered once for every server sharing `link`'s Redis:
    `prefix` names the portal (several may share one Redis database), `name` the store."""

    def __init__(self, link: Link, prefix: str, name: str, lock_seconds: float) -> None:
        super().__init__()
        self._link = link
        self._names = f"{prefix}:{name}"
        self._sequence = f"{prefix}:sequence"
        self._lock_ms = max(int(lock_seconds * 1000), 1)
        self._floor = 0
        self._clears = 0  # clear() calls so far, and how many of them the floor includes
        self._floored = 0

    def clear(self) -> None:
        super().clear()
        with self._lock:
            self._clears += 1

    def _keys(self, key: tuple) -> tuple[str, str]:
        # A digest: the key may hold a login id, which has no place in Redis's key names.
        digest = hashlib.sha256(repr(key).encode()).hexdigest()[:40]
        return f"{self._names}:text:{digest}", f"{self._names}:lock:{digest}"

    def _ask(self, keys: tuple[str, str], lifetime: int, token: str):
        """(text or None, its PTTL, the lock's number or 0) from FETCH; None: no Redis."""
        clears = self._clears
        answer = self._link.run(
            "fetch",
            [*keys, self._sequence],
            [lifetime, self._floor, "1" if clears != self._floored else "0", token, self._lock_ms],
        )
        if answer is None:
            return None
        raw, ttl, floor, number = answer
        with self._lock:
            self._floor = max(self._floor, int(floor))
            self._floored = max(self._floored, clears)
        text = raw.decode().split(":", 1)[1] if raw is not None else None
        return text, int(ttl), int(number)

    def _lead(self, key: tuple, seconds: float, render: Callable[[], object], store=None):
        """This worker's one thread for `key`: the fresh text from Redis, or render it for
        every server (holding the lock), or the previous text while another server renders
        it, or wait for that; without Redis, render it for this worker (TTLStore)."""
        keys = self._keys(key)
        lifetime = max(int(seconds * 1000), 1)
        token = secrets.token_hex(16)
        deadline = time.monotonic() + self._lock_ms / 1000
        pause = POLL_FIRST
        while True:
            answer = self._ask(keys, lifetime, token)
            if answer is None:
                return super()._lead(key, seconds, render, store)
            text, ttl, number = answer
            if text is not None and ttl > lifetime:
                self.put(key, text, pagecache.clock() + (ttl - lifetime) / 1000, seconds)
                return text
            if number:
                return self._render_for_all(key, keys, seconds, render, store, token, number)
            if text is not None:  # the previous text, while another server renders the next:
                # kept here as out of date, for this worker's threads that wait for this one
                self.put(key, text, pagecache.clock() - (lifetime - ttl) / 1000, seconds)
                return text
            if time.monotonic() >= deadline:  # the lock changed hands all along: give up
                return super()._lead(key, seconds, render, store)
            time.sleep(pause)
            pause = min(pause * 2, POLL_MAX)

    def _render_for_all(self, key, keys, seconds, render, store, token: str, number: int):
        """Render holding the lock; keep a text in Redis (and here), then free the lock. On
        an error or a result that is no text, the lock is freed for the next to try."""
        kept = None
        try:
            result = render()
            if isinstance(result, str):
                kept = store(result) if store is not None else result
                self.put(key, kept, pagecache.clock() + seconds, seconds)
            return result
        finally:
            if kept is not None:
                keeping = 2 * max(int(seconds * 1000), 1)
                self._link.run("keep", list(keys), [f"{number}:{kept}", keeping, token, number])
            else:
                self._link.run("release", [keys[1]], [token])
