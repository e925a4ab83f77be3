"""What the benches share: gunicorn serving bench/bench_wsgi.py on loopback with the repo's
gunicorn.conf.py, the database set-up, the load generators (`wrk`, or a Python one) and the
report.

The scripts run as `python bench/<name>.py`, which puts this folder on sys.path: they import
this module as `from common import ...`. Importing it puts the repo on sys.path too, for
`config` and `portal`.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from threading import Thread
from urllib.parse import urlencode

import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

HOST = "127.0.0.1"
HEADERS = {"Accept-Language": "vi", "User-Agent": "ward-portal-bench"}
MAX_REQUESTS_PER_THREAD = 10_000_000  # the Python generator's loops are bounded by count too


class BenchError(Exception):
    """The server did not start or did not answer as expected."""


# --- Command line ------------------------------------------------------------------------------


def add_load_options(parser: argparse.ArgumentParser) -> None:
    """Duration, warm-up and connections of the load, gunicorn's workers and threads, and the
    load generator."""
    parser.add_argument("--seconds", type=float, default=10.0, help="duration per route")
    parser.add_argument("--warmup", type=float, default=2.0, help="warm-up seconds per route")
    parser.add_argument("--concurrency", type=int, default=16, help="open connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument(
        "--load-generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="wrk when on PATH (auto), or the Python one",
    )


def add_ratio_options(parser: argparse.ArgumentParser) -> None:
    """--database-url, --strict and --json: the options of a bench that prints ratios."""
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server URL: a fresh database is created on it for the bench and "
        "dropped afterwards; without it, a temporary SQLite file",
    )
    parser.add_argument(
        "--strict", action="store_true", help="also exit 1 when a ratio is below its target"
    )
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the results here")


def load_settings(args: argparse.Namespace, database_url: str, **extra) -> dict:
    """The "settings" part of a bench report: server, load, database, machine."""
    return {
        "server": "gunicorn gthread",
        "workers": args.workers,
        "threads": args.threads,
        "concurrency": args.concurrency,
        "seconds": args.seconds,
        "warmup": args.warmup,
        **extra,
        "load_generator": load_generator(args)[0],
        "database": sa.engine.make_url(database_url).get_backend_name(),
        "cpu_count": os.cpu_count(),
    }


def check_load_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if args.seconds <= 0 or args.warmup < 0 or args.concurrency < 1:
        parser.error("--seconds must be > 0, --warmup >= 0 and --concurrency >= 1")
    if args.workers < 1 or args.threads < 1:
        parser.error("--workers and --threads must be >= 1")
    if args.load_generator == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not on PATH")
    url = getattr(args, "database_url", None)
    if url and not url.startswith("postgresql"):
        parser.error("--database-url must be a PostgreSQL URL")


def exit_on_sigterm() -> None:
    """Turn SIGTERM into an exception so the finally blocks stop gunicorn and remove temp
    files."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def write_json(path: Path, report: dict) -> None:
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"Results written to {path}")


# --- Database ----------------------------------------------------------------------------------


class TempPostgres:
    """A fresh database on the given PostgreSQL server, dropped on exit."""

    def __init__(self, server_url: str) -> None:
        self.server = sa.engine.make_url(server_url)
        self.name = f"portal_bench_{secrets.token_hex(4)}"
        self.url = self.server.set(database=self.name).render_as_string(hide_password=False)
        self._admin = sa.create_engine(
            self.server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )

    def __enter__(self) -> str:
        with self._admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        return self.url

    def __exit__(self, *exc) -> None:
        try:
            with self._admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        finally:
            self._admin.dispose()


@contextmanager
def workspace(prefix: str, server_url: str | None) -> Iterator[tuple[str, Path]]:
    """A temporary folder and the bench's database URL: a fresh PostgreSQL database on the
    server of `server_url` (dropped on exit) or, without one, a SQLite file in that folder."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        workdir = Path(tmp)
        if server_url:
            with TempPostgres(server_url) as url:
                yield url, workdir
        else:
            yield f"sqlite:///{workdir / 'bench.db'}", workdir


def run_in_workspace(args, prefix: str, bench, report_to=None) -> int:
    """The `main` of a bench that takes --database-url: run `bench(args, url, workdir)` in a
    fresh workspace, print failures (or hand the report to `report_to`), write --json.
    Exit status: 2 when the bench could not run, 1 on failures, else 0."""
    exit_on_sigterm()
    try:
        with workspace(prefix, args.database_url) as (url, workdir):
            if args.database_url:
                print(f"Fresh PostgreSQL database {url.rsplit('/', 1)[1]}")
            report, failures = bench(args, url, workdir)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 2
    if report_to is not None:
        report_to(report, failures)
    else:
        for failure in failures:
            print(f"FAILED: {failure}", file=sys.stderr)
    if args.json:
        write_json(args.json, report)
    return 1 if failures else 0


def make_app(database_url: str, secret_key: str, **settings):
    """The portal in this process, on the bench database, with the server's secret key (and
    any other `settings`)."""
    from config import DevelopmentConfig
    from portal import create_app

    config = type(
        "BenchConfig",
        (DevelopmentConfig,),
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": secret_key,
            "DEBUG": False,
            **settings,
        },
    )
    return create_app(config)


# --- Server ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def app_env(database_url: str, port: int, args: argparse.Namespace) -> dict[str, str]:
    """Development settings with debug off, and gunicorn settings from gunicorn.conf.py's env."""
    env = dict(os.environ)
    env.update(
        PORTAL_ENV="development",
        FLASK_DEBUG="0",
        DATABASE_URL=database_url,
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
        GUNICORN_BIND=f"{HOST}:{port}",
        GUNICORN_WORKERS=str(args.workers),
        GUNICORN_THREADS=str(args.threads),
        GUNICORN_ACCESSLOG="",  # no access log
        GUNICORN_MAX_REQUESTS="0",  # no worker recycling in the middle of a measurement
    )
    return env


def prepare_database(env: dict[str, str]) -> None:
    for command in (["db", "upgrade"], ["demo", "load"]):
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *command],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if done.returncode != 0:
            raise BenchError(f"flask {' '.join(command)} failed:\n{done.stdout}{done.stderr}")


def start_gunicorn(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    log = log_path.open("wb")
    try:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                str(REPO / "gunicorn.conf.py"),
                "bench.bench_wsgi:app",
            ],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    finally:
        log.close()


def stop_gunicorn(proc: subprocess.Popen | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()  # SIGTERM: gunicorn's graceful shutdown
    try:
        proc.wait(timeout=35)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", headers=HEADERS)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
# A CSRF field rendered by WTForms itself (id, name, type, value): CSRF_RE does not find it.
CSRF_INPUT_RE = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"')
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def fetch(
    port: int, method: str, path: str, cookie: str = "", form: dict | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One request with HEADERS, `cookie` ("session=...") and a form-encoded body; redirects
    are not followed. Returns the status, the headers (lower-case names; the `session=...`
    pair of a Set-Cookie under "session") and the body."""
    headers = {k: v for k, v in HEADERS.items() if k != "Cookie"}
    if cookie:
        headers["Cookie"] = cookie
    body = urlencode(form).encode() if form is not None else None
    if body is not None:
        headers["Content-Type"] = FORM_CONTENT_TYPE
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        found = {name.lower(): value for name, value in response.getheaders()}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                found["session"] = value.split(";", 1)[0]
        return response.status, found, data
    finally:
        conn.close()


def csrf_token_of(html: bytes) -> str | None:
    """The CSRF token of the page's first form, rendered by our macros or by WTForms."""
    text = html.decode(errors="replace")
    match = CSRF_RE.search(text) or CSRF_INPUT_RE.search(text)
    return match[1] if match else None


def log_in(port: int, login: str, password: str) -> str:
    """Log in through the login form as a browser would (GET /login for the CSRF token, POST
    /login), then open the home page until the session stops changing (the "logged in"
    message shown and gone). Returns the session cookie ("session=...")."""
    status, headers, body = fetch(port, "GET", "/login")
    token, cookie = csrf_token_of(body), headers.get("session", "")
    if status != 200 or not token or not cookie:
        raise BenchError(f"GET /login answered {status} without a CSRF token or a session")
    form = {"csrf_token": token, "login": login, "password": password, "next": ""}
    status, headers, _body = fetch(port, "POST", "/login", cookie, form)
    if status != 302 or "session" not in headers:
        raise BenchError(f"POST /login as {login} answered {status}: not logged in")
    cookie = headers["session"]
    for _visit in range(3):
        status, headers, _body = fetch(port, "GET", "/", cookie)
        if status != 200:
            raise BenchError(f"GET / after logging in as {login} answered {status}")
        if "session" not in headers:
            return cookie
        cookie = headers["session"]
    raise BenchError(f"the session of {login} keeps changing")


def set_cookie(cookie: str | None) -> None:
    """The cookie the load generators (and get()) send from now on; None for none."""
    HEADERS.pop("Cookie", None)
    if cookie:
        HEADERS["Cookie"] = cookie


def wait_healthy(proc: subprocess.Popen, port: int, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited with {proc.returncode}:\n{tail(log_path)}")
        try:
            status, _ = get(port, "/healthz", timeout=2)
        except OSError:
            status = None
        if status == 200:
            return
        time.sleep(0.2)
    raise BenchError(f"/healthz did not answer 200 within {timeout:.0f} s:\n{tail(log_path)}")


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextmanager
def gunicorn(
    env: dict[str, str], port: int, log_path: Path, during: str = "the run"
) -> Iterator[subprocess.Popen]:
    """gunicorn started and answering /healthz; stopped on exit, and a BenchError when it died
    before the end of the block."""
    proc = None
    try:
        proc = start_gunicorn(env, log_path)
        wait_healthy(proc, port, log_path)
        yield proc
        if proc.poll() is not None:
            raise BenchError(f"gunicorn died during {during}:\n{tail(log_path)}")
    finally:
        stop_gunicorn(proc)


# --- Workers' own counters -----------------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    """gunicorn's workers: the processes whose parent is the master."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == master:  # field 4, ppid (fields[0] is the state)
            pids.append(int(stat.parent.name))
    return sorted(pids)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pids: Sequence[int]) -> float:
    """User plus system CPU time the processes have used so far (/proc/<pid>/stat utime and
    stime, in clock ticks)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)
    return total / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    """The process's resident memory (VmRSS of /proc/<pid>/status), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmRSS for process {pid}")


def private_and_proportional_mb(pid: int) -> tuple[float, float]:
    """The process's private memory (USS: what it costs beyond the pages it shares with the
    gunicorn master and the other workers) and its proportional share (PSS), in MB, from
    /proc/<pid>/smaps_rollup."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name] = int(rest.split()[0])
    private = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return private / 1024, fields.get("Pss", 0) / 1024


def send_mixed(port: int, requests: Sequence[tuple], total: int, concurrency: int) -> Counter:
    """`total` requests, (method, path, cookie, form-encoded body) taken from `requests` in
    turn, over `concurrency` keep-alive connections; returns the statuses counted."""
    statuses: Counter = Counter()

    def connection(first: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            for i in range(first, total, concurrency):
                method, path, cookie, body = requests[i % len(requests)]
                headers = {k: v for k, v in HEADERS.items() if k != "Cookie"}
                if cookie:
                    headers["Cookie"] = cookie
                if body:
                    headers["Content-Type"] = FORM_CONTENT_TYPE
                conn.request(method, path, body=body or None, headers=headers)
                response = conn.getresponse()
                response.read()
                statuses[response.status] += 1
                if response.will_close:
                    conn.close()
        finally:
            conn.close()

    threads = [Thread(target=connection, args=(i,), daemon=True) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


# --- Load generators ---------------------------------------------------------------------------


def load_generator(args: argparse.Namespace) -> tuple[str, Callable[..., dict]]:
    """The name and the function of the load generator --load-generator asks for."""
    use_wrk = args.load_generator == "wrk" or (
        args.load_generator == "auto" and shutil.which("wrk") is not None
    )
    return ("wrk", run_wrk) if use_wrk else ("python", run_python)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float | None:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    return float(match[1]) * _UNITS[match[2]] if match else None


def set_visitor(port: int, visitor: str) -> None:
    """A new visitor sends no cookie (the page makes a session and a CSRF token for it); a
    returning one sends the session cookie its first visit got, as a browser does."""
    HEADERS.pop("Cookie", None)
    if visitor == "returning":
        for _visit in range(3):  # keep the cookie up to date, as a browser does
            request = urllib.request.Request(f"http://{HOST}:{port}/", headers=HEADERS)
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
                cookie = response.headers.get("Set-Cookie", "").split(";", 1)[0]
            if cookie:
                HEADERS["Cookie"] = cookie
        if "Cookie" not in HEADERS:
            raise BenchError("the home page set no session cookie")


# wrk's Lua for `paths` (every thread's Lua state runs the whole script, after PATHS_FILE and
# STEP, the number of threads, are set): thread i requests paths[i], paths[i + STEP], … of the
# file, so each path is requested once over all threads before any is requested again; done()
# prints how many requests the threads sent and the index after the last path requested.
_WRK_PATHS_LUA = """
local threads = {}
function setup(thread)
  thread:set("first", #threads)
  table.insert(threads, thread)
end
function init(args)
  paths, sent = {}, 0
  for line in io.lines(PATHS_FILE) do paths[#paths + 1] = line end
end
function request()
  local p = paths[((first + sent * STEP) % #paths) + 1]
  sent = sent + 1
  return wrk.format(nil, p)
end
function done(summary, latency, requests)
  local total, reached = 0, 0
  for _, thread in ipairs(threads) do
    local sent = thread:get("sent")
    total = total + sent
    if sent > 0 then
      reached = math.max(reached, thread:get("first") + (sent - 1) * STEP + 1)
    end
  end
  io.write(string.format("Paths sent: %d, reached: %d\\n", total, reached))
end
"""


def _check_paths(paths: Sequence[str], concurrency: int) -> None:
    if len(paths) < concurrency:
        raise BenchError(f"{len(paths)} paths for {concurrency} connections: too few")
    if any(not p.isascii() or not p.startswith("/") or "\n" in p for p in paths):
        raise BenchError("`paths` must be ASCII paths starting with /")


def _write_paths(paths_file: Path, paths: Sequence[str]) -> None:
    paths_file.write_text("\n".join(paths) + "\n", encoding="ascii")


def run_wrk(
    port: int,
    path: str,
    seconds: float,
    concurrency: int,
    method: str = "GET",
    body: str = "",
    *,
    paths: Sequence[str] | None = None,
) -> dict:
    """wrk on one route. With `body` (form-encoded), every request sends it with `method`
    (POST); wrk counts a redirect as done (Post/Redirect/Get). With `paths`, the requests go
    to those paths in turn instead of `path`, each once (over all connections) before any is
    repeated, e.g. one-time links; the result then has "sent", the requests sent (some may
    still have been in flight when wrk stopped, so "sent" >= "requests"), and "next_path",
    the index in `paths` after the last one requested (the connections do not all send as
    many requests, so some paths before it may not have been used; a next run can start at
    it; above len(paths) when paths were requested again)."""
    threads = max(1, min(concurrency, os.cpu_count() or 1, 4))
    headers = dict(HEADERS)
    if body:
        headers["Content-Type"] = FORM_CONTENT_TYPE
    header_args = [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    with tempfile.TemporaryDirectory(prefix="ward-portal-wrk-") as tmp:
        script_args = []
        if paths is not None:
            _check_paths(paths, threads)
            paths_file = Path(tmp) / "paths.txt"
            _write_paths(paths_file, paths)
            script = Path(tmp) / "paths.lua"
            script.write_text(
                f"wrk.method = {json.dumps(method)}\nwrk.body = {json.dumps(body)}\n"
                f"PATHS_FILE = {json.dumps(str(paths_file))}\nSTEP = {threads}\n" + _WRK_PATHS_LUA,
                encoding="ascii",
            )
            script_args = ["--script", str(script)]
        elif method != "GET" or body:
            script = Path(tmp) / "request.lua"  # wrk sets a method and a body only from Lua
            # A form-encoded body is ASCII: a JSON string is a valid Lua string literal.
            script.write_text(
                f"wrk.method = {json.dumps(method)}\nwrk.body = {json.dumps(body)}\n",
                encoding="ascii",
            )
            script_args = ["--script", str(script)]
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{concurrency}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "--latency",
            *script_args,
            *header_args,
            f"http://{HOST}:{port}{path}",
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    out = done.stdout
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    if done.returncode != 0 or not rps:
        raise BenchError(f"wrk failed ({done.returncode}):\n{out}{done.stderr}")
    errors: Counter[str] = Counter()
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    if non_2xx and int(non_2xx[1]):
        errors["non-2xx/3xx"] = int(non_2xx[1])
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if sock:
        for kind, count in zip(("connect", "read", "write", "timeout"), sock.groups(), strict=True):
            if int(count):
                errors[f"socket {kind}"] = int(count)
    total = re.search(r"(\d+) requests in ([\d.]+\w+)", out)
    p50 = re.search(r"^\s*50%\s+(\S+)", out, re.MULTILINE)
    p99 = re.search(r"^\s*99%\s+(\S+)", out, re.MULTILINE)
    result = {
        "requests": int(total[1]) if total else None,
        "requests_per_second": float(rps[1]),
        "errors": dict(errors),
        "p50_ms": _ms(p50[1]) if p50 else None,
        "p99_ms": _ms(p99[1]) if p99 else None,
    }
    if paths is not None:
        sent = re.search(r"^Paths sent: (\d+), reached: (\d+)$", out, re.MULTILINE)
        if not sent:
            raise BenchError(f"wrk's script did not report the requests sent:\n{out}")
        result["sent"], result["next_path"] = int(sent[1]), int(sent[2])
    return result


def _client_thread(
    port: int,
    path: str,
    start_at: float,
    end_at: float,
    out: dict,
    send: tuple | None = None,
    paths: Sequence[str] | None = None,
) -> None:
    """Requests in a loop on one keep-alive connection. `send` is (method, body bytes,
    headers) for anything but a plain GET with HEADERS; a POST answered with a redirect
    (Post/Redirect/Get) counts as done. With `paths`, each request goes to the next of them
    (from the start again after the last) instead of `path`."""
    method, body, headers = send or ("GET", None, HEADERS)
    done_below = 400 if method == "POST" else 300
    ok, errors, latencies, conn = 0, Counter(), [], None
    next_path = itertools.cycle(paths).__next__ if paths else itertools.repeat(path).__next__
    last = start_at
    time.sleep(max(0.0, start_at - time.time()))
    for _ in range(MAX_REQUESTS_PER_THREAD):
        if time.time() >= end_at:
            break
        began = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
            conn.request(method, next_path(), body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if 200 <= response.status < done_below:
                ok += 1
                latencies.append((time.perf_counter() - began) * 1000)
            else:
                errors[f"HTTP {response.status}"] += 1
            if response.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException) as error:
            errors[type(error).__name__] += 1
            if conn is not None:
                conn.close()
            conn = None
        last = time.time()
    if conn is not None:
        conn.close()
    out.update(ok=ok, errors=errors, latencies=latencies, last=last)


def _client_process(
    port: int,
    path: str,
    threads: int,
    start_at: float,
    end_at: float,
    send: tuple | None = None,
    thread_paths: Sequence[Sequence[str]] | None = None,
) -> dict:
    outs = [{} for _ in range(threads)]
    workers = [
        Thread(
            target=_client_thread,
            args=(
                port,
                path,
                start_at,
                end_at,
                out,
                send,
                thread_paths[i] if thread_paths else None,
            ),
            daemon=True,
        )
        for i, out in enumerate(outs)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    errors: Counter[str] = Counter()
    for out in outs:
        errors.update(out["errors"])
    return {
        "ok": sum(out["ok"] for out in outs),
        "sent_by_thread": [out["ok"] + sum(out["errors"].values()) for out in outs],
        "errors": errors,
        "latencies": [ms for out in outs for ms in out["latencies"]],
        "last": max(out["last"] for out in outs),
    }


def run_python(
    port: int,
    path: str,
    seconds: float,
    concurrency: int,
    method: str = "GET",
    body: str = "",
    *,
    paths: Sequence[str] | None = None,
) -> dict:
    """The Python load generator on one route; `method`, a form-encoded `body` and `paths` as
    run_wrk (with `paths`, connection i of n requests paths[i], paths[i + n], …; "sent" counts
    every request, and none is left in flight at the end)."""
    if paths is not None:
        _check_paths(paths, concurrency)
    send = None
    if method != "GET" or body:
        headers = dict(HEADERS)
        if body:
            headers["Content-Type"] = FORM_CONTENT_TYPE
        send = (method, body.encode() if body else None, headers)
    processes = max(1, min(concurrency, os.cpu_count() or 1))
    shares = [concurrency // processes + (i < concurrency % processes) for i in range(processes)]
    start_at = time.time() + 1.0  # every process is up and connected-ready before the start
    end_at = start_at + seconds
    firsts = list(itertools.accumulate(shares, initial=0))[:-1]  # each one's first connection
    with ProcessPoolExecutor(max_workers=processes) as pool:
        futures = [
            pool.submit(
                _client_process,
                port,
                path,
                share,
                start_at,
                end_at,
                send,
                [paths[first + i :: concurrency] for i in range(share)]
                if paths is not None
                else None,
            )
            for share, first in zip(shares, firsts, strict=True)
        ]
        parts = [future.result(timeout=seconds + 60) for future in futures]
    errors: Counter[str] = Counter()
    for part in parts:
        errors.update(part["errors"])
    ok = sum(part["ok"] for part in parts)
    elapsed = max(part["last"] for part in parts) - start_at
    latencies = sorted(ms for part in parts for ms in part["latencies"])

    def pct(q: float) -> float | None:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else None

    result = {
        "requests": ok + sum(errors.values()),
        "requests_per_second": ok / elapsed if elapsed > 0 else 0.0,
        "errors": dict(errors),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
    }
    if paths is not None:
        sent_by_connection = [n for part in parts for n in part["sent_by_thread"]]
        result["sent"] = sum(sent_by_connection)
        result["next_path"] = max(
            (i + (n - 1) * concurrency + 1 for i, n in enumerate(sent_by_connection) if n),
            default=0,
        )
    return result


# --- Report ------------------------------------------------------------------------------------


def print_table(results: list[dict], group: str, route_width: int) -> None:
    """One line per measured route: `group` (a key of the rows) first, then the route."""

    def ms(value: float | None) -> str:
        return f"{value:.1f}" if value is not None else "-"

    print(
        f"{group:<11}{'route':<{route_width}}{'requests/s':>12}{'requests':>10}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'errors':>8}"
    )
    for row in results:
        print(
            f"{row[group]:<11}{row['route']:<{route_width}}{row['requests_per_second']:>12.1f}"
            f"{row['requests'] or 0:>10}{ms(row['p50_ms']):>9}{ms(row['p99_ms']):>9}"
            f"{sum(row['errors'].values()):>8}"
        )
    for row in results:
        for kind, count in sorted(row["errors"].items()):
            print(f"  error on {row['route']} ({row[group]}): {kind} x {count}")
