"""API Gateway's JWT authorizer, locally: the template's issuer and audience, moto's keys.

For a route whose authorizer is a JWT authorizer, API Gateway (HTTP APIs) takes the token from
the identity source (the token alone, or prefixed ``Bearer``), checks its signature (RSA
algorithms only) with the key named by its ``kid`` in the issuer's JWKS, then the claims:
``iss`` is the configured issuer; ``aud`` (or, when there is no ``aud``, ``client_id``) is one
of the configured audiences; ``exp`` is in the future; ``nbf`` and ``iat`` are not. Any failure
is a 401 ``{"message":"Unauthorized"}``; a token without one of the route's scopes is a 403.
A good token's claims reach the function as ``requestContext.authorizer.jwt``: ``claims``, every
value a string (lists rendered ``[a b]``), and ``scopes``, the token's ``scope`` split, or null.

The issuer's keys are fetched as a client would: from the user pool's
``/.well-known/openid-configuration`` and its ``jwks_uri``, on the moto server (moto serves
both for every pool and signs its Cognito tokens with a key of its own). Nothing is fetched
from the real issuer's host.

The local admin token (``HEARD_API_TOKEN``) is accepted too, for scripts: its claims name the
local admin (``heard.api.identity.LOCAL_ADMIN_ISSUER``), which no token passes in AWS.
"""

from __future__ import annotations

import hmac
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import httpx
import jwt

from heard.api.identity import LOCAL_ADMIN_ID, LOCAL_ADMIN_ISSUER
from heard_local.defaults import LOCAL_ADMIN_GROUPS
from heard_local.provision import JwtAuthorizerSpec

log = logging.getLogger("heard_local.auth")

# "Currently only RSA-based algorithms are supported" (API Gateway's JWT authorizer).
ALGORITHMS = ("RS256", "RS384", "RS512")
# A kid the cached key set lacks is looked up again at most this often (a forged kid cannot
# make every request a fetch).
REFETCH_AFTER_S = 30.0

_COGNITO_ISSUER = re.compile(r"^https://cognito-idp\.([a-z0-9-]+)\.amazonaws\.com/([\w-]+)$")


class Unauthorized(Exception):
    """401: no token, or one that fails a check; the message says which, for the log."""


class Forbidden(Exception):
    """403: a good token without any of the route's scopes."""


class KeySource(Protocol):
    def key(self, issuer: str, kid: str) -> Any | None:
        """The public key ``kid`` of ``issuer`` (a ``jwt.PyJWK``), or None."""
        ...


def local_discovery_url(issuer: str, endpoint_url: str) -> str | None:
    """Where the local stack finds ``issuer``'s OpenID configuration: the moto server, for a
    Cognito user pool issuer; None for any other issuer (its tokens cannot be checked)."""
    found = _COGNITO_ISSUER.match(issuer)
    if found is None:
        return None
    return f"{endpoint_url.rstrip('/')}/{found.group(2)}/.well-known/openid-configuration"


class MotoJwks:
    """Public keys of the Cognito issuers, fetched from moto as a client fetches them."""

    def __init__(
        self,
        endpoint_url: str,
        *,
        timeout_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.endpoint_url = endpoint_url
        self.timeout_s = timeout_s
        self._clock = clock
        self._keys: dict[str, dict[str, Any]] = {}  # issuer -> kid -> PyJWK
        self._fetched_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def key(self, issuer: str, kid: str) -> Any | None:
        with self._lock:
            keys = self._keys.get(issuer)
            stale = self._clock() - self._fetched_at.get(issuer, float("-inf")) > REFETCH_AFTER_S
            if (keys is None or kid not in keys) and stale:
                self._fetched_at[issuer] = self._clock()
                keys = self._keys[issuer] = self._fetch(issuer)
            return (keys or {}).get(kid)

    def _fetch(self, issuer: str) -> dict[str, Any]:
        discovery = local_discovery_url(issuer, self.endpoint_url)
        if discovery is None:
            log.warning("no local keys for issuer %s: only Cognito user pools are emulated", issuer)
            return {}
        try:
            config = httpx.get(discovery, timeout=self.timeout_s).raise_for_status().json()
            if config.get("issuer") != issuer:
                log.warning("%s names issuer %r, not %r", discovery, config.get("issuer"), issuer)
                return {}
            jwks = httpx.get(config["jwks_uri"], timeout=self.timeout_s).raise_for_status().json()
            return {
                k["kid"]: jwt.PyJWK.from_dict(k)
                for k in jwks.get("keys", [])
                if k.get("kid") and k.get("kty") == "RSA"
            }
        except (httpx.HTTPError, ValueError, KeyError, TypeError, jwt.PyJWKError) as exc:
            log.warning("cannot read the keys of %s from %s: %s", issuer, discovery, exc)
            return {}


def api_gateway_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as API Gateway hands them to a function: every value a string, lists and
    objects rendered as Go renders them (``[a b]``), booleans lower case."""

    def render(value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list | tuple):
            return "[" + " ".join(render(v) for v in value) + "]"
        if isinstance(value, dict):
            return "map[" + " ".join(f"{k}:{render(v)}" for k, v in value.items()) + "]"
        if value is None:
            return ""
        return str(value)

    return {name: render(value) for name, value in claims.items()}


def local_admin_claims() -> dict[str, str]:
    """The claims the local admin token stands for."""
    return api_gateway_claims(
        {
            "sub": LOCAL_ADMIN_ID,
            "iss": LOCAL_ADMIN_ISSUER,
            "token_use": "local-admin",
            "cognito:username": LOCAL_ADMIN_ID,
            "name": "Local admin",
            "cognito:groups": list(LOCAL_ADMIN_GROUPS),
        }
    )


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unauthorized(f"{name} is not a number")
    return float(value)


class JwtAuthorizer:
    """One JWT authorizer of the template (``spec``), checking tokens as API Gateway does."""

    def __init__(
        self,
        spec: JwtAuthorizerSpec,
        keys: KeySource,
        *,
        admin_token: str | None = None,
        clock: Callable[[], float] = time.time,
    ):
        source = spec.identity_source.strip()
        if not source.lower().startswith(("$request.header.", "$request.querystring.")):
            raise ValueError(f"{spec.name}: identity source {source!r} is not emulated")
        self.spec = spec
        self.keys = keys
        self.admin_token = admin_token
        self.clock = clock

    def identity(self, headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
        """The identity source's value (headers lower-cased, repeats comma-joined)."""
        source = self.spec.identity_source.strip()
        if source.lower().startswith("$request.header."):
            return headers.get(source[len("$request.header.") :].lower())
        return query.get(source[len("$request.querystring.") :])

    def authorize(
        self,
        headers: Mapping[str, str],
        query: Mapping[str, str] | None = None,
        scopes: Sequence[str] = (),
    ) -> dict[str, Any]:
        """``requestContext.authorizer`` for a request; raises Unauthorized or Forbidden."""
        given = self.identity(headers, query or {})
        if not given or not given.strip():
            raise Unauthorized("no token in the identity source")
        token = given.strip()
        if token[:7].lower() == "bearer ":
            token = token[7:].strip()
        if self.admin_token and hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return {"jwt": {"claims": local_admin_claims(), "scopes": None}}
        claims = self.verify(token)
        granted = str(claims.get("scope") or claims.get("scp") or "").split()
        if scopes and not set(scopes) & set(granted):
            raise Forbidden(f"the token has none of the route's scopes {list(scopes)}")
        return {"jwt": {"claims": api_gateway_claims(claims), "scopes": granted or None}}

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims once its signature and claims pass; raises Unauthorized."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"not a JWT ({exc})") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALGORITHMS:
            raise Unauthorized(f"algorithm {algorithm!r} is not an RSA algorithm")
        if not isinstance(kid, str):
            raise Unauthorized("no kid in the token's header")
        key = self.keys.key(self.spec.issuer, kid)
        if key is None:
            raise Unauthorized(f"kid {kid!r} is not a key of {self.spec.issuer}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                options={
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"signature or payload refused ({exc})") from None
        self._check_claims(claims)
        return claims

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        if claims.get("iss") != self.spec.issuer:
            raise Unauthorized(f"issuer {claims.get('iss')!r} is not {self.spec.issuer}")
        # API Gateway reads client_id only when there is no aud.
        audience = claims["aud"] if "aud" in claims else claims.get("client_id")
        given = audience if isinstance(audience, list) else [audience]
        if not any(isinstance(a, str) and a in self.spec.audience for a in given):
            raise Unauthorized("the token does not have a valid audience")
        now = self.clock()
        expires = _number(claims, "exp")
        if expires is None:
            raise Unauthorized("the token has no exp")
        if expires <= now:
            raise Unauthorized("the token has expired")
        not_before = _number(claims, "nbf")
        if not_before is not None and not_before > now:
            raise Unauthorized("the token is not valid yet (nbf)")
        issued = _number(claims, "iat")
        if issued is not None and issued > now:
            raise Unauthorized("the token was issued in the future (iat)")
