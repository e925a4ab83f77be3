"""Logging in with VNeID, against a real OpenID Connect provider: the certified `oidc-provider`
(npm, pinned in tests/oidc/package-lock.json, installed by `make oidc-provider`) on the
machine's Node.js, started by these tests and driven over HTTP as a person would: log in at
the provider and consent, or refuse. Covered: a new account (only a keyed hash of the
personal ID number kept, its last 3 digits shown), the same account next time, linking
through a proven number only, and every way a sign-in can go wrong (wrong state or nonce, a
used code, a replayed callback, a refusal, the provider down) with nothing created."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
import sqlalchemy as sa
from conftest import World, csrf_token, isolate_requests, make_config, make_user, make_ward, text_of
from flask import current_app
from oidc_support import (
    AN,
    REDIRECT_URI,
    Provider,
    free_port,
    running_provider,
    vneid_settings,
)

from portal import create_app
from portal.auth import vneid
from portal.auth.models import AuthSession, Consent, ExternalIdentity, User
from portal.extensions import db, limiter

EN = {"Accept-Language": "en"}


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory) -> Iterator[Provider]:
    """One provider for the session (of each xdist worker)."""
    with running_provider(tmp_path_factory.mktemp("oidc")) as provider:
        yield provider


@pytest.fixture(scope="session")
def shared_app(database_url: str, oidc_provider: Provider):
    """This module's app (behind conftest's `app`): VNeID on, against the test provider."""
    app = isolate_requests(
        create_app(make_config(database_url, **vneid_settings(oidc_provider.issuer)))
    )
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# ---------------------------------------------------------------- driving the provider


def at_provider(authorize_url: str, account: str, decision: str = "allow") -> str:
    """What a person does at VNeID: open the address the portal sent them to, log in as
    `account` and consent (or refuse). Returns the address the provider sends them back to."""
    with requests.Session() as browser:
        response = browser.get(authorize_url, allow_redirects=False, timeout=5)
        assert response.status_code in (302, 303), response.text
        interaction = urljoin(authorize_url, response.headers["Location"])
        assert browser.get(interaction, timeout=5).json()["prompt"] == "login"
        response = browser.post(
            interaction,
            data={"account": account, "decision": decision},
            allow_redirects=False,
            timeout=5,
        )
        location = urljoin(interaction, response.headers["Location"])
        for _ in range(5):
            if location.startswith(REDIRECT_URI):
                return location
            response = browser.get(location, allow_redirects=False, timeout=5)
            assert response.status_code in (302, 303), response.text
            location = urljoin(location, response.headers["Location"])
    raise AssertionError(f"the provider never sent the person back: {location}")


def with_params(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def local(url: str) -> str:
    """The portal's path and query of an absolute address on it."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def leave_for_vneid(client, next_url: str | None = None) -> str:
    response = client.get("/login/vneid" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, text_of(response)
    location = response.headers["Location"]
    assert location.startswith(current_issuer() + "/")
    query = dict(parse_qsl(urlsplit(location).query))
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["response_type"] == "code" and query["nonce"] and query["state"]
    return location


def current_issuer() -> str:
    return current_app.config["VNEID_ISSUER"]


def vneid_login(client, account: str, decision: str = "allow", next_url: str | None = None):
    """The whole round: the portal's button, the provider, back to the portal's callback."""
    back = at_provider(leave_for_vneid(client, next_url), account, decision)
    return client.get(local(back))


def counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (User, ExternalIdentity, AuthSession, Consent)
    }


def flashed_on_login(client, response) -> str:
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    return text_of(client.get("/login"))


def every_stored_text() -> str:
    """Every value of every row of every table, as text (to look for the ID number)."""
    values = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            values.extend(str(value) for value in row)
    return "\n".join(values)


# ---------------------------------------------------------------- off unless configured


def test_off_unless_configured(app, client, world: World):
    assert "/login/vneid" in text_of(client.get("/login"))
    assert "/login/vneid" in text_of(client.get("/register"))
    app.config["VNEID_ISSUER"] = ""  # put back after the test
    assert "/login/vneid" not in text_of(client.get("/login"))
    assert "/login/vneid" not in text_of(client.get("/register"))
    for path in ("/login/vneid", "/login/vneid/callback?state=x&code=y", "/login/vneid/new"):
        assert client.get(path).status_code == 404, path


def test_the_button_in_vietnamese(client, world: World):
    page = text_of(client.get("/login", headers={"Accept-Language": "vi"}))
    assert "Đăng nhập bằng VNeID" in page


# ---------------------------------------------------------------- new accounts, and again


def test_a_first_login_makes_an_account_that_the_next_login_finds(app, client, world: World):
    before = counts()
    response = vneid_login(client, "an", next_url="/my/bookings")
    assert response.headers["Location"] == "/login/vneid/new"
    assert counts() == before  # nothing made until the person agrees
    page = text_of(client.get("/login/vneid/new"))
    assert "Nguyễn Văn An" in page and "•••••••••123" in page and AN not in page
    assert "Phường Bồ Đề" in page and "Phường Việt Hưng" in page  # two wards: a choice
    token = csrf_token(client, "/login/vneid/new")
    no_ward = client.post("/login/vneid/new", data={"csrf_token": token, "ward_id": ""})
    assert no_ward.status_code == 422 and "Choose your ward" in text_of(no_ward)
    no_consent = client.post(
        "/login/vneid/new", data={"csrf_token": token, "ward_id": str(world.other_ward.id)}
    )
    assert no_consent.status_code == 422 and "You must agree" in text_of(no_consent)
    assert counts() == before
    done = client.post(
        "/login/vneid/new",
        data={"csrf_token": token, "ward_id": str(world.other_ward.id), "consent": "y"},
    )
    assert done.status_code == 302 and done.headers["Location"] == "/my/bookings"
    user = db.session.execute(sa.select(User).where(User.phone == "+84987000001")).scalar_one()
    assert user.full_name == "Nguyễn Văn An" and user.ward_id == world.other_ward.id
    assert user.phone_verified  # the provider proved the number
    (identity,) = user.external_identities
    assert identity.provider == "vneid" and identity.id_last3 == "123"
    assert identity.subject_hash == vneid.id_hash(AN) and len(identity.subject_hash) == 64
    assert "VNeID" in user.consents[0].text and AN not in user.consents[0].text
    assert AN not in every_stored_text()  # never stored in clear, anywhere
    (signed_in,) = db.session.execute(sa.select(AuthSession)).scalars()
    assert signed_in.method == "vneid" and signed_in.user_id == user.id
    account = text_of(client.get("/account"))
    assert "Welcome, Nguyễn Văn An" in account and "•••••••••123" in account
    exported = client.get("/account/export.json").get_json()["account"]["linked_identities"]
    assert [(i["provider"], i["personal_id_last3"]) for i in exported] == [("vneid", "123")]
    # logging out ends the server's session; the next VNeID login finds the same account
    assert client.post("/logout", data={"csrf_token": csrf_token(client)}).status_code == 302
    db.session.expire_all()
    assert signed_in.ended_at is not None
    assert client.get("/account").status_code == 302
    again = vneid_login(client, "an")
    assert again.status_code == 302 and again.headers["Location"] == "/"
    assert "You are logged in with VNeID" in text_of(client.get("/"))
    assert counts()["users"] == before["users"] + 1
    assert counts()["external_identities"] == 1
    assert "•••••••••123" in text_of(client.get("/account"))


def test_with_one_ward_served_there_is_nothing_to_choose(client, app):
    ward = make_ward(130, "Phường Bồ Đề", "phuong-bo-de")
    db.session.commit()
    assert vneid_login(client, "an").headers["Location"] == "/login/vneid/new"
    page = text_of(client.get("/login/vneid/new"))
    assert 'name="ward_id"' not in page and "Phường Bồ Đề" in page
    done = client.post(
        "/login/vneid/new",
        data={"csrf_token": csrf_token(client, "/login/vneid/new"), "consent": "y"},
    )
    assert done.status_code == 302
    user = db.session.execute(sa.select(User).where(User.phone == "+84987000001")).scalar_one()
    assert user.ward_id == ward.id


def test_the_new_account_page_needs_a_confirmed_person(client, world: World):
    assert client.get("/login/vneid/new").status_code == 404


# ---------------------------------------------------------------- linking


def test_an_account_with_the_proven_number_is_linked(client, world: World):
    before = counts()
    response = vneid_login(client, "dan")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    (identity,) = db.session.execute(sa.select(ExternalIdentity)).scalars()
    assert identity.user_id == world.resident.id and identity.id_last3 == "567"
    assert counts()["users"] == before["users"]
    account = text_of(client.get("/account"))
    assert "Hoàng Thị Dân" in account and "•••••••••567" in account
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    vneid_login(client, "dan")
    assert counts()["external_identities"] == 1
    assert "Hoàng Thị Dân" in text_of(client.get("/account"))


def test_an_account_whose_number_nobody_proved_is_not_linked(client, world: World):
    make_user(ward=world.ward, name="Người Gõ Nhầm", phone="0987000002", verified=False)
    db.session.commit()
    response = vneid_login(client, "binh")
    assert response.headers["Location"] == "/login/vneid/new"  # not logged in as that account
    assert db.session.execute(sa.select(ExternalIdentity)).first() is None
    done = client.post(
        "/login/vneid/new",
        data={
            "csrf_token": csrf_token(client, "/login/vneid/new"),
            "ward_id": str(world.ward.id),
            "consent": "y",
        },
    )
    assert done.status_code == 302
    user = db.session.execute(sa.select(User).where(User.phone == "+84987000002")).scalar_one()
    assert user.full_name == "Trần Văn Bình" and user.phone_verified
    # the unproven account gave way, as it does to whoever proves the number with a code
    assert db.session.scalar(sa.select(User.id).where(User.full_name == "Người Gõ Nhầm")) is None


def test_a_number_the_provider_did_not_prove_links_nothing(client, world: World):
    response = vneid_login(client, "chi")  # the resident's number, unproven by the provider
    assert response.headers["Location"] == "/login/vneid/new"
    page = text_of(client.get("/login/vneid/new"))
    assert 'name="phone"' in page  # so the person types one
    token = csrf_token(client, "/login/vneid/new")
    taken = client.post(
        "/login/vneid/new",
        data={
            "csrf_token": token,
            "ward_id": str(world.ward.id),
            "phone": "0912345678",
            "consent": "y",
        },
    )
    assert taken.status_code == 422 and "already exists" in text_of(taken)
    done = client.post(
        "/login/vneid/new",
        data={
            "csrf_token": token,
            "ward_id": str(world.ward.id),
            "phone": "0977 111 222",
            "consent": "y",
        },
    )
    assert done.status_code == 302
    user = db.session.execute(sa.select(User).where(User.phone == "+84977111222")).scalar_one()
    assert not user.phone_verified  # to be proven by SMS, as any typed number
    assert db.session.get(User, world.resident.id).external_identities == []


def test_a_deactivated_account_is_not_logged_in(client, world: World):
    vneid_login(client, "dan")
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    world.resident.is_active_account = False
    db.session.commit()
    sessions_before = counts()["auth_sessions"]
    page = flashed_on_login(client, vneid_login(client, "dan"))
    assert "deactivated" in page
    assert counts()["auth_sessions"] == sessions_before


# ---------------------------------------------------------------- what goes wrong


def test_a_wrong_state_is_refused_and_the_sign_in_is_spent(client, world: World):
    before = counts()
    back = at_provider(leave_for_vneid(client), "dan")
    page = flashed_on_login(client, client.get(local(with_params(back, state="forged-state"))))
    assert "VNeID could not confirm this sign-in" in page
    # the genuine answer is spent too: one try per sign-in started
    page = flashed_on_login(client, client.get(local(back)))
    assert "expired or was already used" in page
    assert counts() == before


def test_a_wrong_nonce_is_refused(client, world: World):
    """The code of another authorization (here: the same one with another nonce, as an
    attacker's would be) is turned down at the ID token's nonce."""
    before = counts()
    authorize = with_params(leave_for_vneid(client), nonce="not-the-portals-nonce")
    back = at_provider(authorize, "dan")
    page = flashed_on_login(client, client.get(local(back)))
    assert "VNeID could not confirm this sign-in" in page
    assert counts() == before


def test_a_replayed_callback_and_a_used_code_are_refused(client, world: World):
    back = at_provider(leave_for_vneid(client), "dan")
    assert client.get(local(back)).headers["Location"] == "/"
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    after_first = counts()
    # the same answer again, in this browser (its sign-in is spent) or another (none started)
    page = flashed_on_login(client, client.get(local(back)))
    assert "expired or was already used" in page
    stranger = client.application.test_client()
    assert stranger.get(local(back)).headers["Location"] == "/login"
    # the used code with a new sign-in's state: the provider refuses the code
    state = dict(parse_qsl(urlsplit(leave_for_vneid(client)).query))["state"]
    page = flashed_on_login(client, client.get(local(with_params(back, state=state))))
    assert "VNeID could not confirm this sign-in" in page
    assert counts() == after_first
    assert client.get("/account").status_code == 302  # not logged in


def test_an_expired_code_is_refused(app, client, world: World, tmp_path):
    before = counts()
    with running_provider(tmp_path, code_seconds=1) as provider:
        app.config["VNEID_ISSUER"] = provider.issuer
        back = at_provider(leave_for_vneid(client), "dan")
        time.sleep(2)  # the code is valid 1 second
        page = flashed_on_login(client, client.get(local(back)))
    assert "VNeID could not confirm this sign-in" in page
    assert counts() == before


def test_a_refused_consent_logs_nobody_in(client, world: World):
    before = counts()
    response = vneid_login(client, "dan", decision="deny")
    page = flashed_on_login(client, response)
    assert "You did not agree on VNeID to share your information" in page
    assert counts() == before


def test_a_refusal_is_told_in_vietnamese(client, world: World):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "vi"
    page = flashed_on_login(client, vneid_login(client, "dan", decision="deny"))
    assert "Ông/Bà chưa đồng ý chia sẻ thông tin trên VNeID" in page


def test_no_personal_id_number_no_login(client, world: World):
    before = counts()
    page = flashed_on_login(client, vneid_login(client, "khach"))
    assert "did not send the personal ID number" in page
    assert counts() == before


def test_a_provider_that_is_down(app, client, world: World):
    app.config["VNEID_ISSUER"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    page = flashed_on_login(client, client.get("/login/vneid"))
    assert "VNeID is not answering right now" in page


def test_a_provider_that_goes_down_during_the_sign_in(app, client, world: World, tmp_path):
    before = counts()
    with running_provider(tmp_path) as provider:
        app.config["VNEID_ISSUER"] = provider.issuer
        back = at_provider(leave_for_vneid(client), "dan")
    # stopped before the portal trades the code for tokens
    page = flashed_on_login(client, client.get(local(back)))
    assert "VNeID is not answering right now" in page
    assert counts() == before


def test_the_callback_is_rate_limited(database_url, oidc_provider, world: World):
    app = isolate_requests(
        create_app(
            make_config(
                database_url,
                RATELIMIT_ENABLED=True,
                LOGIN_LIMIT_PER_IP="3 per minute",
                **vneid_settings(oidc_provider.issuer),
            )
        )
    )
    try:
        with app.app_context():
            limiter.reset()
        client = app.test_client()
        statuses = [
            client.get("/login/vneid/callback?state=x&code=y").status_code for _ in range(4)
        ]
        assert statuses == [302, 302, 302, 429]
    finally:
        with app.app_context():
            limiter.reset()
            db.engine.dispose()
