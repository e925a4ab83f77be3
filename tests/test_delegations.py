"""Delegated signing (issue 16): the chairman's delegations (ủy quyền ký), who signed each
returned dossier (the desk's return, the CSV import, the API), the dashboard's table, the
audit entries and the demo data. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import login_as, make_user, post_form, text_of
from flask_babel import force_locale

from portal.audit.labels import DETAILS
from portal.audit.models import AuditEntry
from portal.auth.models import Role
from portal.dashboard import signing, tables
from portal.dashboard.periods import Period
from portal.dashboard.services import WardDashboard
from portal.db import utcnow
from portal.domain import DomainError, PermissionDenied, StateConflict
from portal.extensions import db
from portal.satisfaction import catalogue, delegations, dossiers, exchange, policy
from portal.satisfaction.models import Delegation, Dossier
from portal.satisfaction.policy import DelegationAction
from portal.timeutil import local_zone

COPY, SIGNATURE, MARRIAGE = "2.000815", "2.000884", "1.000894"
NOVEMBER = Period("month", date(2026, 11, 1), date(2026, 12, 1))


def local(y, m, d, hh=9, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=local_zone())


def procedure(world, code):
    return next(p for p in catalogue.procedures(world.ward.id) if p.code == code)


def delegate(world, number="15/QĐ-UBND", codes=(COPY, SIGNATURE), start=None, end=None, **kw):
    start = start or date(2026, 10, 1)
    data = delegations.DelegationInput(
        decision_number=number,
        decision_date=kw.pop("decision_date", start),
        officer_id=kw.pop("officer_id", world.staff.id),
        procedure_ids=[procedure(world, c).id for c in codes],
        valid_from=start,
        valid_to=end or date(2026, 12, 31),
    )
    return delegations.create_delegation(world.chairman, data, now=local(2026, 10, 1))


def dossier(world, number, code=COPY, received=None) -> Dossier:
    data = dossiers.DossierInput(
        procedure_id=procedure(world, code).id,
        receipt_number=number,
        received_at=received or local(2026, 11, 2),
    )
    return dossiers.register_dossier(world.staff, world.ward.id, data)


def problems(call) -> dict:
    with pytest.raises(DomainError) as caught:
        call()
    return {
        k: str(v)
        for k, v in (caught.value.errors or {caught.value.field: caught.value.message}).items()
    }


# ---------------------------------------------------------------- the lifecycle


def test_lifecycle_table(world):
    other_chairman = make_user(Role.CHAIRMAN, world.other_ward)
    item = delegate(world)
    now = local(2026, 11, 10)
    expected = {
        "chairman": {DelegationAction.VIEW, DelegationAction.REVOKE},
        "staff": {DelegationAction.VIEW},
        "supervisor": {DelegationAction.VIEW},
        "staff_other": set(),
        "resident": set(),
        "admin": set(),
    }
    for name, actions in expected.items():
        assert policy.delegation_actions(world.by_name(name), item, now) == actions, name
    assert policy.delegation_actions(other_chairman, item, now) == set()
    assert policy.delegation_actions(None, item, now) == set()
    # Ended: it can no longer be revoked; revoked: neither.
    assert policy.delegation_actions(world.chairman, item, local(2027, 1, 2)) == {
        DelegationAction.VIEW
    }
    delegations.revoke(world.chairman, item, now=now)
    assert policy.delegation_actions(world.chairman, item, now) == {DelegationAction.VIEW}
    with pytest.raises(StateConflict):
        delegations.revoke(world.chairman, item, now=now)
    with pytest.raises(PermissionDenied):
        delegations.revoke(world.staff, item, now=now)
    assert policy.may_delegate(world.chairman, world.ward.id)
    assert not policy.may_delegate(world.staff, world.ward.id)


# ---------------------------------------------------------------- recording and revoking


def test_create_checks_every_field(world):
    other_staff = world.staff_other
    with force_locale("en"):
        found = problems(
            lambda: delegations.create_delegation(
                world.chairman,
                delegations.DelegationInput(
                    decision_number="",
                    decision_date=date(2026, 10, 5),
                    officer_id=other_staff.id,  # an officer of another ward
                    procedure_ids=[],
                    valid_from=date(2026, 10, 1),  # before the decision
                    valid_to=date(2026, 9, 1),  # reversed
                ),
            )
        )
    assert set(found) == {
        "decision_number",
        "officer_id",
        "procedure_ids",
        "valid_from",
        "valid_to",
    }
    assert "before the first day" in found["valid_to"]
    assert "at least one procedure" in found["procedure_ids"]
    assert "officer of this ward" in found["officer_id"]
    # The chairman himself, another ward's procedure: refused too.
    foreign = catalogue.procedures(world.other_ward.id)[0]
    found = problems(
        lambda: delegations.create_delegation(
            world.chairman,
            delegations.DelegationInput(
                "16/QĐ-UBND",
                date(2026, 10, 1),
                world.chairman.id,
                [foreign.id],
                date(2026, 10, 1),
                date(2026, 10, 2),
            ),
        )
    )
    assert set(found) == {"officer_id", "procedure_ids"}
    with pytest.raises(PermissionDenied):
        delegations.create_delegation(
            world.staff,
            delegations.DelegationInput("1", date(2026, 10, 1), world.staff.id, []),
        )


def test_duplicate_decision_number_in_the_ward_only(world):
    delegate(world, number="15/QĐ-UBND")
    with force_locale("en"):
        found = problems(lambda: delegate(world, number="15/QĐ-UBND"))
    assert found == {
        "decision_number": "This ward already has a delegation with this decision number."
    }
    other_chairman = make_user(Role.CHAIRMAN, world.other_ward)
    other_officer = world.staff_other
    copy = next(p for p in catalogue.procedures(world.other_ward.id) if p.code == COPY)
    item = delegations.create_delegation(
        other_chairman,
        delegations.DelegationInput(
            "15/QĐ-UBND", date(2026, 10, 1), other_officer.id, [copy.id], date(2026, 10, 1),
            date(2026, 10, 31),
        ),
    )  # fmt: skip
    assert item.ward_id == world.other_ward.id


def test_chairman_records_and_revokes_on_the_page(client, world):
    login_as(client, world.chairman)
    page = client.get("/staff/satisfaction/delegations")
    assert page.status_code == 200 and "Ủy quyền ký" in text_of(page)
    bad = post_form(
        client,
        "/staff/satisfaction/delegations",
        {
            "decision_number": "20/QĐ-UBND",
            "decision_date": "2026-10-01",
            "officer_id": str(world.staff.id),
            "valid_from": "2026-10-01",
            "valid_to": "2026-09-30",
        },
    )
    body = text_of(bad)
    assert bad.status_code == 422
    assert "Ngày kết thúc không được trước ngày bắt đầu." in body
    assert "Chọn ít nhất một thủ tục trong danh mục của phường." in body
    good = post_form(
        client,
        "/staff/satisfaction/delegations",
        {
            "decision_number": "20/QĐ-UBND",
            "decision_date": "2026-10-01",
            "officer_id": str(world.staff.id),
            "procedure_ids": [str(procedure(world, COPY).id), str(procedure(world, SIGNATURE).id)],
            "valid_from": "2026-10-01",
            "valid_to": "2099-12-31",
        },
    )
    assert good.status_code == 302
    item = db.session.execute(sa.select(Delegation)).scalar_one()
    assert {p.code for p in item.procedures} == {COPY, SIGNATURE}
    listed = text_of(client.get("/staff/satisfaction/delegations"))
    assert "Quyết định số 20/QĐ-UBND" in listed and "Đang có hiệu lực" in listed
    revoked = post_form(client, f"/staff/satisfaction/delegations/{item.id}/revoke")
    assert revoked.status_code == 302
    db.session.expire_all()
    assert db.session.get(Delegation, item.id).revoked_at is not None  # kept, never deleted
    entries = {
        e.action: e
        for e in db.session.execute(
            sa.select(AuditEntry).where(AuditEntry.action.like("%delegation"))
        ).scalars()
    }
    created = entries["satisfaction_staff.create_delegation"]
    assert (created.target_type, created.target_id) == ("delegation", item.id)
    assert created.detail["decision_number"] == "20/QĐ-UBND"
    assert set(created.detail["procedures"].split(",")) == {COPY, SIGNATURE}
    assert set(created.detail) == {
        "decision_number",
        "officer_id",
        "valid_from",
        "valid_to",
        "procedures",
    }
    revoked_entry = entries["satisfaction_staff.revoke_delegation"]
    assert revoked_entry.target_id == item.id
    assert set(revoked_entry.detail) == {"decision_number", "revoked_at"}
    for key in set(created.detail) | set(revoked_entry.detail):
        with force_locale("vi"):
            vietnamese = str(DETAILS[key])
        with force_locale("en"):
            english = str(DETAILS[key])
        assert vietnamese != english, f"{key} has no Vietnamese name"


def test_other_ward_gets_403_and_missing_404(client, world):
    item = delegate(world)
    db.session.commit()
    other_chairman = make_user(Role.CHAIRMAN, world.other_ward)
    db.session.commit()
    login_as(client, other_chairman)
    assert post_form(client, f"/staff/satisfaction/delegations/{item.id}/revoke").status_code == 403
    assert post_form(client, "/staff/satisfaction/delegations/999999/revoke").status_code == 404
    listed = text_of(client.get("/staff/satisfaction/delegations"))
    assert "15/QĐ-UBND" not in listed
    db.session.expire_all()
    assert db.session.get(Delegation, item.id).revoked_at is None


# ---------------------------------------------------------------- returning a dossier


def test_return_with_a_valid_delegation_records_the_officer(world):
    item = delegate(world)
    copy = dossier(world, "BN-1")
    dossiers.return_dossier(world.staff, copy, now=local(2026, 11, 4), delegation_id=item.id)
    assert (copy.signed_by_id, copy.delegation_id) == (world.staff.id, item.id)
    chairman_signed = dossier(world, "BN-2")
    dossiers.return_dossier(world.staff, chairman_signed, now=local(2026, 11, 4))
    assert (chairman_signed.signed_by_id, chairman_signed.delegation_id) == (
        world.chairman.id,
        None,
    )
    # A new slip keeps what was recorded; revoking later changes nothing already signed.
    delegations.revoke(world.chairman, item, now=local(2026, 11, 5))
    dossiers.return_dossier(world.staff, copy, now=local(2026, 11, 6))
    assert copy.delegation_id == item.id
    dossiers.return_dossier(world.staff, copy, now=local(2026, 11, 6), delegation_id=item.id)
    assert copy.delegation_id == item.id  # checked at the return's moment, when it was valid


@pytest.mark.parametrize(
    "case", ["expired", "not_yet", "revoked", "wrong_procedure", "officer_gone"]
)
def test_return_refuses_a_delegation_that_cannot_sign(world, case):
    copy = dossier(world, "BN-9")
    if case == "expired":
        item = delegate(world, start=date(2026, 10, 1), end=date(2026, 10, 31))
        message = delegations.ENDED
    elif case == "not_yet":
        item = delegate(world, start=date(2026, 11, 20), end=date(2026, 12, 31))
        message = delegations.NOT_YET
    elif case == "revoked":
        item = delegate(world)
        delegations.revoke(world.chairman, item, now=local(2026, 11, 3))
        message = delegations.REVOKED
    elif case == "wrong_procedure":
        item = delegate(world, codes=(SIGNATURE,))
        message = delegations.OTHER_PROCEDURE
    else:
        item = delegate(world)
        world.staff.is_active_account = False
        db.session.flush()
        message = delegations.OFFICER_GONE
    with pytest.raises(DomainError) as caught:
        dossiers.return_dossier(world.chairman, copy, now=local(2026, 11, 4), delegation_id=item.id)
    assert (caught.value.field, str(caught.value.message)) == ("signer", str(message))


def test_the_return_form_offers_only_usable_delegations(client, world):
    now = utcnow()
    today = now.astimezone(local_zone()).date()
    good = delegate(
        world, number="1/QĐ", start=today - timedelta(days=10), end=today + timedelta(days=10)
    )
    delegate(world, number="2/QĐ", start=today - timedelta(days=30), end=today - timedelta(days=20))
    delegate(
        world,
        number="3/QĐ",
        codes=(SIGNATURE,),
        start=today - timedelta(days=10),
        end=today + timedelta(days=10),
    )
    copy = dossier(world, "BN-5", received=now - timedelta(hours=2))
    db.session.commit()
    login_as(client, world.staff)
    page = text_of(client.get(f"/staff/satisfaction/dossiers/{copy.id}"))
    assert f'value="{good.id}"' in page and "Quyết định số 1/QĐ" in page
    assert "2/QĐ" not in page and "3/QĐ" not in page
    assert "KT. CHỦ TỊCH" in page
    slip = post_form(
        client, f"/staff/satisfaction/dossiers/{copy.id}/return", {"signer": str(good.id)}
    )
    assert slip.status_code == 200
    db.session.expire_all()
    signed = db.session.get(Dossier, copy.id)
    assert (signed.signed_by_id, signed.delegation_id) == (world.staff.id, good.id)
    shown = text_of(client.get(f"/staff/satisfaction/dossiers/{copy.id}"))
    assert "ký thay Chủ tịch (KT. CHỦ TỊCH), theo Quyết định số 1/QĐ" in shown


def test_the_return_page_refuses_a_forged_choice(client, world):
    now = utcnow()
    today = now.astimezone(local_zone()).date()
    wrong = delegate(
        world,
        number="3/QĐ",
        codes=(SIGNATURE,),
        start=today - timedelta(days=1),
        end=today + timedelta(days=1),
    )
    copy = dossier(world, "BN-6", received=now - timedelta(hours=2))
    db.session.commit()
    login_as(client, world.staff)
    answer = post_form(
        client, f"/staff/satisfaction/dossiers/{copy.id}/return", {"signer": str(wrong.id)}
    )
    assert answer.status_code == 302
    db.session.expire_all()
    assert db.session.get(Dossier, copy.id).returned_at is None


# ---------------------------------------------------------------- the exchange


def test_api_records_carry_a_signer(world):
    item = delegate(world)
    db.session.commit()
    records = [
        {"MaHoSo": "A-1", "MaTTHC": COPY, "SoBienNhan": "API-1", "NgayTiepNhan": "20261102090000",
         "NgayTra": "20261104100000", "TrangThaiHoSo": "10", "officer_phone": world.staff.phone,
         "signer": world.staff.phone},
        {"MaHoSo": "A-2", "MaTTHC": MARRIAGE, "SoBienNhan": "API-2",
         "NgayTiepNhan": "20261102090000", "NgayTra": "20261104100000", "TrangThaiHoSo": "10",
         "officer_phone": world.staff.phone, "signer": world.staff.phone},  # not delegated
        {"MaHoSo": "A-3", "MaTTHC": COPY, "SoBienNhan": "API-3", "NgayTiepNhan": "20261102090000",
         "signer": world.staff.email or world.staff.phone},  # not returned
        {"MaHoSo": "A-4", "MaTTHC": COPY, "SoBienNhan": "API-4", "NgayTiepNhan": "20261102090000",
         "NgayTra": "20261104100000", "TrangThaiHoSo": "10", "officer_phone": world.staff.phone,
         "signer": world.chairman.phone},
        {"MaHoSo": "A-5", "MaTTHC": COPY, "SoBienNhan": "API-5", "NgayTiepNhan": "20261102090000",
         "NgayTra": "20261104100000", "officer_phone": world.staff.phone,
         "signer": world.staff_other.phone},  # another ward's officer
    ]  # fmt: skip
    with force_locale("en"):
        results = dict(exchange.import_dossiers_api(world.ward.id, records))
    assert results[0].result == "created"
    assert (results[0].dossier.signed_by_id, results[0].dossier.delegation_id) == (
        world.staff.id,
        item.id,
    )
    assert results[3].dossier.signed_by_id == world.chairman.id
    assert results[3].dossier.delegation_id is None
    for index in (1, 2, 4):
        assert [column for column, _message in results[index]] == ["signer"], index
    assert "no delegation" in results[1][0][1]
    assert "not returned" in results[2][0][1]
    assert "unknown signer" in results[4][0][1]
    numbers = db.session.execute(sa.select(Dossier.receipt_number)).scalars().all()
    assert sorted(numbers) == ["API-1", "API-4"]  # nothing of a bad record is saved
    # The same record again: unchanged.
    again = dict(exchange.import_dossiers_api(world.ward.id, records[:1]))
    assert again[0].result == "unchanged"


def test_csv_import_reports_a_bad_signer_by_line(world):
    delegate(world)
    text = (
        "MaHoSo,MaTTHC,SoBienNhan,NgayTiepNhan,NgayTra,signer\n"
        f"C-1,{COPY},CSV-1,20261102090000,20261104100000,{world.staff.phone}\n"
        f"C-2,{MARRIAGE},CSV-2,20261102090000,20261104100000,{world.staff.phone}\n"
    )
    report = exchange.import_dossiers_csv(world.staff, world.ward.id, text)
    assert report.created == 1 and [line for line, _ in report.errors] == [3]


# ---------------------------------------------------------------- the dashboard


def test_dashboard_counts_delegated_signing(world):
    item = delegate(world)
    # Received Monday 2 November: returned Wednesday (2 working days), Friday (4), and by
    # the chairman Tuesday (1) and the next Monday (5); one in December is outside.
    for number, returned, delegation_id in (
        ("D-1", local(2026, 11, 4), item.id),
        ("D-2", local(2026, 11, 6), item.id),
        ("D-3", local(2026, 11, 3), None),
        ("D-4", local(2026, 11, 9), None),
        ("D-5", local(2026, 12, 2), item.id),
    ):
        dossiers.return_dossier(
            world.staff, dossier(world, number), now=returned, delegation_id=delegation_id
        )
    dossier(world, "D-6")  # not returned
    summary = signing.signing_summary(world.ward.id, NOVEMBER)
    assert len(summary.rows) == 1
    (row,) = summary.rows
    assert (row.month.start, row.procedure_id, row.officer_id) == (
        date(2026, 11, 1),
        procedure(world, COPY).id,
        world.staff.id,
    )
    assert row.figures.dossiers == 2 and row.figures.average_working_days == 3.0
    assert row.figures.median_working_days == 3.0
    assert summary.delegated.dossiers == 2
    assert summary.chairman.dossiers == 2 and summary.chairman.average_working_days == 3.0
    assert sorted(summary.chairman.days) == [1, 5]
    # The table (page and exports): a row per group, then the two totals.
    with force_locale("vi"):
        (table,) = tables.download("delegated-signing", world.ward.id, NOVEMBER, date(2026, 12, 3))
        built = tables.SIGNING_TABLE.build(
            WardDashboard(world.ward.id, NOVEMBER, date(2026, 12, 3))
        )
        assert str(tables.SIGNING_TABLE.sheet) == "Ký thay theo ủy quyền"
    assert "delegated-signing" in tables.WARD_TABLES
    assert len(built.items) == 3 and len(table.items) == 3
    cells = [[column.value(line) for column in tables.SIGNING] for line in built.items]
    assert cells[0][3:] == [2, 3.0, 3.0]
    assert cells[1][2:] == ["Tất cả công chức được ủy quyền", 2, 3.0, 3.0]
    assert cells[2][2:] == ["Chủ tịch UBND phường", 2, 3.0, 3.0]


def test_dashboard_page_shows_the_table(client, world):
    login_as(client, world.chairman)
    page = client.get("/dashboard/?period=month&date=2026-11")
    assert page.status_code == 200 and "Ký thay theo ủy quyền" in text_of(page)


# ---------------------------------------------------------------- the demo


def test_demo_delegates_the_certifications(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    item = db.session.execute(sa.select(Delegation)).scalar_one()
    assert item.decision_number == "15/QĐ-UBND"
    assert {p.code for p in item.procedures} == {COPY, SIGNATURE}
    assert item.officer.role == Role.STAFF and item.revoked_at is None
    copy = db.session.execute(
        sa.select(Dossier).where(Dossier.receipt_number == "BD-DEMO-0001")
    ).scalar_one()
    assert (copy.delegation_id, copy.signed_by_id) == (item.id, item.officer_id)
