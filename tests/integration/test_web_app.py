"""The web inbox's sign-in through the real API handler, against moto's user pool, over the
local HTTP API's /app routes (no authorizer: the handler checks the session itself)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from heard_local.defaults import DEMO_USERS, LOCAL_SECRETS
from heard_local.http_api import LocalHttpApi, Route
from heard_local.people import create_demo_users
from heard_local.provision import Stack

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
