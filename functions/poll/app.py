"""The scheduled sources: a tick every minute fans out the runs that are due; each run polls
one source for one brand and puts the new mentions on the ingest queue.

Two kinds of event reach this handler: the schedule's tick (EventBridge Scheduler, any event
without ``Records``), which claims the due runs and queues one message per (source, brand) on
the poll queue; and the poll queue's messages (``Records``), one run each, with the whole
timeout (less a margin) for itself. A run that ends on a platform's error is not a failed
message: its cursor is where it was, its backoff is recorded, and the next tick tries again.
"""

from __future__ import annotations

import time
from functools import cache
from typing import Any

import boto3
import httpx
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from heard.alerts.ops import OpsAlarm
from heard.config import ConfigSource
from heard.ingest import SQS_BATCH, IngestQueue
from heard.ingest.polling import Poller, RunReport
from heard.ingest.runs import BadRun, PollRun, due_runs, load_source
from heard.models import utcnow
from heard.observability import make_tracer
from heard.settings import PollSettings
from heard.store.pollstate import PollState

logger = Logger()
tracer = make_tracer()
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@cache
def _settings() -> PollSettings:
    return PollSettings.from_env()


@cache
def _config_source() -> ConfigSource:
    return ConfigSource(_settings())


@cache
def _wired() -> tuple[PollState, Poller, Any]:
    settings = _settings()
    state = PollState(boto3.resource("dynamodb").Table(settings.poll_state_table))
    sqs = boto3.client("sqs")
    alarm = None
    if settings.idempotency_table and settings.ops_topic_arn:
        alarm = OpsAlarm(
            boto3.client("dynamodb"),
            settings.idempotency_table,
            boto3.client("sns"),
            settings.ops_topic_arn,
        )
    poller = Poller(
        state,
        IngestQueue(sqs, settings.ingest_queue_url),
        httpx.Client(follow_redirects=True),
        alarm,
        base_urls=settings.source_urls,
    )
    return state, poller, sqs


def _run(run: PollRun, deadline: float | None) -> RunReport | None:
    config = _config_source().get()
    brand = config.brand(run.brand)
    if brand is None or config.source(run.source) is None:
        logger.info("poll run no longer configured", extra={"run": run.__dict__})
        return None
    _, poller, _ = _wired()
    report = poller.run(load_source(run.source), config, brand, deadline=deadline)
    metrics.add_metric(name="PolledMentions", unit=MetricUnit.Count, value=report.queued)
    metrics.add_metric(name="PollRequests", unit=MetricUnit.Count, value=report.requests)
    return report


def _tick(context: Any) -> dict[str, Any]:
    state, _, sqs = _wired()
    settings = _settings()
    runs = list(due_runs(_config_source().get(), state, utcnow()))
    if settings.poll_queue_url:
        for start in range(0, len(runs), SQS_BATCH):
            entries = [
                {"Id": str(i), "MessageBody": run.to_json()}
                for i, run in enumerate(runs[start : start + SQS_BATCH])
            ]
            failed = sqs.send_message_batch(QueueUrl=settings.poll_queue_url, Entries=entries).get(
                "Failed"
            )
            if failed:  # claimed but not queued: the run comes again when next due
                logger.warning("poll runs not queued", extra={"failed": failed})
        logger.info("poll tick", extra={"queued": len(runs)})
        return {"queued": [r.__dict__ for r in runs]}
    reports = [_run(r, _deadline(context)) for r in runs]
    return {"ran": [r.as_dict() for r in reports if r is not None]}


def _deadline(context: Any) -> float | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return time.monotonic() + remaining() / 1000 if remaining else None


def _record_handler(context: Any) -> Any:
    def handle(record: SQSRecord) -> None:
        try:
            run = PollRun.from_json(record.body)
        except BadRun as exc:  # never retried: it can never succeed
            logger.error("dropped a poll message that is not a run", extra={"error": str(exc)})
            return
        _run(run, _deadline(context))

    return handle


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> Any:
    if isinstance(event, dict) and "Records" in event:
        return process_partial_response(
            event=event,
            record_handler=_record_handler(context),
            processor=processor,
            context=context,
        )
    return _tick(context)
