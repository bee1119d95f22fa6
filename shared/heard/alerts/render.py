"""Alerts: which mentions wake someone, what the message says, and how it reaches SNS.

One topic carries every alert. Subscribers filter on the message attributes ``severity``
(the priority), ``platform``, ``brand`` and ``intent`` (a String.Array), so email can take
high and critical while SMS takes only critical. Each protocol gets its own rendering: a full
message for email and chat, one short line for SMS.
"""

from __future__ import annotations

import json
import re
from typing import Any

from heard.config import Brand
from heard.models import MentionRecord, Platform, Priority

PLATFORM_NAMES = {
    Platform.X: "X",
    Platform.FACEBOOK: "Facebook",
    Platform.INSTAGRAM: "Instagram",
    Platform.GENERIC: "webhook",
}
SMS_LIMIT = 160


def should_alert(record: MentionRecord, brand: Brand) -> bool:
    """At or above the brand's threshold. A language the model does not know follows the
    brand's rule instead: ``alert`` sends every such mention, ``store`` none."""
    triage = record.triage
    if not triage.lang_supported:
        return brand.routing.unknown_language == "alert"
    return triage.priority.rank >= brand.routing.alert_min_priority.rank


def compact_number(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M".replace(".0M", "M")
    if n >= 1_000:
        return f"{n / 1_000:.1f}k".replace(".0k", "k")
    return str(n)


def _who(record: MentionRecord) -> str:
    author = record.mention.author
    name = f"@{author.handle}" if author.handle else author.name or author.id or "someone"
    if record.mention.platform is Platform.GENERIC and author.handle:
        name = author.handle
    # Zero means unknown on platforms that do not report reach (Facebook comments, forms).
    details = [f"{compact_number(author.followers)} followers"] if author.followers else []
    if author.verified:
        details.append("verified")
    return f"{name} ({', '.join(details)})" if details else name


def _where(record: MentionRecord) -> str:
    mention = record.mention
    place = PLATFORM_NAMES[mention.platform]
    if mention.platform is Platform.GENERIC and mention.source:
        place = mention.source
    return f"{place} {mention.kind.value}"


_UNPRINTABLE = re.compile(r"[^\x20-\x7e]+")


def subject(record: MentionRecord, escalation: bool = False) -> str:
    """SNS subjects: printable ASCII on one line, under 100 characters (SNS refuses others)."""
    prefix = "SLA breach: " if escalation else ""
    text = (
        f"{prefix}[{record.triage.priority.value.upper()}] {record.brand}: "
        f"{_where(record)} from {_who(record)}"
    )
    return " ".join(_UNPRINTABLE.sub(" ", text).split())[:99]


def render(record: MentionRecord, escalation: bool = False) -> str:
    mention, triage = record.mention, record.triage
    lines = [subject(record, escalation)]
    if escalation:
        lines.append("Still new and unacknowledged past its SLA.")
    text = mention.text.strip() or "(no text: known only by id; enrichment pending)"
    lines += ["", f'"{text}"', ""]
    lines.append("Why: " + ("; ".join(triage.reasons) or f"priority {triage.priority.value}"))
    intents = ", ".join(i.value for i in triage.intents) or "none"
    lines.append(
        f"Sentiment: {triage.sentiment.value} ({triage.sentiment_score:+.2f}); "
        f"complaint: {'yes' if triage.complaint else 'no'} (p={triage.complaint_probability:.2f}); "
        f"intents: {intents}"
    )
    if not triage.lang_supported:
        lines.append(f"Language: {triage.lang} (not scored by the model)")
    if mention.url:
        lines.append(f"Link: {mention.url}")
    lines.append(f"Mention: {record.id} at {mention.created_at.isoformat()}")
    return "\n".join(lines)


def render_sms(record: MentionRecord) -> str:
    triage = record.triage
    head = f"{triage.priority.value.upper()} {record.brand} {_who(record)}: "
    why = "; ".join(triage.reasons[:2])
    body = f'{head}"{record.mention.text.strip()}"'
    if len(body) + len(why) + 1 > SMS_LIMIT:
        room = SMS_LIMIT - len(head) - len(why) - 5
        body = f'{head}"{record.mention.text.strip()[: max(room, 10)]}..."'
    return f"{body} {why}"[:SMS_LIMIT]


def attributes(record: MentionRecord, brand: Brand | None = None) -> dict[str, Any]:
    intents = [i.value for i in record.triage.intents] or ["none"]
    attrs: dict[str, Any] = {
        "severity": {"DataType": "String", "StringValue": record.triage.priority.value},
        "platform": {"DataType": "String", "StringValue": record.mention.platform.value},
        "brand": {"DataType": "String", "StringValue": record.brand},
        "intent": {"DataType": "String.Array", "StringValue": json.dumps(intents)},
    }
    if brand is not None and brand.routing.channel:
        attrs["channel"] = {"DataType": "String", "StringValue": brand.routing.channel}
    return attrs


class AlertPublisher:
    """Publishes alerts to the SNS topic. ``sns_client`` is a boto3 SNS client."""

    def __init__(self, sns_client: Any, topic_arn: str):
        self._sns = sns_client
        self._topic = topic_arn

    def publish(
        self, record: MentionRecord, brand: Brand | None = None, *, escalation: bool = False
    ) -> str:
        full = render(record, escalation)
        message = {"default": full, "email": full, "sms": render_sms(record)}
        response = self._sns.publish(
            TopicArn=self._topic,
            Subject=subject(record, escalation),
            Message=json.dumps(message),
            MessageStructure="json",
            MessageAttributes=attributes(record, brand),
        )
        return response["MessageId"]


def severity_at_least(priority: Priority) -> list[str]:
    """The severities a filter policy lists for 'this priority or above'."""
    return [p.value for p in Priority if p.rank >= priority.rank]
