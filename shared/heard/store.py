"""DynamoDB access for mentions: each mention stored exactly once, and the inbox queries.

Table design (one item per mention, ``pk`` = ``Mention.key`` such as ``x:1849``):

| access pattern                                   | how                                          |
|--------------------------------------------------|----------------------------------------------|
| store a mention once, whatever the retries       | PutItem with ``attribute_not_exists(pk)``    |
| get one mention                                  | GetItem ``pk``                               |
| a brand's mentions, newest first                 | GSI ``ByBrand``: brand, sort_key desc        |
| a brand's mentions in a status, newest first     | GSI ``ByBrandStatus``: "Acme#new", sort_key  |
| a brand's mentions by priority, newest first     | GSI ``ByBrandPriority``: "Acme#critical"     |
| every brand, newest first                        | GSI ``Feed``: feed = "mention", sort_key     |
| forget old mentions                              | TTL on ``expires_at`` (``RETENTION_DAYS``)   |

``sort_key`` is ``<created_at ISO>#<pk>`` so ties never collide. A removal that arrives before
its mention leaves a tombstone (no index attributes), and the late mention is then refused.
The one-partition ``Feed`` index suits one company's mention volume (well under 1,000 writes a
second); shard its key by day if that ever changes.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from heard.models import AlertState, MentionRecord, Priority, Status, mention_key, utcnow

FEED = "mention"
DEFAULT_RETENTION_DAYS = 365
# How long an alert claim protects an invocation that may still be publishing. Longer than the
# triage function's timeout (a live invocation cannot hold it longer), shorter than the ingest
# queue's visibility timeout (so the first redelivery after a crash can take it over).
# tests/unit/test_template.py checks both against template.yaml.
CLAIM_TIMEOUT = timedelta(seconds=45)


class CursorError(ValueError):
    """A pagination cursor that this API did not issue."""


class NotFound(LookupError):
    pass


@dataclass(frozen=True)
class Page:
    items: list[MentionRecord]
    cursor: str | None


def _to_dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(round(value, 6)))
    if isinstance(value, dict):
        return {k: _to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_to_dynamo(v) for v in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(v) for v in value]
    return value


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


def encode_cursor(query: str, key: dict[str, Any]) -> str:
    """An opaque cursor: the last key read, bound to the query (index and partition) it ends."""
    data = {"q": query, "k": _from_dynamo(key)}
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, query: str) -> dict[str, Any]:
    """The start key for ``query``; a cursor from another query or filter is refused."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise CursorError("cursor is not one this API issued") from exc
    key = data.get("k") if isinstance(data, dict) else None
    if not isinstance(key, dict) or not all(isinstance(v, str) for v in key.values()):
        raise CursorError("cursor is not one this API issued")
    if data.get("q") != query:
        raise CursorError("cursor belongs to a listing with other filters")
    return key


class MentionStore:
    """Mentions in one DynamoDB table. ``table`` is a boto3 ``Table`` resource."""

    def __init__(self, table: Any, *, retention_days: int = DEFAULT_RETENTION_DAYS):
        self._table = table
        self._retention = timedelta(days=retention_days)

    # --- writes ---------------------------------------------------------------------------

    def item_for(self, record: MentionRecord) -> dict[str, Any]:
        data = record.model_dump(mode="json")
        created = _iso(record.mention.created_at)
        data.update(
            pk=record.id,
            feed=FEED,
            sort_key=f"{created}#{record.id}",
            brand_status=f"{record.brand}#{record.status.value}",
            brand_priority=f"{record.brand}#{record.triage.priority.value}",
            priority=record.triage.priority.value,
            alert_claimed_at=_iso(record.alert_claimed_at) if record.alert_claimed_at else None,
            expires_at=int((record.received_at + self._retention).timestamp()),
        )
        return _to_dynamo(data)

    def put_new(self, record: MentionRecord) -> bool:
        """Store the record unless one with its key exists. True when this call stored it."""
        try:
            self._table.put_item(
                Item=self.item_for(record), ConditionExpression="attribute_not_exists(pk)"
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def mark_deleted(self, platform: str, native_id: str, when: datetime) -> bool:
        """Mark a mention removed on its platform. True if a stored mention was marked.

        A removal that arrives first leaves a tombstone so the late mention is not stored.
        """
        key = mention_key(platform, native_id)
        conflict = self._table.meta.client.exceptions.ConditionalCheckFailedException
        for _ in range(2):  # the mention may land between the two writes: then mark it
            try:
                self._table.update_item(
                    Key={"pk": key},
                    UpdateExpression="SET deleted = :t, deleted_at = :w",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues={":t": True, ":w": _iso(when)},
                )
                return True
            except conflict:
                pass
            try:
                self._table.put_item(
                    Item={
                        "pk": key,
                        "id": key,
                        "tombstone": True,
                        "deleted": True,
                        "deleted_at": _iso(when),
                        "expires_at": int((when + self._retention).timestamp()),
                    },
                    ConditionExpression="attribute_not_exists(pk)",
                )
                return False
            except conflict:
                continue
        raise RuntimeError(f"could not record the removal of {key}")

    def claim_alert(self, key: str, now: datetime | None = None) -> bool:
        """Take over publishing an alert whose first claim was never completed.

        The invocation that stores an alert-worthy mention claims its alert in the same put
        (``alert_state = publishing``). If it dies before marking the alert sent, a later
        delivery of the same mention may take the claim once it is ``CLAIM_TIMEOUT`` old: an
        alert is delayed by a crash, never lost, and concurrent duplicates never both publish.
        """
        now = now or utcnow()
        try:
            self._table.update_item(
                Key={"pk": key},
                UpdateExpression="SET alert_state = :publishing, alert_claimed_at = :now",
                ConditionExpression="alert_state = :publishing AND alert_claimed_at < :stale",
                ExpressionAttributeValues={
                    ":publishing": AlertState.PUBLISHING.value,
                    ":now": _iso(now),
                    ":stale": _iso(now - CLAIM_TIMEOUT),
                },
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def apply_edit(self, record: MentionRecord, alert: bool) -> bool:
        """Replace a stored mention's text and triage with an edited version's.

        With ``alert``, also claim its alert if it never had one (``alert_state = none``).
        Returns True when this call claimed the alert. A deleted mention is left alone.
        """
        item = self.item_for(record)
        values: dict[str, Any] = {
            ":mention": item["mention"],
            ":triage": item["triage"],
            ":bp": item["brand_priority"],
            ":priority": item["priority"],
            ":now": _iso(utcnow()),
            ":false": False,
        }
        update = (
            "SET mention = :mention, triage = :triage, brand_priority = :bp, "
            "priority = :priority, edited_at = :now"
        )
        condition = "attribute_exists(pk) AND deleted = :false"
        if alert:
            try:
                self._table.update_item(
                    Key={"pk": record.id},
                    UpdateExpression=update
                    + ", alert_state = :publishing, alert_claimed_at = :now",
                    ConditionExpression=condition + " AND alert_state = :none",
                    ExpressionAttributeValues={
                        **values,
                        ":publishing": AlertState.PUBLISHING.value,
                        ":none": AlertState.NONE.value,
                    },
                )
                return True
            except self._table.meta.client.exceptions.ConditionalCheckFailedException:
                pass  # alerted before, or deleted: just record the edit
        with contextlib.suppress(
            self._table.meta.client.exceptions.ConditionalCheckFailedException
        ):
            self._table.update_item(  # a mention deleted meanwhile stays as it is
                Key={"pk": record.id},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        return False

    def release_claim(self, key: str) -> None:
        """Give up a claim after a failed publish, so the redelivery can take it at once."""
        self._table.update_item(
            Key={"pk": key},
            UpdateExpression="SET alert_claimed_at = :released",
            ConditionExpression="alert_state = :publishing",
            ExpressionAttributeValues={
                ":released": _iso(datetime(1970, 1, 1, tzinfo=UTC)),
                ":publishing": AlertState.PUBLISHING.value,
            },
        )

    def mark_alerted(self, key: str, now: datetime | None = None) -> None:
        self._table.update_item(
            Key={"pk": key},
            UpdateExpression="SET alert_state = :sent, alerted_at = :now",
            ExpressionAttributeValues={
                ":sent": AlertState.SENT.value,
                ":now": _iso(now or utcnow()),
            },
        )

    def mark_escalated(self, key: str, now: datetime | None = None) -> bool:
        """Record an SLA escalation once. False if it was escalated or handled meanwhile."""
        try:
            self._table.update_item(
                Key={"pk": key},
                UpdateExpression="SET escalated_at = :now",
                ConditionExpression="attribute_not_exists(escalated_at) AND #s = :new",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":now": _iso(now or utcnow()), ":new": Status.NEW.value},
            )
        except self._table.meta.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    # --- reads ----------------------------------------------------------------------------

    def overdue(
        self, brand: str, priority: Priority, *, alerted_before: datetime, limit: int = 100
    ) -> list[MentionRecord]:
        """Alerted mentions of one brand and priority, still new, not yet escalated, whose
        alert went out before ``alerted_before``. Reads the (small) ByBrandPriority partition."""
        kwargs: dict[str, Any] = {
            "IndexName": "ByBrandPriority",
            "KeyConditionExpression": "brand_priority = :bp",
            "FilterExpression": (
                "#s = :new AND alert_state = :sent AND alerted_at < :cutoff "
                "AND attribute_not_exists(escalated_at) AND deleted = :false"
            ),
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {
                ":bp": f"{brand}#{priority.value}",
                ":new": Status.NEW.value,
                ":sent": AlertState.SENT.value,
                ":cutoff": _iso(alerted_before),
                ":false": False,
            },
            "ScanIndexForward": False,
        }
        found: list[MentionRecord] = []
        while len(found) < limit:
            response = self._table.query(**kwargs)
            found += [self._record(i) for i in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found[:limit]

    def _record(self, item: dict[str, Any]) -> MentionRecord:
        return MentionRecord.model_validate(_from_dynamo(item))

    def get_any(self, key: str) -> MentionRecord | None:
        """The stored record, or None when absent or only a tombstone (read consistently)."""
        item = self._table.get_item(Key={"pk": key}, ConsistentRead=True).get("Item")
        if not item or item.get("tombstone"):
            return None
        return self._record(item)

    def get(self, key: str) -> MentionRecord:
        record = self.get_any(key)
        if record is None:
            raise NotFound(key)
        return record

    def list(
        self,
        *,
        brand: str | None = None,
        status: Status | None = None,
        priority: Priority | None = None,
        limit: int = 25,
        cursor: str | None = None,
    ) -> Page:
        """Newest first, ``limit`` at a time; ``cursor`` continues a previous page."""
        if brand and status:
            index, name, value = "ByBrandStatus", "brand_status", f"{brand}#{status.value}"
        elif brand and priority:
            index, name, value = "ByBrandPriority", "brand_priority", f"{brand}#{priority.value}"
        elif brand:
            index, name, value = "ByBrand", "brand", brand
        else:
            index, name, value = "Feed", "feed", FEED
        condition = "#k = :v"
        values: dict[str, Any] = {":v": value}
        filters, names = [], {"#k": name}
        if status and index not in ("ByBrandStatus",):
            filters.append("#st = :st")
            names["#st"] = "status"
            values[":st"] = status.value
        if priority and index != "ByBrandPriority":
            filters.append("priority = :pr")
            values[":pr"] = priority.value
        kwargs: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if filters:
            kwargs["FilterExpression"] = " AND ".join(filters)
        query = f"{index}:{value}"
        if cursor:
            kwargs["ExclusiveStartKey"] = decode_cursor(cursor, query)
        items: list[MentionRecord] = []
        while True:
            response = self._table.query(**kwargs)
            items += [self._record(i) for i in response.get("Items", [])]
            last = response.get("LastEvaluatedKey")
            if not last or len(items) >= limit:
                break
            kwargs["ExclusiveStartKey"] = last
            kwargs["Limit"] = limit - len(items)
        return Page(items=items[:limit], cursor=encode_cursor(query, last) if last else None)
