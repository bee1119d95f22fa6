"""The scheduled digest run: each brand's due digests, each sent exactly once.

EventBridge Scheduler ticks the digest function every 15 minutes. A tick looks at every brand
with a digest, and for each period that is due in the brand's zone (``periods.due``) claims
the (brand, period) with a conditional put in the idempotency table, then computes the digest,
sends it, and marks the claim sent. Two overlapping ticks, or a retried one, find the claim
taken and send nothing. A send that fails releases its claim (the next tick tries again); a
run that dies between claim and send leaves a claim that a tick may take over once it is
``CLAIM_TIMEOUT`` old (longer than the function's timeout), so a crash delays a digest and
never loses it (a crash after the send and before the claim is marked sent is the one way a
digest can arrive twice). Claims expire (TTL) ``CLAIM_TTL`` after their period ends.

Where a digest goes: with the brand's ``digest.email_from``, HTML (and its plain text part) by
SES to ``digest.email_to``; otherwise plain text on the alerts topic with the message attribute
``kind=digest`` (and ``brand``, ``cadence``), which the email subscription's filter lets through.
A brand whose SES sender is refused for good (not verified, not allowed by the function's
policy) gets the text digest on the topic instead, and the run logs why. Besides, the brand's
alert routes that take ``kind: digest`` send it to their chat and HTTPS channels
(``ChatDigests``: Block Kit for Slack, an Adaptive Card for Teams, JSON for HTTPS, through the
notifier's queue); those messages are queued before the email goes, with an id per (period,
channel), so a run retried after a failed send posts each one once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from heard.alerts.channels import RoutedChannel
from heard.alerts.routing import channels_for
from heard.config import Brand, HeardConfig
from heard.digest import render
from heard.digest.compute import Digest, DigestReader, SpikesReader, compute
from heard.digest.periods import Period, due
from heard.models import utcnow
from heard.store.table import brand_key, iso

logger = logging.getLogger(__name__)

CLAIM_PREFIX = "digest#"
CLAIM_TIMEOUT = timedelta(minutes=10)
CLAIM_TTL = timedelta(days=35)
# SES errors that retrying the same message cannot fix: fall back to the topic.
SES_REFUSED = frozenset(
    {
        "MessageRejected",
        "MailFromDomainNotVerified",
        "AccessDenied",
        "AccessDeniedException",
        "InvalidParameterValue",
        "ConfigurationSetDoesNotExist",
    }
)


def claim_key(brand: str, period: Period) -> str:
    return f"{CLAIM_PREFIX}{brand_key(brand)}#{period.key}"


class DigestClaims:
    """One item per (brand, period) in the idempotency table (key ``id``, TTL ``expiration``).
    ``dynamodb`` is a boto3 DynamoDB client."""

    def __init__(self, dynamodb: Any, table_name: str):
        self._ddb = dynamodb
        self._table = table_name

    def claim(self, key: str, period_end: datetime, now: datetime) -> bool:
        """Take the period's digest: True when this run is to send it."""
        try:
            self._ddb.put_item(
                TableName=self._table,
                Item={
                    "id": {"S": key},
                    "state": {"S": "sending"},
                    "claimed_at": {"S": iso(now)},
                    "expiration": {"N": str(int((period_end + CLAIM_TTL).timestamp()))},
                },
                ConditionExpression=(
                    "attribute_not_exists(id) OR (#s = :sending AND claimed_at < :stale)"
                ),
                ExpressionAttributeNames={"#s": "state"},
                ExpressionAttributeValues={
                    ":sending": {"S": "sending"},
                    ":stale": {"S": iso(now - CLAIM_TIMEOUT)},
                },
            )
        except self._ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def sent(self, key: str, how: str, message_id: str) -> None:
        self._ddb.update_item(
            TableName=self._table,
            Key={"id": {"S": key}},
            UpdateExpression="SET #s = :sent, via = :via, message_id = :mid",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={
                ":sent": {"S": "sent"},
                ":via": {"S": how},
                ":mid": {"S": message_id},
            },
        )

    def release(self, key: str) -> None:
        self._ddb.delete_item(
            TableName=self._table,
            Key={"id": {"S": key}},
            ConditionExpression="#s = :sending",
            ExpressionAttributeNames={"#s": "state"},
            ExpressionAttributeValues={":sending": {"S": "sending"}},
        )


class Claims(Protocol):
    def claim(self, key: str, period_end: datetime, now: datetime) -> bool: ...

    def sent(self, key: str, how: str, message_id: str) -> None: ...

    def release(self, key: str) -> None: ...


class SesRefused(Exception):
    """SES refused this message for good (the sender, the policy): send it another way."""


class DigestChannels(Protocol):
    def publish(self, digest: Digest) -> str: ...

    def email(self, digest: Digest, sender: str, to: list[str]) -> str: ...


@dataclass
class AwsChannels:
    """The alerts topic (``sns``: a boto3 SNS client) and SES (``ses``: a boto3 SES client)."""

    sns: Any
    topic_arn: str
    ses: Any = None

    def publish(self, digest: Digest) -> str:
        response = self.sns.publish(
            TopicArn=self.topic_arn,
            Subject=render.subject(digest),
            Message=render.text(digest),
            MessageAttributes={
                "kind": {"DataType": "String", "StringValue": "digest"},
                "brand": {"DataType": "String", "StringValue": digest.brand},
                "cadence": {"DataType": "String", "StringValue": digest.period.cadence.value},
            },
        )
        return str(response["MessageId"])

    def email(self, digest: Digest, sender: str, to: list[str]) -> str:
        if self.ses is None:
            raise SesRefused("no SES client")
        try:
            response = self.ses.send_email(
                Source=sender,
                Destination={"ToAddresses": to},
                Message={
                    "Subject": {"Data": render.subject(digest), "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": render.text(digest), "Charset": "UTF-8"},
                        "Html": {"Data": render.html(digest), "Charset": "UTF-8"},
                    },
                },
                Tags=[{"Name": "heard-digest", "Value": digest.period.cadence.value}],
            )
        except Exception as exc:  # botocore ClientError, or the connection
            code = getattr(exc, "response", {}).get("Error", {}).get("Code")
            if code in SES_REFUSED:
                raise SesRefused(f"{code}: {exc}") from exc
            raise
        return str(response["MessageId"])


class DigestChat(Protocol):
    def __call__(self, digest: Digest, brand: Brand) -> list[str]: ...


@dataclass
class ChatDigests:
    """The digest to the brand's routed chat and HTTPS channels (``routed``: a
    ``heard.alerts.RoutedChannel``); returns the channels' names."""

    routed: RoutedChannel

    def __call__(self, digest: Digest, brand: Brand) -> list[str]:
        if brand.alerts is None:
            return []
        notice = render.notice(digest)
        names = [n for n in channels_for(notice, brand) if brand.alerts.channels[n].via_notifier]
        if names:
            self.routed.broadcast(notice, brand, topic=False)
        return names


@dataclass(frozen=True)
class Sent:
    brand: str
    period: str
    via: str  # "ses", "sns", or "sns (ses refused)"
    message_id: str
    chat: tuple[str, ...] = ()  # the chat and HTTPS channels it went to besides


def deliver(digest: Digest, brand: Brand, channels: DigestChannels) -> tuple[str, str]:
    """Send ``digest`` the way the brand asks; returns (how, message id)."""
    settings = brand.digest
    if settings.email_from and settings.email_to:
        try:
            return "ses", channels.email(digest, settings.email_from, list(settings.email_to))
        except SesRefused as exc:
            logger.warning(
                "SES refused the digest; sending it to the alerts topic",
                extra={"brand": brand.name, "error": str(exc)},
            )
            return "sns (ses refused)", channels.publish(digest)
    return "sns", channels.publish(digest)


def run_digests(
    config: HeardConfig,
    reader: DigestReader,
    claims: Claims,
    channels: DigestChannels,
    *,
    spikes: SpikesReader | None = None,
    now: datetime | None = None,
    compute_digest: Callable[..., Digest] = compute,
    chat: DigestChat | None = None,
) -> list[Sent]:
    """Send every digest due at ``now`` that no run has sent; one failure stops no other.
    With ``chat``, each also goes to the brand's routed chat and HTTPS channels."""
    now = now or utcnow()
    sent: list[Sent] = []
    for brand in config.brands:
        for period in due(brand.digest, now):
            key = claim_key(brand.name, period)
            if not claims.claim(key, period.end, now):
                continue
            try:
                digest = compute_digest(reader, brand, period, now=now, spikes=spikes)
                chatted = chat(digest, brand) if chat is not None else []
                how, message_id = deliver(digest, brand, channels)
            except Exception:
                logger.exception(
                    "digest not sent", extra={"brand": brand.name, "period": period.key}
                )
                try:
                    claims.release(key)
                except Exception:  # the claim goes stale and a later tick takes it over
                    logger.exception("digest claim not released", extra={"claim": key})
                continue
            sent.append(Sent(brand.name, period.key, how, message_id, tuple(chatted)))
            try:
                claims.sent(key, how, message_id)
            except Exception:
                # Sent, but not recorded: a tick that takes the stale claim over would send it
                # again, the one case where a digest may arrive twice.
                logger.exception("digest sent but its claim not marked", extra={"claim": key})
    return sent
