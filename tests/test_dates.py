"""Dates the portal takes: from 01/01/2000 to 31/12/2100 in every form and import, a
dossier received from 01/01/2000 up to now and returned after it was received. A typo such
as 0001-01-01 is refused with a translated message, never a 500 (its conversion to UTC
would leave the calendar)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as, post_form, text_of
from test_dialogues_views import conference_form

from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.satisfaction import catalogue as satisfaction_catalogue
from portal.satisfaction import dossiers as satisfaction_dossiers
from portal.satisfaction.models import Dossier

EN = {"Accept-Language": "en"}
RANGE_EN = "Enter a date from 01/01/2000 to 31/12/2100."
RANGE_VI = "Đề nghị nhập ngày từ 01/01/2000 đến 31/12/2100."
ABSURD = ("0001-01-01T00:00", "0001-01-02T08:00", "1999-12-31T23:59", "2101-01-01T00:00")


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count(model.id))).scalar_one()


def dossier_form(world: World, **overrides) -> dict:
    satisfaction_catalogue.provide_defaults(world.ward.id)
    db.session.commit()
    fields = {
        "procedure_id": str(satisfaction_catalogue.procedures(world.ward.id)[0].id),
        "receipt_number": "BN-2026-0100",
        "received_at": (utcnow() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "returned_at": "",
        "extra_visits": "0",
        "receiving_officer_id": str(world.staff.id),
    }
    fields.update(overrides)
    return fields


@pytest.mark.parametrize("value", ABSURD)
def test_a_dossier_with_an_absurd_date_is_refused_with_a_message(client, world: World, value):
    login_as(client, world.staff)
    path = "/staff/satisfaction/dossiers/new"
    for field in ("received_at", "returned_at"):
        en = post_form(client, path, dossier_form(world, **{field: value}), headers=EN)
        assert en.status_code == 422, field
        assert RANGE_EN in text_of(en)
        vi = post_form(client, path, dossier_form(world, **{field: value}))
        assert vi.status_code == 422
        assert RANGE_VI in text_of(vi)
    assert count(Dossier) == 0


def test_the_first_day_is_taken_and_the_dates_must_follow_each_other(client, world: World):
    login_as(client, world.staff)
    path = "/staff/satisfaction/dossiers/new"
    soon = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = (
        ({"received_at": soon}, "Enter when it was received (not in the future)."),
        (
            {"received_at": "2026-11-10T09:00", "returned_at": "2026-11-09T09:00"},
            "The return must be after the receipt and not in the future.",
        ),
        (
            {"received_at": "2026-11-10T09:00", "returned_at": soon},
            "The return must be after the receipt and not in the future.",
        ),
    )
    for overrides, message in refused:
        response = post_form(client, path, dossier_form(world, **overrides), headers=EN)
        assert response.status_code == 422, overrides
        assert message in text_of(response), overrides
    assert count(Dossier) == 0
    response = post_form(client, path, dossier_form(world, received_at="2000-01-01T00:00"))
    assert response.status_code == 302
    item = db.session.execute(sa.select(Dossier)).scalar_one()
    assert item.received_at == datetime(1999, 12, 31, 17, 0, tzinfo=UTC)  # 00:00 in Hà Nội


def test_the_service_refuses_a_dossier_received_before_2000(app, world: World, english):
    satisfaction_catalogue.provide_defaults(world.ward.id)
    data = satisfaction_dossiers.DossierInput(
        procedure_id=satisfaction_catalogue.procedures(world.ward.id)[0].id,
        receipt_number="BN-1999",
        received_at=datetime(1999, 12, 31, 16, 59, tzinfo=UTC),  # 23:59 on 31/12/1999 in Hà Nội
    )
    with pytest.raises(DomainError) as refused:
        satisfaction_dossiers.register_dossier(world.staff, world.ward.id, data)
    assert refused.value.errors == {
        "received_at": satisfaction_dossiers.RECEIVED_TOO_EARLY,
    }
    assert (
        str(refused.value.message) == "A dossier received before 01/01/2000 cannot be registered."
    )


def upload(client, content: str):
    data = {"file": (io.BytesIO(content.encode()), "export.csv")}
    return post_form(
        client,
        "/staff/satisfaction/dossiers/import",
        data,
        content_type="multipart/form-data",
        headers=EN,
    )


def test_the_csv_import_reports_absurd_dates_by_line(client, world: World):
    satisfaction_catalogue.provide_defaults(world.ward.id)
    db.session.commit()
    login_as(client, world.staff)
    future = (utcnow() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    text = (
        "receipt_number,procedure,received_at,returned_at,extra_visits,officer_phone\n"
        "BN-1,1.001612,0001-01-01 00:00,,,\n"
        "BN-2,1.001612,01/01/0001,,,\n"
        "BN-3,1.001612,1999-06-01 09:00,,,\n"
        "BN-4,1.001612,2026-11-02 09:00,0001-01-02 10:00,,\n"
        f"BN-5,1.001612,{future},,,\n"
        "BN-6,1.001612,2026-11-02 09:00,2026-11-01 09:00,,\n"
        "BN-7,1.001612,2000-01-01 08:00,2000-01-03 10:00,,\n"
    )
    response = upload(client, text)
    assert response.status_code == 200
    html = text_of(response)
    assert "1 dossiers registered." in html or "1 dossier registered." in html
    expected = {
        2: "received_at 0001-01-01 00:00: the date must be from 01/01/2000 to 31/12/2100",
        3: "received_at 01/01/0001: the date must be from 01/01/2000 to 31/12/2100",
        4: "received_at 1999-06-01 09:00: the date must be from 01/01/2000 to 31/12/2100",
        5: "returned_at 0001-01-02 10:00: the date must be from 01/01/2000 to 31/12/2100",
        6: "Enter when it was received (not in the future).",
        7: "The return must be after the receipt and not in the future.",
    }
    for line, message in expected.items():
        assert re.search(rf"<td[^>]*>{line}</td><td[^>]*>{re.escape(message)}</td>", html), line
    assert set(db.session.execute(sa.select(Dossier.receipt_number)).scalars()) == {"BN-7"}


@pytest.mark.parametrize("field", ["starts_at", "ends_at", "booking_opens_at", "booking_closes_at"])
def test_a_conference_with_an_absurd_date_is_refused(client, world: World, field):
    login_as(client, world.staff)
    response = post_form(
        client, "/staff/dialogues/new", conference_form(**{field: "0001-01-01T00:00"}), headers=EN
    )
    assert response.status_code == 422
    assert RANGE_EN in text_of(response)


def test_blocking_an_absurd_day_is_refused(client, world: World):
    login_as(client, world.staff)
    for day in ("0001-01-01", "01/01/0001", "9999-12-31"):
        response = post_form(
            client,
            "/staff/reception/block-day",
            {"day": day, "reason": "Chủ tịch đi họp"},
            headers=EN,
        )
        assert response.status_code == 422, day
        assert RANGE_EN in text_of(response), day


@pytest.mark.parametrize(
    "query",
    [
        "start_date=0001-01-01T00:00:00%2B07:00",
        "end_date=0001-01-01T05:00:00Z",
        "end_date=9999-12-31T23:59:59-07:00",
        "start_date=1999-12-31T00:00:00Z",
    ],
)
def test_the_open311_search_refuses_absurd_dates(client, world: World, query):
    response = client.get(f"/open311/v2/requests.json?jurisdiction_id=phuong-bo-de&{query}")
    assert response.status_code == 400
    assert "must be a date from 2000-01-01 to 2100-12-31" in text_of(response)
