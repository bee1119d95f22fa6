"""The template's HTTP API on loopback: API Gateway v2 (payload 2.0) events, in-process handlers.

Requests are turned into the event API Gateway would send (route key, raw path and query,
lower-cased headers with repeats comma-joined, cookies, path parameters, request context, body
as text or base64) and the handler's result is mapped back the way API Gateway maps it. Routes
whose authorizer is a JWT authorizer check tokens as API Gateway does (``heard_local.authorizer``:
401 ``{"message":"Unauthorized"}`` for a missing or bad token) and also take the local admin
token, ``Authorization: Bearer $HEARD_API_TOKEN``, for scripts. Routes with ``AWS_IAM`` auth
take the local admin token instead of SigV4. Paths under ``/_heard/`` are the local stack's own
controls (its clock, its schedules: ``heard_local.control``), for the admin token only.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from heard_local.authorizer import Forbidden, JwtAuthorizer, Unauthorized
from heard_local.defaults import ACCOUNT_ID, HOST

log = logging.getLogger("heard_local.http")

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's request payload limit
# A client that stops sending (a body shorter than its Content-Length, headers that never
# end, an idle keep-alive connection) is let go after this long instead of holding a thread.
SOCKET_TIMEOUT_S = 10.0
# Connections the kernel holds while the accept loop catches up: a burst of webhooks must not
# be refused (socketserver's default is 5).
LISTEN_BACKLOG = 128
API_ID = "local"

Invoke = Callable[[str, dict[str, Any]], Any]  # (function logical id, event) -> result
CONTROL_PREFIX = "/_heard/"


@dataclass(frozen=True)
class Route:
    method: str  # "GET", ... or "ANY"
    path: str
    auth: str | None  # a JWT authorizer's name, "AWS_IAM" or None
    function: str  # logical id of the function serving it
    scopes: tuple[str, ...] = ()  # AuthorizationScopes of a JWT route

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def pattern(self) -> re.Pattern[str]:
        parts = []
        for segment in self.path.strip("/").split("/"):
            greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
            param = re.fullmatch(r"\{(\w+)\}", segment)
            if greedy:
                parts.append(f"(?P<{greedy.group(1)}>.+)")
            elif param:
                parts.append(f"(?P<{param.group(1)}>[^/]+)")
            else:
                parts.append(re.escape(segment))
        return re.compile("^/" + "/".join(parts) + "$")

    @property
    def specificity(self) -> tuple[int, int, int]:
        """API Gateway prefers exact paths, then parameters, then greedy; then a method over ANY."""
        greedy = "+}" in self.path
        params = self.path.count("{")
        return (int(greedy), params, int(self.method == "ANY"))


_TEXTUAL = re.compile(
    r"^(text/.*|application/(json|xml|javascript|x-yaml|yaml|graphql)|.*\+(json|xml))$"
)


def is_textual(content_type: str | None) -> bool:
    """Whether API Gateway passes the body as text (else base64, ``isBase64Encoded``)."""
    if not content_type:
        return False
    return bool(_TEXTUAL.match(content_type.split(";", 1)[0].strip().lower()))


def merge_headers(headers: list[tuple[str, str]]) -> tuple[dict[str, str], list[str]]:
    """Headers as API Gateway passes them (lower-cased, repeats comma-joined) and cookies."""
    merged: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        merged[key] = f"{merged[key]},{value}" if key in merged else value
    return merged, cookies


def parse_query(raw_query: str) -> dict[str, str]:
    """``queryStringParameters``: repeats comma-joined, blanks kept."""
    query: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    return query


def build_event(
    route: Route,
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    domain_name: str,
    path_parameters: dict[str, str],
    authorizer: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The API Gateway v2 (payload format 2.0) event for one request."""
    merged, cookies = merge_headers(headers)
    merged.setdefault("host", domain_name)
    merged["x-forwarded-for"] = source_ip
    merged["x-forwarded-proto"] = "http"
    merged["x-forwarded-port"] = domain_name.rsplit(":", 1)[-1]
    if body:
        merged["content-length"] = str(len(body))
    now = datetime.now(UTC)
    request_id = base64.b32encode(uuid.uuid4().bytes).decode()[:16]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": merged,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".", 1)[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": merged.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if raw_query:
        event["queryStringParameters"] = parse_query(raw_query)
    if path_parameters:
        event["pathParameters"] = path_parameters
    if authorizer is not None:
        event["requestContext"]["authorizer"] = authorizer
    if body:
        if is_textual(merged.get("content-type")):
            event["body"] = body.decode("utf-8", errors="replace")
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def local_iam_principal() -> dict[str, Any]:
    """What API Gateway puts in ``requestContext.authorizer.iam`` for a SigV4 caller."""
    return {
        "iam": {
            "accessKey": "LOCALACCESSKEY",
            "accountId": ACCOUNT_ID,
            "callerId": "LOCALCALLER",
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": f"arn:aws:iam::{ACCOUNT_ID}:user/heard-local",
            "userId": "LOCALCALLER",
        }
    }


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def json_response(status: int, payload: Any) -> HttpResponse:
    return HttpResponse(
        status, [("content-type", "application/json")], json.dumps(payload).encode()
    )


class BadRequest(Exception):
    """A request that cannot be read as HTTP; answered 400 and the connection closed."""


_DIGITS = re.compile(r"[0-9]+")


def content_length(values: list[str]) -> int:
    """The body length from the ``Content-Length`` header(s); 0 when there is none."""
    distinct = {value.strip() for value in values}
    if not distinct:
        return 0
    if len(distinct) > 1:
        raise BadRequest("Bad Request: conflicting Content-Length headers")
    (value,) = distinct
    if not _DIGITS.fullmatch(value):
        raise BadRequest(f"Bad Request: invalid Content-Length header {value!r}")
    return int(value)


def read_chunked(rfile: Any, limit: int = MAX_PAYLOAD_BYTES) -> bytes | None:
    """A ``Transfer-Encoding: chunked`` body; None when it is over ``limit``.

    Raises BadRequest for anything that is not chunked encoding (a size that is not hex, data
    not followed by CRLF, the connection closed before the last chunk).
    """
    data = bytearray()
    while True:
        line = rfile.readline(1024)
        if not line.endswith(b"\n"):
            raise BadRequest("Bad Request: truncated chunked body")
        size_text = line.split(b";", 1)[0].strip()
        if not re.fullmatch(rb"[0-9A-Fa-f]{1,16}", size_text):
            raise BadRequest(f"Bad Request: invalid chunk size in chunked body {size_text!r}")
        size = int(size_text, 16)
        if size == 0:
            break
        if len(data) + size > limit:
            return None
        chunk = rfile.read(size)
        if len(chunk) < size:
            raise BadRequest("Bad Request: truncated chunked body")
        data += chunk
        if rfile.readline(3) not in (b"\r\n", b"\n"):
            raise BadRequest("Bad Request: chunk data not followed by CRLF in chunked body")
    while True:  # optional trailer fields, then the empty line
        line = rfile.readline(65537)
        if not line.endswith(b"\n"):
            raise BadRequest("Bad Request: truncated chunked body")
        if line in (b"\r\n", b"\n"):
            return bytes(data)


def map_response(result: Any) -> HttpResponse:
    """API Gateway's mapping of a payload-2.0 handler result to an HTTP response."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # A result without statusCode is taken as the JSON body of a 200.
        text = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, [("content-type", "application/json")], text.encode())
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((name, str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(name, str(v)) for v in values]
    headers += [("set-cookie", c) for c in result.get("cookies") or []]
    raw = result.get("body") or ""
    if isinstance(raw, str):
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode("utf-8")
    else:
        body = json.dumps(raw).encode()
    return HttpResponse(int(result["statusCode"]), headers, body)


class _Server(ThreadingHTTPServer):
    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            # The client went away (or stopped sending) mid-response; nothing to answer.
            log.debug("connection from %s ended: %r", client_address[0], error)
            return
        log.exception("error serving a request from %s", client_address[0])


class LocalHttpApi:
    """A ThreadingHTTPServer serving ``routes`` by calling ``invoke(function, event)``."""

    def __init__(
        self,
        routes: list[Route],
        invoke: Invoke,
        *,
        api_token: str,
        authorizers: dict[str, JwtAuthorizer] | None = None,
        host: str = HOST,
        port: int = 0,
        timeout_s: float = SOCKET_TIMEOUT_S,
        control: Callable[[str, str, bytes], HttpResponse] | None = None,
    ):
        self.control = control  # (method, path, body) -> response, for /_heard/...
        self.routes = sorted(routes, key=lambda r: r.specificity)
        self.invoke = invoke
        self.api_token = api_token
        self.authorizers = dict(authorizers or {})
        unknown = {
            r.auth for r in routes if r.auth and r.auth not in ("AWS_IAM", *self.authorizers)
        }
        if unknown:
            raise ValueError(f"routes name authorizers the API does not have: {sorted(unknown)}")
        self.timeout_s = timeout_s
        self._server = _Server((host, port), self._handler_class())
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._in_flight = 0  # requests being handled (acknowledged or about to be)
        self._in_flight_changed = threading.Condition()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self._server.server_address[0]!s}:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},  # how soon stop() takes effect
            name="heard-http-api",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop accepting, then wait (up to ``timeout_s``) for requests being handled.

        Once this begins, new connections are refused and a request arriving on a connection
        already open is answered 503, so nothing is acknowledged after the stack stops.
        """
        with self._in_flight_changed:
            self._stopping = True
        if self._thread is not None:
            self._server.shutdown()  # returns once the accept loop has ended
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
        with self._in_flight_changed:
            self._in_flight_changed.wait_for(lambda: self._in_flight == 0, timeout=timeout_s)

    def _begin(self) -> bool:
        """Count a request in; False once stopping (it must not be acknowledged)."""
        with self._in_flight_changed:
            if self._stopping:
                return False
            self._in_flight += 1
            return True

    def _end(self) -> None:
        with self._in_flight_changed:
            self._in_flight -= 1
            self._in_flight_changed.notify_all()

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        found = self._match(method, path)
        if found is None and len(path) > 1 and path.endswith("/"):
            # API Gateway routes /app/ to the /app route (the function sees the raw path).
            found = self._match(method, path.rstrip("/"))
        return found

    def _match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self.routes:
            if route.method not in (method, "ANY"):
                continue
            found = route.pattern.match(path)
            if found:
                return route, {k: unquote(v) for k, v in found.groupdict().items()}
        return None

    def _authorize(
        self, route: Route, headers: list[tuple[str, str]], raw_query: str
    ) -> HttpResponse | dict[str, Any] | None:
        """The refusal, or what goes in ``requestContext.authorizer`` (None: nothing)."""
        if route.auth is None:
            return None
        if route.auth != "AWS_IAM":
            merged, _ = merge_headers(headers)
            try:
                return self.authorizers[route.auth].authorize(
                    merged, parse_query(raw_query), route.scopes
                )
            except Unauthorized as exc:
                log.info("%s: 401 (%s)", route.route_key, exc)
                return json_response(401, {"message": "Unauthorized"})
            except Forbidden as exc:
                log.info("%s: 403 (%s)", route.route_key, exc)
                return json_response(403, {"message": "Forbidden"})
        refused = self._admin_refusal(headers)
        return refused if refused is not None else local_iam_principal()

    def _admin_refusal(self, headers: list[tuple[str, str]]) -> HttpResponse | None:
        """None when the request carries the local admin token; else its 401 or 403."""
        given = next((v for k, v in headers if k.lower() == "authorization"), None)
        if not given:
            return json_response(401, {"message": "Unauthorized"})
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self.api_token.encode()
        ):
            return json_response(403, {"message": "Forbidden"})
        return None

    def handle(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
    ) -> HttpResponse:
        raw_path, _, raw_query = target.partition("?")
        if raw_path.startswith(CONTROL_PREFIX) and self.control is not None:
            return self._admin_refusal(headers) or self.control(method, raw_path, body)
        found = self.match(method, raw_path)
        if found is None:
            return json_response(404, {"message": "Not Found"})
        route, params = found
        authorized = self._authorize(route, headers, raw_query)
        if isinstance(authorized, HttpResponse):
            return authorized
        event = build_event(
            route,
            method=method,
            raw_path=raw_path,
            raw_query=raw_query,
            headers=headers,
            body=body,
            source_ip=source_ip,
            domain_name=f"{HOST}:{self.port}",
            path_parameters=params,
            authorizer=authorized,
        )
        try:
            result = self.invoke(route.function, event)
        except Exception:
            log.exception("%s raised serving %s", route.function, route.route_key)
            return json_response(500, {"message": "Internal Server Error"})
        try:
            return map_response(result)
        except (TypeError, ValueError):
            log.exception("%s returned a response API Gateway cannot map", route.function)
            return json_response(500, {"message": "Internal Server Error"})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "heard-local"

            timeout = api.timeout_s  # socketserver sets it on each connection's socket

            def _serve(self) -> None:
                started = time.perf_counter()
                headers = list(self.headers.items())
                counted = False
                try:
                    body = self._read_body()
                except BadRequest as exc:
                    body, response = None, json_response(400, {"message": str(exc)})
                except TimeoutError:
                    body, response = None, json_response(408, {"message": "Request Timeout"})
                else:
                    if body is None:
                        response = json_response(413, {"message": "Request Entity Too Large"})
                try:
                    if body is None:
                        # What is left of the request cannot be told from the next one.
                        self.close_connection = True
                    elif not (counted := api._begin()):
                        response = json_response(503, {"message": "Service Unavailable"})
                        self.close_connection = True
                    else:
                        response = api.handle(
                            self.command, self.path, headers, body, self.client_address[0]
                        )
                    self._send(response)
                finally:
                    if counted:
                        api._end()  # answered: stop() may go on
                log.info(
                    "%s %s -> %d (%.0f ms)",
                    self.command,
                    self.path.partition("?")[0],
                    response.status,
                    (time.perf_counter() - started) * 1000,
                )

            def _read_body(self) -> bytes | None:
                """The request body; None when it is over API Gateway's limit."""
                if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
                    return read_chunked(self.rfile)
                length = content_length(self.headers.get_all("content-length") or [])
                if length > MAX_PAYLOAD_BYTES:
                    return None
                body = self.rfile.read(length)
                if len(body) < length:
                    raise BadRequest("Bad Request: body shorter than its Content-Length header")
                return body

            def _send(self, response: HttpResponse) -> None:
                self.send_response_only(response.status)
                names = {name.lower() for name, _ in response.headers}
                for name, value in response.headers:
                    if name.lower() not in ("content-length", "connection", "date"):
                        self.send_header(name, value)
                if "content-type" not in names:
                    self.send_header("content-type", "application/json")
                self.send_header("date", formatdate(usegmt=True))
                self.send_header("content-length", str(len(response.body)))
                self.send_header("apigw-requestid", uuid.uuid4().hex[:16])
                if self.close_connection:
                    self.send_header("connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # one line per request is logged by _serve

        return Handler
