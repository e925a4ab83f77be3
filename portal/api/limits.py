"""Rate limits and cross-origin reading of the Open311 endpoint (the limits also guard the
dossier API, counted apart).

Limits: every call counts against OPEN311_LIMIT_PER_IP for its client address, and a call
presenting an api_key also against OPEN311_LIMIT_PER_KEY for that key, whatever address it
comes from (a city app's server behind many addresses is still one client). The counters
are the app's limiter's, so they are shared between servers through Redis
(RATELIMIT_STORAGE_URI) like every other limit. Over a limit: 429 in the GeoReport error
format, with Retry-After.

CORS: a browser page of another origin may read the GET endpoints, and file requests, only
when its origin is listed in OPEN311_CORS_ORIGINS (none by default). Preflight OPTIONS calls
are answered here; credentials (cookies) are never allowed: the API needs none."""

from __future__ import annotations

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address

from portal.api import keys
from portal.extensions import limiter

IP_SCOPE = "open311-ip"
KEY_SCOPE = "open311-key"
CORS_METHODS = ("GET", "POST")
CORS_MAX_AGE = 600  # seconds a browser may keep a preflight's answer


def presented_key() -> str | None:
    """The raw key a client presented: the Authorization: Bearer header (the dossier API),
    else the api_key parameter (Open311: in the form of a POST, or the query string)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    raw = request.form.get("api_key") if request.method == "POST" else None
    return raw or request.args.get("api_key")


def _presented_key() -> str | None:
    return keys.presented_digest(presented_key())


def _per_key() -> str:
    return f"key:{_presented_key()}"


def _without_key() -> bool:
    return _presented_key() is None


def _limited(ip_scope: str, key_scope: str):
    def decorator(view):
        limited = limiter.shared_limit(
            lambda: current_app.config["OPEN311_LIMIT_PER_IP"],
            scope=ip_scope,
            key_func=get_remote_address,
        )(view)
        limited = limiter.shared_limit(
            lambda: current_app.config["OPEN311_LIMIT_PER_KEY"],
            scope=key_scope,
            key_func=_per_key,
            exempt_when=_without_key,
        )(limited)
        limited.rate_limited = True
        return limited

    return decorator


# An Open311 endpoint: limited per client address and per presented key (see above).
api_limited = _limited(IP_SCOPE, KEY_SCOPE)
# The dossier API: the same limits, counted apart from Open311's.
dossier_api_limited = _limited("dossiers-ip", "dossiers-key")


def allowed_origin() -> str | None:
    """The request's Origin when OPEN311_CORS_ORIGINS lists it (exactly, scheme and port
    included), else None."""
    origin = request.headers.get("Origin", "")
    return origin if origin and origin in current_app.config["OPEN311_CORS_ORIGINS"] else None


def preflight() -> Response | None:
    """The answer to a CORS preflight (OPTIONS with Access-Control-Request-Method) from an
    allowed origin for GET or POST; None for anything else (the endpoint answers it)."""
    wanted = request.headers.get("Access-Control-Request-Method", "")
    if request.method != "OPTIONS" or not wanted:
        return None
    response = Response(status=204)
    origin = allowed_origin()
    if origin and wanted in CORS_METHODS:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = ", ".join(CORS_METHODS)
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE)
    response.vary.add("Origin")
    return response


def add_cors_headers(response: Response) -> Response:
    """An allowed origin may read this answer (errors included, so a page can show them)."""
    response.vary.add("Origin")
    origin = allowed_origin()
    if origin and request.method in CORS_METHODS:
        response.headers["Access-Control-Allow-Origin"] = origin
    return response
