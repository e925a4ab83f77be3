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
import json
import os
import shutil
import signal
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from bench.booking_burst import TempPostgres, make_app  # noqa: E402
from bench.home_vs_hello import (  # noqa: E402
    HOST,
    BenchError,
    app_env,
    free_port,
    get,
    prepare_database,
    run_python,
    run_wrk,
    set_visitor,
    start_gunicorn,
    stop_gunicorn,
    tail,
    wait_healthy,
)

WARD_SLUG = "phuong-bo-de"
LIST_PATH = f"/wards/{WARD_SLUG}/dialogues"
HELLO_PATH = "/hello/"
TARGET = 0.35
CACHE_MODES = (("cache on", "10"), ("cache off", "0"))
QUERY_COUNTS_FOR = (1, 50)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration per route")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per route")
    parser.add_argument("--concurrency", type=int, default=16, help="open connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument(
        "--conferences", type=int, default=10, help="upcoming conferences on the benched page"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server URL: a fresh database is created on it for the bench and "
        "dropped afterwards; without it, a temporary SQLite file",
    )
    parser.add_argument(
        "--load-generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="wrk when on PATH (auto), or the Python one",
    )
    parser.add_argument(
        "--strict", action="store_true", help="also exit 1 when a ratio is below the target"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.warmup < 0 or args.concurrency < 1:
        parser.error("--seconds must be > 0, --warmup >= 0 and --concurrency >= 1")
    if args.workers < 1 or args.threads < 1 or args.conferences < 0:
        parser.error("--workers and --threads must be >= 1, --conferences >= 0")
    if args.load_generator == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not on PATH")
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL URL")
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
        add_conferences(ward.id, conferences)
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
    use_wrk = args.load_generator == "wrk" or (
        args.load_generator == "auto" and shutil.which("wrk") is not None
    )
    load = run_wrk if use_wrk else run_python
    port = free_port()
    env = app_env(database_url, port, args)
    env["PAGE_CACHE_SECONDS"] = cache_seconds
    log_path = workdir / f"gunicorn-{cache_seconds}.log"
    proc = None
    try:
        proc = start_gunicorn(env, log_path)
        wait_healthy(proc, port, log_path)
        check_routes(port, args.conferences)
        set_visitor(port, "new")  # anonymous: no cookie
        print(
            f"{mode} (PAGE_CACHE_SECONDS={cache_seconds}): gunicorn gthread {args.workers}x"
            f"{args.threads} on {HOST}:{port}, load {'wrk' if use_wrk else 'python'}, "
            f"{args.concurrency} connections, {args.seconds:g} s per route"
        )
        if args.warmup:
            for path in (HELLO_PATH, LIST_PATH):
                load(port, path, args.warmup, args.concurrency)
        rows = []
        for name, path in (("hello", HELLO_PATH), ("list", LIST_PATH)):
            row = load(port, path, args.seconds, args.concurrency)
            rows.append({"mode": mode, "name": name, "route": path, **row})
        if proc.poll() is not None:
            raise BenchError(f"gunicorn died during the run:\n{tail(log_path)}")
    finally:
        stop_gunicorn(proc)
    return rows


def print_table(results: list[dict]) -> None:
    def ms(value: float | None) -> str:
        return f"{value:.1f}" if value is not None else "-"

    print(
        f"{'mode':<11}{'route':<32}{'requests/s':>12}{'requests':>10}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'errors':>8}"
    )
    for row in results:
        print(
            f"{row['mode']:<11}{row['route']:<32}{row['requests_per_second']:>12.1f}"
            f"{row['requests'] or 0:>10}{ms(row['p50_ms']):>9}{ms(row['p99_ms']):>9}"
            f"{sum(row['errors'].values()):>8}"
        )
    for row in results:
        for kind, count in sorted(row["errors"].items()):
            print(f"  error on {row['route']} ({row['mode']}): {kind} x {count}")


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
    print_table(results)
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

    backend = sa.engine.make_url(database_url).get_backend_name()
    report = {
        "results": results,
        "ratio_list_hello": {k: round(v, 4) for k, v in ratios.items()},
        "target": TARGET,
        "queries_by_upcoming_conferences": queries,
        "settings": {
            "server": "gunicorn gthread",
            "workers": args.workers,
            "threads": args.threads,
            "concurrency": args.concurrency,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "conferences": args.conferences,
            "database": backend,
            "cpu_count": os.cpu_count(),
        },
        "ok": not failures,
    }
    return report, failures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        with tempfile.TemporaryDirectory(prefix="ward-portal-upcoming-") as tmp:
            if args.database_url:
                with TempPostgres(args.database_url) as url:
                    report, failures = bench(args, url, Path(tmp))
            else:
                report, failures = bench(args, f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp))
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 2
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"Results written to {args.json}")
    for failure in failures:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
