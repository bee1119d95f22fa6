"""Hostile bytes against every route of template.yaml: never a 5xx (a 5xx makes a platform
deliver again for hours), always an answer that says what is wrong.

Routes are read from the template, so a new route is swept without editing this file; webhook
bodies are sent both unsigned and signed as the platform signs them, so they reach the parser.
"""

from __future__ import annotations

import base64
import json

import pytest
from heard_local import defaults
from heard_local.signing import reader

from heard import platforms

DEEP = b"[" * 50_000 + b"]" * 50_000
BODIES = [
    b"",
    b"null",
    b"[]",
    b'"text"',
    b"{",
    b"\xff\xfe\x00garbage",
    DEEP,
    b'{"a": ' + DEEP + b"}",
    b'{"text": "\\ud800 lone surrogate", "id": "1"}',
    b'{"object": "page", "entry": [{"id": "\\udfff", "changes": []}]}',
    b'{"for_user_id": "1", "tweet_create_events": [{"id_str": "1", "user": '
    b'{"id_str": "2", "screen_name": "a", "followers_count": '
    + b"9" * 41
    + b'}, "text": "hi", "created_at": "Wed Oct 10 20:19:24 +0000 2018"}]}',
    b'{"n": ' + b"1" * 5000 + b"}",
    b'{"n": NaN, "m": Infinity}',
    b'{"id": "1", "source": "form", "text": "x", "author": {"handle": "a"}, '
    b'"created_at": "99999-01-01T00:00:00Z"}',
    b'{"object": "page", "entry": [{"id": "1", "time": 1e400, "changes": []}]}',
]
HEADERS = [
    {},
    {"content-type": "application/json"},
    {"content-type": "application/json", "x-heard-timestamp": "9" * 300},
    {"content-type": "application/json", "x-heard-timestamp": "١٢٣", "x-heard-signature": "v1=z"},
    {"x-twitter-webhooks-signature": "sha256=" + "A" * 5000},
    {"x-hub-signature-256": "sha256=zz"},
    {"content-type": "application/octet-stream"},
]
HEADERS += [{"if-match": "W/" + "9" * 400}, {"if-match": '"99999999999999999999"'}]
# The feedback form's plain post, its origin check and its preflight.
HEADERS += [
    {"content-type": "application/x-www-form-urlencoded"},
    {"content-type": "application/json", "origin": "https://evil.example"},
    {"content-type": "application/json; charset=latin-1", "origin": "null", "accept": "*/*"},
]
QUERIES = [
    "",
    "limit=%C2%B2",
    "limit=-1",
    "limit=99999999999999999999999",
    "cursor=%00",
    "cursor=" + base64.urlsafe_b64encode(b'{"q": "x", "k": {"pk": "x:1"}}').decode(),
    "cursor=" + base64.urlsafe_b64encode(b'{"q": "x", "k": {"pk": 5}}').decode(),
    "status=%F0%9F%92%A9",
    "brand=" + "a" * 3000,
    "platform=x",
    "crc_token=" + "%00" * 10,
    "hub.mode=subscribe&hub.verify_token=%FF&hub.challenge=1",
]


def _fill(path: str) -> list[str]:
    if "{platform}" in path:
        names = [*platforms.PACKAGES, "nope", "%00", "a" * 300]
        return [path.replace("{platform}", n) for n in names]
    if "{id}" in path:
        return [path.replace("{id}", v) for v in ("x:1", "%FF", "a" * 2000, "x%3A1", "..")]
    if "{brand}" in path:  # the feedback forms: the demo brand's, and names that are none
        names = ["acme", "nope", "assets", "%00", "%3Cscript%3E", "a" * 300]
        return [path.replace("{brand}", n) for n in names]
    if "{name}" in path:  # the feedback form's files
        names = ["feedback.js", "nope.js", "..", "%2e%2e%2fapp.py", "%00"]
        return [path.replace("{name}", n) for n in names]
    return [path]


def _requests(stack) -> list[tuple[str, str, bytes, dict[str, str]]]:
    secret = reader(defaults.LOCAL_SECRETS)
    found = []
    for spec in stack.functions.values():
        for route in spec.http_routes:
            # A guarded route is swept signed in (as the local admin), so the sweep reaches its
            # handler's code; the authorizer's refusals are tests/integration/test_api_auth.py's.
            signed_in = {"authorization": f"Bearer {defaults.secret('HEARD_API_TOKEN')}"}
            person = signed_in if route.auth else {}
            for path in _fill(route.path):
                for query in QUERIES:
                    found.append((route.method, f"{path}?{query}", b"", person))
                if route.method == "OPTIONS":
                    for origin in ("https://evil.example", "null", "\x00"):
                        found.append((route.method, path, b"", {"origin": origin}))
                if route.method not in ("POST", "PATCH"):
                    continue
                if route.method == "PATCH":
                    for body in BODIES:
                        for headers in HEADERS:
                            found.append((route.method, path, body, {**headers, **person}))
                    continue
                name = path.rsplit("/", 1)[-1]
                for body in BODIES:
                    for headers in HEADERS:
                        found.append((route.method, path, body, headers))
                    if name in platforms.PACKAGES:
                        signed = platforms.adapter(name).sign(body, secret)
                        found.append((route.method, path, body, signed))
    return found


def _says_why(response) -> bool:
    """A refusal says what is wrong: JSON with a ``message`` (the webhooks, the API) or an
    ``error.message`` (the feedback form), or, to a plain form post, an HTML page saying it."""
    kind = next((v for k, v in response.headers if k.lower() == "content-type"), "")
    if kind.startswith("text/html"):
        return b'role="alert"' in response.body
    message = json.loads(response.body)
    error = message.get("error")
    return bool(message.get("message") or (isinstance(error, dict) and error.get("message")))


def test_no_route_answers_5xx_to_hostile_input(stack, call_api) -> None:
    requests = _requests(stack)
    assert len(requests) > 300
    failures = []
    for method, target, body, headers in requests:
        try:
            response = call_api(method, target, body, headers)
        except Exception as exc:  # Lambda would report an error: API Gateway answers 500
            failures.append((method, target[:80], body[:60], 500, repr(exc)[:200]))
            continue
        if response.status >= 500:
            failures.append((method, target[:80], body[:60], response.status, response.body[:200]))
            continue
        if response.status >= 400:
            assert _says_why(response), (method, target, response.body[:300])
    assert failures == []


@pytest.mark.parametrize(
    ("method", "target", "status"),
    [
        ("GET", "/webhooks/nope", 404),
        ("POST", "/webhooks/nope", 404),
        ("GET", "/webhooks/generic", 405),
    ],
)
def test_unknown_platforms_and_missing_checks_are_named(call_api, method, target, status) -> None:
    response = call_api(method, target)
    assert response.status == status
    assert "generic" in json.loads(response.body)["message"]
