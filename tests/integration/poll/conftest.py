"""The pollers against a stack from template.yaml and a fake platform on loopback.

``poll`` is a ``PollHarness``: ``poll.run("hackernews", fake.url)`` runs that source once for
the demo brand (``config=`` another YAML), with the poll state table, the ingest queue and the
ops topic of the stack; ``poll.deliver()`` hands everything queued to the triage handler, as
the event source mapping would, until the queue is empty; ``poll.stored("hackernews")`` is the
keys stored in the mentions table for that platform.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import httpx
import pytest
from heard_local.defaults import config_file
from heard_local.provision import Stack
from heard_local.sqs_source import lambda_record

from heard.alerts.ops import OpsAlarm
from heard.config import HeardConfig, load_config_file, parse_config
from heard.ingest import IngestQueue, message_key, parse_message
from heard.ingest.polling import Poller, RunReport
from heard.ingest.runs import load_source
from heard.models import utcnow
from heard.store.pollstate import PollState


@dataclass
class PollHarness:
    stack: Stack
    triage: Callable[[Any, Any], Any]
    context: Callable[[], Any]
    state: PollState
    alarm: OpsAlarm
    client: httpx.Client
    clock: Callable[[], datetime] = utcnow
    delivered: int = 0
    configs: dict[str, HeardConfig] = field(default_factory=dict)

    def config(self, text: str | None = None) -> HeardConfig:
        if text is None:
            return load_config_file(config_file())
        return parse_config(text, "test config")

    def poller(self, base_url: str | None, source: str, monotonic: Any = None) -> Poller:
        kwargs: dict[str, Any] = {}
        if monotonic is not None:
            kwargs["monotonic"] = monotonic
        return Poller(
            self.state,
            IngestQueue(self.stack.client("sqs"), self.stack.queue_url("IngestQueue")),
            self.client,
            self.alarm,
            clock=self.clock,
            base_urls={source: base_url} if base_url else None,
            **kwargs,
        )

    def run(
        self,
        source: str,
        base_url: str | None,
        *,
        config: str | HeardConfig | None = None,
        brand: str = "Acme",
        deadline: float | None = None,
        monotonic: Any = None,
        ignore_backoff: bool = True,
    ) -> RunReport:
        """One run of ``source`` for ``brand``. The demo config has every source enabled;
        backoffs are ignored unless asked (a test of the backoff passes False)."""
        heard = config if isinstance(config, HeardConfig) else self.config(config)
        found = heard.brand(brand)
        assert found is not None, f"no brand {brand} in the config"
        return self.poller(base_url, source, monotonic).run(
            load_source(source), heard, found, deadline=deadline, ignore_backoff=ignore_backoff
        )

    def deliver(self) -> int:
        """Triage everything on the ingest queue; the number of messages handled."""
        sqs = self.stack.client("sqs")
        url, arn = self.stack.queue_url("IngestQueue"), self.stack.queue_arn("IngestQueue")
        handled = 0
        while True:
            batch = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                break
            event = {"Records": [lambda_record(m, arn, self.stack.region) for m in batch]}
            result = self.triage(event, self.context())
            assert result == {"batchItemFailures": []}, result
            for m in batch:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            handled += len(batch)
        self.delivered += handled
        return handled

    def drain(self) -> list[str]:
        """Take everything off the ingest queue without triage (for volumes triage over moto
        would make slow): the mention keys queued, duplicates kept."""
        sqs = self.stack.client("sqs")
        url = self.stack.queue_url("IngestQueue")
        keys: list[str] = []
        while True:
            batch = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not batch:
                return keys
            keys += [message_key(parse_message(m["Body"])) for m in batch]
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
                ],
            )

    def stored(self, platform: str) -> list[str]:
        """Keys of the mentions stored for ``platform`` (each key appears once per item)."""
        client = self.stack.client("dynamodb")
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.stack.table_name("MentionsTable"),
            "ConsistentRead": True,
        }
        while True:
            page = client.scan(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        keys = [i["pk"]["S"] for i in items]
        return sorted(k for k in keys if k.startswith(f"{platform}:"))

    def record(self, key: str) -> dict[str, Any]:
        resource = boto3.resource(
            "dynamodb", endpoint_url=self.stack.endpoint_url, region_name=self.stack.region
        )
        item: dict[str, Any] = resource.Table(self.stack.table_name("MentionsTable")).get_item(
            Key={"pk": key}
        )["Item"]
        return item


@pytest.fixture
def poll(stack, load, lambda_context) -> Iterator[PollHarness]:
    resource = boto3.resource("dynamodb", endpoint_url=stack.endpoint_url, region_name=stack.region)
    state = PollState(resource.Table(stack.table_name("PollStateTable")))
    alarm = OpsAlarm(
        stack.client("dynamodb"),
        stack.table_name("IdempotencyTable"),
        stack.client("sns"),
        stack.topic_arn("OpsTopic"),
    )
    with httpx.Client() as client:
        yield PollHarness(
            stack,
            load("TriageFunction"),
            lambda: lambda_context("TriageFunction"),
            state,
            alarm,
            client,
        )
