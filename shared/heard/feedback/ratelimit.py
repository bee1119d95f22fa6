"""Submissions per client address per hour: a counter in IdempotencyTable.

One item per brand, address and hour: ``id = feedback-rate#<brand slug>#<hash>#<YYYYMMDDHH>``,
``count`` incremented by a conditional ``ADD`` (refused once it has reached the limit, so the
counter never passes it and a refused attempt costs one failed condition), and ``expiration``
(the table's TTL attribute) an hour after the hour ends. The address is never stored: the key
holds HMAC-SHA256 of it under a secret key (``address_key`` in FeedbackSecret), so the table
cannot be read back to addresses, even by trying all 2^32 IPv4 ones.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from heard.feedback.errors import FeedbackError

KEY_PREFIX = "feedback-rate"


class DynamoClient(Protocol):
    def update_item(self, **kwargs: Any) -> Any: ...


def address_hash(address: str, key: str) -> str:
    return hmac.new(key.encode(), address.strip().lower().encode(), hashlib.sha256).hexdigest()


def counter_key(slug: str, address: str, key: str, now: datetime) -> str:
    hour = now.astimezone(UTC).strftime("%Y%m%d%H")
    return f"{KEY_PREFIX}#{slug}#{address_hash(address, key)}#{hour}"


class RateLimiter:
    """``take`` counts one submission, or refuses with 429 and ``Retry-After``."""

    def __init__(self, client: DynamoClient, table: str, address_key: str):
        self._client = client
        self._table = table
        self._key = address_key

    def take(self, slug: str, address: str, limit: int, now: datetime | None = None) -> int:
        """Count one submission from ``address`` to the brand at ``slug``; the count so far."""
        now = (now or datetime.now(UTC)).astimezone(UTC)
        hour_start = now.replace(minute=0, second=0, microsecond=0)
        hour_end = hour_start + timedelta(hours=1)
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"id": {"S": counter_key(slug, address, self._key, now)}},
                UpdateExpression="ADD #count :one SET #expiration = :expiration",
                ConditionExpression="attribute_not_exists(#count) OR #count < :limit",
                ExpressionAttributeNames={"#count": "count", "#expiration": "expiration"},
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":limit": {"N": str(limit)},
                    ":expiration": {"N": str(int((hour_end + timedelta(hours=1)).timestamp()))},
                },
                ReturnValues="UPDATED_NEW",
            )
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code == "ConditionalCheckFailedException":
                wait = max(1, int((hour_end - now).total_seconds()))
                raise FeedbackError(
                    429,
                    "rate_limited",
                    f"too many messages from your address: at most {limit} an hour. "
                    f"Try again in {_minutes(wait)}.",
                    retry_after=wait,
                ) from None
            raise FeedbackError(
                503,
                "unavailable",
                "the form cannot take messages just now; try again in a minute",
                retry_after=60,
            ) from exc
        return int(response["Attributes"]["count"]["N"])


def _minutes(seconds: int) -> str:
    minutes = (seconds + 59) // 60
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
