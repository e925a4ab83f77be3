"""Feedback pages: residents send and track, officers work the inbox, the public reads
published answers. Markup is inert everywhere; files are checked; other wards are shut out."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from conftest import csrf_token, feedback_fields, login_as, make_feedback, post_form, text_of

from portal.codes import format_code
from portal.extensions import db
from portal.feedback import canned as feedback_canned
from portal.feedback import categories as feedback_categories
from portal.feedback import queries as feedback_queries
from portal.feedback import workflow as feedback_workflow
from portal.feedback.models import Feedback, FeedbackAttachment, FeedbackStatus
from portal.feedback.uploads import Upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 64
SCRIPT = '<script>alert("x")</script><b>đậm</b>'
EN = {"Accept-Language": "en"}


def count(model) -> int:
    return db.session.execute(sa.select(sa.func.count(model.id))).scalar_one()


def env_category(world) -> str:
    feedback_categories.provide_defaults(world.ward.id)
    db.session.commit()
    return str(feedback_categories.category_by_code(world.ward.id, "environment").id)


# ---------------------------------------------------------------- residents


def test_resident_sends_feedback_with_a_photo(client, world):
    login_as(client, world.resident)
    page = client.get("/feedback/new")
    assert page.status_code == 200
    assert "Môi trường" in text_of(page) and "khiếu nại" in text_of(page)
    data = feedback_fields(world, attachments=[(io.BytesIO(PNG), "ảnh rác.png")])
    response = post_form(client, "/feedback/new", data, content_type="multipart/form-data")
    assert response.status_code == 302
    item = db.session.execute(sa.select(Feedback)).scalar_one()
    assert response.headers["Location"] == f"/my/feedback/{item.code}"
    assert item.user_id == world.resident.id and item.publish_allowed
    assert (item.latitude, item.longitude) == (21.0452, 105.8781)
    detail = text_of(client.get(response.headers["Location"]))
    assert format_code(item.code) in detail and "ảnh rác.png" in detail
    listing = text_of(client.get("/my/feedback"))
    assert format_code(item.code) in listing


def test_feedback_form_reports_every_problem(client, world):
    login_as(client, world.resident)
    data = feedback_fields(world, title="", body="x" * 5001, latitude="abc", category="999999")
    response = post_form(client, "/feedback/new", data, headers=EN)
    assert response.status_code == 422
    html = text_of(response)
    assert "Please enter a title." in html
    assert "At most 5000 characters." in html
    assert "Enter a number, e.g. 21.0430." in html
    assert count(Feedback) == 0


def test_unknown_category_and_bad_position(client, world):
    login_as(client, world.resident)
    response = post_form(
        client,
        "/feedback/new",
        feedback_fields(world, category="999999", latitude="95"),
        headers=EN,
    )
    assert response.status_code == 422
    html = text_of(response)
    assert "Choose one of the listed categories." in html
    assert "latitude (−90 to 90)" in html
    assert count(Feedback) == 0


def test_complaints_are_routed_out(client, world):
    login_as(client, world.resident)
    response = post_form(client, "/feedback/new", feedback_fields(world, category="complaint"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/feedback/complaints?kind=complaint"
    guide = text_of(client.get(response.headers["Location"]))
    assert "Luật Khiếu nại" in guide or "khiếu nại" in guide.lower()
    assert count(Feedback) == 0


def test_a_file_that_lies_about_its_type_is_refused(client, world):
    login_as(client, world.resident)
    data = feedback_fields(world, attachments=[(io.BytesIO(PDF), "anh.jpg")])
    response = post_form(
        client, "/feedback/new", data, content_type="multipart/form-data", headers=EN
    )
    assert response.status_code == 422
    assert "is not what its name says" in text_of(response)
    data = feedback_fields(world, attachments=[(io.BytesIO(b"MZ\x90\x00binary"), "virus.pdf")])
    response = post_form(
        client, "/feedback/new", data, content_type="multipart/form-data", headers=EN
    )
    assert "is not an image (JPEG, PNG, GIF, WebP) or a PDF" in text_of(response)
    assert count(Feedback) == 0 and count(FeedbackAttachment) == 0


def test_a_file_over_the_limit_is_refused(client, world, app):
    app.config["FEEDBACK_MAX_ATTACHMENT_BYTES"] = 1000
    login_as(client, world.resident)
    data = feedback_fields(world, attachments=[(io.BytesIO(PNG + b"\x00" * 2000), "lon.png")])
    response = post_form(
        client, "/feedback/new", data, content_type="multipart/form-data", headers=EN
    )
    assert response.status_code == 422
    assert "is larger than" in text_of(response)
    assert count(Feedback) == 0


def test_a_request_over_the_upload_limit_gets_413(client, world, app):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    login_as(client, world.resident)
    data = feedback_fields(world, attachments=[(io.BytesIO(PNG + b"\x00" * 4096), "lon.png")])
    response = post_form(
        client, "/feedback/new", data, content_type="multipart/form-data", headers=EN
    )
    assert response.status_code == 413
    assert "too large" in text_of(response).lower()
    assert count(Feedback) == 0


def test_markup_is_inert_on_every_page(client, world):
    item = make_feedback(
        world.ward,
        world.resident,
        title=SCRIPT,
        body=SCRIPT,
        address=SCRIPT,
        residential_group="Tổ <i>5</i>",
        publish_allowed=True,
    )
    feedback_workflow.add_note(world.staff, item, SCRIPT)
    feedback_workflow.reply(world.staff, item, SCRIPT, answer=True)
    db.session.commit()
    pages = [
        (world.resident, f"/my/feedback/{item.code}"),
        (world.resident, "/my/feedback"),
        (world.staff, f"/staff/feedback/{item.id}"),
        (world.staff, "/staff/feedback/?status=all"),
        (world.chairman, f"/staff/feedback/{item.id}"),
        (world.supervisor, f"/staff/feedback/{item.id}"),
        (None, f"/wards/{world.ward.slug}/feedback"),
    ]
    for user, path in pages:
        client.get("/")  # new client state per page
        with client.session_transaction() as session:
            session.clear()
        login_as(client, user)
        html = text_of(client.get(path))
        assert "<script>alert" not in html, path
        assert "<b>đậm</b>" not in html, path
        assert "&lt;script&gt;" in html, path


def test_text_posted_where_a_file_belongs_is_no_file(client, world):
    """A form posted by a script with `attachments=on` (text, not a file): the message goes
    without files (it was a 500, found by tests/test_fuzz_forms.py)."""
    item = make_feedback(world.ward, world.resident)
    feedback_workflow.request_info(world.staff, item, "Xin cho biết số nhà.")
    db.session.commit()
    login_as(client, world.resident)
    path = f"/my/feedback/{item.code}/message"
    response = post_form(client, path, {"body": "Số nhà 12.", "attachments": "on"})
    assert response.status_code == 302
    assert "Số nhà 12." in text_of(client.get(f"/my/feedback/{item.code}"))


def test_resident_adds_information_and_responds(client, world):
    item = make_feedback(world.ward, world.resident)
    feedback_workflow.request_info(world.staff, item, "Xin cho biết số nhà.")
    db.session.commit()
    login_as(client, world.resident)
    page = text_of(client.get(f"/my/feedback/{item.code}"))
    assert "Xin cho biết số nhà." in page
    response = post_form(client, f"/my/feedback/{item.code}/message", {"body": "Số nhà 12."})
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.status == FeedbackStatus.IN_PROGRESS
    feedback_workflow.reply(world.staff, item, "Đã thu gom.", answer=True)
    db.session.commit()
    response = post_form(
        client,
        f"/my/feedback/{item.code}/respond",
        {"resolved": "no", "rating": "2", "comment": "Vẫn còn rác."},
    )
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.status == FeedbackStatus.IN_PROGRESS and item.reopened_count == 1


def test_respond_without_a_verdict_is_refused(client, world):
    item = make_feedback(world.ward, world.resident)
    feedback_workflow.reply(world.staff, item, "Đã thu gom.", answer=True)
    db.session.commit()
    login_as(client, world.resident)
    response = post_form(client, f"/my/feedback/{item.code}/respond", {"rating": "4"}, headers=EN)
    assert response.status_code == 302
    page = text_of(client.get(f"/my/feedback/{item.code}", headers=EN))
    assert "Say whether the answer resolved the matter." in page
    db.session.refresh(item)
    assert item.status == FeedbackStatus.ANSWERED


def test_another_residents_feedback_is_not_found(client, world):
    from conftest import make_user

    from portal.auth.models import Role

    item = make_feedback(world.ward, world.resident)
    other = make_user(Role.RESIDENT, world.ward, name="Người Khác")
    db.session.commit()
    login_as(client, other)
    assert client.get(f"/my/feedback/{item.code}").status_code == 404
    response = post_form(client, f"/my/feedback/{item.code}/message", {"body": "x"})
    assert response.status_code == 404


# ---------------------------------------------------------------- officers


def test_staff_enter_feedback_for_a_caller(client, world):
    login_as(client, world.staff)
    data = feedback_fields(
        world,
        channel="phone",
        contact_name="Bà Lê Thị Gọi",
        contact_phone="0987654321",
        publish_allowed="",
    )
    response = post_form(client, "/staff/feedback/new", data)
    assert response.status_code == 302
    item = db.session.execute(sa.select(Feedback)).scalar_one()
    assert item.channel.value == "phone" and item.entered_by_id == world.staff.id
    assert response.headers["Location"] == f"/staff/feedback/{item.id}"


def test_inbox_filters_and_highlights(client, world):
    first = make_feedback(world.ward, world.resident, title="Ngập nước ngõ 3")
    make_feedback(world.ward, world.resident, title="Cây đổ")
    make_feedback(world.other_ward, None, title="Ở phường khác")
    db.session.commit()
    login_as(client, world.staff)
    html = text_of(client.get("/staff/feedback/"))
    assert "Ngập nước ngõ 3" in html and "Cây đổ" in html and "Ở phường khác" not in html
    html = text_of(client.get("/staff/feedback/?q=ng%E1%BA%ADp"))
    assert "Ngập nước ngõ 3" in html and "Cây đổ" not in html
    html = text_of(client.get(f"/staff/feedback/?q={first.code}&sort=oldest&status=all"))
    assert "Ngập nước ngõ 3" in html and "Cây đổ" not in html
    # nonsense parameters are ignored, never a 500
    bad = client.get("/staff/feedback/?status=zzz&category=abc&assignee=x&due=y&sort=z&page=-4")
    assert bad.status_code == 200


def test_staff_work_an_item_to_the_answer(client, world):
    item = make_feedback(world.ward, world.resident)
    db.session.commit()
    login_as(client, world.staff)
    base = f"/staff/feedback/{item.id}"
    assert (
        post_form(client, f"{base}/assign", {"assignee_id": str(world.staff.id)}).status_code == 302
    )
    assert post_form(client, f"{base}/note", {"note": "Đã gọi tổ trưởng."}).status_code == 302
    reply = {
        "body": "Đã cử tổ môi trường thu gom.",
        "answer": "y",
        "attachments": [(io.BytesIO(PDF), "bien-ban.pdf")],
    }
    response = post_form(client, f"{base}/reply", reply, content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(item)
    assert item.status == FeedbackStatus.ANSWERED and item.assignee_id == world.staff.id
    html = text_of(client.get(base))
    assert "Đã gọi tổ trưởng." in html and "bien-ban.pdf" in html
    assert post_form(client, f"{base}/close", {}).status_code == 302
    db.session.refresh(item)
    assert item.status == FeedbackStatus.CLOSED


def test_wrong_status_actions_say_so(client, world):
    item = make_feedback(world.ward, world.resident)
    db.session.commit()
    login_as(client, world.staff)
    page = f"http://localhost/staff/feedback/{item.id}"
    response = post_form(
        client, f"/staff/feedback/{item.id}/close", {}, headers={**EN, "Referer": page}
    )
    assert response.status_code == 409  # the item's state does not allow it: says why
    html = text_of(response)
    assert "Only answered feedback can be closed." in html
    assert f'href="/staff/feedback/{item.id}"' in html  # and leads back to the item
    post_form(client, f"/staff/feedback/{item.id}/reject", {"reason": ""}, headers=EN)
    html = text_of(client.get(f"/staff/feedback/{item.id}", headers=EN))
    assert "Give the reason." in html
    db.session.refresh(item)
    assert item.status == FeedbackStatus.RECEIVED


def test_supervisor_reads_without_notes_or_full_phone(client, world):
    item = make_feedback(world.ward, world.resident)
    feedback_workflow.add_note(world.staff, item, "Ghi chú nội bộ bí mật")
    db.session.commit()
    login_as(client, world.supervisor)
    html = text_of(client.get(f"/staff/feedback/{item.id}"))
    assert "Ghi chú nội bộ bí mật" not in html
    assert "0912 345 678" not in html and "678" in html  # masked
    assert "/assign" not in html


def test_staff_see_the_full_phone(client, world):
    item = make_feedback(world.ward, world.resident)
    db.session.commit()
    login_as(client, world.staff)
    assert "0912 345 678" in text_of(client.get(f"/staff/feedback/{item.id}"))


def test_another_wards_item_is_forbidden(client, world):
    item = make_feedback(world.ward, world.resident)
    db.session.commit()
    login_as(client, world.staff_other)
    assert client.get(f"/staff/feedback/{item.id}").status_code == 403
    response = post_form(client, f"/staff/feedback/{item.id}/reply", {"body": "x", "answer": "y"})
    assert response.status_code == 403
    db.session.refresh(item)
    assert item.status == FeedbackStatus.RECEIVED


def test_canned_reply_fills_the_reply_form(client, world):
    item = make_feedback(world.ward, world.resident)
    db.session.commit()
    login_as(client, world.staff)
    response = post_form(
        client,
        "/staff/feedback/canned",
        {"title": "Đã tiếp nhận", "body": "UBND phường đã tiếp nhận và sẽ trả lời."},
    )
    assert response.status_code == 302
    canned = feedback_canned.canned_responses(world.ward.id)[0]
    html = text_of(client.get(f"/staff/feedback/{item.id}?canned={canned.id}"))
    assert re.search(r"<textarea[^>]*>\s*UBND phường đã tiếp nhận", html)
    login_as(client, world.staff_other)
    assert post_form(client, f"/staff/feedback/canned/{canned.id}/delete").status_code == 403
    login_as(client, world.staff)
    assert post_form(client, f"/staff/feedback/canned/{canned.id}/delete").status_code == 302
    assert feedback_canned.canned_responses(world.ward.id) == []


def test_chairman_edits_a_categorys_deadline(client, world):
    env_category(world)
    category = feedback_categories.category_by_code(world.ward.id, "environment")
    login_as(client, world.chairman)
    assert "environment" in text_of(client.get("/staff/feedback/categories"))
    data = {
        "code": "environment",
        "name_vi": "Môi trường",
        "name_en": "Environment",
        "deadline_days": "5",
        "active": "y",
    }
    response = post_form(client, f"/staff/feedback/categories/{category.id}", data)
    assert response.status_code == 302
    db.session.refresh(category)
    assert category.deadline_days == 5
    response = post_form(
        client, "/staff/feedback/categories/new", {**data, "deadline_days": "0"}, headers=EN
    )
    assert response.status_code == 422
    assert "Enter between 1 and 90 working days." in text_of(response)


def test_overdue_list(client, world):
    from datetime import timedelta

    from portal.db import utcnow

    late = make_feedback(world.ward, world.resident, now=utcnow() - timedelta(days=30))
    make_feedback(world.ward, world.resident, title="Mới gửi")
    db.session.commit()
    login_as(client, world.chairman)
    html = text_of(client.get("/staff/feedback/overdue"))
    assert format_code(late.code) in html and "Mới gửi" not in html


# ---------------------------------------------------------------- files and the public page


def test_attachment_download_is_private_and_sandboxed(client, world):
    make_feedback(world.ward, world.resident, attachments=[Upload("ảnh.png", PNG)])
    db.session.commit()
    attachment = db.session.execute(sa.select(FeedbackAttachment)).scalar_one()
    url = f"/feedback/files/{attachment.id}"
    login_as(client, world.resident)
    response = client.get(url)
    assert response.status_code == 200 and response.data == PNG
    assert response.mimetype == "image/png"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    login_as(client, world.staff_other)
    assert client.get(url).status_code == 404


def test_public_page_shows_allowed_answers_without_personal_data(client, world):
    item = make_feedback(
        world.ward,
        world.resident,
        body="Liên hệ tôi 0912 345 678 về rác ở ngõ 12.",
        address="Số 7 ngõ 12",
        publish_allowed=True,
    )
    feedback_workflow.reply(world.staff, item, "Đã thu gom, cảm ơn bà.", answer=True)
    hidden = make_feedback(world.ward, world.resident, title="Không công khai")
    feedback_workflow.reply(world.staff, hidden, "Đã xử lý.", answer=True)
    db.session.commit()
    html = text_of(client.get(f"/wards/{world.ward.slug}/feedback"))
    assert "Rác thải ở ngõ 12" in html and "Đã thu gom, cảm ơn bà." in html
    assert "Không công khai" not in html
    for secret in ("0912", "345 678", "Hoàng Thị Dân", "Số 7 ngõ 12", "dan@example.vn"):
        assert secret not in html
    assert client.get("/wards/khong-co/feedback").status_code == 404
    assert client.get(f"/wards/{world.unserved_ward.slug}/feedback").status_code == 404


@pytest.mark.parametrize("path", ["/feedback/new", "/staff/feedback/new"])
def test_csrf_is_required(app, world, path):
    client = app.test_client()
    login_as(client, world.resident if path == "/feedback/new" else world.staff)
    csrf_token(client)
    response = client.post(path, data=feedback_fields(world))
    assert response.status_code == 400
    assert count(Feedback) == 0


def test_resident_data_export_includes_feedback_but_not_internal_notes(client, world):
    item = make_feedback(world.ward, world.resident, title="Đèn hỏng")
    feedback_workflow.add_note(world.staff, item, "Ghi chú nội bộ")
    feedback_workflow.reply(world.staff, item, "Đã sửa đèn.", answer=True)
    db.session.commit()
    login_as(client, world.resident)
    data = client.get("/account/export.json").get_json()
    [exported] = data["feedback"]
    assert exported["code"] == item.code and exported["title"] == "Đèn hỏng"
    texts = [event["text"] for event in exported["timeline"]]
    assert "Đã sửa đèn." in texts and "Ghi chú nội bộ" not in texts


def test_choice_labels_follow_the_language_of_each_request(client, world):
    """Forms are built at import time; their translatable labels must not be frozen then."""
    item = make_feedback(world.ward, world.resident)
    feedback_workflow.reply(world.staff, item, "Đã thu gom.", answer=True)
    db.session.commit()
    login_as(client, world.resident)
    vietnamese = text_of(client.get(f"/my/feedback/{item.code}"))
    assert "Có, vấn đề đã được giải quyết" in vietnamese
    english = text_of(client.get(f"/my/feedback/{item.code}", headers=EN))
    assert "Yes, it is resolved" in english


def test_inbox_pages_keep_the_filters(client, world):
    for n in range(feedback_queries.PAGE_SIZE + 1):
        make_feedback(world.ward, world.resident, title=f"Phản ánh {n}")
    db.session.commit()
    login_as(client, world.staff)
    html = text_of(client.get("/staff/feedback/?sort=newest", headers=EN))
    assert "Page 1 of 2" in html
    assert 'href="/staff/feedback/?sort=newest&amp;page=2"' in html
    second = text_of(client.get("/staff/feedback/?sort=newest&page=2", headers=EN))
    assert "Page 2 of 2" in second and "page=1" in second


def test_opening_the_form_writes_nothing(client, world):
    """Categories come when a ward is enabled: no page makes them (a GET writes nothing)."""
    from portal.feedback.models import FeedbackCategory

    db.session.execute(sa.delete(FeedbackCategory).where(FeedbackCategory.ward_id == world.ward.id))
    db.session.commit()
    login_as(client, world.resident)
    page = text_of(client.get("/feedback/new"))
    assert 'value="complaint"' in page  # complaints are still routed out
    db.session.rollback()
    assert feedback_categories.ward_categories(world.ward.id, active_only=False) == []


SEND_BUTTON = '<a class="button" href="/feedback/new">Gửi phản ánh</a>'


def test_the_public_feedback_page_leads_to_the_form(app, client, world):
    page = f"/wards/{world.ward.slug}/feedback"
    # a visitor sees the button (the form asks to log in), as does a resident of the ward
    assert SEND_BUTTON in text_of(client.get(page))
    form = client.get("/feedback/new")
    assert form.status_code == 302 and "/login" in form.headers["Location"]
    resident = login_as(app.test_client(), world.resident)
    assert SEND_BUTTON in text_of(resident.get(page))
    assert resident.get("/feedback/new").status_code == 200
    # the form is always the resident's own ward's: not offered on another ward's page;
    # officials enter feedback from their inbox
    elsewhere = resident.get(f"/wards/{world.other_ward.slug}/feedback")
    assert elsewhere.status_code == 200 and SEND_BUTTON not in text_of(elsewhere)
    staff = login_as(app.test_client(), world.staff)
    assert 'href="/feedback/new"' not in text_of(staff.get(page))
