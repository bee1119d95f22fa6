"""Replies: the reply queue -> the platform, once -> the outcome on the case.

Each message names a reply a person asked for (``POST /mentions/{id}/replies``). Powertools
Idempotency, keyed on the reply id, makes a redelivered message return the first outcome
instead of posting again. When the platform asks to wait (a rate limit, an outage), the
message is made visible again after that wait and reported failed; after the queue's
maxReceiveCount it goes to the dead-letter queue and the case shows the reply failed.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
import httpx
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from heard.alerts.ops import OpsAlarm
from heard.cases.outbox import Outbox, RetryLater
from heard.models import ReplyMessage, utcnow
from heard.observability import make_tracer
from heard.platforms.base import Credentials, PlatformAdapter, ReplyRequest
from heard.platforms.generic.email import SesMailer
from heard.platforms.tokens import SecretTokens
from heard.reply_queue import parse_reply_message
from heard.settings import ReplySettings
from heard.store import MentionStore, MentionTable

logger = Logger()
tracer = make_tracer()
# A reply that waits is a reported item failure, not a function error: with one message a
# batch, a failed batch must not raise (the Errors alarm is for real failures).
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
# SQS keeps a message invisible for 12 hours at most.
MAX_VISIBILITY_S = 43_200
# An idempotency record outlives every redelivery of its message (the queue keeps one 4 days).
IDEMPOTENCY_TTL_S = 7 * 24 * 3600


@cache
def _settings() -> ReplySettings:
    return ReplySettings.from_env()


@cache
def _outbox() -> Outbox:
    settings = _settings()
    client = httpx.Client()
    table = boto3.resource("dynamodb").Table(settings.mentions_table)
    alarm = OpsAlarm(
        boto3.client("dynamodb"),
        settings.idempotency_table,
        boto3.client("sns"),
        settings.ops_topic_arn,
    )
    mailer = SesMailer(boto3.client("ses"), settings.reply_from_address)

    def send(adapter: PlatformAdapter, request: ReplyRequest, credentials: Credentials) -> Any:
        if adapter.name == "generic":  # the way back is the customer's email address
            adapter.check_reply(request, utcnow())
            return mailer.send(request)
        return adapter.reply(request, credentials, client, utcnow())

    return Outbox(MentionStore(MentionTable(table)), send, SecretTokens(client, settings), alarm)


@cache
def _idempotent() -> tuple[IdempotencyConfig, Any]:
    """The idempotency config and ``send_once``, built on first use (the table name is in the
    environment, read once per cold start)."""
    settings = _settings()
    config = IdempotencyConfig(
        event_key_jmespath="reply_id", expires_after_seconds=IDEMPOTENCY_TTL_S
    )
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table)

    @idempotent_function(
        data_keyword_argument="message", persistence_store=persistence, config=config
    )
    def send_once(message: dict[str, Any], attempt: int) -> dict[str, Any]:
        result = _outbox().process(
            ReplyMessage.model_validate(message),
            attempt=attempt,
            max_attempts=settings.max_attempts,
        )
        return {
            "case_id": result.case_id,
            "reply_id": result.reply_id,
            "state": result.state.value if result.state else None,
            "sent_now": result.sent_now,
        }

    return config, send_once


@tracer.capture_method
def record_handler(record: SQSRecord) -> dict[str, Any]:
    message = parse_reply_message(record.body)
    logger.set_correlation_id(message.case_id)
    attempt = int(record.attributes.approximate_receive_count or 1)
    _, send_once = _idempotent()
    try:
        result: dict[str, Any] = send_once(message=message.model_dump(mode="json"), attempt=attempt)
    except RetryLater as exc:
        boto3.client("sqs").change_message_visibility(
            QueueUrl=_settings().reply_queue_url,
            ReceiptHandle=record.receipt_handle,
            VisibilityTimeout=max(1, min(int(exc.seconds + 0.999), MAX_VISIBILITY_S)),
        )
        logger.info("reply waits", extra={"reply_id": message.reply_id, "seconds": exc.seconds})
        raise
    logger.info("reply processed", extra=result)
    return result


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event, context):
    config, _ = _idempotent()
    config.register_lambda_context(context)
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
