"""The mentions table's codec: a ``MentionRecord`` as a DynamoDB item (with its index keys and
TTL) and back, and the one exception every conditional write raises when its condition fails.

Brands are matched case-insensitively: the index key attributes (``brand``, ``brand_status``)
hold the case-folded brand (``brand_key``), and ``brand_name`` holds the name as configured
("Acme"), which is what a record shows.

No index projects the whole item (each projected attribute is written again to its index):
``SUMMARY`` is what ``Feed`` holds besides its keys, enough to filter a
listing and to count /stats; a listing reads its page's full items by key (``fetch``).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from heard.models import CaseSummary, MentionRecord

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
    "priority",
    "open_author",
    "sla_shard",
    "sla_when",
)
# The one partition of the BySlaDue index: open cases whose SLA next needs a look, by when.
SLA_SHARD = "due"

# What Feed projects besides its keys (template.yaml says the same; a test checks).
SUMMARY = (
    "brand",
    "brand_name",
    "received_at",
    "status",
    "priority",
    "triage",
    "assignee",
    "acknowledged_at",
    "first_response_at",
    "resolved_at",
    "sla_events",
)
# What the sparse ByBrandStatus projects: what the inbox's filters and its sla order read of an
# open case (the clocks start at ``received_at``).
CASE_FILTERS = (
    "priority",
    "brand_name",
    "triage",
    "assignee",
    "received_at",
    "acknowledged_at",
    "first_response_at",
    "sla_events",
)
# BatchGetItem takes at most this many keys a call.
BATCH_GET_LIMIT = 100


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def sort_key(record: MentionRecord) -> str:
    """``<created_at ISO>#<pk>``: newest first on every index, ties never collide."""
    return f"{iso(record.mention.created_at)}#{record.id}"


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
            # What was said and what triage decided, without the values the models default to
            # (read back as the same defaults): most items then fit one write unit.
            mention=record.mention.model_dump(mode="json", exclude_defaults=True),
            triage=record.triage.model_dump(mode="json", exclude_defaults=True),
            brand_name=record.brand,
            alert_claimed_at=iso(record.alert_claimed_at) if record.alert_claimed_at else None,
            expires_at=self.expires_at(record.received_at),
            brand=brand_key(record.brand),
        )
        data.update(self.index_keys(record))
        # Every byte is paid for on each write (a write unit per KB): empty lists and maps are
        # left out too (the model reads them back as empty), and so is ``id``, which is ``pk``.
        del data["id"]
        return to_dynamo({k: v for k, v in data.items() if v != [] and v != {}})

    @staticmethod
    def index_keys(record: MentionRecord) -> dict[str, str]:
        """The index attributes a record carries (none for a follow-up). Only an open case
        carries ``brand_status`` and ``open_author``: the case indexes are sparse."""
        if not record.is_case:
            return {}
        keys = {
            "feed": FEED,
            "sort_key": sort_key(record),
            "priority": record.priority.value,
        }
        if record.status.open:
            keys["brand_status"] = brand_key(record.brand, record.status.value)
            author = author_key(record)
            if author is not None:
                keys["open_author"] = author
            if record.sla_due is not None:
                keys["sla_shard"] = SLA_SHARD
                keys["sla_when"] = f"{iso(record.sla_due)}#{record.id}"
        return keys

    def expires_at(self, start: datetime) -> int:
        return int((start + self.retention).timestamp())

    def fetch(self, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The items of ``keys`` that exist, by key (BatchGetItem, 100 keys a call; what
        DynamoDB leaves unprocessed is asked again)."""
        found: dict[str, dict[str, Any]] = {}
        client, name = self.table.meta.client, self.table.name
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                name: {"Keys": [{"pk": k} for k in unique[start : start + BATCH_GET_LIMIT]]}
            }
            for attempt in range(10):
                response = client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(name, []):
                    found[item["pk"]] = item
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(min(0.05 * 2**attempt, 1.0))
            else:
                raise RuntimeError(f"DynamoDB left keys of {name} unread after 10 tries")
        return found

    def records(self, entries: list[dict[str, Any]]) -> list[MentionRecord]:
        """The full records of an index page's entries, in the page's order; an entry whose
        item is gone meanwhile (TTL) or is a tombstone is left out."""
        items = self.fetch([str(e["pk"]) for e in entries])
        kept = (items.get(str(e["pk"])) for e in entries)
        return [self.record(i) for i in kept if i is not None and not i.get("tombstone")]

    def summary(self, entry: dict[str, Any]) -> CaseSummary:
        """A case as ``ByBrand``, ``Feed`` or ``ByBrandStatus`` projects it: the summary, the
        platform from its key (``x:1849``), the creation time from ``sort_key`` and, on
        ``ByBrandStatus``, the status from its key (``acme#new``)."""
        data = from_dynamo(entry)
        triage = data.get("triage") or {}
        status = data.get("status") or str(data.get("brand_status", "")).rpartition("#")[2]
        return CaseSummary.model_validate(
            {
                **data,
                "id": data["pk"],
                "status": status,
                "brand": data.get("brand_name") or data.get("brand"),
                "platform": str(data["pk"]).partition(":")[0],
                "created_at": str(data["sort_key"]).rpartition("#" + str(data["pk"]))[0],
                "sentiment": triage.get("sentiment"),
                "complaint": triage.get("complaint", False),
                "intents": triage.get("intents", []),
            }
        )

    def record(self, item: dict[str, Any]) -> MentionRecord:
        data = from_dynamo(item)
        data.setdefault("id", data.get("pk"))
        if "brand_name" in data:  # items written before brands were folded have none
            data["brand"] = data["brand_name"]
        return MentionRecord.model_validate(data)
