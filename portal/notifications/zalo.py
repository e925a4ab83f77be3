"""Zalo Notification Service (ZNS): a message from the ward's Official Account to the Zalo
account of a phone number, in a template Zalo approved beforehand.

- Each kind of message has its approved template (ZALO_TEMPLATES, "kind=template id, ...");
  a kind without one goes by SMS. The template's values come with the outbox message.
- The Official Account's access token lives 25 hours; it is renewed (with the refresh token,
  which Zalo accepts once and replaces) before it expires, under a database lock so that two
  workers never spend the same refresh token. The first refresh token is a setting.
- When Zalo refuses the message (the number has no Zalo account, it blocks the ward, a
  template problem...), it goes by SMS instead, at once; when Zalo does not answer, the
  worker tries again later.
- The hosts are settings (ZALO_ZNS_URL, ZALO_OAUTH_URL) so that the tests talk to a local
  server that answers as Zalo's documentation says.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from portal.db import upsert_insert, utcnow, write_intent
from portal.extensions import db
from portal.notifications.handover import ProviderRefused, Receipt
from portal.notifications.models import Channel, OutboxMessage, ProviderToken
from portal.transactions import unit_of_work

log = logging.getLogger("portal.outbox")

PROVIDER = "zalo_oa"
TOKEN_INVALID = -124  # the access token expired or was revoked: renew it and try once more
RENEW_MARGIN = timedelta(minutes=10)  # renew this long before the token expires
TIMEOUT_SECONDS = 15
NEVER_VALID = datetime(2000, 1, 1, tzinfo=UTC)


def templates(config: Mapping[str, Any]) -> dict[str, str]:
    """ZALO_TEMPLATES as {kind: template id}."""
    found = {}
    for pair in str(config.get("ZALO_TEMPLATES", "")).split(","):
        kind, _, template_id = pair.partition("=")
        if kind.strip() and template_id.strip():
            found[kind.strip()] = template_id.strip()
    return found


def template_for(kind: str, config: Mapping[str, Any]) -> str | None:
    return templates(config).get(kind)


def _web_url(url: str, setting: str) -> str:
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"{setting} must be an http(s) URL.")
    return url


def _post(url: str, *, data: bytes, headers: dict, timeout: float) -> dict:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    try:
        # bandit B310 is answered: the URLs are checked to be http(s) when the sender is made
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310  # nosec B310
            return json.loads(response.read().decode() or "{}")
    except urllib.error.HTTPError as error:
        raise ProviderRefused(f"Zalo HTTP {error.code}", permanent=False) from error


class TokenStore:
    """The Official Account's access token, renewed before it expires (see module doc)."""

    def __init__(
        self, *, oauth_url: str, app_id: str, app_secret: str, first_refresh_token: str
    ) -> None:
        self.oauth_url = _web_url(oauth_url, "ZALO_OAUTH_URL")
        self.app_id = app_id
        self.app_secret = app_secret
        self.first_refresh_token = first_refresh_token
        self.timeout = TIMEOUT_SECONDS

    def access_token(self, *, now: datetime | None = None, renew: bool = False) -> str:
        """A token valid for at least RENEW_MARGIN more; `renew` forces a new one (after
        Zalo said the stored one is invalid)."""
        now = now or utcnow()
        row = db.session.get(ProviderToken, PROVIDER)
        token = row.access_token if row is not None else None
        fresh = row is not None and row.expires_at - RENEW_MARGIN > now
        db.session.rollback()
        if fresh and not renew:
            return token
        return self._renew(now, stale=token if renew else None)

    def _renew(self, now: datetime, stale: str | None) -> str:
        with write_intent(), unit_of_work():
            # The row exists before anyone locks it, so that the first renewal is one too.
            db.session.execute(
                upsert_insert(db.session, ProviderToken.__table__)
                .values(
                    provider=PROVIDER,
                    access_token="",
                    refresh_token=self.first_refresh_token,
                    expires_at=NEVER_VALID,
                    updated_at=now,
                )
                .on_conflict_do_nothing()
            )
            row = db.session.execute(
                sa.select(ProviderToken).where(ProviderToken.provider == PROVIDER).with_for_update()
            ).scalar_one_or_none()
            if (
                row is not None
                and row.access_token != stale
                and row.expires_at - RENEW_MARGIN > now
            ):
                return row.access_token  # another worker renewed it meanwhile
            refresh = row.refresh_token if row is not None else self.first_refresh_token
            if not refresh:
                raise ProviderRefused("Zalo: ZALO_REFRESH_TOKEN is not set", permanent=False)
            answer = _post(
                self.oauth_url,
                data=urllib.parse.urlencode(
                    {"refresh_token": refresh, "app_id": self.app_id, "grant_type": "refresh_token"}
                ).encode(),
                headers={
                    "secret_key": self.app_secret,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
                timeout=self.timeout,
            )
            if not answer.get("access_token") or not answer.get("refresh_token"):
                code = answer.get("error", "?")
                raise ProviderRefused(f"Zalo token renewal refused ({code})", permanent=False)
            row.access_token = answer["access_token"]
            row.refresh_token = answer["refresh_token"]
            row.expires_at = now + timedelta(seconds=int(answer.get("expires_in") or 90000))
            row.updated_at = now
            log.info("Zalo access token renewed; valid until %s", row.expires_at.isoformat())
            return row.access_token


class ZnsSender:
    """Sends an outbox message as a ZNS template message; SMS when Zalo refuses it."""

    def __init__(
        self,
        *,
        api_url: str,
        tokens: TokenStore,
        template_ids: Mapping[str, str],
        fallback=None,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.api_url = _web_url(api_url, "ZALO_ZNS_URL")
        self.tokens = tokens
        self.template_ids = dict(template_ids)
        self.fallback = fallback
        self.timeout = timeout

    @classmethod
    def from_config(cls, config: Mapping[str, Any], fallback=None) -> ZnsSender:
        needed = ("ZALO_APP_ID", "ZALO_APP_SECRET", "ZALO_TEMPLATES")
        missing = [name for name in needed if not config.get(name)]
        if missing:
            raise ValueError(f"{', '.join(missing)} must be set for OUTBOX_ZALO_SENDER=zns.")
        return cls(
            api_url=config.get("ZALO_ZNS_URL", ""),
            tokens=TokenStore(
                oauth_url=config.get("ZALO_OAUTH_URL", ""),
                app_id=config["ZALO_APP_ID"],
                app_secret=config["ZALO_APP_SECRET"],
                first_refresh_token=config.get("ZALO_REFRESH_TOKEN", ""),
            ),
            template_ids=templates(config),
            fallback=fallback,
        )

    def request_body(self, message: OutboxMessage) -> dict:
        return {
            "phone": message.address.removeprefix("+"),
            "template_id": self.template_ids.get(message.kind, ""),
            "template_data": message.data or {},
            "tracking_id": f"outbox-{message.id}",
        }

    def _send_once(self, message: OutboxMessage, token: str) -> dict:
        return _post(
            self.api_url,
            data=json.dumps(self.request_body(message), ensure_ascii=False).encode(),
            headers={"access_token": token, "Content-Type": "application/json"},
            timeout=self.timeout,
        )

    def send(self, message: OutboxMessage) -> Receipt:
        if message.kind not in self.template_ids:
            return self._by_sms(message, "Zalo: no approved template for this kind")
        answer = self._send_once(message, self.tokens.access_token())
        if answer.get("error") == TOKEN_INVALID:
            answer = self._send_once(message, self.tokens.access_token(renew=True))
        code = answer.get("error")
        if code == 0:
            return Receipt(provider_id=str((answer.get("data") or {}).get("msg_id") or ""))
        return self._by_sms(message, f"Zalo {code}: {answer.get('message') or 'refused'}")

    def _by_sms(self, message: OutboxMessage, reason: str) -> Receipt:
        if self.fallback is None:
            raise ProviderRefused(f"{reason}; no SMS sender to fall back on", permanent=True)
        provider_id = self.fallback.send(message)
        if isinstance(provider_id, Receipt):
            provider_id = provider_id.provider_id
        return Receipt(provider_id=provider_id, channel=Channel.SMS, note=f"{reason}; sent by SMS")
