"""Several servers, from real parts (tests/nodes_support.py): nginx in front of two gunicorn
servers on one PostgreSQL through PgBouncer (transaction pooling), rate limits in Redis, and
the outbox worker on both nodes.

The burst: a few hundred residents, each with an account of their own (number proven) and
logged in, book one small conference through nginx at once from many client threads, while
one app server is stopped (SIGTERM) and started again. A resident whose request got a 502 or
503 from nginx (the server went away under it) sends it again, as the page nginx shows asks;
every other answer is final. Then failed logins from one client address, through nginx to
both servers, meet the per-address limit once in all.

Needs TEST_DATABASE_URL (a database `<name>_nodes` is made beside it and dropped) and
REDIS_URL; skipped with the reason otherwise.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import runpy
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa
from conftest import (
    PASSWORD,
    XDIST_WORKER,
    fresh_database,
    make_conference,
    make_config,
    make_user,
    make_ward,
    worker_database_name,
)
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from nodes_support import (
    HOST,
    REPO,
    AppServer,
    OutboxWorker,
    app_env,
    free_port,
    random_secret,
    running_nginx,
    running_pgbouncer,
    stop_all,
    tail,
    workdir,
)

from portal import create_app
from portal.auth.models import AuthSession, Role
from portal.auth.sessions import KEY, _hash
from portal.dialogues.models import Booking, BookingStatus, DialogueSession
from portal.dialogues.services import waiting_position
from portal.extensions import db
from portal.notifications.models import OutboxMessage, OutboxStatus

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

CAPACITY = 20
RESIDENTS = 300
FORM_LOGINS = 2  # of them log in through the login form (through nginx); the rest as login_as
CLIENT_THREADS = 24
# Per server: one worker process (two would only slow the start on a 2-core CI machine; the
# per-address limit is shared between servers all the same), threads as in production.
GUNICORN_WORKERS, GUNICORN_THREADS = 1, 6
STOP_AFTER = 0.3  # server A gets SIGTERM when this share of the residents has an answer
HOLD_FROM = 0.7  # the residents from this share on wait until A is back and serving
RETRYABLE = (502, 503, 504)
MAX_TRIES = 6
# nginx tries a server that failed again after this many seconds (docs: 10, nginx's default;
# shorter here only so that the restarted server is back in rotation sooner).
FAIL_TIMEOUT = 2
LOGIN_LIMIT = 8  # failed logins per client address and hour, for this test's servers

UNAVAILABLE_TITLE = "Cổng phường tạm thời gián đoạn"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
OUTBOX_SENT_RE = re.compile(r"outbox #(\d+) (\w+) sent to")
# The place a waiting-list message tells (SMS texts go without diacritics by default).
TOLD_POSITION_RE = re.compile(r"(?:number|vi tri so|vị trí số) (\d+)")


def told_position(body: str) -> int | None:
    match = TOLD_POSITION_RE.search(body)
    return int(match[1]) if match else None


def needs_services() -> None:
    if not PG_URL:
        pytest.skip("several-servers test skipped: TEST_DATABASE_URL is not set")
    if not REDIS_URL:
        pytest.skip("several-servers test skipped: REDIS_URL is not set")


# ---------------------------------------------------------------- HTTP through nginx


def session_pair(response: http.client.HTTPResponse) -> str:
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return ""


def send(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    cookie: str = "",
    form: dict | None = None,
    headers: dict | None = None,
) -> tuple[int, dict, bytes, str]:
    """One request; returns the status, the headers (lower-case names), the body and the new
    session cookie ("" when the response sets none)."""
    sent = {"Accept-Language": "vi", "User-Agent": "ward-portal-nodes-test", **(headers or {})}
    if cookie:
        sent["Cookie"] = cookie
    body = None
    if form is not None:
        body = urlencode(form).encode()
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=sent)
    response = conn.getresponse()
    data = response.read()
    found = {name.lower(): value for name, value in response.getheaders()}
    return response.status, found, data, session_pair(response)


@dataclass
class Resident:
    user_id: int
    phone: str
    cookie: str = ""
    csrf: str = ""
    attempts: list = field(default_factory=list)  # (status or error, seconds since start)
    answer: str = ""  # confirmed, waiting, booked-before (a retry after a lost answer), error
    code: str = ""
    detail: str = ""


def form_login(port: int, resident: Resident) -> None:
    """Log in through the login page, as a browser would (GET for the token, POST)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        status, _, body, cookie = send(conn, "GET", "/login")
        token = CSRF_RE.search(body.decode())
        assert status == 200 and token and cookie, f"GET /login answered {status}"
        form = {"csrf_token": token[1], "login": resident.phone, "password": PASSWORD, "next": ""}
        status, _, _, new_cookie = send(conn, "POST", "/login", cookie, form)
        assert status == 302 and new_cookie, f"POST /login answered {status}"
        # Follow the redirect, as a browser does: the page shows (and uses up) the welcome.
        status, _, _, shown = send(conn, "GET", "/", new_cookie)
        assert status == 200, f"GET / after logging in answered {status}"
        resident.cookie = shown or new_cookie
    finally:
        conn.close()


# ---------------------------------------------------------------- the set-up


def seed(app) -> tuple[int, str, list[Resident]]:
    """A served ward, one published conference of CAPACITY seats and RESIDENTS residents with
    proven numbers; all but FORM_LOGINS of them get a server-side session and its signed
    cookie (what conftest.login_as does), with a CSRF secret in it."""
    serializer = app.session_interface.get_signing_serializer(app)
    with app.app_context():
        ward = make_ward(130, "Phường Bồ Đề", "phuong-bo-de")
        conference = make_conference(ward, capacity=CAPACITY, title="Hội nghị đối thoại: 2 máy chủ")
        users = [make_user(Role.RESIDENT, ward, name=f"Cư dân {i:03d}") for i in range(RESIDENTS)]
        residents = []
        for i, user in enumerate(users):
            resident = Resident(user.id, user.phone)
            if i >= FORM_LOGINS:
                secret = f"nodes-{user.id}-{os.urandom(8).hex()}"
                db.session.add(
                    AuthSession(user_id=user.id, token_hash=_hash(secret), method="test")
                )
                session = {
                    "_user_id": user.get_id(),
                    "_fresh": True,
                    KEY: secret,
                    "csrf_token": hashlib.sha1(os.urandom(64)).hexdigest(),  # noqa: S324
                }
                resident.cookie = f"session={serializer.dumps(session)}"
            residents.append(resident)
        db.session.commit()
        result = conference.id, f"/wards/{ward.slug}/dialogues/{conference.id}"
        db.session.remove()
    return (*result, residents)


def add_csrf_tokens(app, secret_key: str, residents: list[Resident]) -> None:
    """The form token of each resident's session, as flask_wtf.csrf.generate_csrf signs it
    (the page would show the same one)."""
    session_serializer = app.session_interface.get_signing_serializer(app)
    csrf_serializer = URLSafeTimedSerializer(secret_key, salt="wtf-csrf-token")
    for resident in residents:
        session = session_serializer.loads(resident.cookie.split("=", 1)[1])
        resident.csrf = csrf_serializer.dumps(session["csrf_token"])


def flash_categories(app, cookie: str) -> list[str]:
    if not cookie:
        return []
    data = app.session_interface.get_signing_serializer(app).loads(cookie.split("=", 1)[1])
    return [category for category, _ in data.get("_flashes", [])]


# ---------------------------------------------------------------- the burst


@dataclass
class Burst:
    nginx_port: int
    book_path: str
    detail_path: str
    residents: list[Resident]
    app: object
    started: float = field(default_factory=time.monotonic)
    answered: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    back: threading.Event = field(default_factory=threading.Event)
    retries: Counter = field(default_factory=Counter)
    window: list = field(default_factory=lambda: [0.0, 0.0])  # server A stopped .. back

    def book(self, resident: Resident) -> None:
        """POST the booking form; again after a 502/503/504 or no answer, as the resident
        would after nginx's error page, at most MAX_TRIES times."""
        form = {"csrf_token": resident.csrf, "question": ""}
        for attempt in range(MAX_TRIES):
            conn = http.client.HTTPConnection(HOST, self.nginx_port, timeout=60)
            try:
                status, headers, body, cookie = send(
                    conn, "POST", self.book_path, resident.cookie, form
                )
            except (OSError, http.client.HTTPException) as error:
                resident.attempts.append((type(error).__name__, self.since()))
                with self.lock:
                    self.retries["no answer"] += 1
                time.sleep(0.2)
                continue
            finally:
                conn.close()
            resident.attempts.append((status, self.since()))
            if status in RETRYABLE:
                with self.lock:
                    self.retries[status] += 1
                    if UNAVAILABLE_TITLE in body.decode(errors="replace"):
                        self.retries["our page"] += 1
                    if headers.get("retry-after") == "5":
                        self.retries["with Retry-After"] += 1
                time.sleep(0.2)
                continue
            self.classify(resident, status, headers, body, cookie, retried=attempt > 0)
            break
        else:
            resident.answer = "error"
            resident.detail = f"no answer after {MAX_TRIES} tries: {resident.attempts}"
        with self.lock:
            self.answered += 1

    def classify(self, resident, status, headers, body, cookie, *, retried: bool) -> None:
        location = urlsplit(headers.get("location", "")).path
        categories = flash_categories(self.app, cookie)
        if status == 302 and location.startswith("/bookings/"):
            resident.code = location.removeprefix("/bookings/")
            if categories == ["success"]:
                resident.answer = "confirmed"
            elif categories == ["info"]:
                resident.answer = "waiting"
            else:
                resident.answer, resident.detail = "error", f"booked with flash {categories}"
        elif status == 302 and location == self.detail_path and retried and "error" in categories:
            # "You have already booked this session": the try whose answer was lost did book.
            resident.answer = "booked-before"
        else:
            resident.answer = "error"
            resident.detail = f"HTTP {status} to {location!r} {categories} {body[:300]!r}"

    def since(self) -> float:
        return round(time.monotonic() - self.started, 3)

    def run(self) -> None:
        queue = iter(range(len(self.residents)))
        queue_lock = threading.Lock()
        hold_from = int(HOLD_FROM * len(self.residents))

        def client() -> None:
            while True:
                with queue_lock:
                    index = next(queue, None)
                if index is None:
                    return
                if index >= hold_from:
                    self.back.wait(timeout=90)
                self.book(self.residents[index])

        threads = [threading.Thread(target=client) for _ in range(CLIENT_THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)


def upstream_lines(access_log, since_msec: float = 0.0) -> list[dict]:
    """nginx's access log, parsed: client, time, method, path, status, upstream(s)."""
    pattern = re.compile(
        r'^(?P<client>\S+) \[(?P<msec>[\d.]+)\] "(?P<method>\S+) (?P<path>\S+)" (?P<status>\d+) '
        r"\d+ \S+ up=(?P<up>.*?) upstatus=(?P<upstatus>.*)$"
    )
    rows = []
    for line in access_log.read_text().splitlines():
        match = pattern.match(line)
        if match and float(match["msec"]) >= since_msec:
            rows.append(match.groupdict())
    return rows


def restart_midway(burst: Burst, server: AppServer, nginx, report: dict) -> None:
    """SIGTERM server A once STOP_AFTER of the residents have an answer, start it again, and
    let the held residents go once nginx sends it requests again."""
    try:
        while burst.answered < STOP_AFTER * len(burst.residents):
            time.sleep(0.01)
        report["answered_at_stop"] = burst.answered
        stop_at = time.monotonic()
        burst.window[0] = time.time()
        report["stop_exit_code"] = server.stop()
        report["stop_seconds"] = round(time.monotonic() - stop_at, 2)
        server.start()
        server.wait_healthy()
        up_at = time.time()
        report["down_seconds"] = round(time.monotonic() - stop_at, 2)
        report["answered_while_down"] = burst.answered - report["answered_at_stop"]
        target = f"{HOST}:{server.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # nginx tries a failed server again after fail_timeout
            conn = http.client.HTTPConnection(HOST, nginx.port, timeout=5)
            try:
                send(conn, "GET", "/healthz")
            finally:
                conn.close()
            served = [
                r
                for r in upstream_lines(nginx.access_log, up_at)
                if r["up"].endswith(target) and r["upstatus"].endswith("200")
            ]
            if served:
                break
            time.sleep(0.1)
        report["back_in_rotation_seconds"] = round(time.monotonic() - stop_at, 2)
        burst.window[1] = time.time()
    finally:
        burst.back.set()


# ---------------------------------------------------------------- the test


def test_burst_through_nginx_while_a_server_restarts(tmp_path):
    """Exactly CAPACITY confirmed, the rest waiting in order, every success answer backed by
    a booking, no 5xx but the retryable ones of the restart, each message sent once by one of
    the two workers, and one per-address limit over both servers. The parts' logs and
    configs are left in tmp_path."""
    needs_services()
    began = time.monotonic()
    report: dict = {}
    base = sa.make_url(PG_URL).database
    name = worker_database_name(f"{base}_nodes", XDIST_WORKER or "main")
    secret_key = random_secret()
    prefix = f"ward-portal-nodes-{os.urandom(6).hex()}"
    with (
        workdir("ward-portal-nodes-", keep_logs=tmp_path) as folder,
        fresh_database(PG_URL, name) as direct_url,
        running_pgbouncer(direct_url, folder, pool_size=10) as pgbouncer,
    ):
        env = app_env(
            pgbouncer.url(),
            SECRET_KEY=secret_key,
            DATABASE_POOLER="pgbouncer",
            RATELIMIT_STORAGE_URI=REDIS_URL,
            RATELIMIT_KEY_PREFIX=prefix,
            LOGIN_LIMIT_PER_IP=f"{LOGIN_LIMIT} per hour",  # no window ends mid-test
            GUNICORN_WORKERS=str(GUNICORN_WORKERS),
            GUNICORN_THREADS=str(GUNICORN_THREADS),
            GUNICORN_ACCESSLOG="",
            FORWARDED_ALLOW_IPS=HOST,
        )
        servers = [AppServer(n, free_port(), env, folder) for n in "AB"]
        workers = [OutboxWorker(n, env, folder / f"outbox-{n}.log") for n in "AB"]
        # The test's own app goes through PgBouncer too: the migrations (`flask db upgrade`,
        # run here in-process), the residents, the checks.
        app = create_app(
            make_config(pgbouncer.url(), SECRET_KEY=secret_key, DATABASE_POOLER="pgbouncer")
        )
        try:
            with app.app_context():
                upgrade()
                db.session.remove()
            page = folder / "pages" / "_unavailable.html"
            written = app.test_cli_runner().invoke(args=["unavailable-page", str(page)])
            assert written.exit_code == 0, written.output
            report["set_up_seconds"] = round(time.monotonic() - began, 1)
            for server in servers:
                server.start()
            session_id, detail_path, residents = seed(app)
            for worker in workers:
                worker.start("--poll", "0.5", "--batch", "5")
            for server in servers:
                server.wait_healthy()
            report["servers_up_seconds"] = round(time.monotonic() - began, 1)
            with running_nginx([s.port for s in servers], folder, FAIL_TIMEOUT) as nginx:
                run_burst(app, nginx, servers, session_id, detail_path, residents, report)
                check_rate_limit_across_servers(nginx, servers, report)
                wait_for_outbox(app, report)
                report["exit_codes"] = stop_all([*workers, *servers])
                assert set(report["exit_codes"].values()) == {0}, report["exit_codes"]
                check_nobody_answers(nginx, report)
            check_database(app, session_id, residents, report)
            check_outbox_workers(workers, report)
            check_server_logs(servers)
            check_answers(residents, report)
        finally:
            stop_all([*workers, *servers])
            with app.app_context():
                db.engine.dispose()
            clear_redis(prefix)
            report["seconds"] = round(time.monotonic() - began, 1)
            (tmp_path / "report.json").write_text(json.dumps(report, indent=1))
            print("\nseveral servers:", json.dumps(report))


def run_burst(app, nginx, servers, session_id, detail_path, residents, report) -> None:
    logins_started = time.monotonic()
    for resident in residents[:FORM_LOGINS]:
        form_login(nginx.port, resident)
    report["form_login_seconds"] = round(time.monotonic() - logins_started, 2)
    add_csrf_tokens(app, app.config["SECRET_KEY"], residents)
    burst = Burst(nginx.port, f"/dialogues/{session_id}/book", detail_path, residents, app)
    restart_started = time.time()
    controller = threading.Thread(target=restart_midway, args=(burst, servers[0], nginx, report))
    controller.start()
    burst.run()
    controller.join(timeout=120)
    report["burst_seconds"] = round(time.monotonic() - burst.started, 2)
    report["retried"] = {str(k): v for k, v in burst.retries.items()}
    rows = [r for r in upstream_lines(nginx.access_log, restart_started) if r["method"] == "POST"]
    by_upstream = Counter(
        r["up"].split(", ")[-1]
        for r in rows
        if r["path"].endswith("/book") and r["status"] == "302"
    )
    report["bookings_by_server"] = {s.name: by_upstream.get(f"{HOST}:{s.port}", 0) for s in servers}
    report["nginx_statuses"] = dict(
        Counter(r["status"] for r in rows if r["path"].endswith("/book"))
    )
    report["nginx_passed_on"] = sum(1 for r in rows if ", " in r["up"])
    server_errors = [r for r in rows if r["status"].startswith("5")]
    start, end = burst.window
    assert report["stop_exit_code"] == 0, "server A did not stop gracefully"
    assert {r["status"] for r in server_errors} <= {str(s) for s in RETRYABLE}, server_errors
    assert all(start <= float(r["msec"]) <= end + 1 for r in server_errors), (
        f"5xx outside the restart ({start:.3f}..{end:.3f}): {server_errors}"
    )
    retried = sum(burst.retries[k] for k in (*RETRYABLE, "no answer"))
    assert len(server_errors) == retried, (server_errors, burst.retries)
    # What a resident sees then: our page, in Vietnamese (and English), never nginx's own.
    assert burst.retries["our page"] == burst.retries["with Retry-After"] == retried


def check_rate_limit_across_servers(nginx, servers, report) -> None:
    """Failed logins from one client address (127.0.0.2), each with another forged
    X-Forwarded-For, through nginx (round robin over both servers): LOGIN_LIMIT answered
    401, then 429, whichever server answers; another address (127.0.0.3) is not held back."""
    since = time.time()
    statuses = []
    conn = http.client.HTTPConnection(HOST, nginx.port, timeout=30, source_address=("127.0.0.2", 0))
    try:
        status, _, body, cookie = send(conn, "GET", "/login")
        token = CSRF_RE.search(body.decode())[1]
        for n in range(LOGIN_LIMIT + 3):
            form = {"csrf_token": token, "login": f"0977000{n:03d}", "password": "wrong-pass-1"}
            status, _, _, _ = send(
                conn, "POST", "/login", cookie, form, {"X-Forwarded-For": f"10.0.{n}.9"}
            )
            statuses.append(status)
    finally:
        conn.close()
    other = http.client.HTTPConnection(
        HOST, nginx.port, timeout=30, source_address=("127.0.0.3", 0)
    )
    try:
        _, _, body, cookie = send(other, "GET", "/login")
        form = {
            "csrf_token": CSRF_RE.search(body.decode())[1],
            "login": "0977000999",
            "password": "wrong-pass-1",
        }
        other_status = send(other, "POST", "/login", cookie, form)[0]
    finally:
        other.close()
    rows = [
        r
        for r in upstream_lines(nginx.access_log, since)
        if r["method"] == "POST" and r["client"] == "127.0.0.2"
    ]
    answered_by = Counter(r["up"].split(", ")[-1] for r in rows)
    report["rate_limit"] = {
        "statuses": statuses,
        "other_address": other_status,
        "by_server": {s.name: answered_by.get(f"{HOST}:{s.port}", 0) for s in servers},
    }
    assert statuses == [401] * LOGIN_LIMIT + [429] * 3, report["rate_limit"]
    assert other_status == 401
    assert all(n > 0 for n in report["rate_limit"]["by_server"].values()), report["rate_limit"]


def check_nobody_answers(nginx, report) -> None:
    """Both app servers down: nginx answers 502 with the portal's own page (Vietnamese first,
    then English) and Retry-After, to a page view and to a form alike."""
    seen = []
    for method, form in (("GET", None), ("POST", {"csrf_token": "x"})):
        conn = http.client.HTTPConnection(HOST, nginx.port, timeout=30)
        try:
            status, headers, body, _ = send(conn, method, "/dialogues/1/book", form=form)
        finally:
            conn.close()
        text = body.decode()
        seen.append((status, headers.get("retry-after")))
        assert UNAVAILABLE_TITLE in text and "The portal is briefly unavailable" in text
        assert "Ông/Bà" in text and "bạn" not in text.lower()
    report["nobody_answers"] = seen
    assert seen == [(502, "5"), (502, "5")]


def wait_for_outbox(app, report, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    with app.app_context():
        while True:
            counts = dict(
                db.session.execute(
                    sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
                ).all()
            )
            db.session.rollback()
            if set(counts) <= {OutboxStatus.SENT} or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        db.session.remove()
    report["outbox"] = {str(k): v for k, v in counts.items()}


def check_database(app, session_id, residents, report) -> None:
    with app.app_context():
        bookings = (
            db.session.execute(
                sa.select(Booking).where(Booking.session_id == session_id).order_by(Booking.id)
            )
            .scalars()
            .all()
        )
        seats_taken = db.session.get(DialogueSession, session_id).seats_taken
        told = {
            m.about: (m.kind, told_position(m.body))
            for m in db.session.execute(sa.select(OutboxMessage)).scalars()
        }
        by_user = {}
        for booking in bookings:
            by_user.setdefault(booking.user_id, []).append(booking)
        waiting = [b for b in bookings if b.status == BookingStatus.WAITING]
        statuses = Counter(b.status.value for b in bookings)
        told_positions = [told.get(f"booking:{b.id}", (None, None))[1] for b in waiting]
        positions = {}
        for rank, booking in enumerate(waiting, start=1):
            positions[booking.id] = rank
        shown = [waiting_position(b) for b in waiting]
        lost = []
        for resident in residents:
            mine = by_user.get(resident.user_id, [])
            if resident.answer in ("confirmed", "waiting"):
                if not any(
                    b.code == resident.code and b.status.value == resident.answer for b in mine
                ):
                    lost.append(resident.user_id)
            elif resident.answer == "booked-before" and not mine:
                lost.append(resident.user_id)
        db.session.remove()
    report["database"] = {
        "statuses": dict(statuses),
        "seats_taken": seats_taken,
        "residents_with_two_bookings": sum(1 for v in by_user.values() if len(v) > 1),
        "residents_without_booking": sum(1 for r in residents if r.user_id not in by_user),
        "lost": len(lost),
        "waiting_told_duplicates": len(told_positions) - len(set(told_positions)),
        "waiting_told_as_ranked": sum(
            1 for b, p in zip(waiting, told_positions, strict=True) if p == positions[b.id]
        ),
    }
    assert statuses == {"confirmed": CAPACITY, "waiting": RESIDENTS - CAPACITY}, report
    assert seats_taken == CAPACITY
    assert shown == list(range(1, len(waiting) + 1)), "waiting list positions have gaps"
    assert told_positions == shown, "residents were told other places than they have"
    kinds = {"confirmed": "booking_confirmed", "waiting": "booking_waitlisted"}
    assert len(told) == len(bookings), "not one message per booking"
    assert all(told[f"booking:{b.id}"][0] == kinds[b.status.value] for b in bookings)
    assert not lost, f"success answers without their booking: {lost}"
    assert report["database"]["residents_with_two_bookings"] == 0
    assert report["database"]["residents_without_booking"] == 0


def check_outbox_workers(workers, report) -> None:
    sent: Counter = Counter()
    per_worker = {}
    for worker in workers:
        ids = [int(m[1]) for m in OUTBOX_SENT_RE.finditer(worker.log.read_text(errors="replace"))]
        per_worker[worker.name] = len(ids)
        sent.update(ids)
    report["outbox_sent_by_worker"] = per_worker
    assert report["outbox"] == {"sent": sum(per_worker.values())}, report["outbox"]
    assert all(n == 1 for n in sent.values()), "a message was sent twice"
    assert all(n > 0 for n in per_worker.values()), per_worker


def check_answers(residents, report) -> None:
    answers = Counter(r.answer for r in residents)
    report["answers"] = dict(answers)
    errors = [r.detail for r in residents if r.answer == "error"]
    assert not errors, errors[:5]
    assert answers["confirmed"] <= CAPACITY
    assert sum(answers.values()) == RESIDENTS


def check_server_logs(servers) -> None:
    for server in servers:
        text = server.log_text()
        for word in ("Traceback", "[CRITICAL]", "WORKER TIMEOUT", "prepared statement"):
            assert word not in text, f"server {server.name}: {word}\n{tail(server.logs[-1])}"


def clear_redis(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(f"*{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


# ---------------------------------------------------------------- PgBouncer and prepared statements


def test_pgbouncer_needs_the_pooler_setting(tmp_path):
    """Through PgBouncer in transaction pooling with one server connection, two of the app's
    connections running the same query: psycopg's prepared statements (after 5 runs) clash
    on the shared server connection; DATABASE_POOLER=pgbouncer never prepares."""
    needs_services()
    with (
        workdir("ward-portal-pgbouncer-") as folder,
        running_pgbouncer(PG_URL, folder, pool_size=1) as pgbouncer,
    ):
        outcomes = {}
        for pooler in ("", "pgbouncer"):
            # (no statement timeout: PgBouncer would refuse its startup option at once)
            app = create_app(
                make_config(pgbouncer.url(), DATABASE_POOLER=pooler, DATABASE_STATEMENT_TIMEOUT=0)
            )
            with app.app_context():
                engine = db.engine
                try:
                    first, second = engine.connect(), engine.connect()
                    for n in range(8):
                        for conn in (first, second):
                            conn.execute(sa.text("SELECT CAST(:n AS integer) + 1"), {"n": n})
                            conn.commit()
                    outcomes[pooler] = "ok"
                except sa.exc.DBAPIError as error:
                    outcomes[pooler] = type(error.orig).__name__
                finally:
                    first.close()
                    second.close()
                    engine.dispose()
    assert outcomes == {"": "DuplicatePreparedStatement", "pgbouncer": "ok"}


# ---------------------------------------------------------------- the pooler setting


def test_pooler_setting_adds_prepare_threshold_and_keeps_other_options():
    from portal.db import engine_options

    url = "postgresql+psycopg://ward_portal@127.0.0.1:6432/ward_portal"
    shared = {"pool_pre_ping": True, "connect_args": {"connect_timeout": 5}}
    config = {"SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": shared}
    assert engine_options({**config, "DATABASE_POOLER": ""}) == shared
    options = engine_options({**config, "DATABASE_POOLER": "PgBouncer "})
    assert options == {
        "pool_pre_ping": True,
        "connect_args": {"connect_timeout": 5, "prepare_threshold": None},
    }
    assert shared == {"pool_pre_ping": True, "connect_args": {"connect_timeout": 5}}


@pytest.mark.parametrize(
    ("url", "pooler", "extra", "words"),
    [
        ("postgresql+psycopg://u@h/db", "pgpool", {}, "must be empty or 'pgbouncer'"),
        ("sqlite:///portal.db", "pgbouncer", {}, "needs a postgresql+psycopg://"),
        ("postgresql+psycopg2://u@h/db", "pgbouncer", {}, "needs a postgresql+psycopg://"),
        (
            "postgresql+psycopg://u@h/db",
            "pgbouncer",
            {"connect_args": {"options": "-c statement_timeout=5000"}},
            "ALTER ROLE",
        ),
    ],
)
def test_pooler_setting_refuses_what_cannot_work(url, pooler, extra, words):
    from portal.db import engine_options

    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "DATABASE_POOLER": pooler,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, **extra},
    }
    with pytest.raises(RuntimeError, match=re.escape(words)):
        engine_options(config)
    with pytest.raises(RuntimeError, match=re.escape(words)):
        create_app(make_config(url, **config))


# ---------------------------------------------------------------- worker recycling


@contextmanager
def two_servers(tmp_path, label: str, **settings: str):
    """Two app servers (2 workers × 4 threads each) on a fresh database through PgBouncer,
    started and healthy, with nginx's unavailable page written; yields (servers, folder)."""
    base = sa.make_url(PG_URL).database
    name = worker_database_name(f"{base}_{label}", XDIST_WORKER or "main")
    with (
        workdir(f"ward-portal-{label}-", keep_logs=tmp_path) as folder,
        fresh_database(PG_URL, name) as direct_url,
        running_pgbouncer(direct_url, folder, pool_size=4) as pgbouncer,
    ):
        app = create_app(make_config(pgbouncer.url(), DATABASE_POOLER="pgbouncer"))
        try:
            with app.app_context():
                upgrade()
                db.session.remove()
        finally:
            with app.app_context():
                db.engine.dispose()
        env = app_env(
            pgbouncer.url(),
            SECRET_KEY=random_secret(),
            DATABASE_POOLER="pgbouncer",
            RATELIMIT_ENABLED="0",
            GUNICORN_WORKERS="2",
            GUNICORN_THREADS="4",
            GUNICORN_ACCESSLOG="",
            **settings,
        )
        servers = [AppServer(n, free_port(), env, folder) for n in "AB"]
        try:
            for server in servers:
                server.start()
            for server in servers:
                server.wait_healthy()
            (folder / "pages").mkdir()
            (folder / "pages" / "_unavailable.html").write_text("unavailable")
            yield servers, folder
        finally:
            stop_all(servers)


def test_recycled_workers_lose_no_request_through_nginx(tmp_path):
    """gunicorn replaces a worker after GUNICORN_MAX_REQUESTS requests. Under a stream of
    POSTs through nginx to two servers recycling their workers every few hundred requests,
    no request fails. (With SO_REUSEPORT every worker has a listening socket of its own, and
    the connections waiting on a recycled worker's are reset: a few POSTs 502, and nginx
    leaves the node out, both nodes at times, so that everyone gets 502s for seconds.)"""
    needs_services()
    if runpy.run_path(str(REPO / "gunicorn.conf.py")).get("reuse_port"):
        pytest.xfail("gunicorn.conf.py sets reuse_port: recycled workers reset connections")
    # + up to 200 more requests per worker (gunicorn.conf.py's jitter)
    with two_servers(tmp_path, "recycle", GUNICORN_MAX_REQUESTS="50") as (servers, folder):
        with running_nginx([s.port for s in servers], folder, FAIL_TIMEOUT) as nginx:
            statuses = post_stream(nginx.port, seconds=6, threads=8)
        stop_all(servers)
        recycled = sum(s.log_text().count("Autorestarting worker") for s in servers)
    assert recycled >= 2, f"only {recycled} workers were recycled"
    assert set(statuses) == {400}, statuses  # the app's answer to a form without its token


def test_a_drained_server_restarts_without_a_failed_request(tmp_path):
    """docs/deployment.md's way to restart a node without a 502: mark it `down` in nginx's
    upstream and reload nginx, wait longer than the upstream keepalive, stop it (SIGTERM),
    start it again, check /healthz, remove `down`, reload. Under a stream of POSTs through
    nginx from 8 clients the whole time, every request gets the app's own answer."""
    needs_services()
    with two_servers(tmp_path, "drain") as (servers, folder):
        a, b = servers
        with running_nginx([a.port, b.port], folder, FAIL_TIMEOUT) as nginx:
            result: dict = {}
            stream = threading.Thread(
                target=lambda: result.update(statuses=post_stream(nginx.port, 14, threads=8))
            )
            stream.start()
            time.sleep(2)
            nginx.mark_down({a.port})
            time.sleep(5)  # > keepalive_timeout (4 s): nginx has closed its idle connections
            stopped = a.stop()
            a.start()
            a.wait_healthy()
            nginx.mark_down(set())
            stream.join(timeout=120)
            served_by = Counter(line["up"] for line in upstream_lines(nginx.access_log))
    assert stopped == 0, f"server A exited with {stopped}"
    assert set(result["statuses"]) == {400}, result["statuses"]
    assert served_by[f"{HOST}:{a.port}"] > 0 and served_by[f"{HOST}:{b.port}"] > 0, served_by


def post_stream(port: int, seconds: float, threads: int) -> Counter:
    """POST /login without a CSRF token from `threads` clients for `seconds`."""
    statuses: Counter = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client() -> None:
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            try:
                status = send(conn, "POST", "/login", form={"login": "1", "password": "2"})[0]
            except (OSError, http.client.HTTPException) as error:
                status = type(error).__name__
            finally:
                conn.close()
            with lock:
                statuses[status] += 1

    workers = [threading.Thread(target=client) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=seconds + 60)
    return statuses
