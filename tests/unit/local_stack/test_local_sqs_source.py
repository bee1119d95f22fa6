"""The SQS event source: Lambda's batch event, partial failures retried alone, poison to DLQ."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from heard_local.provision import FunctionSpec, SqsSource, Stack
from heard_local.runtime import load_handler, make_context
from heard_local.sqs_source import SqsEventSource, failed_ids

# A tiny function: fails "flaky" on its first delivery, "poison" always, records every call.
HANDLER = """
import json
CALLS = []

def handler(event, context):
    CALLS.append(event)
    failures = []
    for record in event["Records"]:
        body = json.loads(record["body"])
        first = record["attributes"]["ApproximateReceiveCount"] == "1"
        if body["kind"] == "poison" or (body["kind"] == "flaky" and first):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""


def _wait(condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


def _source(stack: Stack, tmp_path: Path) -> tuple[SqsEventSource, Any, list[dict]]:
    (tmp_path / "app.py").write_text(HANDLER)
    spec = FunctionSpec(
        "Tiny", tmp_path, "app.handler", {}, sqs=[SqsSource("IngestQueue", 10, 0, True)]
    )
    handler = load_handler(spec)
    module_calls = handler.__globals__["CALLS"]
    lock = threading.Lock()

    def invoke(event: dict) -> Any:
        with lock:
            return handler(event, make_context(spec))

    source = SqsEventSource(
        stack.client("sqs"),
        queue_url=stack.queue_url("IngestQueue"),
        queue_arn=stack.queue_arn("IngestQueue"),
        region=stack.region,
        invoke=invoke,
        batch_size=10,
        batching_window_s=0.3,
        report_batch_item_failures=True,
        retry_after_s=1,
    )
    return source, stack.client("sqs"), module_calls


def _send(sqs: Any, url: str, kind: str) -> str:
    return sqs.send_message(
        QueueUrl=url,
        MessageBody=json.dumps({"kind": kind}),
        MessageAttributes={"platform": {"DataType": "String", "StringValue": "x"}},
    )["MessageId"]


def _bodies(calls: list[dict]) -> list[list[str]]:
    return [[json.loads(r["body"])["kind"] for r in call["Records"]] for call in calls]


def test_event_has_lambda_shape(stack: Stack, tmp_path: Path) -> None:
    source, sqs, calls = _source(stack, tmp_path)
    message_id = _send(sqs, stack.queue_url("IngestQueue"), "ok")
    source.process(source._receive(10, wait_s=1))
    (record,) = calls[0]["Records"]
    assert record["messageId"] == message_id
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == stack.queue_arn("IngestQueue")
    assert record["awsRegion"] == stack.region
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert "SentTimestamp" in record["attributes"]
    assert record["messageAttributes"]["platform"] == {
        "stringValue": "x",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert set(record) >= {"receiptHandle", "body", "md5OfBody"}
    assert source.backlog() == 0  # the success was deleted


def test_partial_failure_is_retried_alone(stack: Stack, tmp_path: Path) -> None:
    source, sqs, calls = _source(stack, tmp_path)
    url = stack.queue_url("IngestQueue")
    for kind in ("ok", "flaky", "ok"):
        _send(sqs, url, kind)
    source.start()
    try:
        _wait(lambda: source.backlog() == 0 and not source.busy)
    finally:
        source.stop()
    seen = _bodies(calls)
    assert sorted(k for batch in seen for k in batch) == ["flaky", "flaky", "ok", "ok"]
    assert seen[-1] == ["flaky"]  # the retry carries only the failed message


def test_poison_message_lands_in_dlq_after_max_receive_count(stack: Stack, tmp_path: Path) -> None:
    source, sqs, calls = _source(stack, tmp_path)
    _send(sqs, stack.queue_url("IngestQueue"), "poison")
    dlq = stack.queue_url("IngestDeadLetterQueue")
    source.start()
    dead: list[dict] = []
    try:
        deadline = time.monotonic() + 20
        while not dead and time.monotonic() < deadline:
            dead = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=1).get("Messages", [])
    finally:
        source.stop()
    assert [json.loads(m["Body"])["kind"] for m in dead] == ["poison"]
    assert _bodies(calls) == [["poison"]] * 3  # maxReceiveCount in template.yaml
    assert source.backlog() == 0


def test_exception_fails_the_whole_batch_and_bad_ids_do_too() -> None:
    records = [{"messageId": "a"}, {"messageId": "b"}]
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, records, True) == {"b"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": ""}]}, records, True) == {"a", "b"}
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "z"}]}, records, True) == {"a", "b"}
    assert failed_ids({"batchItemFailures": []}, records, True) == set()
    assert failed_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, records, False) == set()


def test_handler_exception_leaves_the_whole_batch_for_retry(stack: Stack) -> None:
    sqs = stack.client("sqs")
    url = stack.queue_url("IngestQueue")
    ids = {_send(sqs, url, "ok"), _send(sqs, url, "ok")}

    def explode(event: dict) -> Any:
        raise RuntimeError("bug in the handler")

    source = SqsEventSource(
        sqs,
        queue_url=url,
        queue_arn=stack.queue_arn("IngestQueue"),
        region=stack.region,
        invoke=explode,
        report_batch_item_failures=True,
    )
    messages: list[dict] = []
    while len(messages) < 2:
        messages += source._receive(10, wait_s=1)
    assert source.process(messages) == ids
    assert source.backlog() == 2  # nothing deleted: both come back after the backoff
