"""Searching without diacritics: "duong", "DUONG" and "Đường" find "đường", words in any
order, on both databases, in the staff inbox, the dossier search and a ward's public page of
answers; % and _ are plain characters; odd input is no error; the number of statements is
the same with a search as without."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from conftest import login_as, make_feedback, text_of

from portal.extensions import db
from portal.feedback import queries as feedback_queries
from portal.feedback import workflow as feedback_workflow
from portal.feedback.models import Feedback
from portal.privacy import erasure
from portal.satisfaction import catalogue, dossiers
from portal.text import fold, search_words


def test_fold_takes_off_the_marks_and_the_case():
    assert fold("Đường Nguyễn Văn Cừ") == "duong nguyen van cu"
    assert fold("  BỒ   ĐỀ\t\n") == "bo de"
    assert fold("Phường", None, "", "Bồ Đề") == "phuong bo de"
    assert fold("e\u0301") == fold("é") == "e"  # decomposed or composed, one letter
    assert fold("Ơ ơ Ư ư Ă ă Â â Ê ê Ô ô") == "o o u u a a a a e e o o"
    assert fold("a\x00b") == "ab"
    assert search_words(" Bo  DE ") == ["bo", "de"]
    assert len(search_words("a " * 50)) == 10


@pytest.fixture
def inbox(app, world):
    """Three items of the ward, one of another ward with the same words."""
    items = {
        "road": make_feedback(
            world.ward,
            world.resident,
            title="Ổ gà trên đường Nguyễn Văn Cừ",
            body="Mặt đường hỏng nặng gần cầu Chương Dương.",
            address="Số 5 phố Bồ Đề",
        ),
        "light": make_feedback(
            world.ward, world.resident, title="Đèn đường tắt", body="Cả ngõ tối: 100% đèn hỏng."
        ),
        "waste": make_feedback(
            world.ward, world.resident, title="Rác ở ngõ_12", body="Rác chưa được thu gom."
        ),
        "other": make_feedback(
            world.other_ward, None, title="Đường Bồ Đề ở phường khác", body="Đường hỏng."
        ),
    }
    db.session.commit()
    return items


def _found(world, q: str) -> set[int]:
    flt = feedback_queries.InboxFilter(q=q, status="all")
    page = feedback_queries.inbox(world.ward.id, flt, world.staff)
    return {row.id for row in page.rows}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("duong", {"road", "light"}),
        ("DUONG", {"road", "light"}),
        ("Đường", {"road", "light"}),
        ("đuong", {"road", "light"}),
        ("Bo De", {"road"}),  # in the address
        ("de bo", {"road"}),  # words in any order
        ("cu nguyen duong", {"road"}),
        ("duong tat", {"light"}),
        ("duong rac", set()),  # every word must be found
        ("100%", {"light"}),
        ("%", {"light"}),  # a plain percent sign, not "anything"
        ("_", {"waste"}),  # a plain underscore, not "any character"
        ("ngõ_12", {"waste"}),
        ("\\", set()),
        ("'; DROP TABLE feedback; --", set()),
    ],
)
def test_the_inbox_finds_words_without_diacritics(world, inbox, q, expected):
    assert _found(world, q) == {inbox[name].id for name in expected}


def test_the_inbox_finds_the_tracking_code_as_typed(world, inbox):
    code = inbox["waste"].code
    assert _found(world, code) == {inbox["waste"].id}
    assert _found(world, f"{code[:4].lower()}-{code[4:]}") == {inbox["waste"].id}
    assert _found(world, code[2:6].lower()) >= {inbox["waste"].id}  # part of it, as a word


def test_the_inbox_page_searches(client, world, inbox):
    login_as(client, world.staff)
    html = text_of(client.get("/staff/feedback/?status=all&q=DUONG+nguyen"))
    assert "Ổ gà trên đường Nguyễn Văn Cừ" in html
    assert "Đèn đường tắt" not in html and "phường khác" not in html
    for odd in ("%00", "%C0%AF", "\u0301" * 80, "x" * 500, "%25%5F%5C", "%EF%BF%BF"):
        assert client.get(f"/staff/feedback/?q={odd}").status_code == 200


def test_a_search_takes_as_many_statements_as_none(world, inbox):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def run(q: str) -> int:
        statements.clear()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            _found(world, q)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    _found(world, "")  # loads what the commit expired (the world's accounts)
    assert run("") == run("duong bo de") == run("%_ x y z") == 2  # the count and the page


def test_erasing_the_address_takes_it_out_of_the_search(world, inbox):
    assert _found(world, "pho bo de") == {inbox["road"].id}
    erasure.erase_feedback(sa.select(Feedback.id).where(Feedback.id == inbox["road"].id))
    db.session.commit()
    db.session.expire_all()
    item = db.session.get(Feedback, inbox["road"].id)
    assert item.address == "" and "pho bo de" not in item.search_text
    assert _found(world, "pho bo de") == set()
    assert _found(world, "nguyen van cu") == {item.id}  # the rest is still found


@pytest.fixture
def answers(app, world):
    """Published answered items of the ward, one unpublished, one with a phone number."""

    def answered(title, body, publish=True, **fields):
        item = make_feedback(
            world.ward, world.resident, title=title, body=body, publish_allowed=publish, **fields
        )
        feedback_workflow.reply(world.staff, item, "Đã xử lý xong.", answer=True)
        return item

    items = {
        "road": answered(
            "Ổ gà đường Nguyễn Văn Cừ",
            "Gọi tôi 0912 345 678.",
            address="Số 9 ngõ Trạm",
            residential_group="Tổ dân phố 5",
        ),
        "light": answered("Đèn chiếu sáng hỏng", "Ngõ Bồ Đề tối."),
        "hidden": answered("Đường ngập nước", "Không công khai.", publish=False),
    }
    db.session.commit()
    return items


@pytest.mark.parametrize(
    ("q", "shown", "not_shown"),
    [
        ("duong", ["Ổ gà đường Nguyễn Văn Cừ"], ["Đèn chiếu sáng hỏng", "Đường ngập nước"]),
        ("BO DE", ["Đèn chiếu sáng hỏng"], ["Ổ gà đường"]),
        ("to dan pho 5", ["Ổ gà đường"], ["Đèn chiếu sáng hỏng"]),
        ("", ["Ổ gà đường", "Đèn chiếu sáng hỏng"], ["Đường ngập nước"]),
    ],
)
def test_the_public_page_searches_what_it_shows(client, world, answers, q, shown, not_shown):
    response = client.get(f"/wards/{world.ward.slug}/feedback", query_string={"q": q})
    assert response.status_code == 200
    html = text_of(response)
    assert 'role="search"' in response.get_data(as_text=True)
    for title in shown:
        assert title in html
    for title in not_shown:
        assert title not in html


@pytest.mark.parametrize("q", ["0912", "345 678", "ngo tram", "so 9", "0912345678"])
def test_the_public_search_cannot_reveal_what_the_page_hides(client, world, answers, q):
    """Hidden phone numbers, the address and the tracking code are not searched by the
    public: finding an item by them would tell what the page leaves out."""
    html = text_of(client.get(f"/wards/{world.ward.slug}/feedback", query_string={"q": q}))
    assert "Ổ gà đường" not in html
    assert "No published answer holds these words." in html or "Không có" in html


def test_the_public_search_ignores_the_tracking_code(client, world, answers):
    code = answers["road"].code
    html = text_of(client.get(f"/wards/{world.ward.slug}/feedback", query_string={"q": code}))
    assert "Ổ gà đường" not in html


@pytest.fixture
def ward_dossiers(app, world):
    catalogue.provide_defaults(world.ward.id)
    by_name = {p.name_vi: p for p in catalogue.procedures(world.ward.id)}
    made = {}
    for number, name in [
        ("BN-001", "Đăng ký khai sinh"),
        ("BN-002", "Đăng ký kết hôn"),
        ("BN_003", "Chứng thực chữ ký người dịch"),
    ]:
        made[number] = dossiers.register_dossier(
            world.staff,
            world.ward.id,
            dossiers.DossierInput(
                procedure_id=by_name[name].id,
                receipt_number=number,
                received_at=datetime(2026, 12, 1, 2, tzinfo=UTC),
            ),
            now=datetime(2026, 12, 1, 3, tzinfo=UTC),
        )
    db.session.commit()
    return made


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("bn-001", {"BN-001"}),
        ("BN", {"BN-001", "BN-002", "BN_003"}),
        ("dang ky", {"BN-001", "BN-002"}),
        ("KHAI SINH", {"BN-001"}),
        ("ket hon dang", {"BN-002"}),
        ("chu ky", {"BN_003"}),
        ("signature", {"BN_003"}),  # the English name
        ("2.000992", {"BN_003"}),  # the national code
        ("_", {"BN_003"}),
        ("%", set()),
        ("khai sinh bn-002", set()),
    ],
)
def test_the_dossier_search_finds_numbers_and_procedures(client, world, ward_dossiers, q, expected):
    login_as(client, world.staff)
    response = client.get("/staff/satisfaction/dossiers", query_string={"q": q})
    assert response.status_code == 200
    html = text_of(response)
    for number in ward_dossiers:
        assert (number in html) == (number in expected), number


def test_a_renamed_procedure_is_found_by_its_new_name(world, ward_dossiers, client):
    procedure = ward_dossiers["BN-002"].procedure
    data = catalogue.ProcedureInput(
        code=procedure.code,
        name_vi="Đăng ký kết hôn có yếu tố nước ngoài",
        name_en="",
        field_vi=procedure.field_vi,
        field_en="",
        time_limit_days=procedure.time_limit_days,
        active=True,
    )
    catalogue.save_procedure(world.admin, world.ward.id, data, procedure)
    db.session.commit()
    login_as(client, world.staff)
    html = text_of(client.get("/staff/satisfaction/dossiers?q=nuoc+ngoai"))
    assert "BN-002" in html and "BN-001" not in html
