"""Open311 updates: each request's updated_datetime is its last public change, and
GET servicerequestupdates (the FixMyStreet extension GeoReport clients poll) lists the
public changes of published requests in a window: status changes and the ward's public
replies, never an internal note, a resident's message or personal data; JSON and XML."""

# ruff: noqa: F811 - the `api` fixture of test_open311 is imported and requested by name

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from test_open311 import (
    HANOI,
    SLUG,
    Api,
    api,  # noqa: F401 - the fixture, used by name
    error_of,
    get,
    parsed,
    resident_feedback,
    rows,
)

from portal.extensions import db
from portal.feedback import verdicts as feedback_verdicts
from portal.feedback import workflow as feedback_workflow

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội


def local(value: datetime) -> str:
    return value.astimezone(HANOI).isoformat(timespec="seconds")


@pytest.fixture
def history(api: Api):
    """A published item worked through its life, with what must never leave in between; an
    unpublished item with a reply."""
    world, staff = api.world, api.world.staff
    item = resident_feedback(world, now=T0)
    feedback_workflow.add_note(
        staff, item, "Ghi chú nội bộ: gọi 0912 000 111", now=T0 + timedelta(hours=1)
    )
    feedback_workflow.assign(staff, item, staff.id, now=T0 + timedelta(hours=2))
    feedback_workflow.request_info(staff, item, "Xin cho biết số nhà.", now=T0 + timedelta(hours=3))
    feedback_verdicts.add_information(
        world.resident, item, "Nhà tôi số 5, gọi 0987 654 321", now=T0 + timedelta(hours=4)
    )
    feedback_workflow.reply(
        staff,
        item,
        "Đã thu gom. Liên hệ 0243 827 1234 nếu cần.",
        answer=True,
        now=T0 + timedelta(hours=5),
    )
    feedback_workflow.add_note(staff, item, "Ghi chú sau cùng", now=T0 + timedelta(hours=6))
    hidden = resident_feedback(world, publish=False, now=T0)
    feedback_workflow.reply(staff, hidden, "Trả lời riêng.", answer=True, now=T0)
    db.session.commit()
    return item


WINDOW = {
    "jurisdiction_id": SLUG,
    "start_date": "2026-11-01T00:00:00+07:00",
    "end_date": "2026-11-30T00:00:00+07:00",
}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_updates_are_the_public_changes(client, history, fmt):
    response = get(client, f"servicerequestupdates.{fmt}", **WINDOW)
    assert response.status_code == 200
    if fmt == "xml":
        root = parsed(response, fmt)
        assert root.tag == "service_request_updates"
        assert {child.tag for child in root} == {"request_update"}
    updates = rows(response, fmt)
    code = history.code
    expected = [
        # assigned (internal) moved it to in progress: a status change, without its text
        ("open", T0 + timedelta(hours=2), ""),
        ("open", T0 + timedelta(hours=3), ""),  # waiting: the question is for the resident
        ("open", T0 + timedelta(hours=4), ""),  # the resident's message: never its text
        ("closed", T0 + timedelta(hours=5), "Đã thu gom. Liên hệ ••• nếu cần."),
    ]
    assert [
        (u["service_request_id"], u["status"], u["updated_datetime"], u["description"])
        for u in updates
    ] == [(code, status, local(when), text) for status, when, text in expected]
    for update in updates:
        assert list(update) == [
            "update_id",
            "service_request_id",
            "status",
            "updated_datetime",
            "description",
            "media_url",
        ]
        assert update["media_url"] == "" and update["update_id"].isdigit()
    assert len({u["update_id"] for u in updates}) == len(updates)
    text = response.get_data(as_text=True)
    for secret in ("Ghi chú", "0912", "0987", "số 5", "Trả lời riêng", "0243"):
        assert secret not in text


def test_a_request_is_updated_at_its_last_public_change(client, history):
    (record,) = get(client, f"requests/{history.code}.json").get_json()
    # The note written an hour after the answer is no public change.
    assert record["updated_datetime"] == local(T0 + timedelta(hours=5))
    assert record["requested_datetime"] == local(T0)


def test_the_window_and_the_pages(client, history):
    def times(**params):
        response = get(client, "servicerequestupdates.json", **{**WINDOW, **params})
        assert response.status_code == 200
        return [u["updated_datetime"] for u in response.get_json()]

    everything = times()
    assert len(everything) == 4
    assert times(start_date="2026-11-02T11:00:00+07:00") == everything[1:]
    assert times(end_date="2026-11-02T11:00:00+07:00") == everything[:2]  # ends included
    assert times(page_size="3") == everything[:3]
    assert times(page_size="3", page="2") == everything[3:]
    assert times(page_size="3", page="3") == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"start_date": "yesterday"}, "start_date must be a W3C datetime"),
        ({"start_date": "2026-12-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"}, "start_date"),
        ({"page_size": "0"}, "page_size must be"),
        ({"page_size": "1001"}, "page_size must be"),
        ({"page": "-1"}, "page must be"),
        ({"page": "9" * 40}, "page must be"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bad_update_parameters_are_400(client, history, params, expected, fmt):
    response = get(client, f"servicerequestupdates.{fmt}", **{**WINDOW, **params})
    code, description = error_of(response, fmt)
    assert code == 400 and description.startswith(expected)


def test_updates_need_a_jurisdiction_among_several_wards(client, history):
    assert error_of(get(client, "servicerequestupdates.json"), "json")[0] == 400
    assert error_of(get(client, "servicerequestupdates.xml", jurisdiction_id="x"), "xml")[0] == 404


def test_updates_default_to_the_last_90_days(client, api: Api):
    world = api.world
    now = datetime.now(UTC)
    old = resident_feedback(world, now=now - timedelta(days=120))
    feedback_workflow.reply(world.staff, old, "Cũ.", answer=True, now=now - timedelta(days=100))
    recent = resident_feedback(world, now=now - timedelta(days=2))
    feedback_workflow.reply(world.staff, recent, "Mới.", answer=True, now=now - timedelta(days=1))
    db.session.commit()
    updates = get(client, "servicerequestupdates.json", jurisdiction_id=SLUG).get_json()
    assert [u["description"] for u in updates] == ["Mới."]


def test_the_document_describes_the_updates(client):
    document = client.get("/open311/v2/openapi.json").get_json()
    operation = document["paths"]["/servicerequestupdates.{format}"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert names == {"format", "jurisdiction_id", "start_date", "end_date", "page", "page_size"}
