"""Mentions: each stored exactly once, read back, removed, edited, and listed for the inbox.

| access pattern                                   | how                                          |
|--------------------------------------------------|----------------------------------------------|
| store a mention once, whatever the retries       | PutItem with ``attribute_not_exists(pk)``    |
| get one mention                                  | GetItem ``pk``                               |
| a brand's mentions, newest first                 | GSI ``ByBrand``: brand, sort_key desc        |
| a brand's open cases in a status, newest first   | GSI ``ByBrandStatus`` (sparse): "acme#new"   |
| a brand's cases by priority or closed status     | ``ByBrand`` with a filter on its summary     |
| every brand, newest first                        | GSI ``Feed``: feed = "mention", sort_key     |
| a brand's (every brand's) cases created in a     | ``ByBrand`` (``Feed``) sort_key BETWEEN, the |
| window, for /stats                               | summary projected: no item reads             |
| forget old mentions                              | TTL on ``expires_at`` (``RETENTION_DAYS``)   |

``sort_key`` is ``<created_at ISO>#<pk>`` so ties never collide. The index keys hold the
case-folded brand, so ``?brand=acme`` finds Acme's mentions; ``brand_name`` keeps "Acme".
A removal that arrives before its mention leaves a tombstone (no index attributes), and the
late mention is then refused. Every change to what a mention says or where it stands (a
removal, an edit, and the case workflow to come) increments the record's ``version`` (1 when
stored), ready for optimistic concurrency: a write conditioned on the version it read fails if
any of that changed meanwhile. The alert bookkeeping in ``claims`` leaves it alone, so a
person's update is never refused because an alert went out in between.
The one-partition ``Feed`` index suits one company's mention volume (well under 1,000 writes a
second); shard its key by day if that ever changes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from heard.models import (
    AlertState,
    CaseSummary,
    MentionRecord,
    Priority,
    Status,
    mention_key,
    utcnow,
)
from heard.store.cursors import Listing, decode_cursor, encode_cursor
from heard.store.table import FEED, SLA_SHARD, MentionTable, author_key, brand_key, iso

# Every update expression here sets this (with ``":one": 1``): the version counts the changes.
# ``if_not_exists`` counts items stored before records had a version as version 1.
BUMP_VERSION = "version = if_not_exists(version, :one) + :one"


# What save_case never rewrites: the key, and what only the put and the alert claims write.
_FIXED = frozenset({"pk", "id", "expires_at", "alert_state", "alert_claimed_at", "alerted_at"})


class NotFound(LookupError):
    pass


class VersionConflict(RuntimeError):
    """The case changed since it was read: ``expected`` is the version read, ``current`` the
    version stored now."""

    def __init__(self, key: str, expected: int, current: int):
        super().__init__(f"{key} is at version {current}, not {expected}")
        self.key, self.expected, self.current = key, expected, current


@dataclass(frozen=True)
class Page:
    items: list[MentionRecord]
    cursor: str | None


class MentionStore:
    """Mentions stored once, read back, removed, edited and listed for the inbox."""

    def __init__(self, table: MentionTable):
        self._t = table
        self._table = table.table

    # --- writes ---------------------------------------------------------------------------

    def put_new(self, record: MentionRecord) -> bool:
        """Store the record unless one with its key exists. True when this call stored it."""
        try:
            self._table.put_item(
                Item=self._t.item_for(record), ConditionExpression="attribute_not_exists(pk)"
            )
        except self._t.conflict:
            return False
        return True

    def mark_deleted(self, platform: str, native_id: str, when: datetime) -> bool:
        """Mark a mention removed on its platform. True if a stored mention was marked.

        A removal that arrives first leaves a tombstone so the late mention is not stored.
        """
        key = mention_key(platform, native_id)
        conflict = self._t.conflict
        for _ in range(2):  # the mention may land between the two writes: then mark it
            try:
                self._table.update_item(
                    Key={"pk": key},
                    UpdateExpression=f"SET deleted = :t, deleted_at = :w, {BUMP_VERSION}",
                    ConditionExpression="attribute_exists(pk)",
                    ExpressionAttributeValues={":t": True, ":w": iso(when), ":one": 1},
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
                        "deleted_at": iso(when),
                        "expires_at": self._t.expires_at(when),
                    },
                    ConditionExpression="attribute_not_exists(pk)",
                )
                return False
            except conflict:
                continue
        raise RuntimeError(f"could not record the removal of {key}")

    def apply_edit(self, record: MentionRecord, alert: bool) -> bool:
        """Replace a stored mention's text and triage with an edited version's.

        With ``alert``, also claim its alert if it never had one (``alert_state = none``).
        Returns True when this call claimed the alert. A deleted mention is left alone.
        """
        item = self._t.item_for(record)
        values: dict[str, Any] = {
            ":mention": item["mention"],
            ":triage": item["triage"],
            ":priority": item["priority"],
            ":now": iso(utcnow()),
            ":false": False,
            ":one": 1,
        }
        update = (
            "SET mention = :mention, triage = :triage, "
            f"priority = :priority, edited_at = :now, {BUMP_VERSION}"
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
            except self._t.conflict:
                pass  # alerted before, or deleted: just record the edit
        with contextlib.suppress(self._t.conflict):
            self._table.update_item(  # a mention deleted meanwhile stays as it is
                Key={"pk": record.id},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        return False

    def save_case(self, old: MentionRecord, new: MentionRecord) -> MentionRecord:
        """Write a case's changes, if nobody changed it since ``old`` was read.

        ``new`` is ``old`` with the workflow's changes applied. Only the attributes that differ
        are written, with the index keys that follow from them (an index key that no longer
        applies is removed) and ``version`` one higher. Raises ``VersionConflict`` when the
        stored version moved on, ``NotFound`` when the case is gone. Returns what was stored.
        """
        before, after = self._t.item_for(old), self._t.item_for(new)
        sets = {k: v for k, v in after.items() if k not in _FIXED and before.get(k) != v}
        removes = [k for k in before if k not in after and k not in _FIXED]
        names: dict[str, str] = {"#version": "version"}
        values: dict[str, Any] = {":next": old.version + 1}
        parts = []
        for i, (attribute, value) in enumerate(sorted(sets.items())):
            names[f"#a{i}"] = attribute
            values[f":a{i}"] = value
            parts.append(f"#a{i} = :a{i}")
        update = "SET " + ", ".join([*parts, "#version = :next"])
        if removes:
            for i, attribute in enumerate(sorted(removes)):
                names[f"#r{i}"] = attribute
            update += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(removes)))
        if old.version == 1:  # items stored before records had a version count as 1
            condition = "attribute_exists(pk) AND (#version = :v OR attribute_not_exists(#version))"
        else:
            condition = "attribute_exists(pk) AND #version = :v"
        values[":v"] = old.version
        try:
            self._table.update_item(
                Key={"pk": old.id},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except self._t.conflict:
            current = self.get_any(old.id)
            if current is None:
                raise NotFound(old.id) from None
            raise VersionConflict(old.id, old.version, current.version) from None
        return new.model_copy(update={"version": old.version + 1})

    # --- reads ----------------------------------------------------------------------------

    def find_open_case(self, record: MentionRecord) -> str | None:
        """The open case of the conversation ``record`` belongs to (same brand, platform and
        author), newest first; None when there is none or the author is unknown."""
        key = author_key(record)
        if key is None:
            return None
        response = self._table.query(
            IndexName="ByOpenAuthor",
            KeyConditionExpression="open_author = :a",
            ExpressionAttributeValues={":a": key},
            ScanIndexForward=False,
            Limit=1,
        )
        items = response.get("Items", [])
        return str(items[0]["pk"]) if items else None

    def sla_due(self, now: datetime, limit: int = 500) -> list[str]:
        """Keys of the open cases whose SLA needs a look by ``now``, most overdue first: one
        query of the sparse ``BySlaDue`` index, which costs next to nothing when none is due."""
        kwargs: dict[str, Any] = {
            "IndexName": "BySlaDue",
            "KeyConditionExpression": "sla_shard = :s AND sla_when <= :now",
            "ExpressionAttributeValues": {":s": SLA_SHARD, ":now": f"{iso(now)}#~"},
            "Limit": limit,
        }
        keys: list[str] = []
        while len(keys) < limit:
            response = self._table.query(**kwargs)
            keys += [str(item["pk"]) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return keys[:limit]

    def get_many(self, keys: list[str]) -> list[MentionRecord]:
        """The records of ``keys`` that exist, in the order given (a case's few follow-ups)."""
        found = (self.get_any(key) for key in keys)
        return [record for record in found if record is not None]

    def get_any(self, key: str) -> MentionRecord | None:
        """The stored record, or None when absent or only a tombstone (read consistently)."""
        item = self._table.get_item(Key={"pk": key}, ConsistentRead=True).get("Item")
        if not item or item.get("tombstone"):
            return None
        return self._t.record(item)

    def get(self, key: str) -> MentionRecord:
        record = self.get_any(key)
        if record is None:
            raise NotFound(key)
        return record

    def created_between(
        self, start: datetime, end: datetime, *, brand: str | None = None
    ) -> Iterator[CaseSummary]:
        """The cases created in ``[start, end)``, oldest first, as ``ByBrand`` (``brand``, in
        any case) or ``Feed`` (every brand) project them: every page, no item read."""
        if brand:
            index, name, value = "ByBrand", "brand", brand_key(brand)
        else:
            index, name, value = "Feed", "feed", FEED
        # sort_key is "<created_at ISO>#<pk>": "<start ISO>" sorts before every key created at
        # start or later, "<end ISO>" after every key created before end and before end's own.
        kwargs: dict[str, Any] = {
            "IndexName": index,
            "KeyConditionExpression": "#k = :v AND sort_key BETWEEN :start AND :end",
            "ExpressionAttributeNames": {"#k": name},
            "ExpressionAttributeValues": {":v": value, ":start": iso(start), ":end": iso(end)},
        }
        while True:
            response = self._table.query(**kwargs)
            for entry in response.get("Items", []):
                yield self._t.summary(entry)
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            kwargs["ExclusiveStartKey"] = last

    def list(
        self,
        *,
        brand: str | None = None,
        status: Status | None = None,
        priority: Priority | None = None,
        limit: int = 25,
        cursor: str | None = None,
    ) -> Page:
        """Newest first, ``limit`` at a time; ``cursor`` continues a previous page.

        ``brand`` matches case-insensitively. A cursor is accepted only by the listing that
        issued it (same index, same filters); anything else raises ``CursorError``.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        listing = Listing.of(brand, status, priority)
        values: dict[str, Any] = {":v": listing.hash_value}
        filters, names = [], {"#k": listing.hash_attribute}
        if status and listing.index != "ByBrandStatus":
            filters.append("#st = :st")
            names["#st"] = "status"
            values[":st"] = status.value
        if priority and listing.index != "ByBrandPriority":
            filters.append("priority = :pr")
            values[":pr"] = priority.value
        kwargs: dict[str, Any] = {
            "IndexName": listing.index,
            "KeyConditionExpression": "#k = :v",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if filters:
            kwargs["FilterExpression"] = " AND ".join(filters)
        if cursor:
            kwargs["ExclusiveStartKey"] = decode_cursor(cursor, listing)
        items: list[MentionRecord] = []
        while True:
            response = self._table.query(**kwargs)
            items += self._t.records(response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if not last or len(items) >= limit:
                break
            kwargs["ExclusiveStartKey"] = last
            kwargs["Limit"] = limit - len(items)
        return Page(items=items[:limit], cursor=encode_cursor(listing, last) if last else None)
