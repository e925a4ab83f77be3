"""Feedback under load: the staff inbox and sending feedback against a bare hello route, and the
inbox's query count (`make bench-feedback`).

1. Requests/s of GET /staff/feedback/ showing 50 rows (a full page; the demo ward has --items
   feedback items, filed through portal.feedback.submission.submit by the demo resident, every
   other one assigned to the demo officer), requested by the demo officer logged in through
   the login form, as a ratio of the bare Flask hello route served by the same gunicorn
   (bench/bench_wsgi.py, the repo's gunicorn.conf.py). Target: ratio >= 0.25.
2. The number of SQL queries of the inbox with 1 and with 50 rows, counted in this process
   with a `before_cursor_execute` listener and the Flask test client (temporary SQLite): they
   must be equal (no query per row).
3. Requests/s of POST /feedback/new by the demo resident (logged in through the login form, one
   CSRF token read from the form once), form-encoded, no attachment: every request files one
   item and is answered with a redirect to it. Target: ratio to hello >= 0.25. The database is
   checked afterwards: at least one new item per POST counted as done.

The database is a temporary SQLite file, or a fresh PostgreSQL database created on the server
of --database-url and dropped at the end; it is migrated and loaded with the demo data.

Exit status: 1 when a request fails, the query counts differ or fewer items were filed than
POSTs answered (or, with --strict, when a ratio is below the target); 2 when the bench could
not run; 0 otherwise.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from common import (
    HOST,
    BenchError,
    add_load_options,
    add_ratio_options,
    app_env,
    check_load_options,
    csrf_token_of,
    fetch,
    free_port,
    get,
    gunicorn,
    load_generator,
    load_settings,
    log_in,
    make_app,
    prepare_database,
    print_table,
    run_in_workspace,
    set_cookie,
)

WARD_SLUG = "phuong-bo-de"
HELLO_PATH = "/hello/"
INBOX_PATH = "/staff/feedback/"
NEW_PATH = "/feedback/new"
TARGET = 0.25
PAGE_ROWS = 50  # the inbox's page size (portal.feedback.queries.PAGE_SIZE)
QUERY_COUNTS_FOR = (1, 50)
ROW_LINK_RE = re.compile(rb'href="/staff/feedback/\d+"')
ITEM_LOCATION_RE = re.compile(r"^(?:http://[^/]+)?/my/feedback/[2-9A-Z]{8}$")
CATEGORY_CODES = ("environment", "urban_order", "procedures", "other")
POST_TITLE = "Thử tải: đèn đường ngõ 5 không sáng"
POST_BODY = "Đèn đường ở ngõ 5 phố Bồ Đề không sáng từ ba hôm nay, đi lại buổi tối rất khó."


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    parser.add_argument(
        "--items",
        type=int,
        default=PAGE_ROWS,
        help=f"feedback items in the ward before the inbox is measured (>= {PAGE_ROWS})",
    )
    add_ratio_options(parser)
    args = parser.parse_args(argv)
    check_load_options(parser, args)
    if args.items < PAGE_ROWS:
        parser.error(f"--items must be >= {PAGE_ROWS} (a full page of the inbox)")
    return args


# --- Data --------------------------------------------------------------------------------------


def add_feedback(ward, resident, officer, count: int, offset: int = 0) -> None:
    """`count` items filed by `resident` through the service (in the current app context),
    received a day apart (some overdue, some due soon), every other one assigned to
    `officer` (so in progress)."""
    from portal.db import utcnow
    from portal.extensions import db
    from portal.feedback import categories as feedback_categories
    from portal.feedback import submission, workflow

    feedback_categories.provide_defaults(ward.id)
    categories = [feedback_categories.category_by_code(ward.id, code) for code in CATEGORY_CODES]
    now = utcnow()
    for i in range(offset, offset + count):
        received = now - timedelta(days=i % 20, minutes=i)
        item = submission.submit(
            ward,
            submission.FeedbackInput(
                category_id=categories[i % len(categories)].id,
                title=f"Phản ánh số {i + 1}: rác thải ở ngõ {i + 1} Bồ Đề",
                body="Rác để ở đầu ngõ ba ngày chưa được thu gom, bốc mùi khó chịu.",
                address=f"Ngõ {i + 1} phố Bồ Đề",
                residential_group=f"Tổ {i % 20 + 1}",
                publish_allowed=bool(i % 3),
            ),
            user=resident,
            now=received,
        )
        if i % 2 == 0:
            workflow.assign(officer, item, officer.id, now=received)
    db.session.commit()


def demo_staff_phone() -> str:
    """The demo officer's login in the benched ward (portal/cli.py)."""
    from portal.auth.models import Role
    from portal.cli import DEMO_USERS

    return next(
        phone for role, slug, phone, *_ in DEMO_USERS if role == Role.STAFF and slug == WARD_SLUG
    )


def demo_people():
    """The demo ward, resident and officer (in the current app context)."""
    from portal.auth.models import User
    from portal.auth.phones import normalize_phone
    from portal.cli import DEMO_RESIDENT
    from portal.extensions import db
    from portal.wards.services import get_ward_by_slug

    ward = get_ward_by_slug(WARD_SLUG)
    if ward is None:
        raise BenchError(f"ward {WARD_SLUG} is missing: did `flask demo load` run?")
    staff_phone = demo_staff_phone()
    by_phone = {
        user.phone: user
        for user in db.session.execute(
            sa.select(User).where(
                User.phone.in_([normalize_phone(DEMO_RESIDENT[1]), normalize_phone(staff_phone)])
            )
        ).scalars()
    }
    resident = by_phone.get(normalize_phone(DEMO_RESIDENT[1]))
    officer = by_phone.get(normalize_phone(staff_phone))
    if resident is None or officer is None:
        raise BenchError("the demo resident or officer is missing: did `flask demo load` run?")
    return ward, resident, officer


def seed_bench_database(database_url: str, items: int) -> dict:
    """--items feedback items in the demo ward; returns the logins and the form's category."""
    from portal.cli import DEMO_PASSWORD, DEMO_RESIDENT
    from portal.extensions import db
    from portal.feedback import categories as feedback_categories

    app = make_app(database_url, "bench-seed-only")
    with app.app_context():
        ward, resident, officer = demo_people()
        add_feedback(ward, resident, officer, items)
        seed = {
            "resident_id": resident.id,
            "resident_login": DEMO_RESIDENT[1],
            "staff_login": demo_staff_phone(),
            "password": DEMO_PASSWORD,
            "category_id": feedback_categories.category_by_code(ward.id, "environment").id,
        }
        db.session.remove()
        db.engine.dispose()
    return seed


def count_filed(database_url: str, resident_id: int) -> int:
    """Feedback items the resident has filed so far."""
    from portal.extensions import db
    from portal.feedback.models import Feedback

    app = make_app(database_url, "bench-count-only")
    with app.app_context():
        try:
            return db.session.execute(
                sa.select(sa.func.count(Feedback.id)).where(Feedback.user_id == resident_id)
            ).scalar_one()
        finally:
            db.session.remove()
            db.engine.dispose()


def count_queries(workdir: Path) -> dict[int, int]:
    """SQL statements of one GET of the inbox by a logged-in officer, by number of rows. The
    requests run outside the app context the data is added in, so that each has its own `g`
    (Flask-Login keeps the user there), as under a server."""
    from portal.auth.models import Role, User
    from portal.extensions import db
    from portal.wards.models import Ward

    app = make_app(f"sqlite:///{workdir / 'queries.db'}", "bench-queries-only")
    counts: dict[int, int] = {}
    statements: list[str] = []
    with app.app_context():
        db.create_all()
        ward = Ward(
            code=130,
            name="Phường Bồ Đề",
            slug=WARD_SLUG,
            division_type="phường",
            province_code=1,
            province_name="Thành phố Hà Nội",
            enabled=True,
        )
        people = [
            User(
                full_name=name,
                phone=phone,
                password_hash="not-used",  # noqa: S106 - the test client's session logs in
                role=role,
                ward=ward,
                locale="vi",
            )
            for role, name, phone in (
                (Role.RESIDENT, "Hoàng Thị Dân", "+84912000001"),
                (Role.STAFF, "Trần Thị Công", "+84901000003"),
            )
        ]
        db.session.add_all([ward, *people])
        db.session.commit()
        ward_id, resident_id, officer_id = ward.id, people[0].id, people[1].id
        officer_login_id = people[1].get_id()
        engine = db.engine
        db.session.remove()

    def on_execute(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = officer_login_id
        session["_fresh"] = True
    sa.event.listen(engine, "before_cursor_execute", on_execute)
    added = 0
    try:
        for wanted in QUERY_COUNTS_FOR:
            with app.app_context():
                ward = db.session.get(Ward, ward_id)
                resident, officer = (
                    db.session.get(User, resident_id),
                    db.session.get(User, officer_id),
                )
                add_feedback(ward, resident, officer, wanted - added, offset=added)
                db.session.remove()
            added = wanted
            client.get(INBOX_PATH)  # warm: first-request work is not the page's
            statements.clear()
            response = client.get(INBOX_PATH, headers={"Accept-Language": "vi"})
            shown = len(ROW_LINK_RE.findall(response.get_data()))
            if response.status_code != 200 or shown != wanted:
                raise BenchError(
                    f"GET {INBOX_PATH} answered {response.status_code} with {shown} rows, "
                    f"expected {wanted}"
                )
            counts[wanted] = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", on_execute)
        engine.dispose()
    return counts


# --- Throughput --------------------------------------------------------------------------------


def post_form(seed: dict, token: str) -> dict[str, str]:
    """The feedback form as the resident's browser sends it, without attachments, once the
    similar open items were shown ("send anyway", `seen_similar`): every POST of the bench
    has the same title, so from the second one on the portal would show them again instead
    of filing the item."""
    return {
        "csrf_token": token,
        "category": str(seed["category_id"]),
        "title": POST_TITLE,
        "body": POST_BODY,
        "address": "Ngõ 5 phố Bồ Đề",
        "residential_group": "Tổ 7",
        "latitude": "",
        "longitude": "",
        "publish_allowed": "y",
        "seen_similar": "1",
    }


def sessions(port: int, seed: dict) -> tuple[str, str, dict[str, str]]:
    """The officer's and the resident's session cookies (both logged in through the login
    form), and the resident's feedback form with a CSRF token read from the page once."""
    staff_cookie = log_in(port, seed["staff_login"], seed["password"])
    resident_cookie = log_in(port, seed["resident_login"], seed["password"])
    status, headers, body = fetch(port, "GET", NEW_PATH, resident_cookie)
    token = csrf_token_of(body)
    if status != 200 or not token or f'value="{seed["category_id"]}"'.encode() not in body:
        raise BenchError(f"GET {NEW_PATH} as the resident answered {status} without the form")
    return staff_cookie, headers.get("session", resident_cookie), post_form(seed, token)


def check_routes(port: int, staff_cookie: str) -> None:
    """hello and the full inbox answer as expected before anything is measured."""
    set_cookie(None)
    status, body = get(port, HELLO_PATH)
    if status != 200 or body != b"hello":
        raise BenchError(f"GET {HELLO_PATH} answered {status}: {body[:200]!r}")
    status, headers, body = fetch(port, "GET", INBOX_PATH, staff_cookie)
    shown = len(ROW_LINK_RE.findall(body))
    if status != 200 or b'lang="vi"' not in body or shown != PAGE_ROWS:
        raise BenchError(f"GET {INBOX_PATH} as the officer answered {status} with {shown} rows")
    if "session" in headers:
        raise BenchError(f"GET {INBOX_PATH} changes the officer's session on every request")


def check_post(port: int, resident_cookie: str, form: dict) -> None:
    """The resident's POST files an item and redirects to it (before it is measured)."""
    status, headers, body = fetch(port, "POST", NEW_PATH, resident_cookie, form)
    location = headers.get("location", "")
    if status != 302 or not ITEM_LOCATION_RE.match(location):
        raise BenchError(
            f"POST {NEW_PATH} as the resident answered {status} to {location!r}: {body[:300]!r}"
        )


def measure(args, database_url: str, workdir: Path, seed: dict) -> tuple[list[dict], dict]:
    generator, load = load_generator(args)
    port = free_port()
    env = app_env(database_url, port, args)
    log_path = workdir / "gunicorn.log"
    with gunicorn(env, port, log_path):
        staff_cookie, resident_cookie, form = sessions(port, seed)
        check_routes(port, staff_cookie)
        body = urlencode(form)
        print(
            f"gunicorn gthread {args.workers}x{args.threads} on {HOST}:{port}, load {generator}, "
            f"{args.concurrency} connections, {args.seconds:g} s per route"
        )
        routes = (
            ("hello", f"GET {HELLO_PATH}", HELLO_PATH, None, "GET", ""),
            ("inbox", f"GET {INBOX_PATH}", INBOX_PATH, staff_cookie, "GET", ""),
            ("post", f"POST {NEW_PATH}", NEW_PATH, resident_cookie, "POST", body),
        )
        rows, posted, filed_before = [], 0, 0
        for name, route, path, cookie, method, data in routes:  # the inbox before any POST
            if method == "POST":
                check_post(port, cookie, form)
                filed_before = count_filed(database_url, seed["resident_id"])
            set_cookie(cookie)
            runs = [args.warmup, args.seconds] if args.warmup else [args.seconds]
            results = [load(port, path, s, args.concurrency, method, data) for s in runs]
            rows.append({"name": name, "route": route, **results[-1]})
            if method == "POST":
                posted += sum((r["requests"] or 0) - sum(r["errors"].values()) for r in results)
        set_cookie(None)
    filed = count_filed(database_url, seed["resident_id"]) - filed_before
    return rows, {"posts_answered": posted, "items_filed": filed}


def bench(args: argparse.Namespace, database_url: str, workdir: Path) -> tuple[dict, list[str]]:
    print("SQL queries of the inbox (in process)…")
    queries = count_queries(workdir)
    env = app_env(database_url, 0, args)
    print("Migrating and loading the demo data…")
    prepare_database(env)
    print(f"Filing {args.items} feedback items in {WARD_SLUG}…")
    seed = seed_bench_database(database_url, args.items)

    results, filed = measure(args, database_url, workdir, seed)

    print()
    print_table(results, "name", route_width=24)
    failures = []
    hello = next(r for r in results if r["name"] == "hello")
    ratios = {}
    for row in results:
        if row["name"] == "hello":
            continue
        rps = hello["requests_per_second"]
        ratios[row["name"]] = row["requests_per_second"] / rps if rps else 0.0
        ratio = ratios[row["name"]]
        verdict = "ok" if ratio >= TARGET else "BELOW TARGET"
        print(f"ratio {row['name']}/hello = {ratio:.2f} (target >= {TARGET:.2f}): {verdict}")
        if args.strict and ratio < TARGET:
            failures.append(f"ratio {row['name']} {ratio:.2f} < {TARGET}")
    counts_text = ", ".join(f"{n} row(s): {q} queries" for n, q in queries.items())
    same = len(set(queries.values())) == 1
    print(f"SQL queries per inbox view: {counts_text} -> {'equal' if same else 'NOT EQUAL'}")
    if not same:
        failures.append(f"the inbox's query count grows with its rows: {queries}")
    print(
        f"Feedback filed by the POSTs (warm-up included): {filed['items_filed']} items for "
        f"{filed['posts_answered']} POSTs answered with a redirect"
    )
    if filed["items_filed"] < filed["posts_answered"]:
        failures.append(
            f"{filed['posts_answered']} POSTs answered but only {filed['items_filed']} filed"
        )
    if any(row["errors"] for row in results):
        failures.append("some requests failed")

    report = {
        "results": results,
        "ratio_to_hello": {k: round(v, 4) for k, v in ratios.items()},
        "target": TARGET,
        "queries_by_inbox_rows": queries,
        "filed": filed,
        "settings": load_settings(args, database_url, items=args.items),
        "ok": not failures,
    }
    return report, failures


def main(argv: list[str] | None = None) -> int:
    return run_in_workspace(parse_args(argv), "ward-portal-feedback-", bench)


if __name__ == "__main__":
    sys.exit(main())
