"""Logging in with VNeID, the national electronic identity, through OpenID Connect: the
authorization code flow with PKCE (S256), state and nonce, done with Authlib against the
provider that the issuer's discovery document (/.well-known/openid-configuration) describes.
The ID token's signature is checked with the provider's published keys (JWKS), and its
issuer, audience, expiry and nonce with Authlib's CodeIDToken.

Who the person is:
- They are recognised by their personal ID number (số định danh cá nhân), which is never
  stored: only a keyed hash of it (HMAC-SHA256, VNEID_ID_HASH_KEY or a key derived from
  SECRET_KEY), and its last 3 digits to show them which number is linked.
- The first time, an existing account is linked only when its mobile number is proven (its
  holder typed a code sent to it) and is the number that the provider says it has proven.
  An account whose number nobody proved is never linked: it may have been made by someone
  who typed another person's number.
- Otherwise a new resident account is made, once the person has chosen their ward (when the
  portal serves several) and given their consent, as at registration. It takes the number
  the provider proved, and is proven with it; an unproven account holding that number gives
  way, as it does to whoever proves the number with a code. When the provider proves no
  number, the person types one, to be proven by SMS later.

What the browser is in the middle of (the state, nonce and PKCE verifier; then the identity
waiting for its new account) is kept in the signed session, for a few minutes and one use.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app, session
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.auth import services
from portal.auth.models import Consent, ConsentPurpose, ExternalIdentity, Role, User
from portal.auth.passwords import hash_password
from portal.db import utcnow
from portal.domain import DomainError, Problems
from portal.extensions import db

if TYPE_CHECKING:
    from authlib.integrations.requests_client import OAuth2Session

# Authlib, joserfc and requests (about 30 MB together) are imported by the functions that
# talk to the provider, not by every web worker at start: most never see a VNeID sign-in.

PROVIDER = "vneid"
FLOW_KEY = "vneid_flow"  # the sign-in this browser started: state, nonce, verifier
PENDING_KEY = "vneid_pending"  # a confirmed person who has no account yet
FLOW_SECONDS = 600  # from leaving for VNeID to coming back; and to finish the new account
METADATA_SECONDS = 600  # discovery document and keys are read again after this
LEEWAY_SECONDS = 60  # clock difference allowed on the ID token's times
ID_NUMBER = re.compile(r"\d{12}")

UNAVAILABLE = _l(
    "VNeID is not answering right now. Please try again later, or log in with your password."
)
EXPIRED = _l("This VNeID sign-in has expired or was already used. Please start again.")
REFUSED = _l("You did not agree on VNeID to share your information, so you are not logged in.")
NOT_CONFIRMED = _l("VNeID could not confirm this sign-in. Please start again.")
NO_DATA = _l(
    "VNeID did not send the personal ID number and full name this portal needs. "
    "Please log in with your password."
)
DEACTIVATED = _l("This account has been deactivated. Please contact your ward.")
LINKED_TO_ANOTHER = _l(
    "The account with this mobile number is linked to another personal ID number. "
    "Please contact your ward."
)


class VneidError(DomainError):
    """A VNeID sign-in that did not go through: nothing of it is kept, and the person is
    told why on the login page."""


@dataclass(frozen=True)
class Identity:
    """A person as VNeID confirmed them, in the form the portal keeps."""

    subject_hash: str  # keyed hash of the personal ID number
    id_last3: str
    full_name: str
    phone: str | None  # E.164, only when the provider says it has proven the number

    @property
    def masked_id(self) -> str:
        return "•" * 9 + self.id_last3


@dataclass
class NewAccount:
    """What the person adds on the last page before their account is made."""

    ward_id: int | None
    phone: str | None
    consent: bool
    locale: str
    policy_version: str


def enabled() -> bool:
    """Whether this deployment offers VNeID (an issuer and a client are configured)."""
    config = current_app.config
    return bool(config.get("VNEID_ISSUER") and config.get("VNEID_CLIENT_ID"))


# ---------------------------------------------------------------- the provider


_metadata_cache: dict[str, tuple[float, dict]] = {}


def _issuer() -> str:
    return current_app.config["VNEID_ISSUER"].rstrip("/")


def _get_json(url: str, **kwargs) -> dict:
    import requests

    timeout = current_app.config["VNEID_TIMEOUT"]
    # bandit B113 is answered: the timeout is VNEID_TIMEOUT
    response = requests.get(url, timeout=timeout, **kwargs)  # nosec B113
    response.raise_for_status()
    return response.json()


def _metadata(refresh: bool = False) -> dict:
    """The provider's discovery document with its keys, read at most every few minutes per
    process. Raises VneidError (UNAVAILABLE) when the provider does not answer, or answers
    for another issuer."""
    import requests

    issuer = _issuer()
    cached = _metadata_cache.get(issuer)
    if cached and not refresh and time.monotonic() - cached[0] < METADATA_SECONDS:
        return cached[1]
    try:
        metadata = _get_json(f"{issuer}/.well-known/openid-configuration")
        if metadata.get("issuer", "").rstrip("/") != issuer:
            raise ValueError(f"discovery names the issuer {metadata.get('issuer')!r}")
        metadata = {**metadata, "jwks": _get_json(metadata["jwks_uri"])}
    except (requests.RequestException, ValueError, KeyError) as exc:
        current_app.logger.warning("VNeID discovery failed at %s: %s", issuer, exc)
        raise VneidError(UNAVAILABLE) from exc
    _metadata_cache[issuer] = (time.monotonic(), metadata)
    return metadata


def _client(redirect_uri: str, **kwargs) -> OAuth2Session:
    from authlib.integrations.requests_client import OAuth2Session

    config = current_app.config
    return OAuth2Session(
        config["VNEID_CLIENT_ID"],
        config["VNEID_CLIENT_SECRET"],
        scope=config["VNEID_SCOPES"],
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method=config["VNEID_TOKEN_AUTH_METHOD"],
        default_timeout=config["VNEID_TIMEOUT"],
        **kwargs,
    )


def begin(redirect_uri: str, next_url: str | None = None) -> str:
    """Start a sign-in: remember its state, nonce and PKCE verifier in this browser's
    session, and give the provider's address to send the person to. Raises VneidError when
    the provider does not answer."""
    from authlib.common.security import generate_token

    metadata = _metadata()
    verifier, nonce = generate_token(64), generate_token(32)
    extra = {}
    if current_app.config["VNEID_ACR_VALUES"]:
        extra["acr_values"] = current_app.config["VNEID_ACR_VALUES"]
    with _client(redirect_uri) as client:
        url, state = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=generate_token(32),
            code_verifier=verifier,
            nonce=nonce,
            **extra,
        )
    session[FLOW_KEY] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": next_url or "",
        "at": int(time.time()),
    }
    return url


def finish(args: Mapping[str, str], redirect_uri: str) -> tuple[Identity, str]:
    """The provider sent the person back: check that this is the sign-in this browser
    started (once), trade the code for tokens (with the PKCE verifier), check the ID token
    and read the person's claims. Returns the identity and where they were going; raises
    VneidError for anything else (refused, expired, replayed, forged, provider down)."""
    import requests
    from authlib.integrations.base_client.errors import OAuthError
    from joserfc.errors import JoseError

    flow = session.pop(FLOW_KEY, None)
    if not flow or time.time() - flow.get("at", 0) > FLOW_SECONDS:
        raise VneidError(EXPIRED)
    if not hmac.compare_digest(str(args.get("state", "")), flow["state"]):
        _refuse("the state does not match the sign-in started in this browser")
    if args.get("error"):
        if args["error"] == "access_denied":
            raise VneidError(REFUSED)
        _refuse(f"the provider answered {args['error']!r}")
    metadata = _metadata()
    if "iss" in args and args["iss"].rstrip("/") != metadata["issuer"].rstrip("/"):
        _refuse("the response names another issuer")  # RFC 9207: a mixed-up response
    if not args.get("code"):
        _refuse("no code")
    try:
        with _client(redirect_uri, state=flow["state"]) as client:
            token = client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=args["code"],
                code_verifier=flow["verifier"],
            )
            claims = _id_token_claims(token, metadata, flow["nonce"])
            if metadata.get("userinfo_endpoint"):
                claims = {**_userinfo(client, metadata, claims["sub"]), **claims}
    except OAuthError as exc:  # e.g. invalid_grant: a used or expired code, a wrong verifier
        _refuse(f"the token endpoint answered {exc.error!r}", exc)
    except JoseError as exc:  # a bad signature, issuer, audience, expiry or nonce
        _refuse(f"the ID token is not valid ({exc})", exc)
    except (requests.RequestException, ValueError) as exc:
        current_app.logger.warning("VNeID did not answer during a sign-in: %s", exc)
        raise VneidError(UNAVAILABLE) from exc
    return _identity_from(claims), flow["next"]


def _refuse(reason: str, cause: Exception | None = None):
    current_app.logger.warning("VNeID sign-in refused: %s", reason)
    raise VneidError(NOT_CONFIRMED) from cause


def _userinfo(client: OAuth2Session, metadata: dict, subject: str) -> dict:
    """The userinfo endpoint's claims, which must be about the ID token's person."""
    response = client.get(metadata["userinfo_endpoint"])
    response.raise_for_status()
    claims = response.json()
    if claims.get("sub") != subject:
        _refuse("the userinfo is another person's")
    return claims


def _id_token_claims(token: dict, metadata: dict, nonce: str) -> dict:
    """The ID token's claims, once its signature (the provider's keys), issuer, audience,
    times and nonce are checked; raises JoseError."""
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.errors import InvalidKeyIdError, JoseError
    from joserfc.jwk import KeySet
    from joserfc.jws import JWSRegistry

    if "id_token" not in token:
        raise JoseError("no ID token")
    algorithms = [
        alg
        for alg in metadata.get("id_token_signing_alg_values_supported", ["RS256"])
        if alg != "none" and not alg.startswith("HS")
    ]
    registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
    try:
        decoded = jwt.decode(
            token["id_token"], KeySet.import_key_set(metadata["jwks"]), registry=registry
        )
    except InvalidKeyIdError:  # the provider rolled its keys: read them again, once
        keys = _metadata(refresh=True)["jwks"]
        decoded = jwt.decode(token["id_token"], KeySet.import_key_set(keys), registry=registry)
    client_id = current_app.config["VNEID_CLIENT_ID"]
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": client_id},
        },
        {"nonce": nonce, "client_id": client_id, "access_token": token.get("access_token")},
    )
    claims.validate(leeway=LEEWAY_SECONDS)
    return dict(claims)


def _identity_from(claims: Mapping) -> Identity:
    config = current_app.config
    number = "".join(str(claims.get(config["VNEID_CLAIM_ID_NUMBER"]) or "").split())
    try:
        name = services.clean_name(str(claims.get(config["VNEID_CLAIM_NAME"]) or ""))
    except DomainError:
        name = None
    if not ID_NUMBER.fullmatch(number) or not name:
        current_app.logger.warning("VNeID sent no usable personal ID number or name")
        raise VneidError(NO_DATA)
    return Identity(id_hash(number), number[-3:], name, _proven_phone(claims))


def _proven_phone(claims: Mapping) -> str | None:
    """The provider's mobile number (E.164), when it says it has proven it."""
    config = current_app.config
    verified_claim = config["VNEID_CLAIM_PHONE_VERIFIED"]
    if verified_claim and claims.get(verified_claim) is not True:
        return None
    try:
        return services.clean_phone(str(claims.get(config["VNEID_CLAIM_PHONE"]) or ""))
    except DomainError:
        return None


def id_hash(number: str) -> str:
    """The keyed hash (HMAC-SHA256) by which a personal ID number is recognised."""
    config = current_app.config
    key = config["VNEID_ID_HASH_KEY"].encode() or hmac.digest(
        config["SECRET_KEY"].encode(), b"ward-portal vneid personal id number", hashlib.sha256
    )
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- the accounts


def linked_account(identity: Identity) -> User | None:
    row = db.session.execute(
        sa.select(ExternalIdentity).where(
            ExternalIdentity.provider == PROVIDER,
            ExternalIdentity.subject_hash == identity.subject_hash,
        )
    ).scalar_one_or_none()
    return row.user if row is not None else None


def account_for(identity: Identity, now=None) -> User | None:
    """The account of the person VNeID confirmed: the one linked to them before, or the one
    whose proven mobile number is the number the provider proved (linked now). None when a
    new account is needed. Raises VneidError for a deactivated account, or one linked to
    another person."""
    now = now or utcnow()
    user = linked_account(identity)
    if user is None and identity.phone:
        holder = services.holder_of(identity.phone)
        if holder is not None and holder.phone_verified:
            if any(i.provider == PROVIDER for i in holder.external_identities):
                raise VneidError(LINKED_TO_ANOTHER)
            holder.external_identities.append(_identity_row(identity, now))
            user = holder
    if user is None:
        return None
    if not user.is_active:
        raise VneidError(DEACTIVATED)
    user.last_login_at = now
    db.session.flush()
    return user


def _identity_row(identity: Identity, now) -> ExternalIdentity:
    return ExternalIdentity(
        provider=PROVIDER,
        subject_hash=identity.subject_hash,
        id_last3=identity.id_last3,
        linked_at=now,
    )


def consent_text(ward_name: str | None = None) -> str:
    """The consent wording of an account made with VNeID (in the current language)."""
    return _(
        "I agree that the People's Committee of %(ward)s processes my full name and mobile "
        "number received from VNeID, and a code computed from my personal ID number together "
        "with its last 3 digits (the number itself is not kept), in order to run my account on "
        "this portal and recognise me when I log in with VNeID: registering me for dialogue "
        "conferences and citizen reception, receiving my feedback and ratings, and sending me "
        "answers and notifications. Only the ward's officials process this data; it is not "
        "shared with anyone else. I may see, export or ask to delete my data and withdraw this "
        "consent at any time (Decree 13/2023/ND-CP).",
        ward=ward_name or _("the ward I choose"),
    )


def create_account(identity: Identity, data: NewAccount, now=None) -> User:
    """Make the resident account of a person VNeID confirmed, with their consent, linked to
    them (or give the account found meanwhile, from another tab). Raises DomainError for the
    form's problems."""
    now = now or utcnow()
    existing = account_for(identity, now)
    if existing is not None:
        return existing
    problems = Problems()
    ward = problems.check(services.enabled_ward, data.ward_id)
    phone = identity.phone
    if phone is None:
        phone = problems.check(services.clean_phone, data.phone or "")
        if phone:
            problems.check(services.check_phone_free, phone)
    if not data.consent:
        problems.add(
            "consent", _l("You must agree to the processing of your personal data to register.")
        )
    problems.raise_if_any()
    holder = services.holder_of(phone) if identity.phone else None
    if holder is not None:  # unproven (a proven one was linked above): it gives way
        db.session.delete(holder)
        db.session.flush()
    with force_locale(data.locale):  # store the wording exactly as the person read it
        wording = consent_text(ward.in_text)
    user = User(
        role=Role.RESIDENT,
        full_name=identity.full_name,
        phone=phone,
        # No password yet: one nobody knows; "forgotten password" sets one by SMS code.
        password_hash=hash_password(secrets.token_urlsafe(32)),
        ward=ward,
        locale=data.locale,
        phone_verified_at=now if identity.phone else None,
        last_login_at=now,
        consents=[
            Consent(
                purpose=ConsentPurpose.ACCOUNT,
                policy_version=data.policy_version,
                locale=data.locale,
                text=wording,
            )
        ],
        external_identities=[_identity_row(identity, now)],
    )
    services.flush_user(user)
    return user


# ---------------------------------------------------------------- between the pages


def remember_pending(identity: Identity, next_url: str) -> None:
    """Keep the confirmed person for the new-account page (the ID number is not in it)."""
    session[PENDING_KEY] = {**asdict(identity), "next": next_url, "at": int(time.time())}


def pending() -> tuple[Identity, str] | None:
    """The person waiting for their new account in this browser, and where they were going."""
    data = dict(session.get(PENDING_KEY) or {})
    if not data or time.time() - data.pop("at", 0) > FLOW_SECONDS:
        return None
    next_url = data.pop("next", "")
    return Identity(**data), next_url


def forget_pending() -> None:
    session.pop(PENDING_KEY, None)
