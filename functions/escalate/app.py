"""Scheduled: raise again the high and critical mentions still new past their SLA."""

from __future__ import annotations

import os
from datetime import timedelta

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from heard.alerts import AlertPublisher
from heard.config import ConfigSource
from heard.escalation import escalate_overdue
from heard.store import MentionStore

logger = Logger()
tracer = Tracer()
metrics = Metrics()
config_source = ConfigSource()
_store = MentionStore(boto3.resource("dynamodb").Table(os.environ["MENTIONS_TABLE"]))
_publisher = AlertPublisher(boto3.client("sns"), os.environ["ALERTS_TOPIC_ARN"])
_sla = timedelta(minutes=int(os.environ.get("SLA_MINUTES", "30")))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    keys = escalate_overdue(_store, _publisher, config_source.get(), sla=_sla)
    metrics.add_metric(name="MentionsEscalated", unit=MetricUnit.Count, value=len(keys))
    logger.info("escalation run", extra={"escalated": len(keys)})
    return {"escalated": len(keys), "keys": keys}
