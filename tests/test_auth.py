"""Registration with consent, login by phone or e-mail, logout, passwords, `next=` safety."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, World, csrf_token, login_as, post_form, text_of

from portal.auth import services
from portal.auth.models import ConsentPurpose, Role, User
from portal.auth.passwords import hash_password, verify_password
from portal.domain import DomainError
from portal.extensions import db
from portal.notifications.models import OutboxMessage

GOOD = {
    "full_name": "Nguyễn Thị Hoa",
    "phone": "0987 654 321",
    "email": "Hoa@Example.vn",
    "password": "hoa-sen-2026",
    "consent": "y",
}


def register(client, world: World, lang: str = "en", **changes):
    data = {**GOOD, "ward_id": str(world.ward.id), **changes}
    return post_form(
        client,
        "/register",
        {k: v for k, v in data.items() if v is not None},
        headers={"Accept-Language": lang},
    )


def outbox_for(phone: str) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).where(OutboxMessage.address == phone)
    return list(db.session.execute(query.order_by(OutboxMessage.id)).scalars())


def code_sent_to(phone: str) -> str:
    """The code of the last SMS to `phone`, read as its holder would."""
    db.session.rollback()
    message = outbox_for(phone)[-1]
    assert message.kind == "one_time_code" and message.sensitive
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def count_users() -> int:
    return db.session.execute(sa.select(sa.func.count(User.id))).scalar_one()


def test_register_creates_resident_with_consent_proof(client, world: World):
    response = register(client, world, lang="vi")
    assert response.status_code == 302
    user = db.session.execute(sa.select(User).where(User.phone == "+84987654321")).scalar_one()
    assert user.role == Role.RESIDENT
    assert user.full_name == "Nguyễn Thị Hoa"
    assert user.email == "hoa@example.vn"  # normalised
    assert user.ward_id == world.ward.id
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "hoa-sen-2026")
    (consent,) = user.consents
    assert consent.purpose == ConsentPurpose.ACCOUNT
    assert consent.policy_version == "2026-11"
    assert consent.locale == "vi"
    assert "Ủy ban nhân dân phường Bồ Đề" in consent.text  # Nghị định 30/2020 style
    assert consent.text.startswith("Tôi đồng ý")  # the wording exactly as shown, in Vietnamese
    assert consent.given_at.tzinfo is not None
    # not logged in yet: the number is proven first, with the code sent to it
    assert response.headers["Location"] == "/register/confirm"
    assert user.phone_verified_at is None
    assert client.get("/account").status_code == 302
    response = post_form(client, "/register/confirm", {"code": code_sent_to("+84987654321")})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.phone_verified_at is not None
    assert client.get("/account").status_code == 200  # logged in now


def test_register_page_shows_unticked_consent_with_purpose(client, world: World):
    html = text_of(client.get("/register", headers={"Accept-Language": "en"}))
    assert 'id="consent"' in html
    assert "checked" not in html.split('id="consent"')[0].rsplit("<input", 1)[-1]
    assert "Decree 13/2023/ND-CP" in html
    assert "Phường Bồ Đề" in html and "Phường Hoàn Kiếm" not in html  # only served wards


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "12345"}, "phone", "Enter a valid Vietnamese mobile number"),
        ({"phone": "0241 234 5678"}, "phone", "Enter a valid Vietnamese mobile number"),  # landline
        ({"phone": "+1 202 555 0143"}, "phone", "Enter a valid Vietnamese mobile number"),
        ({"phone": "' OR 1=1 --"}, "phone", "Enter a valid Vietnamese mobile number"),
        ({"password": "short1"}, "password", "at least 8 characters"),
        ({"password": "matkhau123"}, "password", "too common"),
        ({"password": "x" * 129}, "password", "At most 128 characters"),
        ({"consent": None}, "consent", "You must agree"),
        ({"full_name": "<script>alert(1)</script>"}, "full_name", "only letters"),
        ({"full_name": "A" * 121}, "full_name", "At most 120 characters"),
        ({"full_name": "   "}, "full_name", "Please enter a full name"),
        ({"email": "not-an-email"}, "email", "valid e-mail"),
        ({"ward_id": "999999"}, "ward_id", "Choose a ward that this portal serves"),
        ({"ward_id": "abc"}, "ward_id", "Choose a ward that this portal serves"),
    ],
)
def test_register_rejects_bad_input_with_clear_message(
    client, world: World, changes, field, message
):
    before = count_users()
    response = register(client, world, **changes)
    html = text_of(response)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html
    assert message.lower() in html.lower()
    assert "<script>alert(1)</script>" not in html  # markup is rendered inert
    assert count_users() == before  # nothing half-saved


def test_register_refuses_unserved_ward(client, world: World):
    response = register(client, world, ward_id=str(world.unserved_ward.id))
    assert response.status_code == 422
    assert "ward_id-error" in text_of(response)


def test_register_reports_all_problems_at_once(client, world: World):
    response = register(client, world, phone="123", password="123", consent=None)
    html = text_of(response)
    for field in ("phone", "password", "consent"):
        assert f'id="{field}-error"' in html


def test_register_a_number_that_has_an_account_says_nothing_of_it(client, world: World):
    """The same answer as for a new number; its holder is told by SMS instead of a code,
    and no code typed on the next page can work."""
    before = count_users()
    response = register(client, world, phone="+84 912 345 678", email="another@example.vn")
    assert response.status_code == 302 and response.headers["Location"] == "/register/confirm"
    assert count_users() == before
    (notice,) = outbox_for("+84912345678")
    assert notice.kind == "registration_attempt" and not any(c.isdigit() for c in notice.body[:5])
    for guess in ("000000", "123456"):
        response = post_form(client, "/register/confirm", {"code": guess})
        assert response.status_code == 422
    assert client.get("/account").status_code == 302


def test_register_with_an_e_mail_another_account_uses(client, world: World):
    before = count_users()
    response = register(client, world, email="DAN@example.vn")
    assert response.status_code == 422 and "email-error" in text_of(response)
    assert count_users() == before


def test_register_messages_in_vietnamese(client, world: World):
    response = register(client, world, lang="vi", phone="123", password="123")
    html = text_of(response)
    assert "Nhập số điện thoại di động hợp lệ tại Việt Nam, ví dụ 0912 345 678." in html
    assert "Enter a valid" not in html


def test_concurrent_duplicate_is_a_domain_error_not_a_crash(app, world: World):
    """Two registrations racing past the check still end in a clear message (unique index)."""
    user = User(
        full_name="Người Thứ Hai",
        phone=world.resident.phone,
        password_hash=hash_password(PASSWORD),
        role=Role.RESIDENT,
        ward=world.ward,
    )
    with pytest.raises(DomainError) as caught:
        services.flush_user(user)
    assert caught.value.field == "phone"
    db.session.rollback()


@pytest.mark.parametrize("login", ["0912345678", "+84912345678", "0912 345 678", "DAN@example.vn"])
def test_login_with_phone_or_email(client, world: World, login):
    response = post_form(client, "/login", {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    db.session.refresh(world.resident)
    assert world.resident.last_login_at is not None


def test_login_wrong_password_is_vague(client, world: World):
    response = post_form(client, "/login", {"login": "0912345678", "password": "wrong-pass"})
    assert response.status_code == 401
    unknown = post_form(client, "/login", {"login": "0999999999", "password": "wrong-pass"})
    assert unknown.status_code == 401
    assert "not correct" in text_of(response) or "không đúng" in text_of(response)
    assert client.get("/account").status_code == 302


def test_deactivated_account_cannot_log_in(client, world: World):
    world.resident.is_active_account = False
    db.session.commit()
    response = post_form(client, "/login", {"login": "0912345678", "password": PASSWORD})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account", "/account"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_next_only_follows_same_site_paths(client, world: World, target, expected):
    response = post_form(
        client, "/login", {"login": "0912345678", "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_logout_needs_post_with_csrf(client, world: World):
    login_as(client, world.resident)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400  # no CSRF token
    assert client.get("/account").status_code == 200
    response = post_form(client, "/logout")
    assert response.status_code == 302
    assert client.get("/account").status_code == 302


def test_change_password_logs_out_other_sessions(app, world: World):
    first, second = app.test_client(), app.test_client()
    login_as(first, world.resident)
    login_as(second, world.resident)
    response = post_form(
        first,
        "/account/password",
        {"current_password": PASSWORD, "new_password": "a-new-pass-2026"},
    )
    assert response.status_code == 302
    db.session.refresh(world.resident)
    assert verify_password(world.resident.password_hash, "a-new-pass-2026")
    assert first.get("/account").status_code == 200  # this session goes on
    assert second.get("/account").status_code == 302  # the other one is logged out


@pytest.mark.parametrize(
    ("current", "new", "field"),
    [
        ("wrong-current", "a-new-pass-2026", "current_password"),
        (PASSWORD, "12345678", "new_password"),
        (PASSWORD, "short", "new_password"),
        (PASSWORD, PASSWORD, "new_password"),
    ],
)
def test_change_password_rejections(client, world: World, current, new, field):
    login_as(client, world.resident)
    response = post_form(
        client, "/account/password", {"current_password": current, "new_password": new}
    )
    assert response.status_code == 422
    assert f'id="{field}-error"' in text_of(response)
    db.session.refresh(world.resident)
    assert verify_password(world.resident.password_hash, PASSWORD)


def test_account_page_shows_own_phone_in_full(client, world: World):
    login_as(client, world.resident)
    html = text_of(client.get("/account"))
    assert "0912 345 678" in html


def test_csrf_token_is_required_for_every_form(client, world: World):
    assert client.post("/register", data={**GOOD, "ward_id": world.ward.id}).status_code == 400
    assert (
        client.post("/login", data={"login": "0912345678", "password": PASSWORD}).status_code == 400
    )
    bad = client.post("/login", data={"login": "x", "password": "y", "csrf_token": "forged"})
    assert bad.status_code == 400
    assert csrf_token(client)  # a real token is on every page


def test_session_cookie_flags(client, world: World):
    response = post_form(client, "/login", {"login": "0912345678", "password": PASSWORD})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_resident_downloads_own_data(client, world: World):
    from conftest import make_conference

    from portal.dialogues import services as dialogue_services

    dialogue_services.book(make_conference(world.ward), user=world.resident, question="Hỏi gì?")
    db.session.commit()
    login_as(client, world.resident)
    response = client.get("/account/export.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["account"]["phone"] == "+84912345678"
    assert data["account"]["full_name"] == "Hoàng Thị Dân"
    assert data["bookings"][0]["question"] == "Hỏi gì?"
    assert world.staff.full_name not in response.get_data(as_text=True)
