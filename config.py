"""Settings for Ward Portal. Every value comes from an environment variable with a safe default."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEFAULT_SECRET_KEY = "dev-only-change-me"  # noqa: S105 - refused in production


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Base settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.db'}"
    )
    # hide_parameters: SQL logged at DEBUG, or quoted in an error, never shows the values
    # (phone numbers, one-time codes' texts, names).
    SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True}
    # A pooled connection idle for longer than this many seconds is checked with a trivial
    # query before use (0: before every use); one in steady use is not (portal/requestdb.py).
    DATABASE_PING_IDLE_SECONDS = float(os.environ.get("DATABASE_PING_IDLE_SECONDS", "10"))
    # Seconds a worker waits for the database: to connect (PostgreSQL), and at most per
    # statement (PostgreSQL's statement_timeout; SQLite's wait for a lock); 0: no limit. The
    # health check gets its answer within HEALTHZ_TIMEOUT; while the database does not answer,
    # pages say so (503) and ask to come back after DATABASE_RETRY_AFTER seconds.
    DATABASE_CONNECT_TIMEOUT = float(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
    DATABASE_STATEMENT_TIMEOUT = float(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "15"))
    HEALTHZ_TIMEOUT = float(os.environ.get("HEALTHZ_TIMEOUT", "2"))
    DATABASE_RETRY_AFTER = int(os.environ.get("DATABASE_RETRY_AFTER", "30"))
    # A pooler between the app and PostgreSQL: "pgbouncer" (transaction pooling) turns off
    # psycopg's server-side prepared statements, which cannot follow a client from one server
    # connection to the next; empty: the app connects to PostgreSQL itself (portal/db.py).
    DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "").strip().lower()
    REDIS_URL = os.environ.get("REDIS_URL", "")

    # Rate limits: in memory per process by default, shared through Redis when configured.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = False
    # Put before every counter's key: portals (or test runs) sharing one Redis database.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "20 per 5 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 5 minutes")
    # One-time codes by SMS (registration, logging in with a code, a new password): valid
    # minutes, wrong tries before the code is void, seconds between two codes to one number,
    # codes a number gets a day; and how many a client address may ask for (routes).
    PHONE_CODE_MINUTES = int(os.environ.get("PHONE_CODE_MINUTES", "5"))
    PHONE_CODE_TRIES = int(os.environ.get("PHONE_CODE_TRIES", "5"))
    PHONE_CODE_RESEND_SECONDS = int(os.environ.get("PHONE_CODE_RESEND_SECONDS", "60"))
    PHONE_CODE_PER_DAY = int(os.environ.get("PHONE_CODE_PER_DAY", "5"))
    CODE_LIMIT_PER_IP = os.environ.get("CODE_LIMIT_PER_IP", "10 per hour")
    CODE_CHECK_LIMIT_PER_IP = os.environ.get("CODE_CHECK_LIMIT_PER_IP", "30 per hour")
    REGISTER_LIMIT_PER_IP = os.environ.get("REGISTER_LIMIT_PER_IP", "5 per hour")
    # Per account (per address for a visitor): bookings and feedback sent, so that one
    # account cannot fill a conference's waiting list or flood the inbox.
    BOOKING_LIMIT = os.environ.get("BOOKING_LIMIT", "20 per hour")
    FEEDBACK_LIMIT = os.environ.get("FEEDBACK_LIMIT", "10 per hour")
    # Lookups by a code or token in the address (a booking, a feedback item, a rating link,
    # an Open311 request or token) that find nothing, per client address, all routes together.
    LOOKUP_LIMIT_PER_IP = os.environ.get("LOOKUP_LIMIT_PER_IP", "30 per hour")
    PASSWORD_LINK_MINUTES = int(os.environ.get("PASSWORD_LINK_MINUTES", "30"))
    # Open311 (docs/open311.md): calls per client address, and per API key presented
    # (whatever address it comes from); the browser origins (scheme://host[:port], comma
    # separated) whose pages may call it cross-origin: none by default.
    OPEN311_LIMIT_PER_IP = os.environ.get("OPEN311_LIMIT_PER_IP", "120 per minute")
    OPEN311_LIMIT_PER_KEY = os.environ.get("OPEN311_LIMIT_PER_KEY", "1000 per hour")
    OPEN311_CORS_ORIGINS = tuple(
        origin.strip().rstrip("/")
        for origin in os.environ.get("OPEN311_CORS_ORIGINS", "").split(",")
        if origin.strip()
    )

    # Sessions: an official's ends after 30 minutes without use and 12 hours in all (shared
    # office computers); a resident's after 14 days without use and 90 in all (own phone).
    OFFICIAL_IDLE_MINUTES = int(os.environ.get("OFFICIAL_IDLE_MINUTES", "30"))
    OFFICIAL_SESSION_HOURS = int(os.environ.get("OFFICIAL_SESSION_HOURS", "12"))
    RESIDENT_IDLE_DAYS = int(os.environ.get("RESIDENT_IDLE_DAYS", "14"))
    RESIDENT_SESSION_DAYS = int(os.environ.get("RESIDENT_SESSION_DAYS", "90"))

    # Personal data (Decree 13/2023): days a resident may still cancel the deletion of the
    # account, and how long the daily retention job keeps personal data (portal/privacy).
    ACCOUNT_DELETION_DAYS = int(os.environ.get("ACCOUNT_DELETION_DAYS", "7"))
    RETENTION_FEEDBACK_DAYS = int(os.environ.get("RETENTION_FEEDBACK_DAYS", str(5 * 365)))
    RETENTION_BOOKINGS_DAYS = int(os.environ.get("RETENTION_BOOKINGS_DAYS", "365"))
    RETENTION_MESSAGES_DAYS = int(os.environ.get("RETENTION_MESSAGES_DAYS", "90"))
    # After a dissatisfied rating's case is closed: its call-back phone; after a dossier is
    # returned: the applicant's phone given at the desk (its lookup ends with it).
    RETENTION_CALLBACK_DAYS = int(os.environ.get("RETENTION_CALLBACK_DAYS", "30"))
    RETENTION_DOSSIER_PHONE_DAYS = int(os.environ.get("RETENTION_DOSSIER_PHONE_DAYS", "180"))

    # Languages and time: Vietnamese first, every date shown in Hà Nội time.
    LANGUAGES = ("vi", "en")
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("PORTAL_TIMEZONE", "Asia/Ho_Chi_Minh")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")

    # Cookies and forms.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 10 * 1024 * 1024))

    # Feedback: attachments (checked by content), days a resident has to reopen an answer.
    FEEDBACK_MAX_ATTACHMENTS = int(os.environ.get("FEEDBACK_MAX_ATTACHMENTS", "5"))
    FEEDBACK_MAX_ATTACHMENT_BYTES = int(
        os.environ.get("FEEDBACK_MAX_ATTACHMENT_BYTES", 5 * 1024 * 1024)
    )
    FEEDBACK_REOPEN_DAYS = int(os.environ.get("FEEDBACK_REOPEN_DAYS", "14"))

    # Deadlines that warn before they are missed (`flask deadlines run`, daily): the assigned
    # officer is told this many working days before an item is due; the chairman when it is
    # overdue. Urgent feedback (Hà Nội Decision 1207/QĐ-UBND of 2025 for iHanoi, as reported:
    # received within 8 working hours, an urgent item handled within 4) is counted in working
    # hours: acknowledged within FEEDBACK_URGENT_ACK_HOURS of receipt, answered within
    # FEEDBACK_URGENT_ANSWER_HOURS of receipt (8 + 4). Working hours: Monday to Friday,
    # WORK_DAY_START to WORK_DAY_END Hà Nội time, public holidays (Tết included) excluded.
    DEADLINE_WARN_WORKING_DAYS = int(os.environ.get("DEADLINE_WARN_WORKING_DAYS", "2"))
    FEEDBACK_URGENT_ACK_HOURS = int(os.environ.get("FEEDBACK_URGENT_ACK_HOURS", "8"))
    FEEDBACK_URGENT_ANSWER_HOURS = int(os.environ.get("FEEDBACK_URGENT_ANSWER_HOURS", "12"))
    WORK_DAY_START = os.environ.get("WORK_DAY_START", "08:00")
    WORK_DAY_END = os.environ.get("WORK_DAY_END", "17:00")

    # Fatherland Front supervision (Law on the Vietnam Fatherland Front 2015, Art. 27; Joint
    # Resolution 403/2017, check): the chairman answers a supervision recommendation within
    # this many working days of its arrival (the day it is sent is not counted).
    SUPERVISION_ANSWER_DAYS = int(os.environ.get("SUPERVISION_ANSWER_DAYS", "15"))

    # Satisfaction: days a rating link on a receipt slip stays valid; rating attempts per IP.
    SATISFACTION_TOKEN_DAYS = int(os.environ.get("SATISFACTION_TOKEN_DAYS", "30"))
    RATING_LIMIT_PER_IP = os.environ.get("RATING_LIMIT_PER_IP", "30 per 10 minutes")
    # Rating kiosks: hours an enrolment code works unused; days a tablet's cookie is kept.
    KIOSK_ENROL_HOURS = int(os.environ.get("KIOSK_ENROL_HOURS", "24"))
    KIOSK_DEVICE_DAYS = int(os.environ.get("KIOSK_DEVICE_DAYS", "365"))

    # Public pages for anonymous visitors are reused for this many seconds (0 turns it off).
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "10"))
    # The dashboard's figures are kept this long per ward, period, language and role.
    DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", "60"))
    # Those copies are kept in each worker; with a Redis address, they are shared by every
    # worker of every server, and one of them renders a page while the others wait for it or
    # serve the previous copy (portal/pagecache_redis.py). The prefix names this portal's keys
    # (several portals may share one Redis database); a renderer's lock lasts this long.
    PAGE_CACHE_REDIS_URL = os.environ.get("PAGE_CACHE_REDIS_URL", "")
    PAGE_CACHE_KEY_PREFIX = os.environ.get("PAGE_CACHE_KEY_PREFIX", "ward-portal")
    PAGE_CACHE_LOCK_SECONDS = float(os.environ.get("PAGE_CACHE_LOCK_SECONDS", "10"))
    # The staff inbox's category and officer lists, per ward, in each worker (0 turns it off);
    # a change made in the same worker shows at once (portal/feedback/choices.py).
    INBOX_LISTS_SECONDS = int(os.environ.get("INBOX_LISTS_SECONDS", "30"))
    # The public transparency page (/minh-bach) gives no satisfaction rate for a group with
    # fewer ratings than this; its open data files carry this licence.
    PUBLIC_MIN_RATINGS = int(os.environ.get("PUBLIC_MIN_RATINGS", "10"))
    OPEN_DATA_LICENCE = os.environ.get("OPEN_DATA_LICENCE", "CC BY 4.0")

    # The ward information page links to directions: a `geo:` link (the phone's map app) and
    # this web map, {lat} and {lon} filled in (empty: no web link). A map shown to the public
    # must draw Vietnam's borders and islands correctly: choose it for the deployment.
    DIRECTIONS_URL = os.environ.get(
        "DIRECTIONS_URL", "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=18/{lat}/{lon}"
    )
    # The feedback maps (Leaflet, served by the portal): the tile layer's address, with {z},
    # {x} and {y} (e.g. "/tiles/{z}/{x}/{y}.png"), and its attribution text. It must be a
    # path on the portal's own site, proxied by nginx to the tile source (the CSP allows
    # images from 'self' only); the source must draw Vietnam's borders and islands (Hoàng
    # Sa, Trường Sa) as the law requires (docs/deployment.md). Empty: no tiles, the markers
    # on a plain background.
    MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "").strip()
    MAP_TILE_ATTRIBUTION = os.environ.get("MAP_TILE_ATTRIBUTION", "").strip()
    # A visitor's chosen ward is remembered in this cookie (its slug only) for a year.
    WARD_COOKIE_DAYS = int(os.environ.get("WARD_COOKIE_DAYS", "365"))

    # Personal-data policy shown at registration (Decree 13/2023/ND-CP).
    PRIVACY_POLICY_VERSION = os.environ.get("PRIVACY_POLICY_VERSION", "2026-11")

    # Number of reverse proxies in front of the app (nginx = 1), for the client IP.
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "0"))

    # Outbox worker (`flask outbox run`): how e-mail and SMS leave, and how failures are retried.
    # Senders: "log" only writes messages to the log (development); "smtp" for e-mail; or a
    # "package.module:Class" import path, e.g. a ward's SMS gateway (see notifications/senders.py).
    OUTBOX_EMAIL_SENDER = os.environ.get("OUTBOX_EMAIL_SENDER", "log")
    OUTBOX_SMS_SENDER = os.environ.get("OUTBOX_SMS_SENDER", "log")
    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
    SMTP_SSL = _bool("SMTP_SSL", False)
    SMTP_CA_FILE = os.environ.get("SMTP_CA_FILE", "")  # empty: the system's authorities
    MAIL_FROM = os.environ.get("MAIL_FROM", "Cổng phường <no-reply@localhost>")
    # OUTBOX_SMS_SENDER=esms: brandname SMS through eSMS.vn (the API's address is a setting,
    # so that tests and a provider's sandbox can stand in for it). Delivery reports come back
    # to SMS_CALLBACK_BASE_URL + /hooks/sms/esms (the portal's public https address).
    ESMS_API_URL = os.environ.get(
        "ESMS_API_URL",
        "https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/",
    )
    ESMS_API_KEY = os.environ.get("ESMS_API_KEY", "")
    ESMS_SECRET_KEY = os.environ.get("ESMS_SECRET_KEY", "")
    ESMS_BRANDNAME = os.environ.get("ESMS_BRANDNAME", "")
    SMS_CALLBACK_BASE_URL = os.environ.get("SMS_CALLBACK_BASE_URL", "")
    # OUTBOX_ZALO_SENDER=zns: Zalo Notification Service messages from the ward's Official
    # Account, each kind in its approved template (ZALO_TEMPLATES "kind=id,kind=id"); SMS when
    # Zalo refuses. ZALO_REFRESH_TOKEN is the first refresh token (from the OA's admin page);
    # the portal keeps the renewed ones in the database.
    OUTBOX_ZALO_SENDER = os.environ.get("OUTBOX_ZALO_SENDER", "off")
    ZALO_APP_ID = os.environ.get("ZALO_APP_ID", "")
    ZALO_APP_SECRET = os.environ.get("ZALO_APP_SECRET", "")
    ZALO_REFRESH_TOKEN = os.environ.get("ZALO_REFRESH_TOKEN", "")
    ZALO_TEMPLATES = os.environ.get("ZALO_TEMPLATES", "")
    ZALO_ZNS_URL = os.environ.get(
        "ZALO_ZNS_URL", "https://business.openapi.zalo.me/message/template"
    )
    ZALO_OAUTH_URL = os.environ.get(
        "ZALO_OAUTH_URL", "https://oauth.zaloapp.com/v4/oa/access_token"
    )
    # Texts in plain letters: 160 characters a segment instead of 70 (see sms_text.py).
    SMS_WITHOUT_DIACRITICS = _bool("SMS_WITHOUT_DIACRITICS", True)
    # Production refuses the `log` senders (nobody would get a code) unless this is set.
    ALLOW_LOG_SENDER = _bool("ALLOW_LOG_SENDER", False)
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "6"))
    OUTBOX_BACKOFF_SECONDS = int(os.environ.get("OUTBOX_BACKOFF_SECONDS", "60"))  # doubles, ≤ 6 h
    OUTBOX_CLAIM_TIMEOUT = int(os.environ.get("OUTBOX_CLAIM_TIMEOUT", "300"))  # reclaim stuck rows

    # Logging in with VNeID, the national electronic identity, through OpenID Connect
    # (authorization code with PKCE S256). Off unless VNEID_ISSUER and VNEID_CLIENT_ID are set:
    # no button, and its pages answer 404. Everything the agreement with the national login
    # service fixes is a setting: the issuer (its /.well-known/openid-configuration is read),
    # the client's credentials, the scopes, the assurance level and the names of the claims.
    VNEID_ISSUER = os.environ.get("VNEID_ISSUER", "").strip()
    VNEID_CLIENT_ID = os.environ.get("VNEID_CLIENT_ID", "")
    VNEID_CLIENT_SECRET = os.environ.get("VNEID_CLIENT_SECRET", "")
    VNEID_TOKEN_AUTH_METHOD = os.environ.get("VNEID_TOKEN_AUTH_METHOD", "client_secret_basic")
    VNEID_SCOPES = os.environ.get("VNEID_SCOPES", "openid")
    VNEID_ACR_VALUES = os.environ.get("VNEID_ACR_VALUES", "")  # e.g. LoA1
    # Empty: the callback address is derived from the request (registered with the provider
    # exactly as https://<portal>/login/vneid/callback).
    VNEID_REDIRECT_URI = os.environ.get("VNEID_REDIRECT_URI", "")
    VNEID_CLAIM_ID_NUMBER = os.environ.get("VNEID_CLAIM_ID_NUMBER", "SoDinhDanh")
    VNEID_CLAIM_NAME = os.environ.get("VNEID_CLAIM_NAME", "HoVaTen")
    VNEID_CLAIM_PHONE = os.environ.get("VNEID_CLAIM_PHONE", "phone_number")
    # A number counts as proven by the provider only when this claim is true (empty: every
    # number it sends is proven).
    VNEID_CLAIM_PHONE_VERIFIED = os.environ.get(
        "VNEID_CLAIM_PHONE_VERIFIED", "phone_number_verified"
    )
    # The key of the personal ID number's hash (HMAC-SHA256); empty: derived from SECRET_KEY.
    # Set it on its own so that a new SECRET_KEY does not make residents unknown.
    VNEID_ID_HASH_KEY = os.environ.get("VNEID_ID_HASH_KEY", "")
    VNEID_TIMEOUT = float(os.environ.get("VNEID_TIMEOUT", "10"))  # seconds per call

    DEBUG = False
    TESTING = False


class DevelopmentConfig(Config):
    """Local development: `make run`."""

    DEBUG = _bool("FLASK_DEBUG", True)


class TestingConfig(Config):
    """The test suite: an isolated database, no rate limits unless a test turns them on."""

    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    PAGE_CACHE_SECONDS = 0
    DASHBOARD_CACHE_SECONDS = 0
    PAGE_CACHE_REDIS_URL = ""
    WTF_CSRF_ENABLED = True


class ProductionConfig(Config):
    """Production behind nginx with PostgreSQL and Redis."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    PROXY_FIX_X_FOR = int(os.environ.get("PROXY_FIX_X_FOR", "1"))
    DEBUG = _bool("FLASK_DEBUG", False)

    @classmethod
    def validate(cls) -> None:
        """Refuse to start with settings that would be unsafe in production."""
        if not cls.SECRET_KEY or cls.SECRET_KEY == DEFAULT_SECRET_KEY or len(cls.SECRET_KEY) < 32:
            raise RuntimeError("SECRET_KEY must be set to a random value of 32+ characters.")
        if cls.DEBUG:
            raise RuntimeError("DEBUG must be off in production.")
        log_senders = [
            name
            for name in ("OUTBOX_EMAIL_SENDER", "OUTBOX_SMS_SENDER", "OUTBOX_ZALO_SENDER")
            if str(getattr(cls, name, "off")).strip().lower() == "log"
        ]
        if cls.VNEID_ISSUER and not cls.VNEID_ISSUER.startswith("https://"):
            raise RuntimeError("VNEID_ISSUER must be an https:// address in production.")
        tiles = cls.MAP_TILE_URL
        if tiles and (not tiles.startswith("/") or tiles.startswith("//")):
            raise RuntimeError(
                "MAP_TILE_URL must be a path on the portal's own site (e.g. /tiles/{z}/{x}/{y}.png)"
                " proxied by nginx to the tile source: the CSP allows images from 'self' only."
            )
        if log_senders and not cls.ALLOW_LOG_SENDER:
            raise RuntimeError(
                f"{' and '.join(log_senders)} is 'log': nobody would receive codes or notices. "
                "Set a real sender (smtp, esms), or ALLOW_LOG_SENDER=1 for a trial server."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the settings class named by PORTAL_ENV (development by default)."""
    name = os.environ.get("PORTAL_ENV", "development").strip().lower()
    try:
        return CONFIGS[name]
    except KeyError as exc:
        raise RuntimeError(f"Unknown PORTAL_ENV {name!r}; use one of {sorted(CONFIGS)}") from exc
