"""``python -m heard_local storm``: replay a storm of negative mentions into the running stack.

The spike detectors need history before they alert (two days of warm-up; a week to know each
time of day), which a local stack that lives for minutes does not have. So the command first
SEEDS the brand's counts: two weeks of a seasonal baseline (quiet nights, busy evenings, quieter
weekends, about 10% negative), written directly to the stack's SignalsTable, only into buckets
that hold no counts yet, and clearly labelled seeded in its output. It then forgets the brand's
detector state, so the next spike check starts again from the stored counts (seed included).
Then it posts the storm: ``--count`` angry mentions over ``--minutes`` (0: all at once), signed
generic-webhook deliveries of 100 mentions each, exactly as a sender would post them.

The spike check reads a bucket three minutes after it closes and runs every 5 minutes
(``HEARD_SCHEDULE_SPEEDUP=60`` runs it every 5 seconds), so the crisis alert is printed by the
alert printer a few minutes after the storm's first bucket closes.
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
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


def storm_bodies(
    brand: str, count: int, at: datetime, minutes: float, batch: int = BATCH
) -> list[tuple[float, list[dict[str, Any]]]]:
    """The storm as generic-webhook batches: ``(seconds after the start, mentions)``."""
    run = uuid.uuid4().hex[:8]
    rng = random.Random(run)
    out: list[tuple[float, list[dict[str, Any]]]] = []
    spread = max(minutes, 0.0) * 60
    batches = math.ceil(count / batch)
    for i in range(batches):
        offset = spread * i / batches
        items = []
        for n in range(i * batch, min(count, (i + 1) * batch)):
            # Under the demo brand's high-reach threshold: each stays normal priority and is
            # stored without an alert of its own (collapsing those into the crisis is not
            # wired yet), so the crisis alert is what the storm shows.
            followers = min(int(rng.paretovariate(1.2) * 50), 9000)
            items.append(
                {
                    "id": f"storm-{run}-{n}",
                    "source": "storm",
                    "text": rng.choice(COMPLAINTS).format(brand=brand),
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
    import boto3
    import httpx

    from heard.store import SignalsTable
    from heard_local import defaults
    from heard_local.signing import sign_for

    state = defaults.state_dir() / "local.json"
    if not state.is_file():
        print(f"heard_local storm: no running stack: {state} is missing", file=sys.stderr)
        return 1
    info = json.loads(Path(state).read_text(encoding="utf-8"))
    table_name = info["tables"].get("SignalsTable")
    if not table_name:
        print("heard_local storm: the running stack has no SignalsTable", file=sys.stderr)
        return 1
    dynamodb = boto3.resource(
        "dynamodb",
        endpoint_url=info["aws_endpoint_url"],
        region_name=info["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    signals = SignalsTable(dynamodb.Table(table_name))
    now = datetime.now(UTC)
    if not args.no_seed:
        seeded = history(now, days=args.seed_days, volume=args.seed_volume)
        written = signals.seed_many(args.brand, seeded)
        first, last = min(seeded), max(seeded)
        print(
            f"  storm  SEEDED {written} bucket(s) of baseline counts for {args.brand} "
            f"({first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC, about {args.seed_volume:g} "
            f"mentions a bucket, {SEED_NEGATIVE:.0%} negative; buckets with real counts kept): "
            "synthetic history, so the detectors have a baseline",
            flush=True,
        )
        signals.reset_state(args.brand)
        print(
            f"  storm  reset the spike detectors' state for {args.brand}: the next check "
            "starts again from the stored counts",
            flush=True,
        )
    plan = storm_bodies(args.brand, args.count, now, args.minutes)
    started = time.monotonic()
    sent = 0
    with httpx.Client(base_url=info["api_url"], timeout=30) as client:
        for offset, items in plan:
            wait = offset - (time.monotonic() - started)
            if wait > 0:
                time.sleep(wait)
            body = json.dumps(items).encode()
            path = "/webhooks/generic"
            response = client.post(
                path, content=body, headers=sign_for(path, body, info["secrets_env"])
            )
            if response.status_code >= 300:
                print(f"  storm  {path}: {response.status_code} {response.text}", file=sys.stderr)
                return 1
            sent += len(items)
    closes = bucket_start(datetime.now(UTC)) + BUCKET
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
