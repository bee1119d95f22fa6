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
