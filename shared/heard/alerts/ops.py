"""Operational alerts raised by code (not by a CloudWatch alarm), each once until it clears.

``OpsAlarm.raise_once(key, ...)`` stores a flag item with a conditional put and publishes to
the ops topic only when the put succeeded, so a condition seen by every reply (an expired
token) makes one alert, however many replies fail and however many instances see it.
``clear(key)`` removes the flag once the condition is gone (a reply went through), so the next
occurrence alerts again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

FLAG_PREFIX = "heard#ops#"


class OpsAlarm:
    """Flags in a DynamoDB table keyed by ``id`` (the idempotency table), alerts on SNS."""

    def __init__(self, dynamodb: Any, table_name: str, sns: Any, topic_arn: str):
        self._ddb, self._table = dynamodb, table_name
        self._sns, self._topic = sns, topic_arn

    def raise_once(self, key: str, subject: str, message: str) -> bool:
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item={
                    "id": {"S": FLAG_PREFIX + key},
                    "raised_at": {"S": datetime.now(UTC).isoformat()},
                    "message": {"S": message[:1000]},
                },
                ConditionExpression="attribute_not_exists(id)",
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        self._sns.publish(TopicArn=self._topic, Subject=subject[:100], Message=message)
        log.warning("operational alert %s: %s", key, message)
        return True

    def resolve(self, key: str, subject: str, message: str) -> bool:
        """Clear the flag and, if it was raised, publish that the condition is over (one
        recovery notice for one alert, however many instances see the recovery)."""
        old = self._ddb.delete_item(
            TableName=self._table,
            Key={"id": {"S": FLAG_PREFIX + key}},
            ReturnValues="ALL_OLD",
        ).get("Attributes")
        if not old:
            return False
        self._sns.publish(TopicArn=self._topic, Subject=subject[:100], Message=message)
        log.warning("operational alert %s cleared: %s", key, message)
        return True

    def clear(self, key: str) -> None:
        # Unconditional: another instance may have raised it since this one last looked.
        self._ddb.delete_item(TableName=self._table, Key={"id": {"S": FLAG_PREFIX + key}})


__all__ = ["FLAG_PREFIX", "OpsAlarm"]
