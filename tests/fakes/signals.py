"""``FakeSignals``: ``heard.store.signals.SignalsTable`` in memory, for unit tests of the spike
check and of counting.

It keeps the table's contract: counts added per bucket (``count(record)`` is what the
mention's transaction adds), the detectors' state written only at the version read, the crisis
record opened only when none is there and changed only at the version read (both in one
commit: all or nothing), notices claimed and cleared conditionally, collapsed alerts counted on
the open crisis alone. ``reads`` lists the bucket ranges and keys read, to check that a run
reads only the past.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from heard.models import MentionRecord
from heard.spikes.counts import Counts, bucket_for, buckets, increments
from heard.spikes.crisis import Crisis
from heard.store.signals import CrisisChange, SavedState
from heard.store.table import brand_key


class FakeSignals:
    def __init__(self) -> None:
        self.buckets: dict[str, dict[datetime, Counts]] = {}
        self.states: dict[str, SavedState] = {}
        self.crises: dict[str, Crisis] = {}
        self.past: dict[str, list[Crisis]] = {}
        self.reads: list[tuple[datetime, datetime]] = []
        self.before_commit: Any = None  # called once before the next commit (a racing run)

    # --- counts ---------------------------------------------------------------------------

    def count(self, record: MentionRecord) -> None:
        bucket = bucket_for(record.mention.created_at, record.received_at)
        self.add(record.brand, bucket, Counts.from_attributes(dict(increments(record))))

    def add(self, brand: str, bucket: datetime, counts: Counts) -> None:
        series = self.buckets.setdefault(brand_key(brand), {})
        series.setdefault(bucket, Counts()).add(counts)

    def counts(self, brand: str, first: datetime, last: datetime) -> dict[datetime, Counts]:
        self.reads.append((first, last))
        series = self.buckets.get(brand_key(brand), {})
        return {b: copy.deepcopy(c) for b, c in series.items() if first <= b <= last}

    def counts_at(self, brand: str, starts: list[datetime]) -> dict[datetime, Counts]:
        for start in starts:
            self.reads.append((start, start))
        series = self.buckets.get(brand_key(brand), {})
        return {s: copy.deepcopy(series[s]) for s in starts if s in series}

    def series(self, brand: str, first: datetime, last: datetime) -> list[int]:
        got = self.buckets.get(brand_key(brand), {})
        return [got.get(b, Counts()).all for b in buckets(first, last)]

    # --- state and crisis -----------------------------------------------------------------

    def load_state(self, brand: str) -> SavedState | None:
        return copy.deepcopy(self.states.get(brand_key(brand)))

    def reset_state(self, brand: str) -> None:
        self.states.pop(brand_key(brand), None)

    def crisis(self, brand: str) -> Crisis | None:
        return copy.deepcopy(self.crises.get(brand_key(brand)))

    def current(self, brand: str) -> Crisis | None:
        crisis = self.crisis(brand)
        return crisis if crisis is not None and crisis.open else None

    def collapse(self, brand: str, crisis_id: str, mention_key: str) -> bool:
        crisis = self.crises.get(brand_key(brand))
        if crisis is None or crisis.id != crisis_id or not crisis.open:
            return False
        crisis.collapsed += 1
        return True

    def history(self, brand: str, limit: int = 20) -> list[Crisis]:
        return list(reversed(self.past.get(brand_key(brand), [])))[:limit]

    def commit(
        self, brand: str, read: SavedState | None, state: SavedState, change: CrisisChange | None
    ) -> bool:
        if self.before_commit is not None:
            hook, self.before_commit = self.before_commit, None
            hook()
        key = brand_key(brand)
        stored = self.states.get(key)
        if (stored is None) != (read is None) or (
            stored is not None and read is not None and stored.version != read.version
        ):
            return False
        current = self.crises.get(key)
        if change is not None:
            if change.action == "open" and current is not None:
                return False
            if change.action != "open" and (
                current is None
                or current.id != change.crisis.id
                or current.version != change.read_version
            ):
                return False
        state.version = (read.version if read else 0) + 1
        self.states[key] = copy.deepcopy(state)
        if change is not None:
            crisis = copy.deepcopy(change.crisis)
            crisis.version = change.read_version + 1
            if current is not None:
                crisis.collapsed = current.collapsed
                if change.action == "update":
                    crisis.notice, crisis.notice_since = current.notice, current.notice_since
            self.crises[key] = crisis
            change.crisis.version = crisis.version
            if change.action == "end":
                self.past.setdefault(key, []).append(copy.deepcopy(crisis))
        return True

    def claim_notice(self, crisis: Crisis, now: datetime) -> bool:
        current = self.crises.get(brand_key(crisis.brand))
        if (
            current is None
            or current.id != crisis.id
            or current.notice != crisis.notice
            or current.notice_since != crisis.notice_since
        ):
            return False
        current.notice_since = now
        return True

    def notice_sent(self, crisis: Crisis) -> None:
        key = brand_key(crisis.brand)
        current = self.crises.get(key)
        if current is None or current.id != crisis.id:
            return
        if crisis.notice == "ended" and current.status == "ended":
            del self.crises[key]
        elif current.notice == crisis.notice:
            current.notice, current.notice_since = None, None


class RecordingNotifier:
    """A crisis notifier that records what it was given; ``fail`` makes the next send raise."""

    def __init__(self) -> None:
        self.opened_reports: list[Any] = []
        self.ended_reports: list[Any] = []
        self.fail = 0

    def _maybe_fail(self) -> None:
        if self.fail:
            self.fail -= 1
            raise ConnectionError("topic unavailable")

    def opened(self, report: Any, brand: Any) -> str:
        self._maybe_fail()
        self.opened_reports.append(report)
        return f"crisis-{len(self.opened_reports)}"

    def ended(self, end: Any, brand: Any) -> str:
        self._maybe_fail()
        self.ended_reports.append(end)
        return f"end-{len(self.ended_reports)}"


class FakeSampler:
    """A mention sampler over a list of records (the brand's and window's are returned)."""

    def __init__(self, records: list[MentionRecord] | None = None) -> None:
        self.records = records or []

    def sample(self, brand: str, start: datetime, end: datetime) -> list[MentionRecord]:
        return [
            r
            for r in self.records
            if brand_key(r.brand) == brand_key(brand) and start <= r.mention.created_at < end
        ]


class FakeCrises:
    """The crisis lookup storm control asks (``open_crisis``, ``collapse``): a brand's open
    crisis is ``open_id`` (None: no crisis), and each collapsed notice is recorded."""

    def __init__(self, open_id: str | None = None) -> None:
        self.open_id = open_id
        self.collapsed: list[str] = []

    def open_crisis(self, brand: str) -> str | None:
        return self.open_id

    def collapse(self, brand: str, crisis_id: str, notice_id: str) -> bool:
        self.collapsed.append(notice_id)
        return True
