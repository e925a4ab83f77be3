"""The rating kiosk as an enrolled device: the chairman issues a one-time enrolment code for
a desk and its officer (shown once, kept hashed, expiring unused), the tablet exchanges it
for a signed device cookie (sent only to /kiosk/), shows the dossier that officer has just
returned and records one rating for it; the chairman revokes it, and the audit trail says
who did what. The cookie opens nothing else."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as, post_form, text_of
from test_satisfaction_views import EN, LINK_RE, count, make_dossier

from portal.audit.models import AuditEntry
from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.satisfaction import kiosks
from portal.satisfaction.models import KioskDevice, RatingChannel
from portal.satisfaction.models import SatisfactionRating as Rating

CODE_RE = re.compile(r'<code class="code" id="enrolment-code">([A-Z0-9-]+)</code>')


def issue(client, world: World, desk: str = "Quầy 1") -> str:
    """The chairman enrols a tablet for the staff's desk: the code shown once."""
    login_as(client, world.chairman)
    response = post_form(
        client, "/staff/satisfaction/kiosks", {"desk_name": desk, "officer_id": str(world.staff.id)}
    )
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    login_as(client, None)
    return CODE_RE.search(text_of(response)).group(1)


def enrolled(client, world: World):
    code = issue(client, world)
    response = post_form(client, "/kiosk/enrol", {"code": code.lower()}, headers=EN)
    assert response.status_code == 302 and response.headers["Location"] == "/kiosk/"
    return code, response


def actions() -> list[str]:
    return list(db.session.execute(sa.select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def test_the_chairman_issues_a_code_shown_once_and_stored_hashed(client, world: World):
    code = issue(client, world)
    device = db.session.execute(sa.select(KioskDevice)).scalar_one()
    assert device.enrolment_code_hash and code.replace("-", "") not in device.enrolment_code_hash
    assert device.officer_id == world.staff.id and device.created_by_id == world.chairman.id
    assert (
        timedelta(hours=23) < device.enrolment_expires_at - device.created_at <= timedelta(hours=24)
    )
    login_as(client, world.chairman)
    listing = text_of(client.get("/staff/satisfaction/kiosks", headers=EN))
    assert "Quầy 1" in listing and "Waiting for its code" in listing and code not in listing
    bad = post_form(client, "/staff/satisfaction/kiosks", {"desk_name": "", "officer_id": "x"})
    assert bad.status_code == 422 and count(KioskDevice) == 1
    foreign = {"desk_name": "Quầy 9", "officer_id": str(world.staff_other.id)}
    assert post_form(client, "/staff/satisfaction/kiosks", foreign).status_code == 422
    login_as(client, world.staff)  # an officer may not enrol tablets
    assert post_form(client, "/staff/satisfaction/kiosks", foreign).status_code == 403
    assert actions() == ["satisfaction_staff.enrol_kiosk"]


def test_the_tablet_enrols_once_and_gets_a_kiosk_only_cookie(client, world: World):
    code, response = enrolled(client, world)
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{kiosks.COOKIE}=") and "Path=/kiosk" in cookie
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=31536000" in cookie
    device = db.session.execute(sa.select(KioskDevice)).scalar_one()
    assert device.enrolled_at and device.secret_hash and device.enrolment_code_hash is None
    assert device.secret_hash not in cookie
    other = post_form(client.application.test_client(), "/kiosk/enrol", {"code": code}, headers=EN)
    assert other.status_code == 404 and "cannot be used" in text_of(other)  # once only
    screen = client.get("/kiosk/", headers=EN)
    assert screen.status_code == 200 and screen.headers["Cache-Control"] == "no-store"
    assert "This tablet is now the rating kiosk of Quầy 1." in text_of(screen)
    # The device cookie is no login, wherever it is sent.
    value = client.get_cookie(kiosks.COOKIE, path="/kiosk").value
    anywhere = client.application.test_client()
    anywhere.set_cookie(kiosks.COOKIE, value, path="/")
    assert anywhere.get("/staff/satisfaction/dossiers").status_code == 302
    assert anywhere.get("/kiosk/").status_code == 200
    assert actions().count("kiosk.enrolled") == 1


def test_an_expired_wrong_or_tampered_code_or_cookie_opens_nothing(client, world: World):
    code = issue(client, world)
    later = utcnow() + timedelta(hours=25)
    with pytest.raises(DomainError):
        kiosks.enrol(code, now=later)
    for wrong in ("", "AAAA-AAAA", "³³³³", "x" * 30):
        response = post_form(client, "/kiosk/enrol", {"code": wrong})
        assert response.status_code in (404, 422), wrong
    assert client.get("/kiosk/").headers["Location"] == "/kiosk/enrol"
    client.set_cookie(kiosks.COOKIE, "eyJkIjoxLCJzIjoieCJ9.forged", path="/kiosk")
    assert client.get("/kiosk/").status_code == 302
    assert kiosks.device_for_cookie(kiosks._serializer().dumps({"d": 1, "s": "guess"})) is None


def test_the_kiosk_shows_its_desk_s_dossier_and_records_one_rating(client, world: World):
    enrolled(client, world)
    waiting = text_of(client.get("/kiosk/", headers=EN))
    assert 'data-refresh-seconds="10"' in waiting and "<nav" not in waiting
    item = make_dossier(world, "BN-K1")
    officer = client.application.test_client()
    login_as(officer, world.staff)
    slip = text_of(post_form(officer, f"/staff/satisfaction/dossiers/{item.id}/return", {}))
    raw = LINK_RE.search(slip).group(1)
    html = text_of(client.get("/kiosk/", headers=EN))
    assert f'action="/kiosk/dossiers/{item.id}/rate"' in html and "Very satisfied" in html
    bad = post_form(client, f"/kiosk/dossiers/{item.id}/rate", {"level": "dissatisfied"})
    assert bad.status_code == 422 and count(Rating) == 0
    done = post_form(client, f"/kiosk/dossiers/{item.id}/rate", {"level": "satisfied"})
    assert done.status_code == 302 and done.headers["Location"] == "/kiosk/"
    rating = db.session.execute(sa.select(Rating)).scalar_one()
    assert rating.channel == RatingChannel.KIOSK
    assert client.get(f"/r/{raw}").status_code == 404  # the slip's link is used up
    again = post_form(client, f"/kiosk/dossiers/{item.id}/rate", {"level": "satisfied"})
    assert again.status_code == 409 and count(Rating) == 1
    # Another desk's dossier (the chairman returned it) is not this kiosk's to rate.
    theirs = make_dossier(world, "BN-K2")
    login_as(officer, world.chairman)
    post_form(officer, f"/staff/satisfaction/dossiers/{theirs.id}/return", {})
    assert "data-refresh-seconds" in text_of(client.get("/kiosk/"))
    assert (
        post_form(client, f"/kiosk/dossiers/{theirs.id}/rate", {"level": "satisfied"}).status_code
        == 409
    )
    assert (
        post_form(client, "/kiosk/dossiers/999999/rate", {"level": "satisfied"}).status_code == 404
    )


def test_the_chairman_revokes_a_tablet(client, world: World):
    enrolled(client, world)
    device = db.session.execute(sa.select(KioskDevice)).scalar_one()
    chairman = client.application.test_client()
    login_as(chairman, world.chairman)
    response = post_form(chairman, f"/staff/satisfaction/kiosks/{device.id}/revoke", {})
    assert response.status_code == 302
    db.session.refresh(device)
    assert device.revoked_at is not None and device.revoked_by_id == world.chairman.id
    assert client.get("/kiosk/").headers["Location"] == "/kiosk/enrol"
    item = make_dossier(world, "BN-K3")
    assert (
        post_form(client, f"/kiosk/dossiers/{item.id}/rate", {"level": "satisfied"}).status_code
        == 403
    )
    listing = text_of(chairman.get("/staff/satisfaction/kiosks", headers=EN))
    assert "Revoked" in listing and f"/kiosks/{device.id}/revoke" not in listing
    again = post_form(chairman, f"/staff/satisfaction/kiosks/{device.id}/revoke", {})
    assert again.status_code == 409  # revoked already: a state conflict
    login_as(chairman, world.staff_other)
    assert (
        post_form(chairman, f"/staff/satisfaction/kiosks/{device.id}/revoke", {}).status_code == 403
    )
    assert actions() == [
        "satisfaction_staff.enrol_kiosk",
        "kiosk.enrolled",
        "satisfaction_staff.revoke_kiosk",
    ]


def test_a_tablet_stops_when_its_officer_is_disabled(client, world: World):
    enrolled(client, world)
    world.staff.is_active_account = False
    db.session.commit()
    assert client.get("/kiosk/").status_code == 302
