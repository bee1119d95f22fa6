"""The web inbox's session: a signed cookie the browser keeps and no script can read.

Signing in checks the person's email and password with the Cognito user pool
(``InitiateAuth``, server to Cognito over TLS) and reads who they are from the ID token
Cognito answered with. The API function then issues its own session: the person's claims
(``sub``, ``email``, ``name``, ``cognito:groups``) and an expiry, as base64url JSON, signed
with HMAC-SHA256 under the session key (Secrets Manager in AWS). The cookie is ``HttpOnly``,
``SameSite=Strict``, ``Path=/app`` and ``Secure`` except on plain-HTTP loopback (the local
stack).

The person's claims are as fresh as the ID token they came from (an hour). When Cognito also
answered with a refresh token, the cookie keeps it sealed (AES-256-GCM under a key derived from
the session key: no one who holds the cookie can read it, and the API function never logs it)
and the session lasts up to ``MAX_AGE_S`` from the sign-in: the gateway trades the refresh
token for a new ID token (``REFRESH_TOKEN_AUTH``, or the hosted UI's token endpoint) within
``REFRESH_MARGIN_S`` of the claims' expiry, and reissues the cookie. Without a refresh token, or
when Cognito refuses it (revoked, the person disabled), the session ends with the ID token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from heard.secrets import SecretRef, get_secret

COOKIE = "heard_session"
SESSION_KEY = SecretRef(
    env_var="HEARD_SESSION_KEY",
    name_env_var="WEB_SESSION_SECRET_NAME",
    key="session_key",
    local_default="local-session-key-not-for-production",
)
MAX_AGE_S = 8 * 3600  # a session never outlives this, whatever the token says
REFRESH_MARGIN_S = 300  # claims this close to their expiry are refreshed
CLAIMS = ("sub", "email", "name", "cognito:groups")
_REFRESH_FIELDS = ("fresh_until", "rt", "via")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: str, payload: str) -> str:
    return _b64(hmac.new(key.encode(), payload.encode(), hashlib.sha256).digest())


def seal(body: Mapping[str, Any], use: str, expires_at: float, key: str) -> str:
    """``body`` with its purpose (``use``) and expiry, signed: a cookie value."""
    data = {**body, "use": use, "exp": int(expires_at)}
    payload = _b64(json.dumps(data, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_sign(key, payload)}"


def unseal(
    value: str | None, use: str, key: str, now: float | None = None
) -> dict[str, Any] | None:
    """What ``seal`` sealed for ``use``; None when missing, forged, malformed, for another use
    or expired."""
    if not value or value.count(".") != 1 or len(value) > 4096:
        return None
    payload, signature = value.split(".")
    if not hmac.compare_digest(signature.encode(), _sign(key, payload).encode()):
        return None
    try:
        data = json.loads(_unb64(payload))
    except (binascii.Error, ValueError):
        return None
    if not isinstance(data, dict) or data.pop("use", None) != use:
        return None
    expires = data.get("exp")
    if not isinstance(expires, int) or expires <= (time.time() if now is None else now):
        return None
    return data


def _box(key: str) -> AESGCM:
    return AESGCM(hashlib.sha256(b"heard refresh token\x00" + key.encode()).digest())


def seal_secret(text: str, key: str) -> str:
    """``text`` encrypted and authenticated (AES-256-GCM, a random 96-bit nonce)."""
    nonce = os.urandom(12)
    return _b64(nonce + _box(key).encrypt(nonce, text.encode(), b"heard_session"))


def open_secret(value: str, key: str) -> str | None:
    """What ``seal_secret`` sealed; None when it was not sealed under ``key`` or was changed."""
    try:
        data = _unb64(value)
        return _box(key).decrypt(data[:12], data[12:], b"heard_session").decode()
    except (binascii.Error, ValueError, InvalidTag):
        return None


@dataclass(frozen=True)
class Session:
    """A session read back: the person's ``claims`` (fresh until ``fresh_until``), when the
    session ends (``ends_at``), and its refresh token (and how it was signed in: ``form`` or
    ``hosted``) when it has one."""

    claims: dict[str, Any]
    fresh_until: float
    ends_at: float
    refresh_token: str | None = None
    via: str = "form"


def issue(
    claims: Mapping[str, Any],
    expires_at: float,
    key: str,
    *,
    refresh_token: str | None = None,
    ends_at: float | None = None,
    via: str = "form",
) -> str:
    """The cookie value for a session of ``claims`` until ``expires_at`` (epoch seconds); with
    a ``refresh_token``, sealed inside, it may be refreshed until ``ends_at``."""
    body: dict[str, Any] = {
        name: claims[name] for name in CLAIMS if claims.get(name) not in (None, "")
    }
    if refresh_token is None:
        return seal(body, "session", expires_at, key)
    end = max(ends_at if ends_at is not None else expires_at, expires_at)
    body.update(fresh_until=int(expires_at), rt=seal_secret(refresh_token, key), via=via)
    return seal(body, "session", end, key)


def open_session(value: str | None, key: str, now: float | None = None) -> Session | None:
    """The session in a cookie, fresh or not; None for a missing, forged, malformed or ended
    one."""
    body = unseal(value, "session", key, now)
    if body is None or not isinstance(body.get("sub"), str):
        return None
    ends = float(body["exp"])
    fresh = body.get("fresh_until", ends)
    sealed = body.get("rt")
    token = open_secret(sealed, key) if isinstance(sealed, str) else None
    claims = {k: v for k, v in body.items() if k not in _REFRESH_FIELDS}
    claims["exp"] = fresh
    via = str(body.get("via") or "form")
    return Session(claims, float(fresh), ends, token, via)


def read(value: str | None, key: str, now: float | None = None) -> dict[str, Any] | None:
    """The session's claims while fresh; None for a missing, forged, malformed or expired
    cookie, or one whose claims need refreshing first."""
    found = open_session(value, key, now)
    if found is None or found.fresh_until <= (time.time() if now is None else now):
        return None
    return found.claims


def token_claims(id_token: str) -> dict[str, Any]:
    """The payload of an ID token received from Cognito itself (over TLS, in answer to our own
    request), so its signature need not be checked again here."""
    try:
        payload = id_token.split(".")[1]
        claims = json.loads(_unb64(payload))
    except (IndexError, binascii.Error, ValueError):
        raise ValueError("the ID token is not a JWT") from None
    if not isinstance(claims, dict):
        raise ValueError("the ID token's payload is not an object")
    return claims


def session_expiry(claims: Mapping[str, Any], now: float) -> float:
    """When a session from these token claims ends: the token's expiry, capped."""
    expires = claims.get("exp")
    limit = now + MAX_AGE_S
    return min(float(expires), limit) if isinstance(expires, int | float) else now + 3600


def cookie_header(
    value: str,
    *,
    max_age: int,
    secure: bool,
    name: str = COOKIE,
    path: str = "/app",
    same_site: str = "Strict",
) -> str:
    """``Set-Cookie`` for the session (``max_age`` 0 clears it)."""
    parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max_age}", "HttpOnly"]
    parts.append(f"SameSite={same_site}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def cookie_value(cookies: list[str] | None, wanted: str = COOKIE) -> str | None:
    """The session cookie (or ``wanted``) among an API Gateway v2 event's ``cookies``."""
    for cookie in cookies or []:
        name, _, value = cookie.strip().partition("=")
        if name == wanted:
            return value
    return None


def session_key() -> str:
    return get_secret(SESSION_KEY)
