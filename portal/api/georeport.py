"""Open311 GeoReport v2 over the feedback of served wards: which ward a call means, the
services (feedback categories), filing a request with an API key, and the public view of
requests. Nothing personal leaves: no names, phones, e-mails or addresses, only items whose
senders allowed publication, and their text with phone numbers and e-mails redacted.

Refusals are ApiError (HTTP status + plain-English description, as the spec wants them);
services add and flush, the view commits."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, joinedload

from portal.api import keys
from portal.codes import normalize_code
from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from portal.feedback import categories as feedback_categories
from portal.feedback import queries as feedback_queries
from portal.feedback import redaction as feedback_redaction
from portal.feedback import submission as feedback_submission
from portal.feedback.models import (
    FINAL_STATUSES,
    Channel,
    EventKind,
    Feedback,
    FeedbackCategory,
    FeedbackEvent,
    FeedbackStatus,
)
from portal.timeutil import FIRST_DAY, LAST_DAY, local_zone, plausible_day
from portal.wards import services as ward_services
from portal.wards.models import Ward

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-26T00:00:00+07:00"  # when this interface last changed
FORMATS = ("text/xml", "application/json")
DEFAULT_CONTACT = "The ward People's Committee, through the Ward Portal's feedback pages."
KEY_SERVICE = "Ask the city administrator: keys are issued in the portal under API keys."

MAX_RESULTS = 1000
DEFAULT_WINDOW = timedelta(days=90)
TITLE_LENGTH = 80
WORKDAY_END = time(17, 0)  # expected_datetime: the end of the deadline's working day
ANONYMOUS_REPORTER = "Open311"

# Open311 "closed": nothing more is expected from the ward (an answer counts).
CLOSED_STATUSES = (FeedbackStatus.ANSWERED, *FINAL_STATUSES)
WITH_ANSWER = (FeedbackStatus.ANSWERED, FeedbackStatus.CLOSED)
STATUS_NOTES = {
    FeedbackStatus.RECEIVED: "received",
    FeedbackStatus.IN_PROGRESS: "in progress",
    FeedbackStatus.WAITING: "waiting for the resident",
    FeedbackStatus.ANSWERED: "answered",
    FeedbackStatus.CLOSED: "closed",
    FeedbackStatus.TRANSFERRED: "transferred",
    FeedbackStatus.REJECTED: "rejected",
    FeedbackStatus.MERGED: "merged",
}
# Which request parameter a feedback rule's field comes from, to say what to fix.
PARAMETER_OF = {
    "category_id": "service_code",
    "title": "description",
    "body": "description",
    "address": "address_string",
    "latitude": "lat/long",
    "contact_name": "first_name/last_name",
    "contact_phone": "phone",
    "contact_email": "email",
}


class ApiError(Exception):
    """A call the API refuses: the HTTP status and a plain-English description."""

    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status = status
        self.description = description


def _param(params: Mapping[str, str], name: str) -> str:
    return (params.get(name) or "").strip()


def _split(value: str | None) -> list[str]:
    """A comma-delimited parameter's values."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]


# ---------------------------------------------------------------- jurisdictions and services


def jurisdiction(slug: str | None) -> Ward:
    """The served ward a call names by its slug; it may be left out while one ward is served."""
    slug = (slug or "").strip()
    if slug:
        ward = ward_services.get_ward_by_slug(slug)
        if ward is None:
            raise ApiError(404, "unknown jurisdiction_id")
        return ward
    served = db.session.execute(
        sa.select(Ward).where(Ward.enabled).order_by(Ward.id).limit(2)
    ).scalars()
    wards = list(served)
    if len(wards) == 1:
        return wards[0]
    if not wards:
        raise ApiError(404, "no jurisdiction is served here")
    raise ApiError(400, "jurisdiction_id required: this endpoint serves several wards")


def optional_jurisdiction(slug: str | None) -> Ward | None:
    """The ward named by a call that does not need one (a request or token lookup)."""
    return jurisdiction(slug) if (slug or "").strip() else None


def locale_of(value: str | None) -> str:
    """The language of service names: Vietnamese unless `locale` asks for English."""
    language = (value or "vi").strip().replace("-", "_").split("_")[0].lower()
    if language not in ("vi", "en"):
        raise ApiError(400, "locale must be vi or en")
    return language


def discovery(base_url: str) -> dict:
    """What the endpoint offers and whom to ask for a key."""
    return {
        "changeset": CHANGESET,
        "contact": current_app.config.get("OPEN311_CONTACT", DEFAULT_CONTACT),
        "key_service": KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": list(FORMATS),
            }
        ],
    }


def service_list(ward: Ward, locale: str) -> list[dict]:
    """The ward's active feedback categories as Open311 services (read only: a ward without
    categories has no services)."""
    return [
        {
            "service_code": category.code,
            "service_name": category.name(locale),
            "description": category.description(locale),
            "metadata": False,
            "type": "realtime",
            "keywords": "",
            "group": "",
        }
        for category in feedback_categories.ward_categories(ward.id)
    ]


def _service(ward: Ward, code: str) -> FeedbackCategory | None:
    category = feedback_categories.category_by_code(ward.id, code)
    return category if category is not None and category.active else None


def service_definition(ward: Ward, code: str) -> dict:
    """A service's extra questions: none, every category takes the same request."""
    category = _service(ward, code)
    if category is None:
        raise ApiError(404, "unknown service_code")
    return {"service_code": category.code, "attributes": []}


# ---------------------------------------------------------------- filing a request


def _position(params: Mapping[str, str]) -> tuple[float | None, float | None]:
    lat, lon = _param(params, "lat"), _param(params, "long")
    if not lat and not lon:
        return None, None
    try:
        latitude, longitude = float(lat), float(lon)
    except ValueError as exc:
        raise ApiError(400, "lat and long must both be decimal degrees (WGS84)") from exc
    if not (
        math.isfinite(latitude)
        and math.isfinite(longitude)
        and -90 <= latitude <= 90
        and -180 <= longitude <= 180
    ):
        raise ApiError(400, "lat must be between -90 and 90 and long between -180 and 180")
    return latitude, longitude


def _media_url(params: Mapping[str, str]) -> str:
    url = _param(params, "media_url")
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
            raise ApiError(400, "media_url must be an http or https URL of at most 500 characters")
    return url


def _title(description: str, category: FeedbackCategory) -> str:
    return " ".join(description.split())[:TITLE_LENGTH] or category.name_vi


def _describe(error: DomainError) -> str:
    """A feedback rule's messages, each naming the parameter to fix."""
    if not error.errors:
        return str(error.message)
    described = (
        f"{PARAMETER_OF.get(name, name)}: {message}" if name else str(message)
        for name, message in error.errors.items()
    )
    return "; ".join(dict.fromkeys(described))


def file_request(params: Mapping[str, str]) -> Feedback:
    """File a service request with a client's key; it reaches the ward's inbox like any other
    feedback, published (an Open311 request is public by nature)."""
    raw_key = _param(params, "api_key")
    if not raw_key:
        raise ApiError(400, "api_key required")
    key = keys.authenticate(raw_key)
    if key is None:
        raise ApiError(403, "invalid api_key")
    ward = jurisdiction(params.get("jurisdiction_id"))
    if key.ward_id is not None and key.ward_id != ward.id:
        raise ApiError(403, "this api_key may not file requests in this jurisdiction")
    code = _param(params, "service_code")
    if not code:
        raise ApiError(400, "service_code required")
    category = _service(ward, code)
    if category is None:
        raise ApiError(400, "unknown service_code")
    latitude, longitude = _position(params)
    address = _param(params, "address_string")
    if latitude is None and not address and not _param(params, "address_id"):
        raise ApiError(400, "location required: lat and long, address_string or address_id")
    description = _param(params, "description")
    if not description:
        raise ApiError(400, "description required")
    names = (_param(params, "first_name"), _param(params, "last_name"))
    data = feedback_submission.FeedbackInput(
        category_id=category.id,
        title=_title(description, category),
        body=description,
        address=address,
        latitude=latitude,
        longitude=longitude,
        publish_allowed=True,
        contact_name=" ".join(filter(None, names)) or ANONYMOUS_REPORTER,
        contact_phone=_param(params, "phone"),
        contact_email=_param(params, "email"),
        channel=Channel.OPEN311,
        media_url=_media_url(params),
        device_id=_param(params, "device_id"),
    )
    try:
        item = feedback_submission.submit(ward, data, api_key_id=key.id)
    except DomainError as error:
        raise ApiError(400, _describe(error)) from error
    item.api_token = secrets.token_urlsafe(16)
    db.session.flush()
    return item


def receipt(item: Feedback) -> dict:
    """What the client is told about the request it filed."""
    return {
        "service_request_id": item.code,
        "token": item.api_token or "",
        "service_notice": "",
        "account_id": "",
    }


# ---------------------------------------------------------------- reading requests


@dataclass
class RequestFilter:
    codes: list[str]  # service_request_id: when given, every other filter is ignored
    service_codes: list[str]
    start: datetime
    end: datetime
    statuses: set[str]


# "+07:00" arrives as " 07:00" when a client forgets to encode the plus sign.
_UNENCODED_OFFSET = re.compile(r"(\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d(?::?\d\d)?)$")


def _datetime(params: Mapping[str, str], name: str) -> datetime | None:
    value = _UNENCODED_OFFSET.sub(r"\1+\2", _param(params, name))
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ApiError(
            400, f"{name} must be a W3C datetime, e.g. 2026-11-26T18:30:00+07:00"
        ) from exc
    if not plausible_day(parsed.date()):  # 0001-01-01 would not even convert to UTC
        raise ApiError(400, f"{name} must be a date from {FIRST_DAY} to {LAST_DAY}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_zone())
    return parsed.astimezone(UTC)


def request_filter(params: Mapping[str, str], now: datetime | None = None) -> RequestFilter:
    """The search a GET requests call asks for; by default the last 90 days."""
    statuses = {value.lower() for value in _split(params.get("status"))}
    if statuses - {"open", "closed"}:
        raise ApiError(400, "status must be open or closed")
    end = _datetime(params, "end_date") or (now or utcnow())
    start = _datetime(params, "start_date") or end - DEFAULT_WINDOW
    if start > end:
        raise ApiError(400, "start_date must not be after end_date")
    return RequestFilter(
        codes=[normalize_code(code) for code in _split(params.get("service_request_id"))][
            :MAX_RESULTS
        ],
        service_codes=_split(params.get("service_code")),
        start=start,
        end=end,
        statuses=statuses,
    )


def find_requests(ward: Ward, flt: RequestFilter) -> list[Feedback]:
    """The ward's published requests matching a search, newest first, at most MAX_RESULTS."""
    query = sa.select(Feedback).where(
        Feedback.ward_id == ward.id, Feedback.publish_allowed.is_(True)
    )
    if flt.codes:
        query = query.where(Feedback.code.in_(flt.codes))
    else:
        query = query.where(Feedback.received_at.between(flt.start, flt.end))
        if flt.service_codes:
            categories = sa.select(FeedbackCategory.id).where(
                FeedbackCategory.ward_id == ward.id, FeedbackCategory.code.in_(flt.service_codes)
            )
            query = query.where(Feedback.category_id.in_(categories))
        if flt.statuses == {"open"}:
            query = query.where(Feedback.status.not_in(CLOSED_STATUSES))
        elif flt.statuses == {"closed"}:
            query = query.where(Feedback.status.in_(CLOSED_STATUSES))
    query = query.order_by(Feedback.received_at.desc(), Feedback.id.desc()).limit(MAX_RESULTS)
    query = query.options(joinedload(Feedback.category))  # each request names its service
    return list(db.session.execute(query).scalars())


def published_request(code: str, ward: Ward | None) -> Feedback:
    """One published request of a served ward (of `ward`, when given)."""
    item = feedback_queries.by_code(code)
    if (
        item is None
        or not item.publish_allowed
        or not item.ward.enabled
        or (ward is not None and item.ward_id != ward.id)
    ):
        raise ApiError(404, "unknown service_request_id")
    return item


def token_record(token: str, ward: Ward | None) -> dict:
    """Which request a token, given when it was filed, became."""
    item = db.session.execute(
        sa.select(Feedback).where(Feedback.api_token == token)
    ).scalar_one_or_none()
    if item is None or not item.ward.enabled or (ward is not None and item.ward_id != ward.id):
        raise ApiError(404, "unknown token")
    return {"service_request_id": item.code, "token": item.api_token}


def _local_iso(value: datetime) -> str:
    return value.astimezone(local_zone()).isoformat(timespec="seconds")


def _expected(item: Feedback) -> str:
    """When the answer is due: an urgent item's hour to answer by (its shorter limit), else
    the end of the deadline's working day."""
    if item.due_at is not None:
        return _local_iso(item.due_at)
    return datetime.combine(item.due_on, WORKDAY_END, tzinfo=local_zone()).isoformat(
        timespec="seconds"
    )


def status_notes(item: Feedback, replies: list[FeedbackEvent], merged_into: str = "") -> str:
    """The internal status in a few English words, with the answer when there is one (for
    a duplicate, the request it was merged into: its answer is that request's)."""
    text = STATUS_NOTES[item.status]
    if item.status == FeedbackStatus.MERGED and merged_into:
        return f"merged into request {merged_into}, a report of the same matter"
    if item.status == FeedbackStatus.TRANSFERRED and item.transferred_to:
        return f"transferred to {feedback_redaction.redact(item.transferred_to)}"
    if item.status == FeedbackStatus.REJECTED and item.reject_reason:
        return f"rejected: {feedback_redaction.redact(item.reject_reason)}"
    if item.status in WITH_ANSWER and replies:
        return f"{text}: {feedback_redaction.redact(replies[-1].body)}"
    return text


# A public change of a request, as Open311 clients see it: a change of status, or a reply or
# outcome written for the public (never an internal note or assignment, nor the filing itself).
WARD_TEXTS = (EventKind.REPLY, EventKind.OUTCOME)


def _public_change(event) -> sa.ColumnElement[bool]:
    """Whether an event (FeedbackEvent or an alias of it) is a public change."""
    return sa.and_(
        event.public.is_(True),
        event.kind != EventKind.SUBMITTED,
        sa.or_(
            event.kind.in_(WARD_TEXTS),
            sa.and_(
                event.new_status.is_not(None),
                sa.or_(event.old_status.is_(None), event.old_status != event.new_status),
            ),
        ),
    )


def last_public_changes(items: list[Feedback]) -> dict[int, datetime]:
    """When each item last changed in public (one query): {feedback id: time}."""
    if not items:
        return {}
    query = (
        sa.select(FeedbackEvent.feedback_id, sa.func.max(FeedbackEvent.created_at))
        .where(FeedbackEvent.feedback_id.in_([i.id for i in items]), _public_change(FeedbackEvent))
        .group_by(FeedbackEvent.feedback_id)
    )
    return {feedback_id: when for feedback_id, when in db.session.execute(query)}


def merged_codes(items: list[Feedback]) -> dict[int, str]:
    """The codes of the requests that duplicates were merged into (one query): {id: code}."""
    ids = {i.merged_into_id for i in items if i.merged_into_id is not None}
    if not ids:
        return {}
    query = sa.select(Feedback.id, Feedback.code).where(Feedback.id.in_(ids))
    return {row.id: row.code for row in db.session.execute(query)}


def _record(
    item: Feedback,
    replies: list[FeedbackEvent],
    changed: datetime | None,
    locale: str,
    merged_into: str = "",
) -> dict:
    transferred = item.status == FeedbackStatus.TRANSFERRED and item.transferred_to
    record = {
        "service_request_id": item.code,
        "status": "closed" if item.status in CLOSED_STATUSES else "open",
        "status_notes": status_notes(item, replies, merged_into),
        "service_name": item.category.name(locale),
        "service_code": item.category.code,
        "description": feedback_redaction.redact(item.body),
        "agency_responsible": item.transferred_to if transferred else item.ward.name,
        "service_notice": "",
        "requested_datetime": _local_iso(item.received_at),
        "updated_datetime": _local_iso(changed or item.received_at),
        "expected_datetime": _expected(item),
        "address": "",  # a resident's address is personal data
        "address_id": "",
        "zipcode": "",
    }
    # Only a client's own report has a position meant to be public.
    if item.channel == Channel.OPEN311 and item.latitude is not None:
        record["lat"] = item.latitude
        record["long"] = item.longitude
    record["media_url"] = item.media_url
    return record


def request_records(items: list[Feedback], locale: str) -> list[dict]:
    """The public view of requests, in a fixed number of queries whatever their number."""
    replies = feedback_queries.public_answers([i for i in items if i.status in WITH_ANSWER])
    changes = last_public_changes(items)
    merged = merged_codes(items)
    return [
        _record(
            item,
            replies.get(item.id, []),
            changes.get(item.id),
            locale,
            merged.get(item.merged_into_id, ""),
        )
        for item in items
    ]


# ---------------------------------------------------------------- updates (FixMyStreet)


@dataclass
class UpdateFilter:
    start: datetime
    end: datetime
    page: int
    page_size: int


def _whole_number(params: Mapping[str, str], name: str, default: int, largest: int) -> int:
    text = _param(params, name)
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text[:12]) <= largest:
        raise ApiError(400, f"{name} must be a whole number from 1 to {largest}")
    return int(text)


def update_filter(params: Mapping[str, str], now: datetime | None = None) -> UpdateFilter:
    """The window a GET servicerequestupdates call asks for (by default the last 90 days),
    and the page of it (the pagination extension: page, page_size up to MAX_RESULTS)."""
    end = _datetime(params, "end_date") or (now or utcnow())
    start = _datetime(params, "start_date") or end - DEFAULT_WINDOW
    if start > end:
        raise ApiError(400, "start_date must not be after end_date")
    return UpdateFilter(
        start=start,
        end=end,
        page=_whole_number(params, "page", 1, 100_000),
        page_size=_whole_number(params, "page_size", MAX_RESULTS, MAX_RESULTS),
    )


def find_updates(ward: Ward, flt: UpdateFilter) -> list[dict]:
    """The public changes of the ward's published requests in a window, oldest first (a
    client polls with the time it last asked), in one query. The text is the ward's public
    reply or outcome with phone numbers and e-mails redacted; nothing else is told (no
    internal note, no resident's message, no name)."""
    update = aliased(FeedbackEvent)
    # The request's status after this change: the last status recorded up to it.
    status_after = (
        sa.select(FeedbackEvent.new_status)
        .where(
            FeedbackEvent.feedback_id == Feedback.id,
            FeedbackEvent.id <= update.id,
            FeedbackEvent.new_status.is_not(None),
        )
        .order_by(FeedbackEvent.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        sa.select(
            update.id,
            update.kind,
            update.body,
            update.created_at,
            Feedback.code,
            status_after.label("status"),
        )
        .join(Feedback, Feedback.id == update.feedback_id)
        .where(
            Feedback.ward_id == ward.id,
            Feedback.publish_allowed.is_(True),
            update.created_at.between(flt.start, flt.end),
            _public_change(update),
        )
        .order_by(update.created_at, update.id)
        .limit(flt.page_size)
        .offset((flt.page - 1) * flt.page_size)
    )
    return [
        {
            "update_id": str(row.id),
            "service_request_id": row.code,
            "status": "closed" if FeedbackStatus(row.status) in CLOSED_STATUSES else "open",
            "updated_datetime": _local_iso(row.created_at),
            "description": (feedback_redaction.redact(row.body) if row.kind in WARD_TEXTS else ""),
            "media_url": "",  # the ward's files are for the sender and officials only
        }
        for row in db.session.execute(query)
    ]
