"""Where alerts go. A ``Channel`` sends one ``Alert`` and returns the message id it got.

``SnsChannel`` publishes to the one alerts topic. Subscribers filter on the message attributes
``severity`` (the priority), ``platform``, ``brand``, ``intent`` (a String.Array) and ``kind``
(mention, escalation...), so email can take high and critical while SMS takes only critical;
each protocol gets its own rendering (the full message for email, one line for SMS).

``RoutedChannel`` is what triage and escalation send through: a brand without an ``alerts``
section gets the SNS topic as above; a brand with one gets its routes (``heard.alerts.routing``):
Slack, Teams and HTTPS channels are rendered here and queued for the notifier function, one
message per (notice, channel), and email and SMS channels go to the SNS topic with their names
in the ``channels`` attribute.

A channel raises ``PermanentDeliveryError`` when sending this alert can never succeed (the
service refused the message itself); anything else it raises is taken as transient.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from botocore.exceptions import ClientError, ParamValidationError

from heard.alerts import slack, teams, webhook
from heard.alerts.notice import Notice, from_alert
from heard.alerts.render import (
    SMS_LIMIT,
    SUBJECT_LIMIT,
    SlaNotice,
    fit_gsm7,
    gsm7_length,
    render,
    render_sms,
    subject,
    to_gsm7,
    without_contacts,
)
from heard.alerts.routing import channel_rules, channels_for, holds
from heard.alerts.storm import Decision, Held, StormControl
from heard.config import AlertChannel, Brand, HeardConfig
from heard.models import MentionRecord, utcnow

log = logging.getLogger(__name__)

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
    record: MentionRecord,
    brand: Brand | None = None,
    sla: SlaNotice | None = None,
    *,
    channels: list[str] | None = None,
) -> dict[str, Any]:
    """Message attributes subscribers filter on: ``severity`` (the case's priority),
    ``platform``, ``brand``, ``intent``, ``kind`` (mention or escalation), the brand's
    ``channel``; on SLA alerts ``sla`` (warning or breach) and ``route`` (the escalation
    level's, e.g. manager); with routes, ``channels`` (the email and SMS channels' names)."""
    intents = [i.value for i in record.triage.intents] or ["none"]
    attrs: dict[str, Any] = {
        "severity": {"DataType": "String", "StringValue": record.priority.value},
        "platform": {"DataType": "String", "StringValue": record.mention.platform.value},
        "brand": {"DataType": "String", "StringValue": record.brand},
        "intent": {"DataType": "String.Array", "StringValue": json.dumps(intents)},
        "kind": {
            "DataType": "String",
            "StringValue": "escalation" if sla is not None else "mention",
        },
    }
    if channels:
        attrs["channels"] = {"DataType": "String.Array", "StringValue": json.dumps(channels)}
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


def sns_request(
    alert: Alert,
    limit: int = SNS_MESSAGE_LIMIT,
    *,
    notice: Notice | None = None,
    channels: list[str] | None = None,
) -> dict[str, Any]:
    """The publish arguments for an alert, within ``limit`` bytes. When the whole request is
    too big, the quoted text (present twice, in ``default`` and ``email``) is cut to the longest
    that fits; the reasons, the link and the mention id always stay. ``notice`` brings the
    case link and the SLA deadline."""
    record = alert.record
    title = subject(record, alert.sla)
    attrs = attributes(record, alert.brand, alert.sla, channels=channels)
    sms = render_sms(record, alert.sla)
    case_url = notice.case_url if notice is not None else None
    deadline = notice.deadline if notice is not None else None

    def message(quote: int | None) -> tuple[str, int]:
        full = render(record, alert.sla, quote_bytes=quote, case_url=case_url, deadline=deadline)
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
    """Publishes alerts to the SNS topic. ``sns_client`` is a boto3 SNS client; with
    ``inbox_url`` the messages link to the case in the web inbox."""

    def __init__(self, sns_client: Any, topic_arn: str, inbox_url: str | None = None):
        self._sns = sns_client
        self._topic = topic_arn
        self.inbox_url = inbox_url

    def send(self, alert: Alert) -> str:
        return self.publish(alert, from_alert(alert, inbox_url=self.inbox_url))

    def publish(self, alert: Alert, notice: Notice, channels: list[str] | None = None) -> str:
        return self._publish(sns_request(alert, notice=notice, channels=channels))

    def publish_notice(self, notice: Notice, channels: list[str]) -> str:
        """A notice that is not about one mention (a summary, a crisis) to the email and SMS
        channels ``channels``: the full text for email, one GSM-7 line for SMS."""
        return self._publish(notice_request(notice, channels))

    def _publish(self, request: dict[str, Any]) -> str:
        try:
            response = self._sns.publish(TopicArn=self._topic, **request)
        except ParamValidationError as e:
            raise PermanentDeliveryError(str(e), "ParamValidationError") from e
        except ClientError as e:
            code = e.response.get("Error", {}).get("Code", "")
            if code in PERMANENT_SNS_ERRORS:
                raise PermanentDeliveryError(str(e), code) from e
            raise
        return str(response["MessageId"])


def notice_request(notice: Notice, channels: list[str]) -> dict[str, Any]:
    """The publish arguments for a notice without a mention record (a summary, a crisis)."""
    lines = [notice.title]
    if notice.headline:
        lines.append(notice.headline)
    lines += [f"- [{label}] {value}" for label, value in notice.facts]
    for heading, rows in notice.sections:
        lines += ["", f"{heading}:", *(f"- {label}: {value}" for label, value in rows)]
    lines += list(notice.reasons)
    if notice.case_url:
        lines.append(f"Open: {notice.case_url}")
    full = "\n".join(lines)
    sms = _fit_sms(to_gsm7(without_contacts(f"{notice.title}. {notice.headline}")))
    attrs: dict[str, Any] = {
        "severity": {"DataType": "String", "StringValue": notice.priority.value},
        "kind": {"DataType": "String", "StringValue": notice.kind},
        "brand": {"DataType": "String", "StringValue": notice.brand},
        "platform": {"DataType": "String", "StringValue": "all"},
        "intent": {"DataType": "String.Array", "StringValue": json.dumps(["none"])},
        "channels": {"DataType": "String.Array", "StringValue": json.dumps(channels)},
    }
    title = "".join(c if 32 <= ord(c) < 127 else "?" for c in notice.title)[:SUBJECT_LIMIT]
    body = json.dumps({"default": full, "email": full, "sms": sms}, ensure_ascii=False)
    return {
        "Subject": title,
        "Message": body,
        "MessageStructure": "json",
        "MessageAttributes": attrs,
    }


def _fit_sms(text: str) -> str:
    return text if gsm7_length(text) <= SMS_LIMIT else fit_gsm7(text, SMS_LIMIT)


def render_for(notice: Notice, channel: AlertChannel) -> dict[str, Any]:
    """The body the notifier posts to a chat or HTTPS channel."""
    if channel.type == "slack":
        return slack.message(notice)
    if channel.type == "teams":
        return teams.message(notice)
    return webhook.payload(notice)


def notify_message(notice: Notice, name: str, channel: AlertChannel) -> dict[str, Any]:
    """One message on the notify queue: ``{id, brand, channel, kind, body}`` (and ``thread``,
    ``starts_thread`` for a crisis's messages); ``id`` is the same on every redelivery, so the
    notifier posts it once."""
    message: dict[str, Any] = {
        "id": f"{notice.id}#{name}",
        "brand": notice.brand,
        "channel": name,
        "kind": notice.kind,
        "body": render_for(notice, channel),
    }
    if notice.thread is not None:
        message["thread"] = notice.thread
        message["starts_thread"] = notice.starts_thread
    return message


class NotifyQueue:
    """The notifier's queue (``sqs_client`` a boto3 SQS client)."""

    def __init__(self, sqs_client: Any, queue_url: str):
        self._sqs = sqs_client
        self._url = queue_url

    def put(self, messages: list[dict[str, Any]]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            response = self._sqs.send_message_batch(
                QueueUrl=self._url,
                Entries=[
                    {"Id": str(i), "MessageBody": json.dumps(m, ensure_ascii=False)}
                    for i, m in enumerate(chunk)
                ],
            )
            if response.get("Failed"):
                raise RuntimeError(f"notify queue refused {len(response['Failed'])} message(s)")


class RoutedChannel:
    """Sends each alert where its brand's routes say (``heard.alerts.routing``).

    Chat and HTTPS messages are queued first, SNS published last: a transient SNS failure
    makes the caller retry the whole alert, and the notifier posts a redelivered message
    (same id) once.

    With ``storm`` (``heard.alerts.storm.StormControl``): while a crisis is open for the
    brand, a mention alert below critical is counted on the crisis and sent nowhere; then each
    routed channel admits the notice, or holds it (quiet hours, the hourly cap) for the
    summary ``send_summaries`` sends when the hold ends. Without it, quiet hours drop what
    they meet (logged)."""

    def __init__(
        self,
        sns: SnsChannel,
        queue: NotifyQueue | None = None,
        clock: Callable[[], datetime] = utcnow,
        storm: StormControl | None = None,
    ):
        self.sns = sns
        self.queue = queue
        self.clock = clock
        self.storm = storm

    def send(self, alert: Alert) -> str:
        brand = alert.brand
        now = self.clock()
        notice = from_alert(alert, inbox_url=self.sns.inbox_url, now=now)
        if self.storm is not None and self.storm.collapses(notice.brand, _held(notice, now)):
            log.info("alert collapsed into the open crisis", extra={"notice": notice.id})
            return "collapsed"
        if brand is None or brand.alerts is None:
            return self.sns.send(alert)
        return self._fan_out(notice, brand, now, alert)

    def broadcast(
        self,
        notice: Notice,
        brand: Brand | None,
        only: str | None = None,
        *,
        topic: bool = True,
    ) -> str:
        """Send a notice that is not a mention (a crisis, its end, a summary) to the channels
        the brand's routes give it, or to the one channel ``only``; with ``topic=False`` to
        the chat and HTTPS ones only (the caller published to the topic itself). A brand
        without ``alerts`` has no channels here."""
        if brand is None or brand.alerts is None:
            return "none"
        return self._fan_out(notice, brand, self.clock(), None, only, topic=topic)

    def send_summaries(self, config: HeardConfig, now: datetime | None = None) -> list[str]:
        """Send the summary of each hold that has ended (quiet hours over, the capped hour
        closed), each once. Returns the summaries' notice ids."""
        if self.storm is None:
            return []
        sent = []
        for summary in self.storm.summaries(now or self.clock()):
            notice = summary.notice()
            brand = config.brand(summary.window.brand)
            if brand is None or brand.alerts is None:
                log.warning("held alerts of a brand no longer configured", extra={"id": notice.id})
                continue
            if summary.window.channel not in brand.alerts.channels:
                log.warning(
                    "held alerts of a channel no longer configured", extra={"id": notice.id}
                )
                continue
            self.broadcast(notice, brand, only=summary.window.channel)
            sent.append(notice.id)
        return sent

    def _fan_out(
        self,
        notice: Notice,
        brand: Brand,
        now: datetime,
        alert: Alert | None,
        only: str | None = None,
        *,
        topic: bool = True,
    ) -> str:
        assert brand.alerts is not None
        names = [only] if only is not None else channels_for(notice, brand)
        go: list[tuple[str, AlertChannel]] = []
        kept: dict[str, str] = {}
        for name in names:
            channel = brand.alerts.channels[name]
            if self.storm is not None:
                rules = channel_rules(brand, name, channel)
                decision = self.storm.admit(rules, _held(notice, now), now)
                if decision is not Decision.SEND:
                    kept[name] = decision.value
                    continue
            elif holds(notice, channel, now, brand.alerts.zone):
                kept[name] = "quiet"
                continue
            go.append((name, channel))
        if kept:
            log.info("alert held from channels", extra={"notice": notice.id, "held": kept})
        sent: list[str] = []
        chat = [(n, c) for n, c in go if c.via_notifier]
        sns = [n for n, c in go if not c.via_notifier] if topic else []
        if chat and self.queue is None:
            log.warning(
                "no notify queue (NOTIFY_QUEUE_URL): chat channels not sent",
                extra={"notice": notice.id, "channels": [n for n, _ in chat]},
            )
        elif chat and self.queue is not None:
            self.queue.put([notify_message(notice, name, channel) for name, channel in chat])
            sent += [name for name, _ in chat]
        if sns:
            if alert is not None:
                sent.append(self.sns.publish(alert, notice, sns))
            else:
                sent.append(self.sns.publish_notice(notice, sns))
        if not sent:
            log.info("alert routed to no channel now", extra={"notice": notice.id})
        return ",".join(sent) or "none"


def _held(notice: Notice, now: datetime) -> Held:
    """The line a held notice leaves for its summary."""
    headline = notice.title
    if notice.text:
        words = " ".join(notice.text.split())
        headline = f"{headline}: {words[:120]}{'…' if len(words) > 120 else ''}"
    return Held(notice.id, notice.priority, notice.kind, headline, now)
