"""Tra cứu hồ sơ: a resident finds a dossier by its receipt number and the last 4 digits of
the phone given at the desk (entered by the officer, or in the CSV import), and sees its
state, dates and timeliness. Every miss is the same neutral 404 (counted by the lookup
throttle); the phone is masked on the officers' pages, never shown back, and erased by the
retention job after the dossier's return."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as, post_form, text_of
from flask_babel import force_locale
from test_lookup_limits import ME, get, lookup_app  # noqa: F401 - the fixture
from test_satisfaction_views import EN, dossier_form, make_dossier, procedure

from portal.db import utcnow
from portal.extensions import db
from portal.privacy import retention
from portal.satisfaction import dossiers as satisfaction_dossiers
from portal.satisfaction import labels
from portal.satisfaction.models import Dossier
from portal.templating import local_date

MISS = "No dossier matches this receipt number and these digits."


def lookup(client, world: World, number: str, digits: str, ward=None, **kwargs):
    path = f"/wards/{(ward or world.ward).slug}/dossier-lookup"
    return post_form(client, path, {"receipt_number": number, "digits": digits}, **kwargs)


def test_the_officer_enters_the_phone_and_sees_it_masked(client, world: World):
    login_as(client, world.staff)
    form = dossier_form(world, applicant_phone="0912 345 678")
    response = post_form(client, "/staff/satisfaction/dossiers/new", form)
    assert response.status_code == 302
    item = db.session.execute(sa.select(Dossier)).scalar_one()
    assert item.applicant_phone == "+84912345678"
    html = text_of(client.get(response.headers["Location"], headers=EN))
    assert "091••••678" in html and "0912345678" not in html and "345 678" not in html
    bad = post_form(
        client,
        "/staff/satisfaction/dossiers/new",
        dossier_form(world, receipt_number="BN-2", applicant_phone="12345"),
        headers=EN,
    )
    assert bad.status_code == 422 and "Enter a Vietnamese mobile number" in text_of(bad)
    assert db.session.scalar(sa.select(sa.func.count(Dossier.id))) == 1  # nothing half-saved


def test_a_resident_looks_a_dossier_up(client, world: World):
    item = make_dossier(world, "BN-L1", applicant_phone="0912345678")
    page = client.get(f"/wards/{world.ward.slug}/dossier-lookup", headers=EN)
    assert page.status_code == 200 and 'method="post"' in text_of(page)
    response = lookup(client, world, "BN-L1", "5678", headers=EN)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    html = text_of(response)
    assert "Dossier BN-L1" in html and "Household business registration" in html
    assert "Being processed" in html and "Not returned yet" in html
    with force_locale("en"):
        assert local_date(item.due_on) in html  # however the dates are spelt
    assert 'value="5678"' not in html and "0912" not in html  # nothing personal shown back
    satisfaction_dossiers.return_dossier(world.staff, item)
    db.session.commit()
    html = text_of(lookup(client, world, "BN-L1", " 56 78 ", headers=EN))
    with force_locale("en"):
        assert "Returned" in html and str(labels.TIMELINESS[item.timeliness]) in html


def test_every_miss_looks_alike(client, world: World):
    make_dossier(world, "BN-L2", applicant_phone="0912345678")
    make_dossier(world, "BN-L3")  # no phone given at the desk
    other = satisfaction_dossiers.register_dossier(
        world.staff_other,
        world.other_ward.id,
        satisfaction_dossiers.DossierInput(
            procedure_id=procedure_of_other(world),
            receipt_number="BN-L4",
            received_at=utcnow() - timedelta(days=1),
            applicant_phone="0912345678",
        ),
    )
    db.session.commit()
    misses = [
        ("BN-NOPE", "5678", None),  # unknown receipt
        ("BN-L2", "5679", None),  # wrong digits
        ("BN-L2", "678", None),  # too few
        ("BN-L3", "0000", None),  # a dossier without a phone
        ("BN-L4", "5678", None),  # another ward's dossier, asked on this ward's page
        ("BN-L2", "³٤٥٦", None),  # digits of other scripts are no digits
        ("x" * 39 + "\x00", "5678", None),
    ]
    pages = set()
    for number, digits, ward in misses:
        response = lookup(client, world, number, digits, ward, headers=EN)
        assert response.status_code == 404, (number, digits)
        html = text_of(response)
        assert MISS in html and "Dossier BN" not in html
        pages.add(html.split("<main", 1)[1].split("csrf_token", 1)[0])
    assert len(pages) == 1  # the same answer, whatever the reason
    assert lookup(client, world, "BN-L4", "5678", world.other_ward).status_code == 200
    assert other.ward_id == world.other_ward.id


def procedure_of_other(world: World) -> int:
    from portal.satisfaction import catalogue

    catalogue.provide_defaults(world.other_ward.id)
    return catalogue.procedures(world.other_ward.id)[0].id


def test_empty_or_broken_input_is_a_clear_422(client, world: World):
    response = lookup(client, world, "", "", headers=EN)
    assert response.status_code == 422
    html = text_of(response)
    assert "Enter the receipt number" in html and "Enter the last 4 digits" in html
    no_csrf = client.post(
        f"/wards/{world.ward.slug}/dossier-lookup", data={"receipt_number": "a", "digits": "1"}
    )
    assert no_csrf.status_code in (400, 422)
    assert client.get("/wards/nowhere/dossier-lookup").status_code == 404
    assert client.get(f"/wards/{world.unserved_ward.slug}/dossier-lookup").status_code == 404


def test_guessing_digits_is_throttled(lookup_app, world: World):  # noqa: F811
    make_dossier(world, "BN-L5", applicant_phone="0912345678")
    client = lookup_app.test_client()
    token_page = client.get(f"/wards/{world.ward.slug}/dossier-lookup", environ_base=ME)
    assert token_page.status_code == 200
    for digits in ("0000", "0001", "0002"):
        assert lookup(client, world, "BN-L5", digits, environ_base=ME).status_code == 404
    assert lookup(client, world, "BN-L5", "5678", environ_base=ME).status_code == 429
    assert get(client, "/r/" + "A" * 43).status_code == 429  # all lookups count together


def test_the_csv_import_takes_the_phone(client, world: World):
    procedure(world)
    login_as(client, world.staff)
    csv_text = (
        "receipt_number,procedure,received_at,applicant_phone\n"
        "BN-C1,1.001612,2026-11-20 09:00,0912 345 678\n"
        "BN-C2,1.001612,2026-11-20 09:00,12345\n"
        "BN-C3,1.001612,2026-11-20 09:00,\n"
    )
    response = post_form(
        client,
        "/staff/satisfaction/dossiers/import",
        {"file": (io.BytesIO(csv_text.encode()), "d.csv")},
        headers=EN,
        content_type="multipart/form-data",
    )
    html = text_of(response)
    assert "applicant_phone is not a Vietnamese mobile number" in html and "12345" not in html
    phones = dict(
        db.session.execute(sa.select(Dossier.receipt_number, Dossier.applicant_phone)).all()
    )
    assert phones == {"BN-C1": "+84912345678", "BN-C3": ""}


@pytest.mark.parametrize("days, kept", [(179, True), (181, False)])
def test_retention_erases_the_phone_after_the_return(world: World, days, kept):
    item = make_dossier(world, "BN-R1", applicant_phone="0912345678")
    satisfaction_dossiers.return_dossier(world.staff, item)
    db.session.commit()
    report = retention.run(now=utcnow() + timedelta(days=days))
    db.session.commit()
    db.session.refresh(item)
    assert (item.applicant_phone == "+84912345678") is kept
    assert report.dossier_phones == (0 if kept else 1)
