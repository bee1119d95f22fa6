"""``python -m heard_local storm``: a storm of angry mentions for a brand, into the running stack.

The spike detectors need history before they alert (two days of warm-up; a week to know each
time of day), which a local stack that lives for minutes does not have. So the command first
SEEDS the brand's counts: two weeks of a seasonal baseline (quiet nights, busy evenings, quieter
weekends, about 10% negative), written directly to the stack's SignalsTable, only into buckets
that hold no counts yet, and clearly labelled seeded in its output. It then forgets the brand's
detector state, so the next spike check starts again from the stored counts (seed included).
Then it posts the storm: ``--count`` angry mentions over ``--minutes``, signed generic-webhook
deliveries exactly as a sender would post them; ``--high`` of them from big accounts and
``--critical`` legal threats from very big ones (``storm_bodies``).

By default the storm is replayed on the stack's clock (``heard_local.replay``: the storm and
the hour after it in about a minute, then what each channel got is printed). ``--real-time``
posts it over real minutes instead: the spike check reads a bucket three minutes after it
closes and runs every 5 minutes (``HEARD_SCHEDULE_SPEEDUP=60`` runs it every 5 seconds), so the
crisis alert is printed by the alert printer a few minutes after the storm's first bucket
closes.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from heard.spikes.counts import BUCKET, Counts, bucket_key, bucket_start, buckets

SEED_DAYS = 14
SEED_VOLUME = 8.0  # mentions a bucket at the daily mean
SEED_NEGATIVE = 0.1
BATCH = 100

# Angry but normal priority with the demo brand's rules (no churn, legal or safety threat).
COMPLAINTS = (
    "{brand} app down again, can't log in and support won't answer",
    "been charged twice by {brand} this morning, where is my refund",
    "{brand} outage for hours now, nothing works, this is a joke",
    "{brand} app is so slow today, really annoying",
    "{brand} your app keeps crashing at checkout, lost my order twice",
    "is {brand} down for everyone? app down, site down, no answer",
)


def baseline(
    bucket: datetime, volume: float = SEED_VOLUME, negative: float = SEED_NEGATIVE, seed: int = 1
) -> Counts:
    """A bucket of ordinary traffic: a time-of-day curve (peak at 17:00 UTC), weekends at 80%,
    lognormal noise; the same bucket always gets the same counts."""
    start = bucket_start(bucket)
    rng = random.Random(f"{seed}:{bucket_key(start)}")
    hour = start.hour + start.minute / 60
    mean = volume * math.exp(0.5 * math.cos(2 * math.pi * (hour - 17) / 24))
    if start.weekday() >= 5:
        mean *= 0.8
    total = max(0, round(mean * math.exp(rng.gauss(0, 0.1)) + rng.gauss(0, math.sqrt(mean) / 3)))
    bad = sum(rng.random() < negative for _ in range(total))
    return Counts(all=total, negative=bad, platforms={"x": total} if total else {})


def history(end: datetime, days: int = SEED_DAYS, **kwargs: Any) -> dict[datetime, Counts]:
    """``days`` of baseline buckets before the bucket of ``end`` (not included)."""
    last = bucket_start(end) - BUCKET
    return {b: baseline(b, **kwargs) for b in buckets(last - timedelta(days=days) + BUCKET, last)}


CRITICAL_TEXTS = (
    "{brand} lost my order and nobody answers, I am talking to my lawyer tomorrow",
    "{brand} charged me three times, my lawyer will hear about this",
    "{brand} support hung up on me again, I'm suing, see you in court",
)
CRITICAL_FOLLOWERS = 250_000  # over the demo brand's critical reach: a legal threat goes critical
HIGH_FOLLOWERS = (12_000, 90_000)  # over its high reach, under its critical reach


def storm_bodies(
    brand: str,
    count: int,
    at: datetime,
    minutes: float,
    batch: int = BATCH,
    *,
    critical: int = 0,
    high: int = 0,
) -> list[tuple[float, list[dict[str, Any]]]]:
    """The storm as generic-webhook batches: ``(seconds after the start, mentions)``.

    Most mentions are angry but of normal priority (modest reach, no threat), so none alerts on
    its own; ``high`` of them, spread evenly, come from big accounts (high priority: each would
    alert); ``critical`` of them are legal threats from very big accounts (critical)."""
    run = uuid.uuid4().hex[:8]
    rng = random.Random(run)
    out: list[tuple[float, list[dict[str, Any]]]] = []
    spread = max(minutes, 0.0) * 60
    batches = math.ceil(count / batch)
    criticals = {round((k + 1) * count / (critical + 1)) for k in range(critical)}
    others = [n for n in range(count) if n not in criticals]
    highs = {others[int((k + 0.5) * len(others) / high)] for k in range(min(high, len(others)))}
    for i in range(batches):
        offset = spread * i / batches
        items = []
        for n in range(i * batch, min(count, (i + 1) * batch)):
            text = rng.choice(COMPLAINTS)
            # Under the demo brand's high-reach threshold: normal priority, no alert of its own.
            followers = min(int(rng.paretovariate(1.2) * 50), 9000)
            if n in criticals:
                text, followers = CRITICAL_TEXTS[n % len(CRITICAL_TEXTS)], CRITICAL_FOLLOWERS
            elif n in highs:
                followers = rng.randint(*HIGH_FOLLOWERS)
            items.append(
                {
                    "id": f"storm-{run}-{n}",
                    "source": "storm",
                    "text": text.format(brand=brand),
                    "author": {
                        "handle": f"user{run}{n}",
                        "name": f"User {n}",
                        "followers": followers,
                    },
                    "url": None,
                    "created_at": (at + timedelta(seconds=offset)).isoformat(),
                }
            )
        out.append((offset, items))
    return out


def main(args: Any) -> int:
    from heard_local import defaults

    state = defaults.state_dir() / "local.json"
    if not state.is_file():
        print(f"heard_local storm: no running stack: {state} is missing", file=sys.stderr)
        return 1
    info = json.loads(Path(state).read_text(encoding="utf-8"))
    if not info["tables"].get("SignalsTable"):
        print("heard_local storm: the running stack has no SignalsTable", file=sys.stderr)
        return 1
    if args.real_time:
        try:
            return real_time(args, info)
        except Exception as exc:  # the stack went away or refused a batch
            print(f"heard_local storm: {exc}", file=sys.stderr)
            return 1
    from heard_local.replay import replay

    def say(line: str) -> None:
        print(f"  storm  {line}", flush=True)

    try:
        outcome = replay(
            info,
            brand=args.brand,
            count=args.count,
            minutes=args.minutes,
            critical=args.critical,
            high=args.high,
            seed_days=args.seed_days,
            seed_volume=args.seed_volume,
            until_over=args.until_over,
            say=say,
        )
    except Exception as exc:  # the stack went away, refused a batch, did not keep up
        print(f"heard_local storm: {exc}", file=sys.stderr)
        return 1
    for line in outcome.lines():
        say(line)
    return 0


def seed(signals: Any, brand: str, end: datetime, days: int, volume: float) -> str:
    """Seed ``days`` of baseline counts before ``end`` (only where none are stored) into
    ``signals`` (a ``SignalsTable``) and reset the brand's detector state; what it did."""
    seeded = history(end, days=days, volume=volume)
    written = signals.seed_many(brand, seeded)
    signals.reset_state(brand)
    first, last = min(seeded), max(seeded)
    return (
        f"SEEDED {written} bucket(s) of baseline counts for {brand} ({first:%Y-%m-%d %H:%M} "
        f"to {last:%Y-%m-%d %H:%M} UTC, about {volume:g} mentions a bucket, "
        f"{SEED_NEGATIVE:.0%} negative; buckets with real counts kept): synthetic history, so "
        "the detectors have a baseline; their state reset, so the next check starts from it"
    )


def real_time(args: Any, info: dict[str, Any]) -> int:
    """The storm over real minutes; the stack's own spike schedule finds it."""
    from heard_local.replay import StackControl

    stack = StackControl(info)
    try:
        now = stack.clock()  # ahead of the wall clock once a replay has moved it
        if not args.no_seed:
            line = seed(stack.signals, args.brand, now, args.seed_days, args.seed_volume)
            print(f"  storm  {line}", flush=True)
        plan = storm_bodies(
            args.brand, args.count, now, args.minutes, critical=args.critical, high=args.high or 0
        )
        started = time.monotonic()
        sent = 0
        for offset, items in plan:
            wait = offset - (time.monotonic() - started)
            if wait > 0:
                time.sleep(wait)
            stack.post(items)
            sent += len(items)
    finally:
        stack.close()
    closes = bucket_start(now + timedelta(seconds=time.monotonic() - started)) + BUCKET
    print(
        f"  storm  posted {sent} negative mention(s) about {args.brand} in "
        f"{time.monotonic() - started:.0f} s ({len(plan)} signed generic-webhook batch(es))",
        flush=True,
    )
    print(
        f"  storm  the spike check reads the bucket closing at {closes:%H:%M} UTC from "
        f"{closes + timedelta(minutes=3):%H:%M}; the crisis alert appears on its next run "
        "(every 5 minutes; HEARD_SCHEDULE_SPEEDUP=60: every 5 s)",
        flush=True,
    )
    return 0
