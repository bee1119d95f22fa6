"""Sending a crisis alert and its end message: through the alerts topic, like every alert.

Message attributes: ``severity`` = critical (both messages reach whoever takes critical
alerts: the email and SMS subscriptions), ``kind`` = crisis, ``crisis`` = opened | ended,
``brand``, ``platform`` = all, ``intent`` (the window's top intents; ``["none"]``) and the
brand's ``channel`` where it has one. A subscription that wants crises only filters on
``kind = crisis``.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from heard.alerts.channels import RoutedChannel
from heard.config import Brand
from heard.spikes.report import CrisisEnd, CrisisReport


class CrisisNotifier(Protocol):
    def opened(self, report: CrisisReport, brand: Brand | None) -> str: ...

    def ended(self, end: CrisisEnd, brand: Brand | None) -> str: ...


def crisis_attributes(
    brand_name: str, stage: str, brand: Brand | None, intents: list[str]
) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "severity": {"DataType": "String", "StringValue": "critical"},
        "kind": {"DataType": "String", "StringValue": "crisis"},
        "crisis": {"DataType": "String", "StringValue": stage},
        "brand": {"DataType": "String", "StringValue": brand_name},
        "platform": {"DataType": "String", "StringValue": "all"},
        "intent": {"DataType": "String.Array", "StringValue": json.dumps(intents or ["none"])},
    }
    if brand is not None and brand.routing.channel:
        attrs["channel"] = {"DataType": "String", "StringValue": brand.routing.channel}
    return attrs


class SnsCrisisNotifier:
    """Publishes crisis messages to the alerts topic. ``sns`` is a boto3 SNS client."""

    def __init__(self, sns: Any, topic_arn: str):
        self._sns, self._topic = sns, topic_arn

    def _publish(self, subject: str, text: str, sms: str, attrs: dict[str, Any]) -> str:
        message = json.dumps(
            {"default": text, "email": text, "sms": sms}, ensure_ascii=False, separators=(",", ":")
        )
        response = self._sns.publish(
            TopicArn=self._topic,
            Subject=subject,
            Message=message,
            MessageStructure="json",
            MessageAttributes=attrs,
        )
        return str(response["MessageId"])

    def opened(self, report: CrisisReport, brand: Brand | None) -> str:
        intents = [str(i) for i, _ in report.top_intents]
        attrs = crisis_attributes(report.brand, "opened", brand, intents)
        return self._publish(report.subject(), report.text(), report.sms(), attrs)

    def ended(self, end: CrisisEnd, brand: Brand | None) -> str:
        attrs = crisis_attributes(end.brand, "ended", brand, [])
        return self._publish(end.subject(), end.text(), end.sms(), attrs)


class RoutedCrisisNotifier:
    """The topic first (as ``SnsCrisisNotifier``), then the brand's chat and HTTPS channels
    that its routes give crises (``kind: crisis``), through the notifier's queue."""

    def __init__(self, topic: CrisisNotifier, routed: RoutedChannel):
        self.topic, self.routed = topic, routed

    def opened(self, report: CrisisReport, brand: Brand | None) -> str:
        sent = self.topic.opened(report, brand)
        self.routed.broadcast(report.notice(), brand, topic=False)
        return sent

    def ended(self, end: CrisisEnd, brand: Brand | None) -> str:
        sent = self.topic.ended(end, brand)
        self.routed.broadcast(end.notice(), brand, topic=False)
        return sent
