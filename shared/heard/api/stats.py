"""``GET /stats``: what happened to the cases created in a window, computed from their summaries.

Pure: ``compute`` counts ``CaseSummary`` values (``MentionStore.created_between`` reads them from
an index; tests build them from records) at an explicit ``now``; ``Stats`` validates the request
and asks the store. Every refusal is an ``ApiError`` naming the parameter.

Definitions:

- The window selects cases by their first message's time on the platform (``created_at``).
  A case's clocks start when Heard received that message (``received_at``), as its SLA clocks
  do. Its first-response time is ``first_response_at - received_at``, its resolution time
  ``resolved_at - received_at`` for a case closed as resolved; both in seconds, wall-clock.
- Percentiles are nearest-rank: the p-th percentile of n sorted values is the value at rank
  ``ceil(p / 100 * n)`` (1-based), so it is always a value that occurred; p50 is the median
  (the lower middle value for an even n). None when there are no values.
- SLA attainment uses the brand's policy (``heard.cases.sla``) per case priority, for both
  clocks: ``met`` (stopped in time), ``missed`` (stopped late, or still running past its
  deadline: it can no longer be met), ``open`` (running, deadline ahead); a priority without a
  target counts under ``no_target``. Cases closed as ignored or spam need no response and are
  left out of the response, resolution and SLA figures (not of the volumes).
- ``series`` splits the window into UTC hours or days (``bucket``: hour for a window of two
  days or less, else day; ``bucket=hour`` is allowed up to seven days): per bucket, the cases
  created in it, by sentiment, the complaints, and their median first-response time.
- Per person (``by_assignee``), the SLA attainment of the cases assigned to them, both clocks.
- ``spikes``: the spikes that opened a crisis in the window (SignalsTable, the brand's or every
  configured brand's); None where the API cannot read the signals.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from heard.api.errors import ApiError
from heard.cases.sla import CaseTimes, SlaStatus, sla_state
from heard.config import HeardConfig, SlaPolicy
from heard.models import CaseSummary, Priority, Status, utcnow
from heard.spikes.detector import Alert

STATS_PARAMETERS = ("brand", "from", "to", "bucket")
MAX_HOURLY_WINDOW = timedelta(days=7)
AUTO_HOURLY_WINDOW = timedelta(days=2)
Bucket = Literal["hour", "day"]
BUCKET_SIZE: dict[str, timedelta] = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
DEFAULT_WINDOW = timedelta(days=7)
MAX_WINDOW = timedelta(days=92)
_NO_RESPONSE_NEEDED = frozenset({Status.IGNORED, Status.SPAM})


def percentile(values: list[float], p: float) -> float | None:
    """The nearest-rank ``p``-th percentile (0 < p <= 100) of ``values``; None when empty."""
    if not 0 < p <= 100:
        raise ValueError(f"p must be in (0, 100], got {p}")
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(p / 100 * len(ordered)), 1) - 1]


class StatsModel(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid")


class Durations(StatsModel):
    """Seconds: nearest-rank p50 and p90 over ``count`` cases."""

    count: int
    p50: float | None
    p90: float | None

    @classmethod
    def of(cls, seconds: list[float]) -> Durations:
        return cls(count=len(seconds), p50=percentile(seconds, 50), p90=percentile(seconds, 90))


class Attainment(StatsModel):
    met: int = 0
    missed: int = 0
    open: int = 0
    no_target: int = 0

    @property
    def rate(self) -> float | None:
        done = self.met + self.missed
        return round(self.met / done, 4) if done else None


class PrioritySla(StatsModel):
    first_response: Attainment
    resolution: Attainment


class AssigneeStats(StatsModel):
    assignee: str | None  # None: cases nobody is assigned
    cases: int
    responded: int
    median_first_response_s: float | None
    median_resolution_s: float | None = None
    first_response: Attainment = Attainment()
    resolution: Attainment = Attainment()


class Series(StatsModel):
    """The window in buckets (``starts``: each bucket's first instant, UTC); every list has
    one value per bucket, counting the cases created in it."""

    bucket: Bucket
    starts: list[datetime]
    cases: list[int]
    negative: list[int]
    neutral: list[int]
    positive: list[int]
    complaints: list[int]
    median_first_response_s: list[float | None]


class Spike(StatsModel):
    """A spike that opened a crisis: ``value`` against ``expected`` in its bucket."""

    brand: str
    kind: str
    bucket_start: datetime
    score: float
    value: float
    expected: float
    window_minutes: int


class CaseStats(StatsModel):
    """``GET /stats``: the window (``[from, to)``), volumes, times, SLA and people."""

    brand: str | None
    window_from: datetime
    window_to: datetime
    cases: int
    by_platform: dict[str, int]
    by_sentiment: dict[str, int]
    by_intent: dict[str, int]
    complaints: int
    first_response: Durations
    resolution: Durations
    sla: dict[str, PrioritySla]  # by priority, every priority present
    by_assignee: list[AssigneeStats]
    series: Series | None = None
    spikes: list[Spike] | None = None


def _bucket(status: SlaStatus, tally: Counter[str]) -> None:
    if status is SlaStatus.MET:
        tally["met"] += 1
    elif status in (SlaStatus.MISSED, SlaStatus.BREACHED):
        tally["missed"] += 1
    elif status is SlaStatus.NONE:
        tally["no_target"] += 1
    else:
        tally["open"] += 1


def bucket_for(start: datetime, end: datetime) -> Bucket:
    """The default bucket of a window: hours for two days or less, else days."""
    return "hour" if end - start <= AUTO_HOURLY_WINDOW else "day"


def _floor(instant: datetime, bucket: Bucket) -> datetime:
    instant = instant.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return instant.replace(hour=0) if bucket == "day" else instant


def bucket_starts(start: datetime, end: datetime, bucket: Bucket) -> list[datetime]:
    """Every bucket that meets ``[start, end)``, the first one holding ``start``."""
    first, size = _floor(start, bucket), BUCKET_SIZE[bucket]
    return [first + size * i for i in range(math.ceil((end - first) / size))]


def _series(
    cases: list[tuple[datetime, CaseSummary, float | None]],
    start: datetime,
    end: datetime,
    bucket: Bucket,
) -> Series:
    starts = bucket_starts(start, end, bucket)
    first, size = starts[0], BUCKET_SIZE[bucket]
    rows: dict[str, list[int]] = {
        k: [0] * len(starts) for k in ("cases", "negative", "neutral", "positive", "complaints")
    }
    responses: list[list[float]] = [[] for _ in starts]
    for created, case, responded in cases:
        i = min(max(int((created - first) / size), 0), len(starts) - 1)
        rows["cases"][i] += 1
        rows[case.sentiment.value][i] += 1
        rows["complaints"][i] += case.complaint
        if responded is not None:
            responses[i].append(responded)
    return Series(
        bucket=bucket,
        starts=starts,
        median_first_response_s=[percentile(r, 50) for r in responses],
        **rows,
    )


def compute(
    cases: Iterable[CaseSummary],
    policy_for: Callable[[str], SlaPolicy],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    brand: str | None = None,
    bucket: Bucket | None = None,
) -> CaseStats:
    """The figures for ``cases`` (those created in ``[start, end)``) at ``now``;
    ``policy_for(brand)`` is a case's brand's SLA policy; ``bucket`` that of ``series``
    (default: ``bucket_for`` the window)."""
    total = complaints = 0
    platforms: Counter[str] = Counter()
    sentiments: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    first: list[float] = []
    resolution: list[float] = []
    sla: dict[Priority, tuple[Counter[str], Counter[str]]] = {
        p: (Counter(), Counter()) for p in Priority
    }
    people: dict[str | None, list[float]] = defaultdict(list)
    people_resolution: dict[str | None, list[float]] = defaultdict(list)
    people_sla: dict[str | None, tuple[Counter[str], Counter[str]]] = defaultdict(
        lambda: (Counter(), Counter())
    )
    people_cases: Counter[str | None] = Counter()
    timeline: list[tuple[datetime, CaseSummary, float | None]] = []
    for case in cases:
        responded: float | None = None
        total += 1
        platforms[case.platform.value] += 1
        sentiments[case.sentiment.value] += 1
        intents.update(i.value for i in case.intents)
        complaints += case.complaint
        people_cases[case.assignee] += 1
        if case.status in _NO_RESPONSE_NEEDED:
            timeline.append((case.created_at, case, None))
            continue
        if case.first_response_at is not None:
            responded = max((case.first_response_at - case.clock_start).total_seconds(), 0.0)
            first.append(responded)
            people[case.assignee].append(responded)
        timeline.append((case.created_at, case, responded))
        if case.status is Status.RESOLVED and case.resolved_at is not None:
            seconds = max((case.resolved_at - case.clock_start).total_seconds(), 0.0)
            resolution.append(seconds)
            people_resolution[case.assignee].append(seconds)
        state = sla_state(
            policy_for(case.brand),
            case.priority,
            CaseTimes(
                waiting_since=case.clock_start,
                first_reply_at=case.first_response_at,
                acknowledged_at=case.acknowledged_at,
                resolved_at=case.resolved_at if not case.status.open else None,
            ),
            now=now,
        )
        for tallies in (sla[case.priority], people_sla[case.assignee]):
            _bucket(state.first_response.status, tallies[0])
            _bucket(state.resolution.status, tallies[1])
    assignees = sorted(people_cases, key=lambda a: (a is None, a or ""))
    return CaseStats(
        brand=brand,
        window_from=start,
        window_to=end,
        cases=total,
        by_platform=dict(sorted(platforms.items())),
        by_sentiment=dict(sorted(sentiments.items())),
        by_intent=dict(sorted(intents.items())),
        complaints=complaints,
        first_response=Durations.of(first),
        resolution=Durations.of(resolution),
        sla={
            p.value: PrioritySla(first_response=Attainment(**fr), resolution=Attainment(**res))
            for p, (fr, res) in sla.items()
        },
        by_assignee=[
            AssigneeStats(
                assignee=a,
                cases=people_cases[a],
                responded=len(people[a]),
                median_first_response_s=percentile(people[a], 50),
                median_resolution_s=percentile(people_resolution[a], 50),
                first_response=Attainment(**people_sla[a][0]),
                resolution=Attainment(**people_sla[a][1]),
            )
            for a in assignees
        ],
        series=_series(timeline, start, end, bucket or bucket_for(start, end)),
    )


# ---------------------------------------------------------------------------------------------
# The request
# ---------------------------------------------------------------------------------------------


class CaseWindowReader(Protocol):
    def created_between(
        self, start: datetime, end: datetime, *, brand: str | None = None
    ) -> Iterable[CaseSummary]: ...


def parse_instant(field: str, value: str) -> datetime:
    """An ISO date (midnight UTC) or datetime (UTC when it names no offset)."""
    text = value.strip()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), tzinfo=UTC)
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError.invalid(
            field, f"{field} must be an ISO date (2026-11-22) or datetime (2026-11-22T08:00:00Z)"
        ) from None
    return instant if instant.tzinfo else instant.replace(tzinfo=UTC)


def window(query: Mapping[str, str], now: datetime) -> tuple[datetime, datetime]:
    """``[from, to)``: ``to`` defaults to now, ``from`` to seven days before ``to``."""
    end = parse_instant("to", query["to"]) if "to" in query else now
    start = parse_instant("from", query["from"]) if "from" in query else end - DEFAULT_WINDOW
    if start >= end:
        raise ApiError.invalid("from", "from must be before to")
    if end - start > MAX_WINDOW:
        raise ApiError.invalid("from", f"the window is at most {MAX_WINDOW.days} days")
    return start.astimezone(UTC), end.astimezone(UTC)


def _known(params: Mapping[str, str]) -> dict[str, str]:
    unknown = sorted(set(params) - set(STATS_PARAMETERS))
    if unknown:
        names = ", ".join(repr(u) for u in unknown)
        raise ApiError.invalid(
            unknown[0],
            f"unknown parameter {names}; allowed: {', '.join(STATS_PARAMETERS)}",
            code="unknown_parameter",
        )
    return {k: v for k, v in params.items() if v != ""}


class SpikesReader(Protocol):
    def crises_between(self, brand: str, start: datetime, end: datetime) -> list[Alert]: ...


def _bucket_of(query: Mapping[str, str], start: datetime, end: datetime) -> Bucket:
    wanted = query.get("bucket")
    if wanted is None:
        return bucket_for(start, end)
    if wanted == "day":
        return "day"
    if wanted != "hour":
        raise ApiError.invalid("bucket", "bucket must be hour or day")
    if end - start > MAX_HOURLY_WINDOW:
        raise ApiError.invalid(
            "bucket", f"hourly figures cover at most {MAX_HOURLY_WINDOW.days} days; use day"
        )
    return "hour"


class Stats:
    """``GET /stats?brand=&from=&to=&bucket=`` over a store, the brand configuration and,
    when given, the spikes (SignalsTable)."""

    def __init__(
        self,
        store: CaseWindowReader,
        config: Callable[[], HeardConfig],
        spikes: SpikesReader | None = None,
    ):
        self._store = store
        self._config = config
        self._spikes = spikes

    def get(self, params: Mapping[str, str], now: datetime | None = None) -> CaseStats:
        query = _known(params)
        now = now or utcnow()
        start, end = window(query, now)
        bucket = _bucket_of(query, start, end)
        config = self._config()
        brand = None
        if "brand" in query:
            found = config.brand(query["brand"])
            if found is None:
                raise ApiError.invalid("brand", f"no brand named {query['brand']!r}")
            brand = found.name

        def policy_for(name: str) -> SlaPolicy:
            known = config.brand(name)
            return known.sla if known is not None else SlaPolicy()

        cases = self._store.created_between(start, end, brand=brand)
        result = compute(
            cases, policy_for, start=start, end=end, now=now, brand=brand, bucket=bucket
        )
        if self._spikes is not None:
            names = [brand] if brand else [b.name for b in config.brands]
            spikes = [
                Spike.model_validate({"brand": name, **alert.to_dict()})
                for name in names
                for alert in self._spikes.crises_between(name, start, end)
            ]
            result.spikes = sorted(spikes, key=lambda s: (s.bucket_start, s.brand))
        return result
