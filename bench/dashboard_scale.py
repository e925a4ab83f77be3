"""The chairman's dashboard at scale: its time with 10 thousand to 10 million satisfaction
ratings across the 126 Hà Nội wards, beside the raw aggregation the rollups replace
(`make bench-dashboard`).

Data. One database (a temporary SQLite file, or a fresh PostgreSQL database created on the
server of --database-url and dropped at the end), migrated and loaded with the demo data (its
chairman of Bồ Đề and city administrator are the viewers). Every Hà Nội ward is imported and
enabled, and gets the default procedure catalogue and --staff-per-ward officers. The data then
grows to each of --sizes ratings in turn (rows are added, never regenerated) with set-based
SQL: INSERT … SELECT over generate_series on PostgreSQL, over a recursive CTE on SQLite. One
returned dossier per rating, spread evenly over the wards, their procedures and officers,
received over the 24 months before DATA_END, returned 1–5 days later (25 % early, 65 % on time,
10 % late; 80 % without an extra visit), rated 0–2 days after that (60 % very satisfied, 30 %
satisfied, 10 % dissatisfied with a reason; no feedback case is opened). Bulk rows bypass the
per-event rollup upserts, so the rollups are rebuilt from the raw rows afterwards
(portal.satisfaction.rollups.rebuild) and, on PostgreSQL, the tables analysed; the load time
reported includes both.

Measured at each size, in this process (the Flask test client, logged in with a session the
server knows; the dashboard's figures cache, DASHBOARD_CACHE_SECONDS, is off here, so every
request computes and renders the figures):
  - the chairman's dashboard of his ward for DATA_END's month and for its year, the
    administrator's comparison of all served wards for the year, and, anonymous, the ward's
    public transparency page for DATA_END's month and its open data (JSON; the page cache is
    off here too), beside a control page of
    the same stack (the chairman's /account): per page, the SQL statements of one request,
    and the median of this process's CPU time (time.process_time) and of the wall-clock
    time over --repeats requests after --warmup-requests (fewer when slow: at most --budget
    seconds per figure, at least 5 requests). Each must answer 200 and name the ward. CPU
    time is what the request costs here whatever else the machine runs (the database
    server's work is not in it); on a shared machine compare with the control page of the
    same run rather than across runs;
  - the control: the same year's totals straight from the raw tables with SQL GROUP BY
    (ratings by level, dossiers returned by timeliness), for the ward and per ward city-wide,
    timed the same way; the ward's figures must equal the dashboard's (from the rollups);
  - the slowest SQL statement of one more request of each dashboard, timed from the cursor's
    execute to its return (on SQLite, rows a statement streams from an index are stepped
    through later, while fetched: a lower bound there). When a target is missed on
    PostgreSQL, the EXPLAIN ANALYZE of that statement at the largest size is printed.
Targets (issue 17): each dashboard's median CPU time <= 25 ms (CPU_TARGET_MS) at every size,
and its statements as many at every size (issue 16: the public page and its open data too).
The machine's load average is printed with each size.

Run it (from the repository, with the project's virtualenv), e.g. 10 thousand and 1 million
ratings on PostgreSQL, in process only (a fresh database is made on the server and dropped):
  .venv/bin/python bench/dashboard_scale.py --database-url \
      postgresql+psycopg://postgres@127.0.0.1:5432/postgres --sizes 10k,1M --in-process-only
(about 3 minutes, most of it loading the million rows); without --database-url on a SQLite
file; --quick for 2 000 and 20 000 ratings; --json PATH for the figures; --strict to exit 1
on a missed target.

At --throughput-at ratings (1 million by default, or the largest size below it) the portal is
served by gunicorn (bench/bench_wsgi.py, the repo's gunicorn.conf.py) and the chairman's month
dashboard (logged in through the login form) is loaded against the bare hello route, with the
app's dashboard cache as configured. Target: ratio >= 0.3. When the app has that cache, the
month dashboard is loaded again with it off (reported, not judged).

Exit status: 1 when a page answers wrongly or the figures differ (or, with --strict, when a
target is missed); 2 when the bench could not run; 0 otherwise.
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from common import (
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
    log_in,
    make_app,
    prepare_database,
    print_table,
    run_in_workspace,
    set_cookie,
    tail,
)

WARD_SLUG = "phuong-bo-de"
PROVINCE = "ha_noi"
HELLO_PATH = "/hello/"
DATA_END = datetime(2026, 11, 26, tzinfo=UTC)  # the newest rating is a day before
MONTH_PATH = f"/dashboard/?period=month&date={DATA_END:%Y-%m}"
YEAR_PATH = f"/dashboard/?period=year&date={DATA_END:%Y}"
# The public transparency page and its open data (issue 16: they read the same rollups, so
# their cost must not grow with the ratings either), anonymous, for the same month.
PUBLIC_PATH = f"/wards/{WARD_SLUG}/minh-bach?period=month&date={DATA_END:%Y-%m}"
OPEN_DATA_PATH = f"/wards/{WARD_SLUG}/minh-bach/{DATA_END:%Y-%m}.json"
CPU_TARGET_MS = 25.0  # issue 17: an uncached dashboard's CPU time in this process, median
BASE_PATH = "/account"  # the control page: the chairman's account, a page of the same stack
THROUGHPUT_TARGET = 0.3  # the month dashboard's requests/s over hello's
SQLITE_SIZES = (10_000, 100_000, 1_000_000)
POSTGRES_SIZES = (*SQLITE_SIZES, 10_000_000)
QUICK_SIZES = (2_000, 20_000)
BATCH_ROWS = {"sqlite": 250_000, "postgresql": 1_000_000}
MIN_SAMPLES = 5
CACHE_SETTING = "DASHBOARD_CACHE_SECONDS"  # the dashboard's figures cache, when the app has one
STAFF_PHONE_PREFIX = "+8470"  # the bench's officers; the demo accounts are +8490…/+8491…
PAGES = ("month", "year", "city", "public", "opendata")
BASE = "base"  # the control page, measured beside the dashboards
FIGURE_LEVELS = ("very_satisfied", "satisfied", "dissatisfied")
FIGURE_TIMELINESS = ("early", "on_time", "late")
CONTROLS = ("raw_ward", "raw_city")
REASONS = (
    "Phải đi lại nhiều lần để bổ sung giấy tờ.",
    "Trả kết quả trễ hẹn, không được báo trước.",
    "Cán bộ hướng dẫn chưa rõ ràng.",
)

# --- Data --------------------------------------------------------------------------------------

# Dossier n (1, 2, …) goes to ward n % W, to that ward's procedure (n / W) % P and officer
# (n / (W * P)) % O, so every combination gets its share; days and times come from
# multiplicative hashes of n (received `back` days before DATA_END, 719 being a prime, no
# period is shared with the wards'). Times are whole seconds: UTC 01:00–10:00 is 08:00–17:00
# in Hà Nội, the same date, so due_on (the return date +1/0/-1 day) gives the timeliness.
DOSSIERS_SQL = """
INSERT INTO dossiers (ward_id, procedure_id, receipt_number, received_at, due_on, returned_at,
    extra_visits, receiving_officer_id, timeliness, token_issued_at, token_issued_by_id,
    token_expires_at, token_used_at, created_by_id, created_at, updated_at, search_text)
SELECT ward_id, procedure_id, 'BENCH-' || CAST(n AS VARCHAR(20)), {received}, {due_on},
    {returned}, extra_visits, officer_id, timeliness, {returned}, officer_id, {expires},
    {rated}, officer_id, {received}, {rated}, 'bench-' || CAST(n AS VARCHAR(20))
FROM (
    SELECT n, ward_id, procedure_id, officer_id, timeliness, extra_visits,
        :end - back * 86400 + received_time AS received,
        :end - (back - took) * 86400 + returned_time AS returned,
        :end - (back - took) * 86400 + returned_time + shift * 86400 AS due,
        :end - (back - took - waited) * 86400 + returned_time + 7200 AS rated
    FROM (
        SELECT n, ward_id, procedure_id, officer_id, back, took, waited, received_time,
            returned_time,
            CASE WHEN u_time < 25 THEN 'early' WHEN u_time < 90 THEN 'on_time'
                ELSE 'late' END AS timeliness,
            CASE WHEN u_time < 25 THEN 1 WHEN u_time < 90 THEN 0 ELSE -1 END AS shift,
            CASE WHEN u_visits < 80 THEN 0 WHEN u_visits < 95 THEN 1 ELSE 2 END AS extra_visits
        FROM (
            SELECT g.n, s.ward_id, s.procedure_id, o.officer_id,
                8 + (g.n * 7477) % 719 AS back,
                1 + (g.n * 7919) % 1000003 % 5 AS took,
                (g.n * 6271) % 1000003 % 3 AS waited,
                3600 + (g.n * 104729) % 32400 AS received_time,
                3600 + (g.n * 130363) % 32400 AS returned_time,
                (g.n * 48271) % 1000003 % 100 AS u_time,
                (g.n * 69621) % 1000003 % 100 AS u_visits
            FROM {numbers}
            JOIN bench_slots s ON s.k = g.n % :slots
            JOIN bench_officers o ON o.k = (g.n % :wards) * :staff + (g.n / :slots) % :staff
        ) AS hashed
    ) AS chosen
) AS timed
"""

# One rating per dossier of the batch, given when its token was used; points as
# portal.satisfaction.indicators for a dossier of the ward alone (indicators 1, 2, 3, 4 and
# 7: 0–2 points each, out of 10).
RATINGS_SQL = """
INSERT INTO satisfaction_ratings (ward_id, dossier_id, procedure_id, officer_id, level, reason,
    attitude, comment, channel, issued_by_id, timeliness, contacts_needed, points_time,
    points_agency_time, points_contacts, points_agencies, points_attitude, score, score_max,
    created_at)
SELECT ward_id, id, procedure_id, receiving_officer_id, level,
    CASE WHEN level = 'dissatisfied' THEN
        CASE id % 3 WHEN 0 THEN :reason0 WHEN 1 THEN :reason1 ELSE :reason2 END
    ELSE '' END,
    attitude, '', channel, token_issued_by_id, timeliness, extra_visits,
    p_time, p_time, p_contacts, 2, p_attitude, p_time + p_time + p_contacts + 2 + p_attitude,
    10, token_used_at
FROM (
    SELECT *,
        CASE timeliness WHEN 'early' THEN 2 WHEN 'on_time' THEN 1 ELSE 0 END AS p_time,
        CASE extra_visits WHEN 0 THEN 2 WHEN 1 THEN 1 ELSE 0 END AS p_contacts,
        CASE WHEN attitude = 'good' THEN 2 WHEN attitude = 'poor' THEN 0 ELSE 1 END AS p_attitude
FROM (
    SELECT id, ward_id, procedure_id, receiving_officer_id, token_issued_by_id, timeliness,
        extra_visits, token_used_at,
        CASE WHEN u_level < 60 THEN 'very_satisfied' WHEN u_level < 90 THEN 'satisfied'
            ELSE 'dissatisfied' END AS level,
        CASE WHEN u_attitude < 70 THEN 'good' WHEN u_attitude < 90 THEN 'acceptable'
            WHEN u_attitude < 95 THEN 'poor' END AS attitude,
        CASE WHEN u_channel < 85 THEN 'link' ELSE 'kiosk' END AS channel
    FROM (
        SELECT d.*, (n * 16807) % 1000003 % 100 AS u_level,
            (n * 39373) % 1000003 % 100 AS u_attitude,
            (n * 40692) % 1000003 % 100 AS u_channel
        FROM (SELECT dossiers.*, CAST(id AS BIGINT) AS n FROM dossiers WHERE id > :after) AS d
    ) AS hashed
) AS chosen
) AS pointed
"""

DIALECT_SQL = {
    "postgresql": {
        "numbers": "generate_series(CAST(:lo AS BIGINT), CAST(:hi AS BIGINT)) AS g(n)",
        "timestamp": "to_timestamp({})",
        "date": "CAST(to_timestamp({}) AT TIME ZONE 'UTC' AS DATE)",
    },
    "sqlite": {  # SQLAlchemy's text format for DateTime on SQLite
        "numbers": "(WITH RECURSIVE s(n) AS (SELECT :lo UNION ALL SELECT n + 1 FROM s "
        "WHERE n < :hi) SELECT n FROM s) AS g",
        "timestamp": "strftime('%Y-%m-%d %H:%M:%S', {}, 'unixepoch') || '.000000'",
        "date": "date({}, 'unixepoch')",
    },
}


def seed_city(app, staff_per_ward: int) -> dict:
    """Every ward of the province imported and enabled, with its catalogue and officers.
    Returns the viewers, the ward's name and id, and the slots the loader spreads rows over."""
    from portal.auth.models import Role, User
    from portal.auth.services import clean_phone
    from portal.cli import DEMO_PASSWORD, DEMO_USERS
    from portal.extensions import db
    from portal.satisfaction import catalogue
    from portal.satisfaction.models import Procedure
    from portal.wards import services as ward_services
    from portal.wards.models import Ward

    with app.app_context():
        ward_services.import_province(PROVINCE)
        code = int(ward_services.find_province(PROVINCE).code)
        in_province = Ward.province_code == code
        db.session.execute(sa.update(Ward).where(in_province).values(enabled=True))
        ward_ids = db.session.execute(
            sa.select(Ward.id).where(in_province).order_by(Ward.id)
        ).scalars()
        ward_ids = list(ward_ids)
        for ward_id in ward_ids:
            catalogue.provide_defaults(ward_id)
        db.session.execute(
            sa.insert(User),
            [
                {
                    "full_name": f"Cán bộ một cửa {k + 1}",
                    "phone": f"{STAFF_PHONE_PREFIX}{i:03d}{k:04d}",
                    "password_hash": "not-used",  # noqa: S106 - these officers never log in
                    "role": Role.STAFF,
                    "ward_id": ward_id,
                    "locale": "vi",
                }
                for i, ward_id in enumerate(ward_ids)
                for k in range(staff_per_ward)
            ],
        )
        db.session.commit()
        procedures = db.session.execute(
            sa.select(Procedure.ward_id, Procedure.id)
            .where(Procedure.ward_id.in_(ward_ids), Procedure.active)
            .order_by(Procedure.ward_id, Procedure.id)
        ).all()
        officers = db.session.execute(
            sa.select(User.ward_id, User.id)
            .where(User.phone.like(f"{STAFF_PHONE_PREFIX}%"))
            .order_by(User.ward_id, User.id)
        ).all()
        by_ward = {ward_id: [] for ward_id in ward_ids}
        for ward_id, procedure_id in procedures:
            by_ward[ward_id].append(procedure_id)
        if len({len(p) for p in by_ward.values()}) != 1:
            raise BenchError("the wards' catalogues differ in size")
        per_ward = len(procedures) // len(ward_ids)
        # Slot k = procedure index * W + ward index: slot n % (W * P) is ward n % W.
        slots = [
            (p * len(ward_ids) + w, ward_id, by_ward[ward_id][p])
            for p in range(per_ward)
            for w, ward_id in enumerate(ward_ids)
        ]
        index = {ward_id: w for w, ward_id in enumerate(ward_ids)}
        seen: dict[int, int] = {}
        officer_slots = []
        for ward_id, officer_id in officers:
            j = seen[ward_id] = seen.get(ward_id, -1) + 1
            officer_slots.append((index[ward_id] * staff_per_ward + j, officer_id))

        def viewer(role: Role) -> tuple[User, str]:
            phone = next(p for r, s, p, *_ in DEMO_USERS if r == role and s in (WARD_SLUG, None))
            user = db.session.execute(
                sa.select(User).where(User.phone == clean_phone(phone))
            ).scalar_one_or_none()
            if user is None:
                raise BenchError(f"the demo {role.value} is missing: did `flask demo load` run?")
            return user, phone

        (chairman, chairman_phone), (admin, _phone) = viewer(Role.CHAIRMAN), viewer(Role.ADMIN)
        ward = ward_services.get_ward_by_slug(WARD_SLUG)
        seed = {
            "wards": len(ward_ids),
            "procedures_per_ward": per_ward,
            "staff_per_ward": staff_per_ward,
            "slots": slots,
            "officer_slots": officer_slots,
            "ward_id": ward.id,
            "ward_name": ward.name,
            "chairman_session": chairman.get_id(),
            "admin_session": admin.get_id(),
            "chairman_login": chairman_phone,
            "password": DEMO_PASSWORD,
        }
        db.session.remove()
    return seed


class Loader:
    """Grows the dossiers and their ratings with INSERT … SELECT, in batches, on one
    connection of its own (with the slot tables as TEMP tables)."""

    def __init__(self, database_url: str, seed: dict) -> None:
        self.engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
        self.dialect = self.engine.dialect.name
        sql = DIALECT_SQL[self.dialect]

        def stamp(expr: str) -> str:
            return sql["timestamp"].format(expr)

        self.dossiers = sa.text(
            DOSSIERS_SQL.format(
                numbers=sql["numbers"],
                received=stamp("received"),
                returned=stamp("returned"),
                expires=stamp("returned + 30 * 86400"),
                rated=stamp("rated"),
                due_on=sql["date"].format("due"),
            )
        )
        self.ratings = sa.text(RATINGS_SQL)
        self.params = {
            "end": int(DATA_END.timestamp()),
            "slots": len(seed["slots"]),
            "wards": seed["wards"],
            "staff": seed["staff_per_ward"],
        }
        self.batch = BATCH_ROWS[self.dialect]
        self.conn = self.engine.connect()
        if self.dialect == "sqlite":
            for pragma in ("synchronous = OFF", "cache_size = -1000000", "temp_store = MEMORY"):
                self.conn.exec_driver_sql(f"PRAGMA {pragma}")
        else:
            # No foreign-key triggers on this connection (a superuser's setting; SQLite's
            # connection does not check them either): the rows reference existing wards,
            # procedures and officers by construction, and the checks cost most of the load.
            try:
                self.conn.exec_driver_sql("SET session_replication_role = replica")
            except sa.exc.DBAPIError:
                self.conn.rollback()  # not a superuser: the checks run, the load is slower
                print("(not a superuser: foreign keys are checked during the load)")
            self.conn.exec_driver_sql("SET synchronous_commit = off")
            self.conn.exec_driver_sql("SET work_mem = '64MB'")
        metadata = sa.MetaData()
        for name, columns, rows in (
            ("bench_slots", ("k", "ward_id", "procedure_id"), seed["slots"]),
            ("bench_officers", ("k", "officer_id"), seed["officer_slots"]),
        ):
            table = sa.Table(
                name,
                metadata,
                sa.Column(columns[0], sa.Integer, primary_key=True, autoincrement=False),
                *[sa.Column(column, sa.Integer, nullable=False) for column in columns[1:]],
                prefixes=["TEMPORARY"],
            )
            table.create(self.conn)
            values = [dict(zip(columns, row, strict=True)) for row in rows]
            self.conn.execute(table.insert(), values)
        self.conn.commit()
        self.next_n = 1

    def count(self) -> int:
        found = self.conn.exec_driver_sql("SELECT count(*) FROM satisfaction_ratings")
        count = found.scalar_one()
        self.conn.commit()  # no snapshot held while the app rebuilds and VACUUM runs
        return count

    def grow_to(self, size: int) -> int:
        """Add dossiers and ratings until there are `size` ratings; returns the rows added."""
        have = self.count()
        need = size - have
        started = time.monotonic()
        done = 0
        print(f"Growing from {have:,} to {size:,} ratings ({self.dialect})…", flush=True)
        while done < need:
            rows = min(self.batch, need - done)
            after = self.conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM dossiers")
            after = after.scalar_one()
            lo, hi = self.next_n, self.next_n + rows - 1
            batch_began = time.monotonic()
            self.conn.execute(self.dossiers, {**self.params, "lo": lo, "hi": hi})
            dossiers_done = time.monotonic()
            reasons = {f"reason{i}": text for i, text in enumerate(REASONS)}
            self.conn.execute(self.ratings, {"after": after, **reasons})
            self.conn.commit()
            self.next_n, done = hi + 1, done + rows
            now = time.monotonic()
            rate = done / (now - started)
            print(
                f"  {have + done:>12,} ratings  {now - started:7.1f} s  {rate:9,.0f} /s (dossiers "
                f"{dossiers_done - batch_began:.1f} s, ratings {now - dossiers_done:.1f} s)"
                f"  ~{(need - done) / rate:.0f} s left",
                flush=True,
            )
        return max(need, 0)

    def maintain(self) -> None:
        """After a load and the rollups' rebuild: ANALYZE (and VACUUM the rebuilt rollups) on
        PostgreSQL; a WAL checkpoint on SQLite."""
        if self.dialect == "sqlite":
            self.conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            self.conn.commit()
            return
        self.conn.commit()
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
            auto.exec_driver_sql("VACUUM (ANALYZE) satisfaction_rollups")
            auto.exec_driver_sql("VACUUM (ANALYZE) satisfaction_ward_months")
            auto.exec_driver_sql("ANALYZE")

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


def rebuild_rollups(app) -> int:
    from portal.extensions import db
    from portal.satisfaction import rollups

    if not hasattr(rollups, "rebuild"):
        raise BenchError("portal.satisfaction.rollups.rebuild() is missing")
    with app.app_context():
        if db.session.get_bind().dialect.name == "postgresql":
            # A bulk rebuild of millions of rows: past the app's per-statement limit
            # (DATABASE_STATEMENT_TIMEOUT) on a busy machine; for this transaction only.
            db.session.execute(sa.text("SET LOCAL statement_timeout = 0"))
        rows = rollups.rebuild()
        db.session.commit()
        db.session.remove()
    return rows


# --- Timing ------------------------------------------------------------------------------------


def timed(run: Callable[[], object], args: argparse.Namespace) -> dict:
    """Median and p90 (ms) of `run` over --repeats calls after --warmup-requests, fewer when
    they take more than --budget seconds (never fewer than MIN_SAMPLES), and the median of
    this process's CPU time per call."""
    for _ in range(args.warmup_requests):
        began = time.perf_counter()
        run()
        if time.perf_counter() - began > args.budget / 10:
            break
    samples: list[float] = []
    cpu: list[float] = []
    started = time.perf_counter()
    while len(samples) < args.repeats:
        began, began_cpu = time.perf_counter(), time.process_time()
        run()
        cpu.append((time.process_time() - began_cpu) * 1000)
        samples.append((time.perf_counter() - began) * 1000)
        if len(samples) >= MIN_SAMPLES and time.perf_counter() - started > args.budget:
            break
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 2),
        "p90_ms": round(samples[math.ceil(0.9 * len(samples)) - 1], 2),
        # This process's CPU time (time.process_time): what the request costs here, whatever
        # else the machine runs (the database server's own work is not in it).
        "cpu_median_ms": round(statistics.median(cpu), 2),
        "samples": len(samples),
    }


class StatementClock:
    """The SQL statements a block runs on an engine, with their times (cursor events)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.statements: list[tuple[float, str, object]] = []

    def _before(self, conn, _cursor, _statement, _parameters, _context, _many) -> None:
        conn.info["bench_began"] = time.perf_counter()

    def _after(self, conn, _cursor, statement, parameters, _context, _many) -> None:
        took = (time.perf_counter() - conn.info.pop("bench_began")) * 1000
        self.statements.append((took, statement, parameters))

    def __enter__(self) -> StatementClock:
        sa.event.listen(self.engine, "before_cursor_execute", self._before)
        sa.event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._before)
        sa.event.remove(self.engine, "after_cursor_execute", self._after)

    def slowest(self) -> tuple[float, str, object]:
        return max(self.statements, key=lambda s: s[0])


def one_line(statement: str, width: int = 150) -> str:
    text = " ".join(statement.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def raw_queries(ward_id: int | None, since: datetime, until: datetime) -> list:
    """The year's ratings by level and dossiers returned by timeliness, straight from the raw
    tables: for one ward, or per ward (ward_id None)."""
    from portal.satisfaction.models import Dossier, SatisfactionRating

    rating, dossier = SatisfactionRating, Dossier
    by_level = sa.select(rating.level, sa.func.count()).where(
        rating.created_at >= since, rating.created_at < until
    )
    by_timeliness = sa.select(dossier.timeliness, sa.func.count()).where(
        dossier.returned_at >= since, dossier.returned_at < until
    )
    if ward_id is not None:
        return [
            by_level.where(rating.ward_id == ward_id).group_by(rating.level),
            by_timeliness.where(dossier.ward_id == ward_id).group_by(dossier.timeliness),
        ]
    return [
        by_level.add_columns(rating.ward_id).group_by(rating.ward_id, rating.level),
        by_timeliness.add_columns(dossier.ward_id).group_by(dossier.ward_id, dossier.timeliness),
    ]


def check_figures(app, seed: dict) -> str | None:
    """The ward's year totals on the dashboard (rollups) against the raw tables."""
    from portal.dashboard import services
    from portal.dashboard.periods import period_containing
    from portal.extensions import db

    with app.app_context():
        period = period_containing(DATA_END.date(), "year")
        figures = services.satisfaction_totals(seed["ward_id"], period)
        levels, timeliness = (
            dict(db.session.execute(q).all())
            for q in raw_queries(seed["ward_id"], *period.utc_bounds())
        )
        db.session.remove()
    raw = {str(k): v for k, v in (*levels.items(), *timeliness.items())}
    raw = {name: raw.get(name, 0) for name in (*FIGURE_LEVELS, *FIGURE_TIMELINESS)}
    raw.update(ratings=sum(levels.values()), returned=sum(timeliness.values()))
    shown = {name: getattr(figures, name) for name in raw}
    if shown != raw:
        return f"the dashboard's year totals {shown} differ from the raw tables' {raw}"
    return None


def signed_in(app, session_id: str):
    """A test client logged in as the account of `session_id` (User.get_id()), with a
    session the server knows (portal.auth.sessions), as logging in on the page makes."""
    from portal.auth.models import AuthSession
    from portal.auth.sessions import KEY, _hash
    from portal.extensions import db

    secret = secrets.token_urlsafe(32)
    with app.app_context():
        user_id = int(session_id.split(".", 1)[0])
        db.session.add(AuthSession(user_id=user_id, token_hash=_hash(secret), method="bench"))
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = session_id
        session["_fresh"] = True
        session[KEY] = secret
    return client


def measure_in_process(app, seed: dict, args) -> tuple[dict, dict, list[str]]:
    """The three dashboards and the two raw controls, timed; the slowest statement of one
    request of each dashboard; the failures (a page answering wrongly)."""
    from portal.dashboard.periods import period_containing
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
        since, until = period_containing(DATA_END.date(), "year").utc_bounds()
    name = seed["ward_name"].encode()
    pages = {
        BASE: (seed["chairman_session"], BASE_PATH),
        "month": (seed["chairman_session"], MONTH_PATH),
        "year": (seed["chairman_session"], YEAR_PATH),
        "city": (seed["admin_session"], YEAR_PATH),
        "public": (None, PUBLIC_PATH),
        "opendata": (None, OPEN_DATA_PATH),
    }
    times, slowest, failures = {}, {}, []
    for page, (session_id, path) in pages.items():
        client = app.test_client() if session_id is None else signed_in(app, session_id)

        def request(client=client, path=path):
            return client.get(path, headers={"Accept-Language": "vi"})

        response = request()
        marker = WARD_SLUG.encode() if page == "opendata" else name  # JSON escapes the name
        if response.status_code != 200 or (page != BASE and marker not in response.data):
            status = response.status_code
            failures.append(f"{page}: GET {path} answered {status} without {marker!r}")
            continue

        def checked(request=request, page=page):
            if request().status_code != 200:
                raise BenchError(f"the {page} dashboard stopped answering 200")

        times[page] = timed(checked, args)
        with StatementClock(engine) as clock:  # one more (warm) request, statement by statement
            checked()
        took, statement, parameters = clock.slowest()
        slowest[page] = {
            "ms": round(took, 2),
            "statements": len(clock.statements),
            "all_statements_ms": round(sum(s[0] for s in clock.statements), 2),
            "sql": statement,
            "parameters": parameters,
        }
    for control, ward_id in (("raw_ward", seed["ward_id"]), ("raw_city", None)):
        queries = raw_queries(ward_id, since, until)

        def aggregate(queries=queries):
            with app.app_context():
                for query in queries:
                    db.session.execute(query).all()
                db.session.remove()

        times[control] = timed(aggregate, args)
    mismatch = check_figures(app, seed)
    if mismatch:
        failures.append(mismatch)
    return times, slowest, failures


def explain(app, slowest: dict) -> str:
    """EXPLAIN ANALYZE of a captured statement (PostgreSQL)."""
    from portal.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"], slowest["parameters"]
        ).scalars()
        return "\n".join(f"    {line}" for line in plan)


# --- Throughput --------------------------------------------------------------------------------


def measure_throughput(
    args, database_url: str, workdir: Path, seed: dict, routes: tuple, extra_env: dict
) -> list[dict]:
    """Requests/s of `routes` ((name, path, as the chairman?), …) under gunicorn, whose
    environment gets `extra_env`."""
    generator, load = load_generator(args)
    port = free_port()
    env = {**app_env(database_url, port, args), **extra_env}
    log_path = workdir / "gunicorn.log"
    with gunicorn(env, port, log_path, during="the throughput run"):
        cookie = log_in(port, seed["chairman_login"], seed["password"])
        set_cookie(None)
        status, body = get(port, HELLO_PATH)
        if status != 200 or body != b"hello":
            raise BenchError(f"GET {HELLO_PATH} answered {status}: {body[:200]!r}")
        status, headers, body = fetch(port, "GET", MONTH_PATH, cookie)
        if status != 200 or seed["ward_name"].encode() not in body or "session" in headers:
            raise BenchError(
                f"GET {MONTH_PATH} as the chairman answered {status} wrongly:\n{tail(log_path)}"
            )
        settings = "".join(f" {k}={v}" for k, v in extra_env.items())
        print(
            f"gunicorn gthread {args.workers}x{args.threads} on port {port}{settings}, load "
            f"{generator}, {args.concurrency} connections, {args.seconds:g} s per route",
            flush=True,
        )
        rows = []
        for name, path, as_chairman in routes:
            set_cookie(cookie if as_chairman else None)
            runs = [args.warmup, args.seconds] if args.warmup else [args.seconds]
            results = [load(port, path, seconds, args.concurrency) for seconds in runs]
            rows.append({"name": name, "route": f"GET {path}", **results[-1]})
        set_cookie(None)
    return rows


def throughputs(args, database_url: str, workdir: Path, seed: dict, cache: int | None) -> list:
    """hello and the month dashboard with the app's dashboard cache as configured; when it
    has one, the month dashboard again with it off (every request computes the figures)."""
    routes = (("hello", HELLO_PATH, False), ("month", MONTH_PATH, True))
    rows = measure_throughput(args, database_url, workdir, seed, routes, {})
    if cache:
        routes = (("uncached", MONTH_PATH, True),)
        off = {CACHE_SETTING: "0"}
        rows += measure_throughput(args, database_url, workdir, seed, routes, off)
    return rows


# --- Report ------------------------------------------------------------------------------------


def print_sizes(rows: list[dict]) -> None:
    """Per size: the ratings, and per page the statements of one uncached request, the
    median CPU ms of this process per request (beside the control page's), the wall-clock
    median (p90), and whether the CPU target is met."""
    print(
        f"Uncached, in process (median of --repeats requests; CPU: time.process_time; "
        f"target CPU <= {CPU_TARGET_MS:g} ms)"
    )
    heads = ("ratings", "page", "statements", "CPU ms", "CPU/base", "wall ms (p90)", "target")
    print(f"{heads[0]:>12}  {heads[1]:<7}{heads[2]:>11}{heads[3]:>9}{heads[4]:>10}", end="")
    print(f"{heads[5]:>17}  {heads[6]}")
    for row in rows:
        base = row["times"].get(BASE)
        for page in (BASE, *PAGES):
            figure = row["times"].get(page)
            if not figure:
                continue
            cpu = figure["cpu_median_ms"]
            ratio = f"{cpu / base['cpu_median_ms']:.1f}x" if base and page != BASE else ""
            verdict = "" if page == BASE else ("met" if cpu <= CPU_TARGET_MS else "MISSED")
            wall = f"{figure['median_ms']:.1f} ({figure['p90_ms']:.1f})"
            statements = row["slowest_statement"].get(page, {}).get("statements", "-")
            print(
                f"{row['ratings']:>12,}  {page:<7}{statements:>11}{cpu:>9.1f}{ratio:>10}"
                f"{wall:>17}  {verdict}"
            )
    controls = [
        f"{key} {row['times'][key]['median_ms']:.1f} ms"
        for row in rows[-1:]
        for key in CONTROLS
        if key in row["times"]
    ]
    if controls:
        print(f"The same year's totals from the raw tables at {rows[-1]['ratings']:,}: ", end="")
        print(", ".join(controls))


def growth(rows: list[dict]) -> tuple[dict, list[str]]:
    """Each dashboard's CPU median over its median at the smallest size, whether its
    statements stay as many, and the misses (CPU over the target, statements growing)."""
    base = rows[0]
    ratios, misses = {}, []
    for row in rows:
        for page in PAGES:
            figure = row["times"].get(page)
            if not figure:
                continue
            if figure["cpu_median_ms"] > CPU_TARGET_MS:
                misses.append(f"{page} at {row['ratings']:,}: {figure['cpu_median_ms']:.1f} ms CPU")
            first = base["slowest_statement"].get(page, {}).get("statements")
            now = row["slowest_statement"].get(page, {}).get("statements")
            if first is not None and now != first:
                misses.append(f"{page} at {row['ratings']:,}: {now} statements, {first} at first")
            if row is not base and page in base["times"]:
                ratio = figure["cpu_median_ms"] / base["times"][page]["cpu_median_ms"]
                ratios.setdefault(page, {})[row["size"]] = round(ratio, 2)
    if ratios:
        print(f"CPU time over the CPU time at {base['ratings']:,} ratings:")
        for page, by_size in ratios.items():
            cells = "  ".join(f"{size:,}: {ratio:.2f}x" for size, ratio in by_size.items())
            print(f"  {page:<6} {cells}")
    flat = all(
        row["slowest_statement"].get(p, {}).get("statements")
        == base["slowest_statement"].get(p, {}).get("statements")
        for row in rows
        for p in PAGES
    )
    print(f"Statements as many at every size: {'PASS' if flat else 'FAIL'}")
    for page in PAGES:
        cpu = [row["times"][page]["cpu_median_ms"] for row in rows if page in row["times"]]
        if cpu:
            verdict = "PASS" if max(cpu) <= CPU_TARGET_MS else "FAIL"
            print(f"CPU target {page:<6} <= {CPU_TARGET_MS:g} ms at every size: {verdict}")
    return ratios, misses


# --- Main --------------------------------------------------------------------------------------


def sizes_of(text: str) -> list[int]:
    """ "10000,1e5,1M" -> [10000, 100000, 1000000]"""
    sizes = []
    for part in filter(None, (p.strip().lower() for p in text.split(","))):
        factor = {"k": 1_000, "m": 1_000_000}.get(part[-1], 1)
        sizes.append(int(float(part.rstrip("km")) * factor))
    return sizes


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser)
    parser.add_argument(
        "--sizes",
        type=sizes_of,
        help="ratings at each step, e.g. 10k,100k,1M (default: 10k,100k,1M; 10M too with "
        "--database-url)",
    )
    parser.add_argument(
        "--throughput-at",
        type=lambda v: sizes_of(v)[0],
        default=1_000_000,
        help="measure the throughput at the largest size <= this (default 1M)",
    )
    parser.add_argument("--staff-per-ward", type=int, default=5, help="officers of each ward")
    parser.add_argument("--repeats", type=int, default=30, help="timed requests per figure")
    parser.add_argument("--warmup-requests", type=int, default=3, help="untimed requests first")
    parser.add_argument(
        "--budget", type=float, default=30.0, help="seconds of timed requests per figure at most"
    )
    parser.add_argument(
        "--quick", action="store_true", help="sizes 2000,20000, 10 requests, 2 s of load"
    )
    parser.add_argument(
        "--in-process-only",
        action="store_true",
        help="only the in-process measures (no gunicorn throughput run)",
    )
    add_ratio_options(parser)
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = args.sizes or list(QUICK_SIZES)
        args.seconds, args.warmup, args.repeats = 2.0, 1.0, min(args.repeats, 10)
    if not args.sizes:
        args.sizes = list(POSTGRES_SIZES if args.database_url else SQLITE_SIZES)
    args.sizes = sorted(set(args.sizes))
    check_load_options(parser, args)
    if args.sizes[0] < 1:
        parser.error("--sizes must be >= 1")
    if args.staff_per_ward < 1 or args.repeats < MIN_SAMPLES or args.warmup_requests < 0:
        parser.error(f"--staff-per-ward must be >= 1, --repeats >= {MIN_SAMPLES}")
    return args


def bench(args: argparse.Namespace, database_url: str, workdir: Path) -> tuple[dict, list[str]]:
    from portal.extensions import db

    began = time.monotonic()
    print("Migrating and loading the demo data…", flush=True)
    prepare_database(app_env(database_url, 0, args))
    app = make_app(database_url, "bench-dashboard-in-process")
    cache_seconds = app.config.get(CACHE_SETTING)
    if cache_seconds is not None:
        app.config[CACHE_SETTING] = 0  # every timed request computes the figures
        print(f"In process: {CACHE_SETTING}=0 (the server keeps the app's {cache_seconds} s)")
    app.config["PAGE_CACHE_SECONDS"] = 0  # and renders the public page
    seed = seed_city(app, args.staff_per_ward)
    print(
        f"{seed['wards']} wards enabled, {seed['procedures_per_ward']} procedures and "
        f"{seed['staff_per_ward']} officers each; the chairman's ward: {seed['ward_name']}",
        flush=True,
    )
    throughput_size = max((s for s in args.sizes if s <= args.throughput_at), default=None)
    throughput_size = throughput_size or args.sizes[0]
    loader = Loader(database_url, seed)
    rows, failures, throughput = [], [], []
    try:
        for size in args.sizes:
            load_began = time.monotonic()
            added = loader.grow_to(size)
            rebuild_began = time.monotonic()
            rollup_rows = rebuild_rollups(app)
            loader.maintain()
            load_seconds = time.monotonic() - load_began
            print(
                f"  {added:,} rows added and rollups rebuilt ({rollup_rows:,} rows, "
                f"{time.monotonic() - rebuild_began:.1f} s) in {load_seconds:.1f} s; "
                f"timing the dashboards…",
                flush=True,
            )
            times, slowest, failed = measure_in_process(app, seed, args)
            failures += [f"{size:,}: {failure}" for failure in failed]
            rows.append(
                {
                    "size": size,
                    "ratings": loader.count(),
                    "rollup_rows": rollup_rows,
                    "rows_added": added,
                    "load_seconds": round(load_seconds, 1),
                    "times": times,
                    "slowest_statement": slowest,
                }
            )
            summary = ", ".join(
                f"{k} {v['cpu_median_ms']:.1f} CPU / {v['median_ms']:.1f} wall"
                for k, v in times.items()
            )
            print(f"  medians (ms): {summary}  [{time.monotonic() - began:.0f} s so far]")
            print(f"  load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
            if size == throughput_size and not args.in_process_only:
                print(f"Throughput at {size:,} ratings…", flush=True)
                throughput = throughputs(args, database_url, workdir, seed, cache_seconds)
    finally:
        loader.close()

    print()
    print_sizes(rows)
    ratios, misses = growth(rows)
    print(f"Slowest SQL statement of one request at {rows[-1]['size']:,} ratings:")
    for page, found in rows[-1]["slowest_statement"].items():
        print(
            f"  {page:<6} {found['ms']:.1f} ms (all {found['statements']} statements: "
            f"{found['all_statements_ms']:.1f} ms): {one_line(found['sql'], 110)}"
        )
    if misses and loader.dialect == "postgresql":
        for page in {miss.split(" ", 1)[0] for miss in misses}:
            print(f"EXPLAIN ANALYZE of the slowest statement of {page}:")
            print(explain(app, rows[-1]["slowest_statement"][page]))
    if args.strict:
        failures += misses

    ratios_to_hello = {}
    if throughput:
        print(f"\nThroughput at {throughput_size:,} ratings:")
        print_table(throughput, "name", route_width=40)
        rps = throughput[0]["requests_per_second"]
        ratios_to_hello = {
            row["name"]: row["requests_per_second"] / rps if rps else 0.0 for row in throughput[1:]
        }
        ratio = ratios_to_hello["month"]
        verdict = "PASS" if ratio >= THROUGHPUT_TARGET else "FAIL"
        print(
            f"ratio month/hello = {ratio:.2f} (target >= {THROUGHPUT_TARGET}, {CACHE_SETTING}="
            f"{cache_seconds}): {verdict}"
        )
        if "uncached" in ratios_to_hello:
            print(f"ratio month/hello with {CACHE_SETTING}=0: {ratios_to_hello['uncached']:.3f}")
        if args.strict and ratio < THROUGHPUT_TARGET:
            failures.append(f"throughput ratio {ratio:.2f} < {THROUGHPUT_TARGET}")
        if any(row["errors"] for row in throughput):
            failures.append("some requests failed under load")
    print(f"Total {time.monotonic() - began:.0f} s")
    for row in rows:
        for found in row["slowest_statement"].values():
            found["parameters"] = repr(found["parameters"])

    with app.app_context():
        db.engine.dispose()
    report = {
        "sizes": rows,
        "time_ratio_to_smallest": ratios,
        "throughput_at": throughput_size,
        "throughput": throughput,
        "ratio_to_hello": {k: round(v, 4) for k, v in ratios_to_hello.items()},
        "targets": {"cpu_ms_max": CPU_TARGET_MS, "ratio_to_hello_min": THROUGHPUT_TARGET},
        "load_average": os.getloadavg(),
        "settings": load_settings(
            args,
            database_url,
            sizes=args.sizes,
            repeats=args.repeats,
            warmup_requests=args.warmup_requests,
            budget_seconds=args.budget,
            staff_per_ward=args.staff_per_ward,
            data_end=DATA_END.isoformat(),
            dashboard_cache_seconds=cache_seconds,
        ),
        "ok": not failures,
    }
    return report, failures


def main(argv: list[str] | None = None) -> int:
    return run_in_workspace(parse_args(argv), "ward-portal-dashboard-", bench)


if __name__ == "__main__":
    sys.exit(main())
