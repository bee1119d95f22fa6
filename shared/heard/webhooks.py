"""Inbound webhooks: verify a delivery against its raw body, parse it, queue its mentions.

The Lambda handler maps HTTP to these calls and the errors below to status codes; nothing is
queued unless the whole delivery verified and parsed, so a bad request leaves no trace.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from heard import secrets
from heard.ingest import IngestQueue
from heard.models import DeletionMessage, MentionMessage
from heard.platforms import generic, meta, x
from heard.platforms.errors import PayloadError

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
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError("body", f"not valid JSON ({exc})") from exc


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PayloadError("body", "expected a JSON object")
    return data


class Webhooks:
    """One instance per cold start. ``secret`` reads a platform secret (cached)."""

    def __init__(
        self,
        queue: Callable[[], IngestQueue],
        secret: Callable[[secrets.SecretRef], str] = secrets.get_secret,
    ):
        self._queue = queue
        self._secret = secret

    def _enqueue(self, messages: list[MentionMessage | DeletionMessage]) -> int:
        return self._queue().send(messages) if messages else 0

    # X Account Activity API
    def x_crc(self, crc_token: str | None) -> dict[str, str]:
        if not crc_token:
            raise PayloadError("crc_token", "query parameter required")
        return x.crc_response(self._secret(secrets.X_CONSUMER_SECRET), crc_token)

    def x_delivery(self, raw: bytes, signature: str | None) -> list[MentionMessage]:
        x.verify_signature(self._secret(secrets.X_CONSUMER_SECRET), check_size(raw), signature)
        messages = x.parse(_object(load_json(raw)))
        self._enqueue(list(messages))
        return messages

    # Meta (Facebook Pages, Instagram)
    def meta_subscribe(self, params: Mapping[str, str]) -> str:
        return meta.verify_subscription(dict(params), self._secret(secrets.META_VERIFY_TOKEN))

    def meta_delivery(
        self, raw: bytes, signature: str | None
    ) -> list[MentionMessage | DeletionMessage]:
        meta.verify_signature(self._secret(secrets.META_APP_SECRET), check_size(raw), signature)
        messages = meta.parse(_object(load_json(raw)))
        self._enqueue(list(messages))
        return messages

    # Signed generic JSON (Zapier, feedback forms, anything else)
    def generic_delivery(
        self, raw: bytes, timestamp: str | None, signature: str | None
    ) -> list[MentionMessage]:
        secret = self._secret(secrets.WEBHOOK_SECRET)
        generic.verify_signature(secret, check_size(raw), timestamp, signature)
        messages = generic.parse(load_json(raw))
        self._enqueue(list(messages))
        return messages
