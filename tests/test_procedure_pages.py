"""Public procedure pages of a ward (list searched by name, one page per procedure), the
catalogue's new fields edited by the city administrator, and the CSV import with and
without the new columns."""

from __future__ import annotations

import io
import re

from conftest import World, csrf_token, login_as, text_of

from portal.extensions import db
from portal.satisfaction import catalogue
from portal.satisfaction.models import Procedure

OLD_CSV = (
    "code,name_vi,name_en,field_vi,field_en,time_limit_days\n"
    "1.001193,Đăng ký khai sinh,Birth registration,Hộ tịch,Civil status,0\n"
    "9.999999,Thủ tục mới,New procedure,Khác,Other,4\n"
)
NEW_CSV = (
    "code,name_vi,time_limit_days,papers,fee,how_to_submit\n"
    '1.001193,Đăng ký khai sinh,0,"Tờ khai\nGiấy chứng sinh",Miễn lệ phí,Tại Bộ phận Một cửa\n'
    '2.000815,"Chứng thực bản sao từ bản chính giấy tờ, văn bản",0,,,\n'
    f"x,Thủ tục có phí quá dài,2,,{'9' * 301},\n"
    "y,Thủ tục hạn sai,abc,,,\n"
)


def in_english(client):
    """Pages in English for the assertions (the session's language, as the switch sets)."""
    with client.session_transaction() as session:
        session["locale"] = "en"
    return client


def by_name(ward_id: int, name: str) -> Procedure:
    return next(p for p in catalogue.procedures(ward_id, active_only=False) if p.name_vi == name)


def test_the_list_is_searched_with_or_without_diacritics(client, world: World):
    html = text_of(client.get("/wards/phuong-bo-de/procedures"))
    assert "Đăng ký khai sinh" in html and "Chứng thực chữ ký người dịch" in html
    found = text_of(client.get("/wards/phuong-bo-de/procedures?q=chung+thuc"))
    assert found.count('href="/wards/phuong-bo-de/procedures/') == 3
    assert "Đăng ký khai sinh" not in found
    assert "Đăng ký khai sinh" in text_of(client.get("/wards/phuong-bo-de/procedures?q=KHAI+SINH"))
    none = client.get("/wards/phuong-bo-de/procedures?q=" + "z" * 500)
    assert none.status_code == 200 and 'href="/wards/phuong-bo-de/procedures/' not in text_of(none)


def test_a_procedure_page_gives_papers_fee_time_and_how(client, world: World):
    in_english(client)
    birth = by_name(world.ward.id, "Đăng ký khai sinh")
    html = text_of(client.get(f"/wards/phuong-bo-de/procedures/{birth.id}"))
    assert "<li>Giấy chứng sinh; nếu không có" in html
    assert "Miễn lệ phí khi đăng ký đúng hạn" in html
    assert "The same working day" in html
    assert "Cổng Dịch vụ công quốc gia" in html
    copy = by_name(world.ward.id, "Chứng thực bản sao từ bản chính giấy tờ, văn bản")
    assert "2.000 đồng/trang" in text_of(client.get(f"/wards/phuong-bo-de/procedures/{copy.id}"))
    land = by_name(world.ward.id, "Hòa giải tranh chấp đất đai")
    assert "30 working days" in text_of(client.get(f"/wards/phuong-bo-de/procedures/{land.id}"))


def test_an_inactive_or_another_wards_procedure_has_no_page(client, world: World):
    birth = by_name(world.ward.id, "Đăng ký khai sinh")
    other = by_name(world.other_ward.id, "Đăng ký khai sinh")
    assert client.get(f"/wards/phuong-bo-de/procedures/{other.id}").status_code == 404
    birth.active = False
    db.session.commit()
    assert client.get(f"/wards/phuong-bo-de/procedures/{birth.id}").status_code == 404
    assert "Đăng ký khai sinh" not in text_of(client.get("/wards/phuong-bo-de/procedures"))
    assert client.get("/wards/phuong-bo-de/procedures/99999999999").status_code == 404


def test_the_administrator_edits_the_new_fields(app, world: World):
    birth = by_name(world.ward.id, "Đăng ký khai sinh")
    client = login_as(app.test_client(), world.admin)
    path = f"/staff/satisfaction/catalogue/{birth.id}"
    form = {
        "csrf_token": csrf_token(client, path),
        "code": birth.code,
        "name_vi": birth.name_vi,
        "name_en": birth.name_en,
        "field_vi": birth.field_vi,
        "field_en": birth.field_en,
        "time_limit_days": "0",
        "active": "y",
        "papers": "Tờ khai\r\nGiấy chứng sinh\r\n",
        "fee": "Miễn lệ phí",
        "how_to_submit": "Tại Bộ phận Một cửa",
    }
    assert client.post(path, data=form).status_code == 302
    db.session.refresh(birth)
    assert birth.paper_list() == ["Tờ khai", "Giấy chứng sinh"]
    assert (birth.fee, birth.how_to_submit) == ("Miễn lệ phí", "Tại Bộ phận Một cửa")
    too_long = client.post(path, data={**form, "fee": "9" * 301})
    assert too_long.status_code == 422 and 'id="fee-error"' in text_of(too_long)


def upload(client, ward_slug: str, text: str):
    path = f"/staff/satisfaction/catalogue/import?ward={ward_slug}"
    data = {
        "csrf_token": csrf_token(client, path),
        "file": (io.BytesIO(text.encode("utf-8")), "procedures.csv"),
    }
    return client.post(path, data=data, content_type="multipart/form-data")


def test_an_old_csv_without_the_new_columns_still_imports(app, world: World):
    before = by_name(world.ward.id, "Đăng ký khai sinh")
    papers, fee = before.papers, before.fee
    client = in_english(login_as(app.test_client(), world.admin))
    response = upload(client, world.ward.slug, OLD_CSV)
    assert response.status_code == 200
    assert "Added: 1. Updated: 1." in text_of(response)
    db.session.expire_all()
    after = by_name(world.ward.id, "Đăng ký khai sinh")
    assert (after.papers, after.fee) == (papers, fee) != ("", "")  # left as they were
    new = by_name(world.ward.id, "Thủ tục mới")
    assert (new.papers, new.fee, new.how_to_submit, new.time_limit_days) == ("", "", "", 4)


def test_a_csv_with_the_new_columns_sets_them_and_reports_bad_rows(app, world: World):
    client = in_english(login_as(app.test_client(), world.admin))
    response = upload(client, world.ward.slug, NEW_CSV)
    html = text_of(response)
    assert response.status_code == 200
    db.session.expire_all()
    birth = by_name(world.ward.id, "Đăng ký khai sinh")
    assert birth.paper_list() == ["Tờ khai", "Giấy chứng sinh"]
    assert (birth.fee, birth.how_to_submit) == ("Miễn lệ phí", "Tại Bộ phận Một cửa")
    # An empty cell in a column the file has empties the field.
    copy = by_name(world.ward.id, "Chứng thực bản sao từ bản chính giấy tờ, văn bản")
    assert copy.fee == ""
    # Bad rows by line, with the reason; the good rows are kept.
    assert re.search(r"<tr><td[^>]*>5</td><td[^>]*>At most 300 characters\.</td></tr>", html)
    assert re.search(
        r"<tr><td[^>]*>6</td><td[^>]*>Enter between 0 and 365 working days\.</td></tr>", html
    )
    assert "Thủ tục có phí quá dài" not in {p.name_vi for p in catalogue.procedures(world.ward.id)}


def test_the_import_reports_rows_with_their_line_numbers(app, world: World):
    report = catalogue.import_procedures_csv(world.admin, world.ward.id, NEW_CSV)
    # line numbers count the physical lines (the quoted papers span two)
    lines = [line for line, _message in report.errors]
    assert lines == [5, 6]
    assert report.updated == 2 and report.created == 0


def test_default_pages_fill_only_what_is_empty(app, world: World):
    birth = by_name(world.ward.id, "Đăng ký khai sinh")
    birth.papers = birth.fee = birth.how_to_submit = ""
    copy = by_name(world.ward.id, "Chứng thực bản sao từ bản chính giấy tờ, văn bản")
    copy.fee = "Theo quyết định của phường"
    db.session.flush()
    assert catalogue.provide_default_pages(world.ward.id) == 1
    assert birth.fee.startswith("Miễn lệ phí")
    assert copy.fee == "Theo quyết định của phường"
    assert catalogue.provide_default_pages(world.ward.id) == 0
