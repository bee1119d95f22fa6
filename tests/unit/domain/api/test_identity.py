"""The principal read from an API Gateway v2 event's JWT claims, as API Gateway passes them."""

from __future__ import annotations

from typing import Any

import pytest

from heard.api.errors import ApiError
from heard.api.identity import (
    LOCAL_ADMIN_ID,
    LOCAL_ADMIN_ISSUER,
    Principal,
    PrincipalKind,
    principal_from_claims,
    principal_of,
    require_principal,
)
from heard.api.responses import PrincipalView

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
SUB = "7c1e9f5a-2b3d-4e6f-8a9b-0c1d2e3f4a5b"

# What API Gateway puts in requestContext.authorizer.jwt.claims for a Cognito ID token:
# every value a string, the groups list rendered "[a b]".
ID_TOKEN_CLAIMS = {
    "aud": "3n4b5urk1ft4fl3mg5e62d9ado",
    "auth_time": "1767225600",
    "cognito:groups": "[managers leads]",
    "cognito:username": SUB,
    "email": "bob@acme.example",
    "email_verified": "true",
    "exp": "1767229200",
    "iat": "1767225600",
    "iss": ISSUER,
    "name": "Bob Manager",
    "sub": SUB,
    "token_use": "id",
}

# And for an access token: no email or name; the username is the sub.
ACCESS_TOKEN_CLAIMS = {
    "client_id": "3n4b5urk1ft4fl3mg5e62d9ado",
    "cognito:groups": "[managers]",
    "exp": "1767229200",
    "iss": ISSUER,
    "scope": "aws.cognito.signin.user.admin",
    "sub": SUB,
    "token_use": "access",
    "username": SUB,
}


def event(claims: dict[str, Any] | None) -> dict[str, Any]:
    context: dict[str, Any] = {"routeKey": "GET /me"}
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return {"version": "2.0", "requestContext": context}


def test_an_id_token_names_the_person_their_email_and_groups() -> None:
    principal = principal_of(event(ID_TOKEN_CLAIMS))
    assert principal == Principal(
        id=SUB,
        username="bob@acme.example",
        email="bob@acme.example",
        display_name="Bob Manager",
        groups=("managers", "leads"),
        kind=PrincipalKind.USER,
    )
    assert principal.in_group("managers")
    assert not principal.in_group("manager")


def test_an_access_token_names_the_same_person_without_an_email() -> None:
    principal = principal_of(event(ACCESS_TOKEN_CLAIMS))
    assert principal is not None
    assert principal.id == SUB  # the same id as from the ID token: sub
    assert (principal.username, principal.email, principal.display_name) == (SUB, None, SUB)
    assert principal.groups == ("managers",)


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        (None, ()),
        ("[]", ()),
        ("[agents]", ("agents",)),
        ("[a b  c]", ("a", "b", "c")),
        (["a", "b"], ("a", "b")),  # a JSON list, as a test or another front end may pass
        (7, ()),
    ],
)
def test_groups_read_every_way_they_arrive(groups: Any, expected: tuple[str, ...]) -> None:
    claims = {**ID_TOKEN_CLAIMS, "cognito:groups": groups}
    if groups is None:
        del claims["cognito:groups"]
    principal = principal_from_claims(claims)
    assert principal is not None and principal.groups == expected


def test_without_a_name_the_email_is_displayed() -> None:
    claims = {k: v for k, v in ID_TOKEN_CLAIMS.items() if k != "name"}
    principal = principal_from_claims(claims)
    assert principal is not None and principal.display_name == "bob@acme.example"


def test_the_local_admin_token_is_a_principal_of_its_own_kind() -> None:
    claims = {"sub": LOCAL_ADMIN_ID, "iss": LOCAL_ADMIN_ISSUER, "name": "Local admin"}
    principal = principal_from_claims(claims)
    assert principal is not None
    assert (principal.id, principal.kind) == (LOCAL_ADMIN_ID, PrincipalKind.LOCAL_ADMIN)


def test_only_the_local_issuer_makes_a_local_admin() -> None:
    claims = {**ID_TOKEN_CLAIMS, "sub": LOCAL_ADMIN_ID}
    principal = principal_from_claims(claims)
    assert principal is not None and principal.kind is PrincipalKind.USER


@pytest.mark.parametrize(
    "request_event",
    [
        event(None),  # a route without an authorizer
        event({}),
        event({"sub": ""}),
        event({"email": "bob@acme.example"}),  # no sub: nobody we could record
        {"requestContext": {"authorizer": {"iam": {"userId": "AIDA"}}}},
        {"requestContext": {"authorizer": {"jwt": "claims"}}},
        {},
    ],
)
def test_no_person_is_a_401(request_event: dict[str, Any]) -> None:
    assert principal_of(request_event) is None
    with pytest.raises(ApiError) as refused:
        require_principal(request_event)
    assert refused.value.status == 401
    assert refused.value.body() == {
        "error": "unauthorized",
        "message": "this request needs a signed-in person",
    }


def test_the_view_is_what_get_me_answers() -> None:
    principal = require_principal(event(ID_TOKEN_CLAIMS))
    assert PrincipalView.of(principal).model_dump(mode="json") == {
        "id": SUB,
        "username": "bob@acme.example",
        "email": "bob@acme.example",
        "display_name": "Bob Manager",
        "groups": ["managers", "leads"],
        "kind": "user",
    }
