"""Notify: the notify queue -> Slack, Teams or an HTTPS receiver, once per message.

Each message is one alert rendered for one channel. A channel that asks to wait (429 with
Retry-After, a 5xx, a network error) gets the message back after that wait, reported failed;
after the queue's maxReceiveCount it goes to the dead-letter queue. A message the channel
refuses for good (Slack ``invalid_payload``, a Teams 400) is logged and dropped.
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

from heard.alerts.notifier import Ledger, Notifier, Outcome, SignalsThreads, parse_notify_message
from heard.alerts.ops import OpsAlarm
from heard.config import ConfigSource
from heard.observability import make_tracer
from heard.secrets import alerts_secret
from heard.settings import NotifySettings

logger = Logger()
tracer = make_tracer()
# A message that waits is a reported item failure, not a function error.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
# SQS keeps a message invisible for 12 hours at most.
MAX_VISIBILITY_S = 43_200


class RetryLater(Exception):
    pass


@cache
def _settings() -> NotifySettings:
    return NotifySettings.from_env()


@cache
def _notifier() -> Notifier:
    settings = _settings()
    source = ConfigSource(settings)
    alarm = OpsAlarm(
        boto3.client("dynamodb"),
        settings.idempotency_table,
        boto3.client("sns"),
        settings.ops_topic_arn,
    )
    return Notifier(
        source.get,
        alerts_secret,
        httpx.Client(follow_redirects=False),
        Ledger(boto3.client("dynamodb"), settings.idempotency_table),
        alarm,
        slack_api_url=settings.slack_api_url,
        failures_before_alert=settings.failures_before_alert,
        # A crisis's later messages reply in its Slack thread (chat.postMessage channels).
        threads=(
            SignalsThreads(boto3.resource("dynamodb").Table(settings.signals_table))
            if settings.signals_table
            else None
        ),
    )


@tracer.capture_method
def record_handler(record: SQSRecord) -> dict[str, Any]:
    message = parse_notify_message(record.body)
    logger.set_correlation_id(message.id)
    attempt = int(record.attributes.approximate_receive_count or 1)
    result = _notifier().process(message, attempt)
    outcome = {"id": message.id, "outcome": result.outcome.value, "detail": result.detail}
    if result.outcome is Outcome.RETRY:
        last = attempt >= _settings().max_attempts
        wait = 1 if last else max(1, min(result.retry_after_s or 1, MAX_VISIBILITY_S))
        boto3.client("sqs").change_message_visibility(
            QueueUrl=_settings().notify_queue_url,
            ReceiptHandle=record.receipt_handle,
            VisibilityTimeout=wait,
        )
        if last:
            logger.error("alert not delivered after every attempt; to the DLQ", extra=outcome)
        else:
            logger.info("alert waits", extra={**outcome, "seconds": wait})
        raise RetryLater(result.detail)
    if result.outcome is Outcome.DROPPED:
        logger.error("alert refused by the channel; dropped", extra=outcome)
    else:
        logger.info("alert processed", extra=outcome)
    return outcome


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event, context):
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
