"""Fake platform APIs on loopback, so replies can be sent without X or Meta.

``FakeXApi`` (X API v2: reply posts, direct messages, the OAuth 2.0 token refresh) and
``FakeMetaGraph`` (Graph API: comment replies, private replies, the Send API) validate what they
receive, answer in the platform's own shapes and headers, record every request
(``GET /_heard/requests``; ``DELETE`` clears it) and fail on demand
(``POST /_heard/fail`` with ``{"status": 429, "times": 2, "retry_after": 30, "code": 4}``).
``PlatformFakes`` runs both for the local stack.
"""

from __future__ import annotations

import sys
from typing import TextIO

from heard_local.fakes._server import Answer, Failure, FakeApi, OnReply, Request
from heard_local.fakes.meta import FakeMetaGraph
from heard_local.fakes.x import FakeXApi

# The variables that carry the fakes' URLs to whatever sends replies in the local stack.
X_API_URL_ENV = "HEARD_X_API_URL"
META_GRAPH_URL_ENV = "HEARD_META_GRAPH_URL"


class PlatformFakes:
    """Both fakes, started and stopped together; each reply received is printed to ``out``."""

    def __init__(self, host: str = "127.0.0.1", out: TextIO | None = sys.stdout):
        self.out = out
        self.x = FakeXApi(host, on_reply=self._print)
        self.meta = FakeMetaGraph(host, on_reply=self._print)

    def start(self) -> PlatformFakes:
        self.x.start()
        try:
            self.meta.start()
        except BaseException:
            self.x.stop()
            raise
        return self

    def stop(self) -> None:
        self.x.stop()
        self.meta.stop()

    def urls(self) -> dict[str, str]:
        return {"x": self.x.url, "meta": self.meta.url}

    def environment(self) -> dict[str, str]:
        return {X_API_URL_ENV: self.x.url, META_GRAPH_URL_ENV: self.meta.url}

    def _print(self, label: str, line: str) -> None:
        if self.out is not None:
            print(f"  reply  {label:<5} {line}", file=self.out, flush=True)


__all__ = [
    "META_GRAPH_URL_ENV",
    "X_API_URL_ENV",
    "Answer",
    "Failure",
    "FakeApi",
    "FakeMetaGraph",
    "FakeXApi",
    "OnReply",
    "PlatformFakes",
    "Request",
]
