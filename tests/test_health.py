"""GET /healthz for load balancers."""

import sqlalchemy as sa

from portal.extensions import db


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_unreachable_database(client, monkeypatch):
    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
    assert "connection refused" not in response.get_data(as_text=True)
