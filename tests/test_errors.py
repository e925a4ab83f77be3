"""Error pages: translated, styled, and revealing nothing internal."""

from __future__ import annotations

import pytest
from conftest import World, isolate_requests, login_as, make_config, text_of
from flask import abort

from portal import create_app
from portal.extensions import db


@pytest.fixture
def error_app(database_url, world: World):
    app = isolate_requests(create_app(make_config(database_url, MAX_CONTENT_LENGTH=1024)))

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail: password=hunter2")

    @app.get("/teapot/<int:code>")
    def teapot(code):
        abort(code)

    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 429, 500])
def test_error_pages_are_translated_and_styled(error_app, code):
    client = error_app.test_client()
    vi = client.get(f"/teapot/{code}")
    en = client.get(f"/teapot/{code}", headers={"Accept-Language": "en"})
    assert vi.status_code == en.status_code == code
    assert '<link rel="stylesheet"' in text_of(vi)
    assert text_of(vi) != text_of(en)
    assert '<html lang="vi">' in text_of(vi) and '<html lang="en">' in text_of(en)


def test_500_reveals_nothing(error_app):
    response = error_app.test_client().get("/boom")
    assert response.status_code == 500
    html = text_of(response)
    assert "hunter2" not in html and "Traceback" not in html and "RuntimeError" not in html


def test_404_page_in_vietnamese(client, world: World):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in text_of(response)


def test_413_for_a_body_too_large(error_app, world: World):
    client = login_as(error_app.test_client(), world.resident)
    response = client.post("/login", data={"login": "x" * 5000})
    assert response.status_code == 413
    assert "File too large" in text_of(
        client.post("/login", data={"login": "x" * 5000}, headers={"Accept-Language": "en"})
    )


def test_csrf_failure_page(client, world: World):
    response = client.post("/login", data={"login": "0912345678", "password": "x"})
    assert response.status_code == 400
    html = text_of(response)
    assert "CSRF" not in html  # a human message, not the library's
    en = client.post("/login", data={}, headers={"Accept-Language": "en"})
    assert "Your form has expired" in text_of(en)
