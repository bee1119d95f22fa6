"""The signals table: per-brand counts in 5-minute buckets, the spike detectors' state, and
the brand's crisis. Key ``pk`` + ``sk``; ``expires_at`` (epoch seconds) is the TTL.

| item                 | pk               | sk                      | written by             |
|----------------------|------------------|-------------------------|------------------------|
| a bucket's counts    | counts#<brand>   | 2026-11-30T10:05Z       | triage (ADD, in the    |
|                      |                  |                         | mention's transaction) |
| the detectors' state | spikes#<brand>   | state                   | the spike check        |
| the current crisis   | crisis#<brand>   | current                 | the spike check (the   |
|                      |                  |                         | alert path: collapsed) |
| a past crisis        | crisis#<brand>   | history#<opened>#<id>   | the spike check        |

``<brand>`` is the case-folded brand (``brand_key``). A counts item holds numbers only:
``all``, ``negative``, ``complaint``, ``intent_<name>``, ``platform_<name>``, and its TTL
(``COUNTS_TTL_DAYS``). The state item holds both detectors' JSON states (``volume``,
``negative``), the last bucket folded into them (``last_bucket``) and a ``version``: a run
writes it only if the version is still the one it read, in one transaction with its crisis
change, so of two overlapping runs only one folds the same buckets and alerts.

A counts item is written by every stored mention of its brand in its 5 minutes (one item a
brand at a time): DynamoDB takes 1,000 write units a second on one item's partition, about
500 mentions a second for one brand in transactions, far over what the triage function's
concurrency sends.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from heard.models import MentionRecord
from heard.spikes.counts import (
    COUNTS_TTL_DAYS,
    Counts,
    bucket_for,
    bucket_key,
    increments,
    parse_bucket_key,
)
from heard.spikes.crisis import Crisis
from heard.spikes.detector import Alert as SpikeAlert
from heard.store.table import BATCH_GET_LIMIT, from_dynamo, to_dynamo
from heard.store.table import brand_key as _folded

STATE = "state"
CURRENT = "current"
HISTORY = "history#"
HISTORY_TTL_DAYS = 400


def counts_pk(brand: str) -> str:
    return f"counts#{_folded(brand)}"


def spikes_pk(brand: str) -> str:
    return f"spikes#{_folded(brand)}"


def crisis_pk(brand: str) -> str:
    return f"crisis#{_folded(brand)}"


@dataclass
class SavedState:
    """The detectors' states as stored, with the last bucket folded in and the version read."""

    volume: dict[str, Any]
    negative: dict[str, Any]
    last_bucket: datetime
    version: int = 0


@dataclass
class CrisisChange:
    """What a run does to the crisis record, in the same write as its state: ``open`` (put a
    new current crisis), ``update`` or ``end`` (the current one, at the version read)."""

    action: str  # "open" | "update" | "end"
    crisis: Crisis
    read_version: int = 0


class SignalsTable:
    """The signals table. ``table`` is a boto3 ``Table`` resource."""

    def __init__(self, table: Any):
        self.table = table
        self.client = table.meta.client
        self.name = table.name

    # --- counts -------------------------------------------------------------------------

    def count_update(self, record: MentionRecord) -> dict[str, Any]:
        """The ``Update`` of a TransactWriteItems that counts ``record`` in its bucket (see
        ``heard.spikes.counts.bucket_for``; the moment it is stored is its ``received_at``)."""
        bucket = bucket_for(record.mention.created_at, record.received_at)
        return self._add(record.brand, bucket, increments(record))

    def _add(self, brand: str, bucket: datetime, adds: dict[str, int]) -> dict[str, Any]:
        names = {f"#c{i}": name for i, name in enumerate(sorted(adds))}
        values: dict[str, Any] = {f":c{i}": adds[n] for i, n in enumerate(names.values())}
        names["#ttl"] = "expires_at"
        values[":ttl"] = int((bucket + timedelta(days=COUNTS_TTL_DAYS)).timestamp())
        adds_text = ", ".join(f"#c{i} :c{i}" for i in range(len(adds)))
        return {
            "TableName": self.name,
            "Key": {"pk": counts_pk(brand), "sk": bucket_key(bucket)},
            "UpdateExpression": f"ADD {adds_text} SET #ttl = if_not_exists(#ttl, :ttl)",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def add(self, brand: str, bucket: datetime, counts: Counts) -> None:
        """Add ``counts`` to a bucket (seeding a history; tests)."""
        adds = {k: v for k, v in counts.attributes().items() if v}
        if not adds:
            return
        update = self._add(brand, bucket, adds)
        self.client.update_item(**update)

    def seed_many(self, brand: str, history: dict[datetime, Counts]) -> int:
        """Write the buckets of ``history`` that hold no counts yet (a batch write; seeding a
        local history and tests). Returns how many were written."""
        if not history:
            return 0
        have = self.counts(brand, min(history), max(history))
        written = 0
        with self.table.batch_writer() as batch:
            for bucket, counts in history.items():
                if bucket in have:
                    continue
                batch.put_item(
                    Item={
                        "pk": counts_pk(brand),
                        "sk": bucket_key(bucket),
                        **{k: v for k, v in counts.attributes().items() if v},
                        "expires_at": int((bucket + timedelta(days=COUNTS_TTL_DAYS)).timestamp()),
                    }
                )
                written += 1
        return written

    def counts(self, brand: str, first: datetime, last: datetime) -> dict[datetime, Counts]:
        """The buckets with counts from ``first`` to ``last`` (both included), by start."""
        kwargs: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :a AND :b",
            "ExpressionAttributeValues": {
                ":pk": counts_pk(brand),
                ":a": bucket_key(first),
                ":b": bucket_key(last),
            },
        }
        found: dict[datetime, Counts] = {}
        while True:
            response = self.table.query(**kwargs)
            for item in response.get("Items", []):
                found[parse_bucket_key(item["sk"])] = Counts.from_attributes(from_dynamo(item))
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return found
            kwargs["ExclusiveStartKey"] = last_key

    def counts_at(self, brand: str, starts: list[datetime]) -> dict[datetime, Counts]:
        """The buckets among ``starts`` that have counts (BatchGetItem)."""
        keys = list(dict.fromkeys(bucket_key(s) for s in starts))
        found: dict[datetime, Counts] = {}
        pk = counts_pk(brand)
        for start in range(0, len(keys), BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                self.name: {"Keys": [{"pk": pk, "sk": k} for k in keys[start : start + 100]]}
            }
            for attempt in range(10):
                response = self.table.meta.client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self.name, []):
                    found[parse_bucket_key(item["sk"])] = Counts.from_attributes(from_dynamo(item))
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
                time.sleep(min(0.05 * 2**attempt, 1.0))
        return found

    # --- the detectors' state -----------------------------------------------------------

    def load_state(self, brand: str) -> SavedState | None:
        item = self.table.get_item(
            Key={"pk": spikes_pk(brand), "sk": STATE}, ConsistentRead=True
        ).get("Item")
        if not item:
            return None
        return SavedState(
            volume=json.loads(item["volume"]),
            negative=json.loads(item["negative"]),
            last_bucket=parse_bucket_key(item["last_bucket"]),
            version=int(item["version"]),
        )

    def reset_state(self, brand: str) -> None:
        """Forget the detectors' state: the next run bootstraps from the stored counts."""
        self.table.delete_item(Key={"pk": spikes_pk(brand), "sk": STATE})

    # --- the crisis ----------------------------------------------------------------------

    def crisis(self, brand: str) -> Crisis | None:
        """The current crisis record, open or ended with its end message still to send."""
        item = self.table.get_item(
            Key={"pk": crisis_pk(brand), "sk": CURRENT}, ConsistentRead=True
        ).get("Item")
        return None if not item else Crisis.from_dict(from_dynamo(item))

    def current(self, brand: str) -> Crisis | None:
        """The brand's open crisis, if any (what the alert path asks)."""
        crisis = self.crisis(brand)
        return crisis if crisis is not None and crisis.open else None

    def open_crisis(self, brand: str) -> str | None:
        """The id of the brand's open crisis (storm control's ``CrisisLookup``)."""
        crisis = self.current(brand)
        return crisis.id if crisis is not None else None

    def collapse(self, brand: str, crisis_id: str, mention_key: str) -> bool:
        """Count an individual alert folded into the open crisis ``crisis_id``; False when
        that crisis is no longer open."""
        try:
            self.table.update_item(
                Key={"pk": crisis_pk(brand), "sk": CURRENT},
                UpdateExpression="ADD collapsed :one SET last_collapsed = :k",
                ConditionExpression="id = :id AND #st = :open",
                ExpressionAttributeNames={"#st": "status"},
                ExpressionAttributeValues={
                    ":one": 1,
                    ":k": mention_key,
                    ":id": crisis_id,
                    ":open": "open",
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def history(self, brand: str, limit: int = 20) -> list[Crisis]:
        """Past crises, newest first."""
        response = self.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :h)",
            ExpressionAttributeValues={":pk": crisis_pk(brand), ":h": HISTORY},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [Crisis.from_dict(from_dynamo(i)) for i in response.get("Items", [])]

    def crises_between(self, brand: str, start: datetime, end: datetime) -> list[SpikeAlert]:
        """The spikes that opened the brand's crises in ``[start, end)`` (the digest's
        ``SpikesReader``): each crisis's detector alerts, oldest first."""
        crises = self.history(brand, limit=100)
        now = self.crisis(brand)
        if now is not None and now.status == "open":
            crises.append(now)
        spikes = []
        for crisis in crises:
            if not start <= crisis.opened_at < end:
                continue
            for trigger in crisis.report.get("triggers") or []:
                spikes.append(
                    SpikeAlert(
                        kind=str(trigger["kind"]),
                        bucket_start=datetime.fromisoformat(str(trigger["bucket_start"])),
                        score=float(trigger["score"]),
                        value=float(trigger["value"]),
                        expected=float(trigger["expected"]),
                        window_minutes=int(trigger["window_minutes"]),
                    )
                )
        return sorted(spikes, key=lambda a: a.bucket_start)

    # --- one run's write ----------------------------------------------------------------

    def commit(
        self,
        brand: str,
        read: SavedState | None,
        state: SavedState,
        change: CrisisChange | None,
    ) -> bool:
        """Write the new state (and the crisis change) if nobody wrote since ``read``: one
        transaction. False when another run got there first: this run did nothing."""
        version = (read.version if read else 0) + 1
        state_item = {
            "pk": spikes_pk(brand),
            "sk": STATE,
            "volume": json.dumps(state.volume, separators=(",", ":")),
            "negative": json.dumps(state.negative, separators=(",", ":")),
            "last_bucket": bucket_key(state.last_bucket),
            "version": version,
        }
        put: dict[str, Any] = {"TableName": self.name, "Item": state_item}
        if read is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "version = :v"
            put["ExpressionAttributeValues"] = {":v": read.version}
        items: list[dict[str, Any]] = [{"Put": put}]
        if change is not None:
            items += self._crisis_writes(brand, change)
        try:
            self.client.transact_write_items(TransactItems=items)
        except self.client.exceptions.TransactionCanceledException:
            return False
        if change is not None:
            change.crisis.version = change.read_version + 1
        state.version = version
        return True

    def _crisis_writes(self, brand: str, change: CrisisChange) -> list[dict[str, Any]]:
        crisis = change.crisis
        data = crisis.to_dict()
        data.pop("collapsed")  # the alert path's
        data["version"] = change.read_version + 1
        key = {"pk": crisis_pk(brand), "sk": CURRENT}
        if change.action == "open":
            item = {"pk": crisis_pk(brand), "sk": CURRENT, **data, "collapsed": 0}
            return [
                {
                    "Put": {
                        "TableName": self.name,
                        "Item": to_dynamo(item),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            ]
        values = {k: v for k, v in data.items() if k != "id"}
        if change.action == "update":  # a pending notice is the notice protocol's own
            del values["notice"], values["notice_since"]
        names = {f"#a{i}": k for i, k in enumerate(values)}
        attrs = {f":a{i}": v for i, v in enumerate(values.values())}
        sets = [f"#a{i} = :a{i}" for i in range(len(values)) if attrs[f":a{i}"] is not None]
        removes = [f"#a{i}" for i in range(len(values)) if attrs[f":a{i}"] is None]
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        values_ = to_dynamo({k: v for k, v in attrs.items() if v is not None})
        values_[":rv"] = change.read_version
        values_[":id"] = crisis.id
        writes: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.name,
                    "Key": key,
                    "UpdateExpression": expression,
                    "ConditionExpression": "id = :id AND version = :rv",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values_,
                }
            }
        ]
        if change.action == "end":
            history = {
                "pk": crisis_pk(brand),
                "sk": f"{HISTORY}{crisis.opened_at.isoformat()}#{crisis.id}",
                **data,
                "expires_at": int(time.time()) + HISTORY_TTL_DAYS * 86400,
            }
            writes.append({"Put": {"TableName": self.name, "Item": to_dynamo(history)}})
        return writes

    def claim_notice(self, crisis: Crisis, now: datetime) -> bool:
        """Take a notice left unsent by an earlier run (``notice_since`` as read)."""
        try:
            self.table.update_item(
                Key={"pk": crisis_pk(crisis.brand), "sk": CURRENT},
                UpdateExpression="SET notice_since = :now",
                ConditionExpression="id = :id AND notice = :n AND notice_since = :since",
                ExpressionAttributeValues={
                    ":now": now.isoformat(),
                    ":id": crisis.id,
                    ":n": crisis.notice,
                    ":since": crisis.notice_since.isoformat() if crisis.notice_since else "",
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def notice_sent(self, crisis: Crisis) -> None:
        """The notice went out: an opening's is cleared; an ended crisis leaves ``current``
        (its history item stays)."""
        key = {"pk": crisis_pk(crisis.brand), "sk": CURRENT}
        try:
            if crisis.notice == "ended":
                self.table.delete_item(
                    Key=key,
                    ConditionExpression="id = :id AND #st = :ended",
                    ExpressionAttributeNames={"#st": "status"},
                    ExpressionAttributeValues={":id": crisis.id, ":ended": "ended"},
                )
            else:
                self.table.update_item(
                    Key=key,
                    UpdateExpression="REMOVE notice, notice_since",
                    ConditionExpression="id = :id AND notice = :n",
                    ExpressionAttributeValues={":id": crisis.id, ":n": crisis.notice},
                )
        except self.client.exceptions.ConditionalCheckFailedException:
            pass  # already done by another run
