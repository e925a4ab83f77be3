"""Exchange with the one-stop software (docs/dossier-exchange.md): the CSV import and the JSON
API take the national names and yyyyMMddHHmmss dates, are idempotent by MaHoSo, issue the
rating link once when a dossier is returned, and the ratings go back up in the same naming.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from conftest import World, login_as

from portal.api import keys
from portal.api.models import ApiScope
from portal.domain import DomainError
from portal.extensions import db
from portal.satisfaction import catalogue, exchange, ratings, tokens
from portal.satisfaction.models import Dossier, Timeliness

EN = {"Accept-Language": "en"}
HEADER = "MaHoSo,MaTTHC,SoBienNhan,NgayTiepNhan,NgayHenTra,NgayTra,TrangThaiHoSo\n"
BUSINESS = "1.001612"  # Đăng ký hộ kinh doanh: 3 working days


def hanoi(y, m, d, hour=9, minute=0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=UTC) - timedelta(hours=7)


def dossiers_of(ward_id: int) -> list[Dossier]:
    query = sa.select(Dossier).where(Dossier.ward_id == ward_id).order_by(Dossier.id)
    return list(db.session.execute(query).scalars())


def by_code(code: str, ward_id: int) -> Dossier:
    query = sa.select(Dossier).where(Dossier.national_code == code, Dossier.ward_id == ward_id)
    return db.session.execute(query).scalar_one()


def csv_import(world: World, text: str):
    report = exchange.import_dossiers_csv(world.staff, world.ward.id, text, now=hanoi(2026, 12, 31))
    db.session.commit()
    return report


@pytest.fixture
def ward(world: World) -> World:
    catalogue.provide_defaults(world.ward.id)
    catalogue.provide_defaults(world.other_ward.id)
    db.session.commit()
    return world


# ---------------------------------------------------------------- CSV


def test_csv_with_national_headers_and_dates(ward, english):
    text = HEADER + (
        f"HS-1,{BUSINESS},BN-1,20261201090000,,,4\n"
        f"HS-2,{BUSINESS},BN-2,20261201090000,20261208170000,20261203103000,10\n"
        f"HS-3,{BUSINESS},BN-3,20261201090000,,,99\n"
        f"HS-4,{BUSINESS},BN-4,2026120109,,,2\n"
        f"HS-5,{BUSINESS},BN-5,20261201090000,,,7\n"
    )
    report = csv_import(ward, text)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert [line for line, _ in report.errors] == [4, 5, 6]
    assert "unknown TrangThaiHoSo 99" in report.errors[0][1]
    assert "bad date NgayTiepNhan: 2026120109" in report.errors[1][1]
    assert "refused, withdrawn or stopped" in report.errors[2][1]
    open_one, returned = dossiers_of(ward.ward.id)
    assert (open_one.national_code, open_one.receipt_number) == ("HS-1", "BN-1")
    assert open_one.received_at == hanoi(2026, 12, 1, 9)
    assert open_one.due_on == date(2026, 12, 4) and open_one.returned_at is None
    assert open_one.token_hash is None
    assert returned.due_on == date(2026, 12, 8)  # NgayHenTra, not the legal limit
    assert returned.returned_at == hanoi(2026, 12, 3, 10, 30)
    assert returned.timeliness == Timeliness.EARLY
    assert returned.token_hash is not None and returned.token_issued_by_id == ward.staff.id
    [(number, issued)] = report.slips
    assert number == "BN-2" and tokens.dossier_for_token(issued.token, now=hanoi(2026, 12, 4))


def test_todays_headers_still_work_and_mix_with_national_ones(ward):
    text = (
        "receipt_number,procedure,received_at,NgayTra,MaHoSo\n"
        f"BN-7,{BUSINESS},2026-12-01 09:00,20261202090000,HS-7\n"
    )
    report = csv_import(ward, text)
    assert report.created == 1 and not report.errors
    assert by_code("HS-7", ward.ward.id).returned_at == hanoi(2026, 12, 2, 9)


def test_sending_twice_gives_one_dossier_and_one_token(ward):
    text = HEADER + f"HS-1,{BUSINESS},BN-1,20261201090000,,20261203103000,10\n"
    first = csv_import(ward, text)
    token_hash = by_code("HS-1", ward.ward.id).token_hash
    second = csv_import(ward, text)
    assert (first.created, second.created, second.unchanged) == (1, 0, 1)
    assert second.slips == [] and len(dossiers_of(ward.ward.id)) == 1
    assert by_code("HS-1", ward.ward.id).token_hash == token_hash


def test_a_resend_updates_dates_and_returns_once(ward, english):
    csv_import(ward, HEADER + f"HS-1,{BUSINESS},BN-1,20261201090000,,,2\n")
    moved = HEADER + f"HS-1,{BUSINESS},BN-1,20261201140000,20261209170000,,4\n"
    assert csv_import(ward, moved).updated == 1
    item = by_code("HS-1", ward.ward.id)
    assert item.received_at == hanoi(2026, 12, 1, 14) and item.due_on == date(2026, 12, 9)
    assert item.token_hash is None
    back = HEADER + f"HS-1,{BUSINESS},BN-1,20261201140000,20261209170000,20261210080000,10\n"
    report = csv_import(ward, back)
    assert report.updated == 1 and len(report.slips) == 1
    item = by_code("HS-1", ward.ward.id)
    assert item.timeliness == Timeliness.LATE and item.token_hash is not None
    # Once returned, what was counted stays; going back to "in progress" is refused.
    again = csv_import(ward, back.replace("20261210080000", "20261211080000"))
    assert again.errors and "has been returned" in again.errors[0][1]
    undo = csv_import(ward, HEADER + f"HS-1,{BUSINESS},BN-1,20261201140000,,,4\n")
    assert "already been returned" in undo.errors[0][1]
    assert len(dossiers_of(ward.ward.id)) == 1


def test_a_hand_registered_dossier_takes_its_national_code(ward):
    csv_import(ward, f"receipt_number,procedure,received_at\nBN-9,{BUSINESS},2026-12-01 09:00\n")
    report = csv_import(ward, HEADER + f"HS-9,{BUSINESS},BN-9,20261201090000,,,4\n")
    assert report.updated == 1 and len(dossiers_of(ward.ward.id)) == 1
    assert dossiers_of(ward.ward.id)[0].national_code == "HS-9"


def test_the_import_page_shows_the_slips_once(client, ward):
    login_as(client, ward.staff)
    text = HEADER + f"HS-1,{BUSINESS},BN-1,20261101090000,,20261102103000,10\n"
    page = client.get("/staff/satisfaction/dossiers/import", headers=EN).get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    data = {"csrf_token": token, "file": (io.BytesIO(text.encode()), "d.csv")}
    response = client.post(
        "/staff/satisfaction/dossiers/import",
        data=data,
        content_type="multipart/form-data",
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Rating slips of the dossiers returned by this file" in html and "/r/" in html


# ---------------------------------------------------------------- the API


def dossier_key(world: World, ward_id: int | None = None) -> str:
    _key, raw = keys.issue_key(
        world.admin, "Một cửa", ward_id or world.ward.id, scope=ApiScope.DOSSIERS
    )
    db.session.commit()
    return raw


def send(client, raw: str | None, body, **kwargs):
    headers = {**EN, **({"Authorization": f"Bearer {raw}"} if raw else {})}
    if isinstance(body, str | bytes):
        return client.post(
            "/api/v1/dossiers", data=body, headers=headers, content_type="application/json"
        )
    return client.post("/api/v1/dossiers", json=body, headers=headers, **kwargs)


def record(code="HS-1", **fields) -> dict:
    return {
        "MaHoSo": code,
        "MaTTHC": BUSINESS,
        "SoBienNhan": f"BN-{code}",
        "NgayTiepNhan": "20261102090000",
        "TrangThaiHoSo": 2,
        **fields,
    }


def test_the_api_needs_the_wards_dossier_key(client, ward, english):
    body = {"dossiers": [record()]}
    open311_key = keys.issue_key(ward.admin, "iHanoi", ward.ward.id)[1]
    db.session.commit()
    for raw in (None, "not-a-key", open311_key):
        response = send(client, raw, body)
        assert response.status_code == 401, raw
        assert response.get_json()["error"]["code"] == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert dossiers_of(ward.ward.id) == []
    with pytest.raises(DomainError) as refused:
        keys.issue_key(ward.admin, "Một cửa", None, scope=ApiScope.DOSSIERS)
    assert refused.value.field == "ward_id"
    db.session.rollback()


def test_another_wards_key_cannot_touch_this_wards_dossiers(client, ward):
    assert send(client, dossier_key(ward), {"dossiers": [record()]}).status_code == 200
    other = dossier_key(ward, ward.other_ward.id)
    answer = send(client, other, {"dossiers": [record(NgayTiepNhan="20261103090000")]})
    assert answer.status_code == 200 and answer.get_json()["results"][0]["result"] == "created"
    assert by_code("HS-1", ward.ward.id).received_at == hanoi(2026, 11, 2)  # untouched
    assert by_code("HS-1", ward.other_ward.id).received_at == hanoi(2026, 11, 3)
    response = client.post(
        f"/api/v1/dossiers?ward={ward.ward.slug}",
        json={"dossiers": [record()]},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert response.status_code == 403


def test_bad_json_and_too_many_records(client, ward):
    raw = dossier_key(ward)
    for body in ("{not json", "[]", '{"dossiers": {}}'):
        response = send(client, raw, body)
        assert response.status_code == 400 and "error" in response.get_json()
    response = send(client, raw, {"dossiers": [record(f"HS-{n}") for n in range(501)]})
    assert response.status_code == 413
    assert "At most 500 dossiers" in response.get_json()["error"]["message"]
    assert dossiers_of(ward.ward.id) == []


def test_bad_records_are_reported_by_index_and_good_ones_kept(client, ward):
    body = {
        "dossiers": [
            record("HS-1"),
            record("HS-2", NgayTiepNhan="2026-99-99"),
            "not an object",
            record("HS-3", MaTTHC="9.999999", TrangThaiHoSo="x"),
            record("HS-4"),
        ]
    }
    response = send(client, dossier_key(ward), body)
    assert response.status_code == 207
    results = response.get_json()["results"]
    assert [r["result"] for r in results] == ["created", "error", "error", "error", "created"]
    assert results[1]["errors"] == [
        {"field": "NgayTiepNhan", "message": "bad date NgayTiepNhan: 2026-99-99"}
    ]
    fields = {e["field"] for e in results[3]["errors"]}
    assert fields == {"MaTTHC", "TrangThaiHoSo"}
    assert [d.national_code for d in dossiers_of(ward.ward.id)] == ["HS-1", "HS-4"]


def test_a_returned_dossier_gets_its_rating_link_once(client, ward):
    raw = dossier_key(ward)
    assert send(client, raw, {"dossiers": [record()]}).get_json()["results"][0]["result"] == (
        "created"
    )
    officer = ward.staff.phone
    back = record(NgayTra="20261103100000", TrangThaiHoSo="10", officer_phone=officer)
    first = send(client, raw, {"dossiers": [back]}).get_json()["results"][0]
    assert first["result"] == "updated" and "rating_link" in first and first["rating_code"]
    token = first["rating_link"].rsplit("/r/", 1)[-1]
    item = by_code("HS-1", ward.ward.id)
    assert item.token_issued_by_id is None and item.receiving_officer_id == ward.staff.id
    again = send(client, raw, {"dossiers": [back]}).get_json()["results"][0]
    assert again["result"] == "unchanged" and "rating_link" not in again
    db.session.expire_all()
    assert by_code("HS-1", ward.ward.id).token_hash == tokens.hash_token(token)
    # Without a receiving officer a return cannot be counted: reported, nothing saved.
    lone = record("HS-2", NgayTra="20261103100000", TrangThaiHoSo="10")
    answer = send(client, raw, {"dossiers": [lone]}).get_json()["results"][0]
    assert answer["result"] == "error" and answer["errors"][0]["field"] == "officer_phone"


# ---------------------------------------------------------------- the ratings, sent upward


def test_the_ratings_export_in_national_naming(client, ward):
    csv_import(ward, HEADER + f"HS-1,{BUSINESS},BN-1,20261102090000,,20261103100000,10\n")
    csv_import(ward, HEADER + f"HS-2,{BUSINESS},BN-2,20261102090000,,,4\n")
    item = by_code("HS-1", ward.ward.id)
    issued = tokens.issue(item, ward.staff, hanoi(2026, 11, 3, 10))
    data = ratings.RatingInput(level="dissatisfied", reason="Chờ lâu", attitude="good")
    ratings.rate(issued.token, data, now=hanoi(2026, 11, 4, 8, 15))
    db.session.commit()
    login_as(client, ward.chairman)
    response = client.get("/dashboard/export/ratings-exchange.csv?period=month&date=2026-11")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0] == list(exchange.EXPORT_COLUMNS)
    assert table[0][:3] == ["MaHoSo", "MaTTHC", "SoBienNhan"] and "NgayTra" in table[0]
    [row] = table[1:]
    values = dict(zip(table[0], row, strict=True))
    assert values["MaHoSo"] == "HS-1" and values["MaTTHC"] == BUSINESS
    assert values["SoBienNhan"] == "BN-1" and values["NgayTiepNhan"] == "20261102090000"
    assert values["NgayTra"] == "20261103100000" and values["NgayDanhGia"] == "20261104081500"
    assert values["MucDoHaiLong"] == "Không hài lòng" and values["LyDoKhongHaiLong"] == "Chờ lâu"
    assert values["TinhTrangTraKetQua"] == "Trước hạn" and values["ThaiDoCanBo"] == "Tốt"
    assert values["DiemDanhGia"] == "10"  # indicators 1, 2, 3, 4 and 7, the ward alone
    october = client.get("/dashboard/export/ratings-exchange.csv?period=month&date=2026-10")
    assert october.get_data(as_text=True).strip("\ufeff\r\n").count("\n") == 0
    login_as(client, ward.staff)
    assert client.get("/dashboard/export/ratings-exchange.csv").status_code == 403
