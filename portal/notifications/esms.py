"""Brandname SMS through eSMS.vn's HTTP API (customer-care messages, SmsType 2).

- The outbox message id is the provider's RequestId: a retry of a message the provider took
  already is answered "duplicate RequestId" (124), which counts as sent, so nothing goes out
  twice.
- The text goes without diacritics when SMS_WITHOUT_DIACRITICS is on (IsUnicode 0).
- Delivery reports come back by GET to the portal's callback
  (`/hooks/sms/esms/<message id>/<signature>`): the signature of the message id in the path
  means nobody else can mark messages delivered, whatever eSMS adds to the query.
- The provider's host is a setting (ESMS_API_URL), so the tests talk to a local server that
  answers as the provider's documentation says.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from portal.notifications import sms_text
from portal.notifications.handover import ProviderRefused
from portal.notifications.models import OutboxMessage

ACCEPTED = "100"
DUPLICATE_REQUEST = "124"  # the provider took this RequestId already: it was sent
# Refusals about the number itself, which no retry can mend: the worker gives up at once
# (99 the number is blocked, 108 not a phone number, 177 its network is not registered for
# the brandname). Refusals about the ward's account (101 wrong keys, 103 no balance, 104
# unknown brandname, 140 server address not allowed, 146 wrong template) are retried with
# the usual backoff, so that the message still goes once the ward has set it right.
PERMANENT = {"99", "108", "177"}
TIMEOUT_SECONDS = 15


def callback_signature(secret: str, message_id: int) -> str:
    return hmac.new(secret.encode(), f"sms:{message_id}".encode(), hashlib.sha256).hexdigest()[:32]


class EsmsSender:
    """Sends an outbox SMS as one eSMS customer-care message; raises to have it retried."""

    def __init__(
        self,
        *,
        api_url: str,
        api_key: str,
        secret_key: str,
        brandname: str,
        callback_base: str = "",
        signing_secret: str = "",
        plain_text: bool = True,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        if not api_url.startswith(("https://", "http://")):
            raise ValueError("ESMS_API_URL must be an http(s) URL.")
        if not (api_url and api_key and secret_key and brandname):
            raise ValueError(
                "ESMS_API_URL, ESMS_API_KEY, ESMS_SECRET_KEY and ESMS_BRANDNAME are needed."
            )
        self.api_url = api_url
        self.api_key = api_key
        self.secret_key = secret_key
        self.brandname = brandname
        self.callback_base = callback_base.rstrip("/")
        self.signing_secret = signing_secret
        self.plain_text = plain_text
        self.timeout = timeout

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EsmsSender:
        return cls(
            api_url=config.get("ESMS_API_URL", ""),
            api_key=config.get("ESMS_API_KEY", ""),
            secret_key=config.get("ESMS_SECRET_KEY", ""),
            brandname=config.get("ESMS_BRANDNAME", ""),
            callback_base=config.get("SMS_CALLBACK_BASE_URL", ""),
            signing_secret=config.get("SECRET_KEY", ""),
            plain_text=bool(config.get("SMS_WITHOUT_DIACRITICS", True)),
        )

    def request_body(self, message: OutboxMessage) -> dict:
        content, unicode = sms_text.prepare(message.body, self.plain_text)
        body = {
            "ApiKey": self.api_key,
            "SecretKey": self.secret_key,
            "Phone": message.address.replace("+84", "0", 1),
            "Content": content,
            "Brandname": self.brandname,
            "SmsType": "2",
            "IsUnicode": "1" if unicode else "0",
            "RequestId": f"outbox-{message.id}",
        }
        if self.callback_base:
            signature = callback_signature(self.signing_secret, message.id)
            body["CallbackUrl"] = f"{self.callback_base}/hooks/sms/esms/{message.id}/{signature}"
        return body

    def send(self, message: OutboxMessage) -> str:
        """Hand the message over; returns the provider's id of it (SMSID)."""
        request = urllib.request.Request(  # noqa: S310 - the provider's https URL, a setting
            self.api_url,
            data=json.dumps(self.request_body(message)).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            # bandit B310 is answered: api_url is checked to be http(s) when the sender is made
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310  # nosec B310
                answer = json.loads(response.read().decode() or "{}")
        except urllib.error.HTTPError as error:  # a 5xx or 4xx: the provider's own trouble
            raise ProviderRefused(f"eSMS HTTP {error.code}", permanent=False) from error
        code = str(answer.get("CodeResult", ""))
        if code in (ACCEPTED, DUPLICATE_REQUEST):
            return str(answer.get("SMSID") or "")
        reason = f"eSMS {code or '?'}: {answer.get('ErrorMessage') or 'refused'}"
        raise ProviderRefused(reason, permanent=code in PERMANENT)
