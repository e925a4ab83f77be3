"""Open311 GeoReport v2: discovery, services, filing with an API key, reading requests, tokens;
JSON and XML alike, errors in the spec's format, and nothing personal in the output."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from conftest import World

from portal.api import keys
from portal.api.models import ApiKey
from portal.db import utcnow
from portal.extensions import db
from portal.feedback import categories as feedback_categories
from portal.feedback import queries as feedback_queries
from portal.feedback import submission as feedback_submission
from portal.feedback import workflow as feedback_workflow
from portal.feedback.models import Channel, Feedback, FeedbackCategory, FeedbackStatus
from portal.wards.models import Ward

BASE = "/open311/v2"
FORMATS = ["json", "xml"]
SLUG = "phuong-bo-de"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


@dataclass
class Api:
    world: World
    key: ApiKey
    raw: str

    @property
    def ward(self) -> Ward:
        return self.world.ward


@pytest.fixture
def api(world: World) -> Api:
    """The world's ward with its default categories, and an API key for every ward."""
    feedback_categories.provide_defaults(world.ward.id)
    key, raw = keys.issue_key(world.admin, "Ứng dụng 1022", None)
    db.session.commit()
    return Api(world, key, raw)


# ---------------------------------------------------------------- helpers


def get(client, path: str, **params):
    return client.get(f"{BASE}/{path}", query_string=params)


def request_form(api: Api, **changes) -> dict:
    form = {
        "api_key": api.raw,
        "jurisdiction_id": SLUG,
        "service_code": "environment",
        "lat": "21.0465",
        "long": "105.8720",
        "description": "Rác thải để ở đầu ngõ 12 Bồ Đề ba ngày chưa được thu gom.",
        "first_name": "Lê",
        "last_name": "Thị Báo",
        "phone": "0987 654 321",
        "email": "bao@example.vn",
        "device_id": "android-42",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def file_request(client, api: Api, fmt: str = "json", headers=None, **changes):
    return client.post(f"{BASE}/requests.{fmt}", data=request_form(api, **changes), headers=headers)


def parsed(response, fmt: str):
    """The body as JSON, or the XML as the same shape: a list of dicts of text (or a dict)."""
    assert response.content_type == CONTENT_TYPES[fmt]
    if fmt == "json":
        return response.get_json()
    text = response.get_data(as_text=True)
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.data)  # noqa: S314 - the app's own output


def rows(response, fmt: str) -> list[dict]:
    """A list response (services, requests, errors) as dicts of strings."""
    body = parsed(response, fmt)
    if fmt == "json":
        return [{name: _text(value) for name, value in row.items()} for row in body]
    return [{child.tag: child.text or "" for child in element} for element in body]


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def error_of(response, fmt: str) -> tuple[int, str]:
    """(code, description) of an error response, checking its root and the HTTP status."""
    if fmt == "xml":
        assert parsed(response, fmt).tag == "errors"
    (error,) = rows(response, fmt)
    assert set(error) == {"code", "description"}
    assert int(error["code"]) == response.status_code
    return int(error["code"]), error["description"]


def resident_feedback(world: World, *, publish: bool = True, now=None, **fields) -> Feedback:
    """Feedback a resident filed on the web, with personal data in it."""
    category = feedback_categories.category_by_code(
        world.ward.id, fields.pop("category", "urban_order")
    )
    data = feedback_submission.FeedbackInput(
        category_id=category.id,
        title=fields.pop("title", "Lấn chiếm vỉa hè"),
        body=fields.pop("body", "Quán nước lấn chiếm vỉa hè trước số 5 ngõ 12."),
        address="Số 5 ngõ 12 Bồ Đề",
        latitude=21.04,
        longitude=105.87,
        publish_allowed=publish,
        **fields,
    )
    return feedback_submission.submit(world.ward, data, user=world.resident, now=now)


@contextmanager
def count_queries():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):  # not BEGIN: it depends on state
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


# ---------------------------------------------------------------- discovery and services


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client, api: Api, fmt):
    response = get(client, f"discovery.{fmt}")
    assert response.status_code == 200
    body = parsed(response, fmt)
    if fmt == "json":
        (endpoint,) = body["endpoints"]
        formats = endpoint["formats"]
        assert body["changeset"] and body["contact"] and body["key_service"]
    else:
        assert body.tag == "discovery"
        assert body.findtext("changeset") and body.findtext("key_service")
        endpoint = {child.tag: child.text for child in body.find("endpoints/endpoint")}
        formats = [f.text for f in body.findall("endpoints/endpoint/formats/format")]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://localhost/open311/v2/"
    assert endpoint["type"] == "production"
    assert endpoint["changeset"]
    assert formats == ["text/xml", "application/json"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_are_the_ward_categories(client, api: Api, fmt):
    response = get(client, f"services.{fmt}", jurisdiction_id=SLUG)
    assert response.status_code == 200
    if fmt == "xml":
        assert parsed(response, fmt).tag == "services"
        assert {e.tag for e in parsed(response, fmt)} == {"service"}
    listed = rows(response, fmt)
    assert [s["service_code"] for s in listed] == [
        "procedures",
        "chairman",
        "urban_order",
        "environment",
        "other",
    ]
    environment = listed[3]
    assert environment == {
        "service_code": "environment",
        "service_name": "Môi trường",
        "description": "Rác thải, ô nhiễm, tiếng ồn, cây xanh, thoát nước.",
        "metadata": "false",
        "type": "realtime",
        "keywords": "",
        "group": "",
    }


def test_services_in_english_on_request(client, api: Api):
    response = get(client, "services.json", jurisdiction_id=SLUG, locale="en")
    assert response.get_json()[3]["service_name"] == "Environment"
    assert get(client, "services.json", jurisdiction_id=SLUG, locale="fr").status_code == 400


def test_inactive_categories_are_not_services(client, api: Api):
    feedback_categories.category_by_code(api.ward.id, "other").active = False
    db.session.commit()
    codes = [s["service_code"] for s in get(client, "services.json", jurisdiction_id=SLUG).json]
    assert "other" not in codes
    assert get(client, "services/other.json", jurisdiction_id=SLUG).status_code == 404


def test_a_ward_without_categories_has_no_services_and_get_writes_nothing(client, api: Api):
    other = api.world.other_ward
    db.session.execute(sa.delete(FeedbackCategory).where(FeedbackCategory.ward_id == other.id))
    db.session.commit()
    response = get(client, "services.json", jurisdiction_id=other.slug)
    assert response.status_code == 200 and response.get_json() == []
    assert feedback_categories.ward_categories(other.id, active_only=False) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_jurisdiction_must_be_a_served_ward(client, api: Api, fmt):
    unserved = api.world.unserved_ward.slug
    assert error_of(get(client, f"services.{fmt}", jurisdiction_id="nowhere"), fmt)[0] == 404
    assert error_of(get(client, f"services.{fmt}", jurisdiction_id=unserved), fmt)[0] == 404
    # two wards are served: which one must be said
    code, description = error_of(get(client, f"services.{fmt}"), fmt)
    assert code == 400 and "jurisdiction_id" in description


def test_jurisdiction_may_be_left_out_when_one_ward_is_served(client, api: Api):
    api.world.other_ward.enabled = False
    db.session.commit()
    response = get(client, "services.json")
    assert response.status_code == 200 and len(response.get_json()) == 5


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition(client, api: Api, fmt):
    response = get(client, f"services/urban_order.{fmt}", jurisdiction_id=SLUG)
    assert response.status_code == 200
    body = parsed(response, fmt)
    if fmt == "json":
        assert body == {"service_code": "urban_order", "attributes": []}
    else:
        assert body.tag == "service_definition"
        assert body.findtext("service_code") == "urban_order"
        assert body.find("attributes") is not None and len(body.find("attributes")) == 0
    missing = get(client, f"services/potholes.{fmt}", jurisdiction_id=SLUG)
    assert error_of(missing, fmt) == (404, "unknown service_code")


# ---------------------------------------------------------------- errors in the spec's format


@pytest.mark.parametrize(
    "path", ["services.csv", "discovery.html", "requests.yaml", "nothing-here", "requests/X"]
)
def test_unknown_urls_and_formats_are_404_in_json(client, api: Api, path):
    response = get(client, path, jurisdiction_id=SLUG)
    assert response.status_code == 404
    assert error_of(response, "json")[0] == 404


def test_unknown_url_ending_in_xml_is_answered_in_xml(client, api: Api):
    assert error_of(get(client, "nothing-here.xml"), "xml")[0] == 404
    assert error_of(client.get(f"{BASE}/"), "json")[0] == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_method_is_405_in_the_spec_format(client, api: Api, fmt):
    response = client.put(f"{BASE}/requests.{fmt}")
    assert error_of(response, fmt)[0] == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "POST"}
    assert error_of(client.post(f"{BASE}/discovery.{fmt}"), fmt)[0] == 405
    assert error_of(client.delete(f"{BASE}/tokens/abc.{fmt}"), fmt)[0] == 405


# ---------------------------------------------------------------- filing a request


@pytest.mark.parametrize("fmt", FORMATS)
def test_filed_request_lands_in_the_staff_inbox(client, api: Api, fmt):
    response = file_request(client, api, fmt)  # no CSRF token: the API is exempt
    assert response.status_code == 200
    if fmt == "xml":
        assert parsed(response, fmt).tag == "service_requests"
    (receipt,) = rows(response, fmt)
    assert set(receipt) == {"service_request_id", "token", "service_notice", "account_id"}
    item = feedback_queries.by_code(receipt["service_request_id"])
    assert item.api_token == receipt["token"] and len(item.api_token) >= 20
    assert item.channel == Channel.OPEN311 and item.status == FeedbackStatus.RECEIVED
    assert item.ward_id == api.ward.id and item.category.code == "environment"
    assert item.api_key_id == api.key.id and item.publish_allowed
    assert item.contact_name == "Lê Thị Báo" and item.contact_phone == "+84987654321"
    assert item.contact_email == "bao@example.vn" and item.device_id == "android-42"
    assert (item.latitude, item.longitude) == (21.0465, 105.872)
    assert item.title == "Rác thải để ở đầu ngõ 12 Bồ Đề ba ngày chưa được thu gom."
    assert db.session.get(ApiKey, api.key.id).last_used_at is not None
    inbox = feedback_queries.inbox(api.ward.id, feedback_queries.InboxFilter(), api.world.staff)
    assert [row.id for row in inbox.rows] == [item.id]


def test_long_description_makes_a_short_title_and_no_names_an_open311_reporter(client, api: Api):
    description = "Đèn đường hỏng " * 20
    response = file_request(
        client,
        api,
        description=description,
        first_name=None,
        last_name=None,
        phone=None,
        email=None,
    )
    item = feedback_queries.by_code(response.get_json()[0]["service_request_id"])
    assert item.title == " ".join(description.split())[:80]
    assert item.body == description.strip()
    assert item.contact_name == "Open311" and item.contact_phone == ""


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("api_key", "status"), [(None, 400), ("", 400), ("not-a-key", 403), ("x" * 500, 403)]
)
def test_missing_or_unknown_key_is_refused(client, api: Api, fmt, api_key, status):
    code, description = error_of(file_request(client, api, fmt, api_key=api_key), fmt)
    assert code == status
    assert "api_key" in description
    assert db.session.execute(sa.select(Feedback.id)).first() is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_revoked_key_is_refused(client, api: Api, fmt):
    keys.revoke_key(api.world.admin, api.key)
    db.session.commit()
    assert error_of(file_request(client, api, fmt), fmt) == (403, "invalid api_key")
    assert db.session.execute(sa.select(Feedback.id)).first() is None


def test_ward_restricted_key_files_only_in_its_ward(client, api: Api):
    world = api.world
    feedback_categories.provide_defaults(world.other_ward.id)
    _key, raw = keys.issue_key(world.admin, "Phường Việt Hưng app", world.other_ward.id)
    db.session.commit()
    elsewhere = file_request(client, api, api_key=raw)
    assert error_of(elsewhere, "json")[0] == 403
    at_home = file_request(client, api, api_key=raw, jurisdiction_id=world.other_ward.slug)
    assert at_home.status_code == 200
    item = feedback_queries.by_code(at_home.get_json()[0]["service_request_id"])
    assert item.ward_id == world.other_ward.id


def test_jurisdiction_is_required_while_several_wards_are_served(client, api: Api):
    assert error_of(file_request(client, api, jurisdiction_id=None), "json")[0] == 400
    assert error_of(file_request(client, api, jurisdiction_id="nowhere"), "json")[0] == 404


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"service_code": None}, "service_code required"),
        ({"service_code": "potholes"}, "unknown service_code"),
        ({"lat": None, "long": None}, "location required"),
        ({"lat": "abc"}, "lat and long"),
        ({"long": None}, "lat and long"),
        ({"lat": "91"}, "lat must be between"),
        ({"long": "-180.5"}, "lat must be between"),
        ({"lat": "nan"}, "lat must be between"),
        ({"long": "inf"}, "lat must be between"),
        ({"description": "   "}, "description required"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
    ],
)
def test_bad_requests_are_400(client, api: Api, fmt, changes, expected):
    code, description = error_of(file_request(client, api, fmt, **changes), fmt)
    assert code == 400
    assert expected in description
    assert db.session.execute(sa.select(Feedback.id)).first() is None


def test_inactive_service_cannot_be_filed(client, api: Api):
    feedback_categories.category_by_code(api.ward.id, "environment").active = False
    db.session.commit()
    assert error_of(file_request(client, api), "json") == (400, "unknown service_code")


@pytest.mark.parametrize(
    "location",
    [{"address_string": "Đầu ngõ 12 Bồ Đề"}, {"address_id": "HN-130-12"}],
)
def test_an_address_is_location_enough(client, api: Api, location):
    response = file_request(client, api, lat=None, long=None, **location)
    assert response.status_code == 200
    item = feedback_queries.by_code(response.get_json()[0]["service_request_id"])
    assert item.latitude is None
    assert item.address == location.get("address_string", "")


def test_feedback_rules_are_400_naming_the_parameter(client, api: Api):
    english = {"Accept-Language": "en"}
    response = file_request(client, api, phone="12345", email="no-at-sign", headers=english)
    code, description = error_of(response, "json")
    assert code == 400
    assert "phone: Enter a Vietnamese mobile number" in description
    assert "email: Enter a valid e-mail address." in description
    long_name = file_request(client, api, first_name="A" * 200, headers=english)
    assert "first_name/last_name: At most 120 characters." in error_of(long_name, "json")[1]


def test_markup_is_escaped_in_xml_and_plain_in_json(client, api: Api):
    description = 'Cây đổ <script>alert("x")</script> & dây điện'
    code = file_request(client, api, description=description).get_json()[0]["service_request_id"]
    as_xml = get(client, f"requests/{code}.xml")
    raw = as_xml.get_data(as_text=True)
    assert "<script>" not in raw
    assert "&lt;script&gt;" in raw and "&amp; dây điện" in raw
    assert parsed(as_xml, "xml").findtext("request/description") == description
    as_json = get(client, f"requests/{code}.json")
    assert as_json.get_json()[0]["description"] == description


def test_characters_xml_cannot_carry_are_dropped(client, api: Api):
    code = file_request(client, api, description="Ngập\x01 nước\x0b").get_json()[0][
        "service_request_id"
    ]
    response = get(client, f"requests/{code}.xml")
    assert parsed(response, "xml").findtext("request/description") == "Ngập nước"


# ---------------------------------------------------------------- tokens


@pytest.mark.parametrize("fmt", FORMATS)
def test_token_lookup(client, api: Api, fmt):
    receipt = file_request(client, api).get_json()[0]
    response = get(client, f"tokens/{receipt['token']}.{fmt}")
    assert response.status_code == 200
    if fmt == "xml":
        assert parsed(response, fmt).tag == "service_requests"
        assert parsed(response, fmt)[0].tag == "request"
    assert rows(response, fmt) == [
        {"service_request_id": receipt["service_request_id"], "token": receipt["token"]}
    ]
    assert error_of(get(client, f"tokens/unknown-token.{fmt}"), fmt) == (404, "unknown token")


# ---------------------------------------------------------------- reading requests


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_list_and_detail(client, api: Api, fmt):
    code = file_request(client, api).get_json()[0]["service_request_id"]
    item = feedback_queries.by_code(code)
    listed = get(client, f"requests.{fmt}", jurisdiction_id=SLUG)
    assert listed.status_code == 200
    if fmt == "xml":
        assert parsed(listed, fmt).tag == "service_requests"
    (record,) = rows(listed, fmt)
    assert record == {
        "service_request_id": code,
        "status": "open",
        "status_notes": "received",
        "service_name": "Môi trường",
        "service_code": "environment",
        "description": item.body,
        "agency_responsible": "Phường Bồ Đề",
        "service_notice": "",
        "requested_datetime": item.received_at.astimezone(HANOI).isoformat(timespec="seconds"),
        # No public change yet: updated when it was filed.
        "updated_datetime": item.received_at.astimezone(HANOI).isoformat(timespec="seconds"),
        "expected_datetime": f"{item.due_on.isoformat()}T17:00:00+07:00",
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": "21.0465",
        "long": "105.872",
        "media_url": "",
    }
    assert record["requested_datetime"].endswith("+07:00")
    assert rows(get(client, f"requests/{code}.{fmt}"), fmt) == [record]
    in_english = rows(get(client, f"requests/{code}.{fmt}", locale="en"), fmt)
    assert in_english[0]["service_name"] == "Environment"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_urgent_request_is_expected_by_its_shorter_limit(client, api: Api, fmt):
    """expected_datetime is the answer's deadline: the end of the deadline's working day,
    or an urgent item's hour to answer by, which comes sooner."""
    from portal.feedback import deadlines as feedback_deadlines
    from portal.feedback.models import Urgency

    code = file_request(client, api).get_json()[0]["service_request_id"]
    item = feedback_queries.by_code(code)
    normal = rows(get(client, f"requests/{code}.{fmt}"), fmt)[0]["expected_datetime"]
    assert normal == f"{item.due_on.isoformat()}T17:00:00+07:00"
    feedback_deadlines.set_urgency(api.world.staff, item, Urgency.URGENT)
    db.session.commit()
    urgent = rows(get(client, f"requests/{code}.{fmt}"), fmt)[0]["expected_datetime"]
    assert urgent == item.due_at.astimezone(HANOI).isoformat(timespec="seconds")
    assert urgent.endswith("+07:00") and urgent < normal


@pytest.mark.parametrize("fmt", FORMATS)
def test_request_detail_not_found(client, api: Api, fmt):
    hidden = resident_feedback(api.world, publish=False)
    db.session.commit()
    for code in ("NOPE2345", hidden.code):
        missing = get(client, f"requests/{code}.{fmt}")
        assert error_of(missing, fmt) == (404, "unknown service_request_id")


def test_request_detail_of_another_jurisdiction_is_not_found(client, api: Api):
    code = file_request(client, api).get_json()[0]["service_request_id"]
    other = api.world.other_ward.slug
    assert get(client, f"requests/{code}.json", jurisdiction_id=other).status_code == 404
    assert get(client, f"requests/{code}.json", jurisdiction_id=SLUG).status_code == 200


def test_unpublished_feedback_and_personal_data_never_leave(client, api: Api):
    world = api.world
    resident_feedback(world, publish=False, title="Bí mật", body="Chuyện riêng nhà tôi.")
    shown = resident_feedback(
        world, body="Gọi tôi: 0912 345 678 hoặc dan@example.vn, nhà số 5 ngõ 12."
    )
    filed = file_request(client, api, media_url="https://example.vn/anh.jpg").get_json()[0]
    db.session.commit()
    for fmt in FORMATS:
        response = get(client, f"requests.{fmt}", jurisdiction_id=SLUG)
        text = response.get_data(as_text=True)
        codes = [r["service_request_id"] for r in rows(response, fmt)]
        assert codes == [filed["service_request_id"], shown.code]
        for personal in (
            "Chuyện riêng",
            "Hoàng Thị Dân",
            "0912 345 678",
            "912345678",
            "dan@example.vn",
            "Số 5 ngõ 12 Bồ Đề",
            "Lê Thị Báo",
            "Thị Báo",
            "987654321",
            "bao@example.vn",
            "android-42",
            filed["token"],
        ):
            assert personal not in text
        by_code = {r["service_request_id"]: r for r in rows(response, fmt)}
        assert by_code[shown.code]["description"] == ("Gọi tôi: ••• hoặc •••, nhà số 5 ngõ 12.")
        # a resident's map position stays private; the client's own report shows its own
        assert "lat" not in by_code[shown.code] and "long" not in by_code[shown.code]
        assert by_code[filed["service_request_id"]]["lat"] == "21.0465"
        assert by_code[filed["service_request_id"]]["media_url"] == "https://example.vn/anh.jpg"


def _item_in(world: World, status: str) -> Feedback:
    """Published feedback moved through the staff workflow to `status`."""
    item = resident_feedback(world, body=f"Trạng thái {status}")
    staff = world.staff
    if status == "in_progress":
        feedback_workflow.assign(staff, item, staff.id)
    elif status == "waiting":
        feedback_workflow.request_info(staff, item, "Xin cho biết số nhà.")
    elif status in ("answered", "closed"):
        feedback_workflow.reply(
            staff, item, "Đã thu gom. Liên hệ 0243 827 1234 nếu cần.", answer=True
        )
        if status == "closed":
            feedback_workflow.close(staff, item)
    elif status == "transferred":
        feedback_workflow.transfer(staff, item, "Công an phường Bồ Đề")
    elif status == "rejected":
        feedback_workflow.reject(staff, item, "Không thuộc thẩm quyền; gọi 0987 111 222.")
    return item


STATUS_TABLE = {
    "received": ("open", "received", "Phường Bồ Đề"),
    "in_progress": ("open", "in progress", "Phường Bồ Đề"),
    "waiting": ("open", "waiting for the resident", "Phường Bồ Đề"),
    "answered": ("closed", "answered: Đã thu gom. Liên hệ ••• nếu cần.", "Phường Bồ Đề"),
    "closed": ("closed", "closed: Đã thu gom. Liên hệ ••• nếu cần.", "Phường Bồ Đề"),
    "transferred": ("closed", "transferred to Công an phường Bồ Đề", "Công an phường Bồ Đề"),
    "rejected": ("closed", "rejected: Không thuộc thẩm quyền; gọi •••.", "Phường Bồ Đề"),
}


@pytest.mark.parametrize("status", sorted(STATUS_TABLE))
def test_status_mapping_and_notes(client, api: Api, status):
    item = _item_in(api.world, status)
    db.session.commit()
    assert item.status == FeedbackStatus(status)
    (record,) = get(client, "requests.json", jurisdiction_id=SLUG).get_json()
    assert (record["status"], record["status_notes"], record["agency_responsible"]) == (
        STATUS_TABLE[status]
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_filters(client, api: Api, fmt):
    world = api.world
    now = utcnow()
    old = resident_feedback(world, now=now - timedelta(days=100))
    week_ago = resident_feedback(world, category="environment", now=now - timedelta(days=7))
    answered = _item_in(world, "answered")
    db.session.commit()

    def codes(**params):
        response = get(client, f"requests.{fmt}", jurisdiction_id=SLUG, **params)
        assert response.status_code == 200
        return [r["service_request_id"] for r in rows(response, fmt)]

    assert codes() == [answered.code, week_ago.code]  # the last 90 days, newest first
    assert codes(status="open") == [week_ago.code]
    assert codes(status="closed") == [answered.code]
    assert codes(status="open,closed") == [answered.code, week_ago.code]
    assert codes(service_code="environment") == [week_ago.code]
    assert codes(service_code="urban_order,environment") == [answered.code, week_ago.code]
    day = timedelta(days=1)
    assert codes(
        start_date=(now - 200 * day).isoformat(), end_date=(now - 50 * day).isoformat()
    ) == [old.code]
    assert codes(start_date=(now - 8 * day).isoformat()) == [answered.code, week_ago.code]
    assert codes(end_date=(now - 3 * day).isoformat()) == [week_ago.code]
    # service_request_id overrides every other filter
    assert codes(service_request_id=f"{old.code},{answered.code.lower()}", status="open") == [
        answered.code,
        old.code,
    ]


def test_dates_may_be_local_and_the_plus_sign_unencoded(client, api: Api):
    item = resident_feedback(api.world)
    db.session.commit()
    received = item.received_at.astimezone(HANOI)
    start = (received - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")
    for value in (start, f"{start}+07:00", f"{start} 07:00", f"{start[:10]}"):
        response = client.get(f"{BASE}/requests.json?jurisdiction_id={SLUG}&start_date={value}")
        assert [r["service_request_id"] for r in response.get_json()] == [item.code], value


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"start_date": "yesterday"}, "start_date must be a W3C datetime"),
        ({"end_date": "2026-13-45T00:00:00Z"}, "end_date must be a W3C datetime"),
        (
            {"start_date": "2026-11-20T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},
            "start_date must not be after end_date",
        ),
        ({"status": "pending"}, "status must be open or closed"),
        ({"status": "open,done"}, "status must be open or closed"),
        ({"locale": "klingon"}, "locale must be vi or en"),
    ],
)
def test_bad_search_parameters_are_400(client, api: Api, fmt, params, expected):
    response = get(client, f"requests.{fmt}", jurisdiction_id=SLUG, **params)
    code, description = error_of(response, fmt)
    assert code == 400 and description.startswith(expected)


def test_request_list_needs_a_jurisdiction_among_several_wards(client, api: Api):
    assert error_of(get(client, "requests.json"), "json")[0] == 400
    assert error_of(get(client, "requests.xml", jurisdiction_id="nowhere"), "xml")[0] == 404


def test_request_list_queries_do_not_grow_with_rows(client, api: Api):
    def queries() -> int:
        with count_queries() as statements:
            response = get(client, "requests.json", jurisdiction_id=SLUG)
        assert response.status_code == 200
        return len(statements)

    _item_in(api.world, "answered")
    db.session.commit()
    few = queries()
    assert few == 4  # the ward, the requests with their category, the answers, the changes
    for status in ("answered", "closed", "transferred", "rejected", "received", "waiting"):
        _item_in(api.world, status)
    db.session.commit()
    assert len(get(client, "requests.json", jurisdiction_id=SLUG).get_json()) == 7
    assert queries() == few


def test_json_keeps_the_spec_field_order_and_types(client, api: Api):
    file_request(client, api)
    record = get(client, "requests.json", jurisdiction_id=SLUG).get_json()[0]
    assert list(record)[:3] == ["service_request_id", "status", "status_notes"]
    assert isinstance(record["lat"], float) and isinstance(record["long"], float)
    services_json = get(client, "services.json", jurisdiction_id=SLUG).get_json()
    assert services_json[0]["metadata"] is False
    assert json.loads(get(client, "discovery.json").get_data(as_text=True))["endpoints"]
