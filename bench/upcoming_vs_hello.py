"""Throughput of a ward's conference list against a bare hello route, and its query count
(`make bench-dialogues`).

1. Requests/s of GET /wards/<slug>/dialogues for anonymous visitors, as a ratio of the bare
   Flask hello route served by the same gunicorn (bench/bench_wsgi.py, the repo's
   gunicorn.conf.py), twice: with the page cache on (PAGE_CACHE_SECONDS, 10 s) and off (0).
   Target: ratio >= 0.35. The ward has --conferences upcoming conferences. The database is a
   temporary SQLite file, or a fresh PostgreSQL database created on the server of
   --database-url and dropped at the end; it is migrated and loaded with the demo data.
2. The number of SQL queries the page runs with 1 and with 50 upcoming conferences, counted
   in this process with a `before_cursor_execute` listener and the Flask test client (page
   cache off, temporary SQLite): they must be equal (no query per conference).

Exit status: 1 when a request fails or the query counts differ (or, with --strict, when a
ratio is below the target); 2 when the bench could not run; 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from common import (
    HOST,
    BenchError,
    add_load_options,
    add_ratio_options,
    app_env,
    check_load_options,
    free_port,
    get,
    gunicorn,
    load_generator,
    load_settings,
    make_app,
    prepare_database,
    print_table,
    run_in_workspace,
    set_visitor,
)

WARD_SLUG = "phuong-bo-de"
LIST_PATH = f"/wards/{WARD_SLUG}/dialogues"
HELLO_PATH = "/hello/"
TARGET = 0.35
CACHE_MODES = (("cache on", "10"), ("cache off", "0"))
QUERY_COUNTS_FOR = (1, 50)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    parser.add_argument(
        "--conferences", type=int, default=10, help="upcoming conferences on the benched page"
    )
    add_ratio_options(parser)
    args = parser.parse_args(argv)
    check_load_options(parser, args)
    if args.conferences < 0:
        parser.error("--conferences must be >= 0")
    return args


# --- Data --------------------------------------------------------------------------------------


def add_conferences(ward_id: int, count: int, offset: int = 0) -> None:
    """`count` published upcoming conferences in the ward (in the current app context)."""
    from portal.db import utcnow
    from portal.dialogues.models import DialogueSession, SessionKind, SessionMode, SessionStatus
    from portal.extensions import db

    now = utcnow()
    for i in range(offset, offset + count):
        starts = now + timedelta(days=8 + i)
        db.session.add(
            DialogueSession(
                ward_id=ward_id,
                kind=SessionKind.CONFERENCE,
                status=SessionStatus.PUBLISHED,
                title=f"Hội nghị đối thoại số {i + 1}",
                agenda="Cải cách thủ tục hành chính; trật tự đô thị.",
                mode=SessionMode.IN_PERSON if i % 2 else SessionMode.HYBRID,
                venue="Hội trường UBND phường",
                online_url="" if i % 2 else "https://meet.example.vn/hoi-nghi",
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=100,
                walk_in_seats=10,
                seats_taken=i % 90,
                walk_ins=0,
                published_at=now,
            )
        )
    db.session.commit()


def seed_bench_database(database_url: str, conferences: int) -> None:
    from portal.extensions import db
    from portal.wards.services import get_ward_by_slug

    app = make_app(database_url, "bench-seed-only")
    with app.app_context():
        ward = get_ward_by_slug(WARD_SLUG)
        if ward is None:
            raise BenchError(f"ward {WARD_SLUG} is missing: did `flask demo load` run?")
        from portal.dialogues.services import upcoming_conferences

        present = len(upcoming_conferences(ward.id))  # the demo data has one already
        if present > conferences:
            raise BenchError(f"the demo ward already has {present} upcoming conferences")
        add_conferences(ward.id, conferences - present, offset=present)
        db.session.remove()
        db.engine.dispose()


def count_queries(workdir: Path) -> dict[int, int]:
    """SQL statements of one anonymous GET of the list, by number of upcoming conferences."""
    from portal.extensions import db
    from portal.wards.models import Ward

    app = make_app(f"sqlite:///{workdir / 'queries.db'}", "bench-queries-only")
    app.config.update(PAGE_CACHE_SECONDS=0)
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
        db.session.add(ward)
        db.session.commit()
        ward_id = ward.id

        def on_execute(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", on_execute)
        client = app.test_client()
        added = 0
        try:
            for wanted in QUERY_COUNTS_FOR:
                add_conferences(ward_id, wanted - added, offset=added)
                added = wanted
                db.session.remove()
                client.get(LIST_PATH)  # warm: first-request work is not the page's
                statements.clear()
                response = client.get(LIST_PATH, headers={"Accept-Language": "vi"})
                body = response.get_data(as_text=True)
                if response.status_code != 200 or body.count("session-cards") != 1:
                    raise BenchError(f"GET {LIST_PATH} answered {response.status_code}")
                shown = body.count(f'href="{LIST_PATH}/')
                if shown != wanted:
                    raise BenchError(f"the list shows {shown} conferences, expected {wanted}")
                counts[wanted] = len(statements)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", on_execute)
            db.session.remove()
            db.engine.dispose()
    return counts


# --- Throughput --------------------------------------------------------------------------------


def check_routes(port: int, conferences: int) -> None:
    status, body = get(port, HELLO_PATH)
    if status != 200 or body != b"hello":
        raise BenchError(f"GET {HELLO_PATH} answered {status}: {body[:200]!r}")
    status, body = get(port, LIST_PATH)
    shown = body.count(f'href="{LIST_PATH}/'.encode())
    if status != 200 or b'lang="vi"' not in body or shown != conferences:
        raise BenchError(f"GET {LIST_PATH} answered {status} with {shown} conferences")


def measure(args, database_url: str, workdir: Path, mode: str, cache_seconds: str) -> list[dict]:
    generator, load = load_generator(args)
    port = free_port()
    env = app_env(database_url, port, args)
    env["PAGE_CACHE_SECONDS"] = cache_seconds
    log_path = workdir / f"gunicorn-{cache_seconds}.log"
    with gunicorn(env, port, log_path):
        check_routes(port, args.conferences)
        set_visitor(port, "new")  # anonymous: no cookie
        print(
            f"{mode} (PAGE_CACHE_SECONDS={cache_seconds}): gunicorn gthread {args.workers}x"
            f"{args.threads} on {HOST}:{port}, load {generator}, "
            f"{args.concurrency} connections, {args.seconds:g} s per route"
        )
        if args.warmup:
            for path in (HELLO_PATH, LIST_PATH):
                load(port, path, args.warmup, args.concurrency)
        rows = []
        for name, path in (("hello", HELLO_PATH), ("list", LIST_PATH)):
            row = load(port, path, args.seconds, args.concurrency)
            rows.append({"mode": mode, "name": name, "route": path, **row})
    return rows


def bench(args: argparse.Namespace, database_url: str, workdir: Path) -> tuple[dict, list[str]]:
    print("SQL queries of the list page (in process, page cache off)…")
    queries = count_queries(workdir)
    env = app_env(database_url, 0, args)
    print("Migrating and loading the demo data…")
    prepare_database(env)
    seed_bench_database(database_url, args.conferences)

    results = []
    for mode, seconds in CACHE_MODES:
        results.extend(measure(args, database_url, workdir, mode, seconds))

    print()
    print_table(results, "mode", route_width=32)
    failures = []
    ratios = {}
    for mode, _seconds in CACHE_MODES:
        hello, page = (r for r in results if r["mode"] == mode)
        rps = hello["requests_per_second"]
        ratios[mode] = page["requests_per_second"] / rps if rps else 0.0
        verdict = "ok" if ratios[mode] >= TARGET else "BELOW TARGET"
        print(f"ratio list/hello, {mode} = {ratios[mode]:.2f} (target >= {TARGET:.2f}): {verdict}")
        if args.strict and ratios[mode] < TARGET:
            failures.append(f"ratio {mode} {ratios[mode]:.2f} < {TARGET}")
    counts_text = ", ".join(f"{n} upcoming: {q} queries" for n, q in queries.items())
    same = len(set(queries.values())) == 1
    print(f"SQL queries per page view: {counts_text} -> {'equal' if same else 'NOT EQUAL'}")
    if not same:
        failures.append(f"query count grows with the number of conferences: {queries}")
    if any(row["errors"] for row in results):
        failures.append("some requests failed")

    report = {
        "results": results,
        "ratio_list_hello": {k: round(v, 4) for k, v in ratios.items()},
        "target": TARGET,
        "queries_by_upcoming_conferences": queries,
        "settings": load_settings(args, database_url, conferences=args.conferences),
        "ok": not failures,
    }
    return report, failures


def main(argv: list[str] | None = None) -> int:
    return run_in_workspace(parse_args(argv), "ward-portal-upcoming-", bench)


if __name__ == "__main__":
    sys.exit(main())
