"""A burst of residents booking one conference at once, through gunicorn (`make bench-dialogues`).

N residents, each logged in with their own session, all POST /dialogues/<id>/book for one
published conference of --seats seats at the same moment (--concurrency client threads). The
booking engine must confirm exactly --seats of them and put everyone else on the waiting list,
whatever the number of gunicorn workers and threads, with no server error and no "database is
locked". The database is then checked directly.

The database is a temporary SQLite file, or a fresh PostgreSQL database `portal_bench_<random>`
created with CREATE DATABASE on the server of --database-url and dropped at the end. Either is
migrated (`flask db upgrade`) and loaded with the demo data; the residents and the conference
are added through the app's models. Residents get their session cookie either signed with the
app's own session serializer (default: fast) or by logging in through POST /login (--login
form: argon2 makes that slow on purpose). Each one then opens the conference page with that
cookie to read its CSRF token, as a browser would.

Exit status: 0 when every request was answered and confirmed == seats, waiting ==
requests - seats and seats_taken == seats in the database; 1 otherwise; 2 when the bench
could not run.
"""

from __future__ import annotations

import argparse
import http.client
import re
import secrets
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from common import (
    HEADERS,
    HOST,
    BenchError,
    app_env,
    free_port,
    gunicorn,
    make_app,
    prepare_database,
    run_in_workspace,
)

WARD_SLUG = "phuong-bo-de"  # a ward the demo data serves
PHONE_PREFIX = "0913"  # + 6 digits; the demo accounts use other prefixes
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SERVER_TROUBLE = ("Traceback", "database is locked", "[CRITICAL]", "WORKER TIMEOUT")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test): "
        "a fresh database is created on that server for the bench and dropped afterwards; "
        "without it, a temporary SQLite file",
    )
    parser.add_argument("--requests", type=int, default=500, help="residents booking at once")
    parser.add_argument("--seats", type=int, default=50, help="seats of the conference")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--concurrency", type=int, default=64, help="client threads")
    parser.add_argument(
        "--login",
        choices=("signed", "form"),
        default="signed",
        help="sign session cookies with the app's serializer (fast), or log every resident in "
        "through POST /login (slow: argon2)",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.seats < 1 or args.concurrency < 1:
        parser.error("--requests, --seats and --concurrency must be >= 1")
    if args.requests > 999_999:
        parser.error("--requests must be < 1000000")
    if args.workers < 1 or args.threads < 1:
        parser.error("--workers and --threads must be >= 1")
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL URL")
    return args


# --- Database ----------------------------------------------------------------------------------


def seed(app, requests: int, seats: int) -> tuple[int, list[tuple[int, str, str]]]:
    """One published conference of `seats` seats and `requests` residents; returns the
    conference id and (user id, phone, Flask-Login id) of each resident."""
    from portal.auth.models import Role, User
    from portal.auth.passwords import hash_password
    from portal.auth.phones import normalize_phone
    from portal.db import utcnow
    from portal.dialogues.models import DialogueSession, SessionKind, SessionMode, SessionStatus
    from portal.extensions import db
    from portal.wards.services import get_ward_by_slug

    with app.app_context():
        ward = get_ward_by_slug(WARD_SLUG)
        if ward is None:
            raise BenchError(f"ward {WARD_SLUG} is missing: did `flask demo load` run?")
        password_hash = hash_password(PASSWORD)  # once: argon2 is slow on purpose
        users = [
            User(
                full_name=f"Cư dân thử {i:06d}",
                phone=normalize_phone(f"{PHONE_PREFIX}{i:06d}"),
                password_hash=password_hash,
                role=Role.RESIDENT,
                ward_id=ward.id,
                locale="vi",
            )
            for i in range(requests)
        ]
        db.session.add_all(users)
        starts = utcnow() + timedelta(days=14)
        conference = DialogueSession(
            ward_id=ward.id,
            kind=SessionKind.CONFERENCE,
            status=SessionStatus.PUBLISHED,
            title="Hội nghị đối thoại: thử tải đăng ký",
            agenda="Bench",
            mode=SessionMode.IN_PERSON,
            venue="Hội trường UBND phường",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=seats,
            walk_in_seats=0,
            seats_taken=0,
            walk_ins=0,
            published_at=utcnow(),
        )
        db.session.add(conference)
        db.session.commit()
        residents = [(u.id, u.phone, u.get_id()) for u in users]
        result = conference.id
        db.session.remove()
        return result, residents


PASSWORD = "bench-pass-2026"  # noqa: S105 - a throwaway account password for the bench


# --- HTTP --------------------------------------------------------------------------------------


@dataclass
class Resident:
    user_id: int
    phone: str
    login_id: str
    cookie: str = ""  # "session=..."
    csrf: str = ""


@dataclass
class Outcome:
    status: int | None
    location: str = ""
    flash_category: str = ""
    error: str = ""
    body_excerpt: str = ""
    sent: float = 0.0
    done: float = 0.0


def session_cookie(response: http.client.HTTPResponse) -> str:
    """The `session=...` pair the response sets, or ""."""
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return ""


def request(
    conn: http.client.HTTPConnection, method: str, path: str, cookie: str = "", body: str = ""
) -> tuple[http.client.HTTPResponse, bytes]:
    headers = dict(HEADERS)
    if cookie:
        headers["Cookie"] = cookie
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body.encode() if body else None, headers=headers)
    response = conn.getresponse()
    return response, response.read()


def signed_cookies(app, residents: list[Resident]) -> None:
    """Sign a logged-in session for every resident with the app's own serializer."""
    from flask_login.utils import _create_identifier

    serializer = app.session_interface.get_signing_serializer(app)
    with app.test_request_context(
        "/", headers={"User-Agent": HEADERS["User-Agent"]}, environ_base={"REMOTE_ADDR": HOST}
    ):
        identifier = _create_identifier()  # what Flask-Login's session protection expects
    for resident in residents:
        value = serializer.dumps(
            {
                "_user_id": resident.login_id,
                "_fresh": True,
                "_id": identifier,
                "csrf_token": secrets.token_hex(20),
            }
        )
        resident.cookie = f"session={value}"


def form_login(port: int, resident: Resident) -> None:
    """GET /login for a CSRF token, then POST /login, as a browser would."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        response, body = request(conn, "GET", "/login")
        match = CSRF_RE.search(body.decode())
        cookie = session_cookie(response)
        if response.status != 200 or not match or not cookie:
            raise BenchError(f"GET /login answered {response.status}")
        form = {"csrf_token": match[1], "login": resident.phone, "password": PASSWORD, "next": ""}
        response, body = request(conn, "POST", "/login", cookie, urlencode(form))
        if response.status != 302:
            raise BenchError(f"POST /login for {resident.phone} answered {response.status}")
        resident.cookie = session_cookie(response) or cookie
    finally:
        conn.close()


def read_csrf(port: int, detail_path: str, book_path: str, resident: Resident) -> None:
    """Open the conference page with the resident's cookie: the booking form and its token."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        response, body = request(conn, "GET", detail_path, resident.cookie)
    finally:
        conn.close()
    html = body.decode()
    match = CSRF_RE.search(html)
    if response.status != 200 or not match or f'action="{book_path}"' not in html:
        raise BenchError(
            f"GET {detail_path} as resident {resident.user_id} answered {response.status} "
            "without the booking form (not logged in?)"
        )
    resident.csrf = match[1]
    resident.cookie = session_cookie(response) or resident.cookie


def burst(
    port: int, book_path: str, residents: list[Resident], concurrency: int, flashes
) -> list[Outcome]:
    """Every resident POSTs the booking form once; `concurrency` threads start together."""
    queue = iter(residents)
    queue_lock = threading.Lock()
    threads = min(concurrency, len(residents))
    barrier = threading.Barrier(threads)
    outcomes: list[Outcome] = []
    out_lock = threading.Lock()

    def next_resident() -> Resident | None:
        with queue_lock:
            return next(queue, None)

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        mine: list[Outcome] = []
        try:
            conn.connect()
            barrier.wait(timeout=60)
            while (resident := next_resident()) is not None:
                body = urlencode({"csrf_token": resident.csrf, "question": ""})
                outcome = Outcome(status=None, sent=time.perf_counter())
                try:
                    response, data = request(conn, "POST", book_path, resident.cookie, body)
                except (OSError, http.client.HTTPException) as error:
                    outcome.error = f"{type(error).__name__}: {error}"
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=120)
                else:
                    outcome.status = response.status
                    outcome.location = response.getheader("Location", "")
                    outcome.flash_category = flashes(session_cookie(response))
                    text = data.decode(errors="replace")
                    if response.status != 302 or "database is locked" in text:
                        outcome.body_excerpt = text[:300]
                    if response.will_close:
                        conn.close()
                        conn = http.client.HTTPConnection(HOST, port, timeout=120)
                outcome.done = time.perf_counter()
                mine.append(outcome)
        finally:
            conn.close()
            with out_lock:
                outcomes.extend(mine)

    workers = [threading.Thread(target=client, name=f"burst-{i}") for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return outcomes


def flash_reader(app):
    """Decode the flash category a response's session cookie carries (success = confirmed,
    info = waiting list, error = refused)."""
    serializer = app.session_interface.get_signing_serializer(app)

    def read(cookie: str) -> str:
        if not cookie:
            return ""
        try:
            data = serializer.loads(cookie.split("=", 1)[1])
        except Exception:  # noqa: BLE001 - a bench: an unreadable cookie is just reported
            return "?"
        categories = [flash[0] for flash in data.get("_flashes", [])]
        return ",".join(categories)

    return read


# --- Checks and report -------------------------------------------------------------------------


@dataclass
class Tally:
    confirmed: int = 0
    waiting: int = 0
    refused: int = 0
    errors: Counter = field(default_factory=Counter)
    server_errors: int = 0
    examples: list[str] = field(default_factory=list)


def tally(outcomes: list[Outcome]) -> Tally:
    t = Tally()
    for o in outcomes:
        problem = ""
        if o.status is None:
            problem = f"no answer ({o.error})"
            t.server_errors += 1
        elif o.body_excerpt and "database is locked" in o.body_excerpt:
            problem = "database is locked"
            t.server_errors += 1
        elif o.status >= 500:
            problem = f"HTTP {o.status}"
            t.server_errors += 1
        elif o.status != 302:
            problem = f"HTTP {o.status}"
        elif not urlsplit(o.location).path.startswith("/bookings/"):
            t.refused += 1
            problem = f"refused (302 to {o.location}, flash {o.flash_category or '-'})"
        elif o.flash_category == "success":
            t.confirmed += 1
        elif o.flash_category == "info":
            t.waiting += 1
        else:
            problem = f"booked with an unexpected flash {o.flash_category!r}"
        if problem:
            t.errors[problem.split(" (")[0]] += 1
            if len(t.examples) < 5:
                t.examples.append(f"{problem}: {o.body_excerpt[:200]!r}")
    return t


def database_state(app, session_id: int) -> dict:
    from portal.dialogues.models import Booking, DialogueSession
    from portal.extensions import db

    with app.app_context():
        statuses = Counter(
            str(status)
            for status in db.session.execute(
                sa.select(Booking.status).where(Booking.session_id == session_id)
            ).scalars()
        )
        session = db.session.get(DialogueSession, session_id)
        per_user = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Booking)
            .where(Booking.session_id == session_id)
            .group_by(Booking.user_id)
            .having(sa.func.count() > 1)
        ).all()
        state = {
            "confirmed": statuses.get("confirmed", 0),
            "waiting": statuses.get("waiting", 0),
            "other_statuses": {
                k: v for k, v in statuses.items() if k not in ("confirmed", "waiting")
            },
            "seats_taken": session.seats_taken,
            "capacity": session.capacity,
            "residents_with_two_bookings": len(per_user),
        }
        db.session.remove()
        return state


def run(args: argparse.Namespace, database_url: str, workdir: Path) -> tuple[dict, list[str]]:
    secret_key = secrets.token_hex(32)
    port = free_port()
    env = app_env(database_url, port, args)
    env.update(SECRET_KEY=secret_key, PAGE_CACHE_SECONDS="0")
    log_path = workdir / "gunicorn.log"

    print("Migrating and loading the demo data…")
    prepare_database(env)
    app = make_app(database_url, secret_key)
    try:
        return _run(args, app, env, port, log_path)
    finally:
        from portal.extensions import db

        with app.app_context():
            db.engine.dispose()


def _run(args, app, env, port, log_path) -> tuple[dict, list[str]]:
    print(f"Adding {args.requests} residents and a conference of {args.seats} seats…")
    session_id, people = seed(app, args.requests, args.seats)
    residents = [Resident(user_id=u, phone=p, login_id=i) for u, p, i in people]
    detail_path = f"/wards/{WARD_SLUG}/dialogues/{session_id}"
    book_path = f"/dialogues/{session_id}/book"

    with gunicorn(env, port, log_path, during="the burst"):
        print(f"gunicorn gthread {args.workers} workers x {args.threads} threads on {HOST}:{port}")
        started = time.perf_counter()
        if args.login == "signed":
            signed_cookies(app, residents)
        else:
            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(lambda r: form_login(port, r), residents))
        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(lambda r: read_csrf(port, detail_path, book_path, r), residents))
        print(
            f"{len(residents)} residents logged in ({args.login}) and holding a CSRF token "
            f"in {time.perf_counter() - started:.1f} s"
        )

        print(f"Burst: {len(residents)} POST {book_path} from {args.concurrency} threads…")
        outcomes = burst(port, book_path, residents, args.concurrency, flash_reader(app))

    t = tally(outcomes)
    drain = max(o.done for o in outcomes) - min(o.sent for o in outcomes)
    latencies = sorted((o.done - o.sent) * 1000 for o in outcomes)
    db_state = database_state(app, session_id)
    log_text = log_path.read_text(errors="replace") if log_path.exists() else ""
    log_trouble = {word: log_text.count(word) for word in SERVER_TROUBLE if word in log_text}

    failures = []
    expected_confirmed = min(args.seats, args.requests)
    expected_waiting = args.requests - expected_confirmed
    if t.server_errors:
        failures.append(f"{t.server_errors} server error(s)")
    if sum(t.errors.values()):
        failures.append(f"{sum(t.errors.values())} request(s) not booked: {dict(t.errors)}")
    if log_trouble:
        failures.append(f"gunicorn log shows {log_trouble}")
    if t.confirmed != expected_confirmed or t.waiting != expected_waiting:
        failures.append(
            f"responses: confirmed {t.confirmed}, waiting {t.waiting} "
            f"(expected {expected_confirmed} and {expected_waiting})"
        )
    if db_state["confirmed"] != expected_confirmed:
        failures.append(
            f"database: {db_state['confirmed']} confirmed, expected {expected_confirmed}"
        )
    if db_state["seats_taken"] != expected_confirmed:
        failures.append(f"database: seats_taken {db_state['seats_taken']} != {expected_confirmed}")
    if db_state["waiting"] != expected_waiting:
        failures.append(f"database: {db_state['waiting']} waiting, expected {expected_waiting}")
    if db_state["other_statuses"] or db_state["residents_with_two_bookings"]:
        failures.append(f"database: unexpected bookings {db_state}")

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    report = {
        "requests": len(outcomes),
        "confirmed": t.confirmed,
        "waiting": t.waiting,
        "refused": t.refused,
        "errors": dict(t.errors),
        "server_errors": t.server_errors,
        "drain_seconds": round(drain, 3),
        "requests_per_second": round(len(outcomes) / drain, 1) if drain > 0 else None,
        "p50_ms": round(pct(0.50), 1),
        "p99_ms": round(pct(0.99), 1),
        "max_ms": round(latencies[-1], 1),
        "database": db_state,
        "gunicorn_log_trouble": log_trouble,
        "examples": t.examples,
        "settings": {
            "backend": sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name(),
            "seats": args.seats,
            "workers": args.workers,
            "threads": args.threads,
            "concurrency": args.concurrency,
            "login": args.login,
        },
        "ok": not failures,
    }
    return report, failures


def print_report(report: dict, failures: list[str]) -> None:
    s, d = report["settings"], report["database"]
    print()
    print(
        f"{s['backend']}: {report['requests']} booking requests, {s['seats']} seats, "
        f"gunicorn {s['workers']}x{s['threads']}, {s['concurrency']} client threads"
    )
    print(
        f"  responses: confirmed {report['confirmed']}, waiting list {report['waiting']}, "
        f"refused {report['refused']}, errors {sum(report['errors'].values())} "
        f"(server errors {report['server_errors']})"
    )
    print(
        f"  drain {report['drain_seconds']:.2f} s (first sent -> last answered), "
        f"{report['requests_per_second']} requests/s, latency p50 {report['p50_ms']} ms, "
        f"p99 {report['p99_ms']} ms, max {report['max_ms']} ms"
    )
    print(
        f"  database: confirmed {d['confirmed']}, waiting {d['waiting']}, "
        f"seats_taken {d['seats_taken']} of {d['capacity']}"
    )
    for example in report["examples"]:
        print(f"  e.g. {example}")
    if failures:
        for failure in failures:
            print(f"FAILED: {failure}", file=sys.stderr)
    else:
        print("OK: no overbooking, no server error.")


def main(argv: list[str] | None = None) -> int:
    return run_in_workspace(parse_args(argv), "ward-portal-burst-", run, report_to=print_report)


if __name__ == "__main__":
    sys.exit(main())
