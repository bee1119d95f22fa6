"""GET /stats: the figures over in-memory records, percentiles, SLA buckets, parameters."""

from datetime import UTC, datetime, timedelta

import pytest
from fakes.records import T0, record

from heard.api.errors import ApiError
from heard.api.stats import Stats, compute, percentile, window
from heard.config import SlaPolicy, parse_config
from heard.models import CaseSummary, Intent, Platform, Priority, Sentiment, Status
from heard.spikes.detector import Alert as SpikeAlert

NOW = T0 + timedelta(days=2)
CONFIG = parse_config(
    """
brands:
  - name: Acme
    keywords: [acme]
  - name: Globex
    keywords: [globex]
    sla:
      targets:
        normal: {first_response: 10m, resolution: 1h}
"""
)


def case(n, *, priority=Priority.NORMAL, brand="Acme", responded=None, resolved=None, **kw):
    r = record(n, brand=brand, priority=priority)
    created = r.mention.created_at
    update = {
        "first_response_at": created + responded if responded is not None else None,
        "resolved_at": created + resolved if resolved is not None else None,
        "status": Status.RESOLVED if resolved is not None else kw.pop("status", Status.NEW),
        **kw,
    }
    return CaseSummary.of(r.model_copy(update=update))


def stats(cases, **kw):
    return compute(cases, lambda name: CONFIG.brand(name).sla, start=T0, end=NOW, now=NOW, **kw)


@pytest.mark.parametrize(
    ("values", "p50", "p90"),
    [
        ([], None, None),
        ([5.0], 5.0, 5.0),
        ([1.0, 2.0], 1.0, 2.0),
        ([float(v) for v in range(1, 11)], 5.0, 9.0),
        ([float(v) for v in range(10, 0, -1)] + [100.0], 6.0, 10.0),
    ],
)
def test_percentiles_are_nearest_rank(values, p50, p90):
    assert percentile(values, 50) == p50
    assert percentile(values, 90) == p90


def test_volumes_by_platform_sentiment_intent_and_complaints():
    fb = record(2)
    fb = fb.model_copy(
        update={
            "mention": fb.mention.model_copy(update={"platform": Platform.FACEBOOK}),
            "triage": fb.triage.model_copy(
                update={
                    "sentiment": Sentiment.NEGATIVE,
                    "complaint": True,
                    "intents": [Intent.BILLING, Intent.CANCEL],
                }
            ),
        }
    )
    result = stats([case(1), CaseSummary.of(fb), case(3)])
    assert result.cases == 3
    assert result.by_platform == {"facebook": 1, "x": 2}
    assert result.by_sentiment == {"negative": 1, "neutral": 2}
    assert result.by_intent == {"billing": 1, "cancel": 1}
    assert result.complaints == 1


def test_response_and_resolution_times():
    cases = [
        case(1, responded=timedelta(minutes=5), resolved=timedelta(hours=1)),
        case(2, responded=timedelta(minutes=30)),
        case(3, responded=timedelta(minutes=10), resolved=timedelta(hours=3)),
        case(4),
        case(5, status=Status.SPAM, responded=timedelta(seconds=1)),  # needs no response
    ]
    result = stats(cases)
    assert result.first_response.model_dump() == {"count": 3, "p50": 600.0, "p90": 1800.0}
    assert result.resolution.model_dump() == {"count": 2, "p50": 3600.0, "p90": 10800.0}


def test_sla_attainment_per_priority_with_the_brands_policy():
    cases = [
        # Acme critical: 15m / 4h.
        case(1, priority=Priority.CRITICAL, responded=timedelta(minutes=10)),
        case(2, priority=Priority.CRITICAL, responded=timedelta(minutes=20)),
        case(3, priority=Priority.CRITICAL, resolved=timedelta(hours=1)),
        # Globex normal: 10m / 1h; not responded after two days: missed, both clocks.
        case(4, brand="Globex"),
        # low: no target.
        case(5, priority=Priority.LOW),
    ]
    result = stats(cases)
    critical = result.sla["critical"]
    # x:3 was resolved an hour in, before any reply: its first-response clock stopped late.
    assert critical.first_response.model_dump() == {
        "met": 1,
        "missed": 2,
        "open": 0,
        "no_target": 0,
    }
    assert (critical.resolution.met, critical.resolution.missed) == (1, 2)
    assert result.sla["normal"].first_response.missed == 1
    assert result.sla["low"].first_response.no_target == 1
    assert result.sla["high"].first_response.model_dump() == {
        "met": 0,
        "missed": 0,
        "open": 0,
        "no_target": 0,
    }


def test_a_clock_with_its_deadline_ahead_is_open():
    fresh = case(1)  # Acme normal: 1d / 3d, created a minute after T0
    result = compute([fresh], lambda _: SlaPolicy(), start=T0, end=NOW, now=T0 + timedelta(hours=1))
    assert result.sla["normal"].first_response.open == 1
    assert result.sla["normal"].resolution.open == 1


def test_per_assignee():
    cases = [
        case(1, assignee="ann", responded=timedelta(minutes=4)),
        case(2, assignee="ann", responded=timedelta(minutes=8)),
        case(3, assignee="ann"),
        case(4, assignee="bob", responded=timedelta(minutes=1)),
        case(5),
    ]
    keys = ("assignee", "cases", "responded", "median_first_response_s")
    rows = [a.model_dump(include=set(keys)) for a in stats(cases).by_assignee]
    assert rows == [
        {"assignee": "ann", "cases": 3, "responded": 2, "median_first_response_s": 240.0},
        {"assignee": "bob", "cases": 1, "responded": 1, "median_first_response_s": 60.0},
        {"assignee": None, "cases": 1, "responded": 0, "median_first_response_s": None},
    ]


def test_sla_attainment_and_resolution_per_person():
    cases = [
        # Acme critical: 15m / 4h.
        case(1, priority=Priority.CRITICAL, assignee="ann", responded=timedelta(minutes=5)),
        case(
            2,
            priority=Priority.CRITICAL,
            assignee="ann",
            responded=timedelta(minutes=40),
            resolved=timedelta(hours=2),
        ),
        case(3, priority=Priority.LOW, assignee="bob", resolved=timedelta(minutes=30)),
        case(4, priority=Priority.CRITICAL, assignee="bob", status=Status.SPAM),
    ]
    ann, bob = stats(cases).by_assignee
    assert (ann.first_response.met, ann.first_response.missed) == (1, 1)
    # x:1 was never resolved: its 4-hour resolution clock ran out long before now.
    assert (ann.resolution.met, ann.resolution.missed) == (1, 1)
    assert ann.median_resolution_s == 7200.0
    assert bob.cases == 2  # the spam counts in the volume, not in the SLA figures
    assert bob.first_response.model_dump() == {"met": 0, "missed": 0, "open": 0, "no_target": 1}
    assert bob.median_resolution_s == 1800.0


def test_series_counts_each_bucket_of_the_window():
    negative = case(70).model_copy(update={"sentiment": Sentiment.NEGATIVE, "complaint": True})
    cases = [
        case(1, responded=timedelta(minutes=10)),
        case(2, responded=timedelta(minutes=30)),
        negative,
        case(61 * 24, responded=timedelta(minutes=2)),  # the next day, 08:24
    ]
    hourly = stats(cases, bucket="hour").series
    assert hourly is not None and hourly.bucket == "hour"
    assert len(hourly.starts) == 48 and hourly.starts[0] == T0
    assert hourly.cases[:3] == [2, 1, 0]
    assert (hourly.negative[1], hourly.complaints[1], hourly.neutral[0]) == (1, 1, 2)
    assert hourly.median_first_response_s[:2] == [600.0, None]
    assert sum(hourly.cases) == 4

    daily = stats(cases).series  # a two-day window: hourly by default
    assert daily is not None and daily.bucket == "hour"
    result = compute(
        cases,
        lambda _: SlaPolicy(),
        start=T0,
        end=T0 + timedelta(days=3),
        now=NOW,
    )
    assert result.series is not None and result.series.bucket == "day"
    # Days are UTC days: the first holds the window's start.
    assert result.series.starts[0] == datetime(2026, 11, 22, tzinfo=UTC)
    assert len(result.series.starts) == 4
    assert result.series.cases == [3, 1, 0, 0]


def test_the_bucket_parameter():
    api = Stats(FakeWindow([case(1)]), lambda: CONFIG)
    assert api.get({"bucket": "day"}, now=NOW).series.bucket == "day"
    assert api.get({"from": "2026-11-23"}, now=NOW).series.bucket == "hour"
    for bad, message in [("week", "hour or day"), ("hour", "at most 7 days")]:
        with pytest.raises(ApiError) as raised:
            api.get({"bucket": bad, "from": "2026-11-01"}, now=NOW)
        assert raised.value.field == "bucket" and message in raised.value.message


class FakeSpikes:
    def __init__(self, alerts):
        self.alerts, self.asked = alerts, []

    def crises_between(self, brand, start, end):
        self.asked.append(brand)
        return self.alerts.get(brand, [])


def test_spikes_that_opened_crises_come_from_the_signals():
    spike = SpikeAlert("volume", T0 + timedelta(hours=3), 7.5, 40.0, 4.0, 15)
    signals = FakeSpikes({"Globex": [spike]})
    every = Stats(FakeWindow([]), lambda: CONFIG, signals).get({}, now=NOW)
    assert signals.asked == ["Acme", "Globex"]
    assert [s.model_dump() for s in every.spikes] == [
        {
            "brand": "Globex",
            "kind": "volume",
            "bucket_start": T0 + timedelta(hours=3),
            "score": 7.5,
            "value": 40.0,
            "expected": 4.0,
            "window_minutes": 15,
        }
    ]
    assert (
        Stats(FakeWindow([]), lambda: CONFIG, signals).get({"brand": "acme"}, now=NOW).spikes == []
    )
    assert Stats(FakeWindow([]), lambda: CONFIG).get({}, now=NOW).spikes is None


def test_the_window_defaults_to_the_last_seven_days():
    assert window({}, NOW) == (NOW - timedelta(days=7), NOW)
    start, end = window({"from": "2026-11-01", "to": "2026-11-03T12:00:00+01:00"}, NOW)
    assert start == datetime(2026, 11, 1, tzinfo=UTC)
    assert end == datetime(2026, 11, 3, 11, tzinfo=UTC)
    assert window({"to": "2026-11-10T00:00:00"}, NOW)[0] == datetime(2026, 11, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-11-05", "to": "2026-11-05"}, "from"),
        ({"from": "2026-01-01", "to": "2026-06-01"}, "from"),
        ({"brand": "Initech"}, "brand"),
        ({"status": "new"}, "status"),
    ],
)
def test_bad_parameters_are_400_naming_them(params, field):
    api = Stats(FakeWindow([]), lambda: CONFIG)
    with pytest.raises(ApiError) as raised:
        api.get(params, now=NOW)
    assert raised.value.status == 400 and raised.value.field == field


class FakeWindow:
    def __init__(self, cases):
        self.cases, self.asked = cases, []

    def created_between(self, start, end, *, brand=None):
        self.asked.append((start, end, brand))
        return [
            c
            for c in self.cases
            if start <= c.created_at < end and (brand is None or c.brand == brand)
        ]


def test_the_api_reads_the_window_of_the_brand_as_configured():
    window_ = FakeWindow([case(1), case(2, brand="Globex")])
    result = Stats(window_, lambda: CONFIG).get({"brand": "acme", "from": "2026-11-22"}, now=NOW)
    assert window_.asked == [(datetime(2026, 11, 22, tzinfo=UTC), NOW, "Acme")]
    assert result.brand == "Acme" and result.cases == 1
    assert Stats(window_, lambda: CONFIG).get({}, now=NOW).cases == 2
