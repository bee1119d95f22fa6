"""X: the webhook (CRC check, ``x-twitter-webhooks-signature``) for the three products X's V2
webhooks deliver: Account Activity (tweets and direct messages), Filtered Stream and the X
Activity API; and replies (a reply post, or a direct message to the author). The protocol and
the Account Activity shapes are in ``webhook``, the V2 shapes and how a delivery's product is
told from its shape in ``v2``, Filtered Stream rules in ``rules``, replying and the token
refresh in ``reply``."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from heard.models import MentionMessage, Platform, QueueMessage
from heard.platforms.base import (
    Challenge,
    Credentials,
    PlatformAdapter,
    ReplyOutcome,
    ReplyRequest,
    SecretReader,
    WebhookRequest,
)
from heard.platforms.errors import PayloadError
from heard.platforms.x import v2, webhook
from heard.platforms.x.webhook import SIGNATURE_HEADER, crc_response, verify_signature
from heard.secrets import SecretRef

if TYPE_CHECKING:
    import httpx

CONSUMER_SECRET = SecretRef(
    "HEARD_X_CONSUMER_SECRET", "X_SECRET_NAME", "consumer_secret", "local-x-consumer-secret"
)

# Replying: the OAuth 2.0 app (client id, and secret for a confidential client) and the brand
# account's user token, renewed by the reply function and written back to the secret.
CLIENT_ID = SecretRef("HEARD_X_CLIENT_ID", "X_SECRET_NAME", "client_id", "local-x-client-id")
CLIENT_SECRET = SecretRef(
    "HEARD_X_CLIENT_SECRET", "X_SECRET_NAME", "client_secret", "local-x-client-secret"
)
USER_ACCESS_TOKEN = SecretRef(
    "HEARD_X_USER_ACCESS_TOKEN", "X_SECRET_NAME", "user_access_token", "local-x-user-token"
)
USER_REFRESH_TOKEN = SecretRef(
    "HEARD_X_USER_REFRESH_TOKEN", "X_SECRET_NAME", "user_refresh_token", "local-x-refresh-token"
)
# ISO 8601; empty or absent: not known (X then says when it has expired).
USER_TOKEN_EXPIRES_AT = SecretRef(
    "HEARD_X_USER_TOKEN_EXPIRES_AT", "X_SECRET_NAME", "user_token_expires_at", ""
)


def parse(payload: Any) -> list[MentionMessage]:
    """The mentions in one delivery, whichever product sent it (``v2.kind`` tells)."""
    if v2.kind(payload) == "account_activity":
        return webhook.parse(payload)
    return v2.parse(payload)


class XAdapter(PlatformAdapter):
    name = "x"
    labels = {Platform.X: "X"}
    secrets = (CONSUMER_SECRET,)
    reply_secrets = (CLIENT_ID, CLIENT_SECRET, USER_ACCESS_TOKEN, USER_REFRESH_TOKEN)

    def challenge(self, query: Mapping[str, str], secret: SecretReader) -> Challenge:
        token = query.get("crc_token")
        if not token:
            raise PayloadError("crc_token", "query parameter required")
        return Challenge(crc_response(secret(CONSUMER_SECRET), token))

    def challenge_query(self, secret: SecretReader) -> dict[str, str]:
        return {"crc_token": "local-crc-token"}

    def verify(self, request: WebhookRequest, secret: SecretReader) -> None:
        verify_signature(secret(CONSUMER_SECRET), request.body, request.header(SIGNATURE_HEADER))

    def parse(self, payload: Any) -> list[QueueMessage]:
        return list(parse(payload))

    def sign(
        self, body: bytes, secret: SecretReader, *, now: float | None = None
    ) -> dict[str, str]:
        digest = hmac.new(secret(CONSUMER_SECRET).encode(), body, hashlib.sha256).digest()
        return {
            "content-type": "application/json",
            SIGNATURE_HEADER: "sha256=" + base64.b64encode(digest).decode(),
        }

    # Replies live in their own module, imported on first use: a webhook never loads httpx.
    def check_reply(self, request: ReplyRequest, now: datetime) -> None:
        from heard.platforms.x import reply

        reply.check(request)

    def reply(
        self,
        request: ReplyRequest,
        credentials: Credentials,
        client: httpx.Client,
        now: datetime,
    ) -> ReplyOutcome:
        from heard.platforms.x import reply

        return reply.send(request, credentials, client, now)


ADAPTER = XAdapter()

__all__ = ["ADAPTER", "SIGNATURE_HEADER", "crc_response", "parse", "verify_signature"]
