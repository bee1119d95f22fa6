"""Scheduled every 5 minutes: each brand's closed 5-minute buckets through the spike detectors;
a spike opens a crisis (one alert, to the topic and the brand's chat channels), and its end is
announced. Then the summaries of what storm control held (quiet hours over, a capped hour
closed) go out."""

from __future__ import annotations

from functools import cache

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from heard.alerts import RoutedChannel
from heard.alerts.wiring import routed_channel
from heard.config import ConfigSource
from heard.observability import make_tracer
from heard.settings import SpikesSettings
from heard.spikes.check import run_spikes
from heard.spikes.notify import RoutedCrisisNotifier, SnsCrisisNotifier
from heard.store import MentionStore, MentionTable, SignalsTable

logger = Logger()
tracer = make_tracer()
metrics = Metrics()


@cache
def _settings() -> SpikesSettings:
    return SpikesSettings.from_env()


@cache
def _config_source() -> ConfigSource:
    return ConfigSource(_settings())


@cache
def _wired() -> tuple[SignalsTable, MentionStore, RoutedCrisisNotifier, RoutedChannel]:
    # Wired once per cold start, on the first run.
    settings = _settings()
    dynamodb = boto3.resource("dynamodb")
    sns = boto3.client("sns")
    routed = routed_channel(
        sns=sns,
        sqs=boto3.client("sqs"),
        dynamodb=dynamodb,
        topic_arn=settings.alerts_topic_arn,
        notify_queue_url=settings.notify_queue_url,
        inbox_url=settings.inbox_url,
        signals_table=settings.signals_table,
    )
    return (
        SignalsTable(dynamodb.Table(settings.signals_table)),
        MentionStore(MentionTable(dynamodb.Table(settings.mentions_table))),
        RoutedCrisisNotifier(SnsCrisisNotifier(sns, settings.alerts_topic_arn), routed),
        routed,
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    signals, mentions, notifier, routed = _wired()
    config = _config_source().get()
    runs = run_spikes(config, signals, mentions, notifier)
    # Storm control's holds that have ended (quiet hours over, a capped hour closed).
    summaries = routed.send_summaries(config)
    sent = [f"{r.brand}:{n}" for r in runs for n in r.sent]
    failed = [r.brand for r in runs if r.outcome == "error"]
    metrics.add_metric(
        name="SpikeAlerts", unit=MetricUnit.Count, value=sum(len(r.alerts) for r in runs)
    )
    metrics.add_metric(name="CrisisNotices", unit=MetricUnit.Count, value=len(sent))
    summary = {
        "brands": {r.brand: {"outcome": r.outcome, "folded": r.folded} for r in runs},
        "sent": sent,
        "summaries": summaries,
    }
    logger.info("spike check", extra=summary)
    if failed:
        # After the others ran: the errors alarm fires; the next run picks up where it stopped.
        raise RuntimeError(f"spike check failed for {', '.join(failed)}")
    return summary
