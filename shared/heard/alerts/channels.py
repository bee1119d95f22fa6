"""Where alerts go. A ``Channel`` sends one ``Alert`` and returns the message id it got.

``SnsChannel`` publishes to the one alerts topic. Subscribers filter on the message attributes
``severity`` (the priority), ``platform``, ``brand`` and ``intent`` (a String.Array), so email
can take high and critical while SMS takes only critical; each protocol gets its own rendering
(the full message for email and chat, one line for SMS). A direct chat channel (Slack) would be
another ``Channel``.

A channel raises ``PermanentDeliveryError`` when sending this alert can never succeed (the
service refused the message itself); anything else it raises is taken as transient.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import ClientError, ParamValidationError

from heard.alerts.render import SlaNotice, render, render_sms, subject
from heard.config import Brand
from heard.models import MentionRecord

# The whole SNS publish request: message, subject and message attributes, in UTF-8 bytes.
SNS_MESSAGE_LIMIT = 262_144
# SNS error codes that say the message itself is refused: retrying the same one cannot help.
PERMANENT_SNS_ERRORS = frozenset(
    {"InvalidParameter", "InvalidParameterValue", "ParameterValueInvalid", "ValidationError"}
)


@dataclass(frozen=True)
class Alert:
    """A mention that deserves attention; with ``sla``, an SLA warning or breach of its case."""

    record: MentionRecord
    brand: Brand | None = None
    sla: SlaNotice | None = None


class Channel(Protocol):
    def send(self, alert: Alert) -> str: ...


class PermanentDeliveryError(Exception):
    """The channel refused this alert for good (too long, malformed): do not retry it."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.code = code


def attributes(
    record: MentionRecord, brand: Brand | None = None, sla: SlaNotice | None = None
) -> dict[str, Any]:
    """Message attributes subscribers filter on: ``severity`` (the case's priority),
    ``platform``, ``brand``, ``intent``, the brand's ``channel``; on SLA alerts ``sla``
    (warning or breach) and ``route`` (the escalation level's, e.g. manager)."""
    intents = [i.value for i in record.triage.intents] or ["none"]
    attrs: dict[str, Any] = {
        "severity": {"DataType": "String", "StringValue": record.priority.value},
        "platform": {"DataType": "String", "StringValue": record.mention.platform.value},
        "brand": {"DataType": "String", "StringValue": record.brand},
        "intent": {"DataType": "String.Array", "StringValue": json.dumps(intents)},
    }
    if brand is not None and brand.routing.channel:
        attrs["channel"] = {"DataType": "String", "StringValue": brand.routing.channel}
    if sla is not None:
        attrs["sla"] = {"DataType": "String", "StringValue": sla.kind}
        if sla.route:
            attrs["route"] = {"DataType": "String", "StringValue": sla.route}
    return attrs


def publish_size(subject: str, message: str, attrs: dict[str, Any]) -> int:
    """What SNS counts against its limit: message, subject and every attribute's name, type
    and value, in UTF-8 bytes."""
    size = len(message.encode()) + len(subject.encode())
    for name, value in attrs.items():
        size += len(name.encode()) + len(value["DataType"].encode())
        size += len(value.get("StringValue", "").encode())
    return size


def sns_request(alert: Alert, limit: int = SNS_MESSAGE_LIMIT) -> dict[str, Any]:
    """The publish arguments for an alert, within ``limit`` bytes. When the whole request is
    too big, the quoted text (present twice, in ``default`` and ``email``) is cut to the longest
    that fits; the reasons, the link and the mention id always stay."""
    record = alert.record
    title = subject(record, alert.sla)
    attrs = attributes(record, alert.brand, alert.sla)
    sms = render_sms(record)

    def message(quote: int | None) -> tuple[str, int]:
        full = render(record, alert.sla, quote_bytes=quote)
        text = json.dumps(
            {"default": full, "email": full, "sms": sms}, ensure_ascii=False, separators=(",", ":")
        )
        return text, publish_size(title, text, attrs)

    body, size = message(None)
    if size > limit:
        # The longest quote that fits (JSON escaping makes the cost per byte vary).
        low, high = 0, len(record.mention.text.strip().encode())
        body, size = message(low)
        if size > limit:
            raise PermanentDeliveryError(f"alert too long even without its text ({size} bytes)")
        while low < high:
            middle = (low + high + 1) // 2
            candidate, candidate_size = message(middle)
            if candidate_size <= limit:
                low, body, size = middle, candidate, candidate_size
            else:
                high = middle - 1
    return {
        "Subject": title,
        "Message": body,
        "MessageStructure": "json",
        "MessageAttributes": attrs,
    }


class SnsChannel:
    """Publishes alerts to the SNS topic. ``sns_client`` is a boto3 SNS client."""

    def __init__(self, sns_client: Any, topic_arn: str):
        self._sns = sns_client
        self._topic = topic_arn

    def send(self, alert: Alert) -> str:
        request = sns_request(alert)
        try:
            response = self._sns.publish(TopicArn=self._topic, **request)
        except ParamValidationError as e:
            raise PermanentDeliveryError(str(e), "ParamValidationError") from e
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in PERMANENT_SNS_ERRORS:
                raise PermanentDeliveryError(str(e), code) from e
            raise
        return response["MessageId"]
