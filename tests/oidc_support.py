"""The real OpenID Connect provider of the VNeID tests: the certified `oidc-provider` (npm,
pinned in tests/oidc/package-lock.json, installed by `make oidc-provider`) on the machine's
Node.js, started on a free loopback port with one client (the portal) and the people below.
A plain module, imported by tests/test_vneid.py and the browser test."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

OIDC_DIR = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "cong-phuong-test"
CLIENT_SECRET = "a-test-client-secret-of-some-length"
REDIRECT_URI = "http://localhost/login/vneid/callback"  # the test client's address

# The provider's people, with the national service's claims (the ID number, the full name)
# beside the standard ones.
AN = "001090001123"
ACCOUNTS = {
    # nobody on the portal has this number yet
    "an": {
        "SoDinhDanh": AN,
        "HoVaTen": "Nguyễn Văn An",
        "birthdate": "1990-01-01",
        "phone_number": "+84987000001",
        "phone_number_verified": True,
    },
    # the number of the world's resident, proven on the portal
    "dan": {
        "SoDinhDanh": "001190004567",
        "HoVaTen": "Hoàng Thị Dân",
        "birthdate": "1985-05-05",
        "phone_number": "0912 345 678",
        "phone_number_verified": True,
    },
    # the number of an account whose holder never proved it
    "binh": {
        "SoDinhDanh": "001090007890",
        "HoVaTen": "Trần Văn Bình",
        "birthdate": "1992-02-02",
        "phone_number": "+84987000002",
        "phone_number_verified": True,
    },
    # the resident's number, but the provider has not proven it
    "chi": {
        "SoDinhDanh": "001190002468",
        "HoVaTen": "Lê Thị Chi",
        "birthdate": "1999-09-09",
        "phone_number": "+84912345678",
        "phone_number_verified": False,
    },
    # no personal ID number
    "khach": {"HoVaTen": "Khách Nước Ngoài", "phone_number": "+84987000003"},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def running_provider(
    log_dir: Path, redirect_uri: str = REDIRECT_URI, code_seconds: int = 60
) -> Iterator[Provider]:
    """oidc-provider on a free loopback port, once its discovery document answers; its one
    client is the portal at `redirect_uri`; its codes are valid `code_seconds`."""
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir() or not shutil.which("node"):
        message = "the test OpenID provider is not installed: run `make oidc-provider`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET": CLIENT_SECRET,
        "REDIRECT_URIS": redirect_uri,
        "ACCOUNTS": json.dumps(ACCOUNTS),
        "CODE_TTL": str(code_seconds),
    }
    log = log_dir / f"oidc-provider-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            ["node", "provider.js"], cwd=OIDC_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    provider = Provider(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = requests.get(
                    f"{provider.issuer}/.well-known/openid-configuration", timeout=1
                )
                if response.ok:
                    break
            except requests.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the OpenID provider did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield provider
    finally:
        provider.stop()


def vneid_settings(issuer: str) -> dict:
    return {
        "VNEID_ISSUER": issuer,
        "VNEID_CLIENT_ID": CLIENT_ID,
        "VNEID_CLIENT_SECRET": CLIENT_SECRET,
        "VNEID_SCOPES": "openid profile phone",
        "VNEID_TIMEOUT": 5,
    }
