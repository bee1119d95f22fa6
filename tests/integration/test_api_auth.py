"""Signing in: Cognito tokens from moto's user pool, checked by the local HTTP API as API
Gateway's JWT authorizer checks them, and the person reaching the API handler."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from heard_local.authorizer import JwtAuthorizer, MotoJwks
from heard_local.defaults import DEMO_USERS, LOCAL_SECRETS
from heard_local.http_api import LocalHttpApi, Route
from heard_local.people import SignInTarget, create_demo_users, sign_in
from heard_local.provision import Stack, provision
from moto.utilities.utils import load_resource

ALICE, BOB = DEMO_USERS
ADMIN_TOKEN = LOCAL_SECRETS["HEARD_API_TOKEN"]
UNAUTHORIZED = (401, {"message": "Unauthorized"})


class Api:
    def __init__(self, server: LocalHttpApi, target: SignInTarget, stack: Stack):
        self.server = server
        self.target = target
        self.stack = stack
        self.invoked: list[str] = []
        self.http = httpx.Client(base_url=server.url, timeout=10)

    def get(self, path: str, token: str | None = None, **headers: str) -> tuple[int, Any]:
        if token is not None:
            headers["authorization"] = f"Bearer {token}"
        response = self.http.get(path, headers=headers)
        return response.status_code, response.json()

    def tokens(self, user=ALICE, client_id: str | None = None) -> dict[str, Any]:
        cognito = self.stack.client("cognito-idp")
        return sign_in(cognito, client_id or self.target.client_id, user.username, user.password)

    def sub(self, user) -> str:
        found = self.stack.client("cognito-idp").admin_get_user(
            UserPoolId=self.target.user_pool_id, Username=user.username
        )
        return next(a["Value"] for a in found["UserAttributes"] if a["Name"] == "sub")


@pytest.fixture
def api(stack: Stack, load, lambda_context) -> Iterator[Api]:
    target = create_demo_users(stack)
    assert target is not None
    handlers: dict[str, Any] = {}
    invoked: list[str] = []

    def invoke(function: str, event: dict[str, Any]) -> Any:
        invoked.append(event["routeKey"])
        if function not in handlers:
            handlers[function] = load(function)
        return handlers[function](event, lambda_context(function))

    routes = [
        Route(r.method, r.path, r.auth, lid, r.scopes)
        for lid, spec in stack.functions.items()
        for r in spec.http_routes
    ]
    keys = MotoJwks(stack.endpoint_url)
    authorizers = {
        name: JwtAuthorizer(spec, keys, admin_token=ADMIN_TOKEN)
        for name, spec in stack.authorizers.items()
    }
    server = LocalHttpApi(routes, invoke, api_token=ADMIN_TOKEN, authorizers=authorizers)
    server.start()
    running = Api(server, target, stack)
    running.invoked = invoked
    try:
        yield running
    finally:
        running.http.close()
        server.stop()


def moto_signed(claims: dict[str, Any]) -> str:
    """A token signed with moto's own Cognito key: only its claims can be wrong."""
    key = jwt.PyJWK.from_dict(load_resource("cognitoidp/resources/jwks-private.json"))
    return jwt.encode(claims, key.key, algorithm="RS256", headers={"kid": "dummy"})


def good_claims(api: Api, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "sub": api.sub(ALICE),
        "iss": api.target.issuer,
        "aud": api.target.client_id,
        "token_use": "id",
        "email": ALICE.username,
        "iat": now - 10,
        "exp": now + 600,
        **changes,
    }
    return {k: v for k, v in claims.items() if v is not None}


def test_a_demo_users_id_token_reaches_the_handler_as_that_person(api: Api) -> None:
    status, body = api.get("/me", api.tokens(ALICE)["IdToken"])
    assert status == 200
    assert body == {
        "id": api.sub(ALICE),
        "username": ALICE.username,
        "email": ALICE.username,
        "display_name": ALICE.name,
        "groups": [],
        "kind": "user",
    }


def test_a_manager_is_in_the_managers_group_by_id_or_access_token(api: Api) -> None:
    tokens = api.tokens(BOB)
    for kind in ("IdToken", "AccessToken"):
        status, body = api.get("/me", tokens[kind])
        assert status == 200
        assert (body["id"], body["groups"]) == (api.sub(BOB), ["managers"])


def test_the_inbox_takes_a_users_token(api: Api) -> None:
    status, body = api.get("/mentions?brand=Acme", api.tokens(ALICE)["IdToken"])
    assert (status, body) == (200, {"items": [], "next_cursor": None})


def test_the_moto_signed_control_token_passes(api: Api) -> None:
    """The refusals below differ from this token in one claim each."""
    assert api.get("/me", moto_signed(good_claims(api)))[0] == 200


@pytest.mark.parametrize(
    "changes",
    [
        # Times are taken when the test runs, not when it is collected: a long suite run must
        # not turn "ten minutes from now" into the past.
        lambda now: {"exp": now - 1},  # expired
        lambda now: {"nbf": now + 600},
        lambda now: {"iat": now + 600},
        lambda now: {"aud": "another-client"},
        lambda now: {"aud": None, "client_id": "another-client"},
        lambda now: {"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SomeoneElse"},
    ],
    ids=["expired", "not-before", "issued-later", "audience", "client-id", "issuer"],
)
def test_a_token_with_a_wrong_claim_is_refused(
    api: Api, changes: Callable[[int], dict[str, Any]]
) -> None:
    token = moto_signed(good_claims(api, **changes(int(time.time()))))
    assert api.get("/me", token) == UNAUTHORIZED
    assert api.invoked == []  # the handler never saw it


def test_a_token_of_another_app_client_is_refused(api: Api) -> None:
    other = api.stack.client("cognito-idp").create_user_pool_client(
        UserPoolId=api.target.user_pool_id,
        ClientName="not-the-inbox",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    tokens = api.tokens(ALICE, client_id=other)
    assert api.get("/me", tokens["IdToken"]) == UNAUTHORIZED
    assert api.get("/me", tokens["AccessToken"]) == UNAUTHORIZED


def test_a_token_of_another_user_pool_is_refused(api: Api, moto_server: str) -> None:
    """Same moto key, same users, but another pool's issuer and client."""
    elsewhere = provision(
        api.stack.template_path, moto_server, stack_name=f"o{uuid.uuid4().hex[:8]}"
    )
    other = create_demo_users(elsewhere)
    assert other is not None and other.issuer != api.target.issuer
    cognito = elsewhere.client("cognito-idp")
    tokens = sign_in(cognito, other.client_id, ALICE.username, ALICE.password)
    assert api.get("/me", tokens["IdToken"]) == UNAUTHORIZED


def test_a_token_forged_with_another_key_is_refused(api: Api) -> None:
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = good_claims(api)
    for kid in ("dummy", "forger"):
        forged = jwt.encode(claims, forger, algorithm="RS256", headers={"kid": kid})
        assert api.get("/me", forged) == UNAUTHORIZED
    assert api.get("/me", jwt.encode(claims, None, algorithm="none")) == UNAUTHORIZED


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer not-a-jwt", "Basic YWxpY2U6cGFzcw==", "Token x.y.z"]
)
def test_a_missing_or_malformed_header_is_refused(api: Api, header: str | None) -> None:
    headers = {} if header is None else {"authorization": header}
    assert api.get("/mentions", **headers) == UNAUTHORIZED
    assert api.invoked == []


def test_the_token_alone_without_bearer_is_taken_like_api_gateway_takes_it(api: Api) -> None:
    status, body = api.get("/me", authorization=api.tokens(ALICE)["IdToken"])
    assert (status, body["username"]) == (200, ALICE.username)


def test_the_local_admin_token_still_serves_scripts(api: Api) -> None:
    status, body = api.get("/me", ADMIN_TOKEN)
    assert status == 200
    assert (body["id"], body["kind"], body["groups"]) == (
        "local-admin",
        "local-admin",
        ["managers"],
    )
    assert api.get("/mentions", ADMIN_TOKEN)[0] == 200
    assert api.get("/mentions", ADMIN_TOKEN + "x") == UNAUTHORIZED


def test_webhook_routes_stay_open(api: Api) -> None:
    status, body = api.get("/webhooks/x?crc_token=abc")
    assert status == 200 and body["response_token"].startswith("sha256=")


def test_the_handler_refuses_me_without_a_person(call_api) -> None:
    """Were the authorizer ever missing from the route, the handler itself says 401."""
    response = call_api("GET", "/me")
    assert response.status == 401
    assert json.loads(response.body) == {
        "error": "unauthorized",
        "message": "this request needs a signed-in person",
    }
