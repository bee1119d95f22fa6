"""Write units per mention and the AWS cost per million mentions, before and after the index
redesign (no index projecting the whole item; sparse case indexes).

Mentions are the demo deliveries (events/demo/) and generated X mentions of typical sizes, run
through the real webhook parsers, brand matching and triage, and stored as the real
``MentionTable.item_for`` writes them. For each mention it counts the DynamoDB write units of
the put and of the typical later writes (marking the alert sent, for alert-worthy ones; one
case update, the team's reply), the way DynamoDB bills them:

- a write costs 1 WRU per started KB of the item (an update: of the larger of before and after);
- every index whose key attributes the item carries is written too, with the size of the
  projected entry (keys plus projected attributes): a new entry is one write, a removed one
  one, an entry whose key changed two (delete and put), an entry whose projected attributes
  changed one, an unchanged one none.

"Before" is the previous design computed here from its projections (four indexes projecting
ALL, every case in ByBrandStatus and ByBrandPriority); "after" is template.yaml's (checked
against heard.store.table by tests/unit/test_indexes.py).

    .venv/bin/python bench/cost.py [--generated 2000]

No network: everything is computed locally. Prices are constants below, with their source.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import statistics
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "shared"), str(ROOT / "devtools")]

from heard_local.demo import demo_files, webhook_path  # noqa: E402
from heard_local.template import load_template  # noqa: E402

from heard import platforms  # noqa: E402
from heard.alerts.policy import should_alert  # noqa: E402
from heard.cases import deadlines, workflow  # noqa: E402
from heard.config import BrandMatcher, load_config_file  # noqa: E402
from heard.models import (  # noqa: E402
    AlertState,
    Author,
    Mention,
    MentionMessage,
    MentionRecord,
    Platform,
    Status,
)
from heard.store.table import MentionTable, brand_key  # noqa: E402
from heard.triage import Triager  # noqa: E402

# --- prices: AWS on-demand, us-east-1, as published on 2025-06-01 --------------------------
# Lambda, arm64: https://aws.amazon.com/lambda/pricing/ (first 7.5 billion GB-s a month)
LAMBDA_ARM_GB_SECOND = 0.0000133334
LAMBDA_REQUEST = 0.20 / 1e6
# SQS standard queue, per request (64 KB chunk): https://aws.amazon.com/sqs/pricing/
SQS_REQUEST = 0.40 / 1e6
# DynamoDB on-demand, Standard table class (after the November 2024 price cut):
# https://aws.amazon.com/dynamodb/pricing/on-demand/
DYNAMODB_WRITE_REQUEST_UNIT = 0.625 / 1e6
DYNAMODB_READ_REQUEST_UNIT = 0.125 / 1e6
DYNAMODB_STORAGE_GB_MONTH = 0.25
# API Gateway HTTP API, first 300 million requests a month: https://aws.amazon.com/api-gateway/pricing/
HTTP_API_REQUEST = 1.00 / 1e6
# CloudWatch Logs, Standard class ingestion: https://aws.amazon.com/cloudwatch/pricing/
LOGS_INGESTED_GB = 0.50

# --- the deployment (template.yaml) and what we assume of the traffic ------------------------
WEBHOOK_MEMORY_GB = 0.5  # Globals MemorySize 512
TRIAGE_MEMORY_GB = 0.5
API_MEMORY_GB = 0.5
WEBHOOK_MS = 40  # verify, parse, SendMessageBatch (one mention a delivery, assumed)
TRIAGE_BATCH = 5  # mentions per invocation (BatchSize 10, a 1 s window; assumed half full)
TRIAGE_INVOCATION_MS = 20  # per invocation: batch handling, metrics flush
TRIAGE_MENTION_MS = 30  # per mention: triage (~0.2 ms) and its DynamoDB/SNS calls (~10 ms each)
API_REQUESTS_PER_MENTION = 2  # the team opens or lists it, and updates it (assumed)
API_MS = 60
# SQS: a send per delivery; a receive and a delete batch per triage batch; Lambda's empty
# long polls are a fixed cost per hour (a few poller requests a second), not per mention.
SQS_REQUESTS_PER_MENTION = 1 + 2 / TRIAGE_BATCH
# Reads per mention (RRU): finding the author's open case (KEYS_ONLY query, 0.5), a consistent
# get after a duplicate (rare), the team's listing page (eventually consistent) and the case
# read on update (consistent, 1) and its view; after the redesign a listing also reads its
# items by key (BatchGetItem, 0.5 each).
READ_UNITS_BEFORE = 0.5 + 0.5 + 1 + 1
READ_UNITS_AFTER = READ_UNITS_BEFORE + 0.5
RETENTION_MONTHS = 12  # RetentionDays 365: a mention is stored for a year
# Log bytes per mention: the webhook's START/END/REPORT and request line (~600), triage's
# "mention processed" line (~450) and its share of START/END/REPORT and EMF (~150), the API's
# access log lines (~450 each) and function lines (~600 each).
LOG_BYTES_PER_MENTION = 600 + 450 + 150 + API_REQUESTS_PER_MENTION * (450 + 600)

KB = 1024


# --- DynamoDB item sizes and write units -----------------------------------------------------


def size(value: Any) -> int:
    """Bytes DynamoDB counts for a value (strings UTF-8, numbers ~1 byte per 2 digits + 1,
    maps and lists 3 bytes plus 1 per element, names included)."""
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float | Decimal):
        digits = str(value).lstrip("-").replace(".", "").lstrip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if isinstance(value, dict):
        return 3 + sum(1 + len(k.encode()) + size(v) for k, v in value.items())
    if isinstance(value, list):
        return 3 + sum(1 + size(v) for v in value)
    raise TypeError(type(value))


def item_size(item: dict[str, Any]) -> int:
    return sum(len(k.encode()) + size(v) for k, v in item.items())


def units(item: dict[str, Any] | None) -> int:
    return math.ceil(item_size(item) / KB) if item else 0


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[str, ...]  # hash, range
    projection: tuple[str, ...] | None  # None: ALL

    def entry(self, item: dict[str, Any]) -> dict[str, Any] | None:
        if not all(k in item for k in self.keys):
            return None  # sparse: the item is not in this index
        if self.projection is None:
            return dict(item)
        wanted = {"pk", *self.keys, *self.projection}
        return {k: v for k, v in item.items() if k in wanted}


BEFORE = (
    Index("ByBrand", ("brand", "sort_key"), None),
    Index("ByBrandStatus", ("brand_status", "sort_key"), None),
    Index("ByBrandPriority", ("brand_priority", "sort_key"), None),
    Index("Feed", ("feed", "sort_key"), None),
    Index("ByOpenAuthor", ("open_author", "sort_key"), ()),
)


def template_indexes() -> tuple[Index, ...]:
    """The mentions table's indexes as template.yaml declares them (what is deployed)."""
    table = load_template(ROOT / "template.yaml")["Resources"]["MentionsTable"]["Properties"]
    found = []
    for index in table["GlobalSecondaryIndexes"]:
        keys = tuple(k["AttributeName"] for k in index["KeySchema"])
        projection = index["Projection"]
        kind = projection["ProjectionType"]
        attributes = None if kind == "ALL" else tuple(projection.get("NonKeyAttributes", ()))
        found.append(Index(index["IndexName"], keys, attributes))
    return tuple(found)


AFTER = template_indexes()


def write_units(
    before: dict[str, Any] | None, after: dict[str, Any], indexes: tuple[Index, ...]
) -> int:
    """WRU of writing ``after`` over ``before`` (None: a put) to the table and its indexes."""
    total = max(units(before), units(after))
    for index in indexes:
        old = index.entry(before) if before else None
        new = index.entry(after)
        if old is None or new is None or any(old[k] != new[k] for k in index.keys):
            total += units(old) + units(new)  # added, removed, or moved: delete and put
        elif old != new:
            total += units(new)
    return total


def old_item(item: dict[str, Any], record: MentionRecord) -> dict[str, Any]:
    """The item as the previous design wrote it: every case carried ``brand_status`` and
    ``brand_priority`` (closed ones too)."""
    if "feed" not in item:
        return item
    return {
        **item,
        "brand_status": brand_key(record.brand, record.status.value),
        "brand_priority": brand_key(record.brand, record.priority.value),
    }


# --- mentions ----------------------------------------------------------------------------

WORDS = tuple(
    [
        "acme",
        "order",
        "refund",
        "delivery",
        "late",
        "broken",
        "app",
        "login",
        "support",
        "love",
        "great",
        "thanks",
        "why",
        "still",
        "waiting",
        "weeks",
        "charged",
        "twice",
        "cancel",
        "subscription",
        "package",
        "arrived",
        "damaged",
        "customer",
        "service",
        "hours",
        "on",
        "hold",
        "nobody",
        "answers",
        "best",
        "product",
        "ever",
        "new",
        "update",
        "crashes",
        "every",
        "time",
        "account",
        "locked",
        "password",
        "reset",
        "email",
        "never",
        "came",
        "store",
        "staff",
        "helpful",
        "fast",
        "shipping",
        "price",
        "too",
        "high",
    ]
)


def generated(n: int, seed: int = 7) -> list[Mention]:
    """X mentions of typical sizes: 40-280 characters, most under 140, naming @acme."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    mentions = []
    for i in range(n):
        length = min(280, max(40, int(rng.lognormvariate(4.5, 0.5))))
        words = ["@acme"]
        while len(" ".join(words)) < length:
            words.append(rng.choice(WORDS))
        handle = f"user{rng.randrange(10**6)}"
        mentions.append(
            Mention(
                platform=Platform.X,
                native_id=str(1990000000000000000 + i),
                text=" ".join(words)[:280],
                author=Author(
                    id=str(rng.randrange(10**9, 10**10)),
                    handle=handle,
                    name=handle.title(),
                    followers=int(rng.paretovariate(1.2) * 50),
                ),
                url=f"https://x.com/{handle}/status/{1990000000000000000 + i}",
                created_at=start + timedelta(seconds=37 * i),
                lang="en",
                account_id="1000000001",
                engagement=rng.randrange(20),
            )
        )
    return mentions


def demo_mentions() -> list[Mention]:
    found = []
    for file in demo_files():
        adapter = platforms.adapter(webhook_path(file).rsplit("/", 1)[1])
        for message in adapter.parse(json.loads(file.read_text())):
            if isinstance(message, MentionMessage):
                found.append(message.mention)
    return found


@dataclass
class Costs:
    put: float
    later: float
    item_bytes: float

    @property
    def per_mention(self) -> float:
        return self.put + self.later


def measure(mentions: list[Mention]) -> dict[str, Costs]:
    config = load_config_file(ROOT / "devtools" / "heard_local" / "demo_config.yaml")
    matcher, triager = BrandMatcher(config), Triager()
    table = MentionTable(MagicMock())
    now = datetime(2026, 11, 30, tzinfo=UTC)
    figures: dict[str, list[tuple[int, int, int]]] = {"before": [], "after": []}
    for mention in mentions:
        match = matcher.match(
            mention.text, platform=mention.platform, account_id=mention.account_id
        )
        if match is None:
            continue  # unmatched mentions are never stored
        record = MentionRecord(
            id=mention.key,
            brand=match.brand.name,
            mention=mention,
            triage=triager.triage_mention(mention, match.brand),
            matched=match.matched,
            received_at=now,
            waiting_since=mention.created_at,
        )
        record.sla_due = deadlines.next_look(record, match.brand.sla, now)  # as the pipeline
        states = [record]
        if should_alert(record, match.brand):
            record.alert_state = AlertState.PUBLISHING  # stored already claimed
            record.alert_claimed_at = now
            states.append(
                record.model_copy(update={"alert_state": AlertState.SENT, "alerted_at": now})
            )
        update = workflow.CaseUpdate(status=Status.REPLIED, assignee="agent@acme.example")
        states.append(workflow.apply_update(states[-1], update, "agent@acme.example", now))
        for name, indexes in (("before", BEFORE), ("after", AFTER)):
            items = [table.item_for(r) for r in states]
            if name == "before":
                items = [old_item(i, r) for i, r in zip(items, states, strict=True)]
            put = write_units(None, items[0], indexes)
            later = sum(write_units(a, b, indexes) for a, b in itertools.pairwise(items))
            figures[name].append((put, later, item_size(items[0])))
    return {
        name: Costs(
            put=statistics.fmean(p for p, _, _ in rows),
            later=statistics.fmean(later for _, later, _ in rows),
            item_bytes=statistics.fmean(s for _, _, s in rows),
        )
        for name, rows in figures.items()
    }


def storage_bytes(mentions_item_bytes: float, indexes: tuple[Index, ...]) -> float:
    """Rough bytes stored per mention: the item, and each index entry (+100 bytes overhead
    DynamoDB counts per item), ALL entries the whole item, others about 300 bytes."""
    total = mentions_item_bytes + 100
    for index in indexes:
        total += (mentions_item_bytes if index.projection is None else 300) + 100
    return total


def cost_per_million(costs: Costs, indexes: tuple[Index, ...], reads: float) -> dict[str, float]:
    n = 1e6
    triage_invocations = n / TRIAGE_BATCH
    lambda_gb_s = (
        n * WEBHOOK_MS / 1000 * WEBHOOK_MEMORY_GB
        + (triage_invocations * TRIAGE_INVOCATION_MS + n * TRIAGE_MENTION_MS)
        / 1000
        * TRIAGE_MEMORY_GB
        + n * API_REQUESTS_PER_MENTION * API_MS / 1000 * API_MEMORY_GB
    )
    lambda_requests = n + triage_invocations + n * API_REQUESTS_PER_MENTION
    stored_gb = n * storage_bytes(costs.item_bytes, indexes) / 1e9
    return {
        "Lambda": lambda_gb_s * LAMBDA_ARM_GB_SECOND + lambda_requests * LAMBDA_REQUEST,
        "SQS": n * SQS_REQUESTS_PER_MENTION * SQS_REQUEST,
        "DynamoDB writes": n * costs.per_mention * DYNAMODB_WRITE_REQUEST_UNIT,
        "DynamoDB reads": n * reads * DYNAMODB_READ_REQUEST_UNIT,
        "DynamoDB storage": stored_gb * DYNAMODB_STORAGE_GB_MONTH * RETENTION_MONTHS,
        "HTTP API": n * (1 + API_REQUESTS_PER_MENTION) * HTTP_API_REQUEST,
        "CloudWatch Logs": n * LOG_BYTES_PER_MENTION / 1e9 * LOGS_INGESTED_GB,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=2000, help="generated X mentions")
    args = parser.parse_args()
    demo = demo_mentions()
    mentions = demo + generated(args.generated)
    measured = measure(mentions)
    print(
        f"{len(mentions)} mentions ({len(demo)} from events/demo/, {args.generated} generated); "
        f"item {measured['after'].item_bytes:.0f} bytes on average"
    )
    print()
    print("| write units per mention | put | later writes | total |")
    print("|---|---|---|---|")
    for name, c in measured.items():
        print(f"| {name} | {c.put:.2f} | {c.later:.2f} | {c.per_mention:.2f} |")
    print()
    before = cost_per_million(measured["before"], BEFORE, READ_UNITS_BEFORE)
    after = cost_per_million(measured["after"], AFTER, READ_UNITS_AFTER)
    print("| USD per million mentions (us-east-1) | before | after |")
    print("|---|---|---|")
    for service in before:
        print(f"| {service} | {before[service]:.2f} | {after[service]:.2f} |")
    print(f"| total | {sum(before.values()):.2f} | {sum(after.values()):.2f} |")
    print()
    print(
        "Storage is a year's retention (RetentionDays 365). Durations, batch size, API "
        "requests and log bytes per mention are assumptions written at the top of bench/cost.py."
    )


if __name__ == "__main__":
    main()
