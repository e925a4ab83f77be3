"""The OpenAPI 3.0 description of the Open311 GeoReport v2 endpoint, served at
/open311/v2/openapi.json (docs/open311.md): what a city app may call and what it gets back,
errors included. The test suite runs schemathesis against it."""

from __future__ import annotations

FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "description": "json or xml",
    "schema": {"type": "string", "enum": ["json", "xml"]},
}
JURISDICTION = {
    "name": "jurisdiction_id",
    "in": "query",
    "description": "The ward's slug, e.g. phuong-bo-de (may be left out when one ward is served)",
    "schema": {"type": "string", "maxLength": 100},
}
LOCALE = {
    "name": "locale",
    "in": "query",
    "description": "vi (default) or en",
    "schema": {"type": "string", "maxLength": 10},
}
ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": "string", "nullable": True}


def _answers(schema: dict, *errors: int) -> dict:
    """200 with `schema` in JSON (XML has the same fields), and the errors in the spec's
    error format."""
    answers = {
        "200": {
            "description": "OK",
            "content": {
                "application/json": {"schema": schema},
                "text/xml": {"schema": {"type": "string"}},
            },
        }
    }
    for status in errors:
        answers[str(status)] = {
            "description": "An error, in the GeoReport error format",
            "content": {
                "application/json": {"schema": ERRORS},
                "text/xml": {"schema": {"type": "string"}},
            },
        }
    return answers


SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {
        "service_code": TEXT,
        "service_name": TEXT,
        "description": TEXT,
        "metadata": {"type": "boolean"},
        "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
        "keywords": TEXT,
        "group": TEXT,
    },
}
REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": TEXT,
        "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": TEXT,
        "service_name": TEXT,
        "service_code": TEXT,
        "description": TEXT,
        "agency_responsible": TEXT,
        "service_notice": TEXT,
        "requested_datetime": TEXT,
        "updated_datetime": TEXT,
        "expected_datetime": NULLABLE_TEXT,
        "address": TEXT,
        "address_id": TEXT,
        "zipcode": TEXT,
        "lat": {"type": "number"},
        "long": {"type": "number"},
        "media_url": NULLABLE_TEXT,
    },
}
UPDATE = {
    "type": "object",
    "required": ["update_id", "service_request_id", "status", "updated_datetime"],
    "properties": {
        "update_id": TEXT,
        "service_request_id": TEXT,
        "status": {"type": "string", "enum": ["open", "closed"]},
        "updated_datetime": TEXT,
        "description": TEXT,
        "media_url": TEXT,
    },
}
RECEIPT = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_request_id"],
        "properties": {
            "service_request_id": TEXT,
            "token": TEXT,
            "service_notice": TEXT,
            "account_id": TEXT,
        },
    },
}
NEW_REQUEST = {
    "type": "object",
    "required": ["api_key", "service_code", "description"],
    "properties": {
        "api_key": {"type": "string", "maxLength": 200},
        "jurisdiction_id": {"type": "string", "maxLength": 100},
        "service_code": {"type": "string", "maxLength": 50},
        "lat": {"type": "string", "maxLength": 30},
        "long": {"type": "string", "maxLength": 30},
        "address_string": {"type": "string", "maxLength": 500},
        "address_id": {"type": "string", "maxLength": 100},
        "email": {"type": "string", "maxLength": 254},
        "device_id": {"type": "string", "maxLength": 100},
        "account_id": {"type": "string", "maxLength": 100},
        "first_name": {"type": "string", "maxLength": 60},
        "last_name": {"type": "string", "maxLength": 60},
        "phone": {"type": "string", "maxLength": 20},
        "description": {"type": "string", "maxLength": 5000},
        "media_url": {"type": "string", "maxLength": 500},
    },
}


def document(server_url: str) -> dict:
    """The description, with the endpoint's own address as its server."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Ward Portal Open311 GeoReport v2",
            "version": "v2",
            "description": (
                "Residents' feedback of the wards served, as Open311 GeoReport v2 service "
                "requests (http://wiki.open311.org/GeoReport_v2). Reading is open; filing needs "
                "an API key issued by the city's administrator."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/discovery.{format}": {
                "get": {
                    "summary": "Where the endpoint is and what it speaks",
                    "parameters": [FORMAT],
                    "responses": _answers({"type": "object"}, 404),
                }
            },
            "/services.{format}": {
                "get": {
                    "summary": "The ward's feedback categories",
                    "parameters": [FORMAT, JURISDICTION, LOCALE],
                    "responses": _answers({"type": "array", "items": SERVICE}, 400, 404),
                }
            },
            "/services/{service_code}.{format}": {
                "get": {
                    "summary": "A service's extra questions (none)",
                    "parameters": [
                        {
                            "name": "service_code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[a-z0-9_-]{1,50}$"},
                        },
                        FORMAT,
                        JURISDICTION,
                    ],
                    "responses": _answers({"type": "object"}, 400, 404),
                }
            },
            "/requests.{format}": {
                "get": {
                    "summary": "Published requests, the last 90 days unless asked otherwise",
                    "parameters": [
                        FORMAT,
                        JURISDICTION,
                        LOCALE,
                        {"name": "service_request_id", "in": "query", "schema": TEXT},
                        {"name": "service_code", "in": "query", "schema": TEXT},
                        {"name": "start_date", "in": "query", "schema": TEXT},
                        {"name": "end_date", "in": "query", "schema": TEXT},
                        {"name": "status", "in": "query", "schema": TEXT},
                    ],
                    "responses": _answers({"type": "array", "items": REQUEST}, 400, 404),
                },
                "post": {
                    "summary": "File a request (an API key is needed)",
                    "parameters": [FORMAT],
                    "requestBody": {
                        "required": True,
                        "content": {"application/x-www-form-urlencoded": {"schema": NEW_REQUEST}},
                    },
                    "responses": _answers(RECEIPT, 400, 403, 404, 429),
                },
            },
            "/requests/{service_request_id}.{format}": {
                "get": {
                    "summary": "One published request",
                    "parameters": [
                        {
                            "name": "service_request_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9-]{1,20}$"},
                        },
                        FORMAT,
                        JURISDICTION,
                        LOCALE,
                    ],
                    "responses": _answers({"type": "array", "items": REQUEST}, 400, 404),
                }
            },
            "/servicerequestupdates.{format}": {
                "get": {
                    "summary": "Public changes of published requests (FixMyStreet's extension)",
                    "parameters": [
                        FORMAT,
                        JURISDICTION,
                        {"name": "start_date", "in": "query", "schema": TEXT},
                        {"name": "end_date", "in": "query", "schema": TEXT},
                        {"name": "page", "in": "query", "schema": TEXT},
                        {"name": "page_size", "in": "query", "schema": TEXT},
                    ],
                    "responses": _answers({"type": "array", "items": UPDATE}, 400, 404),
                }
            },
            "/tokens/{token}.{format}": {
                "get": {
                    "summary": "The request a filing's token became",
                    "parameters": [
                        {
                            "name": "token",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
                        },
                        FORMAT,
                        JURISDICTION,
                    ],
                    "responses": _answers(RECEIPT, 400, 404),
                }
            },
        },
    }
