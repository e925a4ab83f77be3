"""Residents choose, per purpose, how the ward's messages reach them: each choice is a
consent (wording, version, time), withdrawable; messages then follow it. Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from conftest import World, login_as, make_conference, make_user, post_form, text_of

from portal.auth.models import Consent, ConsentPurpose, Role
from portal.dialogues import services
from portal.extensions import db
from portal.notifications import preferences
from portal.notifications.models import Channel, OutboxMessage

EN = {"Accept-Language": "en"}


def messages_to(user_id: int, kind: str) -> list[OutboxMessage]:
    db.session.rollback()
    query = sa.select(OutboxMessage).where(
        OutboxMessage.user_id == user_id, OutboxMessage.kind == kind
    )
    return list(db.session.execute(query).scalars())


def choose(client, **choices):
    form = {"updates": "email", "reminders": "email", "news": "none", **choices}
    return post_form(client, "/account/messages", form, headers=EN)


def test_without_a_choice_updates_and_reminders_go_news_do_not(app, world: World):
    phone_only = make_user(Role.RESIDENT, world.ward, email=None)
    assert preferences.choices(world.resident) == {
        ConsentPurpose.UPDATES: Channel.EMAIL,
        ConsentPurpose.REMINDERS: Channel.EMAIL,
        ConsentPurpose.NEWS: None,
    }
    assert preferences.choices(phone_only)[ConsentPurpose.UPDATES] == Channel.SMS
    app.config["OUTBOX_ZALO_SENDER"] = "log"  # the ward sends Zalo messages
    assert preferences.choices(phone_only)[ConsentPurpose.UPDATES] == Channel.ZALO
    assert preferences.channels_for(phone_only) == [Channel.ZALO, Channel.SMS]


def test_a_resident_turns_reminders_off_and_gets_none(app, world: World):
    client = login_as(app.test_client(), world.resident)
    answer = choose(client, reminders="none")
    assert answer.status_code == 302 and answer.headers["Location"] == "/account"
    tomorrow = make_conference(world.ward, starts_in=timedelta(hours=20))
    services.book(tomorrow, user=world.resident)
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["dialogues", "queue-reminders"])

    assert "Queued 0 reminders." in result.output
    assert messages_to(world.resident.id, "booking_reminder") == []
    assert len(messages_to(world.resident.id, "booking_confirmed")) == 1  # updates still go
    (withdrawn,) = db.session.execute(
        sa.select(Consent).where(Consent.purpose == ConsentPurpose.REMINDERS)
    ).scalars()
    assert withdrawn.withdrawn_at is not None and withdrawn.channel == "email"


def test_updates_by_sms_instead_of_e_mail_are_a_recorded_consent(app, world: World):
    client = login_as(app.test_client(), world.resident)
    assert choose(client, updates="sms").status_code == 302

    services.book(make_conference(world.ward), user=world.resident)
    db.session.commit()

    (message,) = messages_to(world.resident.id, "booking_confirmed")
    assert message.channel == Channel.SMS and message.address == world.resident.phone
    (consent,) = db.session.execute(
        sa.select(Consent).where(Consent.purpose == ConsentPurpose.UPDATES)
    ).scalars()
    assert consent.channel == "sms" and consent.withdrawn_at is None
    assert consent.policy_version == app.config["PRIVACY_POLICY_VERSION"]
    assert "SMS" in consent.text and "UBND phường Bồ Đề" in consent.text


def test_news_given_then_withdrawn_keeps_both_moments(app, world: World):
    client = login_as(app.test_client(), world.resident)
    choose(client, news="sms")
    assert preferences.channel_for(world.resident, ConsentPurpose.NEWS) == Channel.SMS
    choose(client, news="none")

    db.session.rollback()
    (news,) = db.session.execute(
        sa.select(Consent).where(Consent.purpose == ConsentPurpose.NEWS)
    ).scalars()
    assert news.channel == "sms" and news.withdrawn_at >= news.given_at
    assert preferences.channel_for(world.resident, ConsentPurpose.NEWS) is None
    page = text_of(client.get("/account", headers=EN))
    assert "Withdrawn on" in page and "How the ward contacts me" in page


def test_saving_the_defaults_makes_them_consents_and_saving_again_nothing(app, world: World):
    def standing() -> list[tuple[str, str]]:
        db.session.rollback()
        rows = db.session.execute(
            sa.select(Consent.purpose, Consent.channel)
            .where(Consent.purpose != "account", Consent.withdrawn_at.is_(None))
            .order_by(Consent.id)
        )
        return [tuple(row) for row in rows]

    client = login_as(app.test_client(), world.resident)
    choose(client)  # the defaults, as shown
    assert standing() == [("updates", "email"), ("reminders", "email")]
    choose(client)
    assert standing() == [("updates", "email"), ("reminders", "email")]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Consent)).scalar_one() == 2


def test_updates_cannot_be_turned_off_nor_sent_to_a_missing_address(app, world: World):
    phone_only = make_user(Role.RESIDENT, world.ward, email=None)
    db.session.commit()
    client = login_as(app.test_client(), phone_only)

    page = client.get("/account/messages", headers=EN)
    assert page.status_code == 200 and 'value="email"' not in text_of(page)
    assert 'name="updates" type="radio" value="none"' not in text_of(page)
    off = choose(client, updates="none", reminders="sms")
    assert off.status_code == 422
    by_mail = choose(client, updates="email", reminders="sms")
    assert by_mail.status_code == 422 and "Not a valid choice" in text_of(by_mail)
    db.session.rollback()
    assert (
        db.session.execute(
            sa.select(Consent).where(Consent.user_id == phone_only.id, Consent.purpose != "account")
        ).first()
        is None
    )
