"""The spike check: every 5 minutes, each brand's closed buckets go through the detectors, and
a spike opens a crisis (one alert), which ends once the series is back near its usual level.

For each brand of the configuration:

1. a crisis message an earlier run left unsent (it died between its write and the send) is
   sent, once ``NOTICE_RETRY_AFTER`` has passed;
2. the buckets after the last one folded, up to the newest settled one (``last_settled``: a
   bucket is read ``SETTLE_SECONDS`` after it ends, when no count can land in it any more), go
   through ``fold_bucket``: the volume detector (``step``) and the negative-share detector
   (``step_negative_share``). Only the past is read. A bucket with no counts item is zero
   once the brand has any counts; a brand with none is skipped; a brand seen for the first
   time starts from its stored counts of the last ``BOOTSTRAP_DAYS`` (so a deployment does
   not wait weeks after its first day of counts). A run that fell far behind folds at most
   ``BOOTSTRAP_DAYS`` (the buckets before are absent to the detectors);
3. an alert opens a crisis unless one is open (which it extends); an alert on a bucket older
   than ``STALE_AFTER`` (a catch-up) is not announced. An open crisis ends after
   ``END_CALM_BUCKETS`` calm buckets (``crisis.is_calm``: no alert, the last 30 minutes under
   1.5 times their usual count and the negative share near its usual);
4. the detectors' state and the crisis change are written in one conditional transaction: of
   two overlapping runs one writes, the other does nothing and sends nothing;
5. the message the write made due (the crisis alert, or the end) is sent, then cleared.

"The usual for this time" is the median, over the previous ``USUAL_DAYS`` days that have
counts, of the same 30 minutes of the day; the usual negative share is their negatives over
their mentions. The detectors keep their own, finer baselines (``detector.py``); these figures
are for people reading the alert.

``heard spikes scan FILE.csv`` folds its buckets through the same ``fold_bucket``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Protocol

from heard.config import Brand, HeardConfig
from heard.models import MentionRecord, utcnow
from heard.spikes.counts import BUCKET, Counts, bucket_key, buckets, last_settled
from heard.spikes.crisis import (
    END_CALM_BUCKETS,
    NOTICE_RETRY_AFTER,
    Crisis,
    is_calm,
)
from heard.spikes.detector import (
    Alert,
    NegativeShareState,
    VolumeState,
    step,
    step_negative_share,
)
from heard.spikes.notify import CrisisNotifier
from heard.spikes.report import CrisisEnd, CrisisReport, most_reached, own_terms, top_terms
from heard.store.signals import CrisisChange, SavedState
from heard.store.table import brand_key

logger = logging.getLogger(__name__)

# Buckets in the window a crisis alert reports (30 minutes).
WINDOW_BUCKETS = 6
# Previous days whose same 30 minutes make "the usual for this time".
USUAL_DAYS = 7
# How far back a brand's first run reads its counts, and the most one run folds.
BOOTSTRAP_DAYS = 14
# An alert on a bucket that ended longer ago than this (a run catching up) opens no crisis.
STALE_AFTER = timedelta(hours=2)
# Folded buckets whose usual counts one read fetches (7 days x 6 buckets each).
USUAL_READ_AHEAD = 12
# Intents a crisis alert names.
TOP_INTENTS = 3


class SignalStore(Protocol):
    """What the check needs of the signals table (``heard.store.signals.SignalsTable``)."""

    def counts(self, brand: str, first: datetime, last: datetime) -> dict[datetime, Counts]: ...

    def counts_at(self, brand: str, starts: list[datetime]) -> dict[datetime, Counts]: ...

    def load_state(self, brand: str) -> SavedState | None: ...

    def crisis(self, brand: str) -> Crisis | None: ...

    def commit(
        self, brand: str, read: SavedState | None, state: SavedState, change: CrisisChange | None
    ) -> bool: ...

    def claim_notice(self, crisis: Crisis, now: datetime) -> bool: ...

    def notice_sent(self, crisis: Crisis) -> None: ...


class MentionSampler(Protocol):
    """A bounded sample of a brand's mentions created in a window (``MentionStore.sample``)."""

    def sample(self, brand: str, start: datetime, end: datetime) -> list[MentionRecord]: ...


@dataclass
class BrandRun:
    """What one run did for one brand."""

    brand: str
    outcome: str = "idle"  # skipped | idle | folded | raced | opened | updated | ended | error
    folded: int = 0
    alerts: list[Alert] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)  # "opened", "ended"


def fold_bucket(
    volume: VolumeState,
    negative_state: NegativeShareState | None,
    start: datetime,
    total: float,
    negative: float = 0.0,
) -> list[Alert]:
    """One bucket's counts through the detectors (the negative share's only with a state);
    the alerts it raises. The schedule and ``heard spikes scan`` both fold through here."""
    alerts = [step(volume, start, total)]
    if negative_state is not None:
        alerts.append(step_negative_share(negative_state, start, negative, total))
    return [a for a in alerts if a is not None]


@dataclass(frozen=True)
class Usual:
    mentions: float  # in the window
    share: float | None


def run_spikes(
    config: HeardConfig,
    signals: SignalStore,
    sampler: MentionSampler,
    notifier: CrisisNotifier,
    *,
    now: datetime | None = None,
) -> list[BrandRun]:
    """One run of the check over every brand; a brand that fails is logged and reported with
    outcome ``error`` without stopping the others."""
    now = now or utcnow()
    runs = []
    for brand in config.brands:
        try:
            runs.append(check_brand(brand, signals, sampler, notifier, now))
        except Exception:
            logger.exception("spike check failed", extra={"brand": brand.name})
            runs.append(BrandRun(brand.name, outcome="error"))
    return runs


def check_brand(
    brand: Brand,
    signals: SignalStore,
    sampler: MentionSampler,
    notifier: CrisisNotifier,
    now: datetime,
) -> BrandRun:
    run = BrandRun(brand.name)
    last = last_settled(now)
    crisis = signals.crisis(brand.name)
    if (
        crisis is not None
        and crisis.notice is not None
        and (crisis.notice_since is None or now - crisis.notice_since >= NOTICE_RETRY_AFTER)
        and signals.claim_notice(crisis, now)
    ):
        _send(crisis, brand, signals, notifier, run)
        crisis = signals.crisis(brand.name)

    read = signals.load_state(brand.name)
    window = (WINDOW_BUCKETS - 1) * BUCKET
    if read is None:
        counts = signals.counts(brand.name, last - timedelta(days=BOOTSTRAP_DAYS), last)
        if not counts:
            run.outcome = "skipped"
            return run
        first = min(counts)
        volume, negative = VolumeState(), NegativeShareState()
    else:
        first = max(read.last_bucket + BUCKET, last - timedelta(days=BOOTSTRAP_DAYS))
        if first > last:
            return run
        volume = VolumeState.from_dict(read.volume)
        negative = NegativeShareState.from_dict(read.negative)
        counts = signals.counts(brand.name, first - window, last)

    steps = []
    for start in buckets(first, last):
        bucket = counts.get(start, Counts())
        alerts = fold_bucket(volume, negative, start, bucket.all, bucket.negative)
        steps.append((start, bucket, alerts))
    run.folded = len(steps)
    run.alerts = [a for _, _, alerts in steps for a in alerts]

    def in_window(end: datetime) -> list[Counts]:
        return [counts.get(b, Counts()) for b in buckets(end - window, end)]

    usual = _usual_lookup(signals, brand.name, [s for s, _, _ in steps])
    change = _decide(brand, crisis, steps, in_window, usual, sampler, now)
    state = SavedState(
        volume=volume.to_dict(),
        negative=negative.to_dict(),
        last_bucket=last,
        version=read.version if read else 0,
    )
    if not signals.commit(brand.name, read, state, change):
        run.outcome = "raced"
        return run
    run.outcome = "folded"
    if change is not None:
        run.outcome = {"open": "opened", "update": "updated", "end": "ended"}[change.action]
        if change.action in ("open", "end"):
            _send(change.crisis, brand, signals, notifier, run)
    return run


def _decide(
    brand: Brand,
    crisis: Crisis | None,
    steps: list[tuple[datetime, Counts, list[Alert]]],
    in_window: Callable[[datetime], list[Counts]],
    usual: Callable[[datetime], Usual],
    sampler: MentionSampler,
    now: datetime,
) -> CrisisChange | None:
    """The crisis change the folded buckets make: open, update, end, or nothing."""
    # An ended crisis whose message is still to be sent holds the record: nothing opens.
    working = crisis if crisis is not None and crisis.open else None
    blocked = crisis is not None and not crisis.open
    action: str | None = None
    for start, bucket, alerts in steps:
        if working is None:
            if alerts and not blocked and start + BUCKET >= now - STALE_AFTER:
                working = _open(brand, start, alerts, in_window, usual, sampler, now)
                action = "open"
            continue
        if start <= working.last_bucket:
            continue
        working.last_bucket = start
        working.mentions += bucket.all
        working.negative += bucket.negative
        if bucket.all > working.peak:
            working.peak, working.peak_bucket = bucket.all, start
        action = action or "update"
        totals = Counts.total(in_window(start))
        typical = usual(start)
        if is_calm(
            alerted=bool(alerts),
            window=totals.all,
            usual=typical.mentions,
            share=totals.negative_share,
            usual_share=typical.share,
        ):
            working.calm_buckets += 1
        else:
            working.calm_buckets = 0
        if alerts:
            working.last_alert_bucket = start
            working.kinds = sorted({*working.kinds, *(a.kind for a in alerts)})
        if working.calm_buckets >= END_CALM_BUCKETS and action != "open":
            working.status = "ended"
            working.ended_at = start + BUCKET
            working.notice, working.notice_since = "ended", now
            action = "end"
            break
    if working is None or action is None:
        return None
    return CrisisChange(action, working, crisis.version if crisis and action != "open" else 0)


def _open(
    brand: Brand,
    start: datetime,
    alerts: list[Alert],
    in_window: Callable[[datetime], list[Counts]],
    usual: Callable[[datetime], Usual],
    sampler: MentionSampler,
    now: datetime,
) -> Crisis:
    end = start + BUCKET
    crisis_id = f"{brand_key(brand.name)}-{bucket_key(start)}"
    each = in_window(start)
    totals = Counts.total(each)
    typical = usual(start)
    window_start = end - WINDOW_BUCKETS * BUCKET
    records = sampler.sample(brand.name, window_start, end)
    intents = sorted(totals.intents.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_INTENTS]
    report = CrisisReport(
        crisis_id=crisis_id,
        brand=brand.name,
        at=end,
        window_minutes=WINDOW_BUCKETS * 5,
        mentions=totals.all,
        usual_mentions=round(typical.mentions, 1),
        negative_share=totals.negative_share,
        usual_negative_share=typical.share,
        triggers=[a.to_dict() for a in alerts],
        top_terms=top_terms((r.mention.text for r in records), own_terms(brand)),
        top_intents=[[name, n] for name, n in intents if n > 0],
        samples=most_reached(records),
        sampled=len(records),
    )
    return Crisis(
        id=crisis_id,
        brand=brand.name,
        opened_at=end,
        first_bucket=start,
        last_bucket=start,
        last_alert_bucket=start,
        kinds=sorted({a.kind for a in alerts}),
        # Totals from the start of the window that raised it.
        mentions=totals.all,
        negative=totals.negative,
        peak=max(c.all for c in each),
        peak_bucket=start,
        report=report.to_dict(),
        notice="opened",
        notice_since=now,
    )


def _usual_lookup(
    signals: SignalStore, brand: str, starts: list[datetime]
) -> Callable[[datetime], Usual]:
    """``usual(start)``: the usual 30 minutes ending with bucket ``start``. The counts it needs
    are read on first use, for that bucket and the next ``USUAL_READ_AHEAD`` folded ones (a run
    folds one or two buckets; a catch-up that needs them for many reads them in slices)."""
    cache: dict[datetime, Counts] = {}
    loaded: set[datetime] = set()
    ordered = sorted(starts)

    def keys(start: datetime) -> list[list[datetime]]:
        return [
            [start - timedelta(days=d) - k * BUCKET for k in range(WINDOW_BUCKETS)]
            for d in range(1, USUAL_DAYS + 1)
        ]

    def usual(start: datetime) -> Usual:
        if start not in loaded:
            ahead = [s for s in ordered if s >= start][:USUAL_READ_AHEAD] or [start]
            wanted = [b for s in ahead for day in keys(s) for b in day]
            cache.update(signals.counts_at(brand, wanted))
            loaded.update(ahead)
        days = [[cache[b] for b in day if b in cache] for day in keys(start)]
        seen = [Counts.total(day) for day in days if day]
        if not seen:
            return Usual(0.0, None)
        total = Counts.total(seen)
        return Usual(float(median(c.all for c in seen)), total.negative_share)

    return usual


def _send(
    crisis: Crisis, brand: Brand, signals: SignalStore, notifier: CrisisNotifier, run: BrandRun
) -> None:
    """Send the crisis's due notice, then clear it. A failure raises: the notice stays due."""
    if crisis.notice == "opened":
        notifier.opened(CrisisReport.from_dict(crisis.report), brand)
    elif crisis.notice == "ended":
        notifier.ended(
            CrisisEnd(
                crisis_id=crisis.id,
                brand=crisis.brand,
                opened_at=crisis.opened_at,
                ended_at=crisis.ended_at or crisis.last_bucket + BUCKET,
                mentions=crisis.mentions,
                negative=crisis.negative,
                peak=crisis.peak,
                collapsed=crisis.collapsed,
            ),
            brand,
        )
    else:
        return
    signals.notice_sent(crisis)
    run.sent.append(crisis.notice)
