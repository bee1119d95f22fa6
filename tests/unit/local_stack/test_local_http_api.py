"""The local HTTP API builds API Gateway v2 events and maps results as API Gateway does."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
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


# --- malformed and slow requests, bursts --------------------------------------------------------


def _raw(server: LocalHttpApi, request: bytes, timeout_s: float = 5.0) -> bytes:
    """Send ``request`` on a fresh connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout_s) as conn:
        conn.sendall(request)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
        return received


def _status_and_json(raw: bytes) -> tuple[int, Any]:
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head, "the server closed the connection without answering"
    return int(head.split(b" ", 2)[1]), json.loads(body)


@pytest.mark.parametrize("length", [b"ten", b"-5", b"1e3", b"", b"5, 6"])
def test_bad_content_length_is_400_naming_the_header(
    api: tuple[LocalHttpApi, Recorder], length: bytes
) -> None:
    server, recorder = api
    raw = _raw(
        server, b"POST /webhooks/x HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n{}"
    )
    status, body = _status_and_json(raw)
    assert status == 400
    assert "Content-Length" in body["message"]
    assert recorder.events == []


def test_body_shorter_than_content_length_times_out() -> None:
    recorder = Recorder()
    server = LocalHttpApi(ROUTES, recorder, api_token="t0ken", timeout_s=0.5)
    server.start()
    try:
        started = time.monotonic()
        raw = _raw(server, b"POST /webhooks/x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{}")
        assert time.monotonic() - started < 4
        status, body = _status_and_json(raw)
        assert (status, body) == (408, {"message": "Request Timeout"})
        assert recorder.events == []
        # The server is still serving others.
        assert httpx.get(f"{server.url}/webhooks/x").status_code == 200
    finally:
        server.stop()


def test_idle_connection_is_closed_after_the_timeout() -> None:
    server = LocalHttpApi(ROUTES, Recorder(), api_token="t0ken", timeout_s=0.5)
    server.start()
    try:
        started = time.monotonic()
        assert _raw(server, b"GET /webhooks/x HTTP/1.1\r\nHost: x") == b""  # headers never end
        assert time.monotonic() - started < 4
    finally:
        server.stop()


def _chunked(body: bytes) -> bytes:
    return (
        b"POST /webhooks/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + body
    )


def test_chunked_body_is_read(api: tuple[LocalHttpApi, Recorder]) -> None:
    server, recorder = api
    raw = _raw(server, _chunked(b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"))
    assert raw.startswith(b"HTTP/1.1 200")
    assert recorder.events[0][1]["body"] == base64.b64encode(b"hello world").decode()


@pytest.mark.parametrize(
    "chunks",
    [
        b"zz\r\nhello\r\n0\r\n\r\n",  # size is not hex
        b"-5\r\nhello\r\n0\r\n\r\n",  # negative size
        b"5\r\nhelloXX0\r\n\r\n",  # data not followed by CRLF
        b"\r\n\r\n",  # empty size line
    ],
)
def test_malformed_chunked_body_is_400(api: tuple[LocalHttpApi, Recorder], chunks: bytes) -> None:
    server, recorder = api
    status, body = _status_and_json(_raw(server, _chunked(chunks)))
    assert status == 400
    assert "chunked" in body["message"]
    assert recorder.events == []


def test_truncated_chunked_body_is_not_passed_on(api: tuple[LocalHttpApi, Recorder]) -> None:
    server, recorder = api
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as conn:
        conn.sendall(_chunked(b"a\r\nhello"))
        conn.shutdown(socket.SHUT_WR)  # the client gives up mid-chunk
        raw = b""
        while chunk := conn.recv(65536):
            raw += chunk
    assert not raw.startswith(b"HTTP/1.1 200")
    assert recorder.events == []


def test_a_burst_of_connections_is_accepted() -> None:
    """50 clients connect at once while the accept loop lags: every one is answered.

    A connection waiting in the listen backlog completes at once; one refused by a full
    backlog is retried by the client's TCP only after a second, past the connect timeout.
    """
    recorder = Recorder()
    server = LocalHttpApi(ROUTES, recorder, api_token="t0ken")  # not accepting yet
    answers: list[bytes | str] = []
    lock = threading.Lock()

    def client() -> None:
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=0.8) as conn:
                conn.settimeout(10)
                conn.sendall(b"GET /webhooks/x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                received = b""
                while chunk := conn.recv(65536):
                    received += chunk
                answer: bytes | str = received
        except OSError as exc:
            answer = repr(exc)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(50)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        server.start()
        for thread in threads:
            thread.join(timeout=20)
    finally:
        server.stop()
    failed = [a for a in answers if not (isinstance(a, bytes) and a.startswith(b"HTTP/1.1 200"))]
    assert len(answers) == 50 and failed == []
    assert len(recorder.events) == 50


def test_a_route_naming_an_authorizer_the_api_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match="CognitoAuthorizer"):
        LocalHttpApi([Route("GET", "/me", "CognitoAuthorizer", "Api")], Recorder(), api_token="t")
