"""The routed channel under storm control: caps and quiet hours hold and summarise, an open
crisis collapses mention alerts, crisis and summary notices reach their channels."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fakes.signals import FakeCrises
from helpers import brand, record

from heard.alerts.channels import Alert, RoutedChannel, SnsChannel
from heard.alerts.storm import InMemoryStormState, StormControl
from heard.config import HeardConfig
from heard.models import Intent, MentionRecord, Priority

ACME = brand(
    """
alerts:
  timezone: Europe/London
  channels:
    care: {type: slack, secret: care_webhook, max_per_hour: 3}
    crisis-teams: {type: teams, secret: teams_webhook}
    email: {type: email}
    sms: {type: sms, quiet_hours: {start: "22:00", end: "07:00"}}
  routes:
    - {min_priority: high, channels: [care, email, sms]}
    - {kinds: [crisis], channels: [crisis-teams]}
"""
)
CONFIG = HeardConfig(brands=[ACME])
DAY = datetime(2026, 12, 1, 10, 5, tzinfo=UTC)  # 10:05 in London
NIGHT = datetime(2026, 12, 1, 23, 5, tzinfo=UTC)


class FakeSns:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, **request: Any) -> dict[str, str]:
        self.published.append(request)
        return {"MessageId": f"m{len(self.published)}"}

    def channels(self) -> list[list[str]]:
        return [
            json.loads(p["MessageAttributes"]["channels"]["StringValue"]) for p in self.published
        ]


class FakeQueue:
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    def put(self, messages: list[dict[str, Any]]) -> None:
        self.messages += messages


def routed(at: list[datetime], crises: FakeCrises | None = None):
    sns, queue = FakeSns(), FakeQueue()
    storm = StormControl(InMemoryStormState(), crises or FakeCrises())
    channel = RoutedChannel(
        SnsChannel(sns, "arn:aws:sns:eu-west-1:1:alerts", "http://127.0.0.1:3000/app/"),
        queue,  # type: ignore[arg-type]
        clock=lambda: at[0],
        storm=storm,
    )
    return channel, sns, queue


def mention(n: int, priority: Priority = Priority.HIGH) -> MentionRecord:
    r = record(priority, intents=(Intent.BILLING,))
    return r.model_copy(update={"id": f"x:{n}"})


def test_the_cap_holds_the_rest_of_the_hour_and_its_summary_goes_to_that_channel_once():
    now = [DAY]
    channel, sns, queue = routed(now)
    for n in range(5):
        channel.send(Alert(mention(n), ACME))
    assert [m["channel"] for m in queue.messages] == ["care"] * 3
    assert sns.channels() == [["email", "sms"]] * 5  # neither has a cap; sms is not quiet
    assert len(sns.published) == 5
    # The hour closes: one summary of the two held, to the capped channel only.
    now[0] = DAY + timedelta(hours=1)
    assert channel.send_summaries(CONFIG) == ["summary:Acme:care:capped#2026-12-01T10:00Z"]
    summary = queue.messages[-1]
    assert summary["channel"] == "care" and summary["kind"] == "summary"
    assert "2 alerts held over the hourly cap on care" in json.dumps(summary["body"])
    assert channel.send_summaries(CONFIG) == []


def test_quiet_hours_hold_sms_until_morning_and_critical_breaks_through():
    now = [NIGHT]
    channel, sns, _ = routed(now)
    channel.send(Alert(mention(1, Priority.HIGH), ACME))
    channel.send(Alert(mention(2, Priority.CRITICAL), ACME))
    assert sns.channels() == [["email"], ["email", "sms"]]
    now[0] = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    sent = channel.send_summaries(CONFIG)
    assert len(sent) == 1, sent
    (sent,) = sent
    assert sent.startswith("summary:Acme:sms:quiet#")
    summary = sns.published[-1]
    assert json.loads(summary["MessageAttributes"]["channels"]["StringValue"]) == ["sms"]
    assert summary["MessageAttributes"]["kind"]["StringValue"] == "summary"
    sms = json.loads(summary["Message"])["sms"]
    assert len(sms) <= 160 and "1 alert held during quiet hours on sms" in sms


def test_an_open_crisis_collapses_mention_alerts_but_not_critical_ones():
    crises = FakeCrises("crisis-7")
    channel, sns, queue = routed([DAY], crises)
    assert channel.send(Alert(mention(1, Priority.HIGH), ACME)) == "collapsed"
    assert channel.send(Alert(mention(2, Priority.CRITICAL), ACME)) != "collapsed"
    assert crises.collapsed == ["mention:x:1"]
    assert [m["channel"] for m in queue.messages] == ["care"]
    assert len(sns.published) == 1


def test_a_crisis_notice_goes_to_the_routes_for_crises_whatever_the_hour():
    from heard.spikes.report import CrisisReport

    channel, sns, queue = routed([NIGHT])
    report = CrisisReport(
        crisis_id="c1",
        brand="Acme",
        at=NIGHT,
        window_minutes=30,
        mentions=637,
        usual_mentions=34,
        negative_share=0.81,
        usual_negative_share=0.22,
        top_terms=[["refund", 212]],
        top_intents=[["billing", 300]],
    )
    channel.broadcast(report.notice(), ACME, topic=False)
    # Critical: the high-and-above route's chat channel too; quiet hours and caps never hold
    # a crisis. The topic has it from the spike check itself, so not again.
    assert [m["channel"] for m in queue.messages] == ["care", "crisis-teams"]
    assert {m["kind"] for m in queue.messages} == {"crisis"}
    card = json.dumps(queue.messages[1]["body"])
    assert "637" in card and "refund (212)" in card
    assert sns.published == []
