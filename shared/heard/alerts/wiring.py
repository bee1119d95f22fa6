"""The routed channel as the deployed functions build it (triage, escalate, spikes): the SNS
topic, the notifier's queue when there is one, and storm control on ``SignalsTable`` when
there is one. Clients come in from the handler; nothing here creates one."""

from __future__ import annotations

from typing import Any

from heard.alerts.channels import NotifyQueue, RoutedChannel, SnsChannel
from heard.alerts.storm import DynamoStormState, StormControl
from heard.store.signals import SignalsTable


def routed_channel(
    *,
    sns: Any,
    sqs: Any,
    dynamodb: Any,
    topic_arn: str,
    notify_queue_url: str | None,
    inbox_url: str | None,
    signals_table: str | None,
) -> RoutedChannel:
    """``sns``/``sqs`` are boto3 clients, ``dynamodb`` a boto3 DynamoDB resource."""
    queue = NotifyQueue(sqs, notify_queue_url) if notify_queue_url else None
    storm = None
    if signals_table:
        table = dynamodb.Table(signals_table)
        storm = StormControl(DynamoStormState(table), SignalsTable(table))
    return RoutedChannel(SnsChannel(sns, topic_arn, inbox_url), queue, storm=storm)


__all__ = ["routed_channel"]
