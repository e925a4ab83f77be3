"""No log line holds a secret or a full number: representative flows (registering with a
one-time code, logging in, a password link by e-mail, a rating by its one-time link, an
Open311 request with an API key, a booking, the outbox worker sending all of it, a failure)
run with every logger at DEBUG, SQLAlchemy's included, and the captured log is scanned for
passwords, codes, session cookies, rating tokens, API keys and phone numbers written in
full. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import re

import pytest
from conftest import PASSWORD, World, login_as, make_conference, post_form
from test_auth import GOOD, code_sent_to, register
from test_outbox import Recorder, both
from test_satisfaction_views import make_dossier

from portal.api import keys
from portal.auth.phones import national
from portal.dialogues import services as dialogue_services
from portal.extensions import db
from portal.notifications import worker
from portal.notifications.senders import LoggingSender
from portal.satisfaction import dossiers as satisfaction_dossiers


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception as error:  # noqa: BLE001 - a record that cannot format is a finding
            self.lines.append(f"unformattable {record.name}: {error}")


@pytest.fixture
def captured():
    handler = Everything()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    names = ("", "sqlalchemy", "sqlalchemy.engine", "sqlalchemy.pool", "portal", "werkzeug")
    previous = {name: logging.getLogger(name).level for name in names}
    root.addHandler(handler)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    for name, level in previous.items():
        logging.getLogger(name).setLevel(level)


def phone_forms(e164: str) -> list[str]:
    """A number as it may be written: +84912345678, 84912345678, 0912345678, 0912 345 678."""
    local = "0" + e164[3:]
    return [e164, e164[1:], local, national(e164)]


def test_flows_at_debug_leave_no_secret_in_the_log(app, client, world: World, captured):
    secrets: dict[str, str] = {}

    # registering: password, one-time code, the session cookie
    assert register(client, world).status_code == 302
    phone = "+84987654321"
    code = code_sent_to(phone)
    secrets["one-time code"] = code
    secrets["password"] = GOOD["password"]
    assert post_form(client, "/register/confirm", {"code": code}).status_code == 302
    cookie = client.get_cookie("session")
    if cookie is not None:
        secrets["session cookie"] = cookie.value
    remember = client.get_cookie("remember_token")
    if remember is not None:
        secrets["remember cookie"] = remember.value

    # logging in with a password; a wrong one
    other = app.test_client()
    post_form(other, "/login", {"login": "0912345678", "password": PASSWORD})
    post_form(app.test_client(), "/login", {"login": "0912345678", "password": "sai-mat-khau-99"})
    secrets["wrong password"] = "sai-mat-khau-99"

    # a password link by e-mail
    post_form(app.test_client(), "/password/forgot", {"mail-email": "dan@example.vn"})

    # a rating by its one-time link
    dossier = make_dossier(world, "BN-LOG-1")
    raw = satisfaction_dossiers.return_dossier(world.staff, dossier)
    db.session.commit()
    secrets["rating token"] = raw
    app.test_client().get(f"/r/{raw}")

    # an Open311 request with an API key
    _key, api_key = keys.issue_key(world.admin, "iHanoi", world.ward.id)
    db.session.commit()
    secrets["API key"] = api_key
    app.test_client().post(
        "/open311/v2/requests.json",
        data={"api_key": api_key, "service_code": "nothing", "description": "x"},
    )

    # a booking and every message sent by the log sender, then one that fails
    resident = login_as(app.test_client(), world.resident)
    conference = make_conference(world.ward, capacity=5)
    db.session.commit()
    post_form(resident, f"/dialogues/{conference.id}/book", {"question": ""})
    dialogue_services.book(
        make_conference(world.ward, capacity=5),
        guest_name="Người Gọi",
        guest_phone="0977 000 111",
        booked_by=world.staff,
    )
    db.session.commit()
    worker.run(once=True, senders=both(LoggingSender()))
    failing = Recorder(fail=RuntimeError("gateway said no to +84977000111"))
    worker.run(once=True, senders=both(failing))

    log = "\n".join(captured.lines)
    assert len(captured.lines) > 50  # DEBUG was on: SQL and the portal's own lines
    assert "INSERT INTO" in log or "insert into" in log.lower()
    found = [name for name, value in secrets.items() if value and value in log]

    numbers = [
        form
        for e164 in (phone, "+84912345678", "+84977000111", world.resident.phone)
        for form in phone_forms(e164)
        if re.search(rf"(?<!\d){re.escape(form)}(?!\d)", log)
    ]
    assert found == [] and numbers == [], (found, numbers)
