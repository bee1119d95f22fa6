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
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from heard.api.errors import ApiError
from heard.cases.sla import CaseTimes, SlaStatus, sla_state
from heard.config import HeardConfig, SlaPolicy
from heard.models import CaseSummary, Priority, Status, utcnow

STATS_PARAMETERS = ("brand", "from", "to")
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


def _bucket(status: SlaStatus, tally: Counter[str]) -> None:
    if status is SlaStatus.MET:
        tally["met"] += 1
    elif status in (SlaStatus.MISSED, SlaStatus.BREACHED):
        tally["missed"] += 1
    elif status is SlaStatus.NONE:
        tally["no_target"] += 1
    else:
        tally["open"] += 1


def compute(
    cases: Iterable[CaseSummary],
    policy_for: Callable[[str], SlaPolicy],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    brand: str | None = None,
) -> CaseStats:
    """The figures for ``cases`` (those created in ``[start, end)``) at ``now``;
    ``policy_for(brand)`` is a case's brand's SLA policy."""
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
    people_cases: Counter[str | None] = Counter()
    for case in cases:
        total += 1
        platforms[case.platform.value] += 1
        sentiments[case.sentiment.value] += 1
        intents.update(i.value for i in case.intents)
        complaints += case.complaint
        people_cases[case.assignee] += 1
        if case.status in _NO_RESPONSE_NEEDED:
            continue
        if case.first_response_at is not None:
            seconds = max((case.first_response_at - case.clock_start).total_seconds(), 0.0)
            first.append(seconds)
            people[case.assignee].append(seconds)
        if case.status is Status.RESOLVED and case.resolved_at is not None:
            resolution.append(max((case.resolved_at - case.clock_start).total_seconds(), 0.0))
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
        _bucket(state.first_response.status, sla[case.priority][0])
        _bucket(state.resolution.status, sla[case.priority][1])
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
            )
            for a in assignees
        ],
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


class Stats:
    """``GET /stats?brand=&from=&to=`` over a store and the brand configuration."""

    def __init__(self, store: CaseWindowReader, config: Callable[[], HeardConfig]):
        self._store = store
        self._config = config

    def get(self, params: Mapping[str, str], now: datetime | None = None) -> CaseStats:
        query = _known(params)
        now = now or utcnow()
        start, end = window(query, now)
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
        return compute(cases, policy_for, start=start, end=end, now=now, brand=brand)
