"""The digest's figures over a seeded store (tests/fakes/digest.py): every number, by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakes.digest import NOW, config, records
from fakes.store import FakeMentionStore

from heard.digest import Cadence, compute, latest
from heard.digest.compute import Digest, overdue
from heard.models import CaseSummary, Status
from heard.spikes.detector import Alert


class Spikes:
    def __init__(self, alerts: list[Alert]):
        self.alerts = alerts
        self.asked: list[tuple[str, datetime, datetime]] = []

    def crises_between(self, brand: str, start: datetime, end: datetime) -> list[Alert]:
        self.asked.append((brand, start, end))
        return [a for a in self.alerts if start <= a.bucket_start < end]


SPIKE = Alert("volume", datetime(2026, 11, 22, 9, 30, tzinfo=UTC), 4.2, 40.0, 8.0, 30)


@pytest.fixture(scope="module")
def digest() -> Digest:
    brand = config().brand("acme")
    assert brand is not None
    period = latest(brand.digest, Cadence.DAILY, NOW)
    spikes = Spikes([SPIKE, Alert("volume", NOW, 5.0, 50.0, 9.0, 30)])
    return compute(FakeMentionStore(records()), brand, period, now=NOW, spikes=spikes)


def test_the_period_is_the_local_day_up_to_eight_and_the_day_before(digest):
    assert digest.period.start == datetime(2026, 11, 22, 8, tzinfo=UTC)
    assert digest.period.end == datetime(2026, 11, 23, 8, tzinfo=UTC)
    assert digest.previous.start == datetime(2026, 11, 21, 8, tzinfo=UTC)
    assert digest.previous.end == digest.period.start


def test_volume_and_complaints_against_the_previous_period(digest):
    # Ten Acme cases in the period (x:1081 is a follow-up of x:108; x:300 is Globex's).
    assert (digest.volume.current, digest.volume.previous) == (10, 4)
    assert (digest.volume.delta, digest.volume.percent) == (6, 150.0)
    assert (digest.complaints.current, digest.complaints.previous) == (3, 2)
    assert (digest.complaints.delta, digest.complaints.percent) == (1, 50.0)


def test_sentiment_mix_counts_shares_and_deltas(digest):
    mix = {m.sentiment.value: m for m in digest.sentiment}
    assert [m.sentiment.value for m in digest.sentiment] == ["positive", "neutral", "negative"]
    assert {k: (m.count.current, m.count.previous) for k, m in mix.items()} == {
        "positive": (4, 1),
        "neutral": (2, 1),
        "negative": (4, 2),
    }
    assert {k: (m.share, m.previous_share, m.delta_points) for k, m in mix.items()} == {
        "positive": (40.0, 25.0, 15.0),
        "neutral": (20.0, 25.0, -5.0),
        "negative": (40.0, 50.0, -10.0),
    }


def test_top_complaint_intents_and_top_intents(digest):
    assert [(c.name, c.count) for c in digest.top_complaint_intents] == [
        ("billing", 2),
        ("cancel", 1),
        ("delivery", 1),
    ]
    assert [(c.name, c.count) for c in digest.top_intents] == [
        ("praise", 3),
        ("billing", 2),
        ("question", 2),
        ("cancel", 1),
        ("delivery", 1),
    ]


def test_praise_quotes_the_most_reached_and_counts_the_common_words(digest):
    # Praise: the three with the praise intent, and reddit:t1_107 (positive, no complaint).
    assert digest.praise.count == 4
    assert [(q.id, q.author, q.followers) for q in digest.praise.quotes] == [
        ("x:106", "@ivy", 15_000),
        ("x:105", "@hank", 2_000),
        ("x:110", "@mallory", 500),
    ]
    assert digest.praise.quotes[0].text == (
        "Acme support was fast and friendly, fixed my billing in minutes"
    )
    # Each word once a mention; the brand's own name and stopwords are not praise.
    assert [(t.name, t.count) for t in digest.praise.terms] == [
        ("fast", 4),
        ("friendly", 2),
        ("router", 2),
        ("support", 2),
    ]


def test_most_reached_authors_with_their_mentions(digest):
    assert [(a.author, a.followers, a.mentions) for a in digest.top_authors] == [
        ("@erin", 120_000, 1),
        ("@dana", 84_000, 3),  # x:101, and x:108 with its follow-up
        ("@ivy", 15_000, 1),
        ("@hank", 2_000, 1),
        ("@mallory", 500, 1),
    ]
    assert digest.records_read == 10


def test_open_and_overdue_cases_now(digest):
    assert digest.cases.open == 9
    assert digest.cases.by_status == {"new": 4, "acknowledged": 1, "replied": 4}
    # x:103 (first response breached, none sent) and x:090 (resolution breached); x:091 had
    # its first response breached but has been answered since.
    assert digest.cases.overdue == 2
    assert digest.cases.overdue_by_priority == {"critical": 1, "high": 1}


def test_first_response_times(digest):
    # 30, 40, 5 and 20 minutes; nearest rank: p50 the 2nd of 4, p90 the 4th.
    assert digest.first_response.model_dump() == {"count": 4, "p50": 1200.0, "p90": 2400.0}
    assert digest.previous_first_response.model_dump() == {
        "count": 2,
        "p50": 600.0,
        "p90": 3000.0,
    }


def test_sla_attainment_per_priority_and_overall(digest):
    lines = {line.priority: line for line in digest.sla}
    assert list(lines) == ["critical", "high", "normal", "overall"]  # low has no target
    first = {p: line.first_response.model_dump() for p, line in lines.items()}
    assert first["critical"] == {"met": 0, "missed": 1, "open": 0, "no_target": 0}
    assert first["high"] == {"met": 1, "missed": 1, "open": 0, "no_target": 0}
    assert first["normal"] == {"met": 2, "missed": 0, "open": 1, "no_target": 0}
    assert first["overall"] == {"met": 3, "missed": 2, "open": 1, "no_target": 0}
    assert lines["overall"].first_response.rate == 0.6
    assert lines["overall"].resolution.model_dump() == {
        "met": 1,
        "missed": 0,
        "open": 5,
        "no_target": 0,
    }


def test_spikes_are_those_of_the_period(digest):
    assert digest.spikes == [SPIKE]


def test_without_a_spikes_reader_there_are_none():
    brand = config().brands[0]
    period = latest(brand.digest, Cadence.DAILY, NOW)
    assert compute(FakeMentionStore(records()), brand, period, now=NOW).spikes == []


def test_a_capped_read_keeps_the_highest_priority_cases_first():
    brand = config().brands[0]
    period = latest(brand.digest, Cadence.DAILY, NOW)
    capped = compute(FakeMentionStore(records()), brand, period, now=NOW, max_records=2)
    assert capped.records_read == 2
    assert [a.author for a in capped.top_authors] == ["@erin", "@dana"]  # critical, high
    assert capped.volume.current == 10  # the counts do not depend on the records read


def test_an_empty_period_has_zeros_not_errors():
    brand = config().brands[0]
    period = latest(brand.digest, Cadence.DAILY, NOW)
    empty = compute(FakeMentionStore([]), brand, period, now=NOW)
    assert empty.volume.current == 0 and empty.volume.percent is None
    assert all(m.share == 0.0 for m in empty.sentiment)
    assert empty.first_response.p50 is None and empty.sla[-1].first_response.rate is None
    assert empty.praise.quotes == [] and empty.top_authors == []


def test_overdue_is_the_inbox_definition():
    base = CaseSummary.of(records()[0])
    breached = base.model_copy(update={"first_response_at": None, "status": Status.NEW})
    assert overdue(breached.model_copy(update={"sla_events": ["first_response:level0"]}))
    assert not overdue(breached.model_copy(update={"sla_events": ["first_response:warning"]}))
    resolved = breached.model_copy(
        update={"status": Status.RESOLVED, "sla_events": ["resolution:level0"]}
    )
    assert not overdue(resolved)


def test_the_digest_serialises_to_json(digest):
    data = digest.model_dump(mode="json")
    assert data["period"]["cadence"] == "daily" and data["period"]["clock"] == "08:00:00"
    assert data["spikes"][0]["kind"] == "volume"
