"""Scheduled: raise again the high and critical mentions still new past their SLA."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from heard.alerts import AlertDispatcher, SnsChannel
from heard.config import ConfigSource
from heard.escalation import escalate_overdue
from heard.observability import make_tracer
from heard.settings import EscalateSettings
from heard.store import AlertClaims, MentionTable

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
def _alerts() -> AlertDispatcher:
    # Wired once per cold start, on the first run.
    settings = _settings()
    table = MentionTable(boto3.resource("dynamodb").Table(settings.mentions_table))
    return AlertDispatcher(
        AlertClaims(table), SnsChannel(boto3.client("sns"), settings.alerts_topic_arn)
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    sla = timedelta(minutes=_settings().sla_minutes)
    keys = escalate_overdue(_alerts(), _config_source().get(), sla=sla)
    metrics.add_metric(name="MentionsEscalated", unit=MetricUnit.Count, value=len(keys))
    logger.info("escalation run", extra={"escalated": len(keys)})
    return {"escalated": len(keys), "keys": keys}
