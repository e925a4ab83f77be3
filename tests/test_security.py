"""Security headers, CSRF, cookies, production settings."""

from __future__ import annotations

import pytest
from conftest import World, text_of

from config import DEFAULT_SECRET_KEY, ProductionConfig
from portal import create_app


@pytest.mark.parametrize("path", ["/", "/login", "/register", "/nope"])
def test_security_headers_on_html(client, world: World, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_and_no_external_assets(client, world: World):
    html = text_of(client.get("/"))
    assert "<script>" not in html and "onclick=" not in html
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html


REAL_SENDERS = {"OUTBOX_EMAIL_SENDER": "smtp", "OUTBOX_SMS_SENDER": "esms"}


def production(**overrides):
    return type("Prod", (ProductionConfig,), {**REAL_SENDERS, **overrides})


@pytest.mark.parametrize(
    "overrides",
    [
        {"SECRET_KEY": DEFAULT_SECRET_KEY},
        {"SECRET_KEY": ""},
        {"SECRET_KEY": "short"},
        {"SECRET_KEY": "x" * 40, "DEBUG": True},
        {"SECRET_KEY": "x" * 40, "OUTBOX_SMS_SENDER": "log"},
        {"SECRET_KEY": "x" * 40, "OUTBOX_EMAIL_SENDER": " LOG "},
        {"SECRET_KEY": "x" * 40, "VNEID_ISSUER": "http://vneid.example.vn"},  # not https
        # map tiles from another site: the CSP (img-src 'self') would block them
        {"SECRET_KEY": "x" * 40, "MAP_TILE_URL": "https://tiles.example.vn/{z}/{x}/{y}.png"},
        {"SECRET_KEY": "x" * 40, "MAP_TILE_URL": "//tiles.example.vn/{z}/{x}/{y}.png"},
    ],
)
def test_production_refuses_unsafe_settings(overrides):
    with pytest.raises(RuntimeError):
        create_app(production(SQLALCHEMY_DATABASE_URI="sqlite://", **overrides))


def test_production_starts_with_a_real_secret_and_secure_cookies():
    app = create_app(production(SQLALCHEMY_DATABASE_URI="sqlite://", SECRET_KEY="k" * 48))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.debug is False


def test_production_takes_map_tiles_from_its_own_site():
    app = create_app(
        production(
            SQLALCHEMY_DATABASE_URI="sqlite://",
            SECRET_KEY="k" * 48,
            MAP_TILE_URL="/tiles/{z}/{x}/{y}.png",
        )
    )
    assert app.config["MAP_TILE_URL"] == "/tiles/{z}/{x}/{y}.png"


def test_production_may_log_messages_only_when_told_to():
    """A trial server may keep the log senders, but only by saying so."""
    trial = production(
        SQLALCHEMY_DATABASE_URI="sqlite://",
        SECRET_KEY="k" * 48,
        OUTBOX_EMAIL_SENDER="log",
        OUTBOX_SMS_SENDER="log",
        ALLOW_LOG_SENDER=True,
    )
    assert create_app(trial).config["OUTBOX_SMS_SENDER"] == "log"


def test_get_never_changes_state(app):
    """Every route that changes state accepts POST only."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[-1].startswith(("set_", "logout", "change_")):
            assert "GET" not in rule.methods, rule


def test_lazy_messages_with_user_input_are_escaped(app):
    """Flask-Babel's lazy strings claim to be safe HTML; show_error must turn them into text."""
    from flask import get_flashed_messages, render_template_string
    from flask_babel import lazy_gettext

    from portal.domain import DomainError
    from portal.web import show_error

    with app.test_request_context("/"):
        show_error(None, DomainError(lazy_gettext("Unknown province: %(key)s", key="<b>x</b>")))
        (message,) = get_flashed_messages()
        html = render_template_string("{{ m }}", m=message)
    assert "&lt;b&gt;x&lt;/b&gt;" in html
