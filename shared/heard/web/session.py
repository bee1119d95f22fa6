"""The web inbox's session: a signed cookie the browser keeps and no script can read.

Signing in checks the person's email and password with the Cognito user pool
(``InitiateAuth``, server to Cognito over TLS) and reads who they are from the ID token
Cognito answered with. The API function then issues its own session: the person's claims
(``sub``, ``email``, ``name``, ``cognito:groups``) and an expiry, as base64url JSON, signed
with HMAC-SHA256 under the session key (Secrets Manager in AWS). The cookie is ``HttpOnly``,
``SameSite=Strict``, ``Path=/app`` and ``Secure`` except on plain-HTTP loopback (the local
stack). A session lasts as long as the ID token it came from (an hour) and no longer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from heard.secrets import SecretRef, get_secret

COOKIE = "heard_session"
SESSION_KEY = SecretRef(
    env_var="HEARD_SESSION_KEY",
    name_env_var="WEB_SESSION_SECRET_NAME",
    key="session_key",
    local_default="local-session-key-not-for-production",
)
MAX_AGE_S = 8 * 3600  # a session never outlives this, whatever the token says
CLAIMS = ("sub", "email", "name", "cognito:groups")


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


def issue(claims: Mapping[str, Any], expires_at: float, key: str) -> str:
    """The cookie value for a session of ``claims`` until ``expires_at`` (epoch seconds)."""
    body = {name: claims[name] for name in CLAIMS if claims.get(name) not in (None, "")}
    return seal(body, "session", expires_at, key)


def read(value: str | None, key: str, now: float | None = None) -> dict[str, Any] | None:
    """The session's claims; None for a missing, forged, malformed or expired cookie."""
    claims = unseal(value, "session", key, now)
    if claims is None or not isinstance(claims.get("sub"), str):
        return None
    return claims


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
