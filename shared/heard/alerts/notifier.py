"""The notifier: posts one queued message to its Slack, Teams or HTTPS channel, once.

A message is ``{id, brand, channel, kind, body}`` (``heard.alerts.channels.notify_message``).
The channel's type and Slack channel id come from the brand config as it is now; its webhook
URL, bot token or signing key from AlertsSecret. Outcomes:

- ``sent``: a 2xx (Slack's Web API: ``"ok": true``); the id is recorded (a conditional put with
  a TTL), so a redelivered message is not posted again;
- ``retry``: 429, 5xx, 408, a network error, a missing secret, or Slack's ``ok: false`` with a
  transient error (``ratelimited``...): the message comes back after ``Retry-After`` or an
  exponential backoff; after the queue's maxReceiveCount it goes to the dead-letter queue;
- ``dropped``: any other answer (Slack ``invalid_payload``, ``channel_not_found``,
  ``no_service``; a Teams 400): retrying the same message cannot help; logged.

Every failure adds one to the channel's run of consecutive failures (a counter in the
idempotency table); the run reaching ``failures_before_alert`` raises one operational alert
(``OpsAlarm.raise_once``), and the next success ends the run and resolves it.

Threads: a message with ``thread`` (a crisis's) posted with ``chat.postMessage`` keeps the
``ts`` Slack answers for the message that starts the thread (``starts_thread``: the crisis
alert) in ``threads`` (the crisis's item collection in the signals table), and posts the
others (the crisis's end) with ``thread_ts`` set to it: replies in the crisis alert's thread.
An incoming webhook answers ``ok`` without a ``ts``, so webhook channels post as before, and so
does a reply whose parent was never posted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import httpx
from pydantic import BaseModel, ConfigDict, Field

from heard.alerts import webhook
from heard.config import AlertChannel, HeardConfig

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 900
BASE_BACKOFF_S = 5
DELIVERED_TTL_S = 7 * 24 * 3600  # longer than the queue keeps a message (4 days)
THREAD_TTL_S = 35 * 24 * 3600  # a crisis's thread parent, as long as the crisis's counts
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
# chat.postMessage errors that are worth another try; every other one is for good.
SLACK_TRANSIENT = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
    }
)
PREFIX = "heard#notify#"


class NotifyMessage(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(min_length=1, max_length=1000)
    brand: str = Field(min_length=1)
    channel: str = Field(min_length=1)
    kind: str = "mention"
    body: dict[str, Any]
    thread: str | None = None
    starts_thread: bool = False


class Outcome(StrEnum):
    SENT = "sent"
    DUPLICATE = "duplicate"
    RETRY = "retry"
    DROPPED = "dropped"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    detail: str = ""
    retry_after_s: int | None = None
    ts: str | None = None  # chat.postMessage: the posted message's ts


class ThreadsLike(Protocol):
    """Where the parent of each (brand, thread, channel) was posted: its Slack ``ts``."""

    def parent(self, brand: str, thread: str, channel: str) -> str | None: ...

    def keep(self, brand: str, thread: str, channel: str, ts: str) -> None: ...


class SignalsThreads:
    """Thread parents kept with the crisis in the signals table (``table``: a boto3 DynamoDB
    Table): ``crisis#<brand>`` / ``thread#<thread>#<channel>``, with a TTL."""

    def __init__(self, table: Any, clock: Callable[[], float] = time.time):
        self._table, self._clock = table, clock

    @staticmethod
    def _key(brand: str, thread: str, channel: str) -> dict[str, str]:
        from heard.store.signals import crisis_pk

        return {"pk": crisis_pk(brand), "sk": f"thread#{thread}#{channel}"}

    def parent(self, brand: str, thread: str, channel: str) -> str | None:
        item = self._table.get_item(Key=self._key(brand, thread, channel), ConsistentRead=True).get(
            "Item"
        )
        return str(item["ts"]) if item else None

    def keep(self, brand: str, thread: str, channel: str, ts: str) -> None:
        self._table.put_item(
            Item={
                **self._key(brand, thread, channel),
                "ts": ts,
                "expires_at": int(self._clock()) + THREAD_TTL_S,
            }
        )


class SecretsLike(Protocol):
    def __call__(self, key: str) -> str: ...


class Ledger:
    """Delivered ids and each channel's run of failures, in the idempotency table (key ``id``,
    TTL attribute ``expiration``). ``dynamodb`` is a boto3 DynamoDB client."""

    def __init__(self, dynamodb: Any, table_name: str, clock: Callable[[], float] = time.time):
        self._ddb, self._table, self._clock = dynamodb, table_name, clock

    def delivered(self, message_id: str) -> bool:
        item = self._ddb.get_item(
            TableName=self._table,
            Key={"id": {"S": PREFIX + "sent#" + message_id}},
            ConsistentRead=True,
        ).get("Item")
        return item is not None

    def mark_delivered(self, message_id: str) -> None:
        # Another delivery may have recorded it first: that is the same fact.
        with contextlib.suppress(self._ddb.exceptions.ConditionalCheckFailedException):
            self._ddb.put_item(
                TableName=self._table,
                Item={
                    "id": {"S": PREFIX + "sent#" + message_id},
                    "expiration": {"N": str(int(self._clock()) + DELIVERED_TTL_S)},
                },
                ConditionExpression="attribute_not_exists(id)",
            )

    def failed(self, brand: str, channel: str) -> int:
        """One more consecutive failure; the run's length."""
        response = self._ddb.update_item(
            TableName=self._table,
            Key={"id": {"S": f"{PREFIX}failures#{brand}#{channel}"}},
            UpdateExpression="ADD failures :one SET expiration = :exp",
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":exp": {"N": str(int(self._clock()) + DELIVERED_TTL_S)},
            },
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["failures"]["N"])

    def succeeded(self, brand: str, channel: str) -> None:
        self._ddb.delete_item(
            TableName=self._table, Key={"id": {"S": f"{PREFIX}failures#{brand}#{channel}"}}
        )


class AlarmLike(Protocol):
    def raise_once(self, key: str, subject: str, message: str) -> bool: ...

    def resolve(self, key: str, subject: str, message: str) -> bool: ...


def backoff_s(attempt: int) -> int:
    """5, 10, 20, 40... seconds, at most 15 minutes."""
    return int(min(MAX_BACKOFF_S, BASE_BACKOFF_S * 2 ** max(0, attempt - 1)))


def retry_after(response: httpx.Response) -> int | None:
    value = response.headers.get("retry-after", "").strip()
    return int(value) if value.isdigit() else None


def _short(response: httpx.Response) -> str:
    return f"HTTP {response.status_code}: {response.text[:200].strip()}"


def classify(response: httpx.Response, attempt: int) -> Result:
    """A webhook's answer (Slack incoming webhook, Teams Workflows, HTTPS receiver)."""
    status = response.status_code
    if 200 <= status < 300:
        return Result(Outcome.SENT, f"HTTP {status}")
    if status == 429 or status == 408 or status >= 500:
        return Result(Outcome.RETRY, _short(response), retry_after(response) or backoff_s(attempt))
    return Result(Outcome.DROPPED, _short(response))


def classify_slack_api(response: httpx.Response, attempt: int) -> Result:
    """``chat.postMessage``: errors come as HTTP 200 with ``{"ok": false, "error": ...}``."""
    if response.status_code != 200:
        return classify(response, attempt)
    try:
        answer = response.json()
    except ValueError:
        return Result(Outcome.RETRY, _short(response), backoff_s(attempt))
    if isinstance(answer, dict) and answer.get("ok") is True:
        ts = answer.get("ts")
        return Result(Outcome.SENT, "ok", ts=str(ts) if ts else None)
    error = str(answer.get("error") if isinstance(answer, dict) else answer)
    if error in SLACK_TRANSIENT:
        return Result(Outcome.RETRY, f"slack: {error}", retry_after(response) or backoff_s(attempt))
    return Result(Outcome.DROPPED, f"slack: {error}")


class Notifier:
    def __init__(
        self,
        config: Callable[[], HeardConfig],
        secrets: SecretsLike,
        client: httpx.Client,
        ledger: Ledger,
        alarm: AlarmLike | None = None,
        *,
        slack_api_url: str = "https://slack.com/api",
        failures_before_alert: int = 5,
        threads: ThreadsLike | None = None,
    ):
        self.threads = threads
        self.config = config
        self.secrets = secrets
        self.client = client
        self.ledger = ledger
        self.alarm = alarm
        self.slack_api_url = slack_api_url.rstrip("/")
        self.failures_before_alert = failures_before_alert

    def process(self, message: NotifyMessage, attempt: int = 1) -> Result:
        brand = self.config().brand(message.brand)
        channel = (
            brand.alerts.channels.get(message.channel)
            if brand is not None and brand.alerts is not None
            else None
        )
        if channel is None or not channel.via_notifier:
            log.warning(
                "channel no longer configured; message dropped",
                extra={"id": message.id, "brand": message.brand, "channel": message.channel},
            )
            return Result(Outcome.DROPPED, "channel not configured")
        if self.ledger.delivered(message.id):
            return Result(Outcome.DUPLICATE, "delivered before")
        result = self._post(message, channel, attempt)
        self._record(message, result)
        return result

    def _post(self, message: NotifyMessage, channel: AlertChannel, attempt: int) -> Result:
        try:
            secret = self.secrets(channel.secret or "")
            signing = self.secrets(channel.signing_secret) if channel.signing_secret else None
        except Exception as exc:  # a missing key may be added: retry, and count it
            return Result(Outcome.RETRY, f"secret unavailable: {exc}", backoff_s(attempt))
        try:
            if channel.type == "slack" and channel.channel:
                post = {**message.body, "channel": channel.channel}
                parent = self._parent(message)
                if parent is not None:
                    post["thread_ts"] = parent
                response = self.client.post(
                    f"{self.slack_api_url}/chat.postMessage",
                    json=post,
                    headers={"Authorization": f"Bearer {secret}"},
                    timeout=TIMEOUT,
                )
                result = classify_slack_api(response, attempt)
                self._keep_parent(message, result)
                return result
            if channel.type == "https":
                body = webhook.encode(message.body)
                response = self.client.post(
                    secret,
                    content=body,
                    headers=webhook.signed_headers(signing or "", body),
                    timeout=TIMEOUT,
                )
            else:
                response = self.client.post(secret, json=message.body, timeout=TIMEOUT)
        except httpx.HTTPError as exc:
            return Result(Outcome.RETRY, f"{type(exc).__name__}: {exc}", backoff_s(attempt))
        return classify(response, attempt)

    def _parent(self, message: NotifyMessage) -> str | None:
        """The ts of the thread's parent, for a reply in a thread whose parent was posted."""
        if self.threads is None or message.thread is None or message.starts_thread:
            return None
        return self.threads.parent(message.brand, message.thread, message.channel)

    def _keep_parent(self, message: NotifyMessage, result: Result) -> None:
        if (
            self.threads is not None
            and message.thread is not None
            and message.starts_thread
            and result.outcome is Outcome.SENT
            and result.ts
        ):
            self.threads.keep(message.brand, message.thread, message.channel, result.ts)

    def _record(self, message: NotifyMessage, result: Result) -> None:
        key = f"notify:{message.brand}:{message.channel}"
        where = f"{message.channel} ({message.brand})"
        if result.outcome is Outcome.SENT:
            self.ledger.mark_delivered(message.id)
            self.ledger.succeeded(message.brand, message.channel)
            if self.alarm is not None:
                self.alarm.resolve(
                    key,
                    f"Heard: alerts to {where} are delivered again",
                    f"Alerts to {where} are delivered again ({message.id}).",
                )
            return
        failures = self.ledger.failed(message.brand, message.channel)
        log.warning(
            "alert not delivered",
            extra={
                "id": message.id,
                "channel": message.channel,
                "outcome": result.outcome.value,
                "detail": result.detail,
                "consecutive_failures": failures,
            },
        )
        if self.alarm is not None and failures >= self.failures_before_alert:
            self.alarm.raise_once(
                key,
                f"Heard: alerts to {where} keep failing",
                f"{failures} deliveries in a row to {where} failed; the last: {result.detail}. "
                "Check the channel's URL or token in AlertsSecret and the brand config.",
            )


def parse_notify_message(body: str) -> NotifyMessage:
    return NotifyMessage.model_validate(json.loads(body))


__all__ = [
    "Ledger",
    "Notifier",
    "NotifyMessage",
    "Outcome",
    "Result",
    "SignalsThreads",
    "backoff_s",
    "classify",
    "classify_slack_api",
    "parse_notify_message",
]
