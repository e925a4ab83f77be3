"""Throughput of the portal's home page against a bare Flask hello route (`make bench`).

One gunicorn on loopback serves both routes (bench/bench_wsgi.py) with the repo's
gunicorn.conf.py: gthread workers, 2 workers x 4 threads, no access log. The database is a
temporary SQLite file, migrated and loaded with the demo data, unless --database-url is given.
Each route gets the same concurrency and duration; `wrk` is the load generator when it is on
PATH, otherwise a Python one (several processes of keep-alive http.client threads).

The ratio home/hello is a report: the script exits 0 whatever it is, and non-zero only when
the server does not start or a request fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from common import (
    HOST,
    BenchError,
    add_load_options,
    app_env,
    check_load_options,
    exit_on_sigterm,
    free_port,
    get,
    gunicorn,
    load_generator,
    prepare_database,
    print_table,
    set_visitor,
    write_json,
)

ROUTES = (("hello", "/hello/"), ("home", "/"))
TARGET = 0.60
VISITORS = {"new": ("new",), "returning": ("returning",), "both": ("new", "returning")}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    parser.add_argument(
        "--database-url",
        help="bench on this database (e.g. PostgreSQL) instead of a temporary SQLite file; "
        "it is migrated and the demo data is loaded into it",
    )
    parser.add_argument(
        "--visitor",
        choices=("new", "returning", "both"),
        default="both",
        help="new visitors send no cookie; returning ones send their session cookie",
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")
    args = parser.parse_args(argv)
    check_load_options(parser, args)
    return args


def check_routes(port: int) -> None:
    """Each route answers 200 with the expected body before anything is measured."""
    expected = {"/hello/": lambda body: body == b"hello", "/": lambda body: b'lang="vi"' in body}
    for _name, path in ROUTES:
        status, body = get(port, path)
        if status != 200 or not expected[path](body):
            raise BenchError(f"GET {path} answered {status}: {body[:300]!r}")


def bench(args: argparse.Namespace, workdir: Path) -> tuple[dict, bool]:
    generator, load = load_generator(args)
    database_url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    port = free_port()
    env = app_env(database_url, port, args)
    log_path = workdir / "gunicorn.log"

    print(f"Preparing the database ({'given URL' if args.database_url else 'temporary SQLite'})…")
    prepare_database(env)
    with gunicorn(env, port, log_path):
        check_routes(port)
        print(
            f"gunicorn gthread {args.workers} workers x {args.threads} threads on {HOST}:{port}; "
            f"load: {generator}, {args.concurrency} connections, {args.seconds:g} s per route"
        )
        if args.warmup:
            for _name, path in ROUTES:
                load(port, path, args.warmup, args.concurrency)
        results = []
        for visitor in VISITORS[args.visitor]:
            set_visitor(port, visitor)
            for name, path in ROUTES:
                row = load(port, path, args.seconds, args.concurrency)
                results.append({"route": path, "name": name, "visitor": visitor, **row})
        set_visitor(port, "new")

    print()
    print_table(results, "visitor", route_width=10)
    ratios = {}
    for visitor in VISITORS[args.visitor]:
        hello, home = (r for r in results if r["visitor"] == visitor)
        rps = hello["requests_per_second"]
        ratios[visitor] = home["requests_per_second"] / rps if rps else 0.0
        print(
            f"ratio home/hello, {visitor} visitor = {ratios[visitor]:.2f} (target >= {TARGET:.2f})"
        )
    report = {
        "results": results,
        "ratio_home_hello": {k: round(v, 4) for k, v in ratios.items()},
        "target": TARGET,
        "settings": {
            "server": "gunicorn gthread",
            "workers": args.workers,
            "threads": args.threads,
            "concurrency": args.concurrency,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "load_generator": generator,
            "database": "given URL" if args.database_url else "sqlite (temporary)",
            "cpu_count": os.cpu_count(),
        },
    }
    failed = any(row["errors"] for row in results)
    return report, failed


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    exit_on_sigterm()
    try:
        with tempfile.TemporaryDirectory(prefix="ward-portal-bench-") as tmp:
            report, failed = bench(args, Path(tmp))
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 2
    if args.json:
        write_json(args.json, report)
    if failed:
        print("Some requests failed: see the errors above.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
