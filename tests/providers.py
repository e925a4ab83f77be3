"""Local HTTP servers that answer as the message providers' documentation says (eSMS.vn's
brandname SMS API, Zalo's ZNS and OAuth APIs), started by the tests on 127.0.0.1. Each keeps
what it was sent and can be told how to answer the next requests."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ProviderServer:
    """A threaded HTTP server whose `answer(path, headers, body)` decides each reply, as
    (status, JSON body) or ("sleep", seconds) to not answer in time."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                with server.lock:
                    record = {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "raw": raw,
                    }
                    server.requests.append(record)
                    status, reply, delay = server.answer(record)
                if delay:
                    time.sleep(delay)
                payload = json.dumps(reply).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                    pass

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def answer(self, record: dict) -> tuple[int, dict, float]:
        raise NotImplementedError

    def start(self) -> ProviderServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class EsmsServer(ProviderServer):
    """eSMS.vn's SendMultipleMessage_V4_post_json: 100 with an SMSID for a new RequestId,
    124 "Request exist" for one it took already; `script` holds the next answers to give
    instead: a CodeResult ("99", "101"...), "http500", or ("slow", seconds) (the message is
    taken, but the answer comes too late)."""

    ERRORS = {
        "99": "The phone number is blocked in the system",
        "101": "Authorize Failed",
        "103": "Not enough balance to send message",
        "104": "Brand name code is not exist",
        "108": "Phone number is not in correct format",
        "146": "Sai template Brandname CSKH",
    }

    def __init__(self) -> None:
        super().__init__()
        self.script: list = []
        self.taken: dict[str, dict] = {}  # RequestId -> the message, as it reached a phone

    @property
    def path(self) -> str:
        return "/MainService.svc/json/SendMultipleMessage_V4_post_json/"

    def answer(self, record: dict) -> tuple[int, dict, float]:
        body = json.loads(record["raw"])
        record["json"] = body
        step = self.script.pop(0) if self.script else None
        if step == "http500":
            return 500, {"error": "Internal Server Error"}, 0
        if step in self.ERRORS:
            return (
                200,
                {"CodeResult": step, "CountRegenerate": 0, "ErrorMessage": self.ERRORS[step]},
                0,
            )
        request_id = body.get("RequestId") or uuid.uuid4().hex
        if request_id in self.taken:
            return (
                200,
                {
                    "CodeResult": "124",
                    "CountRegenerate": 0,
                    "ErrorMessage": "Request exist 1",
                    "SendStatus": "5",
                },
                0,
            )
        sms_id = uuid.uuid4().hex
        self.taken[request_id] = {**body, "SMSID": sms_id}
        delay = step[1] if isinstance(step, tuple) and step[0] == "slow" else 0
        return 200, {"CodeResult": "100", "CountRegenerate": 0, "SMSID": sms_id}, delay


class ZaloServer(ProviderServer):
    """Zalo's ZNS API (POST /message/template with an `access_token` header) and its OAuth
    server (POST /v4/oa/access_token, renewing with a refresh token that works once).

    ZNS answers {"error": 0, "message": "Success", "data": {"msg_id": ...}} for a valid
    token; -124 for an unknown or expired token; `refuse` maps a phone number to the error
    Zalo gives for it (e.g. -118 "Zalo account not existed")."""

    def __init__(self) -> None:
        super().__init__()
        self.valid_tokens: set[str] = set()
        self.refresh_tokens: set[str] = {"first-refresh-token"}
        self.refuse: dict[str, tuple[int, str]] = {}
        self.sent: list[dict] = []
        self.renewals = 0
        self.slow = 0.0

    def answer(self, record: dict) -> tuple[int, dict, float]:
        if record["path"].startswith("/v4/oa/access_token"):
            form = dict(urllib.parse.parse_qsl(record["raw"]))
            record["form"] = form
            if record["headers"].get("secret_key") != "app-secret" or form.get("app_id") != "app-1":
                return 200, {"error": -14002, "error_name": "Invalid app secret"}, 0
            refresh = form.get("refresh_token")
            if form.get("grant_type") != "refresh_token" or refresh not in self.refresh_tokens:
                return 200, {"error": -14014, "error_name": "Invalid refresh token"}, 0
            self.refresh_tokens.discard(refresh)  # a refresh token works once
            self.renewals += 1
            access, new_refresh = f"access-{self.renewals}", f"refresh-{self.renewals}"
            self.valid_tokens = {access}
            self.refresh_tokens.add(new_refresh)
            return (
                200,
                {"access_token": access, "refresh_token": new_refresh, "expires_in": "90000"},
                0,
            )
        body = json.loads(record["raw"])
        record["json"] = body
        if record["headers"].get("access_token") not in self.valid_tokens:
            return 200, {"error": -124, "message": "Access token is invalid"}, 0
        if body.get("phone") in self.refuse:
            code, text = self.refuse[body["phone"]]
            return 200, {"error": code, "message": text}, 0
        self.sent.append(body)
        msg_id = uuid.uuid4().hex
        return (
            200,
            {
                "error": 0,
                "message": "Success",
                "data": {
                    "msg_id": msg_id,
                    "sent_time": str(int(time.time() * 1000)),
                    "quota": {"dailyQuota": "500", "remainingQuota": "499"},
                },
            },
            self.slow,
        )
