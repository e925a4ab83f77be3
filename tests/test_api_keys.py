"""Open311 API keys: only the city administrator issues and revokes them, a key is shown once
and only its hash is stored, revoked keys stop working."""

from __future__ import annotations

import hashlib

import pytest
from conftest import World, login_as, post_form, text_of

from portal.api import keys
from portal.api.models import ApiKey
from portal.domain import DomainError, PermissionDenied
from portal.extensions import db

ENGLISH = {"Accept-Language": "en"}


# ---------------------------------------------------------------- services


def test_admin_issues_a_key_of_which_only_the_hash_is_stored(world: World):
    key, raw = keys.issue_key(world.admin, "  Ứng dụng 1022  ", None)
    db.session.commit()
    assert len(raw) >= 40
    assert key.name == "Ứng dụng 1022" and key.ward_id is None and key.active
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert key.prefix == raw[:8]
    assert key.created_by_id == world.admin.id and key.last_used_at is None
    stored = db.session.execute(db.select(ApiKey.name, ApiKey.prefix, ApiKey.key_hash)).one()
    assert raw not in "".join(stored)


def test_keys_are_different_every_time(world: World):
    first = keys.issue_key(world.admin, "A", None)[1]
    second = keys.issue_key(world.admin, "A", None)[1]
    assert first != second


@pytest.mark.parametrize("role", ["staff", "chairman", "supervisor", "resident"])
def test_only_the_admin_manages_keys(world: World, role: str):
    user = world.by_name(role)
    with pytest.raises(PermissionDenied):
        keys.issue_key(user, "Ứng dụng", None)
    key, _raw = keys.issue_key(world.admin, "Ứng dụng", None)
    with pytest.raises(PermissionDenied):
        keys.revoke_key(user, key)
    assert key.active


@pytest.mark.parametrize("name", ["", "   ", "x" * 121])
def test_a_key_needs_a_short_name(world: World, english, name: str):
    with pytest.raises(DomainError) as caught:
        keys.issue_key(world.admin, name, None)
    assert caught.value.field == "name"


@pytest.mark.parametrize("ward", ["unserved_ward", None])
def test_a_key_is_for_a_served_ward(world: World, english, ward):
    ward_id = getattr(world, ward).id if ward else 999_999
    with pytest.raises(DomainError) as caught:
        keys.issue_key(world.admin, "Ứng dụng", ward_id)
    assert caught.value.field == "ward_id"
    assert str(caught.value.message) == "Choose a ward the portal serves."


def test_ward_key(world: World):
    key, _raw = keys.issue_key(world.admin, "Ứng dụng Bồ Đề", world.ward.id)
    assert key.ward_id == world.ward.id and key.ward.name == "Phường Bồ Đề"


def test_authenticate(world: World):
    key, raw = keys.issue_key(world.admin, "Ứng dụng", None)
    assert keys.authenticate(raw) is key
    assert key.last_used_at is not None
    for wrong in (None, "", raw[:-1], raw + "x", raw.upper(), "x" * 10_000):
        assert keys.authenticate(wrong) is None
    assert keys.authenticate(f"  {raw} ") is key


def test_revoking_is_recorded_and_idempotent(world: World):
    key, raw = keys.issue_key(world.admin, "Ứng dụng", None)
    keys.revoke_key(world.admin, key)
    revoked_at = key.revoked_at
    assert revoked_at is not None and key.revoked_by_id == world.admin.id and not key.active
    assert keys.authenticate(raw) is None
    keys.revoke_key(world.admin, key)
    assert key.revoked_at == revoked_at


def test_list_keys_shows_active_ones_first(world: World):
    old, _raw = keys.issue_key(world.admin, "Cũ", None)
    new, _raw = keys.issue_key(world.admin, "Mới", world.ward.id)
    keys.revoke_key(world.admin, new)
    assert keys.list_keys() == [old, new]


# ---------------------------------------------------------------- the admin's pages


def test_admin_menu_links_to_the_keys(client, world: World):
    login_as(client, world.admin)
    assert 'href="/manage/api-keys/"' in text_of(client.get("/", headers=ENGLISH))
    login_as(client, world.chairman)
    assert 'href="/manage/api-keys/"' not in text_of(client.get("/", headers=ENGLISH))


def test_list_page(client, world: World):
    key, raw = keys.issue_key(world.admin, "Tổng đài 1022", world.ward.id)
    keys.revoke_key(world.admin, keys.issue_key(world.admin, "Ứng dụng cũ", None)[0])
    db.session.commit()
    login_as(client, world.admin)
    response = client.get("/manage/api-keys/", headers=ENGLISH)
    html = text_of(response)
    assert response.status_code == 200
    assert "Tổng đài 1022" in html and f"{key.prefix}…" in html and "Phường Bồ Đề" in html
    assert "Never" in html and "Revoked" in html and "Ứng dụng cũ" in html
    assert raw not in html and key.key_hash not in html
    assert html.count("/revoke") == 1  # only the active key can be revoked
    # the form offers the served wards, or all of them
    assert 'value="">All served wards</option>' in html
    assert f'value="{world.other_ward.id}"' in html
    assert f'value="{world.unserved_ward.id}"' not in html


def test_issuing_shows_the_key_once(client, world: World):
    login_as(client, world.admin)
    response = post_form(
        client,
        "/manage/api-keys/",
        {"name": "Tổng đài 1022", "ward_id": str(world.ward.id)},
        headers=ENGLISH,
    )
    html = text_of(response)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    key = db.session.execute(db.select(ApiKey)).scalar_one()
    assert key.name == "Tổng đài 1022" and key.ward_id == world.ward.id
    raw = html.split('id="api-key">', 1)[1].split("<", 1)[0]
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert "only time it is shown" in html
    # never again: not on the list, not in a later page's flashes
    assert raw not in text_of(client.get("/manage/api-keys/"))
    assert raw not in text_of(client.get("/"))
    with client.session_transaction() as session:
        assert raw not in repr(dict(session))
    assert keys.authenticate(raw) is not None


def test_issuing_for_every_ward(client, world: World):
    login_as(client, world.admin)
    response = post_form(client, "/manage/api-keys/", {"name": "Ứng dụng", "ward_id": ""})
    assert response.status_code == 200
    assert db.session.execute(db.select(ApiKey.ward_id)).scalar_one() is None


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": "", "ward_id": ""}, "name"),
        ({"name": "x" * 121, "ward_id": ""}, "name"),
        ({"name": "Ứng dụng", "ward_id": "unserved"}, "ward_id"),
    ],
)
def test_issuing_with_bad_input_shows_the_form_again(client, world: World, form, field):
    if form["ward_id"] == "unserved":
        form = {**form, "ward_id": str(world.unserved_ward.id)}
    login_as(client, world.admin)
    response = post_form(client, "/manage/api-keys/", form, headers=ENGLISH)
    assert response.status_code == 422
    assert f'id="{field}-error"' in text_of(response)
    assert db.session.execute(db.select(ApiKey.id)).first() is None


def test_revoking_from_the_page(client, world: World):
    key, raw = keys.issue_key(world.admin, "Tổng đài 1022", None)
    db.session.commit()
    login_as(client, world.admin)
    response = post_form(client, f"/manage/api-keys/{key.id}/revoke", headers=ENGLISH)
    assert response.status_code == 302
    assert response.headers["Location"] == "/manage/api-keys/"
    assert "The key Tổng đài 1022 has been revoked." in text_of(
        client.get("/manage/api-keys/", headers=ENGLISH)
    )
    db.session.expire_all()
    assert not db.session.get(ApiKey, key.id).active
    assert keys.authenticate(raw) is None
    assert post_form(client, "/manage/api-keys/999999/revoke").status_code == 404


def test_posting_needs_the_csrf_token(client, world: World):
    key, _raw = keys.issue_key(world.admin, "Tổng đài 1022", None)
    db.session.commit()
    login_as(client, world.admin)
    assert client.post("/manage/api-keys/", data={"name": "Ứng dụng"}).status_code == 400
    assert client.post(f"/manage/api-keys/{key.id}/revoke").status_code == 400
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).active


@pytest.mark.parametrize("role", ["resident", "staff", "chairman", "supervisor"])
def test_others_may_not_manage_keys(client, world: World, role: str):
    key, _raw = keys.issue_key(world.admin, "Tổng đài 1022", None)
    db.session.commit()
    login_as(client, world.by_name(role))
    assert client.get("/manage/api-keys/").status_code == 403
    assert post_form(client, "/manage/api-keys/", {"name": "Ứng dụng"}).status_code == 403
    assert post_form(client, f"/manage/api-keys/{key.id}/revoke").status_code == 403
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).active
    assert len(keys.list_keys()) == 1


def test_anonymous_visitors_are_sent_to_log_in(client, world: World):
    response = client.get("/manage/api-keys/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_key_names_are_escaped(client, world: World):
    login_as(client, world.admin)
    created = text_of(post_form(client, "/manage/api-keys/", {"name": "<b>App</b>", "ward_id": ""}))
    listed = text_of(client.get("/manage/api-keys/"))
    for html in (created, listed):
        assert "<b>App</b>" not in html and "&lt;b&gt;App&lt;/b&gt;" in html
