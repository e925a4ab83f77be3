"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/, in JSON and
XML. Anyone may read; filing a request needs an API key, so the blueprint has no CSRF check.
Every error, a wrong URL included, is answered in the spec's error format. Every endpoint is
rate-limited per client address and per key, and readable cross-origin by the origins the
settings list (portal.api.limits)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, request, url_for
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from portal.api import georeport, openapi
from portal.api.georeport import ApiError
from portal.api.limits import add_cors_headers, api_limited, preflight
from portal.errors import with_retry_after
from portal.extensions import csrf, db, lookup_limited
from portal.security import public
from portal.web import commit

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
# The element each member of a nested list is written as.
XML_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute"}
# Characters XML 1.0 cannot carry, even escaped.
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
ANY_METHOD = ["GET", "POST", "PUT", "PATCH", "DELETE"]


# ---------------------------------------------------------------- rendering


def _element(tag: str, value, item_tag: str | None = None) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for name, child in value.items():
            element.append(_element(name, child, XML_ITEMS.get(name)))
    elif isinstance(value, list):
        for child in value:
            element.append(_element(item_tag or "item", child))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = XML_INVALID.sub("", str(value))
    return element


def _render(fmt: str, payload, root: str, item: str | None = None, status: int = 200):
    """The payload as JSON, or as XML under `root` (list members as `item` elements)."""
    if fmt == "xml":
        tree = _element(root, payload, item)
        body = XML_DECLARATION + ET.tostring(tree, encoding="unicode")
    else:
        body = json.dumps(payload, ensure_ascii=False)
    return Response(body, status=status, content_type=CONTENT_TYPES[fmt])


def _requested_format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in CONTENT_TYPES:
        return fmt
    return "xml" if request.path.endswith(".xml") else "json"


def _error(status: int, description: str):
    db.session.rollback()
    return _error_without_rollback(status, description)


def _error_without_rollback(status: int, description: str):
    payload = [{"code": status, "description": description}]
    return _render(_requested_format(), payload, "errors", "error", status)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return _error(error.status, error.description)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    response = _error(error.code or 500, error.name.lower())
    response.headers.extend((k, v) for k, v in error.get_headers() if k == "Allow")
    return with_retry_after(response) if error.code == 429 else response


@bp.errorhandler(sa.exc.OperationalError)
@bp.errorhandler(sa.exc.TimeoutError)
def _database_unavailable(error: Exception):
    """The database does not answer: 503 with Retry-After, as the pages do."""
    current_app.logger.error("database unavailable on %s %s", request.method, request.path)
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        db.session.close()
    response = _error_without_rollback(503, "service unavailable")
    response.headers["Retry-After"] = str(current_app.config.get("DATABASE_RETRY_AFTER", 30))
    return response


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return _error(500, "internal error")


@bp.url_value_preprocessor
def _check_format(endpoint: str | None, values: dict | None) -> None:
    if values and "fmt" in values and values["fmt"] not in CONTENT_TYPES:
        raise ApiError(404, "unknown format: use .json or .xml")


@bp.before_request
def _answer_preflight():
    """A browser's CORS preflight, answered before any endpoint (see portal.api.limits)."""
    return preflight()


bp.after_request(add_cors_headers)


def _locale() -> str:
    return georeport.locale_of(request.args.get("locale"))


# ---------------------------------------------------------------- endpoints


@bp.get("/openapi.json")
@public
@api_limited
def openapi_document():
    """The OpenAPI 3.0 description of this endpoint (docs/open311.md)."""
    server = url_for("open311.unknown", _external=True).rstrip("/")
    return Response(
        json.dumps(openapi.document(server), ensure_ascii=False),
        content_type=CONTENT_TYPES["json"],
    )


@bp.get("/discovery.<fmt>")
@public
@api_limited
def discovery(fmt: str):
    """Where the endpoint is, what it speaks and whom to ask for a key."""
    base_url = url_for("open311.unknown", _external=True)
    return _render(fmt, georeport.discovery(base_url), "discovery")


@bp.get("/services.<fmt>")
@public
@api_limited
def service_list(fmt: str):
    """The ward's feedback categories as services."""
    ward = georeport.jurisdiction(request.args.get("jurisdiction_id"))
    return _render(fmt, georeport.service_list(ward, _locale()), "services", "service")


@bp.get("/services/<service_code>.<fmt>")
@public
@api_limited
def service_definition(service_code: str, fmt: str):
    """A service's extra questions (there are none)."""
    ward = georeport.jurisdiction(request.args.get("jurisdiction_id"))
    return _render(fmt, georeport.service_definition(ward, service_code), "service_definition")


@bp.post("/requests.<fmt>")
@public
@api_limited
def create_request(fmt: str):
    """File a service request with an API key; it lands in the ward's feedback inbox."""
    item = georeport.file_request(request.form)
    commit()
    return _render(fmt, [georeport.receipt(item)], "service_requests", "request")


@bp.get("/requests.<fmt>")
@public
@api_limited
def request_list(fmt: str):
    """The ward's published requests, by default those of the last 90 days."""
    ward = georeport.jurisdiction(request.args.get("jurisdiction_id"))
    items = georeport.find_requests(ward, georeport.request_filter(request.args))
    records = georeport.request_records(items, _locale())
    return _render(fmt, records, "service_requests", "request")


@bp.get("/requests/<service_request_id>.<fmt>")
@public
@api_limited
@lookup_limited
def request_detail(service_request_id: str, fmt: str):
    """One published request."""
    ward = georeport.optional_jurisdiction(request.args.get("jurisdiction_id"))
    item = georeport.published_request(service_request_id, ward)
    records = georeport.request_records([item], _locale())
    return _render(fmt, records, "service_requests", "request")


@bp.get("/servicerequestupdates.<fmt>")
@public
@api_limited
def request_updates(fmt: str):
    """The public changes of the ward's published requests in a window (the FixMyStreet
    extension GeoReport clients poll): status changes and the ward's public replies."""
    ward = georeport.jurisdiction(request.args.get("jurisdiction_id"))
    updates = georeport.find_updates(ward, georeport.update_filter(request.args))
    return _render(fmt, updates, "service_request_updates", "request_update")


@bp.get("/tokens/<token>.<fmt>")
@public
@api_limited
@lookup_limited
def token(token: str, fmt: str):
    """The request a token from filing became."""
    ward = georeport.optional_jurisdiction(request.args.get("jurisdiction_id"))
    return _render(fmt, [georeport.token_record(token, ward)], "service_requests", "request")


def _methods_elsewhere() -> list[str]:
    """The methods another endpoint of this URL answers (so the answer is 405, not 404)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST"):
        try:
            endpoint, _values = adapter.match(method=method)
        except HTTPException:
            continue
        if endpoint != request.endpoint:
            allowed.append(method)
    return allowed


@bp.route("/", defaults={"path": ""}, methods=ANY_METHOD)
@bp.route("/<path:path>", methods=ANY_METHOD)
@public
@api_limited
def unknown(path: str):
    """Anything else under the endpoint: not found, or a known URL with the wrong method."""
    allowed = _methods_elsewhere()
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise ApiError(404, "not found")
