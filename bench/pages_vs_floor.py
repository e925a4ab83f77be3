"""Every page of issue 17 against hello and against the floor (`make bench-pages`).

For each page: requests/s under gunicorn (bench/bench_wsgi.py, the repo's gunicorn.conf.py),
its ratio to the bare hello route and to the floor app (bench/floor_app.py: the portal's
extension stack and nothing else) served by the same workers, the workers' CPU time per
request, and the SQL statements and database round trips of one request.

Pages: the staff inbox (50 rows), a feedback item (staff), my bookings (resident), the rating
page (anonymous, by its one-time link), the upcoming conferences and the dashboard with their
caches off, and three POSTs: feedback, a booking (each POST books another conference) and a
rating (each POST uses another one-time token).

Interleaving: the pages are grouped by their floor (logged-in GET /floor/, anonymous GET
/floor/anon, POST /floor/post) and each group runs hello, floor, page 1, hello, floor,
page 2, …, hello, floor; so every page runs between two hello runs and two floor runs, and
its ratios are over their means. Each figure is the median of --rounds rounds.

Worker CPU ms per request: the utime + stime of every gunicorn worker (/proc/<pid>/stat)
before and after a run, over the requests served in it. Statements and round trips: one
request through the Flask test client in this process, on the bench database, after a warm
one (see SqlCounter). Also: worker RSS (VmRSS) at start and after --rss-requests mixed GETs,
and the cached dashboard's and upcoming page's p50/p99 (their caches set to --cache-seconds,
so entries expire during the run). With --pgbouncer (needs --database-url), the portal and
the floor reach PostgreSQL through PgBouncer in transaction pooling.

Targets (issue 17): logged-in GET pages >= 0.6 of the logged-in floor, anonymous pages >= 0.6
of the anonymous floor, POSTs >= 0.5 of the POST floor, cached p99 <= 4 x p50, worker RSS <=
90 MB. Exit status: 1 when a request fails (or, with --strict, a target is not met); 2 when
the bench could not run; 0 otherwise.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import feedback_vs_hello
import rating_vs_hello
import sqlalchemy as sa
import upcoming_vs_hello
from common import (
    HOST,
    BenchError,
    add_load_options,
    add_ratio_options,
    app_env,
    check_load_options,
    cpu_seconds,
    csrf_token_of,
    fetch,
    free_port,
    gunicorn,
    load_generator,
    load_settings,
    log_in,
    make_app,
    prepare_database,
    private_and_proportional_mb,
    rss_mb,
    run_in_workspace,
    send_mixed,
    set_cookie,
    worker_pids,
)

WARD_SLUG = "phuong-bo-de"
OTHER_WARD_SLUG = "phuong-viet-hung"  # the booking POSTs' conferences: not on the benched list
HELLO_PATH = "/hello/"
FLOOR_PATHS = {"floor": "/floor/", "anon": "/floor/anon", "post": "/floor/post"}
FLOOR_NAMES = {"floor": "logged-in floor", "anon": "anonymous floor", "post": "POST floor"}
UPCOMING_PATH = upcoming_vs_hello.LIST_PATH
DASHBOARD_PATH = "/dashboard/"
INBOX_PATH = feedback_vs_hello.INBOX_PATH
HIGH_LIMIT = "1000000 per minute"  # the per-account and per-IP limits: counted, never refusing
RSS_TARGET_MB = 90.0
P99_TARGET = 4.0  # cached pages: p99 <= 4 x p50
UPCOMING_CONFERENCES = 10  # on the benched list, as in upcoming_vs_hello's default
BOOKED_BEFORE = 3  # conferences of the demo ward the resident has booked (my bookings)
# The booking POSTs' resident: another one than my bookings', whose page would otherwise grow
# by every booking the POSTs make (thousands a run).
BOOKER = ("Trần Văn Đặt Chỗ", "0912999001", "booker@example.vn")
BOOKING_RE = re.compile(r"^(?:http://[^/]+)?/bookings/[^/]+$")
FLOOR_COOKIE_RE = re.compile(r"(floor_session=[^;]*)")


@dataclass(frozen=True)
class Page:
    name: str
    label: str
    floor: str  # a key of FLOOR_PATHS: the floor it is read against
    target: float
    method: str = "GET"


PAGES = (
    Page("inbox", "staff inbox, 50 rows", "floor", 0.6),
    Page("item", "feedback item (staff)", "floor", 0.6),
    Page("bookings", "my bookings (resident)", "floor", 0.6),
    Page("dashboard", "dashboard, uncached", "floor", 0.6),
    Page("rating", "rating page (anonymous)", "anon", 0.6),
    Page("upcoming", "upcoming conferences, uncached", "anon", 0.6),
    Page("feedback_post", "feedback POST", "post", 0.5, "POST"),
    Page("booking_post", "booking POST", "post", 0.5, "POST"),
    Page("rating_post", "rating POST", "post", 0.5, "POST"),
)
CACHED = (("dashboard", "dashboard, cached"), ("upcoming", "upcoming conferences, cached"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    parser.add_argument("--rounds", type=int, default=3, help="rounds; figures are medians")
    parser.add_argument(
        "--rss-requests", type=int, default=10_000, help="mixed GETs before the RSS is read"
    )
    parser.add_argument(
        "--cache-seconds", type=int, default=5, help="cache lifetime for the cached pages' run"
    )
    parser.add_argument(
        "--tokens", type=int, default=30_000, help="one-time rating links (one per rating POST)"
    )
    parser.add_argument(
        "--conferences-to-book",
        type=int,
        default=30_000,
        help="conferences for the booking POSTs (one per POST)",
    )
    parser.add_argument(
        "--only",
        help="comma-separated page names to measure (default: all): "
        + ",".join(p.name for p in PAGES),
    )
    parser.add_argument(
        "--pgbouncer",
        action="store_true",
        help="serve through PgBouncer (/usr/sbin/pgbouncer, transaction pooling); needs "
        "--database-url",
    )
    add_ratio_options(parser)
    args = parser.parse_args(argv)
    check_load_options(parser, args)
    if args.rounds < 1 or args.rss_requests < 0 or args.cache_seconds < 1:
        parser.error("--rounds and --cache-seconds must be >= 1, --rss-requests >= 0")
    if args.pgbouncer and not args.database_url:
        parser.error("--pgbouncer needs --database-url")
    names = {p.name for p in PAGES}
    args.pages = [p for p in PAGES if not args.only or p.name in args.only.split(",")]
    if args.only and not set(args.only.split(",")) <= names:
        parser.error(f"--only takes names among {','.join(sorted(names))}")
    return args


# --- Data --------------------------------------------------------------------------------------


def demo_login(role) -> str:
    from portal.cli import DEMO_USERS

    return next(phone for r, slug, phone, *_ in DEMO_USERS if r == role and slug == WARD_SLUG)


def seed_bench_database(database_url: str, args) -> dict:
    """The other benches' data (50 feedback items, returned dossiers with rating links, 10
    upcoming conferences), the resident's bookings, the booking POSTs' conferences, and the
    floor's table with its one user."""
    from bench.floor_app import create_floor_app, prepare
    from portal.auth.models import Role
    from portal.cli import _demo_resident
    from portal.dialogues import services as dialogue_services
    from portal.dialogues.models import DialogueSession, SessionKind, SessionMode, SessionStatus
    from portal.extensions import db
    from portal.feedback.models import Feedback
    from portal.wards.services import get_ward_by_slug

    seed = feedback_vs_hello.seed_bench_database(database_url, feedback_vs_hello.PAGE_ROWS)
    rating = rating_vs_hello.seed_bench_database(database_url, args.tokens + 1)
    seed.update(rating)
    upcoming_vs_hello.seed_bench_database(database_url, UPCOMING_CONFERENCES)
    seed["chairman_login"] = demo_login(Role.CHAIRMAN)
    app = make_app(database_url, "bench-seed-only")
    with app.app_context():
        ward, resident, _officer = feedback_vs_hello.demo_people()
        for conference in dialogue_services.upcoming_conferences(ward.id)[:BOOKED_BEFORE]:
            dialogue_services.book(conference, user=resident)
        other = get_ward_by_slug(OTHER_WARD_SLUG)
        if other is None:
            raise BenchError(f"ward {OTHER_WARD_SLUG} is missing: did `flask demo load` run?")
        _demo_resident(*BOOKER, other.id)  # registered as on the page, the number proven
        seed["booker_login"] = BOOKER[1]
        now = dialogue_services.utcnow()
        starts = now + timedelta(days=30)
        db.session.execute(
            sa.insert(DialogueSession),
            [
                {
                    "ward_id": other.id,
                    "kind": SessionKind.CONFERENCE,
                    "status": SessionStatus.PUBLISHED,
                    "title": f"Hội nghị thử tải số {i + 1}",
                    "agenda": "Bench",
                    "mode": SessionMode.IN_PERSON,
                    "venue": "Hội trường UBND phường",
                    "online_url": "",
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "capacity": 100,
                    "walk_in_seats": 0,
                    "seats_taken": 0,
                    "walk_ins": 0,
                    "published_at": now,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(args.conferences_to_book)
            ],
        )
        db.session.commit()
        seed["to_book"] = list(
            db.session.execute(
                sa.select(DialogueSession.id)
                .where(DialogueSession.ward_id == other.id, DialogueSession.agenda == "Bench")
                .order_by(DialogueSession.id)
            ).scalars()
        )
        seed["item_id"] = db.session.execute(
            sa.select(sa.func.min(Feedback.id)).where(Feedback.ward_id == ward.id)
        ).scalar_one()
        db.session.remove()
        db.engine.dispose()
    prepare(create_floor_app(database_url, "bench-seed-only"))
    return seed


# --- Statements and round trips (in process) ----------------------------------------------------


@dataclass
class SqlCounter:
    """What one request sends to the database, from SQLAlchemy's engine and pool events:

    - statements: `before_cursor_execute` (every SQL statement SQLAlchemy runs);
    - round trips: the statements, plus one per transaction begun (`begin`: psycopg sends
      BEGIN before the first statement), one per `commit` and `rollback`, one per pool
      checkout when pool_pre_ping is on (the ping, which runs outside the cursor events),
      one per pool `reset` of a connection still inside a transaction (the ROLLBACK on
      return; psycopg sends nothing for an idle one), and one per new connection (`connect`;
      its start-up exchange is really several)."""

    engine: sa.Engine
    counts: dict = field(default_factory=dict)

    def _bump(self, key: str) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1

    def _reset(self, dbapi_connection, _record, *_state) -> None:
        info = getattr(dbapi_connection, "info", None)
        status = getattr(info, "transaction_status", None)
        if status is None or int(status) != 0:  # 0: psycopg's IDLE, nothing to roll back
            self._bump("reset")

    @contextmanager
    def listening(self) -> Iterator[dict]:
        engine, pool = self.engine, self.engine.pool
        hooks = [
            (engine, "before_cursor_execute", lambda *a: self._bump("statements")),
            (engine, "begin", lambda *a: self._bump("begin")),
            (engine, "commit", lambda *a: self._bump("commit")),
            (engine, "rollback", lambda *a: self._bump("rollback")),
            (pool, "checkout", lambda *a: self._bump("checkout")),
            (pool, "connect", lambda *a: self._bump("connect")),
            (pool, "reset", self._reset),
        ]
        for target, name, fn in hooks:
            sa.event.listen(target, name, fn)
        self.counts = {}
        try:
            yield self.counts
        finally:
            for target, name, fn in hooks:
                sa.event.remove(target, name, fn)

    def round_trips(self, counts: dict) -> int:
        pings = counts.get("checkout", 0) if getattr(self.engine.pool, "_pre_ping", False) else 0
        keys = ("statements", "begin", "commit", "rollback", "reset", "connect")
        return sum(counts.get(key, 0) for key in keys) + pings


def log_in_client(app, login: str, password: str):
    """A test client logged in through the login form, as a browser would."""
    client = app.test_client()
    token = client_csrf(client, "/login")
    form = {"csrf_token": token, "login": login, "password": password, "next": ""}
    response = client.post("/login", data=form)
    if response.status_code != 302:
        raise BenchError(f"POST /login as {login} (test client) answered {response.status_code}")
    return client


def client_csrf(client, path: str) -> str:
    response = client.get(path, headers={"Accept-Language": "vi"})
    token = csrf_token_of(response.get_data())
    if not token:
        raise BenchError(f"GET {path} (test client) answered {response.status_code} without a form")
    return token


def count_sql(database_url: str, seed: dict) -> dict[str, dict]:
    """Statements and round trips of one request of each page (and floor), in this process,
    after a warm request of the same kind. Uses the last rating links and conferences (the
    server uses the first ones)."""
    from bench.floor_app import create_floor_app

    app = make_app(database_url, "bench-sql-only", PAGE_CACHE_SECONDS=0, DASHBOARD_CACHE_SECONDS=0)
    app.config.update(BOOKING_LIMIT=HIGH_LIMIT, FEEDBACK_LIMIT=HIGH_LIMIT)
    app.config.update(RATING_LIMIT_PER_IP=HIGH_LIMIT)
    with app.app_context():
        from portal.extensions import db

        engine = db.engine
    staff = log_in_client(app, seed["staff_login"], seed["password"])
    resident = log_in_client(app, seed["resident_login"], seed["password"])
    chairman = log_in_client(app, seed["chairman_login"], seed["password"])
    anonymous = app.test_client()
    resident_csrf = client_csrf(resident, feedback_vs_hello.NEW_PATH)
    anon_csrf = client_csrf(anonymous, f"/r/{seed['page_token']}")
    tokens, books = seed["tokens"][-4:], seed["to_book"][-4:]
    feedback_form = feedback_vs_hello.post_form(seed, resident_csrf)
    rating_form = rating_vs_hello.rating_form(anon_csrf, "satisfied")
    requests = {
        "inbox": lambda _i: staff.get(INBOX_PATH),
        "item": lambda _i: staff.get(f"/staff/feedback/{seed['item_id']}"),
        "bookings": lambda _i: resident.get("/my/bookings"),
        "dashboard": lambda _i: chairman.get(DASHBOARD_PATH),
        "rating": lambda _i: anonymous.get(f"/r/{seed['page_token']}"),
        "upcoming": lambda _i: anonymous.get(UPCOMING_PATH),
        "feedback_post": lambda _i: resident.post(feedback_vs_hello.NEW_PATH, data=feedback_form),
        "booking_post": lambda i: resident.post(
            f"/dialogues/{books[i]}/book", data={"csrf_token": resident_csrf, "question": ""}
        ),
        "rating_post": lambda i: anonymous.post(f"/r/{tokens[i]}", data=rating_form),
    }
    counter = SqlCounter(engine)
    counts: dict[str, dict] = {}
    try:
        for name, send in requests.items():
            send(0)  # warm: first-request work is not the page's
            with counter.listening() as seen:
                response = send(1)
            if response.status_code not in (200, 302):
                raise BenchError(f"{name} (test client) answered {response.status_code}")
            counts[name] = {"statements": seen.get("statements", 0), "events": dict(seen)}
            counts[name]["round_trips"] = counter.round_trips(seen)
    finally:
        engine.dispose()
    floor_app = create_floor_app(
        database_url, "bench-sql-only", app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    floor = floor_app.test_client()
    floor.get("/login")
    floor_csrf = client_csrf(floor, "/")
    with floor_app.app_context():
        from bench.floor_app import db as floor_db

        floor_engine = floor_db.engine
    counter = SqlCounter(floor_engine)
    for name, send in (
        ("floor", lambda: floor.get("/")),
        ("anon", lambda: floor_app.test_client().get("/anon")),
        ("post", lambda: floor.post("/post", data={"csrf_token": floor_csrf, "text": "sàn"})),
    ):
        send()
        with counter.listening() as seen:
            send()
        counts[name] = {"statements": seen.get("statements", 0), "events": dict(seen)}
        counts[name]["round_trips"] = counter.round_trips(seen)
    floor_engine.dispose()
    return counts


# --- Server ------------------------------------------------------------------------------------


@dataclass
class Target:
    """What the load generator sends for one route: a path (or one-time paths, each used
    once, from `cursor` on), a cookie and a form-encoded body."""

    path: str
    cookie: str | None = None
    method: str = "GET"
    form: dict | None = None
    paths: list[str] | None = None
    cursor: int = 0

    @property
    def body(self) -> str:
        return urlencode(self.form) if self.form is not None else ""


def floor_session(port: int) -> tuple[str, str]:
    """The floor's session cookie, logged in, once stable; and its form's CSRF token."""
    status, headers, _body = fetch(port, "GET", "/floor/login")
    found = FLOOR_COOKIE_RE.search(headers.get("set-cookie", ""))
    if status != 302 or not found:
        raise BenchError(f"GET /floor/login answered {status} without a session")
    cookie = found[1]
    for _visit in range(3):
        status, headers, body = fetch(port, "GET", FLOOR_PATHS["floor"], cookie)
        token = csrf_token_of(body)
        if status != 200 or not token or "Ông/Bà".encode() not in body:
            raise BenchError(f"GET /floor/ answered {status} without the logged-in page")
        found = FLOOR_COOKIE_RE.search(headers.get("set-cookie", ""))
        if not found:
            return cookie, token
        cookie = found[1]
    raise BenchError("the floor's session keeps changing")


def targets(port: int, seed: dict) -> dict[str, Target]:
    """Every route's Target, each checked once (a POST must redirect where it should)."""
    chairman = log_in(port, seed["chairman_login"], seed["password"])
    staff, resident, feedback_form = feedback_vs_hello.sessions(port, seed)
    feedback_vs_hello.check_routes(port, staff)  # hello, and the inbox's 50 rows
    upcoming_vs_hello.check_routes(port, UPCOMING_CONFERENCES)
    feedback_vs_hello.check_post(port, resident, feedback_form)
    rating_cookie, rating_form = rating_vs_hello.check_routes(port, seed, "satisfied")
    floor_cookie, floor_csrf = floor_session(port)
    booker = log_in(port, seed["booker_login"], seed["password"])
    status, headers, body = fetch(port, "GET", UPCOMING_PATH, booker)
    booker = headers.get("session", booker)
    book_form = {"csrf_token": csrf_token_of(body) or "", "question": ""}
    books = [f"/dialogues/{i}/book" for i in seed["to_book"][:-4]]
    status, headers, _body = fetch(port, "POST", books[0], booker, book_form)
    if status != 302 or not BOOKING_RE.match(headers.get("location", "")):
        raise BenchError(f"POST {books[0]} answered {status} to {headers.get('location')!r}")
    found = {
        "hello": Target(HELLO_PATH),
        "floor": Target(FLOOR_PATHS["floor"], floor_cookie),
        "anon": Target(FLOOR_PATHS["anon"]),
        "post": Target(
            FLOOR_PATHS["post"], floor_cookie, "POST", {"csrf_token": floor_csrf, "text": "Sàn"}
        ),
        "inbox": Target(INBOX_PATH, staff),
        "item": Target(f"/staff/feedback/{seed['item_id']}", staff),
        "bookings": Target("/my/bookings", resident),
        "dashboard": Target(DASHBOARD_PATH, chairman),
        "rating": Target(f"/r/{seed['page_token']}"),
        "upcoming": Target(UPCOMING_PATH),
        "feedback_post": Target(feedback_vs_hello.NEW_PATH, resident, "POST", feedback_form),
        "booking_post": Target(books[1], booker, "POST", book_form, paths=books, cursor=1),
        "rating_post": Target(
            "/r/x",
            rating_cookie,
            "POST",
            rating_form,
            paths=[f"/r/{raw}" for raw in seed["tokens"][1:-4]],  # the check used the first
        ),
    }
    for name in ("floor", "anon", "post", "item", "bookings", "dashboard", "rating"):
        target = found[name]
        status, _headers, _body = fetch(
            port, target.method, target.path, target.cookie or "", target.form
        )
        if status != (302 if target.method == "POST" else 200):
            raise BenchError(f"{target.method} {target.path} answered {status}")
    return found


def run(load, port: int, pids: list[int], target: Target, seconds: float, concurrency: int):
    """One load run on `target`, with the workers' CPU time per request over it (when their
    `pids` are given)."""
    set_cookie(target.cookie)
    before = cpu_seconds(pids) if pids else None
    if target.paths is not None:
        unused = target.paths[target.cursor :]
        if len(unused) < max(concurrency, 4):
            raise BenchError("the one-time links ran out: raise --tokens / --conferences-to-book")
        result = load(
            port, unused[0], seconds, concurrency, target.method, target.body, paths=unused
        )
        target.cursor += result["next_path"]
    else:
        result = load(port, target.path, seconds, concurrency, target.method, target.body)
    set_cookie(None)
    served = result["requests"] or 0
    if before is not None and served:
        result["cpu_ms_per_request"] = 1000 * (cpu_seconds(pids) - before) / served
    else:
        result["cpu_ms_per_request"] = None
    return result


def server_env(args, database_url: str, port: int, **settings) -> dict[str, str]:
    env = app_env(database_url, port, args)
    env.update(
        BOOKING_LIMIT=HIGH_LIMIT,
        FEEDBACK_LIMIT=HIGH_LIMIT,
        RATING_LIMIT_PER_IP=HIGH_LIMIT,
        **settings,
    )
    return env


def sequence(pages: list[Page]) -> list[tuple[str, str | None]]:
    """(route, page it belongs to) in order: per floor, hello, floor, page, …, hello, floor."""
    order = []
    for floor in FLOOR_PATHS:
        group = [p for p in pages if p.floor == floor]
        if not group:
            continue
        for page in group:
            order += [("hello", None), (floor, None), (page.name, page.name)]
        order += [("hello", None), (floor, None)]
    return order


def measure_pages(args, load, port: int, pids: list[int], found: dict[str, Target]) -> dict:
    """Every page's runs over the rounds: {page: [{rps, ratio_hello, ratio_floor, cpu}…]}."""
    order = sequence(args.pages)
    if args.warmup:
        for name in dict.fromkeys(route for route, _ in order):
            run(load, port, pids, found[name], args.warmup, args.concurrency)
    rounds: dict[str, list[dict]] = {p.name: [] for p in args.pages}
    floors: dict[str, list[float]] = {f: [] for f in FLOOR_PATHS}
    for number in range(args.rounds):
        print(f"Round {number + 1} of {args.rounds}…", flush=True)
        results = [
            run(load, port, pids, found[route], args.seconds, args.concurrency)
            for route, _page in order
        ]
        for i, (route, page_name) in enumerate(order):
            if page_name is None:
                continue
            page = next(p for p in args.pages if p.name == page_name)
            hello = (results[i - 2]["requests_per_second"], results[i + 1]["requests_per_second"])
            floor = (results[i - 1]["requests_per_second"], results[i + 2]["requests_per_second"])
            rps = results[i]["requests_per_second"]
            floors[page.floor] += floor
            rounds[route].append(
                {
                    **results[i],
                    "hello_rps": statistics.mean(hello),
                    "floor_rps": statistics.mean(floor),
                    "ratio_hello": rps / statistics.mean(hello) if any(hello) else 0.0,
                    "ratio_floor": rps / statistics.mean(floor) if any(floor) else 0.0,
                    "floor_cpu_ms": statistics.mean(
                        r["cpu_ms_per_request"] or 0 for r in (results[i - 1], results[i + 2])
                    ),
                }
            )
    return rounds


def median_of(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def measure_rss(args, port: int, master: int, found: dict[str, Target]) -> dict:
    """Worker RSS now and after --rss-requests mixed GETs of the pages."""
    pids = worker_pids(master)
    start = {pid: rss_mb(pid) for pid in pids}
    mixed = [
        ("GET", found[name].path, found[name].cookie, "")
        for name in ("inbox", "item", "bookings", "dashboard", "rating", "upcoming")
    ]
    statuses = send_mixed(port, mixed, args.rss_requests, args.concurrency)
    after = {pid: rss_mb(pid) for pid in pids}
    private = {pid: private_and_proportional_mb(pid) for pid in pids}
    return {
        "private_mb": round(max(uss for uss, _pss in private.values()), 1),
        "proportional_mb": round(max(pss for _uss, pss in private.values()), 1),
        "requests": args.rss_requests,
        "statuses": {str(k): v for k, v in statuses.items()},
        "start_mb": round(max(start.values()), 1),
        "after_mb": round(max(after.values()), 1),
        "by_worker": {str(pid): [round(start[pid], 1), round(after[pid], 1)] for pid in pids},
    }


def measure_cached(
    args, database_url: str, pooler: dict, workdir: Path, seed: dict, load
) -> list[dict]:
    """The cached dashboard's and upcoming page's p50/p99 (cache entries expire in the run)."""
    port = free_port()
    cache = str(args.cache_seconds)
    env = server_env(
        args, database_url, port, PAGE_CACHE_SECONDS=cache, DASHBOARD_CACHE_SECONDS=cache, **pooler
    )
    rows = []
    with gunicorn(env, port, workdir / "gunicorn-cached.log", "the cached pages' run"):
        chairman = log_in(port, seed["chairman_login"], seed["password"])
        for name, label in CACHED:
            target = (
                Target(DASHBOARD_PATH, chairman) if name == "dashboard" else Target(UPCOMING_PATH)
            )
            seconds = max(args.seconds, 2 * args.cache_seconds)  # at least two expiries
            if args.warmup:
                run(load, port, [], target, args.warmup, args.concurrency)
            result = run(load, port, [], target, seconds, args.concurrency)
            rows.append({"name": name, "label": label, "seconds": seconds, **result})
    return rows


@contextmanager
def database_for_server(args, database_url: str) -> Iterator[tuple[str, dict, str]]:
    """The URL the server uses, its extra settings, and a description: the database itself,
    or PgBouncer (transaction pooling) in front of it with --pgbouncer."""
    if not args.pgbouncer:
        yield database_url, {}, "direct"
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from nodes_support import running_pgbouncer, workdir

    version = subprocess.run(
        ["/usr/sbin/pgbouncer", "--version"], capture_output=True, text=True, check=False
    ).stdout.split("\n", 1)[0]
    numbers = tuple(int(n) for n in re.findall(r"\d+", version)[:2])
    # PgBouncer >= 1.21 can track prepared statements (max_prepared_statements); older ones
    # cannot, so psycopg must never prepare: DATABASE_POOLER=pgbouncer (portal/db.py) sets
    # prepare_threshold=None. The bench keeps that setting with either.
    note = (
        f"{version}, transaction pooling, psycopg prepare_threshold=None (DATABASE_POOLER="
        f"pgbouncer){'' if numbers >= (1, 21) else '; < 1.21: no max_prepared_statements'}"
    )
    with (
        workdir("ward-portal-pgbouncer-") as folder,
        running_pgbouncer(database_url, folder, pool_size=20) as bouncer,
    ):
        yield bouncer.url(), {"DATABASE_POOLER": "pgbouncer"}, note


# --- Report ------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "not met"


def print_report(report: dict) -> None:
    print()
    print(
        f"{'page':<32}{'req/s':>8}{'/hello':>8}{'/floor':>8}{'target':>8}{'':>9}"
        f"{'CPU ms':>8}{'SQL/RT':>8}"
    )
    sql = report["sql"]
    for row in report["pages"]:
        counts = sql.get(row["name"], {})
        print(
            f"{row['label']:<32}{row['rps']:>8.1f}{row['ratio_hello']:>8.3f}"
            f"{row['ratio_floor']:>8.2f}{row['target']:>8.2f} {verdict(row['met']):<8}"
            f"{row['cpu_ms'] or 0:>8.1f}"
            f"{counts.get('statements', '-'):>4}/{counts.get('round_trips', '-'):<3}"
        )
    for floor, figures in report["floors"].items():
        counts = sql.get(floor, {})
        print(
            f"{FLOOR_NAMES[floor]:<32}{figures['rps']:>8.1f}{figures['ratio_hello']:>8.3f}"
            f"{'':>25}{figures['cpu_ms'] or 0:>8.1f}"
            f"{counts.get('statements', '-'):>4}/{counts.get('round_trips', '-'):<3}"
        )
    print(f"{'hello':<32}{report['hello_rps']:>8.1f}{1:>8.3f}")
    rss = report["rss"]
    if rss:
        print(
            f"Worker RSS: {rss['start_mb']:.1f} MB at start, {rss['after_mb']:.1f} MB after "
            f"{rss['requests']} mixed GETs (largest worker; target <= {RSS_TARGET_MB:.0f} MB): "
            f"{verdict(rss['met'])}; of which private {rss['private_mb']:.1f} MB "
            f"(proportional share {rss['proportional_mb']:.1f} MB)"
        )
    for row in report["cached"]:
        print(
            f"{row['label']}: p50 {row['p50_ms'] or 0:.1f} ms, p99 {row['p99_ms'] or 0:.1f} ms "
            f"at {report['settings']['concurrency']} connections, cache {row['cache_seconds']} s "
            f"(target p99 <= {P99_TARGET:g} x p50): {verdict(row['met'])}"
        )
    print(f"Server database: {report['settings']['server_database']}")


def summarize(args, rounds: dict, sql: dict) -> tuple[list[dict], dict, float, list[str]]:
    rows, failures = [], []
    floors: dict[str, dict] = {}
    hello = []
    for page in args.pages:
        runs = rounds[page.name]
        ratio_floor = median_of(runs, "ratio_floor") or 0.0
        row = {
            "name": page.name,
            "label": page.label,
            "floor": page.floor,
            "rps": median_of(runs, "requests_per_second") or 0.0,
            "ratio_hello": median_of(runs, "ratio_hello") or 0.0,
            "ratio_floor": ratio_floor,
            "target": page.target,
            "met": ratio_floor >= page.target,
            "cpu_ms": median_of(runs, "cpu_ms_per_request"),
            "p50_ms": median_of(runs, "p50_ms"),
            "p99_ms": median_of(runs, "p99_ms"),
            "errors": sum(sum(r["errors"].values()) for r in runs),
            "rounds": [
                {k: r[k] for k in ("requests_per_second", "ratio_hello", "ratio_floor")}
                for r in runs
            ],
        }
        rows.append(row)
        hello += [r["hello_rps"] for r in runs]
        figures = floors.setdefault(page.floor, {"rps": [], "hello": [], "cpu": []})
        figures["rps"] += [r["floor_rps"] for r in runs]
        figures["hello"] += [r["hello_rps"] for r in runs]
        figures["cpu"] += [r["floor_cpu_ms"] for r in runs]
        if row["errors"]:
            failures.append(f"{page.label}: {row['errors']} requests failed")
        if args.strict and not row["met"]:
            failures.append(f"{page.label}: {ratio_floor:.2f} of the floor < {page.target}")
    floor_rows = {
        floor: {
            "rps": statistics.median(f["rps"]),
            "ratio_hello": statistics.median(f["rps"]) / statistics.median(f["hello"]),
            "cpu_ms": statistics.median(f["cpu"]),
        }
        for floor, f in floors.items()
    }
    return rows, floor_rows, statistics.median(hello) if hello else 0.0, failures


def bench(args: argparse.Namespace, database_url: str, workdir: Path) -> tuple[dict, list[str]]:
    generator, load = load_generator(args)
    print("Migrating and loading the demo data…")
    prepare_database(app_env(database_url, 0, args))
    print("Seeding: 50 feedback items, rating links, conferences, the floor's user…")
    seed = seed_bench_database(database_url, args)
    print("SQL statements and round trips (in process)…")
    sql = count_sql(database_url, seed)
    failures: list[str] = []
    with database_for_server(args, database_url) as (server_url, pooler, description):
        port = free_port()
        env = server_env(
            args, server_url, port, PAGE_CACHE_SECONDS="0", DASHBOARD_CACHE_SECONDS="0", **pooler
        )
        with gunicorn(env, port, workdir / "gunicorn.log") as proc:
            found = targets(port, seed)
            print(
                f"gunicorn gthread {args.workers}x{args.threads} on {HOST}:{port}, load "
                f"{generator}, {args.concurrency} connections, {args.seconds:g} s per run, "
                f"{args.rounds} round(s); database {description}"
            )
            rss = measure_rss(args, port, proc.pid, found) if args.rss_requests else None
            pids = worker_pids(proc.pid)
            rounds = measure_pages(args, load, port, pids, found)
        cached = measure_cached(args, server_url, pooler, workdir, seed, load)
    rows, floors, hello_rps, page_failures = summarize(args, rounds, sql)
    failures += page_failures
    if rss:
        rss["met"] = rss["after_mb"] <= RSS_TARGET_MB
        if rss["statuses"].keys() - {"200"}:
            failures.append(f"mixed GETs answered {rss['statuses']}")
    for row in cached:
        row["cache_seconds"] = args.cache_seconds
        row["met"] = bool(row["p50_ms"]) and (row["p99_ms"] or 0) <= P99_TARGET * row["p50_ms"]
        if row["errors"]:
            failures.append(f"{row['label']}: requests failed {row['errors']}")
    report = {
        "pages": rows,
        "floors": floors,
        "hello_rps": hello_rps,
        "sql": sql,
        "rss": rss,
        "cached": cached,
        "settings": load_settings(
            args,
            database_url,
            rounds=args.rounds,
            rss_requests=args.rss_requests,
            cache_seconds=args.cache_seconds,
            server_database=description,
        ),
    }
    print_report(report)
    report["ok"] = not failures
    return report, failures


def main(argv: list[str] | None = None) -> int:
    return run_in_workspace(parse_args(argv), "ward-portal-pages-", bench)


if __name__ == "__main__":
    sys.exit(main())
