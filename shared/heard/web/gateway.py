"""The ``/app`` routes of the API function: the web inbox's files, its sign-in, and the API
behind the session cookie.

- ``GET /app`` and ``GET /app/<file>``: the app's files, ``vendor/`` included (an allow-list
  read at cold start: nothing outside the folder can be named), with their content type, a
  strong ``ETag`` (``If-None-Match`` answers 304) and ``Cache-Control: no-cache`` (always
  revalidated, so a deploy shows at once).
- ``POST /app/session`` ``{"username", "password"}``: signs in (``sign_in`` checks them with
  the user pool) and sets the session cookie; ``DELETE /app/session`` signs out.
- ``GET /app/login`` and ``GET /app/callback``: signing in through the user pool's hosted UI
  (AWS), authorization code with PKCE: ``login`` sends the browser to Cognito with a fresh
  ``state`` and S256 code challenge, their verifier kept in a signed, HttpOnly cookie for ten
  minutes (``SameSite=Lax``, ``Path=/app/callback``: Cognito's redirect back is a top-level
  navigation from another site); ``callback`` checks ``state``, exchanges the code with the
  verifier at Cognito's token endpoint (server to Cognito) and sets the session cookie.
- ``/app/api/<route>``: the management API's ``<route>`` for the person of the session
  cookie: the event is passed on with the path less ``/app/api`` and the session's claims
  where API Gateway's JWT authorizer puts a token's, so every route behaves as it does for
  a bearer token. No cookie, or a forged or ended one: 401. A session whose claims are within
  five minutes of their expiry is refreshed first, when it holds a refresh token (``refresh``
  asks Cognito for a new ID token), and the answer carries the reissued cookie.

CSRF: the cookie is ``SameSite=Strict`` and every ``/app/api`` and ``/app/session`` request
must carry ``X-Heard-App: 1``, a header a cross-site form cannot send and a cross-site script
cannot send without a CORS preflight, which this API never grants. Every response under
``/app`` carries a strict Content-Security-Policy (no inline script or style, nothing from
another origin), ``nosniff``, ``no-referrer`` and ``frame-ancestors 'none'``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from heard.web import session

PREFIX = "/app"
API_PREFIX = "/app/api"
CSRF_HEADER = "x-heard-app"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
}
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
MAX_CREDENTIAL = 256


PKCE_COOKIE = "heard_pkce"
PKCE_TTL_S = 600
CALLBACK = "/app/callback"


@dataclass(frozen=True)
class HostedUi:
    """The user pool's hosted UI: its domain (``https://<prefix>.auth.<region>.amazoncognito.com``)
    and the web app client whose callback is ``/app/callback``."""

    domain: str
    client_id: str


class SignInRefused(Exception):
    """Wrong email or password, or a sign-in this form cannot finish (a new password, MFA)."""


@dataclass(frozen=True)
class SignedIn:
    """What Cognito answered a sign-in or a refresh with: the ID token's claims and, when it
    gave one, the refresh token (``via``: ``form`` or ``hosted``, the client it belongs to)."""

    claims: Mapping[str, Any]
    refresh_token: str | None = None
    via: str = "form"


def _signed_in(answer: Mapping[str, Any] | SignedIn) -> SignedIn:
    return answer if isinstance(answer, SignedIn) else SignedIn(answer)


@dataclass(frozen=True)
class Asset:
    body: str
    content_type: str
    etag: str


def load_assets(folder: Path) -> dict[str, Asset]:
    """The app's files by their path under ``folder`` (``index.html``, ``app.js``,
    ``vendor/uPlot.iife.min.js``, ...), read once; hidden files and folders are left out."""
    assets = {}
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        name = path.relative_to(folder).as_posix()
        kind = CONTENT_TYPES.get(path.suffix)
        hidden = any(part.startswith(".") for part in name.split("/"))
        if path.is_file() and kind is not None and not hidden:
            data = path.read_bytes()
            tag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
            assets[name] = Asset(data.decode("utf-8"), kind, tag)
    return assets


def _response(
    status: int,
    body: Any = None,
    *,
    content_type: str = "application/json",
    headers: Mapping[str, str] | None = None,
    cookies: list[str] | None = None,
) -> dict[str, Any]:
    text = body if isinstance(body, str) else ("" if body is None else json.dumps(body))
    result: dict[str, Any] = {
        "statusCode": status,
        "headers": {"Content-Type": content_type, **SECURITY_HEADERS, **(headers or {})},
        "body": text,
        "isBase64Encoded": False,
    }
    if cookies:
        result["cookies"] = cookies
    return result


def _error(status: int, code: str, message: str) -> dict[str, Any]:
    return _response(
        status, {"error": code, "message": message}, headers={"Cache-Control": "no-store"}
    )


def _header(event: Mapping[str, Any], name: str) -> str | None:
    headers = event.get("headers") or {}
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None


def _secure(event: Mapping[str, Any]) -> bool:
    """Whether the cookie must be ``Secure``: always, except plain HTTP on loopback."""
    context = event.get("requestContext") or {}
    host = str(context.get("domainName") or _header(event, "host") or "")
    hostname = host.rsplit(":", 1)[0] if not host.startswith("[") else host.split("]")[0] + "]"
    plain = (_header(event, "x-forwarded-proto") or "https").lower() == "http"
    return not (plain and hostname in LOOPBACK)


class WebApp:
    """``handle(event)`` answers an API Gateway v2 event whose path is under ``/app``.

    ``resolve(event)`` serves a management API event (the Powertools resolver);
    ``sign_in(username, password)`` returns the ID token's claims (or a ``SignedIn`` with a
    refresh token) or raises ``SignInRefused``; ``key()`` gives the session signing key;
    ``refresh(refresh_token, via)`` returns a ``SignedIn`` with fresh claims or raises
    ``SignInRefused``; ``revoke(refresh_token, via)`` revokes a signed-out session's refresh
    token and never raises.
    """

    def __init__(
        self,
        assets: Mapping[str, Asset],
        resolve: Callable[[dict[str, Any]], dict[str, Any]],
        sign_in: Callable[[str, str], Mapping[str, Any] | SignedIn],
        key: Callable[[], str],
        clock: Callable[[], float] = time.time,
        *,
        hosted_ui: Callable[[], HostedUi | None] = lambda: None,
        exchange: Callable[[HostedUi, str, str, str], Mapping[str, Any] | SignedIn] | None = None,
        refresh: Callable[[str, str], SignedIn] | None = None,
        revoke: Callable[[str, str], None] | None = None,
    ):
        self.assets = assets
        self.resolve = resolve
        self.sign_in = sign_in
        self.key = key
        self.clock = clock
        self.hosted_ui = hosted_ui
        # (hosted UI, code, verifier, redirect URI) -> the ID token's claims, or SignInRefused
        self.exchange = exchange
        self.refresh = refresh
        # (refresh token, via) -> None: signing out revokes the session's refresh token
        self.revoke = revoke

    @staticmethod
    def serves(path: str) -> bool:
        return path == PREFIX or path.startswith(PREFIX + "/")

    def handle(self, event: Mapping[str, Any]) -> dict[str, Any]:
        path = str(event.get("rawPath") or "")
        method = str((event.get("requestContext") or {}).get("http", {}).get("method", "GET"))
        if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
            return self._api(event, path[len(API_PREFIX) :] or "/")
        if path == PREFIX + "/session":
            if method == "POST":
                return self._sign_in(event)
            if method == "DELETE":
                return self._sign_out(event)
            return _error(405, "method_not_allowed", "POST signs in, DELETE signs out")
        if method not in ("GET", "HEAD"):
            return _error(405, "method_not_allowed", "the app's files are read with GET")
        if path == PREFIX + "/login":
            return self._login(event)
        if path == CALLBACK:
            return self._callback(event)
        name = path[len(PREFIX) :].lstrip("/") or "index.html"
        asset = self.assets.get(name)
        if asset is None:
            return _error(404, "not_found", "no such file in the app")
        headers = {"ETag": asset.etag, "Cache-Control": "no-cache"}
        if (_header(event, "if-none-match") or "") == asset.etag:
            return _response(304, "", content_type=asset.content_type, headers=headers)
        return _response(200, asset.body, content_type=asset.content_type, headers=headers)

    def _csrf_ok(self, event: Mapping[str, Any]) -> bool:
        return (_header(event, CSRF_HEADER) or "").strip() == "1"

    def _sign_in(self, event: Mapping[str, Any]) -> dict[str, Any]:
        if not self._csrf_ok(event):
            return _error(403, "csrf", "sign in from the app (the X-Heard-App header is missing)")
        try:
            body = json.loads(event.get("body") or "{}") if not event.get("isBase64Encoded") else {}
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return _error(400, "invalid_body", 'expected {"username", "password"}')
        username, password = body.get("username"), body.get("password")
        if not all(
            isinstance(v, str) and 0 < len(v) <= MAX_CREDENTIAL for v in (username, password)
        ):
            return _error(400, "invalid_body", "give your email and your password")
        assert isinstance(username, str) and isinstance(password, str)
        try:
            signed = _signed_in(self.sign_in(username.strip(), password))
        except SignInRefused as exc:
            return _error(401, "sign_in_failed", str(exc))
        cookie, expires = self._session_response(event, signed)
        claims = signed.claims
        who = {"email": claims.get("email"), "name": claims.get("name"), "expires_at": int(expires)}
        return _response(200, who, headers={"Cache-Control": "no-store"}, cookies=[cookie])

    def _session_response(
        self, event: Mapping[str, Any], signed: SignedIn, ends_at: float | None = None
    ) -> tuple[str, float]:
        """The session cookie for a sign-in (or a refresh of a session ending at ``ends_at``),
        and when it ends."""
        now = self.clock()
        expires = session.session_expiry(signed.claims, now)
        if signed.refresh_token is None:
            value = session.issue(signed.claims, expires, self.key())
            ends = expires
        else:
            ends = ends_at if ends_at is not None else now + session.MAX_AGE_S
            expires = min(expires, ends)
            value = session.issue(
                signed.claims,
                expires,
                self.key(),
                refresh_token=signed.refresh_token,
                ends_at=ends,
                via=signed.via,
            )
        cookie = session.cookie_header(value, max_age=int(ends - now), secure=_secure(event))
        return cookie, ends

    def _redirect_uri(self, event: Mapping[str, Any]) -> str:
        context = event.get("requestContext") or {}
        host = str(context.get("domainName") or _header(event, "host") or "")
        scheme = "https" if _secure(event) else "http"
        return f"{scheme}://{host}{CALLBACK}"

    def _login(self, event: Mapping[str, Any]) -> dict[str, Any]:
        hosted = self.hosted_ui()
        if hosted is None:
            return _error(404, "not_found", "there is no hosted sign-in here: use the form")
        state = secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        sealed = session.seal(
            {"state": state, "verifier": verifier},
            "pkce",
            self.clock() + PKCE_TTL_S,
            self.key(),
        )
        cookie = session.cookie_header(
            sealed,
            max_age=PKCE_TTL_S,
            secure=_secure(event),
            name=PKCE_COOKIE,
            path=CALLBACK,
            same_site="Lax",
        )
        query = urlencode(
            {
                "response_type": "code",
                "client_id": hosted.client_id,
                "redirect_uri": self._redirect_uri(event),
                "scope": "openid email profile",
                "state": state,
                "code_challenge": challenge.rstrip(b"=").decode(),
                "code_challenge_method": "S256",
            }
        )
        location = f"{hosted.domain.rstrip('/')}/oauth2/authorize?{query}"
        return _response(
            302, "", headers={"Location": location, "Cache-Control": "no-store"}, cookies=[cookie]
        )

    def _callback(self, event: Mapping[str, Any]) -> dict[str, Any]:
        hosted = self.hosted_ui()
        if hosted is None or self.exchange is None:
            return _error(404, "not_found", "there is no hosted sign-in here: use the form")
        query = event.get("queryStringParameters") or {}
        code, state = query.get("code"), query.get("state")
        sealed = session.unseal(
            session.cookie_value(event.get("cookies"), PKCE_COOKIE),
            "pkce",
            self.key(),
            self.clock(),
        )
        if not code or not state or sealed is None:
            return _error(400, "sign_in_failed", "sign-in was not started here, or took too long")
        if not hmac.compare_digest(str(sealed.get("state")).encode(), state.encode()):
            return _error(400, "sign_in_failed", "the sign-in's state does not match")
        try:
            signed = _signed_in(
                self.exchange(hosted, code, str(sealed["verifier"]), self._redirect_uri(event))
            )
        except SignInRefused as exc:
            return _error(401, "sign_in_failed", str(exc))
        audience = signed.claims.get("aud")
        if audience != hosted.client_id and hosted.client_id not in (audience or []):
            return _error(401, "sign_in_failed", "the token is not for this app")
        cookie, _ = self._session_response(event, signed)
        clear = session.cookie_header(
            "", max_age=0, secure=_secure(event), name=PKCE_COOKIE, path=CALLBACK, same_site="Lax"
        )
        return _response(
            302,
            "",
            headers={"Location": PREFIX, "Cache-Control": "no-store"},
            cookies=[cookie, clear],
        )

    def _sign_out(self, event: Mapping[str, Any]) -> dict[str, Any]:
        if not self._csrf_ok(event):
            return _error(403, "csrf", "sign out from the app (the X-Heard-App header is missing)")
        found = session.open_session(
            session.cookie_value(event.get("cookies")), self.key(), self.clock()
        )
        if found is not None and found.refresh_token is not None and self.revoke is not None:
            self.revoke(found.refresh_token, found.via)  # never raises: sign-out always ends
        cookie = session.cookie_header("", max_age=0, secure=_secure(event))
        return _response(204, "", headers={"Cache-Control": "no-store"}, cookies=[cookie])

    def _api(self, event: Mapping[str, Any], route_path: str) -> dict[str, Any]:
        if not self._csrf_ok(event):
            return _error(403, "csrf", "the app's API needs the X-Heard-App header")
        claims, renewed = self._current(event)
        if claims is None:
            answer = _error(401, "unauthorized", "sign in first (no session, or it has ended)")
            if self.hosted_ui() is not None:  # the app offers the hosted UI too
                answer["body"] = json.dumps(
                    {**json.loads(answer["body"]), "sign_in_url": PREFIX + "/login"}
                )
            return answer
        inner = copy.deepcopy(dict(event))
        inner.pop("cookies", None)  # the session stays here; the API never sees it
        inner["rawPath"] = route_path
        context = inner.setdefault("requestContext", {})
        context.setdefault("http", {})["path"] = route_path
        method = context["http"].get("method", "GET")
        context["routeKey"] = inner["routeKey"] = f"{method} {route_path}"
        # Exactly what API Gateway's JWT authorizer would pass for this person; anything an
        # event carried there before is replaced.
        context["authorizer"] = {
            "jwt": {"claims": {k: v for k, v in claims.items() if k != "exp"}, "scopes": None}
        }
        result = dict(self.resolve(inner))
        result["headers"] = {
            **(result.get("headers") or {}),
            **SECURITY_HEADERS,
            "Cache-Control": "no-store",
        }
        if renewed is not None:
            result["cookies"] = [*(result.get("cookies") or []), renewed]
        return result

    def _current(self, event: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        """The session's claims (None: no session, or it has ended) and, when they were
        refreshed for this request, the reissued cookie."""
        now = self.clock()
        found = session.open_session(session.cookie_value(event.get("cookies")), self.key(), now)
        if found is None:
            return None, None
        due = found.fresh_until - now < session.REFRESH_MARGIN_S
        if due and found.refresh_token is not None and self.refresh is not None:
            try:
                fresh = self.refresh(found.refresh_token, found.via)
            except SignInRefused:
                fresh = None  # revoked or disabled: the session ends with its claims
            if fresh is not None and fresh.claims.get("sub") == found.claims.get("sub"):
                token = fresh.refresh_token or found.refresh_token
                signed = SignedIn(fresh.claims, token, found.via)
                cookie, _ = self._session_response(event, signed, ends_at=found.ends_at)
                claims = {k: v for k, v in fresh.claims.items() if k in session.CLAIMS}
                return {**claims, "exp": int(session.session_expiry(fresh.claims, now))}, cookie
        return (found.claims if found.fresh_until > now else None), None
