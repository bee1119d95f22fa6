"""Stopping the local stack: the API stops accepting first, then what it acknowledged drains."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from heard_local.http_api import LocalHttpApi, Route
from heard_local.stack import LocalStack


class Part:
    """A scheduler or alert printer that records when it is stopped."""

    def __init__(self, name: str, log: list[str]):
        self.name, self.log = name, log

    def stop(self) -> None:
        self.log.append(f"{self.name} stopped")


class Source:
    """An SQS event source holding one acknowledged message until it is processed.

    While the stack drains it, it checks that the API no longer takes connections, then
    processes the message.
    """

    def __init__(self, log: list[str], api_port: int):
        self.log = log
        self.api_port = api_port
        self.pending = 1
        self.busy = False

    def backlog(self) -> int:
        if self.pending:
            try:
                socket.create_connection(("127.0.0.1", self.api_port), timeout=1).close()
                self.log.append("api still accepting")
            except ConnectionRefusedError:
                self.log.append("api refused a connection")
            self.log.append("message processed")
            self.pending = 0
            return 1
        return 0

    def stop(self) -> None:
        self.log.append("source stopped")


def test_stop_refuses_new_requests_before_draining_and_stopping_readers(tmp_path: Path) -> None:
    log: list[str] = []
    api = LocalHttpApi(
        [Route("POST", "/webhooks/x", None, "Webhook")],
        lambda function, event: {"statusCode": 200, "body": "{}"},
        api_token="t",
    )
    api.start()
    assert httpx.post(f"{api.url}/webhooks/x", content=b"{}").status_code == 200  # acknowledged
    stack = LocalStack(state_dir=tmp_path, print_alerts=False)
    source = Source(log, api.port)
    stack.api = api
    stack.sources = [source]  # type: ignore[list-item]
    stack.scheduler = Part("scheduler", log)  # type: ignore[assignment]
    stack.alerts = Part("alerts", log)  # type: ignore[assignment]

    stack.stop(drain_timeout_s=5)

    assert log == [
        "scheduler stopped",
        "api refused a connection",
        "message processed",
        "source stopped",
        "alerts stopped",
    ]


def test_abandon_drain_stops_waiting(tmp_path: Path) -> None:
    class Stuck:
        busy = False

        def backlog(self) -> int:
            return 1

        def stop(self) -> None:
            pass

    stack = LocalStack(state_dir=tmp_path, print_alerts=False)
    stack.sources = [Stuck()]  # type: ignore[list-item]
    threading.Timer(0.3, stack.abandon_drain).start()
    finished = threading.Event()
    worker = threading.Thread(target=lambda: (stack.stop(drain_timeout_s=30), finished.set()))
    worker.start()
    assert finished.wait(5)


def test_a_request_on_an_open_connection_after_stop_is_not_acknowledged() -> None:
    calls: list[Any] = []
    api = LocalHttpApi(
        [Route("POST", "/webhooks/x", None, "Webhook")],
        lambda function, event: calls.append(event) or {"statusCode": 200, "body": "{}"},
        api_token="t",
    )
    api.start()
    with httpx.Client(base_url=api.url) as client:  # one keep-alive connection
        assert client.post("/webhooks/x", content=b"{}").status_code == 200
        api.stop()
        try:
            late = client.post("/webhooks/x", content=b"{}").status_code
        except httpx.TransportError:
            late = None
    assert late in (503, None)
    assert len(calls) == 1
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{api.url}/webhooks/x", content=b"{}")
