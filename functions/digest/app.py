"""Scheduled every 15 minutes: each brand's digests that are due in its time zone, once."""

from __future__ import annotations

from functools import cache

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from heard.alerts.wiring import routed_channel
from heard.config import ConfigSource
from heard.digest.compute import NoSpikes, SpikesReader
from heard.digest.run import AwsChannels, ChatDigests, DigestClaims, run_digests
from heard.observability import make_tracer
from heard.settings import DigestSettings
from heard.store import MentionStore, MentionTable, SignalsTable

logger = Logger()
tracer = make_tracer()
metrics = Metrics()


@cache
def _settings() -> DigestSettings:
    return DigestSettings.from_env()


@cache
def _config_source() -> ConfigSource:
    return ConfigSource(_settings())


@cache
def _wired() -> tuple[MentionStore, DigestClaims, AwsChannels, SpikesReader, ChatDigests]:
    # Wired once per cold start, on the first run.
    settings = _settings()
    dynamodb = boto3.resource("dynamodb")
    table = MentionTable(dynamodb.Table(settings.mentions_table))
    claims = DigestClaims(boto3.client("dynamodb"), settings.idempotency_table)
    channels = AwsChannels(boto3.client("sns"), settings.alerts_topic_arn, boto3.client("ses"))
    spikes: SpikesReader = (
        SignalsTable(dynamodb.Table(settings.signals_table))
        if settings.signals_table
        else NoSpikes()
    )
    # The brands' chat and HTTPS channels (routes with kind digest), through the notifier; a
    # digest is never held, so no storm control here.
    chat = ChatDigests(
        routed_channel(
            sns=boto3.client("sns"),
            sqs=boto3.client("sqs"),
            dynamodb=dynamodb,
            topic_arn=settings.alerts_topic_arn,
            notify_queue_url=settings.notify_queue_url,
            inbox_url=settings.inbox_url,
            signals_table=None,
        )
    )
    return MentionStore(table), claims, channels, spikes, chat


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    store, claims, channels, spikes, chat = _wired()
    sent = run_digests(_config_source().get(), store, claims, channels, spikes=spikes, chat=chat)
    metrics.add_metric(name="DigestsSent", unit=MetricUnit.Count, value=len(sent))
    logger.info("digest run", extra={"sent": [s.__dict__ for s in sent]})
    return {
        "sent": [
            {"brand": s.brand, "period": s.period, "via": s.via, "chat": list(s.chat)} for s in sent
        ]
    }
