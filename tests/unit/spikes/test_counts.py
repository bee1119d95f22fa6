"""Which bucket a stored mention counts in, what it adds, and the keys of the counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeMentionStore, FakeSignals
from fakes.records import record

from heard.models import Intent, Platform, Sentiment
from heard.spikes.counts import (
    SETTLE_SECONDS,
    Counts,
    bucket_for,
    bucket_key,
    bucket_start,
    increments,
    last_settled,
    parse_bucket_key,
)

T = datetime(2026, 11, 30, 10, 7, 42, tzinfo=UTC)


def test_bucket_keys_are_the_start_in_utc_and_sort_in_time_order() -> None:
    assert bucket_start(T) == datetime(2026, 11, 30, 10, 5, tzinfo=UTC)
    assert bucket_key(T) == "2026-11-30T10:05Z"
    assert parse_bucket_key("2026-11-30T10:05Z") == bucket_start(T)
    naive = datetime(2026, 11, 30, 10, 7)
    assert bucket_key(naive) == "2026-11-30T10:05Z"
    keys = [bucket_key(T + timedelta(minutes=5 * i)) for i in range(-300, 300)]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("created", "stored", "bucket"),
    [
        ("10:07:42", "10:07:43", "10:05"),  # on time
        ("10:04:59", "10:06:30", "10:00"),  # late, its bucket still open to counting
        ("10:04:59", "10:07:00", "10:05"),  # too late: counts when it arrived
        ("08:00:00", "10:07:43", "10:05"),  # a backfill: counts when it arrived
        ("10:09:00", "10:07:43", "10:05"),  # from the future: counts when it arrived
    ],
)
def test_a_mention_counts_in_its_bucket_unless_the_check_may_have_read_it(
    created: str, stored: str, bucket: str
) -> None:
    day = "2026-11-30T"
    got = bucket_for(
        datetime.fromisoformat(day + created + "Z"), datetime.fromisoformat(day + stored + "Z")
    )
    assert bucket_key(got) == f"{day}{bucket}Z"


def test_the_check_reads_a_bucket_only_after_any_count_can_land_in_it() -> None:
    for seconds in range(0, 1200, 7):
        now = T + timedelta(seconds=seconds)
        newest = last_settled(now)
        # Any mention stored from now on counts in a bucket after the newest settled one.
        for created_back in range(0, 3600, 61):
            assert bucket_for(now - timedelta(seconds=created_back), now) > newest
        assert newest + timedelta(minutes=5, seconds=SETTLE_SECONDS) <= now


def test_a_mention_adds_one_to_all_and_to_each_of_its_labels() -> None:
    mention = record(1)
    mention.triage.sentiment = Sentiment.NEGATIVE
    mention.triage.complaint = True
    mention.triage.intents = [Intent.OUTAGE, Intent.BILLING, Intent.OUTAGE]
    assert increments(mention) == {
        "all": 1,
        "negative": 1,
        "complaint": 1,
        "intent_outage": 1,
        "intent_billing": 1,
        f"platform_{Platform.X.value}": 1,
    }
    neutral = increments(record(2))
    assert neutral == {"all": 1, "platform_x": 1}
    counts = Counts.from_attributes({**increments(mention), "pk": "counts#acme", "expires_at": 9})
    assert counts.intents == {"outage": 1, "billing": 1} and counts.platforms == {"x": 1}
    assert counts.attributes()["intent_outage"] == 1


def test_only_a_newly_stored_mention_is_counted() -> None:
    signals = FakeSignals()
    store = FakeMentionStore(counts=signals)
    first = record(3)
    assert store.put_new(first)
    assert not store.put_new(first)  # a redelivery
    store.mark_deleted("x", "4", first.received_at)
    assert not store.put_new(record(4))  # refused by its tombstone
    bucket = bucket_for(first.mention.created_at, first.received_at)
    assert signals.counts("Acme", bucket, bucket)[bucket].all == 1
