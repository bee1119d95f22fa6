"""The local HTTP API builds API Gateway v2 events and maps results as API Gateway does."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from heard_local.http_api import LocalHttpApi, Route, map_response

ROUTES = [
    Route("POST", "/webhooks/x", None, "Webhook"),
    Route("GET", "/webhooks/x", None, "Webhook"),
    Route("GET", "/mentions", "AWS_IAM", "Api"),
    Route("GET", "/mentions/{id}", "AWS_IAM", "Api"),
    Route("GET", "/mentions/latest", None, "Exact"),
    Route("GET", "/boom", None, "Boom"),
]


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.result: Any = {"statusCode": 200, "body": "{}"}

    def __call__(self, function: str, event: dict[str, Any]) -> Any:
        if function == "Boom":
            raise RuntimeError("handler bug")
        self.events.append((function, event))
        return self.result


@pytest.fixture
def api() -> Iterator[tuple[LocalHttpApi, Recorder]]:
    recorder = Recorder()
    server = LocalHttpApi(ROUTES, recorder, api_token="t0ken")
    server.start()
    yield server, recorder
    server.stop()


def test_post_event_has_api_gateway_v2_shape(api: tuple[LocalHttpApi, Recorder]) -> None:
    server, recorder = api
    response = httpx.post(
        f"{server.url}/webhooks/x?a=1&a=2&b=",
        content=b'{"hello": "world"}',
        headers=[
            ("Content-Type", "application/json"),
            ("X-Twitter-Webhooks-Signature", "sha256=abc"),
            ("X-Multi", "one"),
            ("X-Multi", "two"),
            ("Cookie", "s=1; t=2"),
            ("User-Agent", "tester/1"),
        ],
    )
    assert response.status_code == 200
    function, event = recorder.events[0]
    assert function == "Webhook"
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /webhooks/x"
    assert event["rawPath"] == "/webhooks/x"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["headers"]["x-twitter-webhooks-signature"] == "sha256=abc"
    assert event["headers"]["x-multi"] == "one,two"
    assert "cookie" not in event["headers"]
    assert event["cookies"] == ["s=1", "t=2"]
    assert event["body"] == '{"hello": "world"}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/webhooks/x",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "tester/1",
    }
    assert context["stage"] == "$default"
    assert context["routeKey"] == "POST /webhooks/x"
    assert context["accountId"] == "123456789012"
    assert isinstance(context["timeEpoch"], int)
    assert "pathParameters" not in event


def test_binary_body_is_base64(api: tuple[LocalHttpApi, Recorder]) -> None:
    server, recorder = api
    httpx.post(
        f"{server.url}/webhooks/x",
        content=b"a=1&b=\xff",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    event = recorder.events[0][1]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"a=1&b=\xff"


def test_unknown_route_is_404_like_api_gateway(api: tuple[LocalHttpApi, Recorder]) -> None:
    server, recorder = api
    for response in (httpx.get(f"{server.url}/nope"), httpx.delete(f"{server.url}/webhooks/x")):
        assert response.status_code == 404
        assert response.json() == {"message": "Not Found"}
    assert recorder.events == []


def test_iam_routes_need_the_local_token(api: tuple[LocalHttpApi, Recorder]) -> None:
    server, recorder = api
    assert httpx.get(f"{server.url}/mentions").status_code == 401
    wrong = httpx.get(f"{server.url}/mentions", headers={"authorization": "Bearer nope"})
    assert (wrong.status_code, wrong.json()) == (403, {"message": "Forbidden"})
    assert recorder.events == []
    ok = httpx.get(f"{server.url}/mentions/x%3A42", headers={"authorization": "Bearer t0ken"})
    assert ok.status_code == 200
    event = recorder.events[0][1]
    assert event["pathParameters"] == {"id": "x:42"}
    assert event["routeKey"] == "GET /mentions/{id}"
    assert event["requestContext"]["authorizer"]["iam"]["accountId"] == "123456789012"


def test_exact_path_wins_over_parameter(api: tuple[LocalHttpApi, Recorder]) -> None:
    server, recorder = api
    httpx.get(f"{server.url}/mentions/latest")
    assert recorder.events[0][0] == "Exact"


def test_handler_result_is_mapped(api: tuple[LocalHttpApi, Recorder]) -> None:
    server, recorder = api
    recorder.result = {
        "statusCode": 201,
        "headers": {"Content-Type": "text/plain", "X-One": "1"},
        "cookies": ["a=b; Path=/"],
        "body": base64.b64encode(b"created").decode(),
        "isBase64Encoded": True,
    }
    response = httpx.post(f"{server.url}/webhooks/x", content=b"{}")
    assert response.status_code == 201
    assert response.text == "created"
    assert response.headers["x-one"] == "1"
    assert response.headers["set-cookie"] == "a=b; Path=/"
    recorder.result = {"accepted": 3}  # no statusCode: a JSON 200, as API Gateway infers
    inferred = httpx.post(f"{server.url}/webhooks/x", content=b"{}")
    assert (inferred.status_code, inferred.json()) == (200, {"accepted": 3})


def test_handler_exception_is_500(api: tuple[LocalHttpApi, Recorder]) -> None:
    server, _ = api
    response = httpx.get(f"{server.url}/boom")
    assert (response.status_code, response.json()) == (500, {"message": "Internal Server Error"})


def test_body_over_api_gateway_limit_is_413(api: tuple[LocalHttpApi, Recorder]) -> None:
    server, recorder = api
    response = httpx.post(f"{server.url}/webhooks/x", content=b"x" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert recorder.events == []


def test_map_response_multi_value_headers() -> None:
    mapped = map_response({"statusCode": 204, "multiValueHeaders": {"x-a": ["1", "2"]}})
    assert mapped.status == 204
    assert mapped.headers == [("x-a", "1"), ("x-a", "2")]
    assert json.loads(map_response("[1]").body) == [1]
