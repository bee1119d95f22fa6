"""The mentions table's codec: a ``MentionRecord`` as a DynamoDB item (with its index keys and
TTL) and back, and the one exception every conditional write raises when its condition fails.

Brands are matched case-insensitively: the index key attributes (``brand``, ``brand_status``,
``brand_priority``) hold the case-folded brand (``brand_key``), and ``brand_name`` holds the
name as configured ("Acme"), which is what a record shows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from heard.models import MentionRecord

FEED = "mention"
DEFAULT_RETENTION_DAYS = 365


def to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(round(value, 6)))
    if isinstance(value, dict):
        return {k: to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [to_dynamo(v) for v in value]
    return value


def from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_dynamo(v) for v in value]
    return value


def brand_key(brand: str, *parts: str) -> str:
    """An index key for a brand: ``brand_key("Acme", "new") == "acme#new"``."""
    return "#".join([brand.casefold(), *parts])


def author_key(record: MentionRecord) -> str | None:
    """Who a conversation is with: brand, platform and the author's id (or handle)."""
    author = record.mention.author
    who = author.id or author.handle
    if not who:
        return None
    return brand_key(record.brand, record.mention.platform.value, who.casefold())


INDEX_ATTRIBUTES = (
    "feed",
    "sort_key",
    "brand_status",
    "brand_priority",
    "priority",
    "open_author",
    "sla_shard",
    "sla_when",
)
# The one partition of the BySlaDue index: open cases whose SLA next needs a look, by when.
SLA_SHARD = "due"


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


class MentionTable:
    """One DynamoDB table of mentions. ``table`` is a boto3 ``Table`` resource."""

    def __init__(self, table: Any, *, retention_days: int = DEFAULT_RETENTION_DAYS):
        self.table = table
        self.retention = timedelta(days=retention_days)
        self.conflict: type[Exception] = (
            table.meta.client.exceptions.ConditionalCheckFailedException
        )

    def item_for(self, record: MentionRecord) -> dict[str, Any]:
        """The item for a record: its attributes, index keys and retention TTL.

        Only a case carries the listing indexes' keys: a follow-up that joined a case is read
        through its case, never listed on its own. An open case also carries ``open_author``,
        the key a later message from the same author finds it by.
        """
        data = record.model_dump(mode="json")
        data.update(
            pk=record.id,
            brand_name=record.brand,
            alert_claimed_at=iso(record.alert_claimed_at) if record.alert_claimed_at else None,
            expires_at=self.expires_at(record.received_at),
            brand=brand_key(record.brand),
        )
        data.update(self.index_keys(record))
        return to_dynamo(data)

    @staticmethod
    def index_keys(record: MentionRecord) -> dict[str, str]:
        """The index attributes a record carries (none for a follow-up)."""
        if not record.is_case:
            return {}
        keys = {
            "feed": FEED,
            "sort_key": f"{iso(record.mention.created_at)}#{record.id}",
            "brand_status": brand_key(record.brand, record.status.value),
            "brand_priority": brand_key(record.brand, record.priority.value),
            "priority": record.priority.value,
        }
        author = author_key(record)
        if record.status.open and author is not None:
            keys["open_author"] = author
        if record.status.open and record.sla_due is not None:
            keys["sla_shard"] = SLA_SHARD
            keys["sla_when"] = f"{iso(record.sla_due)}#{record.id}"
        return keys

    def expires_at(self, start: datetime) -> int:
        return int((start + self.retention).timestamp())

    def record(self, item: dict[str, Any]) -> MentionRecord:
        data = from_dynamo(item)
        if "brand_name" in data:  # items written before brands were folded have none
            data["brand"] = data["brand_name"]
        return MentionRecord.model_validate(data)
