"""Callbacks from message providers. They are not forms: no CSRF token, but the address the
portal gave the provider carries a signature of the message, checked before anything."""

from __future__ import annotations

from flask import Blueprint, abort, request

from portal.extensions import csrf
from portal.notifications import delivery
from portal.security import MAX_ID, public
from portal.web import commit

bp = Blueprint("hooks", __name__, url_prefix="/hooks")


@bp.route("/sms/esms/<int:message_id>/<signature>", methods=["GET", "POST"])
@public
@csrf.exempt
def esms_report(message_id: int, signature: str):
    """eSMS calls this (by GET, as its documentation says) when a message reached the phone
    or was refused; a bad signature is a 403, an unknown message a 404."""
    if message_id > MAX_ID:
        abort(404)
    values = request.values
    recorded = delivery.record_esms_report(
        message_id, signature, values.get("SendStatus", ""), values.get("SMSID", "")
    )
    commit()
    return {"recorded": recorded}
