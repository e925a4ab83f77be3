"""gunicorn with the repo's gunicorn.conf.py loses no request while its workers restart: when
a worker reaches max_requests and is replaced, and when the master is sent HUP (a reload, as
a deployment does), every connection is answered.

With SO_REUSEPORT (reuse_port = True) each gunicorn worker opens a listening socket of its
own, the kernel hands each new connection to one of them, and the connections waiting on a
worker that exits are reset. With one socket kept by the master and shared by the workers,
a connection waits in the queue until a live worker takes it."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
HOST = "127.0.0.1"
CLIENTS = 4
REQUESTS_PER_CLIENT = 150
MAX_REQUESTS = 20
PAUSE = 0.01  # seconds between a client's requests: a steady stream, not a flood


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def get(port: int, path: str = "/", timeout: float = 10.0) -> tuple[int, bytes]:
    """One request on a new connection (as many browsers behind a proxy make)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_until_serving(port: int, process: subprocess.Popen, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}")
        try:
            if get(port, timeout=1.0)[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not answer in time")


@pytest.fixture
def server(tmp_path):
    """gunicorn as deployed (gunicorn.conf.py), 2 workers of 2 threads, each replaced after
    MAX_REQUESTS requests (a jitter of 5), serving tests/gunicorn_hello.py."""
    port = free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND": f"{HOST}:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "GUNICORN_MAX_REQUESTS": str(MAX_REQUESTS),
        "GUNICORN_MAX_REQUESTS_JITTER": "5",
        "GUNICORN_ACCESSLOG": "",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "-c",
            str(REPO / "gunicorn.conf.py"),
            "--pythonpath",
            str(REPO / "tests"),
            "gunicorn_hello:app",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(port, process)
        yield port, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.mark.parametrize("reloads", [0, 2], ids=["recycling", "recycling-and-reloads"])
def test_no_request_is_lost_while_workers_restart(server, reloads: int):
    """A steady stream of requests from a few clients while the workers are replaced every
    ~20 requests, and (second case) while the master is sent HUP twice."""
    port, process = server
    outcomes: Counter[str] = Counter()
    pids: set[bytes] = set()
    lock = threading.Lock()

    def client() -> None:
        for _ in range(REQUESTS_PER_CLIENT):
            try:
                status, body = get(port)
                outcome = str(status)
            except OSError as error:  # reset, refused, closed without an answer, timed out
                outcome, body = type(error).__name__, b""
            with lock:
                outcomes[outcome] += 1
                if outcome == "200":
                    pids.add(body.split()[-1])
            time.sleep(PAUSE)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    total = CLIENTS * REQUESTS_PER_CLIENT
    for share in (0.3, 0.65)[:reloads]:
        while sum(outcomes.values()) < total * share and any(t.is_alive() for t in threads):
            time.sleep(0.01)
        process.send_signal(signal.SIGHUP)
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.monotonic() - started

    assert sum(outcomes.values()) == total
    failed = total - outcomes["200"]
    print(f"\n{total} requests, {reloads} HUP, {elapsed:.1f} s, {len(pids)} workers: {outcomes}")
    # The workers really were replaced, many times over.
    assert len(pids) >= total // (MAX_REQUESTS + 5)
    assert failed == 0, f"{failed} of {total} requests failed: {dict(outcomes)}"
