"""The scheduled spike check over in-memory counts: steady traffic raises nothing, a storm
opens one crisis (one alert) and its end is announced once; overlapping runs alert once; a run
reads only the past; the state survives a round trip through JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeSampler, FakeSignals, RecordingNotifier
from heard_local.storm import baseline, history

from heard.config import HeardConfig
from heard.models import Author, Mention, MentionRecord, Platform, Sentiment, Triage
from heard.spikes import NegativeShareState, VolumeState
from heard.spikes.check import run_spikes
from heard.spikes.counts import BUCKET, Counts, bucket_start, last_settled
from heard.spikes.crisis import open_crisis

CONFIG = HeardConfig.model_validate(
    {"brands": [{"name": "Acme", "keywords": ["acme"], "handles": {"x": ["@acme"]}}]}
)
START = datetime(2026, 11, 16, 9, 1, 30, tzinfo=UTC)  # a Monday
VOLUME = 30.0


class World:
    def __init__(self) -> None:
        self.signals = FakeSignals()
        self.notifier = RecordingNotifier()
        self.sampler = FakeSampler()
        self.now = START
        for bucket, counts in history(START, days=14, volume=VOLUME).items():
            self.signals.add("Acme", bucket, counts)
        self.filled = bucket_start(START) - BUCKET
        self.extra: dict[datetime, Counts] = {}

    def traffic_until(self, now: datetime) -> None:
        """Ordinary traffic (and any extra) for every bucket closed by ``now``."""
        while self.filled + BUCKET < bucket_start(now):
            self.filled += BUCKET
            counts = baseline(self.filled, volume=VOLUME)
            counts.add(self.extra.get(self.filled, Counts()))
            self.signals.add("Acme", self.filled, counts)

    def run(self):
        self.traffic_until(self.now)
        return run_spikes(CONFIG, self.signals, self.sampler, self.notifier, now=self.now)

    def every_five_minutes(self, hours: float) -> list:
        runs = []
        for _ in range(int(hours * 12)):
            self.now += timedelta(minutes=5)
            runs += self.run()
        return runs


@pytest.fixture
def world() -> World:
    return World()


def storm(world: World, at: datetime, count: int = 5000, minutes: int = 10) -> None:
    """``count`` negative mentions spread over ``minutes`` from ``at``."""
    per_bucket = count // (minutes // 5)
    for i in range(minutes // 5):
        world.extra[bucket_start(at) + i * BUCKET] = Counts(
            all=per_bucket,
            negative=per_bucket,
            complaint=per_bucket // 2,
            intents={"outage": per_bucket // 2, "billing": per_bucket // 5},
        )


def angry(n: int, at: datetime, followers: int) -> MentionRecord:
    mention = Mention(
        platform=Platform.X,
        native_id=f"s{n}",
        text=f"@acme app down again, can't log in #{n % 3}",
        author=Author(handle=f"u{n}", followers=followers),
        created_at=at,
    )
    return MentionRecord(
        id=mention.key,
        brand="Acme",
        mention=mention,
        triage=Triage(sentiment=Sentiment.NEGATIVE),
        received_at=at,
    )


def test_steady_seasonal_traffic_opens_no_crisis(world: World) -> None:
    runs = world.every_five_minutes(hours=24)
    assert {r.outcome for r in runs} <= {"folded"}
    assert [a for r in runs for a in r.alerts] == []
    assert world.notifier.opened_reports == []
    assert world.signals.crisis("Acme") is None


def test_a_storm_of_5000_negative_mentions_is_one_crisis_alert_then_one_end(
    world: World,
) -> None:
    world.every_five_minutes(hours=2)
    at = world.now + timedelta(minutes=10)
    storm(world, at)
    world.sampler.records = [angry(n, at + timedelta(seconds=n), followers=n) for n in range(200)]

    runs = world.every_five_minutes(hours=1)

    assert len(world.notifier.opened_reports) == 1
    report = world.notifier.opened_reports[0]
    assert report.brand == "Acme"
    # Raised on the storm's first bucket by its volume (one bucket far above anything of the
    # fortnight before); ten minutes of anger is too short for the share's detector, which
    # leaves out the two angriest buckets of its half hour.
    assert report.mentions >= 2500
    assert {t["kind"] for t in report.triggers} == {"volume"}
    assert report.negative_share > 0.9
    assert report.usual_mentions < 6 * VOLUME * 3
    assert report.usual_negative_share == pytest.approx(0.1, abs=0.05)
    assert [s.followers for s in report.samples] == [199, 198, 197]
    assert report.top_intents[0] == ["outage", 1250]
    terms = [t for t, _ in report.top_terms]
    assert "acme" not in " ".join(terms) and "app down" in terms
    assert "CRISIS" in report.subject() and len(report.sms()) <= 160
    crisis = open_crisis(world.signals, "Acme")
    assert crisis is not None and crisis.notice is None
    assert sum(r.outcome == "opened" for r in runs) == 1

    world.every_five_minutes(hours=3)
    assert len(world.notifier.opened_reports) == 1
    assert len(world.notifier.ended_reports) == 1
    end = world.notifier.ended_reports[0]
    assert end.mentions >= 5000 and end.peak >= 2500
    assert timedelta(hours=1) <= end.duration <= timedelta(hours=2)
    assert "Crisis over" in end.subject()
    assert open_crisis(world.signals, "Acme") is None
    assert world.signals.crisis("Acme") is None
    assert [c.id for c in world.signals.history("Acme")] == [crisis.id]


def test_customers_turning_angry_without_more_mentions_open_a_crisis_on_the_share(
    world: World,
) -> None:
    world.every_five_minutes(hours=1)
    onset = bucket_start(world.now + timedelta(minutes=10))
    for i in range(24):  # two hours in which 9 more of each bucket's 30 mentions are negative
        world.extra[onset + i * BUCKET] = Counts(all=0, negative=9)

    world.every_five_minutes(hours=1)

    assert len(world.notifier.opened_reports) == 1
    report = world.notifier.opened_reports[0]
    assert {t["kind"] for t in report.triggers} == {"negative_share"}
    assert report.at - onset <= timedelta(minutes=35)
    assert report.negative_share > 0.3 and report.usual_negative_share < 0.2
    assert report.mentions < 6 * VOLUME * 1.5


def test_individual_alerts_collapse_into_the_open_crisis_and_the_end_counts_them(
    world: World,
) -> None:
    world.every_five_minutes(hours=1)
    storm(world, world.now + timedelta(minutes=10))
    world.every_five_minutes(hours=1)
    crisis = open_crisis(world.signals, "Acme")
    assert crisis is not None
    assert world.signals.collapse("Acme", crisis.id, "x:1")
    assert world.signals.collapse("Acme", crisis.id, "x:2")
    assert not world.signals.collapse("Acme", "acme-another", "x:3")
    world.every_five_minutes(hours=3)
    assert world.notifier.ended_reports[0].collapsed == 2
    assert not world.signals.collapse("Acme", crisis.id, "x:4")


def test_overlapping_runs_raise_one_alert(world: World) -> None:
    world.every_five_minutes(hours=1)
    storm(world, world.now + timedelta(minutes=10))
    outcomes: list[str] = []

    def race() -> None:  # a second run finishes while the first is about to write
        runs = run_spikes(CONFIG, world.signals, world.sampler, world.notifier, now=world.now)
        outcomes.extend(r.outcome for r in runs)

    for _ in range(12):
        world.now += timedelta(minutes=5)
        world.traffic_until(world.now)
        world.signals.before_commit = race
        runs = run_spikes(CONFIG, world.signals, world.sampler, world.notifier, now=world.now)
        outcomes.extend(r.outcome for r in runs)
    assert outcomes.count("raced") == 12
    assert outcomes.count("opened") == 1
    assert len(world.notifier.opened_reports) == 1


def test_a_crisis_alert_that_failed_to_send_is_sent_by_a_later_run(world: World) -> None:
    world.every_five_minutes(hours=1)
    storm(world, world.now + timedelta(minutes=10))
    world.notifier.fail = 1
    runs = world.every_five_minutes(hours=0.5)
    assert "error" in {r.outcome for r in runs}
    assert len(world.notifier.opened_reports) == 1  # a later run sent it
    assert open_crisis(world.signals, "Acme").notice is None


def test_a_run_reads_only_settled_buckets(world: World) -> None:
    world.every_five_minutes(hours=1)
    world.signals.reads.clear()
    world.now += timedelta(minutes=5)
    world.signals.add("Acme", bucket_start(world.now), Counts(all=9999))  # the open bucket
    world.run()
    newest = last_settled(world.now)
    assert world.signals.reads and all(last <= newest for _, last in world.signals.reads)
    assert newest + BUCKET + timedelta(minutes=3) <= world.now


def test_a_brand_without_counts_is_skipped_and_a_new_one_starts_from_its_history() -> None:
    signals = FakeSignals()
    runs = run_spikes(CONFIG, signals, FakeSampler(), RecordingNotifier(), now=START)
    assert [r.outcome for r in runs] == ["skipped"]
    for bucket, counts in history(START, days=3).items():
        signals.add("Acme", bucket, counts)
    runs = run_spikes(CONFIG, signals, FakeSampler(), RecordingNotifier(), now=START)
    assert runs[0].outcome == "folded"
    assert runs[0].folded == 3 * 288 - 1  # up to the last settled bucket
    saved = signals.load_state("Acme")
    assert saved is not None and saved.last_bucket == last_settled(START)


def test_the_state_round_trips_through_json(world: World) -> None:
    world.every_five_minutes(hours=1)
    saved = world.signals.load_state("Acme")
    assert saved is not None
    volume = json.loads(json.dumps(saved.volume))
    negative = json.loads(json.dumps(saved.negative))
    assert VolumeState.from_dict(volume).to_dict() == saved.volume
    assert NegativeShareState.from_dict(negative).to_dict() == saved.negative
    assert len(json.dumps(saved.volume)) < 100_000  # well within an item's 400 KB


def test_a_spike_in_the_history_a_first_run_reads_is_not_announced() -> None:
    signals = FakeSignals()
    for bucket, counts in history(START, days=5, volume=VOLUME).items():
        signals.add("Acme", bucket, counts)
    old = bucket_start(START - timedelta(days=1))
    for i in range(3):
        signals.add("Acme", old + i * BUCKET, Counts(all=3000, negative=3000))
    notifier = RecordingNotifier()
    runs = run_spikes(CONFIG, signals, FakeSampler(), notifier, now=START)
    assert runs[0].alerts  # the detectors saw it ...
    assert runs[0].outcome == "folded" and notifier.opened_reports == []  # ... nobody is paged
