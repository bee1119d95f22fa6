"""A storm replayed on the running stack's clock: ten minutes of storm and the hour after it in
the time the stack takes to store the storm's mentions, the same way every time.

``replay`` holds the stack's schedules (``heard_local.control``), seeds the brand's history,
moves the stack's clock to 30 seconds into the next 5-minute bucket (or into the next hour, so
that a storm shorter than an hour meets one hourly cap) and posts the storm there as signed
generic-webhook deliveries, a batch a minute (of 100 at most), each when the clock reaches its
time (the stack stores each before the clock moves on: every mention counts in its bucket).
Every 5 minutes of the clock, four minutes into the bucket (the newest bucket has settled by
then), it runs the spike check as the stack's scheduler would: the crisis, and the summaries
of what storm control held. It goes on until the hour the storm ended in has closed and its
summaries have gone (or, with ``until_over``, until the crisis is over), waits for the notify
queue to post everything, and reads what the fake Slack and Teams and the alerts topic got.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import boto3
import httpx

from heard.spikes.counts import BUCKET, bucket_start
from heard.store import SignalsTable
from heard_local.capture import TopicCapture
from heard_local.signing import sign_for
from heard_local.storm import BATCH, seed, storm_bodies

# The spike check runs this far into each bucket: the bucket before it settled a minute ago.
TICK_INTO_BUCKET = timedelta(minutes=4)
# With ``until_over``, the most clock time the replay runs after the storm.
LONGEST_AFTER = timedelta(hours=4)

Say = Callable[[str], None]


@dataclass(frozen=True)
class Message:
    """One message a chat channel or the alerts topic took."""

    where: str  # "Slack webhook", "Slack #C0HEARD0001", "Teams", "topic"
    kind: str  # mention, escalation, crisis, crisis end, summary, digest, operational
    priority: str  # critical, high, ... ("" where the message does not say)
    title: str


@dataclass
class Outcome:
    brand: str
    storm_start: datetime
    storm_end: datetime
    posted: int = 0
    critical: int = 0
    high: int = 0
    opened_at: datetime | None = None  # the spike check run that opened the crisis
    ended_at: datetime | None = None
    collapsed: int = 0
    clock_end: datetime | None = None
    messages: list[Message] = field(default_factory=list)
    held: dict[str, int] = field(default_factory=dict)  # channel -> alerts its summaries held

    def by_where(self) -> dict[str, Counter[str]]:
        out: dict[str, Counter[str]] = {}
        for m in self.messages:
            label = f"{m.priority} {m.kind}" if m.kind in ("mention", "escalation") else m.kind
            out.setdefault(m.where, Counter())[label] += 1
        return out

    def lines(self) -> list[str]:
        hhmm = "%H:%M:%S"
        out = [
            f"replayed {self.posted} negative mention(s) about {self.brand} on the stack's clock, "
            f"{self.storm_start:{hhmm}} to {self.storm_end:{hhmm}} UTC: {self.critical} critical "
            f"(legal threats from big accounts), {self.high} from big accounts (high), the rest "
            "normal",
        ]
        if self.opened_at is not None:
            out.append(f"the spike check at {self.opened_at:%H:%M} UTC opened one crisis")
        else:
            out.append("no crisis opened (was one open already?)")
        if self.ended_at is not None:
            out.append(f"the crisis ended at {self.ended_at:%H:%M} UTC")
        out.append(f"alerts collapsed into the crisis: {self.collapsed}")
        held = ", ".join(f"{n} on {channel}" for channel, n in sorted(self.held.items()))
        out.append(f"alerts held for a summary: {held or 'none'}")
        clock = f"{self.clock_end:%H:%M} UTC" if self.clock_end else "-"
        out.append(f"what the channels got (the stack's clock now {clock}):")
        for where, counts in self.by_where().items():
            what = ", ".join(f"{n} {label}" for label, n in sorted(counts.items()))
            out.append(f"  {where:<20} {sum(counts.values()):>4}: {what}")
        return out


class StackControl:
    """The running stack as ``local.json`` describes it."""

    def __init__(self, info: dict[str, Any]):
        self.info = info
        self.api = httpx.Client(
            base_url=info["api_url"],
            timeout=120,
            headers={"Authorization": f"Bearer {info['api_token']}"},
        )
        session = boto3.session.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name=info["region"],
        )
        self.sqs = session.client("sqs", endpoint_url=info["aws_endpoint_url"])
        self.sns = session.client("sns", endpoint_url=info["aws_endpoint_url"])
        dynamodb = session.resource("dynamodb", endpoint_url=info["aws_endpoint_url"])
        self.signals = SignalsTable(dynamodb.Table(info["tables"]["SignalsTable"]))

    def close(self) -> None:
        self.api.close()

    def clock(self, **request: Any) -> datetime:
        """Move or hold the clock (``to``, ``advance_s``, ``hold``); the stack's now."""
        response = (
            self.api.post("/_heard/clock", json=request)
            if request
            else self.api.get("/_heard/clock")
        )
        response.raise_for_status()
        return datetime.fromisoformat(response.json()["now"])

    def move_to(self, when: datetime) -> datetime:
        return self.clock(to=when.isoformat())

    def fire(self, function: str) -> Any:
        response = self.api.post(f"/_heard/schedules/{function}")
        response.raise_for_status()
        return response.json()["result"]

    def post(self, items: list[dict[str, Any]]) -> None:
        path = "/webhooks/generic"
        body = json.dumps(items).encode()
        response = httpx.post(
            self.info["api_url"] + path,
            content=body,
            headers=sign_for(path, body, self.info["secrets_env"]),
            timeout=60,
        )
        if response.status_code >= 300:
            raise RuntimeError(f"{path}: {response.status_code} {response.text}")

    def drained(self, queue: str, timeout_s: float = 120.0) -> bool:
        return queue_empty(self.sqs, self.info["queues"][queue], timeout_s)

    def requests(self, fake: str) -> list[dict[str, Any]]:
        url = self.info["platform_fakes"][fake]
        return list(httpx.get(f"{url}/_heard/requests", timeout=30).json()["requests"])


def queue_empty(sqs: Any, url: str, timeout_s: float = 120.0) -> bool:
    """True once the queue at ``url`` holds nothing, visible, in flight or delayed, on two
    looks in a row (``sqs``: a boto3 SQS client); False after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    quiet = 0
    while time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        quiet = quiet + 1 if sum(int(v) for v in attributes.values()) == 0 else 0
        if quiet >= 2:
            return True
        time.sleep(0.1)
    return False


def replay(
    info: dict[str, Any],
    *,
    brand: str = "Acme",
    count: int = 5000,
    minutes: float = 10.0,
    critical: int = 3,
    high: int | None = None,
    seed_days: int = 14,
    seed_volume: float = 8.0,
    until_over: bool = False,
    release: bool = True,
    say: Say = print,
) -> Outcome:
    """Replay a storm on the running stack (``info``: its ``local.json``) and read what the
    channels got. ``high``: mentions from big accounts (default 1% of ``count``)."""
    high = max(0, count // 100) if high is None else high
    stack = StackControl(info)
    capture = TopicCapture(stack.sqs, stack.sns, info["topics"]["AlertsTopic"])
    before = {fake: len(stack.requests(fake)) for fake in ("slack", "teams")}
    try:
        now = stack.clock(hold=True)
        start = bucket_start(now) + BUCKET + timedelta(seconds=30)
        storm = timedelta(minutes=max(minutes, 0.0))
        hour = start.replace(minute=0, second=0, microsecond=0)
        if storm < timedelta(minutes=55) and start + storm > hour + timedelta(hours=1):
            # Within one clock hour, so the hourly caps show once.
            start = hour + timedelta(hours=1, seconds=30)
        say(seed(stack.signals, brand, start, seed_days, seed_volume))
        already = stack.signals.current(brand)
        stack.move_to(start)
        stack.fire("SpikesFunction")  # the detectors learn the history before the storm
        say(
            f"the stack's clock moved to {start:%H:%M:%S} UTC (schedules held: the replay runs "
            "the spike check every 5 minutes of it)"
        )
        # A batch a minute of the storm (more when a minute's would be over 100 mentions).
        batch = min(BATCH, max(1, math.ceil(count / max(1.0, minutes))))
        plan = storm_bodies(brand, count, start, minutes, batch, critical=critical, high=high)
        end = start + storm
        outcome = Outcome(brand, start, end, critical=critical, high=high)
        tick = bucket_start(start) + TICK_INTO_BUCKET
        if tick <= start:
            tick += BUCKET

        def run_check(at: datetime) -> None:
            stack.move_to(at)
            result = stack.fire("SpikesFunction")
            if (result or {}).get("brands", {}).get(brand, {}).get("outcome") == "opened":
                outcome.opened_at = at
            if (result or {}).get("brands", {}).get(brand, {}).get("outcome") == "ended":
                outcome.ended_at = at

        for offset, items in plan:
            at = start + timedelta(seconds=offset)
            while tick <= at:
                run_check(tick)
                tick += BUCKET
            stack.move_to(at)
            stack.post(items)
            if not stack.drained("IngestQueue"):
                raise RuntimeError("the stack did not store the storm's mentions in time")
            outcome.posted += len(items)
        hour_closed = end.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        last = hour_closed + TICK_INTO_BUCKET
        if until_over:
            last = end + LONGEST_AFTER
        while tick <= last:
            run_check(tick)
            tick += BUCKET
            if until_over and outcome.ended_at is not None and tick > hour_closed:
                break
        stack.drained("NotifyQueue")
        if already is not None:
            say(f"a crisis was open before the storm ({already.id}): the storm extended it")
        crisis = stack.signals.crisis(brand)
        ended = stack.signals.history(brand, limit=1)
        record = crisis or (ended[0] if ended else None)
        outcome.collapsed = record.collapsed if record is not None else 0
        outcome.clock_end = stack.clock()
        outcome.messages = _chat_messages(stack, before) + [
            _topic_message(d) for d in capture.drain(quiet_s=1.0)
        ]
        outcome.held = _held(outcome.messages)
        return outcome
    finally:
        capture.close()
        if release:
            stack.clock(hold=False)
        stack.close()


def _chat_messages(stack: StackControl, before: dict[str, int]) -> list[Message]:
    out: list[Message] = []
    for request in stack.requests("slack")[before["slack"] :]:
        answer = request.get("response")
        if not 200 <= request["status"] < 300 or (isinstance(answer, dict) and not answer["ok"]):
            continue
        body = request["body"] or {}
        where = "Slack webhook"
        if request["path"].endswith("chat.postMessage"):
            where = f"Slack #{body.get('channel')}"
        out.append(_slack_message(where, body))
    for request in stack.requests("teams")[before["teams"] :]:
        if request["status"] == 202:
            out.append(_teams_message(request["body"]))
    return out


def kind_of(kind: str, notice_id: str) -> str:
    """The kind a person reads: a crisis's end message is a ``crisis`` notice ending ``:ended``."""
    return "crisis end" if kind == "crisis" and notice_id.endswith(":ended") else kind


def priority_of(title: str) -> str:
    for word in ("CRITICAL", "HIGH", "NORMAL", "LOW"):
        if f"[{word}]" in title:
            return word.lower()
    return ""


def _slack_message(where: str, body: dict[str, Any]) -> Message:
    title, kind, notice_id = "", "", ""
    for block in body.get("blocks") or []:
        if block.get("type") == "header":
            title = block["text"]["text"]
        if block.get("type") == "context":
            texts = [e.get("text", "") for e in block.get("elements") or []]
            if texts and " · " in texts[0]:
                kind = texts[0].split(" · ", 1)[1]
            if len(texts) > 1:
                notice_id = texts[1].strip("`")
    return Message(where, kind_of(kind, notice_id), priority_of(title), title)


def _teams_message(body: dict[str, Any]) -> Message:
    card = body["attachments"][0]["content"]
    texts = [b.get("text", "") for b in card.get("body") or [] if b.get("type") == "TextBlock"]
    title = texts[0] if texts else ""
    kind, notice_id = "", ""
    for text in texts:
        parts = text.split(" · ")
        if len(parts) == 3:  # the context line: brand · kind · id
            kind, notice_id = parts[1], parts[2]
    return Message("Teams", kind_of(kind, notice_id), priority_of(title), title)


def _topic_message(delivery: Any) -> Message:
    attrs = delivery.attributes
    kind = attrs.get("kind", "")
    if attrs.get("crisis") == "ended":
        kind = "crisis end"
    return Message("topic (email, SMS)", kind, attrs.get("severity", ""), delivery.subject or "")


# A summary's title: "Acme: 17 alerts held over the hourly cap on care-slack, 03:00-04:00 UTC".
_SUMMARY = re.compile(r": (\d+) alerts? held .* on (\S+), \d\d:\d\d-")


def _held(messages: list[Message]) -> dict[str, int]:
    """How many alerts each summary says it held, by channel (from the summary's title)."""
    held: Counter[str] = Counter()
    for m in messages:
        found = _SUMMARY.search(m.title) if m.kind == "summary" else None
        if found:
            held[found.group(2)] += int(found.group(1))
    return dict(held)


__all__ = [
    "Message",
    "Outcome",
    "StackControl",
    "kind_of",
    "priority_of",
    "queue_empty",
    "replay",
]
