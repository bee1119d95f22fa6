"""The web inbox's session cookie and its /app routes, without AWS: a fake resolver and
sign-in stand in for the API and the user pool."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from heard.web import gateway, session

KEY = "test-key"
NOW = 1_800_000_000.0
CLAIMS = {"sub": "s-1", "email": "alice@acme.example", "name": "Alice", "cognito:groups": []}
WEB = Path(__file__).resolve().parents[3] / "functions" / "api" / "web"


def test_a_session_reads_back_as_issued_until_it_expires() -> None:
    value = session.issue({**CLAIMS, "iss": "x", "token_use": "id"}, NOW + 60, KEY)
    claims = session.read(value, KEY, NOW)
    assert claims == {**CLAIMS, "exp": NOW + 60}  # only the person's claims are kept
    assert session.read(value, KEY, NOW + 60) is None
    assert session.read(value, "another-key", NOW) is None


@pytest.mark.parametrize("mangle", ["payload", "signature", "dots", "empty"])
def test_a_tampered_session_is_refused(mangle: str) -> None:
    value = session.issue(CLAIMS, NOW + 60, KEY)
    payload, signature = value.split(".")
    forged = {**CLAIMS, "email": "bob@acme.example", "exp": int(NOW + 60)}
    mangled = {
        "payload": base64.urlsafe_b64encode(json.dumps(forged).encode()).decode() + "." + signature,
        "signature": payload + "." + signature[:-2] + "AA",
        "dots": value + ".x",
        "empty": "",
    }[mangle]
    assert session.read(mangled, KEY, NOW) is None


def test_the_cookie_is_httponly_strict_and_secure_except_on_loopback_http() -> None:
    cookie = session.cookie_header("v", max_age=60, secure=True)
    assert cookie == "heard_session=v; Path=/app; Max-Age=60; HttpOnly; SameSite=Strict; Secure"
    assert "Secure" not in session.cookie_header("v", max_age=60, secure=False)
    assert session.cookie_value(["a=1", "heard_session=abc.def"]) == "abc.def"


def test_a_session_lasts_as_long_as_the_token_and_never_over_eight_hours() -> None:
    assert session.session_expiry({"exp": NOW + 3600}, NOW) == NOW + 3600
    assert session.session_expiry({"exp": NOW + 86400}, NOW) == NOW + session.MAX_AGE_S


def _token(claims: dict[str, Any]) -> str:
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"eyJhbGciOiJSUzI1NiJ9.{body}.sig"


def _event(method: str, path: str, **extra: Any) -> dict[str, Any]:
    headers = {"host": "127.0.0.1:3000", "x-forwarded-proto": "http", **extra.pop("headers", {})}
    return {
        "rawPath": path,
        "routeKey": f"{method} /app/{{proxy+}}",
        "headers": headers,
        "requestContext": {
            "http": {"method": method, "path": path},
            "domainName": "127.0.0.1:3000",
        },
        **extra,
    }


class Fake:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def resolve(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": "{}"}

    def sign_in(self, username: str, password: str) -> dict[str, Any]:
        if password != "right":
            raise gateway.SignInRefused("wrong email or password")
        return {**CLAIMS, "email": username, "exp": int(NOW + 3600)}


@pytest.fixture
def web() -> tuple[gateway.WebApp, Fake]:
    fake = Fake()
    app = gateway.WebApp(
        gateway.load_assets(WEB), fake.resolve, fake.sign_in, lambda: KEY, clock=lambda: NOW
    )
    return app, fake


def _cookie(value: str) -> list[str]:
    return [f"heard_session={value}"]


def test_the_app_files_carry_their_type_an_etag_and_the_strict_policy(web) -> None:
    app, _ = web
    for path, kind in [
        ("/app/", "text/html"),
        ("/app", "text/html"),
        ("/app/app.js", "text/javascript"),
        ("/app/app.css", "text/css"),
    ]:
        answer = app.handle(_event("GET", path))
        assert answer["statusCode"] == 200, path
        headers = answer["headers"]
        assert headers["Content-Type"].startswith(kind)
        assert headers["Content-Security-Policy"] == gateway.CSP
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        again = app.handle(_event("GET", path, headers={"if-none-match": headers["ETag"]}))
        assert again["statusCode"] == 304 and again["body"] == ""
    for path in ("/app/../template.yaml", "/app/%2e%2e/app.py", "/app/nothing.js", "/app/.hidden"):
        answer = app.handle(_event("GET", path))
        assert answer["statusCode"] == 404
        assert answer["headers"]["Content-Security-Policy"] == gateway.CSP


def test_the_chart_library_ships_in_vendor_with_its_licence(web) -> None:
    app, _ = web
    for path, kind in [
        ("/app/vendor/uPlot.iife.min.js", "text/javascript"),
        ("/app/vendor/uPlot.min.css", "text/css"),
        ("/app/vendor/uPlot.LICENSE.txt", "text/plain"),
    ]:
        answer = app.handle(_event("GET", path))
        assert answer["statusCode"] == 200, path
        assert answer["headers"]["Content-Type"].startswith(kind)
        assert answer["headers"]["Content-Security-Policy"] == gateway.CSP
    assert "MIT License" in app.handle(_event("GET", "/app/vendor/uPlot.LICENSE.txt"))["body"]
    for path in ("/app/vendor", "/app/vendor/", "/app/vendor/../app.js/x"):
        assert app.handle(_event("GET", path))["statusCode"] == 404
    html = (WEB / "index.html").read_text()
    assert '<script src="/app/vendor/uPlot.iife.min.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/app/vendor/uPlot.min.css">' in html
    # Nothing in it that the policy would refuse or that parses HTML.
    library = (WEB / "vendor" / "uPlot.iife.min.js").read_text()
    for sink in ("eval(", "new Function", "innerHTML", '"style")', "document.write"):
        assert sink not in library, sink


def test_the_app_has_no_inline_script_or_style_and_never_parses_html() -> None:
    html = (WEB / "index.html").read_text()
    assert "<style" not in html and " style=" not in html and " on" not in html.replace(" only", "")
    assert '<script type="module" src="/app/app.js"></script>' in html
    script = (WEB / "app.js").read_text()
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "localStorage",
        "sessionStorage",
    ):
        assert sink not in script, sink


def test_signing_in_sets_the_session_cookie_and_needs_the_app_header(web) -> None:
    app, _ = web
    body = json.dumps({"username": "alice@acme.example", "password": "right"})
    assert app.handle(_event("POST", "/app/session", body=body))["statusCode"] == 403
    headers = {"x-heard-app": "1"}
    wrong = json.dumps({"username": "alice@acme.example", "password": "wrong"})
    refused = app.handle(_event("POST", "/app/session", body=wrong, headers=headers))
    assert refused["statusCode"] == 401 and "cookies" not in refused
    answer = app.handle(_event("POST", "/app/session", body=body, headers=headers))
    assert answer["statusCode"] == 200
    (cookie,) = answer["cookies"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    assert session.read(value, KEY, NOW)["email"] == "alice@acme.example"
    https = _event(
        "POST", "/app/session", body=body, headers={**headers, "x-forwarded-proto": "https"}
    )
    https["requestContext"]["domainName"] = "abc.execute-api.eu-west-1.amazonaws.com"
    assert "Secure" in app.handle(https)["cookies"][0]
    out = app.handle(_event("DELETE", "/app/session", headers=headers))
    assert out["statusCode"] == 204 and "Max-Age=0" in out["cookies"][0]


def test_the_api_behind_the_cookie_gets_the_sessions_person_and_nothing_else(web) -> None:
    app, fake = web
    value = session.issue(CLAIMS, NOW + 60, KEY)
    forged_claims = {"jwt": {"claims": {"sub": "admin", "iss": "urn:heard:local-admin"}}}
    event = _event(
        "PATCH",
        "/app/api/mentions/x:1",
        headers={"x-heard-app": "1", "if-match": '"3"'},
        cookies=_cookie(value),
        body='{"status": "resolved"}',
    )
    event["requestContext"]["authorizer"] = forged_claims
    answer = app.handle(event)
    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Security-Policy"] == gateway.CSP
    assert answer["headers"]["Cache-Control"] == "no-store"
    (inner,) = fake.events
    assert inner["rawPath"] == "/mentions/x:1"
    assert inner["requestContext"]["http"]["path"] == "/mentions/x:1"
    assert inner["requestContext"]["authorizer"] == {"jwt": {"claims": CLAIMS, "scopes": None}}
    assert "cookies" not in inner
    assert inner["headers"]["if-match"] == '"3"'


@pytest.mark.parametrize(
    ("headers", "cookies", "status"),
    [
        ({}, "good", 403),  # no X-Heard-App: a cross-site form
        ({"x-heard-app": "1"}, None, 401),
        ({"x-heard-app": "1"}, "forged", 401),
        ({"x-heard-app": "1"}, "expired", 401),
    ],
)
def test_the_api_behind_the_cookie_refuses_without_a_good_session(
    web, headers, cookies, status
) -> None:
    app, fake = web
    values = {
        "good": session.issue(CLAIMS, NOW + 60, KEY),
        "forged": session.issue(CLAIMS, NOW + 60, "another key"),
        "expired": session.issue(CLAIMS, NOW - 1, KEY),
    }
    extra = {"cookies": _cookie(values[cookies])} if cookies else {}
    event = _event("GET", "/app/api/me", headers=headers, **extra)
    event["requestContext"]["authorizer"] = {"jwt": {"claims": CLAIMS}}
    answer = app.handle(event)
    assert answer["statusCode"] == status
    assert fake.events == []


def test_token_claims_reads_a_jwt_payload() -> None:
    assert session.token_claims(_token(CLAIMS)) == CLAIMS
    with pytest.raises(ValueError):
        session.token_claims("not-a-token")


HOSTED = gateway.HostedUi("https://heard-dev-1.auth.eu-west-1.amazoncognito.com", "web-client")


def _aws(method: str, path: str, **extra: Any) -> dict[str, Any]:
    headers = {"x-forwarded-proto": "https", **extra.pop("headers", {})}
    event = _event(method, path, headers=headers, **extra)
    event["requestContext"]["domainName"] = "abc.execute-api.eu-west-1.amazonaws.com"
    return event


def test_the_hosted_ui_signs_in_with_the_code_flow_and_pkce() -> None:
    from urllib.parse import parse_qs, urlsplit

    exchanged: list[tuple[str, str, str]] = []

    def exchange(hosted: gateway.HostedUi, code: str, verifier: str, redirect: str):
        exchanged.append((code, verifier, redirect))
        return {**CLAIMS, "aud": hosted.client_id, "exp": int(NOW + 3600)}

    fake = Fake()
    app = gateway.WebApp(
        {},
        fake.resolve,
        fake.sign_in,
        lambda: KEY,
        lambda: NOW,
        hosted_ui=lambda: HOSTED,
        exchange=exchange,
    )
    assert (
        json.loads(app.handle(_aws("GET", "/app/api/me", headers={"x-heard-app": "1"}))["body"])[
            "sign_in_url"
        ]
        == "/app/login"
    )
    login = app.handle(_aws("GET", "/app/login"))
    assert login["statusCode"] == 302
    where = urlsplit(login["headers"]["Location"])
    assert f"{where.scheme}://{where.netloc}{where.path}" == f"{HOSTED.domain}/oauth2/authorize"
    query = {k: v[0] for k, v in parse_qs(where.query).items()}
    assert query["response_type"] == "code" and query["client_id"] == "web-client"
    assert query["code_challenge_method"] == "S256"
    redirect = "https://abc.execute-api.eu-west-1.amazonaws.com/app/callback"
    assert query["redirect_uri"] == redirect
    (pkce,) = login["cookies"]
    assert "HttpOnly" in pkce and "SameSite=Lax" in pkce and "Path=/app/callback" in pkce
    jar = [pkce.split(";")[0]]

    stolen = app.handle(
        _aws(
            "GET",
            "/app/callback",
            queryStringParameters={"code": "c", "state": "other"},
            cookies=jar,
        )
    )
    assert stolen["statusCode"] == 400 and exchanged == []
    no_cookie = app.handle(
        _aws("GET", "/app/callback", queryStringParameters={"code": "c", "state": query["state"]})
    )
    assert no_cookie["statusCode"] == 400

    back = app.handle(
        _aws(
            "GET",
            "/app/callback",
            queryStringParameters={"code": "c", "state": query["state"]},
            cookies=jar,
        )
    )
    assert back["statusCode"] == 302 and back["headers"]["Location"] == "/app"
    ((code, verifier, uri),) = exchanged
    challenge = base64.urlsafe_b64encode(__import__("hashlib").sha256(verifier.encode()).digest())
    assert (code, uri) == ("c", redirect) and challenge.rstrip(b"=").decode() == query[
        "code_challenge"
    ]
    made, cleared = back["cookies"]
    assert made.startswith("heard_session=") and "Secure" in made and "SameSite=Strict" in made
    assert cleared.startswith("heard_pkce=;") and "Max-Age=0" in cleared


def test_without_a_hosted_ui_login_is_not_found(web) -> None:
    app, _ = web
    assert app.handle(_event("GET", "/app/login"))["statusCode"] == 404
    assert app.handle(_event("GET", "/app/callback"))["statusCode"] == 404
    assert (
        "sign_in_url"
        not in app.handle(_event("GET", "/app/api/me", headers={"x-heard-app": "1"}))["body"]
    )


def test_the_refresh_token_is_sealed_in_the_cookie_and_nowhere_readable() -> None:
    value = session.issue(CLAIMS, NOW + 60, KEY, refresh_token="rt-secret", ends_at=NOW + 3600)
    payload = value.split(".")[0]
    assert b"rt-secret" not in base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    found = session.open_session(value, KEY, NOW)
    assert found is not None and found.refresh_token == "rt-secret"
    assert (found.fresh_until, found.ends_at) == (NOW + 60, NOW + 3600)
    assert session.read(value, KEY, NOW) == {**CLAIMS, "exp": NOW + 60}
    # Past the claims' expiry the cookie still holds the session, but not fresh claims.
    assert session.read(value, KEY, NOW + 61) is None
    assert session.open_session(value, KEY, NOW + 61) is not None
    assert session.open_session(value, KEY, NOW + 3600) is None
    assert session.open_secret(session.seal_secret("x", KEY), "another-key") is None


class Refresher:
    def __init__(self, refuse: bool = False) -> None:
        self.asked: list[tuple[str, str]] = []
        self.refuse = refuse
        self.now = NOW  # the clock of the app it serves: new claims last an hour from it

    def __call__(self, token: str, via: str) -> gateway.SignedIn:
        self.asked.append((token, via))
        if self.refuse:
            raise gateway.SignInRefused("revoked")
        return gateway.SignedIn({**CLAIMS, "name": "Alice R.", "exp": int(self.now + 3600)})


def _refreshing_app(fake: Fake, refresher: Refresher, now: float) -> gateway.WebApp:
    refresher.now = now
    return gateway.WebApp(
        gateway.load_assets(WEB),
        fake.resolve,
        fake.sign_in,
        lambda: KEY,
        clock=lambda: now,
        refresh=refresher,
    )


def test_a_session_near_its_tokens_expiry_is_refreshed_and_the_cookie_reissued() -> None:
    fake, refresher = Fake(), Refresher()
    value = session.issue(CLAIMS, NOW + 3600, KEY, refresh_token="rt-1", ends_at=NOW + 8 * 3600)
    event = _event("GET", "/app/api/me", headers={"x-heard-app": "1"}, cookies=_cookie(value))
    # Fresh for an hour: nothing to refresh.
    answer = _refreshing_app(fake, refresher, NOW).handle(event)
    assert answer["statusCode"] == 200 and "cookies" not in answer and refresher.asked == []
    # Four minutes before the claims expire (and after): refreshed, the cookie reissued.
    for later in (NOW + 3600 - 240, NOW + 3600 + 600):
        answer = _refreshing_app(fake, refresher, later).handle(event)
        assert answer["statusCode"] == 200
        assert refresher.asked[-1] == ("rt-1", "form")
        (cookie,) = answer["cookies"]
        renewed = session.open_session(cookie.split(";")[0].split("=", 1)[1], KEY, later)
        assert renewed is not None and renewed.refresh_token == "rt-1"
        assert renewed.fresh_until == int(later + 3600)
        assert renewed.ends_at == NOW + 8 * 3600  # a refresh never extends the session's end
        assert f"Max-Age={int(NOW + 8 * 3600 - later)}" in cookie
        claims = fake.events[-1]["requestContext"]["authorizer"]["jwt"]["claims"]
        assert claims["name"] == "Alice R." and claims["sub"] == CLAIMS["sub"]
    # After the session's end: no refresh, signed out.
    ended = _refreshing_app(fake, refresher, NOW + 8 * 3600).handle(event)
    assert ended["statusCode"] == 401 and len(refresher.asked) == 2


def test_a_refused_refresh_ends_the_session_with_its_token() -> None:
    fake, refused = Fake(), Refresher(refuse=True)
    value = session.issue(CLAIMS, NOW + 60, KEY, refresh_token="rt-1", ends_at=NOW + 3600)
    event = _event("GET", "/app/api/me", headers={"x-heard-app": "1"}, cookies=_cookie(value))
    still = _refreshing_app(fake, refused, NOW).handle(event)  # claims still fresh for a minute
    assert still["statusCode"] == 200 and "cookies" not in still
    assert _refreshing_app(fake, refused, NOW + 61).handle(event)["statusCode"] == 401
    # A session without a refresh token is never refreshed.
    plain = session.issue(CLAIMS, NOW + 60, KEY)
    event = _event("GET", "/app/api/me", headers={"x-heard-app": "1"}, cookies=_cookie(plain))
    other = Refresher()
    assert _refreshing_app(fake, other, NOW + 61).handle(event)["statusCode"] == 401
    assert other.asked == []


def test_signing_out_revokes_the_sessions_refresh_token_and_ends_it_whatever_cognito_says() -> None:
    revoked: list[tuple[str, str]] = []
    app = gateway.WebApp(
        gateway.load_assets(WEB),
        Fake().resolve,
        Fake().sign_in,
        lambda: KEY,
        clock=lambda: NOW,
        revoke=lambda token, via: revoked.append((token, via)),
    )
    headers = {"x-heard-app": "1"}
    hosted = session.issue(
        CLAIMS, NOW + 60, KEY, refresh_token="rt-9", ends_at=NOW + 3600, via="hosted"
    )
    out = app.handle(_event("DELETE", "/app/session", headers=headers, cookies=_cookie(hosted)))
    assert out["statusCode"] == 204 and "Max-Age=0" in out["cookies"][0]
    assert revoked == [("rt-9", "hosted")]
    # No session, or one without a refresh token: nothing to revoke, still signed out.
    for cookies in ([], _cookie(session.issue(CLAIMS, NOW + 60, KEY))):
        out = app.handle(_event("DELETE", "/app/session", headers=headers, cookies=cookies))
        assert out["statusCode"] == 204
    assert revoked == [("rt-9", "hosted")]
    # Without the app's header nothing is revoked.
    refused = app.handle(_event("DELETE", "/app/session", cookies=_cookie(hosted)))
    assert refused["statusCode"] == 403 and revoked == [("rt-9", "hosted")]
