"""Meta: Facebook Pages (feed, mentions, Messenger) and Instagram (comments, mentions, direct
messages) on one webhook signed with ``X-Hub-Signature-256``; the subscription check answers
``hub.challenge``. The protocol and payload shapes are in ``webhook``; replies (comment
replies, private replies, Messenger and Instagram Direct answers) are in ``reply``."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from heard.models import Platform, QueueMessage
from heard.platforms.base import (
    Challenge,
    Credentials,
    PlatformAdapter,
    ReplyOutcome,
    ReplyRequest,
    SecretReader,
    WebhookRequest,
)
from heard.platforms.meta.webhook import (
    SIGNATURE_HEADER,
    parse,
    verify_signature,
    verify_subscription,
)
from heard.secrets import SecretRef

if TYPE_CHECKING:
    import httpx

APP_SECRET = SecretRef(
    "HEARD_META_APP_SECRET", "META_SECRET_NAME", "app_secret", "local-meta-app-secret"
)
VERIFY_TOKEN = SecretRef(
    "HEARD_META_VERIFY_TOKEN", "META_SECRET_NAME", "verify_token", "local-meta-verify-token"
)

# Replying: the Page access token (a long-lived Page token does not expire on its own).
PAGE_ACCESS_TOKEN = SecretRef(
    "HEARD_META_PAGE_ACCESS_TOKEN", "META_SECRET_NAME", "page_access_token", "local-meta-page-token"
)


class MetaAdapter(PlatformAdapter):
    name = "meta"
    labels = {Platform.FACEBOOK: "Facebook", Platform.INSTAGRAM: "Instagram"}
    secrets = (APP_SECRET, VERIFY_TOKEN)
    reply_secrets = (PAGE_ACCESS_TOKEN,)

    def challenge(self, query: Mapping[str, str], secret: SecretReader) -> Challenge:
        return Challenge(verify_subscription(dict(query), secret(VERIFY_TOKEN)))

    def challenge_query(self, secret: SecretReader) -> dict[str, str]:
        return {
            "hub.mode": "subscribe",
            "hub.verify_token": secret(VERIFY_TOKEN),
            "hub.challenge": "local-challenge",
        }

    def verify(self, request: WebhookRequest, secret: SecretReader) -> None:
        verify_signature(secret(APP_SECRET), request.body, request.header(SIGNATURE_HEADER))

    def parse(self, payload: Any) -> list[QueueMessage]:
        return parse(payload)

    def sign(
        self, body: bytes, secret: SecretReader, *, now: float | None = None
    ) -> dict[str, str]:
        digest = hmac.new(secret(APP_SECRET).encode(), body, hashlib.sha256).hexdigest()
        return {"content-type": "application/json", SIGNATURE_HEADER.lower(): "sha256=" + digest}

    # Replies live in their own module, imported on first use: a webhook never loads httpx.
    def check_reply(self, request: ReplyRequest, now: datetime) -> None:
        from heard.platforms.meta import reply

        reply.check(request, now)

    def reply(
        self,
        request: ReplyRequest,
        credentials: Credentials,
        client: httpx.Client,
        now: datetime,
    ) -> ReplyOutcome:
        from heard.platforms.meta import reply

        return reply.send(request, credentials, client, now)


ADAPTER = MetaAdapter()

__all__ = ["ADAPTER", "SIGNATURE_HEADER", "parse", "verify_signature", "verify_subscription"]
