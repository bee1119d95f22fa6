"""What every fake platform API shares: a threaded HTTP server on loopback that records each
request, serves the record at ``GET /_heard/requests``, takes failures to inject at
``POST /_heard/fail``, and tells a callback about every reply it accepted.

A subclass implements ``handle(request) -> Answer`` for the platform's own endpoints and
``failure(fail) -> Answer`` for an injected failure in the platform's error shape.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

# Called with (platform label, one line describing the reply) for every reply accepted.
OnReply = Callable[[str, str], None]

CONTROL = "/_heard/"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: Any  # parsed JSON, a form as a dict, text, or None

    def bearer(self) -> str | None:
        value = self.headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        if scheme.lower() in ("bearer", "oauth") and token.strip():
            return token.strip()
        return None


@dataclass
class Answer:
    status: int
    body: Any  # JSON; or bytes/str sent as they are with ``content_type`` (a feed's XML)
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"


@dataclass
class Failure:
    status: int
    times: int = 1
    retry_after: int | None = None
    code: int | None = None
    message: str | None = None
    skip: int = 0  # platform requests answered normally first: a failure mid-run


class FakeApi:
    """Start with ``start()`` (or ``with``); ``url`` is where it listens."""

    label = "platform"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, on_reply: OnReply | None = None):
        self.host, self.port = host, port
        self.on_reply = on_reply
        self.requests: list[dict[str, Any]] = []
        self._failures: list[Failure] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> FakeApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                fake._serve(self)

            def do_POST(self) -> None:
                fake._serve(self)

            def do_DELETE(self) -> None:
                fake._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the record at /_heard/requests is the log

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # stop() returns within 50 ms
            name=f"fake-{self.label}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- for tests (in-process; over HTTP the same is at /_heard/...) ------------------------

    def fail(
        self,
        status: int,
        times: int = 1,
        retry_after: int | None = None,
        code: int | None = None,
        message: str | None = None,
        skip: int = 0,
    ) -> None:
        """Answer ``times`` platform requests with ``status`` in the platform's shape, after
        answering the next ``skip`` as usual (a 500 on the third page: ``skip=2``)."""
        with self._lock:
            self._failures.append(Failure(status, times, retry_after, code, message, skip))

    def received(self, path_contains: str = "") -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.requests if path_contains in r["path"]]

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self._failures.clear()

    # --- to implement ------------------------------------------------------------------------

    def handle(self, request: Request) -> Answer:
        raise NotImplementedError

    def failure(self, fail: Failure) -> Answer:
        raise NotImplementedError

    def describe(self, request: Request, answer: Answer) -> str | None:
        """One line for the console when ``answer`` accepted a reply; None otherwise."""
        return None

    # --- helpers for subclasses --------------------------------------------------------------

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    # --- serving -----------------------------------------------------------------------------

    def _serve(self, http: BaseHTTPRequestHandler) -> None:
        split = urlsplit(http.path)
        length = int(http.headers.get("content-length") or 0)
        raw = http.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in http.headers.items()}
        request = Request(
            method=http.command,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=headers,
            body=_parse_body(raw, headers.get("content-type", "")),
        )
        if request.path.startswith(CONTROL):
            answer = self._control(request)
        else:
            answer = self._platform(request)
        if isinstance(answer.body, bytes | str) and not answer.content_type.startswith(
            "application/json"
        ):
            body: bytes | str = answer.body
            payload = body.encode() if isinstance(body, str) else body
        else:
            payload = json.dumps(answer.body).encode()
        http.send_response(answer.status)
        http.send_header("Content-Type", answer.content_type)
        http.send_header("Content-Length", str(len(payload)))
        for name, value in answer.headers.items():
            http.send_header(name, value)
        http.end_headers()
        http.wfile.write(payload)

    def _platform(self, request: Request) -> Answer:
        with self._lock:
            fail = self._failures[0] if self._failures else None
            if fail is not None and fail.skip > 0:
                fail.skip -= 1
                fail = None
            elif fail is not None:
                fail.times -= 1
                if fail.times <= 0:
                    self._failures.pop(0)
        answer = self.failure(fail) if fail is not None else self.handle(request)
        line = self.describe(request, answer) if 200 <= answer.status < 300 else None
        record = {
            "at": time.time(),
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "headers": _redacted(request.headers),
            "body": request.body,
            "status": answer.status,
            "response": (
                answer.body.decode(errors="replace")[:2000]
                if isinstance(answer.body, bytes)
                else answer.body
            ),
            "injected": fail is not None,
        }
        with self._lock:
            self.requests.append(record)
        if line is not None and self.on_reply is not None:
            self.on_reply(self.label, line)
        return answer

    def _control(self, request: Request) -> Answer:
        if request.path == "/_heard/requests" and request.method == "GET":
            with self._lock:
                return Answer(200, {"requests": list(self.requests)})
        if request.path == "/_heard/requests" and request.method == "DELETE":
            self.reset()
            return Answer(200, {"cleared": True})
        if request.path == "/_heard/fail" and request.method == "POST":
            spec = request.body if isinstance(request.body, dict) else {}
            try:
                status = int(spec["status"])
                times = int(spec.get("times", 1))
                after = spec.get("retry_after")
                code = spec.get("code")
                skip = int(spec.get("skip", 0))
                failure = Failure(
                    status=status,
                    times=times,
                    retry_after=None if after is None else int(after),
                    code=None if code is None else int(code),
                    message=spec.get("message"),
                    skip=skip,
                )
            except (KeyError, TypeError, ValueError):
                return Answer(
                    400,
                    {
                        "error": 'send {"status": 429|500|401|403|..., "times": N, '
                        '"retry_after": S, "code": C, "skip": K}'
                    },
                )
            if not 400 <= status <= 599 or times < 1:
                return Answer(400, {"error": "status must be 4xx or 5xx and times at least 1"})
            with self._lock:
                self._failures.append(failure)
            return Answer(200, {"queued": spec})
        return Answer(404, {"error": f"no control endpoint {request.method} {request.path}"})


def _parse_body(raw: bytes, content_type: str) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if "application/x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(text, keep_blank_values=True))
    try:
        return json.loads(text)
    except ValueError:
        return text


def _redacted(headers: dict[str, str]) -> dict[str, str]:
    """Headers as recorded: the scheme of ``Authorization`` is kept, the secret is not."""
    shown = dict(headers)
    if "authorization" in shown:
        scheme, _, token = shown["authorization"].partition(" ")
        shown["authorization"] = f"{scheme} …{token[-4:]}" if token else scheme
    return shown
