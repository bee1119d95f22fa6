"""Mentions: each stored exactly once, read back, removed, edited, and listed for the inbox.

| access pattern                                   | how                                          |
|--------------------------------------------------|----------------------------------------------|
| store a mention once, whatever the retries       | PutItem with ``attribute_not_exists(pk)``    |
| get one mention                                  | GetItem ``pk``                               |
| every case, newest first                         | GSI ``Feed``: feed = "mention", sort_key     |
| a brand's cases, by priority, closed status, ... | ``Feed`` with a filter on its summary        |
| a brand's open cases in a status, newest first   | GSI ``ByBrandStatus`` (sparse): "acme#new"   |
| the open case of a conversation                  | GSI ``ByOpenAuthor`` (sparse, keys only)     |
| the cases whose SLA needs a look                 | GSI ``BySlaDue`` (sparse, keys only)         |
| cases created in a window, for /stats            | ``Feed`` sort_key BETWEEN, the summary       |
|                                                  | projected: no item reads                     |
| a brand's open cases now, for the digest         | ``ByBrandStatus``, one query per open status |
| a window's authors and texts, for the digest     | BatchGetItem of the window's case keys,      |
|                                                  | at most ``heard.digest.MAX_RECORDS``         |
| forget old mentions                              | TTL on ``expires_at`` (``RETENTION_DAYS``)   |

``sort_key`` is ``<created_at ISO>#<pk>`` so ties never collide. ``brand`` holds the
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
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from heard.models import (
    AlertState,
    CaseSummary,
    MentionRecord,
    Priority,
    Status,
    mention_key,
    utcnow,
)
from heard.store.cursors import (
    OPEN_STATUSES,
    UNASSIGNED,
    Filters,
    Listing,
    Sort,
    decode_cursor,
    encode_cursor,
)
from heard.store.table import FEED, SLA_SHARD, MentionTable, author_key, brand_key, iso

# Every update expression here sets this (with ``":one": 1``): the version counts the changes.
# ``if_not_exists`` counts items stored before records had a version as version 1.
BUMP_VERSION = "version = if_not_exists(version, :one) + :one"


# A crisis report's sample: Feed entries evaluated at most, and full items read.
SAMPLE_SCAN = 1000
SAMPLE_FETCH = 100
# Tries of a counted put that meets concurrent transactions on its bucket's counter.
TRANSACT_ATTEMPTS = 6


class CountWriter(Protocol):
    """What counts a stored mention (``heard.store.signals.SignalsTable``): the ``Update`` of
    a TransactWriteItems that adds the mention to its bucket."""

    def count_update(self, record: MentionRecord) -> dict[str, Any]: ...


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


# A newest-first page reads at most this many index pages, each evaluating at most
# FILTERED_SCAN entries (or the page's limit, if larger) when a filter expression applies.
MAX_QUERIES = 5
FILTERED_SCAN = 200
# The first escalation level of a clock, as the escalation run records it in ``sla_events``.
BREACHES = ("first_response:level0", "resolution:level0")


@dataclass(frozen=True)
class SlaOrder:
    """What the sla order needs from the caller: the brands to read when the listing names
    none, and each open case's first running deadline (None: no clock with a deadline runs),
    computed with its brand's policy."""

    brands: Sequence[str]
    deadline: Callable[[CaseSummary], datetime | None]


@dataclass(frozen=True)
class Expression:
    text: str = ""
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


def filter_expression(listing: Listing) -> Expression:
    """The FilterExpression for the listing's filters the index key does not apply, over the
    attributes every listing index projects (``table.SUMMARY``, ``table.CASE_FILTERS``)."""
    f = listing.filters
    parts: list[str] = []
    names: dict[str, str] = {}
    values: dict[str, Any] = {}

    def one_of(attribute: str, name: str, options: Sequence[str]) -> str:
        names[f"#{name}"] = attribute
        placeholders = []
        for i, option in enumerate(sorted(options)):
            values[f":{name}{i}"] = option
            placeholders.append(f":{name}{i}")
        return f"#{name} IN ({', '.join(placeholders)})"

    if f.brand and listing.index == "Feed":
        names["#br"] = "brand"
        values[":br"] = brand_key(f.brand)
        parts.append("#br = :br")
    if f.statuses and listing.index != "ByBrandStatus":
        parts.append(one_of("status", "st", [s.value for s in f.statuses]))
    if f.priorities:
        parts.append(one_of("priority", "pr", [p.value for p in f.priorities]))
    if f.platform:
        parts.append("begins_with(pk, :pf)")
        values[":pf"] = f"{f.platform.value}:"
    if f.intent:
        names["#tr"] = "triage"
        parts.append("contains(#tr.intents, :in)")
        values[":in"] = f.intent.value
    if f.assignee == UNASSIGNED:
        parts.append("attribute_not_exists(assignee)")
    elif f.assignee:
        parts.append("assignee = :as")
        values[":as"] = f.assignee
    if f.overdue is not None:
        names["#ev"] = "sla_events"
        values[":fb"], values[":rb"] = BREACHES
        breach = (
            "((contains(#ev, :fb) AND attribute_not_exists(first_response_at))"
            " OR contains(#ev, :rb))"
        )
        if listing.index != "ByBrandStatus":  # that index holds open cases only
            breach = f"({one_of('status', 'op', [s.value for s in OPEN_STATUSES])} AND {breach})"
        parts.append(breach if f.overdue else f"NOT {breach}")
    return Expression(" AND ".join(parts), names, values)


def _key_condition(
    listing: Listing, partition: str | None = None
) -> tuple[str, dict[str, str], dict[str, Any]]:
    text = "#k = :v"
    values: dict[str, Any] = {":v": partition or listing.hash_value}
    if listing.filters.since is not None:
        # sort_key is "<created_at ISO>#<pk>": every key created at ``since`` or later sorts
        # at or after "<since ISO>".
        text += " AND sort_key >= :since"
        values[":since"] = iso(listing.filters.since)
    return text, {"#k": listing.hash_attribute}, values


# The sla order's position of a case: no running deadline last, then by deadline, then oldest.
SlaPosition = tuple[bool, datetime, str]
_NEVER = datetime.max.replace(tzinfo=UTC)


def position_of(deadline: datetime | None, entry: dict[str, Any]) -> SlaPosition:
    return (deadline is None, deadline or _NEVER, str(entry["sort_key"]))


def sla_position(key: dict[str, Any]) -> SlaPosition:
    due = key["due"]
    return (not due, datetime.fromisoformat(due) if due else _NEVER, key["sort_key"])


def sla_page(
    listing: Listing,
    rows: list[tuple[SlaPosition, dict[str, Any]]],
    start: SlaPosition | None,
    limit: int,
    read: Callable[[list[dict[str, Any]]], list[MentionRecord]],
) -> Page:
    """One page of the sla order from every row of the listing, after ``start``."""
    rows.sort(key=lambda row: row[0])
    if start is not None:
        rows = [row for row in rows if row[0] > start]
    page, more = rows[:limit], len(rows) > limit
    cursor = None
    if more:
        (never, due, sort_key), entry = page[-1]
        key = {"due": "" if never else iso(due), "sort_key": sort_key, "pk": str(entry["pk"])}
        cursor = encode_cursor(listing, key)
    return Page(items=read([entry for _, entry in page]), cursor=cursor)


class MentionStore:
    """Mentions stored once, read back, removed, edited and listed for the inbox."""

    def __init__(self, table: MentionTable, counts: CountWriter | None = None):
        self._t = table
        self._table = table.table
        self._counts = counts

    # --- writes ---------------------------------------------------------------------------

    def put_new(self, record: MentionRecord) -> bool:
        """Store the record unless one with its key exists. True when this call stored it.

        With ``counts`` (the signals table), the same write counts the mention in its brand's
        5-minute bucket: one transaction of the conditional put and the counter's ADD, so a
        mention is counted exactly when it is stored, once, whatever the redeliveries and
        crashes. A transaction that meets a concurrent one on the counter is tried again.
        """
        if self._counts is None:
            try:
                self._table.put_item(
                    Item=self._t.item_for(record), ConditionExpression="attribute_not_exists(pk)"
                )
            except self._t.conflict:
                return False
            return True
        put = {
            "TableName": self._table.name,
            "Item": self._t.item_for(record),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        items = [{"Put": put}, {"Update": self._counts.count_update(record)}]
        client = self._table.meta.client  # a resource's client: plain values, as for the table
        for attempt in range(TRANSACT_ATTEMPTS):
            try:
                client.transact_write_items(TransactItems=items)
                return True
            except client.exceptions.TransactionCanceledException as e:
                reasons = [r.get("Code") for r in e.response.get("CancellationReasons", [])]
                if reasons[:1] == ["ConditionalCheckFailed"]:
                    return False
                if "TransactionConflict" not in reasons or attempt == TRANSACT_ATTEMPTS - 1:
                    raise
            time.sleep(random.uniform(0, 0.025 * 2**attempt))
        raise AssertionError("unreachable")

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
        """The cases created in ``[start, end)``, oldest first, as ``Feed`` projects them (a
        ``brand``'s, in any case, through a filter): every page, no item read."""
        # sort_key is "<created_at ISO>#<pk>": "<start ISO>" sorts before every key created at
        # start or later, "<end ISO>" after every key created before end and before end's own.
        kwargs: dict[str, Any] = {
            "IndexName": "Feed",
            "KeyConditionExpression": "#k = :v AND sort_key BETWEEN :start AND :end",
            "ExpressionAttributeNames": {"#k": "feed"},
            "ExpressionAttributeValues": {":v": FEED, ":start": iso(start), ":end": iso(end)},
        }
        if brand:
            kwargs["FilterExpression"] = "#br = :br"
            kwargs["ExpressionAttributeNames"]["#br"] = "brand"
            kwargs["ExpressionAttributeValues"][":br"] = brand_key(brand)
        while True:
            response = self._table.query(**kwargs)
            for entry in response.get("Items", []):
                yield self._t.summary(entry)
            last = response.get("LastEvaluatedKey")
            if not last:
                return
            kwargs["ExclusiveStartKey"] = last

    def sample(
        self,
        brand: str,
        start: datetime,
        end: datetime,
        *,
        scan: int = SAMPLE_SCAN,
        fetch: int = SAMPLE_FETCH,
    ) -> list[MentionRecord]:
        """A bounded sample of a brand's cases created in ``[start, end)``, for a crisis
        report: the newest ``scan`` entries of ``Feed`` in the window at most (its summary
        only), of which the ``fetch`` gravest (by priority, then newest) are read whole."""
        kwargs: dict[str, Any] = {
            "IndexName": "Feed",
            "KeyConditionExpression": "#k = :v AND sort_key BETWEEN :start AND :end",
            "FilterExpression": "#br = :br",
            "ExpressionAttributeNames": {"#k": "feed", "#br": "brand"},
            "ExpressionAttributeValues": {
                ":v": FEED,
                ":start": iso(start),
                ":end": iso(end),
                ":br": brand_key(brand),
            },
            "ScanIndexForward": False,
        }
        entries: list[dict[str, Any]] = []
        evaluated = 0
        while evaluated < scan:
            kwargs["Limit"] = scan - evaluated
            response = self._table.query(**kwargs)
            evaluated += int(response.get("ScannedCount", len(response.get("Items", []))))
            entries += response.get("Items", [])
            last = response.get("LastEvaluatedKey")
            if not last:
                break
            kwargs["ExclusiveStartKey"] = last
        rank = {p.value: i for i, p in enumerate(reversed(list(Priority)))}
        entries.sort(key=lambda e: rank.get(str(e.get("priority")), len(rank)))  # stable
        return self._t.records(entries[:fetch])

    def open_cases(self, brand: str) -> Iterator[CaseSummary]:
        """A brand's open cases now (new, acknowledged, replied), newest first per status, as
        ``ByBrandStatus`` projects them: one query per status, every page, no item read. Its
        cost follows the open backlog, not the history."""
        for status in OPEN_STATUSES:
            kwargs: dict[str, Any] = {
                "IndexName": "ByBrandStatus",
                "KeyConditionExpression": "#k = :v",
                "ExpressionAttributeNames": {"#k": "brand_status"},
                "ExpressionAttributeValues": {":v": brand_key(brand, status.value)},
                "ScanIndexForward": False,
            }
            while True:
                response = self._table.query(**kwargs)
                for entry in response.get("Items", []):
                    yield self._t.summary(entry)
                last = response.get("LastEvaluatedKey")
                if not last:
                    break
                kwargs["ExclusiveStartKey"] = last

    def records_of(self, keys: list[str]) -> list[MentionRecord]:
        """The records of ``keys`` that exist, in the order given: BatchGetItem, 100 keys a
        call (eventually consistent; for reports, not for updates)."""
        return self._t.records([{"pk": key} for key in keys])

    def list(
        self,
        *,
        brand: str | None = None,
        status: Status | None = None,
        priority: Priority | None = None,
        limit: int = 25,
        cursor: str | None = None,
        filters: Filters | None = None,
        sla: SlaOrder | None = None,
    ) -> Page:
        """One page of an inbox listing, ``limit`` at most; ``cursor`` continues a previous page.

        ``filters`` (else ``brand``, ``status``, ``priority``) say what to list; ``brand``
        matches case-insensitively. A cursor is accepted only by the listing that issued it
        (same index, same filters, same sort); anything else raises ``CursorError``.

        Newest first, a page reads at most ``MAX_QUERIES`` index pages (each at most
        ``FILTERED_SCAN`` entries when a filter expression applies) and the page's items by key:
        a listing whose filters match rarely may answer a short page with a cursor. The
        ``sla`` order (``filters.sort``) needs ``sla``; see ``_list_by_sla``.

        ``overdue=True`` keeps the open cases on which the escalation run has recorded a
        breach (``<clock>:level0`` in ``sla_events``, the first escalation level: the deadline
        under the default levels) of a clock still running: the first response while the case
        has none (``first_response_at``), the resolution while it is open. ``False`` keeps the
        rest.
        """
        if limit < 1:
            raise ValueError("limit must be at least 1")
        filters = filters or Filters.of(brand, status, priority)
        if filters.sort is Sort.SLA:
            if sla is None:
                raise ValueError("the sla order needs an SlaOrder")
            return self._list_by_sla(filters, sla, limit, cursor)
        listing = Listing.of(filters)
        expression = filter_expression(listing)
        key_condition, names, values = _key_condition(listing)
        kwargs: dict[str, Any] = {
            "IndexName": listing.index,
            "KeyConditionExpression": key_condition,
            "ExpressionAttributeNames": {**names, **expression.names},
            "ExpressionAttributeValues": {**values, **expression.values},
            "ScanIndexForward": False,
        }
        if expression.text:
            kwargs["FilterExpression"] = expression.text
        if cursor:
            kwargs["ExclusiveStartKey"] = decode_cursor(cursor, listing)
        entries: list[dict[str, Any]] = []
        for _ in range(MAX_QUERIES):
            remaining = limit - len(entries)
            kwargs["Limit"] = max(remaining, FILTERED_SCAN) if expression.text else remaining
            response = self._table.query(**kwargs)
            entries += response.get("Items", [])
            last = response.get("LastEvaluatedKey")
            if not last or len(entries) >= limit:
                break
            kwargs["ExclusiveStartKey"] = last
        if len(entries) >= limit and (last or len(entries) > limit):
            entries = entries[:limit]
            last = {k: entries[-1][k] for k in listing.key_attributes}
        return Page(
            items=self._t.records(entries), cursor=encode_cursor(listing, last) if last else None
        )

    def _list_by_sla(self, filters: Filters, sla: SlaOrder, limit: int, cursor: str | None) -> Page:
        """Open cases, the one whose first running SLA deadline comes first on top (cases
        with no running deadline last; ties oldest first). Every entry of the listing's
        ByBrandStatus partitions (brand x open status; the summary only, no item) is read and
        ordered by ``sla.deadline``; then the page's items by key. Its cost grows with the
        open backlog, not with the history."""
        listing = Listing.of(filters, brands=sla.brands)
        start = sla_position(decode_cursor(cursor, listing)) if cursor else None
        expression = filter_expression(listing)
        rows: list[tuple[SlaPosition, dict[str, Any]]] = []
        for partition in listing.partitions:
            key_condition, names, values = _key_condition(listing, partition)
            kwargs: dict[str, Any] = {
                "IndexName": listing.index,
                "KeyConditionExpression": key_condition,
                "ExpressionAttributeNames": {**names, **expression.names},
                "ExpressionAttributeValues": {**values, **expression.values},
            }
            if expression.text:
                kwargs["FilterExpression"] = expression.text
            while True:
                response = self._table.query(**kwargs)
                for entry in response.get("Items", []):
                    summary = self._t.summary(entry)
                    rows.append((position_of(sla.deadline(summary), entry), entry))
                last = response.get("LastEvaluatedKey")
                if not last:
                    break
                kwargs["ExclusiveStartKey"] = last
        return sla_page(listing, rows, start, limit, self._t.records)
