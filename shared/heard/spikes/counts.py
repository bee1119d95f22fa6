"""Per-brand mention counts in 5-minute buckets: which bucket a stored mention counts in, what
it adds, and a bucket's counts as the spike check reads them. Pure: no AWS.

A mention counts in the bucket of its ``created_at`` while that bucket is still open to
counting: until ``LATE_SECONDS`` after it ends. Later (a poller's backfill, a redelivery after
an outage, a clock far behind) it counts in the bucket of the moment it is stored, and so does
a mention created in the future (a sender's clock ahead). The spike check reads a bucket only
``SETTLE_SECONDS`` after it ends, later than any count can still land in it, so the past it has
read is never rewritten: a backfill shows as what it is, mentions arriving now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from heard.models import MentionRecord, Sentiment

BUCKET = timedelta(minutes=5)
# A mention may still count in its creation bucket up to this long after the bucket ends.
LATE_SECONDS = 120
# The spike check reads a bucket this long after it ends: a minute after the last count that
# can land in it (the counting write itself may take a while: retries, a slow invocation).
SETTLE_SECONDS = LATE_SECONDS + 60
# Counters are kept this long (the detector bootstraps from up to two weeks; a margin).
COUNTS_TTL_DAYS = 35

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def bucket_start(when: datetime) -> datetime:
    """The start of the 5-minute bucket holding ``when`` (UTC)."""
    when = _utc(when)
    return when - ((when - _EPOCH) % BUCKET)


def bucket_for(created_at: datetime, now: datetime) -> datetime:
    """The bucket a mention created at ``created_at`` and stored at ``now`` counts in."""
    created, now = _utc(created_at), _utc(now)
    if created > now:
        return bucket_start(now)
    start = bucket_start(created)
    if start + BUCKET + timedelta(seconds=LATE_SECONDS) <= now:
        return bucket_start(now)
    return start


def last_settled(now: datetime) -> datetime:
    """The newest bucket the spike check may read at ``now``."""
    return bucket_start(_utc(now) - timedelta(seconds=SETTLE_SECONDS)) - BUCKET


def bucket_key(start: datetime) -> str:
    """``2026-11-30T10:05Z``: a bucket's sort key (sorts in time order)."""
    return bucket_start(start).strftime("%Y-%m-%dT%H:%MZ")


def parse_bucket_key(key: str) -> datetime:
    return datetime.strptime(key, "%Y-%m-%dT%H:%MZ").replace(tzinfo=UTC)


def buckets(first: datetime, last: datetime) -> list[datetime]:
    """Every bucket start from ``first`` to ``last``, both included."""
    out, at = [], bucket_start(first)
    end = bucket_start(last)
    while at <= end:
        out.append(at)
        at += BUCKET
    return out


def increments(record: MentionRecord) -> dict[str, int]:
    """What one stored mention adds to its bucket: ``all``, ``negative``, ``complaint``,
    ``intent_<name>`` for each intent and ``platform_<name>``."""
    triage = record.triage
    adds = {"all": 1, f"platform_{record.mention.platform.value}": 1}
    if triage.sentiment is Sentiment.NEGATIVE:
        adds["negative"] = 1
    if triage.complaint:
        adds["complaint"] = 1
    for intent in dict.fromkeys(triage.intents):
        adds[f"intent_{intent.value}"] = 1
    return adds


@dataclass
class Counts:
    """One bucket's counts (or a window's sum)."""

    all: int = 0
    negative: int = 0
    complaint: int = 0
    intents: dict[str, int] = field(default_factory=dict)
    platforms: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_attributes(cls, item: dict[str, object]) -> Counts:
        counts = cls()
        for name, raw in item.items():
            if not isinstance(raw, int | float) or isinstance(raw, bool):
                continue
            value = int(raw)
            if name in ("all", "negative", "complaint"):
                setattr(counts, name, value)
            elif name.startswith("intent_"):
                counts.intents[name.removeprefix("intent_")] = value
            elif name.startswith("platform_"):
                counts.platforms[name.removeprefix("platform_")] = value
        return counts

    def attributes(self) -> dict[str, int]:
        return {
            "all": self.all,
            "negative": self.negative,
            "complaint": self.complaint,
            **{f"intent_{k}": v for k, v in self.intents.items()},
            **{f"platform_{k}": v for k, v in self.platforms.items()},
        }

    def add(self, other: Counts) -> Counts:
        self.all += other.all
        self.negative += other.negative
        self.complaint += other.complaint
        for name, value in other.intents.items():
            self.intents[name] = self.intents.get(name, 0) + value
        for name, value in other.platforms.items():
            self.platforms[name] = self.platforms.get(name, 0) + value
        return self

    @classmethod
    def total(cls, many: Iterable[Counts]) -> Counts:
        out = cls()
        for one in many:
            out.add(one)
        return out

    @property
    def negative_share(self) -> float | None:
        return self.negative / self.all if self.all else None
