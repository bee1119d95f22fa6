"""Capture what an SNS topic delivers, through an SQS queue subscribed to it.

This is how a person would watch a topic without email or SMS: the local stack's alert printer,
the tests and the bench all read alerts this way. Deliveries are SNS envelopes
(RawMessageDelivery false), so the subject and message attributes arrive with the message.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Delivery:
    """One SNS notification as a subscriber receives it."""

    message_id: str
    topic_arn: str
    subject: str | None
    message: str
    attributes: dict[str, str]  # message attribute name -> value
    timestamp: str  # SNS's publish time (ISO 8601)
    received_at: float  # time.time() when this process received it
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def json(self) -> Any:
        """The message parsed as JSON (alerts may carry a JSON body)."""
        return json.loads(self.message)


class TopicCapture:
    """An SQS queue subscribed to a topic; ``receive``/``wait_for`` return ``Delivery`` items.

    ``sqs`` and ``sns`` are boto3 clients for the same endpoint. ``filter_policy`` (optional)
    subscribes with an SNS filter policy, to check what a filtered subscriber would get.
    """

    def __init__(
        self,
        sqs: Any,
        sns: Any,
        topic_arn: str,
        *,
        name: str | None = None,
        filter_policy: dict[str, Any] | None = None,
    ):
        self.sqs = sqs
        self.sns = sns
        self.topic_arn = topic_arn
        name = name or f"capture-{uuid.uuid4().hex[:12]}"
        self.queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
        self.queue_arn = sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        attributes = {"RawMessageDelivery": "false"}
        if filter_policy is not None:
            attributes["FilterPolicy"] = json.dumps(filter_policy)
        self.subscription_arn = sns.subscribe(
            TopicArn=topic_arn,
            Protocol="sqs",
            Endpoint=self.queue_arn,
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]

    def receive(self, wait_s: int = 1, max_messages: int = 10) -> list[Delivery]:
        """One long poll; received messages are deleted from the capture queue."""
        response = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait_s,
        )
        received_at = time.time()
        messages = response.get("Messages", [])
        deliveries = [_delivery(m["Body"], received_at) for m in messages]
        if messages:
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(messages)
                ],
            )
        return deliveries

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[Delivery]:
        """Poll until ``count`` deliveries arrived or ``timeout_s`` passed; returns all received."""
        deadline = time.monotonic() + timeout_s
        got: list[Delivery] = []
        while len(got) < count and time.monotonic() < deadline:
            got += self.receive(wait_s=1)
        return got

    def drain(self, quiet_s: float = 1.0) -> list[Delivery]:
        """Everything delivered until the queue stays empty for ``quiet_s``."""
        got: list[Delivery] = []
        while True:
            batch = self.receive(wait_s=max(1, int(quiet_s)))
            if not batch:
                return got
            got += batch

    def close(self) -> None:
        """Unsubscribe and delete the capture queue (best effort)."""
        for call in (
            lambda: self.sns.unsubscribe(SubscriptionArn=self.subscription_arn),
            lambda: self.sqs.delete_queue(QueueUrl=self.queue_url),
        ):
            with contextlib.suppress(Exception):
                call()


def _delivery(body: str, received_at: float) -> Delivery:
    envelope = json.loads(body)
    attributes = {
        name: str(value.get("Value"))
        for name, value in (envelope.get("MessageAttributes") or {}).items()
    }
    return Delivery(
        message_id=envelope.get("MessageId", ""),
        topic_arn=envelope.get("TopicArn", ""),
        subject=envelope.get("Subject"),
        message=envelope.get("Message", ""),
        attributes=attributes,
        timestamp=envelope.get("Timestamp", ""),
        received_at=received_at,
        raw=envelope,
    )
