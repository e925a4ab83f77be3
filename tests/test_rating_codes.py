"""The slip's short rating code, for residents who cannot scan: the receipt number and 6
characters (no 0/O, 1/I), typed on the ward's rating page. It is the link's one-time
permission (used, replaced and expired with it), kept as a keyed hash, and every code that
cannot be used gets one neutral 404, counted by the lookup throttle. And the call-back
number a dissatisfied resident may leave, with its own consent: the case can then be
answered; it is masked but for the case's officers and erased after the case is closed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as, post_form, text_of
from test_lookup_limits import ME, lookup_app  # noqa: F401 - the fixture
from test_satisfaction_views import EN, LINK_RE, count, make_dossier

from portal.codes import CODE_ALPHABET
from portal.db import utcnow
from portal.extensions import db
from portal.feedback import policy as feedback_policy
from portal.feedback import workflow as feedback_workflow
from portal.feedback.models import Feedback
from portal.privacy import retention
from portal.satisfaction import dossiers as satisfaction_dossiers
from portal.satisfaction.models import Dossier, RatingChannel
from portal.satisfaction.models import SatisfactionRating as Rating

CODE_RE = re.compile(r'<strong class="code">([A-Z0-9]{3}-[A-Z0-9]{3})</strong>')
MISS = "This receipt number and rating code cannot be used."


def slip(client, world: World, number: str = "BN-S1") -> tuple[Dossier, str, str]:
    """A dossier returned at the desk: its slip's link token and short code."""
    item = make_dossier(world, number)
    login_as(client, world.staff)
    html = text_of(post_form(client, f"/staff/satisfaction/dossiers/{item.id}/return", {}))
    login_as(client, None)
    return item, LINK_RE.search(html).group(1), CODE_RE.search(html).group(1)


def enter(client, world: World, number: str, code: str, ward=None, **fields):
    path = f"/wards/{(ward or world.ward).slug}/rate"
    step = "rate" if fields else "code"
    data = {"receipt_number": number, "code": code, "step": step, **fields}
    return post_form(client, path, data, headers=EN)


def test_the_slip_prints_the_code_and_stores_only_its_keyed_hash(client, world: World):
    item, _raw, code = slip(client, world)
    letters = code.replace("-", "")
    assert len(letters) == 6 and set(letters) <= set(CODE_ALPHABET)
    assert not set(letters) & set("0O1I")
    db.session.refresh(item)
    assert item.short_code_hash and letters not in item.short_code_hash
    assert len(item.short_code_hash) == 64


def test_a_resident_rates_with_the_code(client, world: World):
    item, raw, code = slip(client, world)
    page = client.get(f"/wards/{world.ward.slug}/rate", headers=EN)
    assert page.status_code == 200 and "Rating code" in text_of(page)
    step = enter(client, world, item.receipt_number, code.lower().replace("-", " "))
    html = text_of(step)
    assert step.status_code == 200 and step.headers["Cache-Control"] == "no-store"
    assert 'name="step" value="rate"' in html and "Very satisfied" in html
    assert count(Rating) == 0  # the code step records nothing
    long = enter(client, world, item.receipt_number, code, level="satisfied", comment="x" * 2001)
    html = text_of(long)
    assert long.status_code == 422 and 'name="step" value="rate"' in html  # kept on the rating
    assert "At most 2000 characters" in html and count(Rating) == 0
    missing = enter(client, world, item.receipt_number, code, level="")
    assert missing.status_code == 422 and "Choose one of the three answers." in text_of(missing)
    done = enter(client, world, item.receipt_number, code, level="satisfied", comment="Nhanh")
    assert done.status_code == 302 and done.headers["Location"] == "/r/thanks"
    rating = db.session.execute(sa.select(Rating)).scalar_one()
    assert rating.channel == RatingChannel.CODE and rating.comment == "Nhanh"
    assert client.get(f"/r/{raw}").status_code == 404  # one permission: the link is used up
    again = enter(client, world, item.receipt_number, code, level="satisfied")
    assert again.status_code == 404 and MISS in text_of(again) and count(Rating) == 1


def test_every_code_that_cannot_be_used_looks_alike(client, world: World):
    item, _raw, code = slip(client, world)
    other_item, _other_raw, other_code = slip(client, world, "BN-S2")
    wrong = "".join("A" if ch != "A" else "B" for ch in code.replace("-", ""))
    answers = set()
    for number, typed, ward in [
        ("BN-NOPE", code, None),  # unknown receipt
        (item.receipt_number, wrong, None),  # wrong code
        (item.receipt_number, other_code, None),  # another dossier's code
        (item.receipt_number, code + "Z", None),  # too long
        (item.receipt_number, "³³³³³³", None),
        (item.receipt_number, code, world.other_ward),  # asked on another ward's page
    ]:
        response = enter(client, world, number, typed, ward)
        assert response.status_code == 404, (number, typed)
        html = text_of(response)
        assert MISS in html and 'name="step" value="rate"' not in html
        main = html.split("<main", 1)[1].split('name="csrf_token"', 1)[0]
        answers.add(main.replace((ward or world.ward).name, "the ward"))
    assert len(answers) == 1  # the same answer, whatever the reason
    # A lost slip reissued: the old code stops working, the new one works.
    login_as(client, world.staff)
    html = text_of(post_form(client, f"/staff/satisfaction/dossiers/{item.id}/return", {}))
    new_code = CODE_RE.search(html).group(1)
    login_as(client, None)
    assert enter(client, world, item.receipt_number, code).status_code == 404 or new_code == code
    assert enter(client, world, item.receipt_number, new_code).status_code == 200
    # Expired with the link.
    db.session.refresh(other_item)
    other_item.token_expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert enter(client, world, other_item.receipt_number, other_code).status_code == 404


def test_guessing_codes_is_throttled(lookup_app, world: World):  # noqa: F811
    item = make_dossier(world, "BN-S3")
    satisfaction_dossiers.return_dossier(world.staff, item)
    db.session.commit()
    client = lookup_app.test_client()
    path = f"/wards/{world.ward.slug}/rate"
    for guess in ("AAAAAA", "AAAAAB", "AAAAAC"):
        data = {"receipt_number": "BN-S3", "code": guess, "step": "code"}
        assert post_form(client, path, data, environ_base=ME).status_code == 404
    data = {"receipt_number": "BN-S3", "code": "AAAAAD", "step": "code"}
    assert post_form(client, path, data, environ_base=ME).status_code == 429


# ---------------------------------------------------------------- the call-back number


def test_a_dissatisfied_resident_leaves_a_number_to_be_called_back(client, world: World):
    _item, raw, _code = slip(client, world)
    page = text_of(client.get(f"/r/{raw}", headers=EN))
    assert (
        'name="callback_consent"' in page
        and "checked" not in page.split("callback_consent")[1][:80]
    )
    fields = {"level": "dissatisfied", "reason": "Chờ lâu", "callback_phone": "0912 345 678"}
    unconsented = post_form(client, f"/r/{raw}", fields, headers=EN)
    assert unconsented.status_code == 422 and "Tick the box" in text_of(unconsented)
    bad = post_form(client, f"/r/{raw}", {**fields, "callback_phone": "123"}, headers=EN)
    assert bad.status_code == 422 and "Enter a Vietnamese mobile number" in text_of(bad)
    assert count(Rating) == 0 and count(Feedback) == 0  # nothing half-saved
    done = post_form(client, f"/r/{raw}", {**fields, "callback_consent": "y"}, headers=EN)
    assert done.status_code == 302
    rating = db.session.execute(sa.select(Rating)).scalar_one()
    case = db.session.get(Feedback, rating.feedback_id)
    assert case.contact_phone == "+84912345678" and feedback_policy.reachable(case)
    assert rating.callback_consent_at is not None
    assert "only to contact me about it" in rating.callback_consent_text
    # The officers handling the case see the number and may reply; the supervisor sees it masked.
    login_as(client, world.staff)
    html = text_of(client.get(f"/staff/feedback/{case.id}", headers=EN))
    assert "0912 345 678" in html and f'action="/staff/feedback/{case.id}/reply"' in html
    login_as(client, world.supervisor)
    html = text_of(client.get(f"/staff/feedback/{case.id}", headers=EN))
    assert "091••••678" in html and "0912 345 678" not in html


def test_without_a_number_the_case_is_resolved_internally(client, world: World):
    _item, raw, _code = slip(client, world)
    fields = {"level": "dissatisfied", "reason": "Chờ lâu", "callback_consent": "y"}
    assert post_form(client, f"/r/{raw}", fields).status_code == 302
    case = db.session.execute(sa.select(Feedback)).scalar_one()
    assert case.contact_phone == "" and not feedback_policy.reachable(case)
    rating = db.session.execute(sa.select(Rating)).scalar_one()
    assert rating.callback_consent_at is None and rating.callback_consent_text == ""
    login_as(client, world.staff)
    html = text_of(client.get(f"/staff/feedback/{case.id}", headers=EN))
    assert f'action="/staff/feedback/{case.id}/reply"' not in html
    assert f'action="/staff/feedback/{case.id}/outcome"' in html


def test_a_satisfied_rating_keeps_no_number(client, world: World):
    _item, raw, _code = slip(client, world)
    fields = {"level": "satisfied", "callback_phone": "0912345678", "callback_consent": "y"}
    assert post_form(client, f"/r/{raw}", fields).status_code == 302
    rating = db.session.execute(sa.select(Rating)).scalar_one()
    assert rating.feedback_id is None and rating.callback_consent_at is None


@pytest.mark.parametrize("days, kept", [(29, True), (31, False)])
def test_retention_erases_the_number_after_the_case_is_closed(client, world, days, kept):
    _item, raw, _code = slip(client, world)
    fields = {
        "level": "dissatisfied",
        "reason": "Chờ lâu",
        "callback_phone": "0912345678",
        "callback_consent": "y",
    }
    assert post_form(client, f"/r/{raw}", fields).status_code == 302
    case = db.session.execute(sa.select(Feedback)).scalar_one()
    feedback_workflow.reply(world.staff, case, "Đã gọi lại cho Ông/Bà.", answer=True)
    feedback_workflow.close(world.staff, case)
    db.session.commit()
    assert retention.run(now=utcnow() + timedelta(days=days)).callbacks == (0 if kept else 1)
    db.session.commit()
    db.session.refresh(case)
    assert (case.contact_phone == "+84912345678") is kept
