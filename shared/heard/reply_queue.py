"""The reply queue: the API puts a reply's id on it, the reply function sends the reply."""

from __future__ import annotations

from typing import Any

from heard.models import ReplyMessage


class SqsReplyQueue:
    """``ReplyQueue`` over SQS (``SendMessage``; one message per reply asked for)."""

    def __init__(self, client: Any, queue_url: str):
        self._client, self._url = client, queue_url

    def send(self, message: ReplyMessage) -> None:
        self._client.send_message(QueueUrl=self._url, MessageBody=message.model_dump_json())


def parse_reply_message(body: str) -> ReplyMessage:
    return ReplyMessage.model_validate_json(body)
