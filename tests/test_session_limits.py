"""Sessions end by themselves: an official's after 30 minutes without use and 12 hours in
all, a resident's after 14 days without use (settings); a new role or a disabled account
ends every session of the account at once. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as

from portal.auth import services as auth_services
from portal.auth.models import AuthSession, Role, User
from portal.db import utcnow
from portal.extensions import db


def age_sessions(user: User, *, idle: timedelta, open_for: timedelta | None = None) -> None:
    now = utcnow()
    db.session.execute(
        sa.update(AuthSession)
        .where(AuthSession.user_id == user.id)
        .values(last_seen_at=now - idle, created_at=now - (open_for or idle))
    )
    db.session.commit()


def opens(client, path: str) -> bool:
    answer = client.get(path)
    return answer.status_code == 200


@pytest.mark.parametrize(("idle", "still_in"), [(29, True), (31, False)])
def test_an_official_s_idle_session_ends_after_30_minutes(client, world: World, idle, still_in):
    login_as(client, world.staff)
    assert opens(client, "/staff/feedback/")
    age_sessions(world.staff, idle=timedelta(minutes=idle))
    assert opens(client, "/staff/feedback/") is still_in
    db.session.rollback()
    ended = db.session.execute(sa.select(AuthSession.ended_at)).scalar_one()
    assert (ended is None) is still_in


def test_use_keeps_a_session_alive(client, world: World):
    login_as(client, world.staff)
    age_sessions(world.staff, idle=timedelta(minutes=20))
    assert opens(client, "/staff/feedback/")  # notes the use
    db.session.rollback()
    seen = db.session.execute(sa.select(AuthSession.last_seen_at)).scalar_one()
    assert utcnow() - seen < timedelta(minutes=1)


def test_an_official_s_session_ends_after_12_hours_however_busy(client, world: World):
    login_as(client, world.chairman)
    age_sessions(world.chairman, idle=timedelta(minutes=1), open_for=timedelta(hours=13))
    assert not opens(client, "/dashboard/")


@pytest.mark.parametrize(("days", "still_in"), [(2, True), (15, False)])
def test_a_resident_s_session_lasts_longer(client, world: World, days, still_in):
    login_as(client, world.resident)
    age_sessions(world.resident, idle=timedelta(days=days))
    assert opens(client, "/account") is still_in


def test_the_limits_are_settings(client, world: World, app):
    app.config["OFFICIAL_IDLE_MINUTES"] = 5
    login_as(client, world.staff)
    age_sessions(world.staff, idle=timedelta(minutes=6))
    assert not opens(client, "/staff/feedback/")


def test_a_new_role_ends_every_session_of_the_account(client, world: World):
    login_as(client, world.staff)
    other = login_as(client.application.test_client(), world.staff)
    assert opens(client, "/staff/feedback/") and opens(other, "/staff/feedback/")
    db.session.get(User, world.staff.id).role = Role.CHAIRMAN
    db.session.commit()
    assert not opens(client, "/staff/feedback/") and not opens(other, "/dashboard/")


def test_a_disabled_account_is_out_at_once(client, world: World):
    login_as(client, world.staff)
    assert opens(client, "/staff/feedback/")
    auth_services.set_active(world.admin, db.session.get(User, world.staff.id), False)
    db.session.commit()
    assert not opens(client, "/staff/feedback/")


def test_an_expired_session_is_told_once_and_the_login_page_follows(client, world: World):
    login_as(client, world.staff)
    assert opens(client, "/staff/feedback/")
    age_sessions(world.staff, idle=timedelta(minutes=31))
    answer = client.get("/staff/feedback/?status=new", headers={"Accept-Language": "vi"})
    assert answer.status_code == 302
    assert "/login" in answer.headers["Location"]
    assert "next=" in answer.headers["Location"]
    login_page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Phiên đăng nhập đã hết hạn" in login_page
    assert "đăng nhập để tiếp tục" not in login_page  # not the ordinary message as well
    # The browser is now a visitor's: the next protected page asks to log in as usual.
    again = client.get("/staff/feedback/", follow_redirects=True).get_data(as_text=True)
    assert "Phiên đăng nhập đã hết hạn" not in again
