"""The feedback form against a stack from template.yaml: a post becomes one queued mention with
``source: feedback-form``; every refusal says what is wrong and leaves nothing queued."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from heard_local.defaults import DEMO_CONFIG, local_environment
from heard_local.http_api import Route, build_event, map_response
from heard_local.runtime import load_handler, make_context

from heard.ingest import parse_message
from heard.models import MentionKind, MentionMessage, Platform

FORM = {"content-type": "application/x-www-form-urlencoded"}
JSON = {"content-type": "application/json"}
ALLOWED = "https://www.acme.example"


def form(**fields: Any) -> bytes:
    return urlencode(fields).encode()


def queued(sqs_messages) -> list[MentionMessage]:
    found = [parse_message(m["Body"]) for m in sqs_messages("IngestQueue", max=20)]
    return [m for m in found if isinstance(m, MentionMessage)]


def counters(stack) -> list[dict[str, Any]]:
    items = stack.client("dynamodb").scan(TableName=stack.table_name("IdempotencyTable"))["Items"]
    return [i for i in items if i["id"]["S"].startswith("feedback-rate#")]


# --- the page and its files ---------------------------------------------------------------------


def test_the_page_is_html_with_a_strict_policy(call_api):
    response = call_api("GET", "/feedback/acme")
    assert response.status == 200
    headers = {k.lower(): v for k, v in response.headers}
    assert headers["content-type"] == "text/html; charset=utf-8"
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert f"frame-ancestors {ALLOWED}" in csp and "form-action 'self'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    page = response.body.decode()
    assert "Tell Acme what you think" in page
    assert '<form class="feedback" method="post" action="acme"' in page
    assert "<script>" not in page and "style=" not in page  # nothing inline


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("feedback.css", "text/css"),
        ("feedback.js", "text/javascript"),
        ("embed.js", "text/javascript"),
    ],
)
def test_the_assets_are_served(call_api, name, kind):
    response = call_api("GET", f"/feedback/assets/{name}")
    assert response.status == 200
    headers = {k.lower(): v for k, v in response.headers}
    assert headers["content-type"].startswith(kind)
    assert headers["x-content-type-options"] == "nosniff"
    assert response.body


@pytest.mark.parametrize("name", ["nope.js", "..", "%2e%2e", "app.py"])
def test_only_the_listed_assets_are_served(call_api, name):
    assert call_api("GET", f"/feedback/assets/{name}").status == 404


def test_a_brand_without_a_form_is_404(call_api):
    response = call_api("GET", "/feedback/globex")
    assert response.status == 404
    assert "globex" in response.body.decode()


# --- accepted -----------------------------------------------------------------------------------


def test_a_form_post_queues_one_feedback_mention_and_thanks(call_api, sqs_messages, run_triage):
    body = form(text="Acme billed me twice this month.", email="jo@example.com", rating="2")
    response = call_api("POST", "/feedback/acme", body, FORM)
    assert response.status == 200, response.body
    assert "Thank you" in response.body.decode()
    [message] = queued(sqs_messages)
    assert message.brand == "Acme"
    mention = message.mention
    assert mention.platform is Platform.GENERIC and mention.source == "feedback-form"
    assert mention.native_id.startswith("feedback-form:")
    assert mention.kind is MentionKind.MESSAGE
    assert mention.author.handle == "jo@example.com"
    assert (mention.text, mention.rating) == ("Acme billed me twice this month.", 2)


def test_a_json_post_lands_in_the_store_through_triage(call_api, run_triage, mentions_table):
    body = json.dumps({"text": "The app keeps logging me out, please help"}).encode()
    response = call_api("POST", "/feedback/acme", body, {**JSON, "origin": "http://127.0.0.1:3000"})
    assert response.status == 200
    answer = json.loads(response.body)
    assert answer["ok"] is True and answer["id"].startswith("generic:feedback-form:")
    run_triage()
    client, table = mentions_table
    item = client.get_item(TableName=table, Key={"pk": {"S": answer["id"]}})["Item"]
    assert item["brand_name"]["S"] == "Acme"
    assert item["mention"]["M"]["author"]["M"]["handle"]["S"] == "anonymous"


def test_a_post_from_an_allowed_origin_gets_cors_headers(call_api, sqs_messages):
    preflight = call_api(
        "OPTIONS",
        "/feedback/acme",
        headers={"origin": ALLOWED, "access-control-request-method": "POST"},
    )
    assert preflight.status == 204
    headers = {k.lower(): v for k, v in preflight.headers}
    assert headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in headers["access-control-allow-methods"]
    body = json.dumps({"text": "Love the new Acme app"}).encode()
    response = call_api("POST", "/feedback/acme", body, {**JSON, "origin": ALLOWED})
    assert response.status == 200
    assert dict(response.headers)["Access-Control-Allow-Origin"] == ALLOWED
    assert len(queued(sqs_messages)) == 1


# --- refused: nothing queued, nothing stored ----------------------------------------------------


@pytest.mark.parametrize(
    ("target", "body", "headers", "status", "field"),
    [
        ("/feedback/nope", form(text="hi"), FORM, 404, None),
        ("/feedback/globex", form(text="hi"), FORM, 404, None),
        ("/feedback/acme", form(text="   "), FORM, 400, "text"),
        ("/feedback/acme", form(email="a@b.co"), FORM, 400, "text"),
        ("/feedback/acme", form(text="x" * 5001), FORM, 413, "text"),
        ("/feedback/acme", b"text=" + b"x" * 70_000, FORM, 413, None),
        ("/feedback/acme", form(text="hi", email="not an address"), FORM, 400, "email"),
        ("/feedback/acme", form(text="hi", rating="6"), FORM, 400, "rating"),
        ("/feedback/acme", json.dumps({"text": "hi", "rating": 0}).encode(), JSON, 400, "rating"),
        ("/feedback/acme", b"text=hi", {"content-type": "text/plain"}, 415, None),
        ("/feedback/acme", b"{", JSON, 400, None),
        ("/feedback/acme", b"[]", JSON, 400, None),
        (
            "/feedback/acme",
            json.dumps({"text": "hi"}).encode(),
            {**JSON, "origin": "https://evil.example"},
            403,
            None,
        ),
    ],
)
def test_each_refusal_names_the_problem_and_queues_nothing(
    call_api, sqs_messages, stack, target, body, headers, status, field
):
    response = call_api("POST", target, body, {**headers, "accept": "application/json"})
    assert response.status == status, response.body
    error = json.loads(response.body)["error"]
    assert error["message"] and error["code"]
    assert error.get("field") == field
    assert queued(sqs_messages) == []


def test_a_refused_form_post_answers_a_page_that_keeps_what_was_written(call_api, sqs_messages):
    body = form(text="<script>alert(1)</script> broken", email="nope", rating="3")
    response = call_api("POST", "/feedback/acme", body, FORM)
    assert response.status == 400
    page = response.body.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; broken" in page
    assert "<script>alert" not in page
    assert 'value="3" checked' in page and "email address is not valid" in page
    assert queued(sqs_messages) == []


def test_a_filled_honeypot_is_thanked_and_nothing_is_queued(call_api, sqs_messages, stack):
    body = form(text="Buy cheap watches", website="http://spam.example")
    response = call_api("POST", "/feedback/acme", body, FORM)
    assert response.status == 200 and "Thank you" in response.body.decode()
    assert queued(sqs_messages) == []
    assert counters(stack) == []


# --- the rate limit -----------------------------------------------------------------------------


def test_the_sixth_post_from_one_address_in_an_hour_is_429(call_api, sqs_messages, stack):
    for n in range(5):
        response = call_api(
            "POST", "/feedback/acme", form(text=f"message {n}"), FORM, source_ip="203.0.113.7"
        )
        assert response.status == 200
    sixth = call_api(
        "POST",
        "/feedback/acme",
        json.dumps({"text": "again"}).encode(),
        JSON,
        source_ip="203.0.113.7",
    )
    assert sixth.status == 429
    retry_after = int(dict(sixth.headers)["Retry-After"])
    assert 0 < retry_after <= 3600
    assert "5 an hour" in json.loads(sixth.body)["error"]["message"]
    # Another address is counted on its own.
    other = call_api("POST", "/feedback/acme", form(text="hello"), FORM, source_ip="198.51.100.1")
    assert other.status == 200
    assert len(queued(sqs_messages)) == 6
    [first, second] = sorted(counters(stack), key=lambda i: int(i["count"]["N"]))
    assert {int(first["count"]["N"]), int(second["count"]["N"])} == {1, 5}
    assert "203.0.113.7" not in json.dumps(counters(stack))  # only a keyed hash is kept
    assert all(int(i["expiration"]["N"]) > 0 for i in counters(stack))


# --- CAPTCHA against a fake verifier on loopback ------------------------------------------------


class FakeVerifier:
    """A siteverify endpoint: answers ``answer`` (JSON) with ``status``; records each form."""

    def __init__(self) -> None:
        self.answer: dict[str, Any] = {"success": True, "error-codes": []}
        self.status = 200
        self.requests: list[dict[str, str]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                fake.requests.append(dict(parse_qsl(self.rfile.read(length).decode())))
                body = json.dumps(fake.answer).encode()
                self.send_response(fake.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/siteverify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def verifier() -> Iterator[FakeVerifier]:
    fake = FakeVerifier()
    yield fake
    fake.close()


CAPTCHA_BRAND = """
  - name: Initech
    keywords: [initech]
    feedback:
      enabled: true
      captcha: {provider: turnstile, site_key: 1x00000000000000000000AA, secret: initech_turnstile}
"""


@pytest.fixture
def captcha_post(stack, tmp_path: Path, monkeypatch, verifier):
    """POST to /feedback/initech, a brand whose form has Turnstile, checked by ``verifier``."""
    config = tmp_path / "brands.yaml"
    config.write_text(DEMO_CONFIG.read_text() + CAPTCHA_BRAND)
    env = {
        **local_environment(stack.endpoint_url, stack.region),
        "HEARD_CONFIG": str(config),
        "HEARD_CAPTCHA_URL": verifier.url,
        "HEARD_CAPTCHA_TIMEOUT_S": "1",
        "HEARD_FEEDBACK_INITECH_TURNSTILE": "turnstile-test-secret",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    spec = stack.functions["WebhookFunction"]
    handler = load_handler(spec, env)
    route = next(r for r in spec.http_routes if r.method == "POST" and "feedback" in r.path)

    def _post(fields: dict[str, str], accept: str = "application/json"):
        event = build_event(
            Route(route.method, route.path, None, "WebhookFunction"),
            method="POST",
            raw_path="/feedback/initech",
            raw_query="",
            headers=[*FORM.items(), ("accept", accept)],
            body=form(**fields),
            source_ip="192.0.2.44",
            domain_name="127.0.0.1:3000",
            path_parameters={"brand": "initech"},
        )
        return map_response(handler(event, make_context(spec, stack.region)))

    return _post


def test_a_passed_captcha_is_verified_with_the_secret_and_address(
    captcha_post, verifier, sqs_messages
):
    response = captcha_post({"text": "Initech lost my order", "cf-turnstile-response": "tok-1"})
    assert response.status == 200, response.body
    assert verifier.requests == [
        {"secret": "turnstile-test-secret", "response": "tok-1", "remoteip": "192.0.2.44"}
    ]
    [message] = queued(sqs_messages)
    assert message.brand == "Initech"


def test_a_page_with_captcha_loads_the_widget_and_allows_its_origin(captcha_post, stack):
    spec = stack.functions["WebhookFunction"]
    handler = load_handler(spec, {})
    route = Route("GET", "/feedback/{brand}", None, "WebhookFunction")
    event = build_event(
        route,
        method="GET",
        raw_path="/feedback/initech",
        raw_query="",
        headers=[],
        body=b"",
        source_ip="192.0.2.44",
        domain_name="127.0.0.1:3000",
        path_parameters={"brand": "initech"},
    )
    response = map_response(handler(event, make_context(spec, stack.region)))
    assert response.status == 200
    csp = dict(response.headers)["Content-Security-Policy"]
    assert "script-src 'self' https://challenges.cloudflare.com" in csp
    assert "frame-ancestors 'none'" in csp
    assert 'class="cf-turnstile" data-sitekey="1x00000000000000000000AA"' in response.body.decode()


def test_a_missing_token_is_400_and_the_verifier_is_not_asked(captcha_post, verifier, sqs_messages):
    response = captcha_post({"text": "hello"})
    assert response.status == 400
    assert json.loads(response.body)["error"]["field"] == "captcha"
    assert verifier.requests == [] and queued(sqs_messages) == []


def test_a_failed_captcha_is_403_with_the_providers_codes(captcha_post, verifier, sqs_messages):
    verifier.answer = {"success": False, "error-codes": ["invalid-input-response"]}
    response = captcha_post({"text": "hello", "cf-turnstile-response": "forged"})
    assert response.status == 403
    assert "invalid-input-response" in json.loads(response.body)["error"]["message"]
    assert queued(sqs_messages) == []


def test_a_captcha_solved_on_another_site_is_refused(captcha_post, verifier, sqs_messages):
    verifier.answer = {"success": True, "error-codes": [], "hostname": "evil.example"}
    response = captcha_post({"text": "hello", "cf-turnstile-response": "tok"})
    assert response.status == 403
    assert queued(sqs_messages) == []


@pytest.mark.parametrize("down", ["5xx", "closed"])
def test_a_verifier_that_is_down_is_503_with_retry_after(
    captcha_post, verifier, sqs_messages, down
):
    if down == "5xx":
        verifier.status = 502
    else:
        verifier.close()
    response = captcha_post({"text": "hello", "cf-turnstile-response": "tok"}, accept="text/html")
    assert response.status == 503
    assert int(dict(response.headers)["Retry-After"]) > 0
    assert "try again" in response.body.decode()
    assert queued(sqs_messages) == []
