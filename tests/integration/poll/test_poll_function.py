"""The poll function as deployed: the schedule's tick fans out the due runs, the poll queue's
messages run them (against the Hacker News fake), and a broken message is dropped, not retried."""

from __future__ import annotations

import json
import time

import pytest
from heard_local.defaults import local_environment
from heard_local.fakes.hackernews import FakeHackerNews
from heard_local.runtime import load_handler
from heard_local.sqs_source import lambda_record

CONFIG = """
sources:
  hackernews: {every_minutes: 5}
  reddit: {enabled: false, options: {app_id: a, username: b}}
brands:
  - name: Acme
    keywords: [acme]
  - name: Globex
    keywords: [globex]
"""


@pytest.fixture
def hn():
    with FakeHackerNews() as fake:
        yield fake


@pytest.fixture
def poll_function(stack, lambda_context, hn, tmp_path, monkeypatch):
    config = tmp_path / "brands.yaml"
    config.write_text(CONFIG)
    env = {
        **local_environment(stack.endpoint_url, stack.region),
        "HEARD_CONFIG": str(config),
        "HEARD_POLL_URLS": json.dumps({"hackernews": hn.base_url}),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    handler = load_handler(stack.functions["PollFunction"], env)
    return lambda event: handler(event, lambda_context("PollFunction"))


def run_message(body: str, n: int = 1) -> dict:
    return {
        "MessageId": f"m-{n}",
        "ReceiptHandle": f"r-{n}",
        "MD5OfBody": "0" * 32,
        "Body": body,
        "Attributes": {"ApproximateReceiveCount": "1"},
        "MessageAttributes": {},
    }


def test_a_tick_queues_one_run_per_due_source_and_brand_once_per_period(
    poll_function, sqs_messages
):
    first = poll_function({"tick": True})
    assert sorted(r["brand"] for r in first["queued"]) == ["Acme", "Globex"]
    assert {r["source"] for r in first["queued"]} == {"hackernews"}  # reddit is disabled
    bodies = sorted(m["Body"] for m in sqs_messages("PollQueue", max=10))
    assert [json.loads(b)["brand"] for b in bodies] == ["Acme", "Globex"]
    assert poll_function({"tick": True}) == {"queued": []}  # not due again for five minutes


def test_a_run_message_polls_and_queues_the_mentions_for_triage(
    poll_function, hn, stack, sqs_messages
):
    hn.add_comment("Acme lost my parcel", created_at=time.time() - 600, object_id=901)
    hn.add_comment("Globex is fine", created_at=time.time() - 500, object_id=902)
    arn = stack.queue_arn("PollQueue")
    record = run_message(json.dumps({"source": "hackernews", "brand": "Acme"}))
    broken = run_message("{not json", 2)
    event = {"Records": [lambda_record(m, arn, stack.region) for m in (record, broken)]}
    assert poll_function(event) == {"batchItemFailures": []}
    queued = [json.loads(m["Body"]) for m in sqs_messages("IngestQueue", max=10)]
    assert [(m["brand"], m["mention"]["native_id"]) for m in queued] == [("Acme", "901")]


def test_a_tick_skips_a_source_that_is_backing_off(poll_function, hn, stack):
    hn.fail(429, retry_after=600)
    arn = stack.queue_arn("PollQueue")
    record = run_message(json.dumps({"source": "hackernews", "brand": "Acme"}))
    assert poll_function({"Records": [lambda_record(record, arn, stack.region)]}) == {
        "batchItemFailures": []
    }
    assert poll_function({"tick": True}) == {"queued": []}
