"""Signed generic JSON: Zapier, a website feedback form, scripts (``X-Heard-Signature``).
The protocol and payload shape are in ``webhook``.

The only way back to the author of a generic mention is an email address in ``author.handle``;
sending the email (Amazon SES) is not built yet, so ``reply`` explains that and sends nothing."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import TYPE_CHECKING, Any

from heard.models import Platform, QueueMessage, Visibility
from heard.platforms.base import (
    Credentials,
    Forbidden,
    PlatformAdapter,
    ReplyOutcome,
    ReplyRequest,
    SecretReader,
    WebhookRequest,
)
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

if TYPE_CHECKING:
    import httpx

# One "@", something on each side, a dot in the domain, no spaces: an address to write to, not
# a validation of RFC 5322 (the mail server is the judge of that).
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

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

    def check_reply(self, request: ReplyRequest, now: datetime) -> None:
        if not request.text.strip():
            raise Forbidden("the reply is empty: write what to send")
        if not _EMAIL.match((request.author_handle or "").strip()):
            raise Forbidden("the mention carries no email address: there is no channel back")
        if request.visibility is not Visibility.PRIVATE:
            raise Forbidden(
                "a message sent through a form or webhook has no public place to answer: "
                "reply privately, by email"
            )

    def reply(
        self,
        request: ReplyRequest,
        credentials: Credentials,
        client: httpx.Client,
        now: datetime,
    ) -> ReplyOutcome:
        self.check_reply(request, now)
        raise Forbidden(
            "email replies go through SES (heard.platforms.generic.email.SesMailer), "
            "not through an HTTP API"
        )


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
