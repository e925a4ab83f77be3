"""Several servers on loopback, from real parts: nginx (Debian's, `make servers-tools`) in front
of two gunicorn servers (the repo's gunicorn.conf.py, each on its own port), PgBouncer (Debian's,
transaction pooling) in front of PostgreSQL, and the machine's Redis. Each part runs as an
ordinary process from config files written into a temporary folder: nginx with `-p`/`-c` and
`daemon off`, PgBouncer with its own ini on a free port. Nothing needs root; started by root
(CI), nginx and PgBouncer drop to `nobody` (PgBouncer refuses to run as root).

The nginx and PgBouncer settings are those of docs/deployment.md (sections 6 and 7) with
loopback ports and the folder's paths instead of /etc and /var, and no TLS.
A plain module, imported by tests/test_several_servers.py and tests/test_backup.py.
"""

from __future__ import annotations

import http.client
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SBIN = ("/usr/sbin", "/usr/local/sbin")
UNPRIVILEGED = "nobody"  # who nginx and PgBouncer run as when the tests run as root


def tool(name: str) -> str:
    """The path of a Debian tool (nginx and pgbouncer live in /usr/sbin, often not on a
    user's PATH); a skip (a failure under CI) when it is missing."""
    path = shutil.which(name) or next(
        (f"{d}/{name}" for d in SBIN if os.access(f"{d}/{name}", os.X_OK)), None
    )
    if path is None:
        message = f"{name} is not installed: run `make servers-tools` (Debian package {name})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{process.args[0]} did not listen on {port}:\n{tail(log)}")
        time.sleep(0.05)


def tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop(process: subprocess.Popen | None, timeout: float = 40) -> None:
    """SIGTERM (a graceful stop for gunicorn and the outbox worker, nginx's fast shutdown,
    PgBouncer's), once, then SIGKILL if it is still there after `timeout` seconds."""
    if process is None or process.poll() is not None:
        return
    if not getattr(process, "terminated", False):
        process.send_signal(signal.SIGTERM)
        process.terminated = True
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def workdir(prefix: str, keep_logs: Path | None = None) -> Iterator[Path]:
    """A temporary folder the unprivileged user can write in (pytest's tmp_path is 0700
    under root's), removed at the end; its logs are copied to `keep_logs` first."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        if os.geteuid() == 0:
            user = pwd.getpwnam(UNPRIVILEGED)
            os.chown(path, user.pw_uid, user.pw_gid)
        yield path
    finally:
        if keep_logs is not None:
            for log in [
                p
                for pattern in ("*.log", "*.stderr", "*.conf", "*.ini")
                for p in path.glob(pattern)
            ]:
                shutil.copy(log, keep_logs / log.name)
        shutil.rmtree(path, ignore_errors=True)


def _as_unprivileged() -> dict:
    """Popen arguments that drop root for nginx and PgBouncer (nothing when not root)."""
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam(UNPRIVILEGED)
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    path.chmod(0o644)
    return path


# ---------------------------------------------------------------- PostgreSQL


# ---------------------------------------------------------------- PgBouncer

PGBOUNCER_INI = """\
[databases]
{database} = host={pg_host} port={pg_port} dbname={database}

[pgbouncer]
listen_addr = {host}
listen_port = {port}
unix_socket_dir =
auth_type = {auth_type}
auth_file = {folder}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
reserve_pool_size = 0
max_client_conn = 500
max_db_connections = {pool_size}
server_idle_timeout = 60
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = {folder}/pgbouncer.log
pidfile = {folder}/pgbouncer.pid
log_connections = 0
log_disconnections = 0
"""


@dataclass
class PgBouncer:
    port: int
    database: str
    user: str
    process: subprocess.Popen
    log: Path

    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}@{HOST}:{self.port}/{self.database}"


@contextmanager
def running_pgbouncer(database_url: str, folder: Path, pool_size: int = 10) -> Iterator[PgBouncer]:
    """PgBouncer in transaction pooling in front of the database of `database_url`, on a
    free loopback port, at most `pool_size` server connections. The test server trusts
    loopback, so PgBouncer does too (`auth_type = trust`, the user listed in its auth_file);
    production uses scram-sha-256 (docs/deployment.md)."""
    binary = tool("pgbouncer")
    url = sa.make_url(database_url)
    user = url.username or "postgres"
    port = free_port()
    _write(folder / "userlist.txt", f'"{user}" ""\n')
    ini = _write(
        folder / "pgbouncer.ini",
        PGBOUNCER_INI.format(
            database=url.database,
            pg_host=url.host or HOST,
            pg_port=url.port or 5432,
            host=HOST,
            port=port,
            auth_type="trust",
            folder=folder,
            pool_size=pool_size,
        ),
    )
    log = folder / "pgbouncer.log"
    with (folder / "pgbouncer.stderr").open("wb") as stderr:
        process = subprocess.Popen(
            [binary, str(ini)], stdout=subprocess.DEVNULL, stderr=stderr, **_as_unprivileged()
        )
    try:
        wait_for_port(port, process, log)
        yield PgBouncer(port, url.database, user, process, log)
    finally:
        stop(process, timeout=10)


# ---------------------------------------------------------------- nginx

NGINX_CONF = """\
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;

    # As docs/deployment.md: the method and path the client sent, without the query string
    # ($uri would show the error page's after an error_page redirect), and which app server
    # answered.
    map $request $method_and_path {{
        "~^(?<m>[A-Z]+) (?<p>[^? ]*)" "$m $p";
        default "-";
    }}
    log_format ward_portal '$remote_addr [$msec] "$method_and_path" $status '
                           '$body_bytes_sent $request_time up=$upstream_addr '
                           'upstatus=$upstream_status';
    access_log {folder}/nginx-access.log ward_portal;

    upstream ward_portal {{
{servers}
        keepalive 16;
        keepalive_timeout 4s;       # below gunicorn's keepalive (5 s): nginx closes first
    }}

    server {{
        listen {host}:{port};
        client_max_body_size 10m;

        # No app server answered: a page of our own, in Vietnamese and English, instead of
        # nginx's "502 Bad Gateway" (written by `flask --app wsgi unavailable-page`).
        error_page 502 503 504 /_unavailable.html;
        location = /_unavailable.html {{
            root {folder}/pages;
            internal;
            add_header Retry-After 5 always;
            add_header Cache-Control no-store always;
        }}

        location / {{
            proxy_pass http://ward_portal;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $host;
            proxy_connect_timeout 2s;
            proxy_read_timeout 35s;
            proxy_next_upstream error timeout http_502 http_503 http_504;
            proxy_next_upstream_tries 2;
            proxy_next_upstream_timeout 10s;
        }}
    }}
}}
"""


@dataclass
class Nginx:
    port: int
    process: subprocess.Popen
    folder: Path
    upstream_ports: list[int]
    fail_timeout: int

    def mark_down(self, down: set[int]) -> None:
        """Rewrite the upstream with the servers on `down` marked `down` (nginx sends them
        nothing new and finishes what they have) and reload nginx, as docs/deployment.md's
        drain does; returns once the new configuration serves."""
        _write_nginx_conf(self, down)
        self.process.send_signal(signal.SIGHUP)
        time.sleep(1.0)  # the old worker finishes its requests; the new one takes over

    @property
    def access_log(self) -> Path:
        return self.folder / "nginx-access.log"

    @property
    def error_log(self) -> Path:
        return self.folder / "nginx-error.log"


def _write_nginx_conf(nginx: Nginx, down: set[int]) -> Path:
    servers = "\n".join(
        f"        server {HOST}:{p} max_fails=1 fail_timeout={nginx.fail_timeout}s"
        + (" down;" if p in down else ";")
        for p in nginx.upstream_ports
    )
    return _write(
        nginx.folder / "nginx.conf",
        NGINX_CONF.format(folder=nginx.folder, servers=servers, host=HOST, port=nginx.port),
    )


@contextmanager
def running_nginx(
    upstream_ports: list[int], folder: Path, fail_timeout: int = 2
) -> Iterator[Nginx]:
    """nginx on a free loopback port, balancing over the app servers on `upstream_ports`;
    the page it shows when none answers is `folder`/pages/_unavailable.html (write it first,
    with `flask --app wsgi unavailable-page`)."""
    binary = tool("nginx")
    (folder / "pages").mkdir(exist_ok=True)
    (folder / "pages").chmod(0o755)
    nginx = Nginx(free_port(), None, folder, list(upstream_ports), fail_timeout)  # type: ignore[arg-type]
    conf = _write_nginx_conf(nginx, set())
    port = nginx.port
    with (folder / "nginx.stderr").open("wb") as stderr:
        process = subprocess.Popen(
            [binary, "-p", str(folder), "-c", str(conf), "-e", str(folder / "nginx-error.log")],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            **_as_unprivileged(),
        )
    try:
        nginx.process = process
        wait_for_port(port, process, folder / "nginx-error.log")
        yield nginx
    finally:
        stop(process, timeout=10)


# ---------------------------------------------------------------- the app


def app_env(database_url: str, **settings: str) -> dict[str, str]:
    """Production settings for the app's processes (gunicorn, the outbox worker), as in
    /etc/ward-portal/env of docs/deployment.md; `settings` override."""
    env = {
        **os.environ,
        "PORTAL_ENV": "production",
        "DATABASE_URL": database_url,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        "PROXY_FIX_X_FOR": "1",
        "ALLOW_LOG_SENDER": "1",  # a trial server: messages go to the worker's log
        "PAGE_CACHE_SECONDS": "0",
        "FLASK_DEBUG": "0",
        **settings,
    }
    return env


@dataclass
class AppServer:
    """One gunicorn (the repo's gunicorn.conf.py) on its own loopback port."""

    name: str
    port: int
    env: dict[str, str]
    folder: Path
    process: subprocess.Popen | None = None
    starts: int = 0
    logs: list[Path] = field(default_factory=list)

    def start(self) -> None:
        self.starts += 1
        log = self.folder / f"gunicorn-{self.name}-{self.starts}.log"
        self.logs.append(log)
        env = {**self.env, "GUNICORN_BIND": f"{HOST}:{self.port}"}
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_healthy(self, seconds: float = 45) -> None:
        deadline = time.monotonic() + seconds
        while True:
            conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
            try:
                conn.request("GET", "/healthz")
                response = conn.getresponse()
                response.read()
                if response.status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn {self.name} did not become healthy:\n{tail(self.logs[-1])}")
            time.sleep(0.1)

    def stop(self) -> int | None:
        stop(self.process)
        return self.process.returncode if self.process else None

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())


@dataclass
class OutboxWorker:
    """`flask --app wsgi outbox run` of one node."""

    name: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = None

    def start(self, *options: str) -> None:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "outbox", "run", *options],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def stop(self) -> int | None:
        stop(self.process)
        return self.process.returncode if self.process else None


def stop_all(parts) -> dict[str, int | None]:
    """SIGTERM every part at once, then wait for each (gunicorn's graceful stop takes a few
    seconds: together, not one after the other). Returns their exit codes by name."""
    for part in parts:
        if part.process is not None and part.process.poll() is None:
            part.process.send_signal(signal.SIGTERM)
            part.process.terminated = True  # once: a second one would kill it mid-way
    return {f"{type(part).__name__} {part.name}": part.stop() for part in parts}


def random_secret() -> str:
    return secrets.token_urlsafe(48)
