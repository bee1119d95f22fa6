"""The local JWT authorizer checks a token as API Gateway's does, and passes its claims on."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from heard_local.authorizer import (
    Forbidden,
    JwtAuthorizer,
    MotoJwks,
    Unauthorized,
    api_gateway_claims,
    local_discovery_url,
)
from heard_local.provision import JwtAuthorizerSpec

from heard.api.identity import LOCAL_ADMIN_ISSUER

ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example"
CLIENT = "3n4b5urk1ft4fl3mg5e62d9ado"
NOW = 1_767_225_600


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


POOL_KEY = _key()
OTHER_KEY = _key()


class StaticKeys:
    """The pool's key set, as the issuer's JWKS would give it."""

    def __init__(self) -> None:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(POOL_KEY.public_key()))
        self.keys = {"pool-key": jwt.PyJWK.from_dict({**jwk, "kid": "pool-key", "alg": "RS256"})}
        self.asked: list[tuple[str, str]] = []

    def key(self, issuer: str, kid: str) -> Any | None:
        self.asked.append((issuer, kid))
        return self.keys.get(kid) if issuer == ISSUER else None


def token(
    key: Any = POOL_KEY, kid: str | None = "pool-key", algorithm: str = "RS256", **claims: Any
) -> str:
    payload = {
        "sub": "alice-sub",
        "iss": ISSUER,
        "aud": CLIENT,
        "token_use": "id",
        "iat": NOW - 60,
        "exp": NOW + 3600,
        "email": "alice@acme.example",
        "cognito:groups": ["agents", "leads"],
        "email_verified": True,
        **claims,
    }
    payload = {k: v for k, v in payload.items() if v is not None}
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(payload, key, algorithm=algorithm, headers=headers)


@pytest.fixture
def authorizer() -> JwtAuthorizer:
    spec = JwtAuthorizerSpec("CognitoAuthorizer", ISSUER, (CLIENT,))
    return JwtAuthorizer(spec, StaticKeys(), admin_token="t0ken", clock=lambda: NOW)


def bearer(value: str) -> dict[str, str]:
    return {"authorization": f"Bearer {value}"}


def test_a_good_id_token_passes_its_claims_as_api_gateway_does(authorizer) -> None:
    context = authorizer.authorize(bearer(token()))
    assert context == {
        "jwt": {
            "claims": {
                "sub": "alice-sub",
                "iss": ISSUER,
                "aud": CLIENT,
                "token_use": "id",
                "iat": str(NOW - 60),
                "exp": str(NOW + 3600),
                "email": "alice@acme.example",
                "cognito:groups": "[agents leads]",
                "email_verified": "true",
            },
            "scopes": None,  # an ID token has no scope claim
        }
    }


def test_the_token_may_come_without_the_bearer_prefix(authorizer) -> None:
    assert authorizer.authorize({"authorization": token()})["jwt"]["claims"]["sub"] == "alice-sub"


def test_an_access_token_is_checked_by_client_id_and_its_scopes_split(authorizer) -> None:
    access = token(aud=None, client_id=CLIENT, token_use="access", scope="openid profile")
    context = authorizer.authorize(bearer(access))
    assert context["jwt"]["scopes"] == ["openid", "profile"]
    assert context["jwt"]["claims"]["client_id"] == CLIENT


def test_aud_wins_over_client_id(authorizer) -> None:
    with pytest.raises(Unauthorized, match="audience"):
        authorizer.authorize(bearer(token(aud="someone-else", client_id=CLIENT)))


@pytest.mark.parametrize(
    ("forged", "reason"),
    [
        (token(exp=NOW - 1), "expired"),
        (token(exp=NOW), "expired"),
        (token(exp=None), "no exp"),
        (token(exp="tomorrow"), "not a number"),
        (token(nbf=NOW + 60), "not valid yet"),
        (token(iat=NOW + 60), "issued in the future"),
        (token(aud="another-client"), "audience"),
        (token(aud=None), "audience"),
        (token(aud=None, client_id="another-client"), "audience"),
        (token(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"), "issuer"),
        (token(iss=None), "issuer"),
        (token(key=OTHER_KEY), "signature"),  # forged: another key under the pool's kid
        (token(key=OTHER_KEY, kid="forger-key"), "kid"),
        (token(kid=None), "no kid"),
        (token(key="a-shared-secret-long-enough-for-hs256", algorithm="HS256"), "RSA"),
        (jwt.encode({"sub": "x", "iss": ISSUER, "aud": CLIENT}, None, algorithm="none"), "RSA"),
        ("not-a-jwt", "not a JWT"),
        ("a.b.c", "not a JWT"),
    ],
)
def test_a_bad_token_is_refused(authorizer, forged: str, reason: str) -> None:
    with pytest.raises(Unauthorized, match=reason):
        authorizer.authorize(bearer(forged))


def test_a_tampered_payload_fails_the_signature(authorizer) -> None:
    header, payload, signature = token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "mallory"
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(Unauthorized, match="signature"):
        authorizer.authorize(bearer(f"{header}.{changed}.{signature}"))


@pytest.mark.parametrize("headers", [{}, {"authorization": ""}, {"authorization": "   "}])
def test_no_token_is_refused(authorizer, headers: dict[str, str]) -> None:
    with pytest.raises(Unauthorized, match="no token"):
        authorizer.authorize(headers)


@pytest.mark.parametrize("value", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a b"])
def test_a_malformed_header_is_refused(authorizer, value: str) -> None:
    with pytest.raises(Unauthorized):
        authorizer.authorize({"authorization": value})


def test_the_local_admin_token_names_the_local_admin(authorizer) -> None:
    context = authorizer.authorize(bearer("t0ken"))
    claims = context["jwt"]["claims"]
    assert (claims["sub"], claims["iss"]) == ("local-admin", LOCAL_ADMIN_ISSUER)
    assert claims["cognito:groups"] == "[managers]"
    assert context["jwt"]["scopes"] is None
    with pytest.raises(Unauthorized):
        authorizer.authorize(bearer("t0ken-not"))


def test_without_an_admin_token_only_jwts_pass() -> None:
    spec = JwtAuthorizerSpec("CognitoAuthorizer", ISSUER, (CLIENT,))
    strict = JwtAuthorizer(spec, StaticKeys(), admin_token=None, clock=lambda: NOW)
    with pytest.raises(Unauthorized):
        strict.authorize(bearer(""))


def test_route_scopes_need_one_of_them_in_the_token(authorizer) -> None:
    access = token(aud=None, client_id=CLIENT, scope="heard/read")
    assert authorizer.authorize(bearer(access), scopes=["heard/read", "heard/write"])
    with pytest.raises(Forbidden):
        authorizer.authorize(bearer(access), scopes=["heard/write"])
    with pytest.raises(Forbidden):
        authorizer.authorize(bearer(token()), scopes=["heard/read"])  # an ID token: no scope


def test_a_query_string_identity_source_is_read_from_the_query() -> None:
    spec = JwtAuthorizerSpec("Q", ISSUER, (CLIENT,), "$request.querystring.access_token")
    by_query = JwtAuthorizer(spec, StaticKeys(), clock=lambda: NOW)
    assert by_query.authorize({}, {"access_token": token()})["jwt"]["claims"]["sub"]
    with pytest.raises(Unauthorized):
        by_query.authorize(bearer(token()), {})


def test_an_identity_source_that_is_not_emulated_is_refused_at_start() -> None:
    spec = JwtAuthorizerSpec("C", ISSUER, (CLIENT,), "$context.identity.sourceIp")
    with pytest.raises(ValueError, match="not emulated"):
        JwtAuthorizer(spec, StaticKeys())


def test_claims_render_as_api_gateway_renders_them() -> None:
    assert api_gateway_claims(
        {"n": 5, "b": False, "l": ["a", 1], "e": [], "s": "x", "o": {"k": "v"}, "z": None}
    ) == {"n": "5", "b": "false", "l": "[a 1]", "e": "[]", "s": "x", "o": "map[k:v]", "z": ""}


def test_only_cognito_issuers_are_looked_up_on_moto() -> None:
    assert local_discovery_url(ISSUER, "http://127.0.0.1:5000/") == (
        "http://127.0.0.1:5000/us-east-1_Example/.well-known/openid-configuration"
    )
    assert local_discovery_url("https://login.example.com/", "http://127.0.0.1:5000") is None
    keys = MotoJwks("http://127.0.0.1:1")  # never asked: the issuer has no local keys
    assert keys.key("https://login.example.com/", "any") is None


def test_an_unknown_kid_is_looked_up_again_only_after_a_while(monkeypatch) -> None:
    fetched: list[str] = []
    clock = [100.0]
    keys = MotoJwks("http://127.0.0.1:1", clock=lambda: clock[0])

    def fetch(issuer: str) -> dict[str, Any]:
        fetched.append(issuer)
        return {}

    monkeypatch.setattr(keys, "_fetch", fetch)
    for _ in range(5):
        assert keys.key(ISSUER, "forger-key") is None
    assert len(fetched) == 1
    clock[0] += 31
    keys.key(ISSUER, "forger-key")
    assert len(fetched) == 2


def test_the_clock_is_real_by_default() -> None:
    spec = JwtAuthorizerSpec("CognitoAuthorizer", ISSUER, (CLIENT,))
    live = JwtAuthorizer(spec, StaticKeys())
    fresh = token(iat=int(time.time()) - 5, exp=int(time.time()) + 60)
    assert live.authorize(bearer(fresh))["jwt"]["claims"]["sub"] == "alice-sub"
