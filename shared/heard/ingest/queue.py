"""The ingest queue: webhooks and pollers put normalised mentions on it, triage takes them off."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from heard.models import DeletionMessage, MentionMessage, QueueMessage, mention_key

SQS_BATCH = 10  # SendMessageBatch takes at most 10 entries


@cache
def _adapter() -> TypeAdapter[QueueMessage]:
    return TypeAdapter(QueueMessage)  # built on first use: the webhook never needs it


class EnqueueError(RuntimeError):
    """Some messages could not be queued; the caller must not acknowledge the delivery."""


def parse_message(body: str) -> MentionMessage | DeletionMessage:
    """A queue message body back into its model (raises pydantic.ValidationError)."""
    return _adapter().validate_json(body)


def message_key(message: MentionMessage | DeletionMessage) -> str:
    """The mention key a message concerns (the logs' correlation id)."""
    if isinstance(message, MentionMessage):
        return message.mention.key
    return mention_key(message.platform, message.native_id)


def message_platform(message: MentionMessage | DeletionMessage) -> str:
    if isinstance(message, MentionMessage):
        return message.mention.platform.value
    return message.platform.value


def _attributes(message: MentionMessage | DeletionMessage) -> dict[str, Any]:
    return {
        "platform": {"DataType": "String", "StringValue": message_platform(message)},
        "type": {"DataType": "String", "StringValue": message.type},
    }


class IngestQueue:
    """Sends messages in batches of ten; entries that fail are retried once, then reported."""

    def __init__(self, sqs_client: Any, queue_url: str):
        self._sqs = sqs_client
        self._url = queue_url

    def send(self, messages: Sequence[MentionMessage | DeletionMessage]) -> int:
        for start in range(0, len(messages), SQS_BATCH):
            chunk = messages[start : start + SQS_BATCH]
            entries = [
                {
                    "Id": str(i),
                    "MessageBody": m.model_dump_json(),
                    "MessageAttributes": _attributes(m),
                }
                for i, m in enumerate(chunk)
            ]
            for attempt in range(2):
                try:
                    response = self._sqs.send_message_batch(QueueUrl=self._url, Entries=entries)
                except Exception as exc:  # throttled, unreachable: the platform must redeliver
                    raise EnqueueError(f"the ingest queue refused the batch: {exc}") from exc
                failed = {f["Id"] for f in response.get("Failed", [])}
                if not failed:
                    break
                entries = [e for e in entries if e["Id"] in failed]
                if attempt == 1:
                    raise EnqueueError(f"{len(failed)} message(s) not queued: {response['Failed']}")
        return len(messages)
