"""Synthetic 5-minute mention counts for the spike tests (detector and CLI), seeded: every run
sees the same."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
BUCKET = timedelta(minutes=5)
DAY = 288

Series = list[tuple[datetime, float]]


def seasonal(days: int, volume: float = 60.0, seed: int = 7) -> list[float]:
    """``days`` of counts around ``volume`` per bucket: a time-of-day curve (quiet nights,
    busy evenings) and lognormal noise."""
    rng = random.Random(seed)
    counts = []
    for t in range(days * DAY):
        hour = (t % DAY) / 12
        mu = volume * math.exp(0.6 * math.cos(2 * math.pi * (hour - 17) / 24))
        counts.append(float(round(mu * math.exp(rng.gauss(0, 0.12)))))
    return counts


def timed(counts: list[float]) -> Series:
    return [(START + t * BUCKET, c) for t, c in enumerate(counts)]


def bursty(
    days: int, volume: float = 60.0, seed: int = 11, persist: float = 0.07, shape: float = 20.0
) -> list[float]:
    """Like ``seasonal`` but far burstier than Poisson, as real mentions are: gamma-Poisson
    counts (gamma ``shape``: smaller is burstier), noise that persists for a few buckets (an
    AR(1) in log, innovations of ``persist``),
    a day-to-day level, single-bucket blips of 2-4x (three a day) and retweet cascades of 2.5-4x
    gone within 15 minutes (one a day). None of it is an incident."""
    rng = random.Random(seed)
    n = days * DAY
    factor = [1.0] * n
    for _ in range(3 * days):
        at = rng.randrange(n)
        factor[at] = max(factor[at], rng.uniform(2, 4))
    for _ in range(days):
        at, peak = rng.randrange(n - 3), rng.uniform(2.5, 4)
        for k, share in enumerate((1.0, 0.45, 0.15)):
            factor[at + k] = max(factor[at + k], 1 + (peak - 1) * share)
    day_level = [rng.gauss(0, 0.1) for _ in range(days)]
    counts, ar = [], 0.0
    for t in range(n):
        hour = (t % DAY) / 12
        ar = 0.7 * ar + rng.gauss(0, persist)
        mu = volume * math.exp(0.6 * math.cos(2 * math.pi * (hour - 17) / 24))
        mu *= math.exp(day_level[t // DAY] + ar) * factor[t]
        counts.append(float(round(rng.gammavariate(shape, mu / shape))))
    return counts
