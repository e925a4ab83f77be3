"""Satisfaction ratings under load: the rating page and the one-time rating POST against a bare
hello route (`make bench-satisfaction`).

1. Requests/s of GET /r/<token>, the page a resident opens from the QR code on the receipt
   slip, for a valid token (one dossier of the demo ward registered and returned through
   portal.satisfaction.ratings), by a new visitor (no cookie: the page makes a session and
   a CSRF token), as a ratio of the bare Flask hello route served by the same gunicorn
   (bench/bench_wsgi.py, the repo's gunicorn.conf.py). Target: ratio >= 0.35.
2. Requests/s of POST /r/<token>: every request rates another returned dossier with its own
   one-time token (--tokens dossiers are inserted in one transaction, with token_hash =
   tokens.hash_token(raw) and the other fields of a dossier returned through
   dossiers.return_dossier), form-encoded, with one session cookie and the CSRF token read
   from the rating page once (the token is bound to the session, not to the link). Every
   request is answered with a redirect to the thanks page. Target: ratio to hello >= 0.25.
   Afterwards the database is checked: the ratings recorded equal the POSTs answered with a
   redirect (with wrk, plus the few still in flight when it stopped: it does not count them),
   never more than the POSTs sent, and every used token has exactly one rating.

The rating POST is rate-limited per IP (RATING_LIMIT_PER_IP, 30 per 10 minutes by default),
and all the load comes from one address: the server runs with RATING_LIMIT_PER_IP set to
RATE_LIMIT below, so the limiter still does its bookkeeping on every POST but never refuses.

The database is a temporary SQLite file, or a fresh PostgreSQL database created on the server
of --database-url and dropped at the end; it is migrated and loaded with the demo data.

Exit status: 1 when a request fails, the tokens run out or the ratings do not match the POSTs
(or, with --strict, when a ratio is below its target); 2 when the bench could not run; 0
otherwise.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from common import (
    CSRF_INPUT_RE,
    BenchError,
    add_load_options,
    add_ratio_options,
    app_env,
    check_load_options,
    fetch,
    free_port,
    get,
    gunicorn,
    load_generator,
    load_settings,
    make_app,
    prepare_database,
    print_table,
    run_in_workspace,
    set_cookie,
)

WARD_SLUG = "phuong-bo-de"
PROCEDURE_CODE = "1.001193"  # Đăng ký khai sinh, in catalogue.DEFAULT_PROCEDURES
HELLO_PATH = "/hello/"
THANKS_PATH = "/r/thanks"
TARGETS = {"page": 0.35, "rate": 0.25}
RATE_LIMIT = "1000000 per minute"
RECEIPT_PREFIX = "BENCH-"
PAGE_RECEIPT = "BENCH-PAGE"
REASON = "Thử tải: phải đến bổ sung giấy tờ hai lần."
LEVELS = ("very_satisfied", "satisfied", "dissatisfied")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    parser.add_argument(
        "--tokens",
        type=int,
        default=30_000,
        help="returned dossiers with a one-time token for the POSTs (one per POST, warm-up "
        "included; the bench fails when they run out)",
    )
    parser.add_argument(
        "--level",
        choices=LEVELS,
        default="satisfied",
        help="the answer every POST sends (dissatisfied also sends a reason and opens a case)",
    )
    add_ratio_options(parser)
    args = parser.parse_args(argv)
    check_load_options(parser, args)
    if args.tokens < 100:
        parser.error("--tokens must be >= 100")
    return args


# --- Data --------------------------------------------------------------------------------------


def seed_bench_database(database_url: str, count: int) -> dict:
    """In the demo ward: one dossier registered and returned through the services (its token
    is the page's), and `count` more returned dossiers like it, inserted in one transaction,
    each with its own token. Returns the raw tokens and the procedure's name."""
    from portal.auth.models import Role, User
    from portal.db import utcnow
    from portal.extensions import db
    from portal.satisfaction import catalogue, dossiers, tokens
    from portal.satisfaction.models import Dossier
    from portal.wards.services import get_ward_by_slug

    app = make_app(database_url, "bench-seed-only")
    with app.app_context():
        ward = get_ward_by_slug(WARD_SLUG)
        if ward is None:
            raise BenchError(f"ward {WARD_SLUG} is missing: did `flask demo load` run?")
        officer = db.session.execute(
            sa.select(User).where(User.ward_id == ward.id, User.role == Role.STAFF).limit(1)
        ).scalar_one_or_none()
        catalogue.provide_defaults(ward.id)
        procedure = next(
            (p for p in catalogue.procedures(ward.id) if p.code == PROCEDURE_CODE), None
        )
        if officer is None or procedure is None:
            raise BenchError(f"the demo officer or procedure {PROCEDURE_CODE} is missing")
        now = utcnow()
        model = dossiers.register_dossier(
            officer,
            ward.id,
            dossiers.DossierInput(
                procedure_id=procedure.id,
                receipt_number=PAGE_RECEIPT,
                received_at=now - timedelta(days=2),
            ),
            now=now,
        )
        page_token = dossiers.return_dossier(officer, model, now=now)
        raws = [secrets.token_urlsafe(tokens.TOKEN_BYTES) for _ in range(count)]
        copied = {
            name: getattr(model, name)
            for name in (
                "ward_id",
                "procedure_id",
                "received_at",
                "due_on",
                "returned_at",
                "extra_visits",
                "receiving_officer_id",
                "timeliness",
                "token_issued_at",
                "token_issued_by_id",
                "token_expires_at",
                "created_by_id",
            )
        }
        db.session.execute(
            sa.insert(Dossier),
            [
                {
                    **copied,
                    "receipt_number": f"{RECEIPT_PREFIX}{i:07d}",
                    "token_hash": tokens.hash_token(raw),
                    "created_at": now,
                    "updated_at": now,
                }
                for i, raw in enumerate(raws)
            ],
        )
        db.session.commit()
        seed = {"page_token": page_token, "tokens": raws, "procedure": procedure.name_vi}
        db.session.remove()
        db.engine.dispose()
    return seed


def count_ratings(database_url: str) -> dict[str, int]:
    """Of the bench's dossiers: ratings recorded, tokens used, cases opened, and whether the
    page's token is still unused."""
    from portal.extensions import db
    from portal.satisfaction.models import Dossier, SatisfactionRating

    bench_dossiers = sa.and_(
        Dossier.receipt_number.like(f"{RECEIPT_PREFIX}%"), Dossier.receipt_number != PAGE_RECEIPT
    )
    app = make_app(database_url, "bench-count-only")
    with app.app_context():
        try:
            ratings, cases = db.session.execute(
                sa.select(
                    sa.func.count(SatisfactionRating.id),
                    sa.func.count(SatisfactionRating.feedback_id),
                )
                .join(Dossier, Dossier.id == SatisfactionRating.dossier_id)
                .where(bench_dossiers)
            ).one()
            used = db.session.execute(
                sa.select(sa.func.count(Dossier.id)).where(
                    bench_dossiers, Dossier.token_used_at.is_not(None)
                )
            ).scalar_one()
            page_used = db.session.execute(
                sa.select(Dossier.token_used_at).where(Dossier.receipt_number == PAGE_RECEIPT)
            ).scalar_one()
            return {
                "ratings": ratings,
                "tokens_used": used,
                "cases": cases,
                "page_token_used": int(page_used is not None),
            }
        finally:
            db.session.remove()
            db.engine.dispose()


# --- Throughput --------------------------------------------------------------------------------


def rating_form(csrf: str, level: str) -> dict[str, str]:
    """The rating form as the resident's browser sends it."""
    form = {"csrf_token": csrf, "level": level, "reason": "", "comment": ""}
    if level == "dissatisfied":
        form["reason"] = REASON
    return form


def check_routes(port: int, seed: dict, level: str) -> tuple[str, dict[str, str]]:
    """hello and the rating page answer as expected, and one POST (with the first token)
    rates and redirects to the thanks page, after which its link is refused. Returns the
    session cookie and the form the POSTs send (with the page's CSRF token)."""
    set_cookie(None)
    status, body = get(port, HELLO_PATH)
    if status != 200 or body != b"hello":
        raise BenchError(f"GET {HELLO_PATH} answered {status}: {body[:200]!r}")
    page = f"/r/{seed['page_token']}"
    status, headers, body = fetch(port, "GET", page)
    html = body.decode(errors="replace")
    found, cookie = CSRF_INPUT_RE.search(html), headers.get("session", "")
    csrf = found[1] if found else None
    if status != 200 or 'lang="vi"' not in html or seed["procedure"] not in html:
        raise BenchError(f"GET /r/<token> answered {status} without the Vietnamese page")
    if not csrf or not cookie:
        raise BenchError("GET /r/<token> set no session cookie or no CSRF token")
    form = rating_form(csrf, level)
    first = f"/r/{seed['tokens'][0]}"
    status, headers, body = fetch(port, "POST", first, cookie, form)
    location = headers.get("location", "")
    if status != 302 or not location.endswith(THANKS_PATH):
        raise BenchError(f"POST /r/<token> answered {status} to {location!r}: {body[:300]!r}")
    if "session" in headers:
        raise BenchError("POST /r/<token> changes the session: the POSTs could not share it")
    status, _headers, _body = fetch(port, "GET", first, cookie)
    if status != 404:
        raise BenchError(f"a used rating link answered {status}, not 404")
    return cookie, form


def successes(result: dict) -> int:
    """Requests answered 2xx/3xx: the load generators' requests minus HTTP errors (wrk counts
    socket errors apart from its requests, the Python generator does not)."""
    failed = sum(n for kind, n in result["errors"].items() if not kind.startswith("socket "))
    return (result["requests"] or 0) - failed


def measure(args, database_url: str, workdir: Path, seed: dict) -> tuple[list[dict], dict]:
    generator, load = load_generator(args)
    port = free_port()
    env = app_env(database_url, port, args)
    env["RATING_LIMIT_PER_IP"] = RATE_LIMIT
    log_path = workdir / "gunicorn.log"
    runs = [args.warmup, args.seconds] if args.warmup else [args.seconds]
    rows: list[dict] = []
    posts = {"checked": 1, "sent": 0, "answered_ok": 0, "runs": len(runs), "reached": 0}
    with gunicorn(env, port, log_path):
        cookie, form = check_routes(port, seed, args.level)
        print(
            f"gunicorn gthread {args.workers}x{args.threads} on 127.0.0.1:{port}, load "
            f"{generator}, {args.concurrency} connections, {args.seconds:g} s per route; "
            f"RATING_LIMIT_PER_IP={RATE_LIMIT!r} (the default would refuse this load)"
        )
        page = f"/r/{seed['page_token']}"
        for name, route, path in (
            ("hello", f"GET {HELLO_PATH}", HELLO_PATH),
            ("page", "GET /r/<token> (new visitor)", page),
        ):
            set_cookie(None)
            results = [load(port, path, s, args.concurrency) for s in runs]
            rows.append({"name": name, "route": route, **results[-1]})
        set_cookie(cookie)
        body = urlencode(form)
        tokens = [f"/r/{raw}" for raw in seed["tokens"][1:]]
        results = []
        for seconds in runs:  # each run starts after the last token the one before requested
            unused = tokens[posts["reached"] :]
            if len(unused) < args.concurrency:
                raise BenchError("too few tokens left for a run: raise --tokens")
            result = load(port, unused[0], seconds, args.concurrency, "POST", body, paths=unused)
            posts["reached"] += result["next_path"]
            posts["sent"] += result["sent"]
            posts["answered_ok"] += successes(result)
            results.append(result)
        set_cookie(None)
        rows.append({"name": "rate", "route": f"POST /r/<token> ({args.level})", **results[-1]})
    # gunicorn has stopped gracefully: every POST it received has been answered and committed.
    return rows, {**posts, "tokens": len(tokens), **count_ratings(database_url)}


def check_ratings(posts: dict, generator: str, concurrency: int) -> list[str]:
    """The database against the POSTs: one rating per token used, none more than the POSTs
    sent, and as many as were answered with a redirect (with wrk, up to `concurrency` more
    per run: the requests in flight when it stopped are answered but not counted)."""
    failures = []
    ratings, ok = posts["ratings"], posts["answered_ok"] + posts["checked"]
    sent = posts["sent"] + posts["checked"]
    in_flight = concurrency * posts["runs"] if generator == "wrk" else 0
    if posts["reached"] > posts["tokens"]:
        failures.append(f"the POSTs ran out of the {posts['tokens']} tokens: raise --tokens")
    if ratings != posts["tokens_used"]:
        failures.append(f"{ratings} ratings for {posts['tokens_used']} tokens used")
    if ratings > sent:
        failures.append(f"{ratings} ratings for {sent} POSTs sent")
    if not ok <= ratings <= ok + in_flight:
        failures.append(
            f"{ratings} ratings for {ok} POSTs answered with a redirect"
            + (f" (+ at most {in_flight} in flight)" if in_flight else "")
        )
    if posts["page_token_used"]:
        failures.append("the page's token was used by GETs")
    return failures


def bench(args: argparse.Namespace, database_url: str, workdir: Path) -> tuple[dict, list[str]]:
    env = app_env(database_url, 0, args)
    print("Migrating and loading the demo data…")
    prepare_database(env)
    print(f"Returning {args.tokens + 1} dossiers with one-time rating tokens in {WARD_SLUG}…")
    seed = seed_bench_database(database_url, args.tokens + 1)

    generator = load_generator(args)[0]
    results, posts = measure(args, database_url, workdir, seed)

    print()
    print_table(results, "name", route_width=32)
    failures = []
    hello = next(r for r in results if r["name"] == "hello")
    ratios = {}
    for row in results:
        if row["name"] == "hello":
            continue
        rps, target = hello["requests_per_second"], TARGETS[row["name"]]
        ratios[row["name"]] = ratio = row["requests_per_second"] / rps if rps else 0.0
        verdict = "ok" if ratio >= target else "BELOW TARGET"
        print(f"ratio {row['name']}/hello = {ratio:.2f} (target >= {target:.2f}): {verdict}")
        if args.strict and ratio < target:
            failures.append(f"ratio {row['name']} {ratio:.2f} < {target}")
    ok = posts["answered_ok"] + posts["checked"]
    late = posts["ratings"] - ok
    print(
        f"Ratings recorded (warm-up and the check included): {posts['ratings']} for "
        f"{ok} POSTs answered with a redirect"
        + (f" + {late} answered after {generator} stopped" if late > 0 else "")
        + f", {posts['sent'] + posts['checked']} sent, {posts['tokens']} tokens; "
        f"{posts['tokens_used']} tokens used"
        + (f", {posts['cases']} feedback cases opened" if args.level == "dissatisfied" else "")
    )
    failures += check_ratings(posts, generator, args.concurrency)
    if any(row["errors"] for row in results):
        failures.append("some requests failed")

    report = {
        "results": results,
        "ratio_to_hello": {k: round(v, 4) for k, v in ratios.items()},
        "targets": TARGETS,
        "posts": posts,
        "settings": load_settings(
            args, database_url, tokens=args.tokens, level=args.level, rating_limit_per_ip=RATE_LIMIT
        ),
        "ok": not failures,
    }
    return report, failures


def main(argv: list[str] | None = None) -> int:
    return run_in_workspace(parse_args(argv), "ward-portal-rating-", bench)


if __name__ == "__main__":
    sys.exit(main())
