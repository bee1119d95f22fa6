"""Inbound webhooks: verify a delivery against its raw body, parse it, queue its messages.

One path for every platform: the adapter named in the route (``/webhooks/<name>``) answers the
subscription check, verifies the signature and parses the payload. The Lambda handler maps HTTP
to these calls and the errors below to status codes; nothing is queued unless the whole delivery
verified and parsed, so a bad request leaves no trace.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from heard import jsonbody, platforms, secrets
from heard.ingest import IngestQueue
from heard.models import QueueMessage
from heard.platforms import Challenge, PayloadError, PlatformAdapter, WebhookRequest

MAX_BODY_BYTES = 256 * 1024


class BodyTooLarge(ValueError):
    def __init__(self, size: int):
        super().__init__(f"body is {size} bytes; the limit is {MAX_BODY_BYTES}")


def check_size(raw: bytes) -> bytes:
    """Refuse an oversized body before spending anything on it (signature, JSON)."""
    if len(raw) > MAX_BODY_BYTES:
        raise BodyTooLarge(len(raw))
    return raw


def load_json(raw: bytes) -> Any:
    """The body's JSON, or a ``PayloadError`` on ``body`` saying why not."""
    try:
        return jsonbody.load_json(raw)
    except jsonbody.BodyError as exc:
        raise PayloadError("body", str(exc)) from None


class Webhooks:
    """One instance per cold start. ``secret`` reads a platform secret (cached)."""

    def __init__(
        self,
        queue: Callable[[], IngestQueue],
        secret: Callable[[secrets.SecretRef], str] = secrets.get_secret,
        adapter: Callable[[str], PlatformAdapter] = platforms.adapter,
    ):
        self._queue = queue
        self._secret = secret
        self._adapter = adapter

    def challenge(self, name: str, query: Mapping[str, str]) -> Challenge:
        """Answer a platform's subscription check (X CRC, Meta ``hub.challenge``)."""
        return self._adapter(name).challenge(query, self._secret)

    def deliver(
        self, name: str, raw: bytes, headers: Mapping[str, str], query: Mapping[str, str] = {}
    ) -> list[QueueMessage]:
        """Verify, parse and queue one delivery; returns the messages queued."""
        adapter = self._adapter(name)
        request = WebhookRequest(check_size(raw), {k.lower(): v for k, v in headers.items()}, query)
        adapter.verify(request, self._secret)
        messages = adapter.parse(load_json(raw))
        if messages:
            self._queue().send(messages)
        return messages
