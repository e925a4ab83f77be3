"""The OpenAPI 3.0 description of the dossier API, served at /api/v1/openapi.json
(docs/dossier-exchange.md): the fields come from the one mapping table the API and the CSV
import share (`exchange.COLUMNS`), so the description cannot drift from what is accepted.
The test suite runs schemathesis against it."""

from __future__ import annotations

from portal.satisfaction import exchange

# What each field holds (the national name, when it has one, is described as the same).
MEANINGS = {
    "national_code": "The dossier's code in the one-stop software (MaHoSo); the key of the "
    "exchange: re-sending it updates the dossier, never a second one",
    "procedure": "The national procedure code (MaTTHC, e.g. 1.001612) or the procedure's "
    "Vietnamese name, of the ward's catalogue",
    "receipt_number": "The receipt number (SoBienNhan), unique in the ward",
    "received_at": "When it was received (NgayTiepNhan), Hà Nội time: yyyyMMddHHmmss, "
    "yyyy-mm-dd HH:MM, dd/mm/yyyy HH:MM or a date",
    "due_on": "The return date the one-stop software set (NgayHenTra)",
    "returned_at": "When the result was handed back (NgayTra)",
    "status": "TrangThaiHoSo: the national status number (1-10) or OpenCPS's word",
    "extra_visits": "Times the applicant had to come back (0-50)",
    "officer_phone": "The receiving officer's mobile number (needed for a return)",
    "applicant_phone": "The applicant's mobile number, for the dossier lookup",
}
# A call as the one-stop software sends it (valid on a ward with the default catalogue): a
# dossier received, and one returned.
EXAMPLE = {
    "dossiers": [
        {
            "MaHoSo": "000.00.30.H26-261201-0001",
            "MaTTHC": "2.000815",
            "SoBienNhan": "BN-0001",
            "NgayTiepNhan": "20261201090000",
            "TrangThaiHoSo": "4",
        },
        {
            "MaHoSo": "000.00.30.H26-261130-0007",
            "MaTTHC": "1.001612",
            "SoBienNhan": "BN-0007",
            "NgayTiepNhan": "20261130083000",
            "NgayTra": "20261201100000",
            "TrangThaiHoSo": "10",
            "extra_visits": 0,
            "officer_phone": "0901000003",
        },
    ]
}
VALUE = {"oneOf": [{"type": "string"}, {"type": "number"}], "nullable": True}


def _record() -> dict:
    properties = {}
    for column in exchange.COLUMNS:
        for name in filter(None, (column.national, column.name)):
            properties[name] = {**VALUE, "description": MEANINGS.get(column.name, column.name)}
    return {
        "type": "object",
        "description": "One dossier, each field under its national name or the portal's own "
        "(names the portal does not know are ignored); a problem is reported under the name "
        "it was sent as.",
        "properties": properties,
    }


def _error() -> dict:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "integer"}, "message": {"type": "string"}},
            }
        },
    }


def _result() -> dict:
    return {
        "type": "object",
        "required": ["index", "result"],
        "properties": {
            "index": {"type": "integer", "minimum": 0},
            "result": {"type": "string", "enum": ["created", "updated", "unchanged", "error"]},
            "MaHoSo": {"type": "string"},
            "SoBienNhan": {"type": "string"},
            "rating_link": {
                "type": "string",
                "description": "The one-time rating link, in the answer that returned the "
                "dossier and never again",
            },
            "rating_code": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    }


def _answers() -> dict:
    results = {
        "type": "object",
        "required": ["results", "counts"],
        "properties": {
            "results": {"type": "array", "items": _result()},
            "counts": {
                "type": "object",
                "properties": {
                    name: {"type": "integer", "minimum": 0}
                    for name in ("created", "updated", "unchanged", "error")
                },
            },
        },
    }
    errors = {
        "400": "The body is not JSON of the documented shape",
        "401": "No valid dossier API key",
        "403": "The key belongs to another ward than ?ward=",
        "413": f"More than {exchange.MAX_RECORDS} dossiers, or too large a body",
        "429": "Too many calls; Retry-After says when to try again",
    }
    answers = {
        "200": {
            "description": "Every record was taken",
            "content": {"application/json": {"schema": results}},
        },
        "207": {
            "description": "Some records were refused (each with its problems, by index); "
            "the others were kept",
            "content": {"application/json": {"schema": results}},
        },
    }
    for status, description in errors.items():
        answers[status] = {
            "description": description,
            "content": {"application/json": {"schema": _error()}},
        }
    return answers


def document(server_url: str) -> dict:
    """The description, with the API's own address as its server."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Ward Portal dossier API",
            "version": "v1",
            "description": "A ward's one-stop software sends its dossiers in the national "
            "field names (docs/dossier-exchange.md), with the ward's dossier API key issued "
            "by the city's administrator.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"dossierKey": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"dossierKey": []}],
        "paths": {
            "/dossiers": {
                "post": {
                    "summary": "Create or update the key's ward's dossiers, by MaHoSo",
                    "parameters": [
                        {
                            "name": "ward",
                            "in": "query",
                            "description": "The ward's slug; when given, it must be the key's",
                            "schema": {"type": "string", "maxLength": 100},
                        }
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["dossiers"],
                                    "properties": {
                                        "dossiers": {
                                            "type": "array",
                                            "maxItems": exchange.MAX_RECORDS,
                                            "items": _record(),
                                        }
                                    },
                                },
                                "example": EXAMPLE,
                            }
                        },
                    },
                    "responses": _answers(),
                }
            }
        },
    }
