"""The dossier API at /api/v1/ (docs/dossier-exchange.md): a ward's one-stop software sends
its dossiers in the national field names with the ward's dossier key (Authorization:
Bearer). The key, not a login, is the credential, so this blueprint alone has no CSRF check
(as Open311's); a browser's cookies give no access. Every answer, errors included, is JSON."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from portal.api import keys, openapi_dossiers
from portal.api.limits import dossier_api_limited, presented_key
from portal.api.models import ApiScope
from portal.errors import with_retry_after
from portal.extensions import csrf, db
from portal.satisfaction import exchange
from portal.satisfaction import tokens as satisfaction_tokens
from portal.security import public
from portal.wards.services import get_ward_by_slug
from portal.web import commit

bp = Blueprint("dossier_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _error(status: int, message: str):
    db.session.rollback()
    response = jsonify({"error": {"code": status, "message": message}})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="dossiers"'
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    response = _error(error.code or 500, error.description or error.name)
    response.headers.extend((k, v) for k, v in error.get_headers() if k == "Allow")
    return with_retry_after(response) if error.code == 429 else response


def _answer(index: int, outcome) -> dict:
    if isinstance(outcome, list):
        errors = [{"field": column, "message": message} for column, message in outcome]
        return {"index": index, "result": "error", "errors": errors}
    dossier = outcome.dossier
    answer = {
        "index": index,
        "result": outcome.result,
        "MaHoSo": dossier.national_code or "",
        "SoBienNhan": dossier.receipt_number,
    }
    if outcome.issued is not None:  # the slip's link and code, this once
        answer["rating_link"] = url_for(
            "satisfaction.rate", token=outcome.issued.token, _external=True
        )
        answer["rating_code"] = satisfaction_tokens.format_short_code(outcome.issued.short_code)
    return answer


@bp.get("/openapi.json")
@public
@dossier_api_limited
def openapi_document():
    """The OpenAPI 3.0 description of this API (docs/dossier-exchange.md)."""
    server = url_for("dossier_api.send_dossiers", _external=True).rsplit("/", 1)[0]
    return jsonify(openapi_dossiers.document(server))


@bp.post("/dossiers")
@public
@dossier_api_limited
def send_dossiers():
    """Create or update the key's ward's dossiers, by MaHoSo: 200 when every record was
    taken, 207 with each bad record's problems by index (the good ones kept)."""
    key = keys.authenticate(presented_key(), ApiScope.DOSSIERS)
    if key is None or key.ward_id is None:
        return _error(401, _("A valid dossier API key is required (Authorization: Bearer)."))
    slug = request.args.get("ward", "").strip()
    if slug and getattr(get_ward_by_slug(slug), "id", None) != key.ward_id:
        return _error(403, _("This key may only send the dossiers of its own ward."))
    body = request.get_json(silent=True)
    items = body.get("dossiers") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return _error(400, _('The body must be JSON: {"dossiers": [ ... ]}.'))
    if len(items) > exchange.MAX_RECORDS:
        return _error(413, _("At most %(max)d dossiers per call.", max=exchange.MAX_RECORDS))
    results = exchange.import_dossiers_api(key.ward_id, items)
    commit()
    answers = [_answer(index, outcome) for index, outcome in results]
    failed = any(answer["result"] == "error" for answer in answers)
    counts = {
        name: sum(1 for a in answers if a["result"] == name)
        for name in ("created", "updated", "unchanged", "error")
    }
    current_app.logger.info("dossier API: ward %s %s", key.ward_id, counts)
    response = jsonify({"results": answers, "counts": counts})
    response.status_code = 207 if failed else 200
    response.headers["Cache-Control"] = "no-store"
    return response
