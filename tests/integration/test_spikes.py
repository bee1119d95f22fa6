"""Counts, the spike check and crises against moto: a mention and its count are one write; the
SpikesFunction handler over seeded counts publishes one crisis alert; a replayed storm of 5,000
negative mentions in 10 minutes through the pipeline makes one crisis alert, not thousands."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import boto3
from fakes import RecordingChannel
from fakes.records import record
from heard_local.storm import history

from heard.alerts import AlertDispatcher
from heard.config import Brand, HeardConfig
from heard.models import (
    Author,
    Intent,
    Mention,
    MentionMessage,
    Platform,
    Priority,
    Sentiment,
    Triage,
)
from heard.pipeline import Outcome, Pipeline
from heard.spikes.check import run_spikes
from heard.spikes.counts import BUCKET, Counts, bucket_start, last_settled
from heard.spikes.crisis import open_crisis
from heard.spikes.notify import SnsCrisisNotifier
from heard.store import AlertClaims, MentionStore, MentionTable, SignalsTable

STORM = int(os.environ.get("HEARD_TEST_STORM", "5000"))
CONFIG = HeardConfig.model_validate(
    {"brands": [{"name": "Acme", "keywords": ["acme"], "handles": {"x": ["@acme"]}}]}
)


def _tables(stack):
    dynamodb = boto3.resource("dynamodb")
    signals = SignalsTable(dynamodb.Table(stack.table_name("SignalsTable")))
    mentions = MentionTable(dynamodb.Table(stack.table_name("MentionsTable")))
    return signals, mentions


def test_a_mention_and_its_count_are_stored_together_once(stack) -> None:
    signals, table = _tables(stack)
    store = MentionStore(table, signals)
    first = record(5)
    first.triage.sentiment = Sentiment.NEGATIVE
    first.triage.intents = [Intent.OUTAGE]
    assert store.put_new(first)
    assert not store.put_new(first)  # a redelivery adds nothing
    assert not store.put_new(first.model_copy(update={"brand": "Other"}))
    store.mark_deleted("x", "6", first.received_at)
    assert not store.put_new(record(6))  # a tombstone refuses it, and nothing is counted
    assert store.put_new(record(7))
    bucket = bucket_start(first.mention.created_at)
    got = signals.counts("acme", bucket - BUCKET, bucket + BUCKET)
    assert got[bucket].all == 2
    assert got[bucket].negative == 1 and got[bucket].intents == {"outage": 1}
    item = boto3.client("dynamodb").get_item(
        TableName=stack.table_name("SignalsTable"),
        Key={"pk": {"S": "counts#acme"}, "sk": {"S": "2026-11-22T08:05Z"}},
    )["Item"]
    assert int(item["expires_at"]["N"]) > int(bucket.timestamp()) + 30 * 86400
    assert store.get("x:5").id == "x:5"


def test_the_triage_function_counts_a_mention_delivered_three_times_once(stack, run_triage) -> None:
    signals, _ = _tables(stack)
    created = datetime.now(UTC)
    message = MentionMessage(
        mention=Mention(
            platform=Platform.X,
            native_id="77",
            text="@acme the app is down again and I cannot log in",
            author=Author(id="9", handle="jo"),
            created_at=created,
        )
    )
    sqs = stack.client("sqs")
    for _ in range(2):
        sqs.send_message(
            QueueUrl=stack.queue_url("IngestQueue"), MessageBody=message.model_dump_json()
        )
    assert run_triage() == {"batchItemFailures": []}
    sqs.send_message(QueueUrl=stack.queue_url("IngestQueue"), MessageBody=message.model_dump_json())
    assert run_triage() == {"batchItemFailures": []}
    bucket = bucket_start(created)
    got = signals.counts("Acme", bucket - BUCKET, bucket + BUCKET)
    assert sum(c.all for c in got.values()) == 1
    assert sum(c.platforms.get("x", 0) for c in got.values()) == 1


def test_the_state_and_a_crisis_round_trip_through_the_table(stack) -> None:
    signals, _ = _tables(stack)
    now = datetime.now(UTC)
    signals.seed_many("Acme", history(now, days=3))
    runs = run_spikes(CONFIG, signals, _NoSample(), _Fail(), now=now)
    assert [r.outcome for r in runs] == ["folded"]
    saved = signals.load_state("Acme")
    assert saved is not None and saved.last_bucket == last_settled(now) and saved.version == 1
    again = run_spikes(CONFIG, signals, _NoSample(), _Fail(), now=now + timedelta(minutes=5))
    assert again[0].folded == 1 and signals.load_state("Acme").version == 2


class _NoSample:
    def sample(self, brand, start, end):
        return []


class _Fail:
    def opened(self, report, brand):
        raise AssertionError("no crisis expected")

    def ended(self, end, brand):
        raise AssertionError("no crisis expected")


def test_the_spikes_function_publishes_one_crisis_alert(
    stack, load, lambda_context, capture_topic
) -> None:
    alerts = capture_topic("AlertsTopic")
    signals, _ = _tables(stack)
    now = datetime.now(UTC)
    signals.seed_many("Acme", history(now, days=14, volume=10.0))
    last = last_settled(now)
    for bucket in (last - BUCKET, last):
        signals.add("Acme", bucket, Counts(all=2500, negative=2400, intents={"outage": 900}))

    handler = load("SpikesFunction")
    first = handler({}, lambda_context("SpikesFunction"))
    assert first["brands"]["Acme"]["outcome"] == "opened"
    assert first["sent"] == ["Acme:opened"]
    second = handler({}, lambda_context("SpikesFunction"))
    assert second["brands"]["Acme"]["outcome"] == "idle" and second["sent"] == []

    deliveries = alerts.wait_for(1, timeout_s=10)
    assert len(deliveries) == 1
    attributes = deliveries[0].attributes
    assert attributes["kind"] == "crisis" and attributes["crisis"] == "opened"
    assert attributes["severity"] == "critical" and attributes["brand"] == "Acme"
    assert attributes["platform"] == "all"
    assert "CRISIS" in deliveries[0].subject
    crisis = open_crisis(signals, "Acme")
    assert crisis is not None and crisis.notice is None and crisis.kinds == ["volume"]


class _Angry:
    """Triage for the storm: every mention negative, an outage complaint, low priority (the
    individual alerts are not what this test is about)."""

    def triage_mention(self, mention: Mention, brand: Brand | None = None) -> Triage:
        return Triage(
            sentiment=Sentiment.NEGATIVE,
            sentiment_score=-0.8,
            complaint=True,
            intents=[Intent.OUTAGE],
            priority=Priority.LOW,
        )


def test_a_storm_of_5000_negative_mentions_in_10_minutes_is_one_crisis_alert(
    stack, capture_topic, monkeypatch
) -> None:
    alerts = capture_topic("AlertsTopic")
    signals, table = _tables(stack)
    store = MentionStore(table, signals)
    # A simulated clock: the storm starts at T, four days of ordinary counts before it.
    t = bucket_start(datetime.now(UTC)) - timedelta(hours=3) + timedelta(seconds=30)
    seeded = history(t, days=4, volume=10.0)
    signals.seed_many("Acme", seeded)
    # Ordinary traffic for the 40 minutes after T besides the storm.
    after = history(t + timedelta(minutes=45), days=1, volume=10.0)
    signals.seed_many("Acme", {b: c for b, c in after.items() if b >= bucket_start(t)})
    clock = {"now": t}
    monkeypatch.setattr("heard.pipeline.utcnow", lambda: clock["now"])
    pipeline = Pipeline(
        store=store,
        alerts=AlertDispatcher(AlertClaims(table), RecordingChannel()),
        triager=_Angry(),
        config=CONFIG,
    )
    notifier = SnsCrisisNotifier(boto3.client("sns"), stack.topic_arn("AlertsTopic"))
    stored = 0
    runs = []
    for n in range(STORM):
        at = t + timedelta(seconds=n * 600 / STORM)
        clock["now"] = at + timedelta(seconds=2)
        message = MentionMessage(
            mention=Mention(
                platform=Platform.X,
                native_id=f"storm{n}",
                text=f"@acme app down again, cannot log in ({n})",
                # Named, with no id or handle: each is a case of its own (no conversation
                # lookup), which keeps 5,000 of them quick.
                author=Author(name=f"User {n}", followers=n),
                created_at=at,
            )
        )
        stored += pipeline.handle(message).outcome is Outcome.STORED
        if n % (STORM // 10) == STORM // 10 - 1:
            runs += run_spikes(CONFIG, signals, store, notifier, now=clock["now"])
    assert stored == STORM
    assert pipeline.handle(message).outcome is Outcome.DUPLICATE  # counted once
    for minutes in range(15, 45, 5):
        runs += run_spikes(CONFIG, signals, store, notifier, now=t + timedelta(minutes=minutes))

    assert sum(r.outcome == "opened" for r in runs) == 1
    storm = signals.counts("Acme", bucket_start(t), bucket_start(t) + 2 * BUCKET)
    assert sum(c.negative for c in storm.values()) >= STORM
    deliveries = [d for d in alerts.wait_for(1, timeout_s=10) if d.attributes.get("kind")]
    assert len(deliveries) == 1
    assert deliveries[0].attributes["kind"] == "crisis"
    assert "Most-reached mentions" in deliveries[0].message
    assert '"app down"' in deliveries[0].message  # a top term; the brand's own words left out
