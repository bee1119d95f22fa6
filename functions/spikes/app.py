"""Scheduled every 5 minutes: each brand's closed 5-minute buckets through the spike detectors;
a spike opens a crisis (one alert), and its end is announced."""

from __future__ import annotations

from functools import cache

import boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

from heard.config import ConfigSource
from heard.observability import make_tracer
from heard.settings import SpikesSettings
from heard.spikes.check import run_spikes
from heard.spikes.notify import SnsCrisisNotifier
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
def _wired() -> tuple[SignalsTable, MentionStore, SnsCrisisNotifier]:
    # Wired once per cold start, on the first run.
    settings = _settings()
    dynamodb = boto3.resource("dynamodb")
    return (
        SignalsTable(dynamodb.Table(settings.signals_table)),
        MentionStore(MentionTable(dynamodb.Table(settings.mentions_table))),
        SnsCrisisNotifier(boto3.client("sns"), settings.alerts_topic_arn),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event, context):
    signals, mentions, notifier = _wired()
    runs = run_spikes(_config_source().get(), signals, mentions, notifier)
    sent = [f"{r.brand}:{n}" for r in runs for n in r.sent]
    failed = [r.brand for r in runs if r.outcome == "error"]
    metrics.add_metric(
        name="SpikeAlerts", unit=MetricUnit.Count, value=sum(len(r.alerts) for r in runs)
    )
    metrics.add_metric(name="CrisisNotices", unit=MetricUnit.Count, value=len(sent))
    summary = {
        "brands": {r.brand: {"outcome": r.outcome, "folded": r.folded} for r in runs},
        "sent": sent,
    }
    logger.info("spike check", extra=summary)
    if failed:
        # After the others ran: the errors alarm fires; the next run picks up where it stopped.
        raise RuntimeError(f"spike check failed for {', '.join(failed)}")
    return summary
