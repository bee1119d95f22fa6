"""The web inbox's sign-in through the real API handler, against moto's user pool, over the
local HTTP API's /app routes (no authorizer: the handler checks the session itself)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from heard_local.defaults import DEMO_USERS, LOCAL_SECRETS
from heard_local.http_api import LocalHttpApi, Route
from heard_local.people import create_demo_users
from heard_local.provision import Stack

from heard.web import session

ALICE, BOB = DEMO_USERS
APP = {"X-Heard-App": "1"}


@pytest.fixture
def http(stack: Stack, load, lambda_context) -> Iterator[httpx.Client]:
    assert create_demo_users(stack) is not None
    handler = load("ApiFunction")

    def invoke(function: str, event: dict[str, Any]) -> Any:
        return handler(event, lambda_context(function))

    routes = [
        Route(r.method, r.path, r.auth, "ApiFunction", r.scopes)
        for r in stack.functions["ApiFunction"].http_routes
        if r.path.startswith("/app")
    ]
    assert all(r.auth is None for r in routes)
    server = LocalHttpApi(routes, invoke, api_token=LOCAL_SECRETS["HEARD_API_TOKEN"])
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            yield client
    finally:
        server.stop()


def _sign_in(http: httpx.Client, user: Any, password: str | None = None) -> httpx.Response:
    body = {"username": user.username, "password": password or user.password}
    return http.post("/app/session", json=body, headers=APP)


def test_a_demo_user_signs_in_and_the_app_api_knows_them(http: httpx.Client) -> None:
    assert http.get("/app/").status_code == 200
    assert http.get("/app/api/me", headers=APP).status_code == 401
    answer = _sign_in(http, BOB)
    assert answer.status_code == 200, answer.text
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/app" in cookie
    me = http.get("/app/api/me", headers=APP)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == BOB.username
    assert me.json()["groups"] == ["managers"]
    assert me.headers["content-security-policy"].startswith("default-src 'none'")
    listing = http.get("/app/api/mentions", params={"status": "open"}, headers=APP)
    assert listing.status_code == 200, listing.text
    assert http.get("/app/api/me").status_code == 403  # without the app's header
    assert http.delete("/app/session", headers=APP).status_code == 204
    assert http.get("/app/api/me", headers=APP).status_code == 401


def test_a_wrong_password_or_an_unknown_person_gets_no_session(http: httpx.Client) -> None:
    wrong = _sign_in(http, ALICE, password="Not-the-password-1")
    assert wrong.status_code == 401
    assert "set-cookie" not in wrong.headers
    assert wrong.json()["error"] == "sign_in_failed"
    nobody = http.post(
        "/app/session", json={"username": "eve@example.com", "password": "Whatever-1"}, headers=APP
    )
    assert nobody.status_code == 401


def test_a_session_past_its_id_token_is_refreshed_with_cognito(http: httpx.Client) -> None:
    answer = _sign_in(http, ALICE)
    assert answer.status_code == 200, answer.text
    key = LOCAL_SECRETS["HEARD_SESSION_KEY"]
    found = session.open_session(http.cookies["heard_session"], key)
    assert found is not None and found.refresh_token  # moto's, sealed in the cookie
    http.cookies.clear()  # each request below sends the cookie it means

    def me(value: str) -> httpx.Response:
        return http.get("/app/api/me", headers={**APP, "Cookie": f"heard_session={value}"})

    # The same session an hour later: its ID token's claims have expired.
    now = time.time()
    stale = session.issue(
        found.claims, now - 10, key, refresh_token=found.refresh_token, ends_at=found.ends_at
    )
    refreshed = me(stale)
    assert refreshed.status_code == 200, refreshed.text  # REFRESH_TOKEN_AUTH: a new ID token
    assert refreshed.json()["email"] == ALICE.username
    cookie = refreshed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    renewed = session.open_session(cookie.split(";")[0].split("=", 1)[1], key)
    assert renewed is not None and renewed.fresh_until > now + 600
    assert renewed.ends_at == found.ends_at and renewed.refresh_token == found.refresh_token
    # A refresh token Cognito does not know: the session ends with its claims.
    forged = session.issue(
        found.claims, now - 10, key, refresh_token="not-a-token", ends_at=found.ends_at
    )
    assert me(forged).status_code == 401
