"""Scheduled every minute: SLA warnings and escalations for the cases that are due."""

from __future__ import annotations

from functools import cache

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from heard.alerts import AlertDispatcher
from heard.alerts.wiring import routed_channel
from heard.config import ConfigSource
from heard.escalation import run_sla
from heard.observability import make_tracer
from heard.settings import EscalateSettings
from heard.store import AlertClaims, MentionStore, MentionTable

logger = Logger()
tracer = make_tracer()
metrics = Metrics()


@cache
def _settings() -> EscalateSettings:
    return EscalateSettings.from_env()


@cache
def _config_source() -> ConfigSource:
    return ConfigSource(_settings())


@cache
def _wired() -> tuple[MentionStore, AlertDispatcher]:
    # Wired once per cold start, on the first run.
    settings = _settings()
    table = MentionTable(boto3.resource("dynamodb").Table(settings.mentions_table))
    channel = routed_channel(
        sns=boto3.client("sns"),
        sqs=boto3.client("sqs"),
        dynamodb=boto3.resource("dynamodb"),
        topic_arn=settings.alerts_topic_arn,
        notify_queue_url=settings.notify_queue_url,
        inbox_url=settings.inbox_url,
        signals_table=settings.signals_table,
    )
    return MentionStore(table), AlertDispatcher(AlertClaims(table), channel)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    store, alerts = _wired()
    sent = run_sla(store, alerts, _config_source().get())
    metrics.add_metric(name="SlaNoticesSent", unit=MetricUnit.Count, value=len(sent))
    logger.info("SLA run", extra={"sent": len(sent)})
    return {"sent": len(sent), "events": sent}
