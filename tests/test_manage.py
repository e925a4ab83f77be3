"""Official accounts: the admin creates any, a chairman his ward's staff; deactivation."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from conftest import World, login_as, post_form, text_of

from portal.auth import services
from portal.auth.models import Role, User
from portal.domain import DomainError, PermissionDenied
from portal.extensions import db
from portal.feedback import categories
from portal.satisfaction import catalogue


def official(**changes) -> dict:
    return {
        "role": "staff",
        "full_name": "Đỗ Văn Mới",
        "phone": "0977 111 222",
        "email": "",
        "password": "mot-cua-2026",
        **changes,
    }


def find(phone: str) -> User | None:
    return db.session.execute(sa.select(User).where(User.phone == phone)).scalar_one_or_none()


def test_admin_creates_a_chairman_for_a_ward(client, world: World):
    login_as(client, world.admin)
    response = post_form(
        client,
        "/manage/users/new",
        official(role="chairman", ward_id=str(world.other_ward.id)),
    )
    assert response.status_code == 302
    user = find("+84977111222")
    assert user.role == Role.CHAIRMAN and user.ward_id == world.other_ward.id
    assert user.created_by_id == world.admin.id


def test_admin_must_choose_a_ward_for_officials(client, world: World):
    login_as(client, world.admin)
    response = post_form(client, "/manage/users/new", official(role="supervisor", ward_id=""))
    assert response.status_code == 422
    assert 'id="ward_id-error"' in text_of(response)
    assert find("+84977111222") is None


def test_chairman_creates_staff_in_his_own_ward_only(client, world: World):
    login_as(client, world.chairman)
    # even a forged ward id lands in the chairman's own ward
    response = post_form(client, "/manage/users/new", official(ward_id=str(world.other_ward.id)))
    assert response.status_code == 302
    assert find("+84977111222").ward_id == world.ward.id


@pytest.mark.parametrize("role", ["chairman", "admin", "supervisor", "resident", "mayor"])
def test_chairman_cannot_create_other_roles(client, world: World, role):
    login_as(client, world.chairman)
    response = post_form(client, "/manage/users/new", official(role=role))
    if role == "mayor":  # no such role: said on the form
        assert response.status_code == 422 and 'id="role-error"' in text_of(response)
    else:  # a role the form never offers a chairman: refused as a whole
        assert response.status_code == 403
    assert find("+84977111222") is None


def test_create_official_rejects_bad_input(client, world: World):
    login_as(client, world.admin)
    response = post_form(
        client,
        "/manage/users/new",
        official(phone="0912345678", full_name="<b>x</b>", password="123", ward_id=world.ward.id),
    )
    html = text_of(response)
    assert response.status_code == 422
    for field in ("phone", "full_name", "password"):
        assert f'id="{field}-error"' in html
    assert "<b>x</b>" not in html


def test_chairman_lists_only_his_wards_officials_with_masked_phones(client, world: World):
    login_as(client, world.chairman)
    html = text_of(client.get("/manage/users"))
    assert world.staff.full_name in html and world.supervisor.full_name in html
    assert world.staff_other.full_name not in html
    assert world.resident.full_name not in html  # residents are not "officials"
    assert world.staff.phone not in html and "0912345678" not in html
    masked = world.staff.phone.replace("+84", "0")
    assert masked[:3] + "••••" + masked[-3:] in html


def test_admin_filters_officials(client, world: World):
    login_as(client, world.admin)
    html = text_of(client.get(f"/manage/users?role=staff&ward={world.other_ward.id}"))
    assert world.staff_other.full_name in html
    assert world.staff.full_name not in html
    html = text_of(client.get("/manage/users?role=nonsense"))
    assert world.staff.full_name in html


def test_chairman_deactivates_and_reactivates_staff(app, client, world: World):
    staff_client = login_as(app.test_client(), world.staff)
    assert staff_client.get("/account").status_code == 200
    login_as(client, world.chairman)
    response = post_form(client, f"/manage/users/{world.staff.id}/active", {"value": "0"})
    assert response.status_code == 302
    db.session.refresh(world.staff)
    assert not world.staff.is_active_account
    assert staff_client.get("/account").status_code == 302  # logged out at once
    post_form(client, f"/manage/users/{world.staff.id}/active", {"value": "1"})
    db.session.refresh(world.staff)
    assert world.staff.is_active_account


def test_chairman_cannot_touch_another_wards_staff_or_himself(client, world: World):
    login_as(client, world.chairman)
    other = post_form(client, f"/manage/users/{world.staff_other.id}/active", {"value": "0"})
    assert other.status_code == 403
    himself = post_form(client, f"/manage/users/{world.chairman.id}/active", {"value": "0"})
    assert himself.status_code == 403
    supervisor = post_form(client, f"/manage/users/{world.supervisor.id}/active", {"value": "0"})
    assert supervisor.status_code == 403
    missing = post_form(client, "/manage/users/999999/active", {"value": "0"})
    assert missing.status_code == 404
    bad = post_form(client, f"/manage/users/{world.staff.id}/active", {"value": "maybe"})
    assert bad.status_code == 400
    db.session.refresh(world.staff_other)
    assert world.staff_other.is_active_account


def test_admin_serves_and_stops_serving_a_ward(client, world: World):
    login_as(client, world.admin)
    response = post_form(client, f"/manage/wards/{world.unserved_ward.id}/enabled", {"value": "1"})
    assert response.status_code == 302
    db.session.refresh(world.unserved_ward)
    assert world.unserved_ward.enabled
    assert "Phường Hoàn Kiếm" in text_of(client.get("/wards/"))
    # A ward starting to be served gets its feedback categories and procedures at once.
    assert len(categories.ward_categories(world.unserved_ward.id)) == 5
    assert len(catalogue.procedures(world.unserved_ward.id)) == 15


def test_service_rules_directly(app, world: World):
    with pytest.raises(PermissionDenied):
        services.create_official(
            world.staff,
            role=Role.STAFF,
            full_name="Ai Đó",
            phone="0977000111",
            email=None,
            password="mot-cua-2026",
            ward_id=world.ward.id,
        )
    with pytest.raises(DomainError):
        services.create_official(
            None,
            role=Role.RESIDENT,
            full_name="Ai Đó",
            phone="0977000111",
            email=None,
            password="mot-cua-2026",
            ward_id=world.ward.id,
        )
    with pytest.raises(PermissionDenied):
        services.users_visible_to(world.staff)
    admin = services.create_official(
        None,
        role="admin",
        full_name="Quản Trị Hai",
        phone="0977000112",
        email="QT2@example.vn",
        password="mot-cua-2026",
        ward_id=None,
    )
    assert admin.ward_id is None and admin.email == "qt2@example.vn"


def test_cli_users_create(app, world: World):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "staff",
            "--ward",
            "phuong-bo-de",
            "--phone",
            "0977 333 444",
            "--name",
            "Vũ Thị Một Cửa",
            "--password",
            "mot-cua-2026",
        ]
    )
    assert result.exit_code == 0, result.output
    user = find("+84977333444")
    assert user.role == Role.STAFF and user.ward_id == world.ward.id
    duplicate = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "staff",
            "--ward",
            "phuong-bo-de",
            "--phone",
            "0977333444",
            "--name",
            "Vũ Thị Một Cửa",
            "--password",
            "mot-cua-2026",
        ]
    )
    assert duplicate.exit_code != 0
    unknown = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "chairman",
            "--ward",
            "phuong-khong-co",
            "--phone",
            "0977333555",
            "--name",
            "Ai Đó",
            "--password",
            "mot-cua-2026",
        ]
    )
    assert unknown.exit_code != 0 and "Unknown ward" in unknown.output
