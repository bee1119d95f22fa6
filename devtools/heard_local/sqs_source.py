"""Lambda's SQS event source mapping, emulated: batches in, partial failures, retries, DLQ.

A worker long-polls the queue, gathers up to ``BatchSize`` messages within the batching window,
builds the event Lambda would send (``Records`` with attributes and message attributes), calls
the handler and deletes what succeeded. With ``ReportBatchItemFailures`` only the ids the
handler lists in ``batchItemFailures`` stay on the queue; an exception fails the whole batch.
A failed message becomes visible again after ``retry_after_s`` (seconds, not the queue's
visibility timeout, so retries are quick locally); moto's own redrive moves it to the DLQ once
its receive count passes ``maxReceiveCount``, as SQS does.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("heard_local.sqs")

InvokeBatch = Callable[[dict[str, Any]], Any]


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One ``Records[]`` entry of the SQS event, from a ReceiveMessage message."""
    attributes = dict(message.get("Attributes") or {})
    message_attributes: dict[str, Any] = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        entry: dict[str, Any] = {
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value["DataType"],
        }
        if "StringValue" in value:
            entry["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            entry["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        message_attributes[name] = entry
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def failed_ids(
    result: Any, records: list[dict[str, Any]], report_batch_item_failures: bool
) -> set[str]:
    """Which message ids failed, by Lambda's rules for a batch response."""
    if not report_batch_item_failures or not isinstance(result, dict):
        return set()
    failures = result.get("batchItemFailures")
    if not failures:
        return set()
    ids = {r["messageId"] for r in records}
    listed = set()
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not identifier or identifier not in ids:
            # Lambda treats an empty or unknown identifier as a failure of the whole batch.
            return ids
        listed.add(identifier)
    return listed


class SqsEventSource:
    """Polls one queue and feeds a handler, like one Lambda event source mapping.

    ``invoke(event)`` calls the function; ``workers`` pollers run in parallel (Lambda scales
    pollers with the backlog; one is enough locally). ``busy`` is true while a batch is in a
    handler, so a caller can tell when the pipeline has drained.
    """

    def __init__(
        self,
        sqs: Any,
        *,
        queue_url: str,
        queue_arn: str,
        region: str,
        invoke: InvokeBatch,
        batch_size: int = 10,
        batching_window_s: float = 0,
        report_batch_item_failures: bool = False,
        retry_after_s: int = 1,
        workers: int = 1,
        name: str = "sqs",
    ):
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.region = region
        self.invoke = invoke
        self.batch_size = batch_size
        self.batching_window_s = batching_window_s
        self.report_batch_item_failures = report_batch_item_failures
        self.retry_after_s = retry_after_s
        self.name = name
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True)
            for i in range(workers)
        ]
        self._busy = 0
        self._lock = threading.Lock()
        self.batches = 0
        self.succeeded = 0
        self.failed = 0

    @property
    def busy(self) -> bool:
        return self._busy > 0

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        for thread in self._threads:
            if thread.is_alive():
                thread.join(timeout=timeout_s)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                messages = self._gather()
                if messages:
                    self.process(messages)
            except Exception as exc:
                if self._stop.is_set():
                    return
                log.warning("%s: polling failed (%s); retrying", self.name, exc)
                self._stop.wait(1)

    def _receive(self, count: int, wait_s: int) -> list[dict[str, Any]]:
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(10, count)),
            WaitTimeSeconds=wait_s,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return response.get("Messages", [])

    def _gather(self) -> list[dict[str, Any]]:
        """A batch: the first long poll, then more until the batch is full or the window ends."""
        messages = self._receive(self.batch_size, wait_s=1)
        if not messages:
            return []
        deadline = time.monotonic() + self.batching_window_s
        while len(messages) < self.batch_size and time.monotonic() < deadline:
            more = self._receive(self.batch_size - len(messages), wait_s=0)
            if not more:
                self._stop.wait(min(0.05, max(0.0, deadline - time.monotonic())))
            messages += more
        return messages

    def process(self, messages: list[dict[str, Any]]) -> set[str]:
        """Invoke the handler with one batch; returns the ids that failed (left for retry)."""
        with self._lock:
            self._busy += 1
        try:
            records = [lambda_record(m, self.queue_arn, self.region) for m in messages]
            try:
                result = self.invoke({"Records": records})
                failed = failed_ids(result, records, self.report_batch_item_failures)
            except Exception:
                log.exception("%s: the handler raised; the whole batch is retried", self.name)
                failed = {r["messageId"] for r in records}
            self._settle(records, failed)
            log.info(
                "%s: batch of %d, %d done, %d left for retry",
                self.name,
                len(records),
                len(records) - len(failed),
                len(failed),
            )
            self.batches += 1
            self.failed += len(failed)
            self.succeeded += len(records) - len(failed)
            return failed
        finally:
            with self._lock:
                self._busy -= 1

    def _settle(self, records: list[dict[str, Any]], failed: set[str]) -> None:
        done = [r for r in records if r["messageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(chunk)
                ],
            )
        retry = [r for r in records if r["messageId"] in failed]
        for start in range(0, len(retry), 10):
            chunk = retry[start : start + 10]
            self.sqs.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {
                        "Id": str(i),
                        "ReceiptHandle": r["receiptHandle"],
                        "VisibilityTimeout": self.retry_after_s,
                    }
                    for i, r in enumerate(chunk)
                ],
            )
        if retry:
            log.info(
                "%s: %d of %d messages failed; visible again in %d s",
                self.name,
                len(retry),
                len(records),
                self.retry_after_s,
            )

    def backlog(self) -> int:
        """Messages on the queue, visible or in flight."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )
