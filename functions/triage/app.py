"""Triage: SQS batches of queued mentions -> triage -> DynamoDB (once) -> SNS alert (once).

Partial batch failures: a record that raises fails alone and is retried alone; after the
queue's maxReceiveCount it lands in the dead-letter queue.
"""

from __future__ import annotations

from functools import cache

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from heard.alerts import AlertDispatcher
from heard.alerts.wiring import routed_channel
from heard.config import ConfigSource
from heard.ingest import message_key, message_platform, parse_message
from heard.observability import PlatformMetrics, make_tracer
from heard.pipeline import Outcome, Pipeline
from heard.settings import TriageSettings
from heard.store import AlertClaims, MentionStore, MentionTable, SignalsTable
from heard.triage import get_triager

logger = Logger()
tracer = make_tracer()
processor = BatchProcessor(event_type=EventType.SQS)
platform_metrics = PlatformMetrics()


@cache
def _config_source() -> ConfigSource:
    return ConfigSource(_settings())


@cache
def _settings() -> TriageSettings:
    return TriageSettings.from_env()


@cache
def _pipeline() -> Pipeline:
    # Wired once per cold start, on the first batch.
    settings = _settings()
    dynamodb = boto3.resource("dynamodb")
    table = MentionTable(
        dynamodb.Table(settings.mentions_table), retention_days=settings.retention_days
    )
    channel = routed_channel(
        sns=boto3.client("sns"),
        sqs=boto3.client("sqs"),
        dynamodb=dynamodb,
        topic_arn=settings.alerts_topic_arn,
        notify_queue_url=settings.notify_queue_url,
        inbox_url=settings.inbox_url,
        signals_table=settings.signals_table,
    )
    counts = (
        SignalsTable(dynamodb.Table(settings.signals_table)) if settings.signals_table else None
    )
    return Pipeline(
        store=MentionStore(table, counts),
        alerts=AlertDispatcher(AlertClaims(table), channel),
        triager=get_triager(settings=settings),
        config=_config_source().get(),
    )


_METRIC = {
    Outcome.STORED: "MentionsStored",
    Outcome.DUPLICATE: "DuplicatesIgnored",
    Outcome.UNMATCHED: "MentionsUnmatched",
    Outcome.DELETED: "MentionsDeleted",
    Outcome.EDITED: "MentionsEdited",
}


@tracer.capture_method
def record_handler(record: SQSRecord) -> str:
    message = parse_message(record.body)
    pipeline = _pipeline()
    pipeline.use_config(_config_source().get())  # cached; picks up SSM edits without redeploy
    logger.set_correlation_id(message_key(message))
    result = pipeline.handle(message)
    platform = message_platform(message)
    platform_metrics.add(platform, _METRIC[result.outcome])
    if result.alerted:
        platform_metrics.add(platform, "AlertsPublished")
    logger.info(
        "mention processed",
        extra={"outcome": result.outcome.value, "key": result.key, "alerted": result.alerted},
    )
    return result.outcome.value


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def handler(event, context):
    try:
        return process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
    finally:
        platform_metrics.flush()
