"""Signed generic JSON: Zapier, a website feedback form, scripts (``X-Heard-Signature``).
The protocol and payload shape are in ``webhook``."""

from __future__ import annotations

import time
from typing import Any

from heard.models import Platform, QueueMessage
from heard.platforms.base import PlatformAdapter, SecretReader, WebhookRequest
from heard.platforms.generic.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    TOLERANCE_SECONDS,
    GenericMention,
    parse,
    sign,
    verify_signature,
)
from heard.secrets import SecretRef

SIGNING_SECRET = SecretRef(
    "HEARD_WEBHOOK_SECRET", "GENERIC_SECRET_NAME", "secret", "local-webhook-secret"
)


class GenericAdapter(PlatformAdapter):
    name = "generic"
    labels = {Platform.GENERIC: "webhook"}
    secrets = (SIGNING_SECRET,)

    def verify(self, request: WebhookRequest, secret: SecretReader) -> None:
        verify_signature(
            secret(SIGNING_SECRET),
            request.body,
            request.header(TIMESTAMP_HEADER),
            request.header(SIGNATURE_HEADER),
        )

    def parse(self, payload: Any) -> list[QueueMessage]:
        return list(parse(payload))

    def sign(
        self, body: bytes, secret: SecretReader, *, now: float | None = None
    ) -> dict[str, str]:
        stamp = str(int(time.time() if now is None else now))
        return {
            "content-type": "application/json",
            TIMESTAMP_HEADER: stamp,
            SIGNATURE_HEADER: sign(secret(SIGNING_SECRET), stamp, body),
        }


ADAPTER = GenericAdapter()

__all__ = [
    "ADAPTER",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "TOLERANCE_SECONDS",
    "GenericMention",
    "parse",
    "sign",
    "verify_signature",
]
