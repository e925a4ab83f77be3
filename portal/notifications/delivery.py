"""Delivery reports: what the SMS provider says became of a message after it took it."""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.db import utcnow
from portal.domain import PermissionDenied, Refusal
from portal.extensions import db
from portal.notifications.esms import callback_signature
from portal.notifications.models import OutboxMessage, OutboxStatus

# eSMS's SendStatus: 5 sent successfully (reached the phone), 4 refused by the network;
# 1 pending approval, 2 waiting to be sent, 7 at the network waiting for its report.
DELIVERED, REFUSED = "5", "4"


class UnknownMessage(Refusal):
    status = 404


def record_esms_report(message_id: int, signature: str, send_status: str, sms_id: str) -> str:
    """Record an eSMS callback. Raises PermissionDenied for a bad signature, UnknownMessage
    for a message the outbox does not hold. Returns what was recorded."""
    expected = callback_signature(current_app.config["SECRET_KEY"], message_id)
    if not hmac.compare_digest(expected, signature):
        raise PermissionDenied(_l("This delivery report is not signed by the portal."))
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        raise UnknownMessage(_l("No such message."))
    if send_status == DELIVERED:
        values = {"status": OutboxStatus.DELIVERED, "delivered_at": utcnow(), "last_error": None}
    elif send_status == REFUSED:
        values = {"status": OutboxStatus.FAILED, "last_error": "eSMS: refused by the network"}
    else:
        return "in transit"
    if sms_id and not message.provider_message_id:
        values["provider_message_id"] = sms_id[:100]
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.status.in_((OutboxStatus.SENT, OutboxStatus.DELIVERED)),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return values["status"].value
